// Job status math (pure): conditions, finished/terminating states, how many pods a job wants
// active, when it failed (backoff limit, active deadline) or succeeded, and the exponential
// delay before failed pods are replaced.

import type { JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Job, Pod } from '../util/types.js';
import {
  CondComplete, CondFailed, CondFailureTarget, CondSuccessCriteriaMet, DefaultJobPodFailureBackOffMs, MaxJobPodFailureBackOffMs,
} from './names.js';

/** metav1.Time form: RFC 3339 in seconds. */
export function metaTime(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

export function hasTrueCondition(job: Job, type: string): boolean {
  return findCondition(job, type)?.status === 'True';
}

/** Complete or Failed is True. */
export function isJobFinished(job: Job): boolean {
  return hasTrueCondition(job, CondComplete) || hasTrueCondition(job, CondFailed);
}

/** The terminal condition type a job is heading to (FailureTarget or SuccessCriteriaMet), if any. */
export function pendingTerminal(job: Job): 'Failed' | 'Complete' | undefined {
  if (hasTrueCondition(job, CondFailureTarget)) return 'Failed';
  if (hasTrueCondition(job, CondSuccessCriteriaMet)) return 'Complete';
  return undefined;
}

/**
 * Set a condition (upstream ensureJobConditionStatus): a new condition is appended; an existing
 * one changes only when status, reason or message differ, and lastTransitionTime only when the
 * status does. Returns whether anything changed.
 */
export function setCondition(job: Job, type: string, status: 'True' | 'False', reason: string, message: string, now = metaTime()): boolean {
  const st = (job.status ??= {});
  const conds = (st.conditions ??= []);
  const c = conds.find((x) => x.type === type);
  if (!c) {
    if (status === 'False') return false;
    conds.push({ type, status, lastProbeTime: now, lastTransitionTime: now, reason, message });
    return true;
  }
  if (c.status === status && c.reason === reason && c.message === message) return false;
  if (c.status !== status) c.lastTransitionTime = now;
  c.status = status;
  c.reason = reason;
  c.message = message;
  c.lastProbeTime = now;
  return true;
}

/** Pods the job counts as failed: Failed phase, or (unless podReplacementPolicy is Failed) deleted before succeeding. */
export function isPodFailedForJob(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed') return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

export function isPodSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}

/** How many pods a NonIndexed job wants running. */
export function wantActiveNonIndexed(job: Job, active: number, succeeded: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? Math.min(active, parallelism) : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** The job's success criterion without a success policy: enough completions. */
export function completionsReached(job: Job, active: number, succeeded: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions;
}

export function exceedsBackoffLimit(job: Job, failed: number): boolean {
  return failed > (job.spec?.backoffLimit ?? 6);
}

/** ms until activeDeadlineSeconds passes (≤ 0: passed); undefined without a deadline or start. */
export function timeToDeadline(job: Job, nowMs = Date.now()): number | undefined {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = Date.parse(job.status?.startTime ?? '');
  if (ads === undefined || ads === null || !Number.isFinite(start)) return undefined;
  return start + ads * 1000 - nowMs;
}

/** Delay after n consecutive failures: 0, 10s, 20s, 40s, ... capped at 6 min. */
export function failureBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  const d = DefaultJobPodFailureBackOffMs * Math.pow(2, failures - 1);
  return Math.min(d, MaxJobPodFailureBackOffMs);
}

/** When a pod finished (its latest container termination, else its Ready condition change, else now). */
export function podFinishTimeMs(pod: Pod, nowMs = Date.now()): number {
  let t = 0;
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const f = Date.parse(s.state?.terminated?.finishedAt ?? '');
    if (Number.isFinite(f)) t = Math.max(t, f);
  }
  if (t) return t;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const r = Date.parse(ready?.lastTransitionTime ?? '');
  if (Number.isFinite(r) && ready?.status === 'False') return r;
  return nowMs;
}

/** Backoff state: failures since the last success and when the last one happened. */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTimeMs: number;
}

/** Fold newly finished pods into a record (a success resets it unless a failure came later). */
export function updateBackoffRecord(rec: BackoffRecord, newFailed: Pod[], newSucceeded: Pod[], nowMs = Date.now()): BackoffRecord {
  let { failuresAfterLastSuccess, lastFailureTimeMs } = rec;
  const lastSuccess = newSucceeded.reduce((m, p) => Math.max(m, podFinishTimeMs(p, nowMs)), 0);
  const failedTimes = newFailed.map((p) => podFinishTimeMs(p, nowMs)).sort((a, b) => a - b);
  if (newSucceeded.length) {
    const after = failedTimes.filter((t) => t > lastSuccess);
    failuresAfterLastSuccess = after.length;
    lastFailureTimeMs = after.length ? after[after.length - 1]! : 0;
    return { failuresAfterLastSuccess, lastFailureTimeMs };
  }
  if (failedTimes.length) {
    failuresAfterLastSuccess += failedTimes.length;
    lastFailureTimeMs = Math.max(lastFailureTimeMs, failedTimes[failedTimes.length - 1]!);
  }
  return { failuresAfterLastSuccess, lastFailureTimeMs };
}

/** ms still to wait before a new pod may be created (≤ 0: now). */
export function remainingBackoffMs(rec: BackoffRecord, nowMs = Date.now()): number {
  if (!rec.failuresAfterLastSuccess) return 0;
  return rec.lastFailureTimeMs + failureBackoffMs(rec.failuresAfterLastSuccess) - nowMs;
}
