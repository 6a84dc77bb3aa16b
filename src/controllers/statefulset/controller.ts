// The StatefulSet controller's wiring and sync (upstream stateful_set.go): StatefulSet, pod,
// ControllerRevision and PVC informers; pod events enqueue the owning set (orphans: the sets
// whose selector matches them); a sync claims pods and revisions, finds the current and update
// revisions, runs update.ts, records status (observedGeneration, revisions, counts) and trims
// the revision history.

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isConflict, isNotFound, metaNamespaceKeyFunc, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import type { RateLimitingQueue } from '../../client/index.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { claimObjects, newControllerRef, recheckOwner } from '../util/controllerref.js';
import { controllerRefOf, isPodReady } from '../util/pods.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '../util/types.js';
import { REVISIONS, deleteControllerRevision, ensureUpdateRevision, newControllerRevision, revisionsToPrune, templatePatch } from '../history/revision.js';
import { isMemberOf, podRevision, setOwnerInfo } from './identity.js';
import { completeRollingUpdate, updateStatefulSet, type StatefulSetStatus } from './update.js';

const log = logger('stateful_set.go');
export const STATEFULSETS = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
const PVCS = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

/** The revision a set's current template makes (data: the spec.template patch). */
export function newStatefulSetRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  return newControllerRevision(set, newControllerRef(setOwnerInfo(set)), set.spec?.template?.metadata?.labels, templatePatch(set.spec?.template), revision, collisionCount);
}

function withoutCounts(st: StatefulSetStatus | undefined): StatefulSetStatus {
  const out = { ...(st ?? ({} as StatefulSetStatus)) };
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) delete out[k];
  return out;
}

export class StatefulSetController implements ControllerInstance {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('statefulset');
  private workers?: QueueWorkers;

  constructor(
    readonly client: RestClient,
    readonly recorder: EventRecorder,
    readonly sets: Informer<StatefulSet>,
    readonly pods: Informer<Pod>,
    readonly revisions: Informer<ControllerRevision>,
    readonly pvcs: Informer<PersistentVolumeClaim>,
    readonly concurrency: number,
  ) {
    sets.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_o, s) => this.enqueue(s),
      onDelete: (s) => this.enqueue(s instanceof DeletedFinalStateUnknown ? s.obj : s),
    });
    pods.addEventHandler({
      onAdd: (p) => this.podChanged(p),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const oldRef = controllerRefOf(old);
        if (oldRef && oldRef.uid !== controllerRefOf(cur)?.uid) this.podChanged(old);
        this.podChanged(cur, !isPodReady(old) && isPodReady(cur));
      },
      onDelete: (p) => this.podChanged(p instanceof DeletedFinalStateUnknown ? p.obj : p),
    });
  }

  enqueue(set: StatefulSet, afterMs = 0): void {
    const key = metaNamespaceKeyFunc(set);
    if (afterMs > 0) this.queue.addAfter(key, afterMs);
    else this.queue.add(key);
  }

  private podChanged(pod: Pod, becameReady = false): void {
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== 'StatefulSet') return;
      const set = this.sets.lister().get(pod.metadata!.namespace!, ref.name);
      if (!set || set.metadata?.uid !== ref.uid) return;
      this.enqueue(set);
      // re-check availability once minReadySeconds passed
      const mrs = set.spec?.minReadySeconds ?? 0;
      if (becameReady && mrs > 0) this.enqueue(set, mrs * 1000 + 100);
      return;
    }
    // an orphan: every set that could adopt it
    for (const set of this.sets.lister().namespace(pod.metadata!.namespace!).list()) {
      try {
        if (labelSelectorAsSelector(set.spec?.selector).matches(pod.metadata?.labels) && isMemberOf(set, pod)) this.enqueue(set);
      } catch {
        // an invalid selector adopts nothing
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const started = Date.now();
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.sets.lister().get(namespace, name);
    if (!cached) {
      log.v(4).info('StatefulSet has been deleted', { key });
      return;
    }
    const set = structuredClone(cached);
    let selector;
    try {
      selector = labelSelectorAsSelector(set.spec?.selector);
    } catch (err) {
      log.error('Error converting StatefulSet selector', { key, err });
      return;
    }
    const owner = setOwnerInfo(set);
    const canAdopt = recheckOwner(this.client, STATEFULSETS, owner);
    const revisions = await claimObjects<ControllerRevision>(this.revisions.lister().namespace(namespace).list(), { client: this.client, gvr: REVISIONS, owner, selector, canAdopt });
    const pods = await claimObjects<Pod>(this.pods.lister().namespace(namespace).list(), { client: this.client, gvr: PODS, owner, selector, filter: (p) => isMemberOf(set, p), canAdopt });

    const { update, collisionCount } = await ensureUpdateRevision(this.client, set, revisions, (rev, cc) => newStatefulSetRevision(set, rev, cc), set.status?.collisionCount ?? 0);
    const all = revisions.some((r) => r.metadata?.name === update.metadata?.name) ? revisions : [...revisions, update];
    const current = all.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;

    let status: StatefulSetStatus;
    try {
      status = await updateStatefulSet({ client: this.client, recorder: this.recorder, pvcs: this.pvcs }, set, current, update, collisionCount, pods);
    } finally {
      log.v(4).info('Finished syncing statefulset', { key, elapsed: `${Date.now() - started}ms` });
    }
    completeRollingUpdate(set, status);
    await this.updateStatus(set, status);

    // history: revisions no pod, current or update revision uses beyond revisionHistoryLimit
    const live = new Set<string>([current.metadata!.name!, update.metadata!.name!, ...pods.map(podRevision)]);
    for (const r of revisionsToPrune(all, live, set.spec?.revisionHistoryLimit ?? 10)) await deleteControllerRevision(this.client, r);

    const mrs = set.spec?.minReadySeconds ?? 0;
    if (mrs > 0 && status.readyReplicas !== status.availableReplicas) this.enqueue(set, mrs * 1000 + 100);
  }

  private async updateStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    const cur: StatefulSetStatus = set.status ?? ({} as StatefulSetStatus);
    const keys: (keyof StatefulSetStatus)[] = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'];
    if (keys.every((k) => (cur[k] ?? 0) === (status[k] ?? 0))) return;
    // omitempty counts
    for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas'] as const) if (!status[k]) delete status[k];
    const ref = { ...STATEFULSETS, namespace: set.metadata!.namespace, name: set.metadata!.name, subresource: 'status' };
    try {
      await this.client.update(ref, { ...set, status: { ...withoutCounts(cur), ...status } });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      // the cache was stale: once more on a fresh copy
      const fresh = await this.client.get<StatefulSet>({ ...STATEFULSETS, namespace: set.metadata!.namespace, name: set.metadata!.name });
      await this.client.update(ref, { ...fresh, status: { ...withoutCounts(fresh.status), ...status } });
    }
  }

  run(): void {
    this.workers = runQueueWorkers(this.queue, this.concurrency, (k) => this.sync(k), log, 'statefulset');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
  }
}

export async function startStatefulSetController(ctx: ControllerContext): Promise<ControllerInstance> {
  const client = await ctx.clientFor('statefulset-controller');
  return new StatefulSetController(
    client,
    ctx.recorderFor('statefulset-controller'),
    ctx.informers.forResource<StatefulSet>(STATEFULSETS),
    ctx.informers.forResource<Pod>(PODS),
    ctx.informers.forResource<ControllerRevision>(REVISIONS),
    ctx.informers.forResource<PersistentVolumeClaim>(PVCS),
    ctx.options.concurrency.statefulset ?? 5,
  );
}
