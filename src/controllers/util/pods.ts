// Pod facts controllers share (upstream's podutil and controller_utils): readiness,
// availability, activeness, and the order in which a controller deletes surplus pods.

import type { Pod, PodCondition } from './types.js';

export function getPodCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds at `nowMs` (upstream IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs = Date.now()): boolean {
  const c = getPodCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Not terminated (Succeeded/Failed) and not being deleted (upstream IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export function filterActivePods(pods: Pod[]): Pod[] {
  return pods.filter(isPodActive);
}

function readyTime(pod: Pod): number {
  const c = getPodCondition(pod, 'Ready');
  return c?.status === 'True' ? Date.parse(c.lastTransitionTime ?? '') || 0 : 0;
}

function restarts(pod: Pod): number {
  let n = 0;
  for (const s of pod.status?.containerStatuses ?? []) n = Math.max(n, s.restartCount ?? 0);
  return n;
}

const PHASE_RANK: Record<string, number> = { Pending: 1, Unknown: 1, Running: 2 };

/**
 * Upstream's ActivePods ordering: the pods to delete first come first — unassigned before
 * assigned, Pending before Unknown before Running, not ready before ready, lower
 * pod-deletion-cost first, recently ready before long ready, more restarts before fewer, newer
 * before older.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const an = a.spec?.nodeName ? 1 : 0;
  const bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  const cost = (p: Pod) => Number(p.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0) || 0;
  if (cost(a) !== cost(b)) return cost(a) - cost(b);
  if (ar && br) {
    const at = readyTime(a);
    const bt = readyTime(b);
    if (at !== bt) return bt - at;
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ac = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bc = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  return bc - ac;
}

/** The pod's controllerRef, if any. */
export function controllerRefOf(obj: { metadata?: { ownerReferences?: { controller?: boolean; kind: string; name: string; uid: string; apiVersion: string }[] } }) {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}
