// Admission plugin "ExtendedResourceToleration" (off by default upstream): a pod requesting
// an extended resource (example.com/gpu) tolerates the taint of that name (operator Exists,
// effect NoSchedule), so nodes dedicated to the resource can taint themselves.

import { arr, isResource, rec, type Plugin } from './common.js';
import { isExtendedResourceName } from './resourcequota.js';

export function extendedResourceTolerationPlugin(): Plugin {
  return {
    name: 'ExtendedResourceToleration',
    admit(op, obj, _old, scope) {
      if ((op !== 'CREATE' && op !== 'UPDATE') || !obj || scope.subresource || !isResource(scope, '', 'pods')) return;
      const spec = (obj.spec = rec(obj.spec));
      const names = new Set<string>();
      for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
        for (const r of Object.keys(rec(c.resources?.requests))) if (isExtendedResourceName(r)) names.add(r);
      }
      if (!names.size) return;
      const tolerations = arr(spec.tolerations).slice();
      for (const key of [...names].sort()) {
        const t = { key, operator: 'Exists', effect: 'NoSchedule' };
        // helper.AddOrUpdateTolerationInPod: an equal toleration (key, operator, value, effect) is replaced
        const i = tolerations.findIndex((x) => x.key === key && x.operator === 'Exists' && (x.value ?? '') === '' && x.effect === 'NoSchedule');
        if (i >= 0) tolerations[i] = t;
        else tolerations.push(t);
      }
      spec.tolerations = tolerations;
    },
  };
}
