// One CronJob reconcile (upstream syncCronJob + cleanupFinishedJobs): keep status.active in step
// with the jobs (SawCompletedJob, MissingJob, lastSuccessfulTime), then — unless suspended or
// being deleted — start the job of the most recent missed schedule time: name
// `<cronjob>-<minutes since epoch>`, the scheduled-timestamp annotation, honouring
// startingDeadlineSeconds and concurrencyPolicy (Allow/Forbid/Replace); trim finished jobs to
// the history limits. Returns the delay until the next schedule time.

import { isAlreadyExists, isNotFound, splitMetaNamespaceKey } from '../../client/index.js';
import { newControllerRef } from '../util/controllerref.js';
import { controllerRefOf } from '../util/pods.js';
import type { CronJob, Job } from '../util/types.js';
import { CronJobController, CRONJOBS, JOBS, log } from './controller.js';
import { formatRFC3339, localTimeZone, mostRecentScheduleTime, parseSchedule, checkTimeZone } from './schedule.js';

export const CronJobScheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

type JobRef = NonNullable<NonNullable<CronJob['status']>['active']>[number];

/** Complete or Failed, with the condition type. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60000)}`;
}

function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 1123 with numeric zone as Go prints it: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** The Job a CronJob starts for a scheduled time (getJobFromTemplate2). */
export function jobFromTemplate(cj: CronJob, scheduledMs: number, tz: string): Job {
  const tmpl = cj.spec!.jobTemplate;
  const annotations = { ...(tmpl.metadata?.annotations ?? {}), [CronJobScheduledTimestampAnnotation]: formatRFC3339(scheduledMs, tz) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj.metadata!.name!, scheduledMs),
      namespace: cj.metadata!.namespace,
      ...(tmpl.metadata?.labels ? { labels: { ...tmpl.metadata.labels } } : {}),
      annotations,
      ...(tmpl.metadata?.finalizers ? { finalizers: [...tmpl.metadata.finalizers] } : {}),
      ownerReferences: [newControllerRef({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: cj.metadata })],
    },
    spec: structuredClone(tmpl.spec!),
  };
}

function jobRef(job: Job): JobRef {
  return { kind: 'Job', namespace: job.metadata!.namespace, name: job.metadata!.name, uid: job.metadata!.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata!.resourceVersion };
}

/** Finished jobs sorted oldest first (by start time; jobs without one last, then by name). */
function byStartTime(a: Job, b: Job): number {
  const at = Date.parse(a.status?.startTime ?? '');
  const bt = Date.parse(b.status?.startTime ?? '');
  const an = Number.isFinite(at);
  const bn = Number.isFinite(bt);
  if (an !== bn) return an ? -1 : 1;
  if (an && at !== bt) return at - bt;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

async function deleteJob(c: CronJobController, cj: CronJob, name: string): Promise<boolean> {
  try {
    await c.client.delete({ ...JOBS, namespace: cj.metadata!.namespace, name }, { propagationPolicy: 'Background' });
  } catch (err) {
    if (isNotFound(err)) return true;
    c.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
    log.error('Error deleting job from cronjob', { job: name, cronjob: cj.metadata?.name, err });
    return false;
  }
  c.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
  return true;
}

export async function syncCronJob(c: CronJobController, key: string): Promise<number | undefined> {
  const { namespace, name } = splitMetaNamespaceKey(key);
  const cached = c.cronJobs.lister().get(namespace, name);
  if (!cached) {
    log.v(4).info('CronJob not found, may be it is deleted', { cronjob: key });
    return undefined;
  }
  const cj = structuredClone(cached);
  let st = (cj.status ??= {});
  const before = JSON.stringify(st);
  const now = Date.now();
  const jobs = c.jobs.lister().namespace(namespace).list().filter((j) => controllerRefOf(j)?.uid === cj.metadata?.uid);

  // status.active vs the jobs
  const activeUids = () => new Set((st.active ?? []).map((r) => r.uid));
  const removeActive = (uid: string | undefined) => {
    st.active = (st.active ?? []).filter((r) => r.uid !== uid);
    if (!st.active.length) delete st.active;
  };
  for (const j of jobs) {
    const found = activeUids().has(j.metadata!.uid);
    const finished = finishedCondition(j);
    if (!found && !finished) {
      // the cache may be behind our own status update: a fresh copy that lists the job wins
      const fresh = await c.client.get<CronJob>({ ...CRONJOBS, namespace, name });
      if (fresh.status?.active?.some((r) => r.uid === j.metadata!.uid)) {
        cj.metadata = fresh.metadata;
        st = cj.status = fresh.status!;
        continue;
      }
      c.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata!.name}`);
    } else if (found && finished) {
      removeActive(j.metadata!.uid);
      c.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${finished}`);
    }
    if (finished === 'Complete' && j.status?.completionTime) {
      const ct = Date.parse(j.status.completionTime);
      if (!st.lastSuccessfulTime || ct > Date.parse(st.lastSuccessfulTime)) st.lastSuccessfulTime = j.status.completionTime;
    }
  }
  const byUid = new Set(jobs.map((j) => j.metadata!.uid));
  for (const ref of [...(st.active ?? [])]) {
    if (byUid.has(ref.uid)) continue;
    try {
      const fresh = await c.client.get<Job>({ ...JOBS, namespace, name: ref.name });
      if (fresh.metadata?.uid === ref.uid) continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    c.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    removeActive(ref.uid);
  }

  const finish = async (requeue: number | undefined): Promise<number | undefined> => {
    if (JSON.stringify(st) !== before) {
      await c.client.update<CronJob>({ ...CRONJOBS, namespace, name, subresource: 'status' }, cj);
    }
    await cleanupFinishedJobs(c, cj, jobs);
    return requeue;
  };

  if (cj.metadata?.deletionTimestamp) return finish(undefined);

  let tz = localTimeZone();
  if (cj.spec?.timeZone) {
    try {
      checkTimeZone(cj.spec.timeZone);
      tz = cj.spec.timeZone;
    } catch (err) {
      c.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(cj.spec.timeZone)}: ${(err as Error).message}`);
      return finish(undefined);
    }
  }
  let schedule;
  try {
    schedule = parseSchedule(cj.spec!.schedule, tz);
  } catch (err) {
    log.v(2).info('Unparseable schedule', { cronjob: key, schedule: cj.spec?.schedule, err });
    c.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${(err as Error).message}`);
    return finish(undefined);
  }
  const untilNext = () => {
    const n = schedule.next(Date.now());
    return n === undefined ? undefined : n - Date.now() + 100;
  };

  if (cj.spec?.suspend) {
    log.v(4).info('Not starting job because the cron is suspended', { cronjob: key });
    return finish(undefined);
  }

  const created = Date.parse(cj.metadata?.creationTimestamp ?? '') || now;
  let earliest = st.lastScheduleTime ? Date.parse(st.lastScheduleTime) : created;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null) earliest = Math.max(earliest, now - sds * 1000);
  const { time: scheduled, missed } = mostRecentScheduleTime(schedule, earliest, now);
  if (missed > 100) {
    c.recorder.event(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    log.info('too many missed times', { cronjob: key, missedTimes: missed });
  }
  if (scheduled === undefined) {
    log.v(4).info('No unmet start times', { cronjob: key });
    return finish(untilNext());
  }
  if (sds !== undefined && sds !== null && scheduled + sds * 1000 < now) {
    log.v(4).info('Missed starting window', { cronjob: key });
    c.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return finish(untilNext());
  }
  const jobName = jobNameFor(name, scheduled);
  if ((st.active ?? []).some((r) => r.name === jobName) || (st.lastScheduleTime && Date.parse(st.lastScheduleTime) === scheduled)) {
    log.v(4).info('Not starting job because the scheduled time is already processed', { cronjob: key, schedule: metaTime(scheduled) });
    return finish(untilNext());
  }
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && (st.active ?? []).length > 0) {
    log.v(4).info('Not starting job because prior execution is still running and concurrency policy is Forbid', { cronjob: key });
    c.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return finish(untilNext());
  }
  if (policy === 'Replace') {
    for (const ref of [...(st.active ?? [])]) {
      log.v(4).info('Deleting job that was still running at next scheduled start time', { job: ref.name });
      if (await deleteJob(c, cj, ref.name!)) removeActive(ref.uid);
    }
  }

  const req = jobFromTemplate(cj, scheduled, tz);
  let job: Job;
  try {
    job = await c.client.create<Job>({ ...JOBS, namespace }, req);
  } catch (err) {
    if (isAlreadyExists(err)) {
      const existing = await c.client.get<Job>({ ...JOBS, namespace, name: jobName });
      if (controllerRefOf(existing)?.uid === cj.metadata?.uid) {
        log.v(4).info('Not starting job because the job already exists and is owned by this cronjob', { cronjob: key, job: jobName });
        if (!finishedCondition(existing) && !activeUids().has(existing.metadata!.uid)) (st.active ??= []).push(jobRef(existing));
        st.lastScheduleTime = metaTime(scheduled);
        return finish(untilNext());
      }
    }
    c.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
    await finish(undefined);
    throw err;
  }
  log.v(4).info('Created Job', { job: `${namespace}/${job.metadata!.name}`, cronjob: key });
  c.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata!.name}`);
  (st.active ??= []).push(jobRef(job));
  st.lastScheduleTime = metaTime(scheduled);
  return finish(untilNext());
}

/** Delete the oldest finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
async function cleanupFinishedJobs(c: CronJobController, cj: CronJob, jobs: Job[]): Promise<void> {
  const limits: ['Complete' | 'Failed', number | undefined][] = [
    ['Complete', cj.spec?.successfulJobsHistoryLimit],
    ['Failed', cj.spec?.failedJobsHistoryLimit],
  ];
  for (const [kind, limit] of limits) {
    if (limit === undefined || limit === null) continue;
    const finished = jobs.filter((j) => finishedCondition(j) === kind && !j.metadata?.deletionTimestamp).sort(byStartTime);
    for (const j of finished.slice(0, Math.max(0, finished.length - limit))) await deleteJob(c, cj, j.metadata!.name!);
  }
}
