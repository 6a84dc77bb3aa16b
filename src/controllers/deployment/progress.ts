// Rollout progress (upstream progress.go): the Progressing condition — ReplicaSetUpdated
// while pods move, NewReplicaSetAvailable when complete, ProgressDeadlineExceeded after
// progressDeadlineSeconds without progress — ReplicaFailure copied from the ReplicaSets, and a
// requeue at the moment the deadline would pass.

import { logger } from '../../util/klog.js';
import type { Deployment, ReplicaSet } from '../util/types.js';
import type { DeploymentCondition, DeploymentStatus } from './conditions.js';
import {
  NEW_RS_AVAILABLE_REASON, PROGRESSING, REPLICA_FAILURE, RS_UPDATED_REASON, TIMED_OUT_REASON, deploymentTimedOut, getCondition,
  hasProgressDeadline, newCondition, removeCondition, setCondition,
} from './conditions.js';
import { deploymentComplete, deploymentProgressing } from './fenceposts.js';
import type { SyncDeps } from './sync.js';
import { calculateStatus, objKey, statusEqual, updateDeploymentStatus } from './sync.js';

const log = logger('progress.go');

/** ReplicaFailure conditions of the RSes, the new RS's first (ReplicaSetToDeploymentCondition). */
export function getReplicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const toDeployment = (c: { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }): DeploymentCondition => ({
    type: c.type,
    status: c.status,
    lastUpdateTime: c.lastTransitionTime,
    lastTransitionTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  });
  const out: DeploymentCondition[] = [];
  for (const c of newRS?.status?.conditions ?? []) if (c.type === REPLICA_FAILURE) out.push(toDeployment(c));
  if (out.length) return out;
  for (const rs of allRSs) for (const c of rs?.status?.conditions ?? []) if (c.type === REPLICA_FAILURE) out.push(toDeployment(c));
  return out;
}

/** The status a rollout step leads to (the pure part of syncRolloutStatus). */
export function rolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs = Date.now()): DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE_REASON;
  if (hasProgressDeadline(d) && !isComplete) {
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata?.name)} has successfully progressed.` : `Deployment ${JSON.stringify(d.metadata?.name)} has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, msg, nowMs));
    } else if (deploymentProgressing(d, status)) {
      // progress refreshes lastUpdateTime even under the same reason
      const msg = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata?.name)} is progressing.` : `Deployment ${JSON.stringify(d.metadata?.name)} is progressing.`;
      const cond = newCondition(PROGRESSING, 'True', RS_UPDATED_REASON, msg, nowMs);
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, nowMs)) {
      const msg = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata?.name)} has timed out progressing.` : `Deployment ${JSON.stringify(d.metadata?.name)} has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT_REASON, msg, nowMs));
    }
  }
  const failures = getReplicaFailures(allRSs, newRS);
  if (failures.length) setCondition(status, failures[0]!);
  else removeCondition(status, REPLICA_FAILURE);
  return status;
}

/** syncRolloutStatus: write the rollout status, or requeue for the next progress check. */
export async function syncRolloutStatus(s: SyncDeps, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const status = rolloutStatus(allRSs, newRS, d);
  if (statusEqual(d.status, status)) {
    requeueStuckDeployment(s, d, status);
    return;
  }
  d.status = status;
  await updateDeploymentStatus(s, d);
}

/** How long until the deployment must be checked for a timeout (-1: never, 0: now). */
export function progressCheckDelay(d: Deployment, status: DeploymentStatus, nowMs = Date.now()): number {
  const cur = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !cur) return -1;
  if (deploymentComplete(d, status) || cur.reason === TIMED_OUT_REASON) return -1;
  const last = Date.parse(cur.lastUpdateTime ?? '');
  if (!Number.isFinite(last)) return -1;
  return Math.max(0, last + d.spec!.progressDeadlineSeconds! * 1000 - nowMs);
}

export function requeueStuckDeployment(s: SyncDeps, d: Deployment, status: DeploymentStatus): number {
  const after = progressCheckDelay(d, status);
  if (after < 0) return after;
  if (after < 1000) {
    log.v(4).info('Queueing up deployment for a progress check now', { deployment: objKey(d) });
    s.requeue(d);
    return 0;
  }
  log.v(4).info('Queueing up deployment for a progress check', { deployment: objKey(d), queueAfter: Math.floor(after / 1000) });
  // a second more, so the check lands after the deadline
  s.requeue(d, after + 1000);
  return after;
}
