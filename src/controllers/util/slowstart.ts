// Slow-start batching (upstream controller_utils' slowStartBatch): call fn `count` times in
// batches of 1, 2, 4, ... (starting at initialBatchSize), each batch concurrently, stopping after
// the first batch with a failure — so a controller hitting e.g. a quota error fails once
// instead of firing hundreds of doomed requests.

/** Upstream's SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export interface SlowStartResult {
  /** calls that succeeded */
  successes: number;
  /** the first error of the failing batch, if any */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}
