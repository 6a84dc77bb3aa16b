// The worker loop every queue-driven controller runs (upstream's processNextWorkItem): take a
// key, sync it, forget it on success or requeue it rate-limited on error, until the queue
// shuts down. Shared by the node, certificate, service-account, bootstrap, TTL and HPA
// controllers.

import type { RateLimitingQueue } from '../../client/index.js';
import type { Logger } from '../../util/klog.js';

export interface QueueWorkers {
  /** shut the queue down and wait until in-flight syncs finished */
  stop(): Promise<void>;
}

/** Start n workers on queue; errors are logged and the key requeued with backoff. */
export function runQueueWorkers<T>(queue: RateLimitingQueue<T>, n: number, sync: (key: T) => Promise<void>, log: Logger, what = 'key'): QueueWorkers {
  const worker = async () => {
    for (;;) {
      const [key, shutdown] = await queue.get();
      if (shutdown) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        if (!queue.shuttingDown()) {
          log.error(`Error syncing ${what}; requeuing`, { key: String(key), err: (err as Error)?.message ?? String(err) });
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  const running = Array.from({ length: Math.max(1, n) }, () => worker());
  return {
    async stop() {
      queue.shutDown();
      await Promise.all(running);
    },
  };
}

/** Call fn every periodMs until signal aborts (wait.Until); errors are logged. */
export function every(periodMs: number, signal: AbortSignal, fn: () => Promise<void> | void, log: Logger): void {
  let busy = false;
  const tick = async () => {
    if (busy || signal.aborted) return;
    busy = true;
    try {
      await fn();
    } catch (err) {
      if (!signal.aborted) log.error('periodic sync failed', { err: (err as Error)?.message ?? String(err) });
    } finally {
      busy = false;
    }
  };
  const t = setInterval(() => void tick(), periodMs);
  signal.addEventListener('abort', () => clearInterval(t), { once: true });
  void tick();
}
