// The Job reconcile (upstream syncJob, manageJob and trackJobStatusAndRemoveFinalizers):
// claim the job's pods; record newly finished pods in status.uncountedTerminatedPods before
// removing their tracking finalizer, then move them into succeeded/failed (so a pod is counted
// exactly once even across restarts); decide failure (backoff limit, active deadline, a
// FailJob pod-failure-policy rule → FailureTarget; Ignore rules do not count) or success
// (completions → SuccessCriteriaMet) and add Failed/Complete once no pod is left running or
// terminating; otherwise keep `parallelism` pods running (NonIndexed or one per completion
// index), honouring suspend and the pod-failure backoff (per index with backoffLimitPerIndex,
// whose exhausted indexes go to status.failedIndexes).

import { isConflict, metaNamespaceKeyFunc, splitMetaNamespaceKey } from '../../client/index.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import { claimObjects, recheckOwner } from '../util/controllerref.js';
import { compareForDeletion, isPodActive, isPodReady } from '../util/pods.js';
import type { Job, Pod } from '../util/types.js';
import { JobController, JOBS, PODS, hasTrackingFinalizer, log } from './controller.js';
import { completionIndexOf, formatIndexes, indexesToCreate, matchSuccessPolicy, parseIndexes } from './indexes.js';
import {
  CondComplete, CondFailed, CondFailureTarget, CondSuccessCriteriaMet, CondSuspended, MaxPodCreateDeletePerSync, MsgBackoffLimitExceeded,
  MsgCompletionsReached, MsgDeadlineExceeded, ReasonBackoffLimitExceeded, ReasonCompletionsReached, ReasonDeadlineExceeded, ReasonJobResumed,
  ReasonJobSuspended, ReasonSuccessPolicy,
} from './names.js';
import { jobOwnerInfo, newJobPod } from './podtemplate.js';
import { ReasonPodFailurePolicy, matchPodFailurePolicy, pastBackoffLimitOnFailure } from './podfailurepolicy.js';
import {
  MsgFailedIndexes, MsgMaxFailedIndexesExceeded, ReasonFailedIndexes, ReasonMaxFailedIndexesExceeded, backoffLimitPerIndex, failuresAfter,
  hasBackoffLimitPerIndex, indexBackoffLeftMs, indexFailures, maxFailedIndexes,
} from './perindex.js';
import {
  completionsReached, exceedsBackoffLimit, findCondition, hasTrueCondition, isJobFinished, isPodFailedForJob, isPodSucceeded, metaTime,
  pendingTerminal, remainingBackoffMs, setCondition, timeToDeadline, updateBackoffRecord, wantActiveNonIndexed,
} from './status.js';

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

async function getPodsForJob(c: JobController, job: Job): Promise<Pod[]> {
  const selector = labelSelectorAsSelector(job.spec?.selector);
  const candidates = c.pods.lister().namespace(job.metadata!.namespace!).list();
  const uid = job.metadata!.uid;
  // pods matching the selector or already owned (to release them)
  const relevant = candidates.filter((p) => selector.matches(p.metadata?.labels) || p.metadata?.ownerReferences?.some((r) => r.uid === uid));
  return claimObjects<Pod>(relevant, {
    client: c.client,
    gvr: PODS,
    owner: jobOwnerInfo(job),
    selector,
    filter: (p) => isPodActive(p) || hasTrackingFinalizer(p),
    canAdopt: recheckOwner(c.client, JOBS, jobOwnerInfo(job)),
  });
}

/** Delete pods (uid preconditions, events), tracking the expected deletions; returns how many went. */
async function deletePods(c: JobController, key: string, job: Job, pods: Pod[]): Promise<number> {
  if (!pods.length) return 0;
  c.expectations.expectDeletionsOf(key, pods.map((p) => metaNamespaceKeyFunc(p)));
  let deleted = 0;
  let firstErr: unknown;
  await Promise.all(
    pods.map(async (p) => {
      try {
        await c.podControl.deletePod(job, p);
        deleted++;
      } catch (err) {
        c.expectations.deletionObservedOf(key, metaNamespaceKeyFunc(p));
        firstErr ??= err;
      }
    }),
  );
  if (firstErr) throw firstErr;
  return deleted;
}

/** Create pods in slow-start batches (1, 2, 4, ...); stops at the first failing batch. */
async function createPods(c: JobController, key: string, job: Job, make: (() => Pod)[]): Promise<number> {
  if (!make.length) return 0;
  c.expectations.raiseExpectations(key, make.length, 0);
  let created = 0;
  let batch = 1;
  let i = 0;
  let firstErr: unknown;
  while (i < make.length && !firstErr) {
    const chunk = make.slice(i, i + batch);
    i += chunk.length;
    await Promise.all(
      chunk.map(async (fn) => {
        try {
          await c.podControl.createPod(job, fn());
          created++;
        } catch (err) {
          c.expectations.creationObserved(key);
          firstErr ??= err;
        }
      }),
    );
    batch *= 2;
  }
  // the ones never attempted will not be observed either
  for (let k = i; k < make.length; k++) c.expectations.creationObserved(key);
  if (firstErr) throw firstErr;
  return created;
}

async function updateStatus(c: JobController, job: Job): Promise<Job> {
  const updated = await c.client.update<Job>({ ...JOBS, namespace: job.metadata!.namespace, name: job.metadata!.name, subresource: 'status' }, job);
  (job.metadata as { resourceVersion?: string }).resourceVersion = updated.metadata?.resourceVersion;
  return updated;
}

async function removeFinalizers(c: JobController, key: string, pods: Pod[]): Promise<Set<string>> {
  const done = new Set<string>();
  if (!pods.length) return done;
  c.finalizerExpectations.expect(key, pods.map((p) => p.metadata!.uid!));
  let firstErr: unknown;
  await Promise.all(
    pods.map(async (p) => {
      try {
        await c.removeTrackingFinalizer(p);
        done.add(p.metadata!.uid!);
      } catch (err) {
        c.finalizerExpectations.observed(p.metadata!.uid!);
        firstErr ??= err;
      }
    }),
  );
  if (firstErr && !done.size) throw firstErr;
  return done;
}

export async function syncJob(c: JobController, key: string): Promise<void> {
  const started = Date.now();
  const { namespace, name } = splitMetaNamespaceKey(key);
  const cached = c.jobs.lister().get(namespace, name);
  if (!cached) {
    log.v(4).info('Job has been deleted', { key });
    c.expectations.deleteExpectations(key);
    c.finalizerExpectations.delete(key);
    c.backoff.delete(key);
    return;
  }
  const managedBy = (cached.spec as { managedBy?: string } | undefined)?.managedBy;
  if (managedBy && managedBy !== 'kubernetes.io/job-controller') {
    log.v(2).info('Skip syncing the job as it is not managed by the Job controller', { key, managedBy });
    return;
  }
  try {
    await reconcile(c, key, structuredClone(cached));
  } catch (err) {
    if (isConflict(err)) log.v(2).info('Conflict updating the job; retrying', { key });
    throw err;
  } finally {
    log.v(4).info('Finished syncing job', { key, elapsed: `${Date.now() - started}ms` });
  }
}

async function reconcile(c: JobController, key: string, job: Job): Promise<void> {
  const pods = await getPodsForJob(c, job);

  // A finished job (its counts are final) or one being deleted only lets go of its pods.
  if (isJobFinished(job) || job.metadata?.deletionTimestamp) {
    const holding = pods.filter((p) => hasTrackingFinalizer(p) && (isJobFinished(job) || !isPodActive(p) || !!job.metadata?.deletionTimestamp));
    await removeFinalizers(c, key, holding.filter((p) => !c.finalizerExpectations.expected(key).has(p.metadata!.uid!)));
    return;
  }

  const now = Date.now();
  const spec = job.spec!;
  const st = (job.status ??= {});
  let before = JSON.stringify(st);
  const indexed = spec.completionMode === 'Indexed';
  const completions = spec.completions ?? 0;
  const suspended = spec.suspend === true;
  const expectedRm = c.finalizerExpectations.expected(key);
  const uncounted = {
    succeeded: new Set(st.uncountedTerminatedPods?.succeeded ?? []),
    failed: new Set(st.uncountedTerminatedPods?.failed ?? []),
  };
  let target = pendingTerminal(job);
  const completedIdx = indexed ? parseIndexes(st.completedIndexes, completions) : new Set<number>();
  const perIndex = hasBackoffLimitPerIndex(job);
  const failedIdx = perIndex ? parseIndexes(st.failedIndexes, completions) : new Set<number>();

  // newly finished pods (with the finalizer, not yet recorded)
  const newSucceeded: Pod[] = [];
  const newFailed: Pod[] = [];
  const uncountable: Pod[] = [];
  let failJobMessage: string | undefined;
  for (const p of pods) {
    const uid = p.metadata!.uid!;
    if (!hasTrackingFinalizer(p) || expectedRm.has(uid) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
    const ix = completionIndexOf(p);
    const validIndex = !indexed || (ix >= 0 && ix < completions);
    if (isPodSucceeded(p)) {
      if (validIndex) newSucceeded.push(p);
      else uncountable.push(p);
    } else if (isPodFailedForJob(p, job)) {
      // pods the controller removed while suspending, or after success, are not failures
      const deletedByUs = !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Failed';
      const match = p.status?.phase === 'Failed' ? matchPodFailurePolicy(job, p) : undefined;
      if ((deletedByUs && (suspended || target === 'Complete')) || !validIndex || match?.action === 'Ignore') {
        uncountable.push(p);
      } else {
        newFailed.push(p);
        if (match?.action === 'FailJob') failJobMessage ??= match.message;
        if (perIndex && (match?.action === 'FailIndex' || failuresAfter(p) > backoffLimitPerIndex(job))) failedIdx.add(completionIndexOf(p));
      }
    }
  }
  for (const p of newSucceeded) {
    uncounted.succeeded.add(p.metadata!.uid!);
    if (indexed) completedIdx.add(completionIndexOf(p));
  }
  for (const p of newFailed) uncounted.failed.add(p.metadata!.uid!);
  if (newFailed.length || newSucceeded.length) {
    c.backoff.set(key, updateBackoffRecord(c.backoff.get(key) ?? { failuresAfterLastSuccess: 0, lastFailureTimeMs: 0 }, newFailed, newSucceeded, now));
  }

  let active = pods.filter(isPodActive);
  const terminating = pods.filter((p) => !!p.metadata?.deletionTimestamp && !isTerminal(p));
  const succeeded = indexed ? completedIdx.size : (st.succeeded ?? 0) + uncounted.succeeded.size;
  const failed = (st.failed ?? 0) + uncounted.failed.size;

  // start time; re-check at the active deadline
  if (!suspended && !st.startTime) st.startTime = metaTime(now);

  let successRule: number | undefined;
  if (!target) {
    const ttd = suspended ? undefined : timeToDeadline(job, now);
    if (failJobMessage) {
      setCondition(job, CondFailureTarget, 'True', ReasonPodFailurePolicy, failJobMessage);
      target = 'Failed';
    } else if (perIndex && maxFailedIndexes(job) !== undefined && failedIdx.size > maxFailedIndexes(job)!) {
      setCondition(job, CondFailureTarget, 'True', ReasonMaxFailedIndexesExceeded, MsgMaxFailedIndexesExceeded);
      target = 'Failed';
    } else if (exceedsBackoffLimit(job, failed) || pastBackoffLimitOnFailure(job, active)) {
      setCondition(job, CondFailureTarget, 'True', ReasonBackoffLimitExceeded, MsgBackoffLimitExceeded);
      target = 'Failed';
    } else if (ttd !== undefined && ttd <= 0) {
      setCondition(job, CondFailureTarget, 'True', ReasonDeadlineExceeded, MsgDeadlineExceeded);
      target = 'Failed';
    } else if (indexed && (successRule = matchSuccessPolicy((spec as { successPolicy?: { rules?: [] } }).successPolicy?.rules, completions, completedIdx)) !== undefined) {
      setCondition(job, CondSuccessCriteriaMet, 'True', ReasonSuccessPolicy, `Matched rules at index ${successRule}`);
      target = 'Complete';
    } else if (failedIdx.size && completedIdx.size + failedIdx.size >= completions) {
      setCondition(job, CondFailureTarget, 'True', ReasonFailedIndexes, MsgFailedIndexes);
      target = 'Failed';
    } else if (indexed ? completedIdx.size >= completions : completionsReached(job, active.length, succeeded)) {
      setCondition(job, CondSuccessCriteriaMet, 'True', ReasonCompletionsReached, MsgCompletionsReached);
      target = 'Complete';
    } else if (ttd !== undefined) {
      c.enqueue(job, ttd + 10);
    }
  }

  let deleted: Pod[] = [];
  let created = 0;
  const satisfied = c.expectations.satisfiedExpectations(key);
  if (target) {
    deleted = active;
  } else if (suspended) {
    deleted = active;
    if (setCondition(job, CondSuspended, 'True', ReasonJobSuspended, 'Job suspended')) {
      c.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
    }
  } else {
    if (hasTrueCondition(job, CondSuspended)) {
      setCondition(job, CondSuspended, 'False', ReasonJobResumed, 'Job resumed');
      c.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      st.startTime = metaTime(now);
      const ads = spec.activeDeadlineSeconds;
      if (ads !== undefined && ads !== null) c.enqueue(job, ads * 1000 + 10);
    }
    if (satisfied) {
      const plan = manage(c, key, job, pods, active, succeeded, completedIdx, failedIdx, now);
      deleted = plan.remove;
      created = await createPods(c, key, job, plan.create);
    }
  }
  if (deleted.length) {
    await deletePods(c, key, job, deleted.slice(0, MaxPodCreateDeletePerSync));
    const gone = new Set(deleted.map((p) => p.metadata!.uid));
    active = active.filter((p) => !gone.has(p.metadata!.uid));
  }

  st.active = active.length + created;
  st.ready = active.filter(isPodReady).length;
  st.terminating = terminating.length + deleted.length;
  if (indexed) st.completedIndexes = formatIndexes(completedIdx);
  if (perIndex) st.failedIndexes = formatIndexes(failedIdx);
  st.uncountedTerminatedPods = uncountedStatus(uncounted);
  omitZeroCounts(st);

  // 1. record the newly finished pods before their finalizers go
  if (newSucceeded.length || newFailed.length) {
    await updateStatus(c, job);
    before = JSON.stringify(st);
  }

  // 2. remove finalizers of recorded pods (and of finished pods that are not counted)
  const byUid = new Map(pods.map((p) => [p.metadata!.uid!, p]));
  const toRelease: Pod[] = [];
  for (const uid of [...uncounted.succeeded, ...uncounted.failed]) {
    const p = byUid.get(uid);
    if (p && hasTrackingFinalizer(p) && !expectedRm.has(uid)) toRelease.push(p);
  }
  for (const p of uncountable) if (!expectedRm.has(p.metadata!.uid!)) toRelease.push(p);
  const released = await removeFinalizers(c, key, toRelease);

  // 3. count the pods that no longer hold a finalizer
  const flushable = (uid: string) => {
    const p = byUid.get(uid);
    return !p || !hasTrackingFinalizer(p) || released.has(uid);
  };
  for (const uid of [...uncounted.succeeded]) {
    if (!flushable(uid)) continue;
    uncounted.succeeded.delete(uid);
    if (!indexed) st.succeeded = (st.succeeded ?? 0) + 1;
  }
  for (const uid of [...uncounted.failed]) {
    if (!flushable(uid)) continue;
    uncounted.failed.delete(uid);
    st.failed = (st.failed ?? 0) + 1;
  }
  if (indexed) st.succeeded = completedIdx.size;
  st.uncountedTerminatedPods = uncountedStatus(uncounted);
  omitZeroCounts(st);

  // 4. the terminal condition once nothing runs or terminates any more
  const settled = !uncounted.succeeded.size && !uncounted.failed.size && !st.active && !st.terminating;
  if (target && settled) {
    const nowT = metaTime();
    if (target === 'Complete') {
      const scm = findCondition(job, CondSuccessCriteriaMet);
      setCondition(job, CondComplete, 'True', scm?.reason ?? ReasonCompletionsReached, scm?.message ?? MsgCompletionsReached, nowT);
      st.completionTime = nowT;
      c.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      const ft = findCondition(job, CondFailureTarget)!;
      setCondition(job, CondFailed, 'True', ft.reason ?? '', ft.message ?? '', nowT);
      c.recorder.event(job, 'Warning', ft.reason ?? 'Failed', ft.message ?? '');
    }
    c.backoff.delete(key);
  }
  if (JSON.stringify(st) !== before) await updateStatus(c, job);
}

/** active, succeeded and failed are omitted when zero (omitempty), ready and terminating are not. */
function omitZeroCounts(st: NonNullable<Job['status']>): void {
  if (!st.active) delete st.active;
  if (!st.succeeded) delete st.succeeded;
  if (!st.failed) delete st.failed;
}

function uncountedStatus(u: { succeeded: Set<string>; failed: Set<string> }) {
  const out: { succeeded?: string[]; failed?: string[] } = {};
  if (u.succeeded.size) out.succeeded = [...u.succeeded];
  if (u.failed.size) out.failed = [...u.failed];
  return out;
}

interface Plan {
  remove: Pod[];
  create: (() => Pod)[];
}

/** manageJob: which active pods to delete and which to create (subject to the failure backoff). */
function manage(c: JobController, key: string, job: Job, pods: Pod[], active: Pod[], succeeded: number, completedIdx: Set<number>, failedIdx: Set<number>, now: number): Plan {
  const spec = job.spec!;
  const parallelism = spec.parallelism ?? 1;
  const remove: Pod[] = [];
  let want: number;
  let missing: (() => Pod)[] = [];
  const perIndex = hasBackoffLimitPerIndex(job);
  if (spec.completionMode === 'Indexed') {
    const completions = spec.completions ?? 0;
    const done = new Set([...completedIdx, ...failedIdx]);
    const byIndex = new Map<number, Pod>();
    const groups = new Map<number, Pod[]>();
    for (const p of active) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= completions || done.has(ix)) {
        remove.push(p);
        continue;
      }
      groups.set(ix, [...(groups.get(ix) ?? []), p]);
    }
    // one pod per index: the extras go (the most progressed one stays)
    for (const [ix, l] of groups) {
      const sorted = [...l].sort(compareForDeletion);
      remove.push(...sorted.slice(0, -1));
      byIndex.set(ix, sorted[sorted.length - 1]!);
    }
    want = Math.max(0, Math.min(parallelism, completions - done.size));
    const kept = [...byIndex.entries()].sort(([a], [b]) => a - b);
    if (kept.length > want) {
      for (const [, p] of kept.slice(want)) remove.push(p);
    } else if (kept.length < want) {
      const room = Math.min(want - kept.length, MaxPodCreateDeletePerSync);
      if (!perIndex) {
        missing = indexesToCreate(completions, done, new Set(byIndex.keys()), room).map((i) => () => newJobPod(job, i));
      } else {
        // each index waits for its own failure backoff; replacements carry the index's failure count
        const fails = indexFailures(pods, (p) => isPodFailedForJob(p, job), now);
        let minWait = Infinity;
        const ready = indexesToCreate(completions, done, new Set(byIndex.keys()), completions).filter((i) => {
          const w = indexBackoffLeftMs(fails.get(i), now);
          if (w > 0) minWait = Math.min(minWait, w);
          return w <= 0;
        });
        if (minWait < Infinity) c.enqueue(job, minWait + 10);
        missing = ready.slice(0, room).map((i) => () => newJobPod(job, i, fails.get(i)?.count ?? 0));
      }
    }
  } else {
    want = wantActiveNonIndexed(job, active.length, succeeded);
    if (active.length > want) {
      remove.push(...[...active].sort(compareForDeletion).slice(0, active.length - want));
    } else if (active.length < want) {
      const n = Math.min(want - active.length, MaxPodCreateDeletePerSync);
      missing = Array.from({ length: n }, () => () => newJobPod(job));
    }
  }
  if (missing.length && !perIndex) {
    const wait = remainingBackoffMs(c.backoff.get(key) ?? { failuresAfterLastSuccess: 0, lastFailureTimeMs: 0 }, now);
    if (wait > 0) {
      log.v(4).info('Too early to create pods after a failure; requeuing', { key, after: `${wait}ms` });
      c.enqueue(job, wait + 10);
      missing = [];
    } else {
      log.v(4).info('Too few pods running', { key, need: want, creating: missing.length });
    }
  }
  return { remove, create: missing };
}
