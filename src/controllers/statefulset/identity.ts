// StatefulSet pod identity and storage (upstream stateful_set_utils.go): ordinal names
// `<set>-<ordinal>`, the pod-name and pod-index labels, hostname/subdomain, one PVC per volume
// claim template `<template>-<set>-<ordinal>` mounted in place of a template volume of that name,
// the revision label, the pod states the controller reasons about, and the PVC retention
// owner references.

import type { OwnerReference, PersistentVolumeClaim, Pod, StatefulSet } from '../util/types.js';
import { newControllerRef } from '../util/controllerref.js';
import { podFromTemplate } from '../util/podcontrol.js';
import { isPodAvailable, isPodReady } from '../util/pods.js';
import { ControllerRevisionHashLabel } from '../history/revision.js';

export const StatefulSetPodNameLabel = 'statefulset.kubernetes.io/pod-name';
export const PodIndexLabel = 'apps.kubernetes.io/pod-index';

const ORDINAL_RE = /^(.*)-([0-9]+)$/;

/** The parent name and ordinal of a pod name, or ordinal -1. */
export function parentAndOrdinal(podName: string | undefined): { parent: string; ordinal: number } {
  const m = ORDINAL_RE.exec(podName ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2147483647 ? { parent: m[1]!, ordinal: n } : { parent: '', ordinal: -1 };
}

export function ordinalOf(pod: Pod): number {
  return parentAndOrdinal(pod.metadata?.name).ordinal;
}

export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod.metadata?.name).parent === set.metadata?.name;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** Ordinals in [start, start+replicas) belong to the set's current size. */
export function ordinalInRange(set: StatefulSet, ordinal: number): boolean {
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + (set.spec?.replicas ?? 1);
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata!.name}-${ordinal}`;
}

export function claimName(set: StatefulSet, templateName: string, ordinal: number): string {
  return `${templateName}-${set.metadata!.name}-${ordinal}`;
}

export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata?.name);
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[StatefulSetPodNameLabel] === pod.metadata?.name &&
    pod.metadata?.labels?.[PodIndexLabel] === String(ordinal)
  );
}

/** Name, namespace and the identity labels from the pod's ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod, ordinal: number): void {
  const meta = (pod.metadata ??= {});
  meta.name = podName(set, ordinal);
  meta.namespace = set.metadata!.namespace;
  meta.labels = { ...(meta.labels ?? {}), [StatefulSetPodNameLabel]: meta.name, [PodIndexLabel]: String(ordinal) };
}

/** The claims of a pod's ordinal: template copies named per ordinal with the selector's labels. */
export function claimsFor(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const tname = t.metadata?.name ?? '';
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(set, tname, ordinal),
        namespace: set.metadata!.namespace,
        labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      },
      spec: structuredClone(t.spec ?? {}),
    };
    out.set(tname, claim);
  }
  return out;
}

export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const vols = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const [name, claim] of claimsFor(set, ordinal)) {
    if (vols.get(name)?.persistentVolumeClaim?.claimName !== claim.metadata!.name) return false;
  }
  return true;
}

/** Mount the ordinal's claims in place of template volumes of the same name. */
export function updateStorage(set: StatefulSet, pod: Pod, ordinal: number): void {
  const claims = claimsFor(set, ordinal);
  if (!claims.size) return;
  const spec = (pod.spec ??= { containers: [] });
  const vols = [...claims].map(([name, c]) => ({ name, persistentVolumeClaim: { claimName: c.metadata!.name! } }));
  for (const v of spec.volumes ?? []) if (!claims.has(v.name)) vols.push(v as (typeof vols)[number]);
  spec.volumes = vols;
}

export function setOwnerInfo(set: StatefulSet) {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: set.metadata };
}

/** newVersionedStatefulSetPod: the pod of an ordinal from `template` at revision `revision`. */
export function newStatefulSetPod(set: StatefulSet, templateSet: StatefulSet, revision: string, ordinal: number): Pod {
  const pod = podFromTemplate(templateSet.spec!.template, set.metadata!.namespace!, newControllerRef(setOwnerInfo(set)));
  updateIdentity(set, pod, ordinal);
  pod.spec!.hostname = pod.metadata!.name;
  if (set.spec?.serviceName) pod.spec!.subdomain = set.spec.serviceName;
  updateStorage(set, pod, ordinal);
  pod.metadata!.labels = { ...(pod.metadata!.labels ?? {}), [ControllerRevisionHashLabel]: revision };
  return pod;
}

export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[ControllerRevisionHashLabel] ?? '';
}

export const isCreated = (p: Pod) => !!p.status?.phase;
export const isFailed = (p: Pod) => p.status?.phase === 'Failed';
export const isSucceeded = (p: Pod) => p.status?.phase === 'Succeeded';
export const isPending = (p: Pod) => p.status?.phase === 'Pending';
export const isTerminating = (p: Pod) => !!p.metadata?.deletionTimestamp;
export const isRunningAndReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);
export const isRunningAndAvailable = (p: Pod, minReadySeconds: number, now = Date.now()) => p.status?.phase === 'Running' && isPodAvailable(p, minReadySeconds, now);
export const isHealthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p);
export const isUnavailable = (p: Pod, minReadySeconds: number) => !isRunningAndAvailable(p, minReadySeconds) || isTerminating(p);

/**
 * The owner references a claim should carry under persistentVolumeClaimRetentionPolicy: the set
 * when whenDeleted=Delete, the pod when whenScaled=Delete and the ordinal is being scaled away.
 */
export function claimOwnerRefs(set: StatefulSet, pod: Pod | undefined, condemned: boolean): OwnerReference[] {
  const pol = set.spec?.persistentVolumeClaimRetentionPolicy;
  const refs: OwnerReference[] = [];
  if (pol?.whenDeleted === 'Delete') refs.push({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata!.name!, uid: set.metadata!.uid! });
  if (pol?.whenScaled === 'Delete' && condemned && pod?.metadata?.uid) refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid });
  return refs;
}
