// Admission plugin "DefaultTolerationSeconds" (on by default upstream): pods tolerate the
// node.kubernetes.io/not-ready and unreachable NoExecute taints for 300 s unless they say
// otherwise.

import type { AdmissionPlugin } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';

const TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export function defaultTolerationSecondsPlugin(seconds = 300): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    admit(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.def.group !== '' || scope.def.plural !== 'pods' || scope.subresource) return;
      const spec = (obj.spec ??= {});
      const tolerations: KObject[] = (spec.tolerations ??= []);
      for (const key of TAINTS) {
        const covered = tolerations.some((t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
        if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
    },
  };
}
