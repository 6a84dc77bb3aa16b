// The pod lifecycle end to end on an in-memory runtime: start, status to the API, restart after
// a crash then CrashLoopBackOff, graceful deletion finished by DELETE (grace 0, UID
// precondition), removal, adoption after a restart, and orphan clean-up.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { ApiError, type RestClient } from '../../../../src/client/rest.js';
import type { EventRecorder } from '../../../../src/client/events.js';
import { defaultKubeletConfiguration } from '../../../../src/kubelet/config/defaults.js';
import { newPodLifecycle } from '../../../../src/kubelet/pods/index.js';
import type { PodLifecycle } from '../../../../src/kubelet/pods/types.js';
import type { VolumeManager } from '../../../../src/kubelet/volumes/types.js';
import type { CriClient } from '../../../../src/cri/client.js';
import { logger } from '../../../../src/util/klog.js';
import { FakeRuntime } from './fake-runtime.js';

const notFound = () => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods not found', reason: 'NotFound', code: 404 });

class FakeApi {
  pods = new Map<string, Pod>();
  statuses = new Map<string, PodStatus>();
  deletes: Array<{ name: string; opts: unknown }> = [];
  client(): RestClient {
    return {
      get: async (ref: { resource: string; namespace?: string; name?: string }) => {
        const p = ref.resource === 'pods' ? this.pods.get(`${ref.namespace}/${ref.name}`) : undefined;
        if (!p) throw notFound();
        return p;
      },
      list: async () => ({ items: [] }),
      patch: async (ref: { namespace?: string; name?: string }, _t: string, body: { status: PodStatus }) => {
        this.statuses.set(`${ref.namespace}/${ref.name}`, body.status);
        return { status: body.status };
      },
      delete: async (ref: { namespace?: string; name?: string }, opts: unknown) => {
        this.deletes.push({ name: `${ref.namespace}/${ref.name}`, opts });
        this.pods.delete(`${ref.namespace}/${ref.name}`);
        return {};
      },
    } as unknown as RestClient;
  }
}

const until = async (fn: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('pod lifecycle on a fake runtime', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function setup(runtime = new FakeRuntime(), api = new FakeApi(), dir?: string) {
    const root = dir ?? mkdtempSync(join(tmpdir(), 'k8ts-lifecycle-'));
    if (!dir) cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const events: string[] = [];
    const tornDown: string[] = [];
    const recorder: EventRecorder = { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) };
    const volumes: VolumeManager = { setUpPod: async () => new Map(), containerMounts: () => [], tearDownPod: async (uid) => void tornDown.push(uid), podsOnDisk: async () => [], stop: () => undefined };
    const config = defaultKubeletConfiguration({ podLogsDir: join(root, 'logs'), resolvConf: '', clusterDomain: 'cluster.local', clusterDNS: ['10.32.0.10'] });
    const lc: PodLifecycle = newPodLifecycle(
      { cri: runtime.api() as unknown as CriClient, client: api.client(), recorder, nodeName: 'n1', nodeIPs: ['192.168.0.2'], config, volumes, rootDir: join(root, 'kubelet'), log: logger('test') },
      { relistPeriodMs: 30, orphanGraceMs: 0 },
    );
    cleanups.push(() => lc.stop());
    return { lc, runtime, api, events, tornDown, root };
  }

  /** Starts the lifecycle and hands it an API pod; resolves once its container runs. */
  async function running(env: ReturnType<typeof setup>, p: Pod): Promise<void> {
    await env.lc.start();
    env.api.pods.set(`ns/${p.metadata!.name}`, p);
    env.lc.upsertPod(p, 'api');
    await until(() => env.runtime.running().some((c) => c.config.labels?.['io.kubernetes.pod.uid'] === p.metadata!.uid), `${p.metadata!.name} running`);
  }

  const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox:1' }], ...spec } as Pod['spec'], status: { phase: 'Pending' } });

  it('runs a pod and reports Running with the sandbox IP', async () => {
    const { lc, runtime, api } = setup();
    await lc.start();
    const p = pod('web');
    api.pods.set('ns/web', p);
    lc.upsertPod(p, 'api');
    await until(() => api.statuses.get('ns/web')?.phase === 'Running', 'Running');
    const st = api.statuses.get('ns/web')!;
    assert.match(st.podIP!, /^10\.9\.0\.\d+$/);
    assert.match(st.containerStatuses![0].containerID!, /^fake:\/\/c\d+$/);
    assert.deepEqual(runtime.calls.slice(0, 2), ['RunPodSandbox web 0', 'CreateContainer app 0']);
    assert.equal(lc.runningPodCount(), 1);
    assert.deepEqual(lc.health!(), { ok: true });
    assert.equal(lc.listPods()[0].status?.phase, 'Running');
  });

  it('restarts a crashed container, then backs off', async () => {
    const env = setup();
    const { lc, runtime, api, events } = env;
    const p = pod('crash');
    await running(env, p);
    runtime.crash(runtime.running()[0].id, 1);
    await until(() => runtime.calls.includes('CreateContainer app 1'), 'a restart');
    await until(() => runtime.running().length === 1, 'the second container');
    runtime.crash(runtime.running()[0].id, 1);
    await until(() => api.statuses.get('ns/crash')?.containerStatuses?.[0].state?.waiting?.reason === 'CrashLoopBackOff', 'CrashLoopBackOff');
    const cs = api.statuses.get('ns/crash')!.containerStatuses![0];
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.match(cs.state!.waiting!.message!, /^back-off 10s restarting failed container=app pod=crash_ns\(uid-crash\)$/);
    assert.ok(events.some((e) => e.startsWith('Warning BackOff Back-off restarting failed container app in pod crash_ns(uid-crash)')));
    // maxPerPodContainer=1: one dead container is kept
    assert.equal([...runtime.containers.values()].filter((c) => c.state === 'CONTAINER_EXITED').length, 1);
  });

  it('stops a deleted pod within its grace period, DELETEs it with grace 0, then removes everything', async () => {
    const env = setup();
    const { lc, runtime, api, tornDown } = env;
    const p = pod('gone', { terminationGracePeriodSeconds: 7 });
    await running(env, p);
    lc.upsertPod({ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 7 } }, 'api');
    await until(() => api.deletes.length === 1, 'the final DELETE');
    assert.deepEqual(api.deletes[0], { name: 'ns/gone', opts: { gracePeriodSeconds: 0, preconditions: { uid: 'uid-gone' } } });
    assert.ok(runtime.calls.includes('StopContainer app 7'), runtime.calls.join('\n'));
    assert.deepEqual(tornDown, ['uid-gone']);
    lc.removePod('uid-gone');
    await until(() => runtime.sandboxes.size === 0 && runtime.containers.size === 0, 'removal');
  });

  it('adopts running containers after a restart and cleans up orphans', async () => {
    const runtime = new FakeRuntime();
    const api = new FakeApi();
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-lifecycle-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = setup(runtime, api, dir);
    await first.lc.start();
    const keep = pod('keep');
    const orphan = pod('orphan');
    api.pods.set('ns/keep', keep);
    first.lc.upsertPod(keep, 'api');
    first.lc.upsertPod(orphan, 'api');
    await until(() => runtime.running().length === 2, 'both running');
    await first.lc.stop();
    const created = runtime.calls.filter((c) => c.startsWith('CreateContainer')).length;
    const second = setup(runtime, api, dir);
    await second.lc.start();
    second.lc.upsertPod({ ...keep, status: api.statuses.get('ns/keep') }, 'api');
    // the orphan is not in the API: stopped and removed; the kept pod is left running as it was
    await until(() => !runtime.running().some((c) => c.config.labels?.['io.kubernetes.pod.name'] === 'orphan') && ![...runtime.sandboxes.values()].some((s) => s.config.metadata.name === 'orphan'), 'the orphan to go');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(runtime.calls.filter((c) => c.startsWith('CreateContainer')).length, created);
    assert.equal(runtime.running().filter((c) => c.config.labels?.['io.kubernetes.pod.name'] === 'keep').length, 1);
  });

  it('fails a pod past its activeDeadlineSeconds and stops its containers', async () => {
    const env = setup();
    const { lc, runtime, api, events } = env;
    const p = pod('deadline', { activeDeadlineSeconds: 1 });
    await running(env, p);
    await until(() => api.statuses.get('ns/deadline')?.phase === 'Failed', 'Failed', 5000);
    const st = api.statuses.get('ns/deadline')!;
    assert.equal(st.reason, 'DeadlineExceeded');
    assert.equal(st.message, 'Pod was active on the node longer than the specified deadline');
    await until(() => runtime.running().length === 0, 'the containers to stop');
    assert.ok(events.includes('Warning DeadlineExceeded Pod was active on the node longer than the specified deadline'));
  });
});
