// The Deployment controller (upstream pkg/controller/deployment): informer handlers mapping
// deployment, ReplicaSet and pod events to deployment keys, and syncDeployment — claim
// ReplicaSets (adopt by selector, release mismatches), then, by state: status only while being
// deleted, paused or resized (scale), the deprecated rollback annotation, or a rollout step of
// the Recreate or RollingUpdate strategy.

import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isNotFound, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import type { Selector } from '../../apimachinery/labels.js';
import { logger } from '../../util/klog.js';
import { claimObjects } from '../util/controllerref.js';
import { controllerRefOf } from '../util/pods.js';
import type { QueueWorkers } from '../util/queueworkers.js';
import { runQueueWorkers } from '../util/queueworkers.js';
import { cachedSelector } from '../util/selectorcache.js';
import { namespaceTerminating } from '../util/statuscause.js';
import type { Deployment, OwnerReference, Pod, ReplicaSet } from '../util/types.js';
import type { PodMap } from './recreate.js';
import { rolloutRecreate } from './recreate.js';
import { rollback } from './rollback.js';
import { rolloutRolling } from './rolling.js';
import type { SyncDeps } from './sync.js';
import {
  DEPLOYMENTS, REPLICASETS, checkPausedConditions, getRollbackTo, isScalingEvent, objKey, syncScaleOrPaused, syncStatusOnly,
  updateDeploymentStatus, withDeploymentKind,
} from './sync.js';

const log = logger('deployment_controller.go');
const PODS = { group: '', version: 'v1', resource: 'pods' };
/** upstream maxRetries: a deployment failing this often is dropped from the queue */
const MAX_RETRIES = 15;

type Obj<T> = T | DeletedFinalStateUnknown<T>;
const unwrap = <T>(o: Obj<T>): T => (o instanceof DeletedFinalStateUnknown ? o.obj : o);

export class DeploymentController implements ControllerInstance {
  readonly queue = newRateLimitingQueue<string>('deployment');
  private readonly selectorOf = cachedSelector<Deployment>((d) => d.spec?.selector);
  private workers?: QueueWorkers;
  private readonly deps: SyncDeps;

  constructor(
    readonly client: RestClient,
    readonly recorder: EventRecorder,
    readonly deployments: Informer<Deployment>,
    readonly replicaSets: Informer<ReplicaSet>,
    readonly pods: Informer<Pod>,
    readonly workerCount: number,
  ) {
    this.deps = {
      client,
      recorder,
      replicaSets,
      requeue: (d, ms) => (ms === undefined ? this.queue.addRateLimited(objKey(d)) : this.queue.addAfter(objKey(d), ms)),
    };
    deployments.addEventHandler({
      onAdd: (d) => {
        log.v(4).info('Adding deployment', { deployment: objKey(d) });
        this.enqueue(d);
      },
      onUpdate: (old, cur) => {
        log.v(4).info('Updating deployment', { deployment: objKey(old) });
        this.enqueue(cur);
      },
      onDelete: (obj) => {
        const d = unwrap(obj);
        log.v(4).info('Deleting deployment', { deployment: objKey(d) });
        this.enqueue(d);
      },
    });
    replicaSets.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (obj) => this.deleteReplicaSet(obj),
    });
    pods.addEventHandler({ onDelete: (obj) => this.deletePod(obj) });
  }

  static async create(ctx: ControllerContext): Promise<DeploymentController> {
    const client = await ctx.clientFor('deployment-controller');
    return new DeploymentController(
      client,
      ctx.recorderFor('deployment-controller'),
      ctx.informers.forResource<Deployment>(DEPLOYMENTS),
      ctx.informers.forResource<ReplicaSet>(REPLICASETS),
      ctx.informers.forResource<Pod>(PODS),
      ctx.options.concurrency.deployment ?? 5,
    );
  }

  run(): void {
    log.info('Starting controller', { controller: 'deployment' });
    this.workers = runQueueWorkers(this.queue, this.workerCount, (key) => this.processKey(key), log, 'deployment');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    log.info('Shutting down controller', { controller: 'deployment' });
  }

  /** syncDeployment with upstream's handleErr: a failing key is retried (rate-limited) 15 times, then dropped. */
  private async processKey(key: string): Promise<void> {
    try {
      await this.syncDeployment(key);
    } catch (err) {
      if (namespaceTerminating(err)) return;
      const msg = (err as Error)?.message ?? String(err);
      if (this.queue.numRequeues(key) < MAX_RETRIES) throw err;
      log.error(msg);
      log.v(2).info('Dropping deployment out of the queue', { deployment: key, err: msg });
    }
  }

  enqueue(d: Deployment): void {
    this.queue.add(objKey(d));
  }

  // ---- ReplicaSet and pod events

  private resolveControllerRef(namespace: string, ref: OwnerReference): Deployment | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.lister().get(namespace, ref.name);
    if (!d || d.metadata?.uid !== ref.uid) return undefined;
    return d;
  }

  /** Deployments whose (non-empty) selector matches the RS's labels. */
  private getDeploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    const out: Deployment[] = [];
    for (const d of this.deployments.lister().namespace(rs.metadata?.namespace ?? '').list()) {
      let sel: Selector;
      try {
        sel = this.selectorOf(d);
      } catch {
        continue;
      }
      if (sel.empty || !sel.matches(rs.metadata?.labels)) continue;
      out.push(d);
    }
    if (out.length > 1) {
      log.v(4).info('user error! more than one deployment is selecting replica set', { replicaSet: objKey(rs), labels: rs.metadata?.labels ?? {}, deployment: objKey(out[0]) });
    }
    return out;
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp) {
      this.deleteReplicaSet(rs);
      return;
    }
    const ref = controllerRefOf(rs) as OwnerReference | undefined;
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata!.namespace!, ref);
      if (!d) return;
      log.v(4).info('ReplicaSet added', { replicaSet: objKey(rs) });
      this.enqueue(d);
      return;
    }
    const ds = this.getDeploymentsForReplicaSet(rs);
    if (!ds.length) return;
    log.v(4).info('Orphan ReplicaSet added', { replicaSet: objKey(rs) });
    for (const d of ds) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerRefOf(cur) as OwnerReference | undefined;
    const oldRef = controllerRefOf(old) as OwnerReference | undefined;
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(old.metadata!.namespace!, oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata!.namespace!, curRef);
      if (!d) return;
      log.v(4).info('ReplicaSet updated', { replicaSet: objKey(cur) });
      this.enqueue(d);
      return;
    }
    const labelChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelChanged || refChanged) {
      const ds = this.getDeploymentsForReplicaSet(cur);
      if (!ds.length) return;
      log.v(4).info('Orphan ReplicaSet updated', { replicaSet: objKey(cur) });
      for (const d of ds) this.enqueue(d);
    }
  }

  private deleteReplicaSet(obj: Obj<ReplicaSet>): void {
    const rs = unwrap(obj);
    const ref = controllerRefOf(rs) as OwnerReference | undefined;
    if (!ref) return;
    const d = this.resolveControllerRef(rs.metadata!.namespace!, ref);
    if (!d) return;
    log.v(4).info('ReplicaSet deleted', { replicaSet: objKey(rs) });
    this.enqueue(d);
  }

  /** A Recreate deployment waits for its old pods to go: sync when the last one went. */
  private deletePod(obj: Obj<Pod>): void {
    const pod = unwrap(obj);
    log.v(4).info('Pod deleted', { pod: objKey(pod) });
    const rsRef = controllerRefOf(pod) as OwnerReference | undefined;
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.lister().get(pod.metadata!.namespace!, rsRef.name);
    if (!rs || rs.metadata?.uid !== rsRef.uid) return;
    const dRef = controllerRefOf(rs) as OwnerReference | undefined;
    const d = dRef && this.resolveControllerRef(rs.metadata!.namespace!, dRef);
    if (!d || d.spec?.strategy?.type !== 'Recreate') return;
    let numPods = 0;
    for (const pods of this.podMap(d, this.ownedReplicaSets(d)).values()) numPods += pods.length;
    if (numPods === 0) this.enqueue(d);
  }

  private ownedReplicaSets(d: Deployment): ReplicaSet[] {
    return this.replicaSets
      .lister()
      .namespace(d.metadata!.namespace!)
      .list()
      .filter((rs) => controllerRefOf(rs)?.uid === d.metadata?.uid);
  }

  /** getPodMapForDeployment: the deployment's pods grouped by the UID of their RS (every RS listed, maybe empty). */
  private podMap(d: Deployment, rsList: ReplicaSet[]): PodMap {
    const map: PodMap = new Map(rsList.map((rs) => [rs.metadata!.uid!, []]));
    let sel: Selector;
    try {
      sel = this.selectorOf(d);
    } catch {
      return map;
    }
    for (const pod of this.pods.lister().namespace(d.metadata!.namespace!).list(sel)) {
      const ref = controllerRefOf(pod);
      if (!ref) continue;
      map.get(ref.uid)?.push(pod);
    }
    return map;
  }

  // ---- sync

  /** getReplicaSetsForDeployment: adopt matching orphans, release non-matching, return the owned. */
  private async getReplicaSetsForDeployment(d: Deployment): Promise<ReplicaSet[]> {
    const candidates = this.replicaSets.lister().namespace(d.metadata!.namespace!).list();
    const owner = withDeploymentKind(d);
    return claimObjects<ReplicaSet>(candidates, {
      client: this.client,
      gvr: REPLICASETS,
      owner: owner as Parameters<typeof claimObjects>[1]['owner'],
      selector: this.selectorOf(d),
      canAdopt: async () => {
        try {
          const fresh = await this.client.get<Deployment>({ ...DEPLOYMENTS, namespace: d.metadata!.namespace, name: d.metadata!.name });
          if (fresh.metadata?.uid !== d.metadata?.uid) return false;
          return !fresh.metadata?.deletionTimestamp;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      },
    });
  }

  async syncDeployment(key: string): Promise<void> {
    const start = performance.now();
    log.v(4).info('Started syncing deployment', { deployment: key, startTime: new Date().toISOString() });
    try {
      await this.sync(key);
    } finally {
      log.v(4).info('Finished syncing deployment', { deployment: key, duration: `${(performance.now() - start).toFixed(3)}ms` });
    }
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.deployments.lister().get(namespace, name);
    if (!cached) {
      log.v(2).info('Deployment has been deleted', { deployment: key });
      return;
    }
    const d = structuredClone(cached);
    const sel = d.spec?.selector;
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
      this.recorder.event(withDeploymentKind(d), 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        (d.status ??= {}).observedGeneration = d.metadata?.generation;
        await updateDeploymentStatus(this.deps, d);
      }
      return;
    }
    const rsList = await this.getReplicaSetsForDeployment(d);
    if (d.metadata?.deletionTimestamp) return syncStatusOnly(this.deps, d, rsList);
    await checkPausedConditions(this.deps, d);
    if (d.spec?.paused) return syncScaleOrPaused(this.deps, d, rsList);
    if (getRollbackTo(d) !== undefined) return rollback(this.deps, d, rsList);
    if (await isScalingEvent(this.deps, d, rsList)) return syncScaleOrPaused(this.deps, d, rsList);
    switch (d.spec?.strategy?.type ?? 'RollingUpdate') {
      case 'Recreate':
        return rolloutRecreate(this.deps, d, rsList, () => this.podMap(d, rsList));
      case 'RollingUpdate':
        return rolloutRolling(this.deps, d, rsList);
      default:
        throw new Error(`unexpected deployment strategy type: ${d.spec?.strategy?.type}`);
    }
  }
}
