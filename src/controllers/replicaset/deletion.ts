// Which surplus pods a ReplicaSet deletes first (upstream controller_utils' ActivePodsWithRanks
// with LogarithmicScaleDown, GA): unassigned before assigned; Pending < Unknown < Running; not
// ready before ready; lower controller.kubernetes.io/pod-deletion-cost first; pods sharing a
// node with more pods of the same owner (a Deployment's ReplicaSets) first; then ready time and
// creation time compared by log2 of their age — pods of the same age bucket in UID order, a
// stable pseudo-random choice — with more container restarts first in between.

import { getPodCondition, isPodActive, isPodReady } from '../util/pods.js';
import type { Pod } from '../util/types.js';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(p: Pod): number {
  return PHASE_ORDINAL[p.status?.phase ?? ''] ?? 0;
}

function deletionCost(p: Pod): number {
  const v = Number(p.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

/** The Ready condition's lastTransitionTime of a ready pod (0 when unknown). */
function readyTime(p: Pod): number {
  const c = getPodCondition(p, 'Ready');
  return c?.status === 'True' ? Date.parse(c.lastTransitionTime ?? '') || 0 : 0;
}

function maxRestarts(p: Pod): number {
  let n = 0;
  for (const s of p.status?.containerStatuses ?? []) n = Math.max(n, s.restartCount ?? 0);
  return n;
}

/** afterOrZero: a zero time, or the later time, first. */
function afterOrZero(a: number, b: number): number {
  if (!a || !b) return !a ? -1 : 1;
  return b - a;
}

/** log2 buckets of age: the one with the younger bucket first, same bucket by UID. */
function logarithmicCompare(a: number, b: number, now: number, x: Pod, y: Pod): number {
  if (!now || !a || !b) return afterOrZero(a, b);
  // Go durations are nanoseconds
  const rank = (t: number) => (now - t > 0 ? Math.floor(Math.log2((now - t) * 1e6)) : -1);
  const diff = rank(a) - rank(b);
  if (diff !== 0) return diff;
  const ux = x.metadata?.uid ?? '';
  const uy = y.metadata?.uid ?? '';
  return ux < uy ? -1 : ux > uy ? 1 : 0;
}

export interface RankedPod {
  pod: Pod;
  /** active related pods on the same node */
  rank: number;
}

/** ActivePodsWithRanks.Less as a comparator (negative: a is deleted before b). */
export function compareRanked(a: RankedPod, b: RankedPod, now: number): number {
  const x = a.pod;
  const y = b.pod;
  const nx = x.spec?.nodeName ?? '';
  const ny = y.spec?.nodeName ?? '';
  if (nx !== ny && (!nx || !ny)) return !nx ? -1 : 1;
  if (phaseOrdinal(x) !== phaseOrdinal(y)) return phaseOrdinal(x) - phaseOrdinal(y);
  if (isPodReady(x) !== isPodReady(y)) return isPodReady(x) ? 1 : -1;
  if (deletionCost(x) !== deletionCost(y)) return deletionCost(x) - deletionCost(y);
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (isPodReady(x) && isPodReady(y)) {
    const rx = readyTime(x);
    const ry = readyTime(y);
    if (rx !== ry) return logarithmicCompare(rx, ry, now, x, y);
  }
  if (maxRestarts(x) !== maxRestarts(y)) return maxRestarts(y) - maxRestarts(x);
  const cx = Date.parse(x.metadata?.creationTimestamp ?? '') || 0;
  const cy = Date.parse(y.metadata?.creationTimestamp ?? '') || 0;
  if (cx !== cy) return logarithmicCompare(cx, cy, now, x, y);
  return 0;
}

/** getPodsRankedByRelatedPodsOnSameNode: rank = active related pods on the pod's node. */
export function rankByRelatedPodsOnSameNode(pods: Pod[], related: Pod[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/** getPodsToDelete: the `diff` pods to delete first (all of them when diff covers every pod). */
export function getPodsToDelete(pods: Pod[], related: Pod[], diff: number, now = Date.now()): Pod[] {
  if (diff >= pods.length) return pods.slice(0, diff);
  return rankByRelatedPodsOnSameNode(pods, related)
    .sort((a, b) => compareRanked(a, b, now))
    .slice(0, diff)
    .map((r) => r.pod);
}
