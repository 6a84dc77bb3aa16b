// The arithmetic of a PodDisruptionBudget's status (upstream disruption.go, pure part):
// desired healthy pods from minAvailable / maxUnavailable (int or percent, percentages of the
// controllers' expected scale rounded up), pods currently healthy (Ready, not being deleted,
// not recently disrupted by an eviction), the disruptedPods entries still pending (2 minutes),
// disruptionsAllowed and the DisruptionAllowed condition.

import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { Pod } from '../util/types.js';
import { isPodReady } from '../util/pods.js';
import { scaledValue } from '../util/intstr.js';
import { nowTimestamp } from '../../apimachinery/time.js';

/** How long an eviction's disruptedPods entry holds before the pod counts again (DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

/** Whether the expected count comes from the pods' controllers (maxUnavailable, or minAvailable as a percentage). */
export function needsControllerScale(pdb: PodDisruptionBudget): boolean {
  const min = pdb.spec?.minAvailable;
  return pdb.spec?.maxUnavailable !== undefined || (typeof min === 'string' && min.endsWith('%'));
}

/** expectedCount and desiredHealthy; `scale` is the sum of the controllers' replicas (when needed). */
export function expectedAndDesired(pdb: PodDisruptionBudget, pods: number, scale: number): { expected: number; desired: number } {
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined) {
    const max = scaledValue(maxUnavailable, scale, true);
    return { expected: scale, desired: Math.max(0, scale - max) };
  }
  if (minAvailable !== undefined) {
    if (typeof minAvailable === 'number' || /^-?\d+$/.test(minAvailable)) return { expected: pods, desired: Number(minAvailable) };
    return { expected: scale, desired: scaledValue(minAvailable, scale, true) };
  }
  return { expected: 0, desired: 0 };
}

/**
 * buildDisruptedPodMap: the status entries of pods still expected to go (with the earliest
 * expiry to look again at), and the names of those overdue (expected deleted but not).
 */
export function disruptedPodMap(pdb: PodDisruptionBudget, pods: Pod[], now: number): { map: Record<string, string>; recheckAt?: number; overdue: Pod[] } {
  const out: Record<string, string> = {};
  const overdue: Pod[] = [];
  let recheckAt: number | undefined;
  const status = pdb.status?.disruptedPods;
  if (!status) return { map: out, overdue };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const t = status[pod.metadata!.name!];
    if (!t) continue;
    const expires = Date.parse(t) + DELETION_TIMEOUT_MS;
    if (expires < now) overdue.push(pod);
    else {
      if (recheckAt === undefined || expires < recheckAt) recheckAt = expires;
      out[pod.metadata!.name!] = t;
    }
  }
  return { map: out, recheckAt, overdue };
}

export function countHealthyPods(pods: Pod[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const t = disrupted[pod.metadata!.name!];
    if (t && Date.parse(t) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}


/** apimeta.SetStatusCondition: lastTransitionTime changes only with the status. */
export function setCondition(conditions: Condition[], c: Omit<Condition, 'lastTransitionTime'>): Condition[] {
  const out = [...conditions];
  const i = out.findIndex((x) => x.type === c.type);
  if (i < 0) {
    out.push({ ...c, lastTransitionTime: nowTimestamp() });
    return out;
  }
  const old = out[i]!;
  out[i] = { ...old, ...c, lastTransitionTime: old.status === c.status ? old.lastTransitionTime : nowTimestamp() };
  return out;
}

/** The status a sync writes (UpdateDisruptionAllowedCondition included), or undefined when unchanged. */
export function nextStatus(pdb: PodDisruptionBudget, currentHealthy: number, desiredHealthy: number, expectedCount: number, disruptedPods: Record<string, string>): PodDisruptionBudget['status'] | undefined {
  let allowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || allowed <= 0) allowed = 0;
  const gen = pdb.metadata?.generation ?? 0;
  const s = pdb.status;
  const cond = s?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
  const wantTrue = allowed > 0;
  const condOK = !!cond && cond.observedGeneration === gen && (wantTrue ? cond.status === 'True' && cond.reason === 'SufficientPods' : cond.status === 'False' && cond.reason === 'InsufficientPods');
  const sameDisrupted = JSON.stringify(Object.entries(s?.disruptedPods ?? {}).sort()) === JSON.stringify(Object.entries(disruptedPods).sort());
  if (s && s.currentHealthy === currentHealthy && s.desiredHealthy === desiredHealthy && s.expectedPods === expectedCount && s.disruptionsAllowed === allowed && sameDisrupted && s.observedGeneration === gen && condOK) return undefined;
  const conditions = setCondition(s?.conditions ?? [], wantTrue
    ? { type: DISRUPTION_ALLOWED, status: 'True', reason: 'SufficientPods', message: '', observedGeneration: gen }
    : { type: DISRUPTION_ALLOWED, status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: gen });
  return {
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    disruptionsAllowed: allowed,
    ...(Object.keys(disruptedPods).length ? { disruptedPods } : {}),
    observedGeneration: gen,
    conditions,
  };
}

/** failSafe: no disruptions allowed, condition SyncFailed with the error. */
export function failSafeStatus(pdb: PodDisruptionBudget, err: Error): PodDisruptionBudget['status'] {
  const s = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 };
  return {
    ...s,
    disruptionsAllowed: 0,
    conditions: setCondition(s.conditions ?? [], { type: DISRUPTION_ALLOWED, status: 'False', reason: 'SyncFailed', message: err.message, observedGeneration: s.observedGeneration ?? 0 }),
  };
}
