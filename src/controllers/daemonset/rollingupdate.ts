// DaemonSet rolling updates (upstream update.go rollingUpdate), as a pure plan: without surge,
// delete old pods while the unavailable count stays within maxUnavailable (unavailable old pods
// are always replaced); with maxSurge, start a new pod next to an old one (at once when the old
// one is unavailable, else up to maxSurge at a time) and delete the old pod once the new one is
// available.

import type { DaemonSet, Pod } from '../util/types.js';
import { isPodAvailable } from '../util/pods.js';
import { isPodUpdated, templateGeneration } from './eligibility.js';

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(v: number | string | undefined, total: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  return Number(v) || 0;
}

/** maxSurge and maxUnavailable for `desired` nodes (at least one may be unavailable when surge is 0). */
export function surgeAndUnavailable(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge as number | string | undefined, desired);
  let maxUnavailable = scaledValue(ru?.maxUnavailable as number | string | undefined, desired);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The one new and one old pod on a node; ok=false when there are two of a kind. */
export function updatedPodsOnNode(ds: DaemonSet, pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const gen = templateGeneration(ds);
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingPlan {
  deletePods: Pod[];
  createOnNodes: string[];
}

export function planRollingUpdate(
  ds: DaemonSet,
  nodeToPods: Map<string, Pod[]>,
  hash: string,
  desired: number,
  shouldRun: (node: string) => boolean,
  nowMs = Date.now(),
): RollingPlan {
  const mrs = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, mrs, nowMs);
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, desired);
  const nodes = [...nodeToPods.keys()].sort();
  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const n of nodes) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, nodeToPods.get(n)!, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        unavailable++;
        continue;
      }
      if (newPod) {
        if (!available(newPod)) unavailable++;
        continue;
      }
      if (!available(oldPod!)) replace.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { deletePods: [...replace, ...candidates.slice(0, room)], createOnNodes: [] };
  }
  const deletePods: Pod[] = [];
  const allowed: string[] = [];
  const candidates: string[] = [];
  let surge = 0;
  for (const n of nodes) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, nodeToPods.get(n)!, hash);
    if (!ok) {
      surge++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(n)) deletePods.push(oldPod);
        else allowed.push(n);
      } else if (surge < maxSurge) candidates.push(n);
      continue;
    }
    if (!available(newPod)) {
      surge++;
      continue;
    }
    deletePods.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surge), candidates.length);
  return { deletePods, createOnNodes: [...allowed, ...candidates.slice(0, room)] };
}
