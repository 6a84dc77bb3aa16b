// Backoff limit per index (upstream KEP-3850, Indexed jobs with spec.backoffLimitPerIndex): each
// pod carries its index's failure count so far (annotation
// batch.kubernetes.io/job-index-failure-count); an index whose failures exceed the limit (or a
// FailIndex pod-failure-policy rule) is recorded in status.failedIndexes and gets no more pods;
// replacements of an index wait for that index's own exponential backoff.

import type { Job, Pod } from '../util/types.js';
import { completionIndexOf } from './indexes.js';
import { failureBackoffMs, podFinishTimeMs } from './status.js';

export const JobIndexFailureCountAnnotation = 'batch.kubernetes.io/job-index-failure-count';
export const ReasonMaxFailedIndexesExceeded = 'MaxFailedIndexesExceeded';
export const MsgMaxFailedIndexesExceeded = 'Job has exceeded the specified maximal number of failed indexes';
export const ReasonFailedIndexes = 'FailedIndexes';
export const MsgFailedIndexes = 'Job has failed indexes';

export function hasBackoffLimitPerIndex(job: Job): boolean {
  const v = (job.spec as { backoffLimitPerIndex?: number } | undefined)?.backoffLimitPerIndex;
  return job.spec?.completionMode === 'Indexed' && v !== undefined && v !== null;
}

export function backoffLimitPerIndex(job: Job): number {
  return (job.spec as { backoffLimitPerIndex?: number }).backoffLimitPerIndex ?? 0;
}

export function maxFailedIndexes(job: Job): number | undefined {
  const v = (job.spec as { maxFailedIndexes?: number } | undefined)?.maxFailedIndexes;
  return v === undefined || v === null ? undefined : v;
}

function annotatedFailures(pod: Pod): number {
  const v = Number(pod.metadata?.annotations?.[JobIndexFailureCountAnnotation] ?? 0);
  return Number.isSafeInteger(v) && v >= 0 ? v : 0;
}

/** The failures a failed pod brings its index to (its annotation + 1). */
export function failuresAfter(pod: Pod): number {
  return annotatedFailures(pod) + 1;
}

export interface IndexFailures {
  count: number;
  lastFailureMs: number;
}

/** Per index: failures so far (from the pods' annotations) and when the last one happened. */
export function indexFailures(pods: Pod[], isFailed: (p: Pod) => boolean, nowMs = Date.now()): Map<number, IndexFailures> {
  const out = new Map<number, IndexFailures>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix < 0) continue;
    const failed = isFailed(p);
    const count = failed ? failuresAfter(p) : annotatedFailures(p);
    const cur = out.get(ix) ?? { count: 0, lastFailureMs: 0 };
    cur.count = Math.max(cur.count, count);
    if (failed) cur.lastFailureMs = Math.max(cur.lastFailureMs, podFinishTimeMs(p, nowMs));
    out.set(ix, cur);
  }
  return out;
}

/** ms before index `ix` may get a replacement pod (≤ 0: now). */
export function indexBackoffLeftMs(f: IndexFailures | undefined, nowMs = Date.now()): number {
  if (!f?.count || !f.lastFailureMs) return 0;
  return f.lastFailureMs + failureBackoffMs(f.count) - nowMs;
}
