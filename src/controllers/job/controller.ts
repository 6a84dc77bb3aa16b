// The Job controller's wiring (upstream job_controller.go NewController): job and pod informers,
// the event handlers that enqueue jobs and lower expectations (pod creations, deletions and
// tracking-finalizer removals), an orphan queue that strips the tracking finalizer from pods
// whose job is gone, and the workers. The reconcile itself is in sync.ts.

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isNotFound, metaNamespaceKeyFunc, newRateLimitingQueue, ItemExponentialFailureRateLimiter, RateLimitingQueue } from '../../client/index.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { UIDTrackingExpectations } from '../util/expectations.js';
import { PodControl } from '../util/podcontrol.js';
import { controllerRefOf } from '../util/pods.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Job, Pod } from '../util/types.js';
import { JobTrackingFinalizer } from './names.js';
import type { BackoffRecord } from './status.js';
import { syncJob } from './sync.js';

export const log = logger('job_controller.go');

export const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' };
export const PODS = { group: '', version: 'v1', resource: 'pods' };

/** The UIDs of pods whose tracking finalizer a job asked to remove and has not seen gone yet. */
export class FinalizerExpectations {
  private byJob = new Map<string, Set<string>>();
  private jobOf = new Map<string, string>();

  expect(jobKey: string, uids: string[]): void {
    let s = this.byJob.get(jobKey);
    if (!s) this.byJob.set(jobKey, (s = new Set()));
    for (const u of uids) {
      s.add(u);
      this.jobOf.set(u, jobKey);
    }
  }

  /** The removal of uid was observed (or failed); returns the job key it belonged to. */
  observed(uid: string): string | undefined {
    const k = this.jobOf.get(uid);
    if (k === undefined) return undefined;
    this.jobOf.delete(uid);
    const s = this.byJob.get(k);
    s?.delete(uid);
    if (s && !s.size) this.byJob.delete(k);
    return k;
  }

  expected(jobKey: string): Set<string> {
    return this.byJob.get(jobKey) ?? new Set();
  }

  delete(jobKey: string): void {
    for (const u of this.byJob.get(jobKey) ?? []) this.jobOf.delete(u);
    this.byJob.delete(jobKey);
  }
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return !!pod.metadata?.finalizers?.includes(JobTrackingFinalizer);
}

export class JobController implements ControllerInstance {
  readonly queue: RateLimitingQueue<string>;
  readonly orphanQueue: RateLimitingQueue<string>;
  readonly expectations = new UIDTrackingExpectations();
  readonly finalizerExpectations = new FinalizerExpectations();
  readonly backoff = new Map<string, BackoffRecord>();
  readonly podControl: PodControl;
  private workers: QueueWorkers[] = [];

  constructor(
    readonly client: RestClient,
    readonly recorder: EventRecorder,
    readonly jobs: Informer<Job>,
    readonly pods: Informer<Pod>,
    readonly concurrency: number,
  ) {
    // upstream: API errors back off per job from 1s to one minute
    this.queue = newRateLimitingQueue<string>('job', new ItemExponentialFailureRateLimiter<string>(1000, 60_000));
    this.orphanQueue = newRateLimitingQueue<string>('job_orphan_pod');
    this.podControl = new PodControl(client, recorder);
    jobs.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (old, cur) => this.updateJob(old, cur),
      onDelete: (j) => this.deleteJob(j),
    });
    pods.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(p),
    });
  }

  enqueue(job: Job, afterMs = 0): void {
    const key = metaNamespaceKeyFunc(job);
    if (afterMs > 0) this.queue.addAfter(key, afterMs);
    else this.queue.add(key);
  }

  private updateJob(old: Job, cur: Job): void {
    this.enqueue(cur);
    // a changed activeDeadlineSeconds is re-checked when it passes
    const ads = cur.spec?.activeDeadlineSeconds;
    if (ads !== undefined && ads !== old.spec?.activeDeadlineSeconds && cur.status?.startTime) {
      const left = Date.parse(cur.status.startTime) + ads * 1000 - Date.now();
      if (left > 0) this.enqueue(cur, left);
    }
  }

  private deleteJob(obj: Job | DeletedFinalStateUnknown<Job>): void {
    const job = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    const key = metaNamespaceKeyFunc(job);
    this.expectations.deleteExpectations(key);
    this.finalizerExpectations.delete(key);
    this.backoff.delete(key);
    this.queue.add(key);
    // pods still carrying the finalizer lose it through the orphan queue
    for (const p of this.pods.lister().namespace(job.metadata!.namespace!).list()) {
      if (controllerRefOf(p)?.uid === job.metadata?.uid && hasTrackingFinalizer(p)) this.orphanQueue.add(metaNamespaceKeyFunc(p));
    }
  }

  /** The job key of a pod's controller, when it is a Job the informer knows. */
  private jobKeyOf(pod: Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.lister().get(pod.metadata!.namespace!, ref.name);
    if (!job || job.metadata?.uid !== ref.uid) return undefined;
    return metaNamespaceKeyFunc(job);
  }

  private maybeOrphan(pod: Pod): void {
    if (!hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref && ref.kind === 'Job' && this.jobKeyOf(pod)) return;
    this.orphanQueue.add(metaNamespaceKeyFunc(pod));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod, false);
      return;
    }
    const key = this.jobKeyOf(pod);
    if (!key) {
      this.maybeOrphan(pod);
      return;
    }
    this.expectations.creationObserved(key);
    this.queue.add(key);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (!hasTrackingFinalizer(cur)) {
      const k = this.finalizerExpectations.observed(cur.metadata!.uid!);
      if (k) this.queue.add(k);
    }
    if (cur.metadata?.deletionTimestamp) {
      this.deletePod(cur, false);
      return;
    }
    const key = this.jobKeyOf(cur);
    const oldRef = controllerRefOf(old);
    if (oldRef && oldRef.uid !== controllerRefOf(cur)?.uid) {
      const oldJob = this.jobs.lister().get(old.metadata!.namespace!, oldRef.name);
      if (oldJob && oldJob.metadata?.uid === oldRef.uid) this.queue.add(metaNamespaceKeyFunc(oldJob));
    }
    if (!key) {
      this.maybeOrphan(cur);
      return;
    }
    this.queue.add(key);
  }

  /** final: the pod is gone from the store (not just being deleted). */
  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>, final = true): void {
    const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
    if (final) {
      const k = this.finalizerExpectations.observed(pod.metadata!.uid!);
      if (k) this.queue.add(k);
    }
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job') {
      if (!final) this.maybeOrphan(pod);
      return;
    }
    const job = this.jobs.lister().get(pod.metadata!.namespace!, ref.name);
    if (!job || job.metadata?.uid !== ref.uid) {
      if (!final) this.maybeOrphan(pod);
      return;
    }
    const key = metaNamespaceKeyFunc(job);
    this.expectations.deletionObservedOf(key, metaNamespaceKeyFunc(pod));
    this.queue.add(key);
  }

  /** Strip the tracking finalizer (strategic merge $deleteFromPrimitiveList); NotFound is fine. */
  async removeTrackingFinalizer(pod: Pod): Promise<void> {
    try {
      await this.client.patch({ ...PODS, namespace: pod.metadata!.namespace, name: pod.metadata!.name }, 'strategic', {
        metadata: { '$deleteFromPrimitiveList/finalizers': [JobTrackingFinalizer] },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async syncOrphanPod(key: string): Promise<void> {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.pods.lister().get(ns, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref && ref.kind === 'Job' && this.jobKeyOf(pod)) {
      // owned by a live job: that job's sync handles the finalizer
      return;
    }
    log.v(4).info('Removing the tracking finalizer from an orphan pod', { pod: key });
    await this.removeTrackingFinalizer(pod);
  }

  run(): void {
    this.workers.push(runQueueWorkers(this.queue, this.concurrency, (key) => syncJob(this, key), log, 'job'));
    this.workers.push(runQueueWorkers(this.orphanQueue, 1, (key) => this.syncOrphanPod(key), log, 'orphan pod'));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

export async function startJobController(ctx: ControllerContext): Promise<ControllerInstance> {
  const client = await ctx.clientFor('job-controller');
  const jobs = ctx.informers.forResource<Job>(JOBS);
  const pods = ctx.informers.forResource<Pod>(PODS);
  return new JobController(client, ctx.recorderFor('job-controller'), jobs, pods, ctx.options.concurrency.job ?? 5);
}
