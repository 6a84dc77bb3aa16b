// Pod status generation: phase, conditions with upstream's reasons/messages, container statuses
// from runtime records (state, lastState, restartCount, waiting reasons, ready/started).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { generatePodStatus, podPhase, carryTransitionTimes, type ProbeView } from '../../../../src/kubelet/status/generate.js';
import type { ContainerRecord, PodRuntime } from '../../../../src/kubelet/pods/runtime-state.js';

const allReady: ProbeView = { started: () => true, ready: () => true };
const noneReady: ProbeView = { started: () => true, ready: () => false };

function pod(spec: Partial<Pod['spec']> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }], ...spec } as Pod['spec'], status: { phase: 'Pending' } };
}

let seq = 0;
function rec(name: string, state: ContainerRecord['state'], extra: Partial<ContainerRecord> = {}): ContainerRecord {
  seq++;
  return { id: `id${seq}`, sandboxId: 's1', name, state, attempt: 0, restartCount: 0, hash: 'h', createdAt: 1000 + seq, startedAt: 1_700_000_000_000, finishedAt: state === 'exited' ? 1_700_000_005_000 : 0, exitCode: 0, reason: state === 'exited' ? 'Completed' : '', message: '', image: 'docker.io/library/busybox:latest', imageRef: 'sha256:abc', terminationMessagePath: '/dev/termination-log', logPath: '', annotations: {}, ...extra };
}

function runtime(...containers: ContainerRecord[]): PodRuntime {
  return { uid: 'u1', name: 'p', namespace: 'ns', sandboxes: [{ id: 's1', attempt: 0, ready: true, createdAt: 1, ips: ['10.244.1.5'], hostNetwork: false, netKnown: true }], containers: containers.sort((x, y) => y.createdAt - x.createdAt) };
}

const base = { reasons: new Map(), nodeIPs: ['192.168.1.10'], runtimeName: 'containerd', podIsTerminal: false };

describe('generatePodStatus', () => {
  it('shows ContainerCreating before anything runs, with the kubelet conditions', () => {
    const s = generatePodStatus({ ...base, pod: pod(), runtime: undefined, probes: allReady });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses!.map((c) => c.state), [{ waiting: { reason: 'ContainerCreating' } }, { waiting: { reason: 'ContainerCreating' } }]);
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'ContainersNotReady');
    assert.equal(ready.message, 'containers with unready status: [a b]');
    assert.deepEqual(s.conditions!.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    assert.equal(s.conditions!.find((c) => c.type === 'PodReadyToStartContainers')!.status, 'False');
    assert.equal(s.hostIP, '192.168.1.10');
    assert.equal(s.qosClass, 'BestEffort');
    assert.ok(s.startTime);
  });

  it('is Running and Ready with pod IPs, container IDs and images when every container runs and is ready', () => {
    const s = generatePodStatus({ ...base, pod: pod(), runtime: runtime(rec('a', 'running'), rec('b', 'running')), probes: allReady });
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.244.1.5');
    assert.deepEqual(s.podIPs, [{ ip: '10.244.1.5' }]);
    const a = s.containerStatuses![0];
    assert.match(a.containerID!, /^containerd:\/\/id\d+$/);
    assert.equal(a.image, 'docker.io/library/busybox:latest');
    assert.equal(a.imageID, 'sha256:abc');
    assert.equal(a.ready, true);
    assert.equal(a.started, true);
    assert.equal(a.state!.running!.startedAt, '2023-11-14T22:13:20Z');
    assert.equal(s.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  });

  it('names the unready containers', () => {
    const probes: ProbeView = { started: () => true, ready: (_u, c) => c.name === 'a' };
    const s = generatePodStatus({ ...base, pod: pod(), runtime: runtime(rec('a', 'running'), rec('b', 'running')), probes });
    const cr = s.conditions!.find((c) => c.type === 'ContainersReady')!;
    assert.deepEqual([cr.status, cr.reason, cr.message], ['False', 'ContainersNotReady', 'containers with unready status: [b]']);
  });

  it('shows CrashLoopBackOff over the last termination, with restartCount from the runtime', () => {
    const p = pod({ containers: [{ name: 'a', image: 'busybox' }] });
    const old = rec('a', 'exited', { exitCode: 3, reason: 'Error', restartCount: 0 });
    const latest = rec('a', 'exited', { exitCode: 3, reason: 'Error', restartCount: 1 });
    const reasons = new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=a pod=p_ns(u1)' }]]);
    const s = generatePodStatus({ ...base, reasons, pod: p, runtime: runtime(old, latest), probes: allReady });
    const a = s.containerStatuses![0];
    assert.deepEqual(a.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=a pod=p_ns(u1)' } });
    assert.equal(a.lastState!.terminated!.exitCode, 3);
    assert.equal(a.restartCount, 1);
    assert.equal(s.phase, 'Running');
  });

  it('ends Never pods Succeeded or Failed, and a terminal phase is never left', () => {
    const p = pod({ restartPolicy: 'Never', containers: [{ name: 'a', image: 'busybox' }] });
    const ok = generatePodStatus({ ...base, pod: p, runtime: runtime(rec('a', 'exited')), probes: allReady });
    assert.equal(ok.phase, 'Succeeded');
    assert.equal(ok.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
    const bad = generatePodStatus({ ...base, pod: p, runtime: runtime(rec('a', 'exited', { exitCode: 7, reason: 'Error' })), probes: allReady });
    assert.equal(bad.phase, 'Failed');
    assert.equal(bad.containerStatuses![0].state!.terminated!.exitCode, 7);
    const again = generatePodStatus({ ...base, pod: { ...p, status: { phase: 'Failed' } }, runtime: undefined, probes: allReady });
    assert.equal(again.phase, 'Failed');
  });

  it('keeps Initialized False with the incomplete init containers until they all exit 0', () => {
    const p = pod({ initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }], containers: [{ name: 'a', image: 'busybox' }] });
    const s = generatePodStatus({ ...base, pod: p, runtime: runtime(rec('i1', 'exited'), rec('i2', 'running')), probes: noneReady });
    const init = s.conditions!.find((c) => c.type === 'Initialized')!;
    assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [i2]']);
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses![0].state, { waiting: { reason: 'PodInitializing' } });
    assert.equal(s.initContainerStatuses![0].ready, true);
    const done = generatePodStatus({ ...base, pod: p, runtime: runtime(rec('i1', 'exited'), rec('i2', 'exited'), rec('a', 'running')), probes: allReady });
    assert.equal(done.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
    assert.equal(done.phase, 'Running');
  });

  it('fails a Never pod whose init container failed', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'i1', image: 'busybox' }], containers: [{ name: 'a', image: 'busybox' }] });
    assert.equal(generatePodStatus({ ...base, pod: p, runtime: runtime(rec('i1', 'exited', { exitCode: 1, reason: 'Error' })), probes: allReady }).phase, 'Failed');
  });

  it('requires the readiness gates', () => {
    const p = pod({ containers: [{ name: 'a', image: 'busybox' }], readinessGates: [{ conditionType: 'example.com/lb' }] });
    const s = generatePodStatus({ ...base, pod: p, runtime: runtime(rec('a', 'running')), probes: allReady });
    const r = s.conditions!.find((c) => c.type === 'Ready')!;
    assert.deepEqual([r.status, r.reason, r.message], ['False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb" does not exist.']);
  });

  it('uses the node IPs for hostNetwork pods', () => {
    const s = generatePodStatus({ ...base, pod: pod({ hostNetwork: true }), runtime: runtime(rec('a', 'running'), rec('b', 'running')), probes: allReady });
    assert.equal(s.podIP, '192.168.1.10');
  });

  it('carries lastTransitionTime while a condition keeps its status', () => {
    const s1 = generatePodStatus({ ...base, pod: pod(), runtime: undefined, probes: allReady });
    carryTransitionTimes(s1, undefined, new Date('2024-01-01T00:00:00Z'));
    const s2 = generatePodStatus({ ...base, pod: pod(), runtime: runtime(rec('a', 'running'), rec('b', 'running')), probes: allReady });
    carryTransitionTimes(s2, s1, new Date('2024-01-01T00:01:00Z'));
    assert.equal(s2.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(s2.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2024-01-01T00:01:00Z');
  });
});

describe('podPhase', () => {
  it('is Running while an Always pod restarts its stopped containers', () => {
    const p = pod({ containers: [{ name: 'a', image: 'x' }] });
    assert.equal(podPhase(p, [], [{ name: 'a', image: 'x', imageID: '', ready: false, restartCount: 1, state: { terminated: { exitCode: 1 } } }], false), 'Running');
    assert.equal(podPhase(p, [], [{ name: 'a', image: 'x', imageID: '', ready: false, restartCount: 1, state: { terminated: { exitCode: 1 } } }], true), 'Failed');
  });
});
