// ReplicaSet/RC status (upstream replica_set_utils): replicas, fullyLabeledReplicas,
// readyReplicas, availableReplicas (ready for minReadySeconds), observedGeneration and the
// ReplicaFailure condition (FailedCreate/FailedDelete with the error text) — and the status
// write, skipped in the steady state and retried once on a conflict with a fresh read.

import type { RestClient } from '../../client/index.js';
import { selectorFromSet } from '../../apimachinery/labels.js';
import { logger } from '../../util/klog.js';
import { isPodAvailable, isPodReady } from '../util/pods.js';
import type { Pod } from '../util/types.js';
import type { ReplicaSetCondition, ReplicatedKind, ReplicatedObject, ReplicatedStatus } from './kinds.js';
import { minReadySecondsOf, replicasOf } from './kinds.js';

const log = logger('replica_set_utils.go');

export const REPLICA_FAILURE = 'ReplicaFailure';
const STATUS_UPDATE_RETRIES = 1;

/** metav1.Time: RFC 3339 with second precision. */
export function metaTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function getCondition(status: ReplicatedStatus | undefined, type: string): ReplicaSetCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetCondition: replaces the condition of that type unless status and reason are unchanged. */
export function setCondition(status: ReplicatedStatus, cond: ReplicaSetCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: ReplicatedStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** The status the controller wants, from the pods it owns and the outcome of manageReplicas. */
export function calculateStatus(rs: ReplicatedObject, kind: ReplicatedKind, pods: Pod[], manageErr: unknown, nowMs = Date.now()): ReplicatedStatus {
  const newStatus: ReplicatedStatus = structuredClone((rs.status ?? { replicas: 0 }) as ReplicatedStatus);
  const template = selectorFromSet(kind.template(rs)?.metadata?.labels ?? {});
  const minReady = minReadySecondsOf(rs);
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (template.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
  }
  const failure = getCondition(rs.status as ReplicatedStatus | undefined, REPLICA_FAILURE);
  if (manageErr && !failure) {
    const diff = pods.length - replicasOf(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    setCondition(newStatus, { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: metaTime(nowMs), reason, message: errorText(manageErr) });
  } else if (!manageErr && failure) {
    removeCondition(newStatus, REPLICA_FAILURE);
  }
  newStatus.replicas = pods.length;
  newStatus.fullyLabeledReplicas = fullyLabeled;
  newStatus.readyReplicas = ready;
  newStatus.availableReplicas = available;
  return newStatus;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function conditionsEqual(a: ReplicaSetCondition[] | undefined, b: ReplicaSetCondition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  const same = (p: ReplicaSetCondition, q: ReplicaSetCondition) =>
    p.type === q.type && p.status === q.status && p.reason === q.reason && p.message === q.message && p.lastTransitionTime === q.lastTransitionTime;
  return x.length === y.length && x.every((c, i) => same(c, y[i]!));
}

/** The steady state: nothing to write. */
export function statusUnchanged(rs: ReplicatedObject, s: ReplicatedStatus): boolean {
  const cur = (rs.status ?? {}) as ReplicatedStatus;
  return (
    (cur.replicas ?? 0) === s.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (s.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (s.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (s.availableReplicas ?? 0) &&
    (rs.metadata?.generation ?? 0) === (cur.observedGeneration ?? 0) &&
    conditionsEqual(cur.conditions, s.conditions)
  );
}

/** Write the status (observedGeneration = the generation acted on); returns the stored object. */
export async function updateReplicaSetStatus<T extends ReplicatedObject>(client: RestClient, kind: ReplicatedKind, rs: T, newStatus: ReplicatedStatus): Promise<T> {
  if (statusUnchanged(rs, newStatus)) return rs;
  newStatus.observedGeneration = rs.metadata?.generation ?? 0;
  let cur: T = rs;
  for (let i = 0; ; i++) {
    const old = (cur.status ?? {}) as ReplicatedStatus;
    log.v(4).info(
      `Updating status for ${kind.kind}: ${cur.metadata?.namespace}/${cur.metadata?.name}, ` +
        `replicas ${old.replicas ?? 0}->${newStatus.replicas} (need ${replicasOf(cur)}), ` +
        `fullyLabeledReplicas ${old.fullyLabeledReplicas ?? 0}->${newStatus.fullyLabeledReplicas}, ` +
        `readyReplicas ${old.readyReplicas ?? 0}->${newStatus.readyReplicas}, ` +
        `availableReplicas ${old.availableReplicas ?? 0}->${newStatus.availableReplicas}, ` +
        `sequence No: ${old.observedGeneration ?? 0}->${newStatus.observedGeneration}`,
    );
    const body = { ...cur, apiVersion: kind.apiVersion, kind: kind.kind, status: newStatus } as T;
    try {
      return await client.update<T>({ ...kind.gvr, namespace: cur.metadata!.namespace, name: cur.metadata!.name, subresource: 'status' }, body);
    } catch (err) {
      if (i >= STATUS_UPDATE_RETRIES) throw err;
      cur = await client.get<T>({ ...kind.gvr, namespace: cur.metadata!.namespace, name: cur.metadata!.name });
    }
  }
}
