// Admission plugin "LimitPodHardAntiAffinityTopology" (off by default upstream): required pod
// anti-affinity terms may only use the kubernetes.io/hostname topology key.

import { admissionForbidden, arr, isResource, type Plugin } from './common.js';

export function limitPodHardAntiAffinityTopologyPlugin(): Plugin {
  return {
    name: 'LimitPodHardAntiAffinityTopology',
    validate(op, obj, _old, scope) {
      if ((op !== 'CREATE' && op !== 'UPDATE') || !obj || scope.subresource || !isResource(scope, '', 'pods')) return;
      for (const term of arr(obj.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution)) {
        if (term.topologyKey !== 'kubernetes.io/hostname') {
          throw admissionForbidden(scope, obj, `affinity.PodAntiAffinity.RequiredDuringScheduling has TopologyKey ${term.topologyKey ?? ''} but only key kubernetes.io/hostname is allowed`);
        }
      }
    },
  };
}
