// computePodActions and the CrashLoopBackOff back-off: sandbox (re)creation with attempts, init
// containers one at a time, restart policies, spec-hash and liveness restarts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { computePodActions, sandboxChanged } from '../../../../src/kubelet/pods/actions.js';
import { Backoff, goDuration } from '../../../../src/kubelet/pods/backoff.js';
import { hashContainer } from '../../../../src/kubelet/pods/hash.js';
import type { ContainerRecord, PodRuntime, SandboxRecord } from '../../../../src/kubelet/pods/runtime-state.js';

const app: Container = { name: 'app', image: 'busybox', command: ['sleep', '1d'] };
const init1: Container = { name: 'i1', image: 'busybox' };
const init2: Container = { name: 'i2', image: 'busybox' };
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [app], ...spec } as Pod['spec'] });
const sb = (ready = true, attempt = 0): SandboxRecord => ({ id: `sb${attempt}`, attempt, ready, createdAt: attempt, ips: ['10.0.0.2'], hostNetwork: false, netKnown: true });
let n = 0;
const rec = (c: Container, state: ContainerRecord['state'], extra: Partial<ContainerRecord> = {}): ContainerRecord => ({ id: `c${++n}`, sandboxId: 'sb0', name: c.name, state, attempt: 0, restartCount: 0, hash: hashContainer(c), createdAt: n, startedAt: 1, finishedAt: 2, exitCode: 0, reason: '', message: '', image: '', imageRef: '', terminationMessagePath: '', logPath: '', annotations: {}, ...extra });
const rt = (sandboxes: SandboxRecord[], ...containers: ContainerRecord[]): PodRuntime => ({ uid: 'u', name: 'p', namespace: 'ns', sandboxes, containers: containers.sort((a, b) => b.createdAt - a.createdAt) });
const noProbe = () => undefined;

describe('sandboxChanged', () => {
  it('creates a first sandbox at attempt 0 and a replacement at attempt+1', () => {
    assert.deepEqual(sandboxChanged(pod(), undefined), { create: true, attempt: 0, sandboxId: '' });
    assert.deepEqual(sandboxChanged(pod(), rt([sb(false, 1)])), { create: true, attempt: 2, sandboxId: 'sb1' });
    assert.equal(sandboxChanged(pod(), rt([sb(true)])).create, false);
    assert.equal(sandboxChanged(pod({ hostNetwork: true }), rt([sb(true)])).create, true);
  });
});

describe('computePodActions', () => {
  it('starts the first init container in a new sandbox, then the next, then the app', () => {
    const p = pod({ initContainers: [init1, init2] });
    const a0 = computePodActions(p, undefined, noProbe);
    assert.equal(a0.createSandbox, true);
    assert.deepEqual(a0.initToStart.map((c) => c.name), ['i1']);
    const a1 = computePodActions(p, rt([sb()], rec(init1, 'exited')), noProbe);
    assert.deepEqual(a1.initToStart.map((c) => c.name), ['i2']);
    assert.deepEqual(a1.containersToStart, []);
    const a2 = computePodActions(p, rt([sb()], rec(init1, 'exited'), rec(init2, 'running')), noProbe);
    assert.deepEqual([a2.initToStart, a2.containersToStart], [[], []]);
    const a3 = computePodActions(p, rt([sb()], rec(init1, 'exited'), rec(init2, 'exited')), noProbe);
    assert.deepEqual(a3.containersToStart.map((c) => c.name), ['app']);
  });

  it('fails a Never pod whose init container failed, and retries it otherwise', () => {
    const failed = (policy: 'Never' | 'Always') => computePodActions(pod({ restartPolicy: policy, initContainers: [init1] }), rt([sb()], rec(init1, 'exited', { exitCode: 1 })), noProbe);
    assert.equal(failed('Never').killPod, true);
    assert.deepEqual(failed('Always').initToStart.map((c) => c.name), ['i1']);
  });

  it('restarts per restartPolicy', () => {
    const exited = (code: number, policy: 'Always' | 'OnFailure' | 'Never') => computePodActions(pod({ restartPolicy: policy }), rt([sb()], rec(app, 'exited', { exitCode: code })), noProbe);
    assert.deepEqual(exited(0, 'Always').containersToStart.map((c) => c.name), ['app']);
    assert.deepEqual(exited(0, 'OnFailure').containersToStart, []);
    assert.equal(exited(0, 'OnFailure').killPod, true);
    assert.deepEqual(exited(1, 'OnFailure').containersToStart.map((c) => c.name), ['app']);
    assert.equal(exited(1, 'Never').killPod, true);
    assert.deepEqual(exited(1, 'Never').containersToStart, []);
  });

  it('keeps a running container with the same hash (adoption) and restarts a changed one', () => {
    const same = computePodActions(pod(), rt([sb()], rec(app, 'running')), noProbe);
    assert.deepEqual([same.killPod, same.createSandbox, same.containersToStart.length, same.containersToKill.length], [false, false, 0, 0]);
    const changed = computePodActions(pod(), rt([sb()], rec(app, 'running', { hash: 'old' })), noProbe);
    assert.equal(changed.containersToKill[0].message, 'Container app definition changed, will be restarted');
    assert.deepEqual(changed.containersToStart.map((c) => c.name), ['app']);
  });

  it('kills and restarts a container that failed its liveness probe', () => {
    const a = computePodActions(pod(), rt([sb()], rec(app, 'running')), () => ({ message: 'Container app failed liveness probe', probe: {} }));
    assert.equal(a.containersToKill[0].message, 'Container app failed liveness probe, will be restarted');
    assert.equal(a.containersToKill[0].reason, 'liveness');
    assert.deepEqual(a.containersToStart.map((c) => c.name), ['app']);
  });

  it('does not recreate the sandbox of a Never pod whose containers ran', () => {
    const a = computePodActions(pod({ restartPolicy: 'Never' }), rt([sb(false)], rec(app, 'exited')), noProbe);
    assert.deepEqual([a.killPod, a.createSandbox], [true, false]);
  });
});

describe('Backoff', () => {
  it('doubles from 10 s to 5 min and starts over after 10 min of quiet', () => {
    let now = 0;
    const b = new Backoff(10_000, 300_000, () => now);
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      b.next('k');
      seen.push(goDuration(b.get('k')));
    }
    assert.deepEqual(seen, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
    assert.equal(b.isInBackOffSince('k', now - 1000), true);
    assert.equal(b.isInBackOffSince('k', now - 300_001), false);
    now += 600_001;
    b.next('k');
    assert.equal(b.get('k'), 10_000);
  });
});
