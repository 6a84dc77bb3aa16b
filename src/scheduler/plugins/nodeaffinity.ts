// NodeAffinity: Filter on spec.nodeSelector + required node affinity (and the profile's
// scheduler-enforced addedAffinity); Score by the weights of matching preferred terms.

import type { Plugin } from '../framework/interface.js';
import { ActionType, MaxNodeScore } from '../framework/interface.js';
import { nodeSelectorMatches, nodeSelectorTermMatches, RequiredNodeAffinity } from '../framework/helpers.js';
import { SKIP, Status } from '../framework/status.js';
import type { NodeAffinityArgs } from '../config/types.js';
import type { Pod, PreferredSchedulingTerm } from '../types.js';
import { defaultNormalizeScore } from './util.js';

export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";

const preFilterKey = 'PreFilterNodeAffinity';
const preScoreKey = 'PreScoreNodeAffinity';

export function nodeAffinity(rawArgs: unknown): Plugin {
  const args = (rawArgs ?? {}) as NodeAffinityArgs;
  const addedRequired = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const addedPreferred = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return {
    name: 'NodeAffinity',
    preFilter(state, pod: Pod) {
      const rna = new RequiredNodeAffinity(pod);
      if (rna.empty && !addedRequired) return { status: SKIP };
      state.write(preFilterKey, rna);
      return { status: null };
    },
    filter(state, pod, ni) {
      const node = ni.node!;
      if (addedRequired && !nodeSelectorMatches(addedRequired, node)) return Status.unresolvable(ErrReasonEnforced);
      const rna = state.read<RequiredNodeAffinity>(preFilterKey) ?? new RequiredNodeAffinity(pod);
      if (!rna.match(node)) return Status.unresolvable(ErrReasonPod);
      return null;
    },
    preScore(state, pod) {
      const terms: PreferredSchedulingTerm[] = [...addedPreferred, ...(pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])];
      if (!terms.length) return SKIP;
      state.write(preScoreKey, terms);
      return null;
    },
    score(state, _pod, ni) {
      const terms = state.read<PreferredSchedulingTerm[]>(preScoreKey) ?? [];
      let n = 0;
      for (const t of terms) if (t.weight !== 0 && nodeSelectorTermMatches(t.preference, ni.node!)) n += t.weight;
      return n;
    },
    normalizeScore: (_s, _p, scores) => defaultNormalizeScore(MaxNodeScore, false, scores),
    eventsToRegister: () => [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } }],
  };
}
