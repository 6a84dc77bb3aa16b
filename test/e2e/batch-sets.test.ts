// The Job, CronJob, TTL-after-finished, StatefulSet and DaemonSet controllers against a real
// k8ts API server, run by a separate `k8ts kube-controller-manager` process. There is no
// kubelet: the test plays it by patching pod status (Running/Ready/Succeeded/Failed).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, spawnK8ts, kc, kubectl, until } from './harness.js';
import type { ServerProc, ComponentProc } from './harness.js';
import { RestClient } from '../../src/client/rest.js';
import type { KubeObject } from '../../src/client/rest.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' };
const CRONJOBS = { group: 'batch', version: 'v1', resource: 'cronjobs' };
const STS = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const DS = { group: 'apps', version: 'v1', resource: 'daemonsets' };
const PVCS = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };
const EVENTS = { group: '', version: 'v1', resource: 'events' };
const REVISIONS = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };

const CONTROLLERS = 'serviceaccount,serviceaccount-token,root-ca-cert-publisher,job,cronjob,ttl-after-finished,statefulset,daemonset';

describe('batch and stateful-set controllers', () => {
  let srv: ServerProc;
  let kcm: ComponentProc;
  let client: RestClient;
  const ns = 'default';

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
    kcm = spawnK8ts(['kube-controller-manager', `--kubeconfig=${srv.kubeconfig}`, `--controllers=${CONTROLLERS}`, '--leader-elect=false', '--secure-port=0', '--use-service-account-credentials', '--v=4']);
    await kcm.waitForLog(/Started controller.*job/, 30000);
  });

  after(async () => {
    await kcm?.stop('SIGKILL');
    client?.close();
    await srv?.destroy();
  });

  const pods = async (selector: string): Promise<any[]> => (await client.list<any>({ ...PODS, namespace: ns }, { labelSelector: selector })).items;
  const getJob = (name: string) => client.get<any>({ ...JOBS, namespace: ns, name });
  const cond = (obj: any, type: string) => obj.status?.conditions?.find((c: any) => c.type === type && c.status === 'True');
  const waitPods = (sel: string, n: number): Promise<any[]> =>
    until(async () => {
      const x = await pods(sel);
      return x.length === n ? x : undefined;
    }, `${n} pods of ${sel}`);
  const waitJobCondition = (name: string, type: string): Promise<any> =>
    until(async () => {
      const j = await getJob(name);
      return cond(j, type) ? j : undefined;
    }, `${name} ${type}`);
  const events = async (name: string): Promise<any[]> => (await client.list<any>({ ...EVENTS, namespace: ns }, { fieldSelector: `involvedObject.name=${name}` })).items;

  /** Play the kubelet: set a pod's phase (and Ready for Running). */
  async function setPhase(pod: any, phase: 'Running' | 'Succeeded' | 'Failed', ready = phase === 'Running'): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patch({ ...PODS, namespace: ns, name: pod.metadata.name, subresource: 'status' }, 'merge', {
      status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] },
    });
  }

  const jobManifest = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  });

  it('a job with completions=3, parallelism=2 runs two pods at a time and completes', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('pi', { completions: 3, parallelism: 2 }));
    const first = await waitPods('job-name=pi', 2);
    for (const p of first) {
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-name'], 'pi');
      assert.ok(p.metadata.labels['batch.kubernetes.io/controller-uid']);
      assert.deepEqual(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
      assert.equal(p.metadata.ownerReferences[0].kind, 'Job');
      assert.match(p.metadata.name, /^pi-[a-z0-9]{5}$/);
    }
    await until(async () => (await getJob('pi')).status?.active === 2 || undefined, 'status.active=2');
    await setPhase(first[0], 'Succeeded', false);
    await setPhase(first[1], 'Succeeded', false);
    const third = await until(async () => {
      const l = (await pods('job-name=pi')).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
      return l.length === 1 ? l[0] : undefined;
    }, 'the third pod');
    // finished pods lose the tracking finalizer once counted
    await until(async () => (await pods('job-name=pi')).filter((p) => p.status?.phase === 'Succeeded' && !p.metadata.finalizers).length === 2 || undefined, 'finalizers removed');
    await setPhase(third, 'Succeeded', false);
    const job = await waitJobCondition('pi', 'Complete');
    assert.equal(job.status.succeeded, 3);
    assert.equal(job.status.active ?? 0, 0);
    assert.ok(job.status.completionTime);
    assert.ok(job.status.startTime);
    const scm = cond(job, 'SuccessCriteriaMet');
    assert.equal(scm.reason, 'CompletionsReached');
    assert.equal(cond(job, 'Complete').message, 'Reached expected number of succeeded pods');
    await until(async () => (await events('pi')).some((e) => e.reason === 'Completed' && e.message === 'Job completed') || undefined, 'Completed event');
    const out = await kc(srv.kubeconfig, ['get', 'job', 'pi', '--no-headers']);
    assert.match(out, /pi\s+Complete\s+3\/3/);
  });

  it('a job fails with BackoffLimitExceeded once more pods failed than backoffLimit', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('flaky', { backoffLimit: 1 }));
    const p1 = await until(async () => (await pods('job-name=flaky'))[0], 'first pod');
    await setPhase(p1, 'Failed', false);
    // replaced after the 10s failure backoff
    const p2 = await until(async () => (await pods('job-name=flaky')).find((p) => p.metadata.uid !== p1.metadata.uid), 'replacement pod', 40000);
    await setPhase(p2, 'Failed', false);
    const job = await waitJobCondition('flaky', 'Failed');
    assert.equal(job.status.failed, 2);
    assert.equal(cond(job, 'Failed').reason, 'BackoffLimitExceeded');
    assert.equal(cond(job, 'Failed').message, 'Job has reached the specified backoff limit');
    assert.ok(cond(job, 'FailureTarget'));
    await until(async () => (await events('flaky')).some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning') || undefined, 'warning event');
  });

  it('a FailJob pod failure policy rule fails the job at the first matching exit code', async () => {
    const m: any = jobManifest('policy', { backoffLimit: 5, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] } });
    await client.create({ ...JOBS, namespace: ns }, m);
    const p = await until(async () => (await pods('job-name=policy'))[0], 'pod');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patch({ ...PODS, namespace: ns, name: p.metadata.name, subresource: 'status' }, 'merge', {
      status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 42, reason: 'Error', startedAt: now, finishedAt: now } } }] },
    });
    const job = await waitJobCondition('policy', 'Failed');
    assert.equal(cond(job, 'Failed').reason, 'PodFailurePolicy');
    assert.equal(cond(job, 'Failed').message, `Container c for pod ${ns}/${p.metadata.name} failed with exit code 42 matching FailJob rule at index 0`);
    assert.equal(job.status.failed, 1);
  });

  it('an Indexed job runs one pod per completion index and records completedIndexes', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const l = await waitPods('job-name=idx', 3);
    const byIndex = new Map(l.map((p) => [p.metadata.annotations['batch.kubernetes.io/job-completion-index'], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    for (const [i, p] of byIndex) {
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], i);
      assert.equal(p.spec.hostname, `idx-${i}`);
      assert.match(p.metadata.name, new RegExp(`^idx-${i}-`));
      assert.ok(p.spec.containers[0].env.some((e: any) => e.name === 'JOB_COMPLETION_INDEX'));
    }
    await setPhase(byIndex.get('0'), 'Succeeded', false);
    await setPhase(byIndex.get('2'), 'Succeeded', false);
    await until(async () => (await getJob('idx')).status?.completedIndexes === '0,2' || undefined, 'completedIndexes 0,2');
    await setPhase(byIndex.get('1'), 'Succeeded', false);
    const job = await waitJobCondition('idx', 'Complete');
    assert.equal(job.status.completedIndexes, '0-2');
    assert.equal(job.status.succeeded, 3);
  });

  it('an Indexed job with a successPolicy completes once the rule matches and removes the other pods', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('leader', { completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    const l = await waitPods('job-name=leader', 3);
    const leader = l.find((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '0');
    await setPhase(leader, 'Succeeded', false);
    const job = await waitJobCondition('leader', 'Complete');
    assert.equal(cond(job, 'SuccessCriteriaMet').reason, 'SuccessPolicy');
    assert.equal(cond(job, 'Complete').message, 'Matched rules at index 0');
    assert.equal(job.status.completedIndexes, '0');
    assert.equal((await pods('job-name=leader')).filter((p) => p.status?.phase !== 'Succeeded').length, 0);
  });

  it('backoffLimitPerIndex records an exhausted index in failedIndexes and fails the job once all indexes finished', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('perindex', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 0 }));
    const l = await waitPods('job-name=perindex', 2);
    const byIndex = new Map(l.map((p) => [p.metadata.annotations['batch.kubernetes.io/job-completion-index'], p]));
    assert.equal(byIndex.get('0').metadata.annotations['batch.kubernetes.io/job-index-failure-count'], '0');
    await setPhase(byIndex.get('0'), 'Failed', false);
    await until(async () => (await getJob('perindex')).status?.failedIndexes === '0' || undefined, 'failedIndexes 0');
    await setPhase(byIndex.get('1'), 'Succeeded', false);
    const job = await waitJobCondition('perindex', 'Failed');
    assert.equal(cond(job, 'Failed').reason, 'FailedIndexes');
    assert.equal(cond(job, 'Failed').message, 'Job has failed indexes');
    assert.equal(job.status.completedIndexes, '1');
    assert.equal(job.status.failed, 1);
    assert.equal((await pods('job-name=perindex')).length, 2);
  });

  it('activeDeadlineSeconds fails a running job with DeadlineExceeded and removes its pods', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('slow', { activeDeadlineSeconds: 3, parallelism: 2, completions: 4 }));
    const l = await waitPods('job-name=slow', 2);
    for (const p of l) await setPhase(p, 'Running');
    const job = await waitJobCondition('slow', 'Failed');
    assert.equal(cond(job, 'Failed').reason, 'DeadlineExceeded');
    assert.equal(cond(job, 'Failed').message, 'Job was active longer than specified deadline');
    assert.equal(job.status.active ?? 0, 0);
    assert.equal((await pods('job-name=slow')).length, 0);
  });

  it('a suspended job runs no pods until resumed', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('later', { suspend: true, parallelism: 2, completions: 2 }));
    let job = await waitJobCondition('later', 'Suspended');
    assert.equal(cond(job, 'Suspended').reason, 'JobSuspended');
    assert.equal(job.status.startTime, undefined);
    assert.equal((await pods('job-name=later')).length, 0);
    await kc(srv.kubeconfig, ['patch', 'job', 'later', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await until(async () => (await pods('job-name=later')).length === 2 || undefined, 'two pods');
    job = await until(async () => {
      const j = await getJob('later');
      return j.status?.conditions?.find((c: any) => c.type === 'Suspended' && c.status === 'False') ? j : undefined;
    }, 'resumed');
    assert.equal(job.status.conditions.find((c: any) => c.type === 'Suspended').reason, 'JobResumed');
    assert.ok(job.status.startTime);
    await until(async () => (await events('later')).some((e) => e.reason === 'Resumed' && e.message === 'Job resumed') || undefined, 'Resumed event');
  });

  it('ttlSecondsAfterFinished=0 deletes the finished job (foreground)', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('short', { ttlSecondsAfterFinished: 0 }));
    const p = await until(async () => (await pods('job-name=short'))[0], 'pod');
    await setPhase(p, 'Succeeded', false);
    // without the garbage collector a foreground deletion stays visible with its finalizer
    await until(async () => {
      try {
        const j = await getJob('short');
        return j.metadata.deletionTimestamp ? true : undefined;
      } catch (err) {
        return (err as { status?: { code?: number } }).status?.code === 404 ? true : undefined;
      }
    }, 'job deleted');
  });

  // ---------------------------------------------------------------------------------------------
  // CronJob

  const cronManifest = (name: string, schedule: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: { schedule, ...spec, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  });
  const getCron = (name: string) => client.get<any>({ ...CRONJOBS, namespace: ns, name });
  const jobsOf = async (cj: any): Promise<any[]> =>
    (await client.list<any>({ ...JOBS, namespace: ns })).items.filter((j) => j.metadata.ownerReferences?.some((r: any) => r.uid === cj.metadata.uid && r.controller));
  /** Make the controller see one missed run of a yearly schedule: last run on Jan 1 of last year. */
  async function missOneYearlyRun(name: string, extraStatus: Record<string, unknown> = {}): Promise<number> {
    const year = new Date().getUTCFullYear();
    await client.patch({ ...CRONJOBS, namespace: ns, name, subresource: 'status' }, 'merge', { status: { lastScheduleTime: `${year - 1}-01-01T00:00:00Z`, ...extraStatus } });
    return Date.UTC(year, 0, 1);
  }
  async function finishJobPods(jobName: string): Promise<void> {
    const p = await until(async () => (await pods(`job-name=${jobName}`))[0], `pod of ${jobName}`);
    await setPhase(p, 'Succeeded', false);
    await until(async () => cond(await getJob(jobName), 'Complete'), `${jobName} Complete`);
  }

  it('a cronjob starts the job of a missed schedule time at once, named by its scheduled minute', async () => {
    await client.create({ ...CRONJOBS, namespace: ns }, cronManifest('yearly', '0 0 1 1 *', { timeZone: 'UTC' }));
    const scheduled = await missOneYearlyRun('yearly');
    const jobName = `yearly-${scheduled / 60000}`;
    const job = await until(() => getJob(jobName), jobName);
    assert.equal(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(scheduled).toISOString().replace('.000Z', 'Z'));
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    let cj = await until(async () => {
      const c = await getCron('yearly');
      return c.status?.active?.length === 1 ? c : undefined;
    }, 'status.active');
    assert.equal(cj.status.active[0].name, jobName);
    assert.equal(cj.status.lastScheduleTime, new Date(scheduled).toISOString().replace('.000Z', 'Z'));
    await until(async () => (await events('yearly')).some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${jobName}`) || undefined, 'SuccessfulCreate event');
    await finishJobPods(jobName);
    cj = await until(async () => {
      const c = await getCron('yearly');
      return !c.status?.active?.length && c.status?.lastSuccessfulTime ? c : undefined;
    }, 'active cleared and lastSuccessfulTime');
    await until(async () => (await events('yearly')).some((e) => e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${jobName}, condition: Complete`) || undefined, 'SawCompletedJob event');
  });

  it('concurrencyPolicy Forbid does not start a run while one is active (kubectl create job --from=cronjob)', async () => {
    await client.create({ ...CRONJOBS, namespace: ns }, cronManifest('forbid', '0 0 1 1 *', { concurrencyPolicy: 'Forbid', timeZone: 'UTC' }));
    await kc(srv.kubeconfig, ['create', 'job', 'manual', '--from=cronjob/forbid']);
    const manual = await getJob('manual');
    assert.equal(manual.metadata.ownerReferences[0].kind, 'CronJob');
    const ref = { kind: 'Job', namespace: ns, name: 'manual', uid: manual.metadata.uid, apiVersion: 'batch/v1' };
    await missOneYearlyRun('forbid', { active: [ref] });
    await until(async () => (await events('forbid')).some((e) => e.reason === 'JobAlreadyActive' && e.message === 'Not starting job because prior execution is running and concurrency policy is Forbid') || undefined, 'JobAlreadyActive event');
    const cj = await getCron('forbid');
    assert.deepEqual((await jobsOf(cj)).map((j) => j.metadata.name), ['manual']);
  });

  it('concurrencyPolicy Replace deletes the running job and starts the new one', async () => {
    await client.create({ ...CRONJOBS, namespace: ns }, cronManifest('replace', '0 0 1 1 *', { concurrencyPolicy: 'Replace', timeZone: 'UTC' }));
    await kc(srv.kubeconfig, ['create', 'job', 'replace-manual', '--from=cronjob/replace']);
    const manual = await getJob('replace-manual');
    const ref = { kind: 'Job', namespace: ns, name: 'replace-manual', uid: manual.metadata.uid, apiVersion: 'batch/v1' };
    const scheduled = await missOneYearlyRun('replace', { active: [ref] });
    const jobName = `replace-${scheduled / 60000}`;
    await until(() => getJob(jobName), jobName);
    await until(async () => (await events('replace')).some((e) => e.reason === 'SuccessfulDelete' && e.message === 'Deleted job replace-manual') || undefined, 'SuccessfulDelete event');
    const cj = await until(async () => {
      const c = await getCron('replace');
      return c.status?.active?.length === 1 && c.status.active[0].name === jobName ? c : undefined;
    }, 'active is the new job');
    assert.ok(cj);
  });

  it('finished jobs beyond successfulJobsHistoryLimit are deleted, oldest first', async () => {
    await client.create({ ...CRONJOBS, namespace: ns }, cronManifest('hist', '0 0 1 1 *', { successfulJobsHistoryLimit: 1, timeZone: 'UTC' }));
    await until(async () => (await getCron('hist')).metadata.uid, 'cronjob');
    for (const n of ['hist-a', 'hist-b']) {
      await kc(srv.kubeconfig, ['create', 'job', n, '--from=cronjob/hist']);
      await finishJobPods(n);
    }
    const cj = await getCron('hist');
    await until(async () => {
      const names = (await jobsOf(cj)).filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
      return names.length === 1 && names[0] === 'hist-b' ? true : undefined;
    }, 'only the newest finished job kept');
    await until(async () => (await events('hist')).some((e) => e.reason === 'SuccessfulDelete' && e.message === 'Deleted job hist-a') || undefined, 'SuccessfulDelete event');
  });

  it('a */1 cronjob fires at the next minute boundary (one wait of up to a minute)', async () => {
    await client.create({ ...CRONJOBS, namespace: ns }, cronManifest('minutely', '*/1 * * * *'));
    const cj = await getCron('minutely');
    const job = await until(async () => (await jobsOf(cj))[0], 'the first run', 75_000);
    const scheduled = Date.parse(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']);
    assert.equal(scheduled % 60000, 0);
    assert.ok(scheduled > Date.parse(cj.metadata.creationTimestamp));
    assert.equal(job.metadata.name, `minutely-${scheduled / 60000}`);
  });

  // ---------------------------------------------------------------------------------------------
  // StatefulSet

  const stsManifest = (name: string, replicas: number, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1', volumeMounts: [{ name: 'www', mountPath: '/w' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  });
  const getSts = (name: string) => client.get<any>({ ...STS, namespace: ns, name });
  const podNames = async (sel: string) => (await pods(sel)).map((p) => p.metadata.name).sort();
  /** Play the kubelet for a set: every pending pod becomes Running and Ready. */
  async function readyAll(sel: string): Promise<void> {
    for (const p of await pods(sel)) if (p.status?.phase !== 'Running' && !p.metadata.deletionTimestamp) await setPhase(p, 'Running');
  }
  async function bind(podName: string, node: string): Promise<void> {
    await client.create({ ...PODS, namespace: ns, name: podName, subresource: 'binding' }, { apiVersion: 'v1', kind: 'Binding', metadata: { name: podName }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
  }

  it('a statefulset creates pods in order, each after its predecessor is Ready, with claims from templates', async () => {
    await client.create({ ...STS, namespace: ns }, stsManifest('web', 3));
    const web0 = await until(async () => (await pods('app=web')).find((p) => p.metadata.name === 'web-0'), 'web-0');
    assert.deepEqual(await podNames('app=web'), ['web-0']);
    assert.equal(web0.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(web0.metadata.labels['apps.kubernetes.io/pod-index'], '0');
    assert.match(web0.metadata.labels['controller-revision-hash'], /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(web0.spec.hostname, 'web-0');
    assert.equal(web0.spec.subdomain, 'web');
    assert.deepEqual(web0.spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim, { claimName: 'www-web-0' });
    const pvc = await client.get<any>({ ...PVCS, namespace: ns, name: 'www-web-0' });
    assert.equal(pvc.metadata.labels.app, 'web');
    // web-1 waits for web-0 to be Running and Ready
    await until(async () => (await getSts('web')).status?.replicas === 1 || undefined, 'status.replicas=1');
    assert.deepEqual(await podNames('app=web'), ['web-0']);
    await setPhase(web0, 'Running');
    await until(async () => (await podNames('app=web')).includes('web-1') || undefined, 'web-1');
    assert.deepEqual(await podNames('app=web'), ['web-0', 'web-1']);
    await readyAll('app=web');
    await until(async () => (await podNames('app=web')).includes('web-2') || undefined, 'web-2');
    await readyAll('app=web');
    const st = await until(async () => {
      const s = await getSts('web');
      return s.status?.readyReplicas === 3 && s.status?.availableReplicas === 3 ? s : undefined;
    }, 'readyReplicas=3');
    assert.equal(st.status.replicas, 3);
    assert.equal(st.status.currentReplicas, 3);
    assert.equal(st.status.updatedReplicas, 3);
    assert.equal(st.status.currentRevision, st.status.updateRevision);
    assert.equal(st.status.observedGeneration, st.metadata.generation);
    for (const n of ['www-web-1', 'www-web-2']) await client.get({ ...PVCS, namespace: ns, name: n });
    const rev = await client.get<any>({ ...REVISIONS, namespace: ns, name: st.status.updateRevision });
    assert.equal(rev.revision, 1);
    assert.equal(rev.metadata.ownerReferences[0].kind, 'StatefulSet');
    const ev = await events('web');
    assert.ok(ev.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'), JSON.stringify(ev.map((e) => e.message)));
    assert.ok(ev.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Claim www-web-0 Pod web-0 in StatefulSet web success'));
  });

  it('scales down in reverse ordinal order, one pod at a time', async () => {
    // bound pods terminate gracefully (no kubelet here): each stays Terminating until forced
    await bind('web-1', 'node-a');
    await bind('web-2', 'node-a');
    await kc(srv.kubeconfig, ['scale', 'statefulset', 'web', '--replicas=1']);
    await until(async () => (await pods('app=web')).find((p) => p.metadata.name === 'web-2' && p.metadata.deletionTimestamp), 'web-2 terminating');
    assert.equal((await pods('app=web')).find((p) => p.metadata.name === 'web-1')!.metadata.deletionTimestamp, undefined);
    await kc(srv.kubeconfig, ['delete', 'pod', 'web-2', '--grace-period=0', '--force']);
    await until(async () => (await pods('app=web')).find((p) => p.metadata.name === 'web-1' && p.metadata.deletionTimestamp), 'web-1 terminating');
    await kc(srv.kubeconfig, ['delete', 'pod', 'web-1', '--grace-period=0', '--force']);
    await until(async () => (await getSts('web')).status?.replicas === 1 || undefined, 'status.replicas=1');
    assert.deepEqual(await podNames('app=web'), ['web-0']);
    // claims are retained (whenScaled: Retain)
    await client.get({ ...PVCS, namespace: ns, name: 'www-web-2' });
  });

  it('podManagementPolicy Parallel creates and deletes pods without waiting, from ordinals.start', async () => {
    await client.create({ ...STS, namespace: ns }, stsManifest('par', 3, { podManagementPolicy: 'Parallel', ordinals: { start: 5 }, volumeClaimTemplates: [], template: { metadata: { labels: { app: 'par' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } }));
    await until(async () => (await podNames('app=par')).length === 3 || undefined, 'three pods at once');
    assert.deepEqual(await podNames('app=par'), ['par-5', 'par-6', 'par-7']);
    await kc(srv.kubeconfig, ['scale', 'statefulset', 'par', '--replicas=1']);
    await until(async () => (await podNames('app=par')).length === 1 || undefined, 'scaled to one');
    assert.deepEqual(await podNames('app=par'), ['par-5']);
  });

  it('a rolling update with a partition only replaces the ordinals at or above it', async () => {
    await client.create({ ...STS, namespace: ns }, stsManifest('roll', 3, { volumeClaimTemplates: [], template: { metadata: { labels: { app: 'roll' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } }));
    await until(async () => {
      await readyAll('app=roll');
      return (await getSts('roll')).status?.readyReplicas === 3 || undefined;
    }, 'three ready');
    const before = await getSts('roll');
    await kc(srv.kubeconfig, ['patch', 'statefulset', 'roll', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } })]);
    const st = await until(async () => {
      await readyAll('app=roll');
      const s = await getSts('roll');
      return s.status?.updatedReplicas === 1 && s.status?.readyReplicas === 3 ? s : undefined;
    }, 'roll-2 updated');
    assert.notEqual(st.status.updateRevision, before.status.updateRevision);
    assert.equal(st.status.currentRevision, before.status.currentRevision);
    const images = Object.fromEntries((await pods('app=roll')).map((p) => [p.metadata.name, p.spec.containers[0].image]));
    assert.deepEqual(images, { 'roll-0': 'nginx:1', 'roll-1': 'nginx:1', 'roll-2': 'nginx:2' });
    await kc(srv.kubeconfig, ['patch', 'statefulset', 'roll', '--type=merge', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
    const done = await until(async () => {
      await readyAll('app=roll');
      const s = await getSts('roll');
      return s.status?.updatedReplicas === 3 && s.status?.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision ? s : undefined;
    }, 'all updated');
    assert.equal(done.status.currentReplicas, 3);
    for (const p of await pods('app=roll')) assert.equal(p.spec.containers[0].image, 'nginx:2');
    assert.match(await kc(srv.kubeconfig, ['rollout', 'status', 'statefulset/roll', '--timeout=30s']), /partitioned roll out complete: 3 new pods have been updated/);
    const out = await kc(srv.kubeconfig, ['rollout', 'history', 'statefulset', 'roll']);
    assert.match(out, /^1\s+<none>/m);
    assert.match(out, /^2\s+<none>/m);
  });

  // ---------------------------------------------------------------------------------------------
  // DaemonSet

  /** A Node object as a kubelet would register it, without the not-ready taint admission adds. */
  async function addNode(name: string, taints: unknown[] = [], labels: Record<string, string> = {}): Promise<void> {
    await client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } });
    await client.patch({ ...NODES, name }, 'merge', { spec: { taints } });
  }
  const getDs = (name: string) => client.get<any>({ ...DS, namespace: ns, name });
  const dsPodsByNode = async (sel: string) => {
    const m = new Map<string, any>();
    for (const p of await pods(sel)) {
      if (p.metadata.deletionTimestamp) continue;
      const node = p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0];
      m.set(node, p);
    }
    return m;
  };

  it('a daemonset runs one pod per eligible node, skips a tainted node, and follows new nodes', async () => {
    await addNode('ds-a');
    await addNode('ds-b');
    await addNode('ds-tainted', [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    await client.create({ ...DS, namespace: ns }, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } } },
    });
    let byNode = await until(async () => {
      const m = await dsPodsByNode('app=agent');
      return m.size === 2 ? m : undefined;
    }, 'two daemon pods');
    assert.deepEqual([...byNode.keys()].sort(), ['ds-a', 'ds-b']);
    const p = byNode.get('ds-a');
    assert.equal(p.metadata.ownerReferences[0].kind, 'DaemonSet');
    assert.match(p.metadata.labels['controller-revision-hash'], /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.deepEqual(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['ds-a'] }] }] });
    const tolerated = p.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`);
    for (const t of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']) {
      assert.ok(tolerated.includes(t), t);
    }
    await addNode('ds-c');
    byNode = await until(async () => {
      const m = await dsPodsByNode('app=agent');
      return m.size === 3 ? m : undefined;
    }, 'a pod on the new node');
    assert.deepEqual([...byNode.keys()].sort(), ['ds-a', 'ds-b', 'ds-c']);
    await readyAll('app=agent');
    const st = await until(async () => {
      const d = await getDs('agent');
      return d.status?.numberAvailable === 3 ? d : undefined;
    }, 'numberAvailable=3');
    assert.equal(st.status.desiredNumberScheduled, 3);
    assert.equal(st.status.currentNumberScheduled, 3);
    assert.equal(st.status.numberReady, 3);
    assert.equal(st.status.updatedNumberScheduled, 3);
    assert.equal(st.status.numberMisscheduled, 0);
    assert.equal(st.status.numberUnavailable ?? 0, 0);
    assert.equal(st.status.observedGeneration, st.metadata.generation);
    const out = await kc(srv.kubeconfig, ['get', 'ds', 'agent', '--no-headers']);
    assert.match(out, /^agent\s+3\s+3\s+3\s+3\s+3\s/);
  });

  it('a daemonset rolls out a new template one node at a time (maxUnavailable 1)', async () => {
    await kc(srv.kubeconfig, ['set', 'image', 'daemonset/agent', 'c=agent:2']);
    // each new pod must become available before the next old one goes
    let minUp = 3;
    await until(async () => {
      const all = (await pods('app=agent')).filter((p) => !p.metadata.deletionTimestamp);
      const up = all.filter((p) => p.status?.phase === 'Running').length;
      minUp = Math.min(minUp, up);
      const oldPods = all.filter((p) => p.spec.containers[0].image === 'agent:1');
      await readyAll('app=agent');
      return oldPods.length === 0 && all.length === 3 && up === 3 ? true : undefined;
    }, 'all pods on agent:2', 60000);
    assert.ok(minUp >= 2, `at most one node without an available pod (saw ${minUp} up)`);
    const st = await until(async () => {
      const d = await getDs('agent');
      return d.status?.updatedNumberScheduled === 3 && d.status?.numberAvailable === 3 ? d : undefined;
    }, 'status updated');
    assert.equal(st.status.desiredNumberScheduled, 3);
    assert.match(await kc(srv.kubeconfig, ['rollout', 'status', 'daemonset/agent', '--timeout=30s']), /daemon set "agent" successfully rolled out/);
    const revs = (await client.list<any>({ ...REVISIONS, namespace: ns })).items.filter((r) => r.metadata.ownerReferences?.[0]?.name === 'agent');
    assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
    // kubectl rollout undo applies the previous ControllerRevision's data
    await kc(srv.kubeconfig, ['rollout', 'undo', 'daemonset/agent']);
    await until(async () => {
      const all = (await pods('app=agent')).filter((p) => !p.metadata.deletionTimestamp);
      await readyAll('app=agent');
      return all.length === 3 && all.every((p) => p.spec.containers[0].image === 'agent:1' && p.status?.phase === 'Running') ? true : undefined;
    }, 'rolled back to agent:1', 60000);
    const after = (await client.list<any>({ ...REVISIONS, namespace: ns })).items.filter((r) => r.metadata.ownerReferences?.[0]?.name === 'agent');
    assert.deepEqual(after.map((r) => r.revision).sort(), [2, 3]);
  });

  it('a daemonset with maxSurge starts the new pod next to the old one before removing it', async () => {
    await client.create({ ...DS, namespace: ns }, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'surge' },
      spec: {
        selector: { matchLabels: { app: 'surge' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: { metadata: { labels: { app: 'surge' } }, spec: { containers: [{ name: 'c', image: 'surge:1' }] } },
      },
    });
    await until(async () => {
      await readyAll('app=surge');
      return (await getDs('surge')).status?.numberAvailable === 3 || undefined;
    }, 'three available');
    await kc(srv.kubeconfig, ['set', 'image', 'daemonset/surge', 'c=surge:2']);
    let maxPods = 0;
    let minRunning = 3;
    await until(async () => {
      const all = (await pods('app=surge')).filter((p) => !p.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, all.length);
      minRunning = Math.min(minRunning, all.filter((p) => p.status?.phase === 'Running').length);
      await readyAll('app=surge');
      return all.length === 3 && all.every((p) => p.spec.containers[0].image === 'surge:2' && p.status?.phase === 'Running') ? true : undefined;
    }, 'all pods on surge:2', 60000);
    assert.equal(maxPods, 4, 'one surge pod at a time');
    assert.equal(minRunning, 3, 'no node without a running pod');
  });
});

export type { KubeObject };
export { STS, DS, PVCS, NODES, REVISIONS, kubectl };
