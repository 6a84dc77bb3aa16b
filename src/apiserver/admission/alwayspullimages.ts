// Admission plugin "AlwaysPullImages" (off by default upstream): every container of a new
// pod, and of a pod update that introduces an image, gets imagePullPolicy: Always, so only
// users able to pull an image can run it.

import { admissionForbidden, arr, isResource, rec, type Plugin } from './common.js';
import type { KObject } from '../registry/types.js';
import type { RequestScope } from '../endpoints/context.js';

const FIELDS = ['initContainers', 'containers', 'ephemeralContainers'];

function visit(spec: KObject, fn: (c: KObject, path: string) => void): void {
  for (const f of FIELDS) arr(spec[f]).forEach((c, i) => fn(c, `spec.${f}[${i}]`));
}

function ignored(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): boolean {
  if (!obj || scope.subresource || !isResource(scope, '', 'pods')) return true;
  if (op === 'CREATE') return false;
  if (op !== 'UPDATE' || !old) return true;
  const oldImages = new Set<string>();
  visit(rec(old.spec), (c) => oldImages.add(c.image));
  let hasNew = false;
  visit(rec(obj.spec), (c) => {
    if (!oldImages.has(c.image)) hasNew = true;
  });
  return !hasNew;
}

export function alwaysPullImagesPlugin(): Plugin {
  return {
    name: 'AlwaysPullImages',
    admit(op, obj, old, scope) {
      if (ignored(op, obj, old, scope)) return;
      visit(rec(obj!.spec), (c) => {
        c.imagePullPolicy = 'Always';
      });
    },
    validate(op, obj, old, scope) {
      if (ignored(op, obj, old, scope)) return;
      visit(rec(obj!.spec), (c, path) => {
        if (c.imagePullPolicy !== 'Always') {
          throw admissionForbidden(scope, obj, `${path}.imagePullPolicy: Unsupported value: ${JSON.stringify(c.imagePullPolicy ?? '')}: supported values: "Always"`);
        }
      });
    },
  };
}
