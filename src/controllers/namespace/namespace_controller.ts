// The namespace controller (upstream namespace_controller.go): namespaces with a
// deletionTimestamp are queued (on every informer event and resync) and handed to the deleter
// by --concurrent-namespace-syncs workers; while content remains the namespace is looked at
// again after half the deleter's estimate (+1s), other failures are retried with backoff.

import type { Informer, RateLimitingQueue } from '../../client/index.js';
import { newRateLimitingQueue, DeletedFinalStateUnknown } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { every, runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Namespace } from '../util/types.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './deleter.js';

const log = logger('namespace_controller.go');

export class NamespaceController {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('namespace');
  private workers?: QueueWorkers;

  constructor(
    private readonly informer: Informer<Namespace>,
    private readonly deleter: NamespacedResourcesDeleter,
    private readonly resyncMs: number,
  ) {
    const enqueue = (ns: Namespace | DeletedFinalStateUnknown<Namespace>) => {
      const obj = ns instanceof DeletedFinalStateUnknown ? ns.obj : ns;
      // only namespaces being deleted need work (upstream enqueueNamespace)
      if (!obj.metadata?.deletionTimestamp) return;
      this.queue.add(obj.metadata.name!);
    };
    informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
    this.enqueue = enqueue;
  }

  private readonly enqueue: (ns: Namespace) => void;

  run(workers: number, signal: AbortSignal): void {
    log.info('Starting namespace controller');
    // the --namespace-sync-period resync: terminating namespaces are looked at again
    every(this.resyncMs, signal, () => {
      for (const ns of this.informer.lister().list()) this.enqueue(ns);
    }, log);
    this.workers = runQueueWorkers(this.queue, workers, (key) => this.syncNamespace(key), log, 'namespace');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    log.info('Shutting down namespace controller');
  }

  private async syncNamespace(key: string): Promise<void> {
    const start = Date.now();
    try {
      await this.deleter.delete(key);
    } catch (err) {
      if (!(err instanceof ResourcesRemainingError)) throw err;
      const t = Math.floor(err.estimate / 2) + 1;
      log.v(4).info('Content remaining in namespace', { namespace: key, waitSeconds: t });
      this.queue.addAfter(key, t * 1000);
    } finally {
      log.v(4).info('Finished syncing namespace', { namespace: key, duration: `${Date.now() - start}ms` });
    }
  }
}
