// The ReplicaSet controller (upstream pkg/controller/replicaset), which also runs
// ReplicationControllers through the ReplicatedKind adapter as upstream's ReplicationManager
// does: informer handlers that map pod and set events to set keys (with expectations for the
// pods it created or deleted), and the sync — claim pods (adopt orphans, release mismatches),
// manageReplicas, then status, requeued after minReadySeconds until pods count as available.

import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import type { Selector } from '../../apimachinery/labels.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import { logger } from '../../util/klog.js';
import { claimObjects, recheckOwner } from '../util/controllerref.js';
import { UIDTrackingExpectations } from '../util/expectations.js';
import { PodControl } from '../util/podcontrol.js';
import { addPodControllerUIDIndexer, filterPodsByOwner } from '../util/podindex.js';
import type { QueueWorkers } from '../util/queueworkers.js';
import { runQueueWorkers } from '../util/queueworkers.js';
import { controllerRefOf, filterActivePods, isPodReady } from '../util/pods.js';
import { cachedSelector } from '../util/selectorcache.js';
import type { OwnerReference, Pod } from '../util/types.js';
import type { ReplicatedKind, ReplicatedObject } from './kinds.js';
import { minReadySecondsOf, replicasOf } from './kinds.js';
import { manageReplicas, podKey } from './manage.js';
import { calculateStatus, errorText, updateReplicaSetStatus } from './status.js';

const log = logger('replica_set.go');
const PODS = { group: '', version: 'v1', resource: 'pods' };

type Obj<T> = T | DeletedFinalStateUnknown<T>;

function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace}/${obj.metadata?.name}`;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a![k] === b?.[k]);
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class ReplicaSetController implements ControllerInstance {
  readonly queue = newRateLimitingQueue<string>();
  readonly expectations = new UIDTrackingExpectations();
  private readonly selectorOf: (rs: ReplicatedObject) => Selector;
  private workers?: QueueWorkers;

  constructor(
    readonly kind: ReplicatedKind,
    readonly client: RestClient,
    readonly sets: Informer<ReplicatedObject>,
    readonly pods: Informer<Pod>,
    readonly podControl: PodControl,
    readonly workerCount: number,
  ) {
    this.selectorOf = cachedSelector<ReplicatedObject>((rs) => kind.selector(rs));
    addPodControllerUIDIndexer(pods);
    sets.addEventHandler({
      onAdd: (rs) => {
        log.v(4).info('Adding', { [kind.kind]: keyOf(rs) });
        this.enqueue(rs);
      },
      onUpdate: (old, cur) => this.updateSet(old, cur),
      onDelete: (obj) => this.deleteSet(obj),
    });
    pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (obj) => this.deletePod(obj),
    });
  }

  static async create(ctx: ControllerContext, kind: ReplicatedKind, serviceAccount: string): Promise<ReplicaSetController> {
    const client = await ctx.clientFor(serviceAccount);
    const sets = ctx.informers.forResource<ReplicatedObject>(kind.gvr);
    const pods = ctx.informers.forResource<Pod>(PODS);
    const podControl = new PodControl(client, ctx.recorderFor(kind.component));
    return new ReplicaSetController(kind, client, sets, pods, podControl, ctx.options.concurrency[kind.concurrencyKey] ?? 5);
  }

  run(): void {
    log.info(`Starting ${kind(this)} controller`);
    this.workers = runQueueWorkers(this.queue, this.workerCount, (key) => this.syncReplicaSet(key), log, this.kind.kind);
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    log.info(`Shutting down ${kind(this)} controller`);
  }

  enqueue(rs: ReplicatedObject): void {
    this.queue.add(keyOf(rs));
  }

  // ---- set events

  private updateSet(old: ReplicatedObject, cur: ReplicatedObject): void {
    if (old.metadata?.uid !== cur.metadata?.uid) {
      // deleted and recreated under the same name: the old one is gone
      this.deleteSet(new DeletedFinalStateUnknown(keyOf(old), old));
    }
    if (replicasOf(old) !== replicasOf(cur)) {
      log.v(4).info(`${this.kind.kind} updated. Desired pod count change.`, { [this.kind.kind]: keyOf(cur), oldReplicas: replicasOf(old), newReplicas: replicasOf(cur) });
    }
    this.enqueue(cur);
  }

  private deleteSet(obj: Obj<ReplicatedObject>): void {
    const rs = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    const key = keyOf(rs);
    log.v(4).info('Deleting', { [this.kind.kind]: key });
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  // ---- pod events

  /** The set a controllerRef names, if it is of our kind and still the same object. */
  private resolveControllerRef(namespace: string, ref: OwnerReference): ReplicatedObject | undefined {
    if (ref.kind !== this.kind.kind) return undefined;
    const rs = this.sets.lister().get(namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    return rs;
  }

  /** Sets in the pod's namespace whose selector matches it (candidates to adopt an orphan). */
  private getPodSets(pod: Pod): ReplicatedObject[] {
    const out: ReplicatedObject[] = [];
    for (const rs of this.sets.lister().namespace(pod.metadata?.namespace ?? '').list()) {
      let sel: Selector;
      try {
        sel = this.selectorOf(rs);
      } catch {
        continue; // an invalid selector matches nothing
      }
      if (sel.empty || !sel.matches(pod.metadata?.labels)) continue;
      out.push(rs);
    }
    if (out.length > 1) {
      log.error(`user error! more than one ${this.kind.kind} is selecting pods with labels`, { labels: pod.metadata?.labels ?? {} });
    }
    return out;
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // seen for the first time already terminating (e.g. after a restart): a deletion for us
      this.deletePod(pod);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata!.namespace!, ref as OwnerReference);
      if (!rs) return;
      const key = keyOf(rs);
      log.v(4).info('Pod created', { pod: podKey(pod), detail: pod.metadata?.resourceVersion, [this.kind.kind]: key });
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    const sets = this.getPodSets(pod);
    if (!sets.length) return;
    log.v(4).info('Orphan Pod created', { pod: podKey(pod) });
    for (const rs of sets) this.enqueue(rs);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelChanged = !sameLabels(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      // a graceful deletion: replace the pod now rather than when the kubelet removes it
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = controllerRefOf(cur) as OwnerReference | undefined;
    const oldRef = controllerRefOf(old) as OwnerReference | undefined;
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata!.namespace!, oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata!.namespace!, curRef);
      if (!rs) return;
      log.v(4).info('Pod objectMeta updated.', { pod: podKey(cur), [this.kind.kind]: keyOf(rs) });
      this.enqueue(rs);
      // a pod that just turned ready becomes available after minReadySeconds: look again then
      const minReady = minReadySecondsOf(rs);
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        log.v(2).info('pod will be enqueued after minReadySeconds for availability check', { pod: podKey(cur), minReadySeconds: minReady });
        this.queue.addAfter(keyOf(rs), (minReady + 1) * 1000);
      }
      return;
    }
    if (labelChanged || refChanged) {
      const sets = this.getPodSets(cur);
      if (!sets.length) return;
      log.v(4).info('Orphan Pod objectMeta updated.', { pod: podKey(cur) });
      for (const rs of sets) this.enqueue(rs);
    }
  }

  private deletePod(obj: Obj<Pod>): void {
    const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    const ref = controllerRefOf(pod) as OwnerReference | undefined;
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata!.namespace!, ref);
    if (!rs) return;
    const key = keyOf(rs);
    log.v(4).info('Pod deleted', { delete_by: 'unknown', deletion_timestamp: pod.metadata?.deletionTimestamp ?? null, pod: podKey(pod) });
    this.expectations.deletionObservedOf(key, podKey(pod));
    this.queue.add(key);
  }

  /** Pods of every set with the same controller as rs (each pod once), for the deletion ranking. */
  private getIndirectlyRelatedPods(rs: ReplicatedObject): Pod[] {
    const ref = controllerRefOf(rs);
    if (!ref) {
      log.error(`${this.kind.kind} ${keyOf(rs)} has no controller`);
      return [];
    }
    const related: Pod[] = [];
    const seen = new Set<string>();
    const podsOfNamespace = this.pods.lister().namespace(rs.metadata?.namespace ?? '');
    for (const other of this.sets.lister().namespace(rs.metadata?.namespace ?? '').list()) {
      if (controllerRefOf(other)?.uid !== ref.uid) continue;
      let sel: Selector;
      try {
        sel = this.selectorOf(other);
      } catch {
        continue;
      }
      for (const pod of podsOfNamespace.list(sel)) {
        if (seen.has(pod.metadata!.uid!)) continue;
        seen.add(pod.metadata!.uid!);
        related.push(pod);
      }
    }
    log.v(4).info('Found related pods', { kind: this.kind.kind, object: keyOf(rs), related: related.length });
    return related;
  }

  // ---- sync

  async syncReplicaSet(key: string): Promise<void> {
    const start = performance.now();
    try {
      await this.sync(key);
    } finally {
      log.v(4).info('Finished syncing', { kind: this.kind.kind, key, duration: `${(performance.now() - start).toFixed(3)}ms` });
    }
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const rs = this.sets.lister().get(namespace, name);
    if (!rs) {
      log.v(4).info(`${this.kind.kind} has been deleted`, { key });
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector: Selector;
    try {
      selector = labelSelectorAsSelector(this.kind.selector(rs));
    } catch (err) {
      log.error(`error converting pod selector to selector for rs ${namespace}/${name}: ${errorText(err)}`);
      return;
    }
    // its own pods (even those that no longer match, to release them) and the orphans
    const all = filterPodsByOwner(this.pods.getIndexer(), { namespace, uid: rs.metadata?.uid }, true);
    const owner = { ...rs, apiVersion: this.kind.apiVersion, kind: this.kind.kind };
    const pods = await claimObjects<Pod>(filterActivePods(all), {
      client: this.client,
      gvr: PODS,
      owner,
      selector,
      canAdopt: recheckOwner(this.client, this.kind.gvr, owner),
    });
    let manageErr: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await manageReplicas({ kind: this.kind, podControl: this.podControl, expectations: this.expectations, relatedPods: (x) => this.getIndirectlyRelatedPods(x) }, rs, key, pods);
      } catch (err) {
        manageErr = err;
      }
    }
    const newStatus = calculateStatus(rs, this.kind, pods, manageErr);
    const updated = await updateReplicaSetStatus(this.client, this.kind, rs, newStatus);
    // a last line of defence against clock skew: look again once pods should be available
    const minReady = minReadySecondsOf(updated);
    const st = updated.status ?? { replicas: 0 };
    if (!manageErr && minReady > 0 && (st.readyReplicas ?? 0) === replicasOf(updated) && (st.availableReplicas ?? 0) !== replicasOf(updated)) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageErr) throw manageErr;
  }
}

function kind(c: ReplicaSetController): string {
  return c.kind.kind === 'ReplicaSet' ? 'replicaset' : 'replicationcontroller';
}
