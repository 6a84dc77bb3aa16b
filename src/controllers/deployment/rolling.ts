// The RollingUpdate strategy (upstream rolling.go): grow the new ReplicaSet within maxSurge,
// shrink old ones while at least spec.replicas - maxUnavailable pods stay available —
// unhealthy old pods first — and clean history once the rollout completes.

import { logger } from '../../util/klog.js';
import type { Deployment, ReplicaSet } from '../util/types.js';
import { availableReplicaCount, deploymentComplete, desiredReplicas, maxUnavailable, newRSNewReplicas, replicaCount, replicas } from './fenceposts.js';
import { syncRolloutStatus } from './progress.js';
import { byCreationTimestamp, filterActive } from './replicasets.js';
import type { SyncDeps } from './sync.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, objKey, scaleReplicaSetAndRecordEvent } from './sync.js';

const log = logger('rolling.go');

export async function rolloutRolling(s: SyncDeps, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, true);
  const allRSs = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(s, allRSs, newRS!, d)) return syncRolloutStatus(s, allRSs, newRS, d);
  if (await reconcileOldReplicaSets(s, allRSs, filterActive(oldRSs), newRS!, d)) return syncRolloutStatus(s, allRSs, newRS, d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(s, oldRSs, d);
  return syncRolloutStatus(s, allRSs, newRS, d);
}

export async function reconcileNewReplicaSet(s: SyncDeps, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const want = desiredReplicas(d);
  if (replicas(newRS) === want) return false;
  if (replicas(newRS) > want) return (await scaleReplicaSetAndRecordEvent(s, newRS, want, d))[0];
  const count = newRSNewReplicas(d, allRSs, newRS);
  return (await scaleReplicaSetAndRecordEvent(s, newRS, count, d))[0];
}

export async function reconcileOldReplicaSets(s: SyncDeps, allRSs: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const oldPods = replicaCount(oldRSs);
  if (oldPods === 0) return false;
  const allPods = replicaCount(allRSs);
  log.v(4).info('New replica set', { replicaSet: objKey(newRS), availableReplicas: newRS.status?.availableReplicas ?? 0 });
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newRSUnavailable = replicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;
  // unhealthy old replicas first: they would otherwise block the rollout
  const [cleaned, cleanupCount] = await cleanupUnhealthyReplicas(s, oldRSs, d, maxScaledDown);
  log.v(4).info('Cleaned up unhealthy replicas from old RSes', { count: cleanupCount });
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(s, [...cleaned, newRS], cleaned, d);
  log.v(4).info('Scaled down old RSes', { deployment: objKey(d), count: scaledDown });
  return cleanupCount + scaledDown > 0;
}

/** Scale old RSes down by their unavailable replicas, oldest first, up to maxCleanupCount in all. */
export async function cleanupUnhealthyReplicas(s: SyncDeps, oldRSs: ReplicaSet[], d: Deployment, maxCleanupCount: number): Promise<[ReplicaSet[], number]> {
  const sets = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < sets.length; i++) {
    if (total >= maxCleanupCount) break;
    const rs = sets[i]!;
    if (replicas(rs) === 0) continue;
    const available = rs.status?.availableReplicas ?? 0;
    log.v(4).info('Found available pods in old RS', { replicaSet: objKey(rs), availableReplicas: available });
    if (replicas(rs) === available) continue;
    const count = Math.min(maxCleanupCount - total, replicas(rs) - available);
    const newCount = replicas(rs) - count;
    if (newCount > replicas(rs)) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${objKey(rs)} ${replicas(rs)} -> ${newCount}`);
    const [, updated] = await scaleReplicaSetAndRecordEvent(s, rs, newCount, d);
    total += count;
    sets[i] = updated;
  }
  return [sets, total];
}

/** Scale old RSes down, oldest first, as far as the available pods above the minimum allow. */
export async function scaleDownOldReplicaSetsForRollingUpdate(s: SyncDeps, allRSs: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  log.v(4).info('Found available pods in deployment, scaling down old RSes', { deployment: objKey(d), availableReplicas: available });
  const sets = [...oldRSs].sort(byCreationTimestamp);
  const totalToScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of sets) {
    if (total >= totalToScaleDown) break;
    if (replicas(rs) === 0) continue;
    const count = Math.min(replicas(rs), totalToScaleDown - total);
    const newCount = replicas(rs) - count;
    if (newCount > replicas(rs)) throw new Error(`when scaling down old RS, got invalid request to scale down ${objKey(rs)} ${replicas(rs)} -> ${newCount}`);
    await scaleReplicaSetAndRecordEvent(s, rs, newCount, d);
    total += count;
  }
  return total;
}
