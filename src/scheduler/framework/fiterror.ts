// FitError: why a pod fits no node, worded as upstream: "0/N nodes are available: " + the
// PreFilter message, or the histogram of filter reasons ("2 Insufficient cpu", sorted as
// strings) + ". " + the PostFilter (preemption) message.

import type { NodeToStatus } from './interface.js';

export const NoNodeAvailableMsg = '0/%v nodes are available';
export const ErrNoNodesAvailable = 'no nodes available to schedule pods';

/** sort.Strings order (byte-wise). */
function goSort(xs: string[]): string[] {
  return xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function fitErrorMessage(numAllNodes: number, statuses: NodeToStatus, preFilterMsg: string, postFilterMsg: string): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const reasons = new Map<string, number>();
    for (const s of statuses.map.values()) for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    if (statuses.size < numAllNodes && statuses.absentStatus) {
      for (const r of statuses.absentStatus.reasons) reasons.set(r, (reasons.get(r) ?? 0) + numAllNodes - statuses.size);
    }
    const sorted = goSort([...reasons].map(([r, n]) => `${n} ${r}`));
    if (sorted.length) msg += ` ${sorted.join(', ')}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}.`;
  return msg;
}

/** The scheduling failure of a pod that fits no node (framework.FitError). */
export class FitError {
  constructor(
    readonly numAllNodes: number,
    readonly statuses: NodeToStatus,
    readonly preFilterMsg: string,
    public postFilterMsg: string,
    /** plugins that rejected the pod (for queueing hints) */
    readonly unschedulablePlugins: Set<string>,
  ) {}
  get message(): string {
    return fitErrorMessage(this.numAllNodes, this.statuses, this.preFilterMsg, this.postFilterMsg);
  }
}
