// Worker pools over work queues, and error logging that stays readable when thousands of
// simulated nodes fail the same way at once (the first error a second is logged, then a count).
import type { Queue } from '../client/workqueue.js';
import type { Logger } from '../util/klog.js';

/** n workers taking items from the queue until it shuts down; resolves when all have stopped. */
export function runWorkers<T>(queue: Queue<T>, n: number, work: (item: T) => Promise<void>): Promise<void> {
  const one = async () => {
    for (;;) {
      const [item, shutdown] = await queue.get();
      if (shutdown) return;
      try {
        await work(item);
      } finally {
        queue.done(item);
      }
    }
  };
  return Promise.all(Array.from({ length: Math.max(1, n) }, one)).then(() => undefined);
}

/** Logs the first error of a kind each second; the next line says how many were suppressed. */
export class ThrottledErrors {
  private last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly log: Logger) {}

  error(msg: string, pairs: Record<string, unknown>): void {
    const now = Date.now();
    const s = this.last.get(msg);
    if (s && now - s.at < 1000) {
      s.suppressed++;
      return;
    }
    const extra = s?.suppressed ? { suppressed: s.suppressed } : {};
    this.last.set(msg, { at: now, suppressed: 0 });
    this.log.error(msg, { ...pairs, ...extra });
  }
}

/** f·(1 + factor·rand): wait.Jitter. */
export function jitter(ms: number, factor: number): number {
  return ms * (1 + factor * Math.random());
}
