// Admission plugin "TaintNodesByCondition" (on by default upstream): every Node is created
// with the node.kubernetes.io/not-ready:NoSchedule taint (unless it already has it), so no
// pod lands on it before the node lifecycle controller has seen it Ready and removed it.

import { arr, isResource, type Plugin } from './common.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';

export function taintNodesByConditionPlugin(): Plugin {
  return {
    name: 'TaintNodesByCondition',
    admit(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.subresource || !isResource(scope, '', 'nodes')) return;
      const spec = (obj.spec ??= {});
      const taints = arr(spec.taints);
      // Taint.MatchTaint: same key and effect
      if (taints.some((t) => t.key === TAINT_NODE_NOT_READY && t.effect === 'NoSchedule')) return;
      spec.taints = [...taints, { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }];
    },
  };
}
