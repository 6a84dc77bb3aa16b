// The TTL-after-finished controller (upstream ttlafterfinished_controller.go): a finished Job
// (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted — foreground, with a
// resourceVersion precondition after a fresh read — once the TTL has passed since it finished;
// before that it is requeued for the moment it expires.

import type { Informer, RestClient } from '../../client/index.js';
import { isNotFound, isConflict, metaNamespaceKeyFunc, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import type { RateLimitingQueue } from '../../client/index.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Job } from '../util/types.js';

const log = logger('ttlafterfinished_controller.go');
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' };

/** When the job finished: the lastTransitionTime of its true Complete/Failed condition. */
export function jobFinishTimeMs(job: Job): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = Date.parse(c.lastTransitionTime ?? '');
      return Number.isFinite(t) ? t : undefined;
    }
  }
  return undefined;
}

export function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished !== undefined && job.spec.ttlSecondsAfterFinished !== null && jobFinishTimeMs(job) !== undefined && !job.metadata?.deletionTimestamp;
}

/** ms until the job expires (≤ 0: expired); undefined when it does not need cleanup. */
export function timeLeftMs(job: Job, nowMs = Date.now()): number | undefined {
  if (!needsCleanup(job)) return undefined;
  return jobFinishTimeMs(job)! + job.spec!.ttlSecondsAfterFinished! * 1000 - nowMs;
}

export class TTLAfterFinishedController implements ControllerInstance {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('ttl_jobs_to_delete');
  private workers?: QueueWorkers;

  constructor(
    readonly client: RestClient,
    readonly jobs: Informer<Job>,
    readonly concurrency: number,
  ) {
    jobs.addEventHandler({
      onAdd: (j) => this.add(j),
      onUpdate: (_o, j) => this.add(j),
    });
  }

  private add(job: Job): void {
    log.v(4).info('Adding job', { job: metaNamespaceKeyFunc(job) });
    if (needsCleanup(job)) this.queue.add(metaNamespaceKeyFunc(job));
  }

  private async process(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    log.v(4).info('Checking if Job is ready for cleanup', { job: key });
    const cached = this.jobs.lister().get(namespace, name);
    if (!cached) return;
    const left = timeLeftMs(cached);
    if (left === undefined) return;
    if (left > 0) {
      this.queue.addAfter(key, left);
      return;
    }
    // the cache may be stale: check a fresh copy (the TTL may have been changed)
    let fresh: Job;
    try {
      fresh = await this.client.get<Job>({ ...JOBS, namespace, name });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshLeft = timeLeftMs(fresh);
    if (freshLeft === undefined) return;
    if (freshLeft > 0) {
      this.queue.addAfter(key, freshLeft);
      return;
    }
    log.v(4).info('Cleaning up Job', { job: key });
    try {
      await this.client.delete({ ...JOBS, namespace, name }, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata?.uid, resourceVersion: fresh.metadata?.resourceVersion } });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        this.queue.add(key);
        return;
      }
      throw err;
    }
  }

  run(): void {
    this.workers = runQueueWorkers(this.queue, this.concurrency, (k) => this.process(k), log, 'job');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
  }
}

export async function startTTLAfterFinishedController(ctx: ControllerContext): Promise<ControllerInstance> {
  const client = await ctx.clientFor('ttl-after-finished-controller');
  return new TTLAfterFinishedController(client, ctx.informers.forResource<Job>(JOBS), ctx.options.concurrency['ttl-after-finished'] ?? 5);
}
