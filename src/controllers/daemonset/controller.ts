// The DaemonSet controller's wiring (upstream daemon_controller.go NewDaemonSetsController):
// DaemonSet, pod, node and ControllerRevision informers; pod events lower the creation/deletion
// expectations and enqueue the owning set (orphans: every set selecting them); node changes
// that can change eligibility enqueue every set. The reconcile is in sync.ts.

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, newRateLimitingQueue } from '../../client/index.js';
import type { RateLimitingQueue } from '../../client/index.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { UIDTrackingExpectations } from '../util/expectations.js';
import { PodControl } from '../util/podcontrol.js';
import { controllerRefOf } from '../util/pods.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { ControllerRevision, DaemonSet, Node, Pod } from '../util/types.js';
import { REVISIONS } from '../history/revision.js';
import { syncDaemonSet } from './sync.js';

export const log = logger('daemon_controller.go');
export const DAEMONSETS = { group: 'apps', version: 'v1', resource: 'daemonsets' };
export const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };

/** Per ds+node backoff for deleting failed daemon pods (1s doubling to 15 min). */
export class FailedPodsBackoff {
  private m = new Map<string, { delayMs: number; lastMs: number }>();
  /** In backoff: the delay left; else records a new attempt and returns 0. */
  next(key: string, nowMs = Date.now()): number {
    const e = this.m.get(key);
    if (e && nowMs - e.lastMs < e.delayMs) return e.delayMs - (nowMs - e.lastMs);
    const delayMs = e ? Math.min(e.delayMs * 2, 900_000) : 1000;
    this.m.set(key, { delayMs, lastMs: nowMs });
    return 0;
  }
}

export class DaemonSetsController implements ControllerInstance {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('daemonset');
  readonly expectations = new UIDTrackingExpectations();
  readonly failedPodsBackoff = new FailedPodsBackoff();
  readonly podControl: PodControl;
  private workers?: QueueWorkers;

  constructor(
    readonly client: RestClient,
    readonly recorder: EventRecorder,
    readonly daemonSets: Informer<DaemonSet>,
    readonly pods: Informer<Pod>,
    readonly nodes: Informer<Node>,
    readonly revisions: Informer<ControllerRevision>,
    readonly concurrency: number,
  ) {
    this.podControl = new PodControl(client, recorder);
    daemonSets.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_o, d) => this.enqueue(d),
      onDelete: (d) => {
        const ds = d instanceof DeletedFinalStateUnknown ? d.obj : d;
        this.expectations.deleteExpectations(metaNamespaceKeyFunc(ds));
        this.enqueue(ds);
      },
    });
    pods.addEventHandler({
      onAdd: (p) => {
        if (p.metadata?.deletionTimestamp) return this.podGone(p);
        const ds = this.ownerOf(p);
        if (ds) {
          this.expectations.creationObserved(metaNamespaceKeyFunc(ds));
          this.enqueue(ds);
        } else if (!controllerRefOf(p)) this.enqueueSelecting(p);
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        if (cur.metadata?.deletionTimestamp) return this.podGone(cur);
        const oldRef = controllerRefOf(old);
        if (oldRef && oldRef.uid !== controllerRefOf(cur)?.uid) {
          const prev = this.ownerOf(old);
          if (prev) this.enqueue(prev);
        }
        const ds = this.ownerOf(cur);
        if (ds) {
          this.enqueue(ds);
          const mrs = ds.spec?.minReadySeconds ?? 0;
          if (mrs > 0) this.enqueue(ds, mrs * 1000 + 100);
        } else if (!controllerRefOf(cur)) this.enqueueSelecting(cur);
      },
      onDelete: (p) => this.podGone(p instanceof DeletedFinalStateUnknown ? p.obj : p),
    });
    nodes.addEventHandler({
      onAdd: () => this.enqueueAll(),
      onUpdate: (old, cur) => {
        if (JSON.stringify([old.metadata?.labels, old.spec, old.status?.conditions?.map((c) => [c.type, c.status])]) !== JSON.stringify([cur.metadata?.labels, cur.spec, cur.status?.conditions?.map((c) => [c.type, c.status])])) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
  }

  enqueue(ds: DaemonSet, afterMs = 0): void {
    const key = metaNamespaceKeyFunc(ds);
    if (afterMs > 0) this.queue.addAfter(key, afterMs);
    else this.queue.add(key);
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.lister().list()) this.enqueue(ds);
  }

  ownerOf(pod: Pod): DaemonSet | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.daemonSets.lister().get(pod.metadata!.namespace!, ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  private enqueueSelecting(pod: Pod): void {
    for (const ds of this.daemonSets.lister().namespace(pod.metadata!.namespace!).list()) {
      try {
        const sel = labelSelectorAsSelector(ds.spec?.selector);
        if (!sel.empty && sel.matches(pod.metadata?.labels)) this.enqueue(ds);
      } catch {
        // an invalid selector selects nothing
      }
    }
  }

  private podGone(pod: Pod): void {
    const ds = this.ownerOf(pod);
    if (!ds) return;
    const key = metaNamespaceKeyFunc(ds);
    this.expectations.deletionObservedOf(key, metaNamespaceKeyFunc(pod));
    this.enqueue(ds);
  }

  run(): void {
    this.workers = runQueueWorkers(this.queue, this.concurrency, (k) => syncDaemonSet(this, k), log, 'daemon set');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
  }
}

export async function startDaemonSetController(ctx: ControllerContext): Promise<ControllerInstance> {
  const client = await ctx.clientFor('daemon-set-controller');
  return new DaemonSetsController(
    client,
    ctx.recorderFor('daemonset-controller'),
    ctx.informers.forResource<DaemonSet>(DAEMONSETS),
    ctx.informers.forResource<Pod>(PODS),
    ctx.informers.forResource<Node>(NODES),
    ctx.informers.forResource<ControllerRevision>(REVISIONS),
    ctx.options.concurrency.daemonset ?? 2,
  );
}
