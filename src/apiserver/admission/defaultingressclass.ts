// Admission plugin "DefaultIngressClass" (on by default upstream): an Ingress created without
// spec.ingressClassName and without the kubernetes.io/ingress.class annotation gets the
// IngressClass annotated ingressclass.kubernetes.io/is-default-class: "true" (the newest
// when several are).

import { isResource, type Objects, type Plugin } from './common.js';
import { newestDefault } from './defaultstorageclass.js';

export const IS_DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export function defaultIngressClassPlugin(objects: Objects): Plugin {
  return {
    name: 'DefaultIngressClass',
    async admit(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.subresource || !isResource(scope, 'networking.k8s.io', 'ingresses')) return;
      const spec = (obj.spec ??= {});
      if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return;
      if (obj.metadata?.annotations && INGRESS_CLASS_ANNOTATION in obj.metadata.annotations) return;
      const classes = (await objects.list('networking.k8s.io', 'ingressclasses')).filter((c) => c.metadata?.annotations?.[IS_DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
      const def = newestDefault(classes);
      if (def) spec.ingressClassName = def.metadata.name;
    },
  };
}
