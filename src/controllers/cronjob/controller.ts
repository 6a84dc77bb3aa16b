// The CronJob controller (upstream cronjob_controllerv2.go): CronJob and Job informers, the
// handlers that enqueue a CronJob when its jobs change, and workers that reconcile (sync.ts)
// and requeue each CronJob for its next scheduled time — no polling loop.

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, newRateLimitingQueue } from '../../client/index.js';
import type { RateLimitingQueue } from '../../client/index.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { controllerRefOf } from '../util/pods.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { CronJob, Job } from '../util/types.js';
import { syncCronJob } from './sync.js';

export const log = logger('cronjob_controllerv2.go');
export const CRONJOBS = { group: 'batch', version: 'v1', resource: 'cronjobs' };
export const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' };

export class CronJobController implements ControllerInstance {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('cronjob');
  private workers?: QueueWorkers;

  constructor(
    readonly client: RestClient,
    readonly recorder: EventRecorder,
    readonly cronJobs: Informer<CronJob>,
    readonly jobs: Informer<Job>,
    readonly concurrency: number,
  ) {
    cronJobs.addEventHandler({
      onAdd: (cj) => this.queue.add(metaNamespaceKeyFunc(cj)),
      onUpdate: (_old, cur) => this.queue.add(metaNamespaceKeyFunc(cur)),
    });
    jobs.addEventHandler({
      onAdd: (j) => this.enqueueOwner(j),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const oldRef = controllerRefOf(old);
        if (oldRef && oldRef.uid !== controllerRefOf(cur)?.uid) this.enqueueOwner(old);
        this.enqueueOwner(cur);
      },
      onDelete: (j) => this.enqueueOwner(j instanceof DeletedFinalStateUnknown ? j.obj : j),
    });
  }

  /** The CronJob controlling a job, if the informer knows it. */
  ownerOf(job: Job): CronJob | undefined {
    const ref = controllerRefOf(job);
    if (!ref || ref.kind !== 'CronJob') return undefined;
    const cj = this.cronJobs.lister().get(job.metadata!.namespace!, ref.name);
    return cj && cj.metadata?.uid === ref.uid ? cj : undefined;
  }

  private enqueueOwner(job: Job): void {
    const cj = this.ownerOf(job);
    if (cj) this.queue.add(metaNamespaceKeyFunc(cj));
  }

  run(): void {
    this.workers = runQueueWorkers(this.queue, this.concurrency, async (key) => {
      const requeueAfter = await syncCronJob(this, key);
      if (requeueAfter !== undefined) this.queue.addAfter(key, requeueAfter);
    }, log, 'cronjob');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
  }
}

export async function startCronJobController(ctx: ControllerContext): Promise<ControllerInstance> {
  const client = await ctx.clientFor('cronjob-controller');
  return new CronJobController(
    client,
    ctx.recorderFor('cronjob-controller'),
    ctx.informers.forResource<CronJob>(CRONJOBS),
    ctx.informers.forResource<Job>(JOBS),
    ctx.options.concurrency['cron-job'] ?? 5,
  );
}
