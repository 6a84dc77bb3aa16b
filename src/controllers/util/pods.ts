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

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** A zero time first, otherwise the later time first (upstream afterOrZero). */
function afterOrZero(a: number, b: number): number {
  if (!a || !b) return a === b ? 0 : !a ? -1 : 1;
  return b - a;
}

/**
 * Upstream's ActivePods ordering (what a Job deletes first): unassigned before assigned,
 * Pending before Unknown before Running, not ready before ready, more recently ready first,
 * more restarts first, newer first. (ReplicaSets use the ranked variant in
 * replicaset/deletion.ts.)
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const an = a.spec?.nodeName ?? '';
  const bn = b.spec?.nodeName ?? '';
  if (an !== bn && (!an || !bn)) return !an ? -1 : 1;
  const ap = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const bp = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a);
  const br = isPodReady(b);
  if (ar !== br) return ar ? 1 : -1;
  if (ar && br) {
    const d = afterOrZero(readyTime(a), readyTime(b));
    if (d) return d;
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return afterOrZero(Date.parse(a.metadata?.creationTimestamp ?? '') || 0, Date.parse(b.metadata?.creationTimestamp ?? '') || 0);
}

/** The pod's controllerRef, if any. */
export function controllerRefOf(obj: { metadata?: { ownerReferences?: { controller?: boolean; kind: string; name: string; uid: string; apiVersion: string }[] } }) {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}
