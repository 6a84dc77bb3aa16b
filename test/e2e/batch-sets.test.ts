// The Job, CronJob, TTL-after-finished, StatefulSet and DaemonSet controllers against a real
// k8ts API server, run by a separate `k8ts kube-controller-manager` process. There is no
// kubelet: the test plays it by patching pod status (Running/Ready/Succeeded/Failed).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, spawnK8ts, kc, kubectl } from './harness.js';
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

const CONTROLLERS = 'job';

async function until<T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('batch and stateful-set controllers', () => {
  let srv: ServerProc;
  let kcm: ComponentProc;
  let client: RestClient;
  const ns = 'default';

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
    kcm = spawnK8ts(['kube-controller-manager', `--kubeconfig=${srv.kubeconfig}`, `--controllers=${CONTROLLERS}`, '--leader-elect=false', '--secure-port=0', '--v=4']);
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
    const first = await until(async () => {
      const l = await pods('job-name=pi');
      return l.length === 2 ? l : undefined;
    }, 'two pods');
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
    const job = await until(async () => {
      const j = await getJob('pi');
      return cond(j, 'Complete') ? j : undefined;
    }, 'Complete');
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
    const job = await until(async () => {
      const j = await getJob('flaky');
      return cond(j, 'Failed') ? j : undefined;
    }, 'Failed');
    assert.equal(job.status.failed, 2);
    assert.equal(cond(job, 'Failed').reason, 'BackoffLimitExceeded');
    assert.equal(cond(job, 'Failed').message, 'Job has reached the specified backoff limit');
    assert.ok(cond(job, 'FailureTarget'));
    await until(async () => (await events('flaky')).some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning') || undefined, 'warning event');
  });

  it('an Indexed job runs one pod per completion index and records completedIndexes', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const l = await until(async () => {
      const x = await pods('job-name=idx');
      return x.length === 3 ? x : undefined;
    }, 'three pods');
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
    const job = await until(async () => {
      const j = await getJob('idx');
      return cond(j, 'Complete') ? j : undefined;
    }, 'Complete');
    assert.equal(job.status.completedIndexes, '0-2');
    assert.equal(job.status.succeeded, 3);
  });

  it('activeDeadlineSeconds fails a running job with DeadlineExceeded and removes its pods', async () => {
    await client.create({ ...JOBS, namespace: ns }, jobManifest('slow', { activeDeadlineSeconds: 3, parallelism: 2, completions: 4 }));
    const l = await until(async () => {
      const x = await pods('job-name=slow');
      return x.length === 2 ? x : undefined;
    }, 'two pods');
    for (const p of l) await setPhase(p, 'Running');
    const job = await until(async () => {
      const j = await getJob('slow');
      return cond(j, 'Failed') ? j : undefined;
    }, 'Failed', 30000);
    assert.equal(cond(job, 'Failed').reason, 'DeadlineExceeded');
    assert.equal(cond(job, 'Failed').message, 'Job was active longer than specified deadline');
    assert.equal(job.status.active ?? 0, 0);
    assert.equal((await pods('job-name=slow')).length, 0);
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
});

export type { KubeObject };
export { CRONJOBS, STS, DS, PVCS, NODES, REVISIONS, kubectl };
