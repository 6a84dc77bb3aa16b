// The Recreate strategy (upstream recreate.go): scale every old ReplicaSet to zero, wait until
// none of their pods is running any more, then create/scale the new ReplicaSet to full size.

import type { Deployment, Pod, ReplicaSet } from '../util/types.js';
import { actualReplicaCount, deploymentComplete, desiredReplicas, replicas } from './fenceposts.js';
import { syncRolloutStatus } from './progress.js';
import { filterActive } from './replicasets.js';
import type { SyncDeps } from './sync.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent } from './sync.js';

/** The deployment's pods grouped by the UID of the RS that controls them. */
export type PodMap = Map<string, Pod[]>;

export async function rolloutRecreate(s: SyncDeps, d: Deployment, rsList: ReplicaSet[], podMap: () => PodMap): Promise<void> {
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, false);
  let allRSs = [...oldRSs, newRS];
  if (await scaleDownOldReplicaSetsForRecreate(s, filterActive(oldRSs), d)) return syncRolloutStatus(s, allRSs, newRS, d);
  if (oldPodsRunning(newRS, oldRSs, podMap())) return syncRolloutStatus(s, allRSs, newRS, d);
  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await scaleReplicaSetAndRecordEvent(s, newRS!, desiredReplicas(d), d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(s, oldRSs, d);
  return syncRolloutStatus(s, allRSs, newRS, d);
}

async function scaleDownOldReplicaSetsForRecreate(s: SyncDeps, oldRSs: ReplicaSet[], d: Deployment): Promise<boolean> {
  let scaled = false;
  for (let i = 0; i < oldRSs.length; i++) {
    if (replicas(oldRSs[i]!) === 0) continue;
    const [did, updated] = await scaleReplicaSetAndRecordEvent(s, oldRSs[i]!, 0, d);
    if (did) {
      oldRSs[i] = updated;
      scaled = true;
    }
  }
  return scaled;
}

/** oldPodsRunning: old RSes still report pods, or a pod of an old RS is not terminated. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
