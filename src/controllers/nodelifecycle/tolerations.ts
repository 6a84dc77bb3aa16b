// Toleration matching and eviction timing of the taint-eviction controller (upstream's
// v1helper.TolerationsTolerateTaint, tainteviction's getMatchingTolerations and
// getMinTolerationTime, and processPodOnNode's scheduling decision) as pure functions.

import type { Toleration } from 'kubernetes-types/core/v1.js';
import type { Taint } from './taints.js';

export type { Toleration };

/** Toleration.ToleratesTaint. */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (tol.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function noExecuteTaints(taints: Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** Whether every taint is tolerated, and the tolerations that do it. */
export function getMatchingTolerations(taints: Taint[], tolerations: Toleration[]): [boolean, Toleration[]] {
  if (!taints.length) return [true, []];
  if (!tolerations.length) return [false, []];
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return [false, []];
    used.push(t);
  }
  return [true, used];
}

/** The smallest tolerationSeconds in ms (≤0 → 0), or -1 when one tolerates forever or none were used. */
export function getMinTolerationTimeMs(tolerations: Toleration[]): number {
  let min = -1;
  if (!tolerations.length) return 0;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    const ms = Math.max(0, t.tolerationSeconds) * 1000;
    if (min < 0 || ms < min) min = ms;
  }
  return min;
}

export type EvictionDecision =
  | { action: 'cancel'; reason: 'untainted' | 'tolerated-forever' }
  | { action: 'evict'; createdAt: number; fireAt: number }
  | { action: 'keep' };

/**
 * processPodOnNode: what to do with a pod on a node with these NoExecute taints at `now`, given
 * the eviction already scheduled for it (createdAt/fireAt) if any.
 */
export function evictionDecision(taints: Taint[], tolerations: Toleration[], now: number, scheduled?: { createdAt: number; fireAt: number }): EvictionDecision {
  if (!taints.length) return { action: 'cancel', reason: 'untainted' };
  const [allTolerated, used] = getMatchingTolerations(taints, tolerations);
  if (!allTolerated) return { action: 'evict', createdAt: now, fireAt: now };
  const min = getMinTolerationTimeMs(used);
  if (min < 0) return { action: 'cancel', reason: 'tolerated-forever' };
  // an eviction already scheduled earlier keeps its (earlier) deadline
  if (scheduled && scheduled.createdAt < now) return { action: 'keep' };
  return { action: 'evict', createdAt: scheduled?.createdAt ?? now, fireAt: now + min };
}
