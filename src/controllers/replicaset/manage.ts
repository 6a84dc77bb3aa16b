// manageReplicas (upstream replica_set.go): create or delete pods so the owned active pods
// match spec.replicas — at most 500 per sync (burstReplicas), creations in slow-start batches,
// deletions of the pods that matter least (deletion.ts), all recorded as expectations so the
// next sync waits for the informer to catch up.

import { isNotFound } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { newControllerRef } from '../util/controllerref.js';
import type { UIDTrackingExpectations } from '../util/expectations.js';
import type { PodControl } from '../util/podcontrol.js';
import { podFromTemplate, podNamePrefix } from '../util/podcontrol.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../util/slowstart.js';
import { namespaceTerminating } from '../util/statuscause.js';
import type { Pod } from '../util/types.js';
import { getPodsToDelete } from './deletion.js';
import type { ReplicatedKind, ReplicatedObject } from './kinds.js';
import { replicasOf } from './kinds.js';

const log = logger('replica_set.go');

/** Upstream BurstReplicas: the most pods created or deleted in one sync. */
export const BURST_REPLICAS = 500;

export interface ManageDeps {
  kind: ReplicatedKind;
  podControl: PodControl;
  expectations: UIDTrackingExpectations;
  /** pods of the sets sharing this one's controller (a Deployment's other ReplicaSets) */
  relatedPods(rs: ReplicatedObject): Pod[];
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

export async function manageReplicas(d: ManageDeps, rs: ReplicatedObject, rsKey: string, pods: Pod[]): Promise<void> {
  const want = replicasOf(rs);
  let diff = pods.length - want;
  const name = `${rs.metadata?.namespace}/${rs.metadata?.name}`;
  if (diff < 0) {
    diff = Math.min(-diff, BURST_REPLICAS);
    d.expectations.expectCreations(rsKey, diff);
    log.v(2).info('Too few replicas', { replicaSet: name, need: want, creating: diff });
    const owner = { ...rs, apiVersion: d.kind.apiVersion, kind: d.kind.kind };
    const template = d.kind.template(rs) ?? {};
    const ref = newControllerRef(owner);
    const prefix = podNamePrefix(rs.metadata!.name!);
    const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
      try {
        await d.podControl.createPod(owner, podFromTemplate(template, rs.metadata!.namespace!, ref, prefix));
      } catch (err) {
        // a terminating namespace refuses every pod; nothing to do about it
        if (namespaceTerminating(err)) return;
        throw err;
      }
    });
    const skipped = diff - successes;
    if (skipped > 0) {
      log.v(2).info('Slow-start failure. Skipping creation of pods, decrementing expectations', { podsSkipped: skipped, kind: d.kind.kind, replicaSet: name });
      for (let i = 0; i < skipped; i++) d.expectations.creationObserved(rsKey);
    }
    if (error) throw error;
    return;
  }
  if (diff > 0) {
    diff = Math.min(diff, BURST_REPLICAS);
    log.v(2).info('Too many replicas', { replicaSet: name, need: want, deleting: diff });
    const toDelete = getPodsToDelete(pods, d.relatedPods(rs), diff);
    d.expectations.expectDeletionsOf(rsKey, toDelete.map(podKey));
    const owner = { ...rs, apiVersion: d.kind.apiVersion, kind: d.kind.kind };
    const results = await Promise.allSettled(
      toDelete.map(async (pod) => {
        try {
          await d.podControl.deletePod(owner, pod);
        } catch (err) {
          // the informer will never see this deletion
          d.expectations.deletionObservedOf(rsKey, podKey(pod));
          if (isNotFound(err)) return;
          log.v(2).info('Failed to delete pod, decremented expectations', { pod: podKey(pod), kind: d.kind.kind, replicaSet: name });
          throw err;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
