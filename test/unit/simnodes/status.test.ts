import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compactNode, compactPod } from '../../../src/simnodes/compact.js';
import type { SimPod } from '../../../src/simnodes/compact.js';
import { defaultSimConfig } from '../../../src/simnodes/config.js';
import { buildLease, buildNode, nodeConditions, nodeResources, rfc3339 } from '../../../src/simnodes/node-object.js';
import { advance, newRuntime, setPodReady } from '../../../src/simnodes/pod-lifecycle.js';
import { imageID, normalizeImage, podStatusPatch, readinessGateMessages } from '../../../src/simnodes/pod-status.js';
import { versionInfo } from '../../../src/version.js';

const T = Date.parse('2026-11-28T08:00:00Z');

describe('simnodes node objects', () => {
  it('builds the registration object as the kubelet does', () => {
    const node = buildNode({ name: 'sim-node-7', internalIP: '172.16.0.8', bootID: 'b' }, defaultSimConfig, nodeConditions(true, T, T, T)) as any;
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'sim-node-7');
    assert.equal(node.metadata.labels['k8ts.io/simulated'], 'true');
    assert.equal(node.metadata.labels['beta.kubernetes.io/arch'], 'amd64');
    assert.equal(node.metadata.annotations['node.alpha.kubernetes.io/ttl'], '0');
    assert.deepEqual(node.status.addresses, [
      { type: 'InternalIP', address: '172.16.0.8' },
      { type: 'Hostname', address: 'sim-node-7' },
    ]);
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
    assert.equal(node.status.nodeInfo.kubeletVersion, versionInfo().gitVersion);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^sim:\/\//);
    assert.match(node.status.nodeInfo.machineID, /^[0-9a-f]{32}$/);
    assert.deepEqual(node.status.conditions.map((c: any) => [c.type, c.status, c.reason]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    assert.equal(node.status.conditions[3].message, 'kubelet is posting ready status');
  });

  it('subtracts the default eviction thresholds from allocatable', () => {
    const { capacity, allocatable } = nodeResources({ cpu: '32', memory: '256Gi', pods: '110', ephemeralStorage: '100Gi' });
    assert.equal(capacity.memory, '256Gi');
    assert.equal(allocatable.memory, '262044Mi');
    assert.equal(allocatable['ephemeral-storage'], '96636764160');
    assert.equal(allocatable.pods, '110');
  });

  it('reports Ready=False KubeletNotReady, with its own transition time', () => {
    const c = nodeConditions(false, T + 5000, T, T + 3000);
    assert.deepEqual(c[3], { type: 'Ready', status: 'False', lastHeartbeatTime: rfc3339(T + 5000), lastTransitionTime: rfc3339(T + 3000), reason: 'KubeletNotReady', message: 'container runtime is down' });
    assert.equal(c[0]!.lastTransitionTime, '2026-11-28T08:00:00Z');
  });

  it('builds the node Lease owned by its Node', () => {
    assert.deepEqual(buildLease('n1', 'uid-1', 40, '2026-11-28T08:00:00.000000Z'), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'n1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-1' }] },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2026-11-28T08:00:00.000000Z' },
    });
  });

  it('keeps only what it reads of nodes', () => {
    const n = compactNode({ metadata: { name: 'a', uid: 'u', labels: { x: 'y' }, annotations: { 'k8ts.io/sim-ready': 'false', big: 'z' } }, spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: {} } } as any);
    assert.deepEqual(n, { metadata: { name: 'a', uid: 'u', resourceVersion: undefined, annotations: { 'k8ts.io/sim-ready': 'false' } }, spec: { podCIDRs: ['10.244.1.0/24'] } });
  });
});

describe('simnodes pod status', () => {
  const raw = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', annotations: { 'k8ts.io/sim-ready': 'false', note: 'dropped' }, labels: { a: 'b' } },
    spec: { nodeName: 'sim-node-0', restartPolicy: 'Always', initContainers: [{ name: 'init', image: 'busybox' }, { name: 'proxy', image: 'envoy:1', restartPolicy: 'Always' }], containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'quay.io/x/y@sha256:abc' }], volumes: [{ name: 'v' }] },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };

  it('compacts pods on the fleet\'s nodes and stubs the others', () => {
    const p = compactPod(raw as any, (n) => n === 'sim-node-0');
    assert.deepEqual(p.metadata.annotations, { 'k8ts.io/sim-ready': 'false' });
    assert.deepEqual(p.spec.initContainers, [{ name: 'init', image: 'busybox' }, { name: 'proxy', image: 'envoy:1', restartPolicy: 'Always' }]);
    assert.equal(p.status?.scheduled, true);
    const seen = { ...raw, status: { phase: 'Running', podIP: '10.0.0.9', startTime: '2026-11-28T08:00:00Z', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }], containerStatuses: [{ restartCount: 2, state: { running: { startedAt: '2026-11-28T08:00:01Z' } } }] } };
    assert.deepEqual(compactPod(seen as any, () => true).status, { phase: 'Running', scheduled: true, podIPs: ['10.0.0.9'], startTime: '2026-11-28T08:00:00Z', ready: { status: 'True', lastTransitionTime: undefined }, restartCount: 2, runningSince: '2026-11-28T08:00:01Z' });
    assert.deepEqual(compactPod(seen as any, () => true, (ns, name, uid) => `${ns}/${name}/${uid}` === 'ns/p/u1').status, { phase: 'Running', scheduled: true }, 'a pod the fleet runs keeps only what it still reads');
    assert.deepEqual(compactPod(raw as any, () => false), { metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: undefined }, spec: { nodeName: 'sim-node-0' } });
  });

  it('normalizes image references as a container runtime reports them', () => {
    assert.equal(normalizeImage('nginx').image, 'docker.io/library/nginx:latest');
    assert.equal(normalizeImage('me/app:1.2').image, 'docker.io/me/app:1.2');
    assert.equal(normalizeImage('localhost:5000/app').image, 'localhost:5000/app:latest');
    assert.equal(normalizeImage('registry.k8s.io/pause:3.10').image, 'registry.k8s.io/pause:3.10');
    assert.equal(imageID('quay.io/x/y@sha256:abc'), 'quay.io/x/y@sha256:abc');
    assert.match(imageID('nginx'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  });

  it('writes a running, not ready pod with kubelet conditions and container statuses', () => {
    const pod = compactPod(raw as any, () => true) as SimPod;
    const rt = newRuntime('u1', 'sim-node-0', T, ['10.244.0.2'], true);
    advance(rt, pod.spec.restartPolicy, { ready: false }, { readyDelayMs: 0, runDurationMs: 1000 }, T);
    const patch = podStatusPatch(pod, rt, '172.16.0.1') as any;
    assert.deepEqual(patch.metadata, { uid: 'u1' });
    const st = patch.status;
    assert.equal(st.phase, 'Running');
    assert.equal(st.podIP, '10.244.0.2');
    assert.deepEqual(st.podIPs, [{ ip: '10.244.0.2' }]);
    assert.deepEqual(st.hostIPs, [{ ip: '172.16.0.1' }]);
    assert.equal(st.startTime, '2026-11-28T08:00:00Z');
    const ready = st.conditions.find((c: any) => c.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [a b]']);
    assert.ok(!st.conditions.some((c: any) => c.type === 'PodScheduled'), 'the scheduler\'s PodScheduled is left alone');
    assert.deepEqual(st.conditions.map((c: any) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);
    const a = st.containerStatuses[0];
    assert.equal(a.image, 'docker.io/library/nginx:latest');
    assert.match(a.containerID, /^sim:\/\/[0-9a-f]{64}$/);
    assert.deepEqual([a.ready, a.started, a.restartCount, a.state.running.startedAt], [false, true, 0, '2026-11-28T08:00:00Z']);
    assert.deepEqual(st.initContainerStatuses.map((c: any) => [c.name, Object.keys(c.state)[0], c.state.terminated?.reason ?? '']), [
      ['init', 'terminated', 'Completed'],
      ['proxy', 'running', ''],
    ]);
  });

  it('writes terminated containers and PodCompleted for a finished pod; PodScheduled when missing', () => {
    const pod = compactPod({ ...raw, metadata: { ...raw.metadata, annotations: {} }, spec: { ...raw.spec, restartPolicy: 'Never', initContainers: undefined }, status: {} } as any, () => true);
    const rt = newRuntime('u1', 'sim-node-0', T, [], false);
    advance(rt, 'Never', { ready: true }, { readyDelayMs: 0, runDurationMs: 1000 }, T + 1000);
    const st = (podStatusPatch({ ...pod, spec: { ...pod.spec, hostNetwork: true } }, rt, '172.16.0.1') as any).status;
    assert.equal(st.phase, 'Succeeded');
    assert.equal(st.podIP, '172.16.0.1', 'host network pods have the host IP');
    assert.deepEqual(st.containerStatuses[0].state.terminated, { exitCode: 0, reason: 'Completed', startedAt: '2026-11-28T08:00:00Z', finishedAt: '2026-11-28T08:00:01Z', containerID: st.containerStatuses[0].containerID });
    const ready = st.conditions.find((c: any) => c.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason], ['False', 'PodCompleted']);
    assert.equal(st.conditions.find((c: any) => c.type === 'PodReadyToStartContainers').status, 'False');
    assert.equal(st.conditions.find((c: any) => c.type === 'PodScheduled').status, 'True');
  });

  it('writes a crash loop as CrashLoopBackOff with the last termination', () => {
    const pod = compactPod(raw as any, () => true);
    const rt = newRuntime('u1', 'sim-node-0', T, ['10.244.0.2'], true);
    advance(rt, 'Always', { ready: true, exitCode: 137 }, { readyDelayMs: 0, runDurationMs: 1000 }, T + 2500);
    const c = (podStatusPatch(pod, rt, '172.16.0.1') as any).status.containerStatuses[0];
    assert.equal(c.restartCount, 2);
    assert.equal(c.state.waiting.reason, 'CrashLoopBackOff');
    assert.equal(c.state.waiting.message, 'back-off 10s restarting failed container=a pod=p_ns(u1)');
    assert.equal(c.lastState.terminated.exitCode, 137);
    assert.equal(c.lastState.terminated.reason, 'Error');
  });

  it('holds Ready (not ContainersReady) on readiness gates, with upstream\'s messages', () => {
    const gated = { ...raw, metadata: { ...raw.metadata, annotations: {} }, spec: { ...raw.spec, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] } };
    const pod = compactPod({ ...gated, status: { conditions: [{ type: 'example.com/dns', status: 'False' }] } } as any, () => true);
    assert.deepEqual(pod.spec.readinessGates, ['example.com/lb', 'example.com/dns']);
    assert.deepEqual(readinessGateMessages(pod), [
      'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
      'the status of pod readiness gate "example.com/dns" is not "True", but False',
    ]);
    const rt = newRuntime('u1', 'sim-node-0', T, ['10.244.0.2'], true);
    advance(rt, 'Always', { ready: true }, { readyDelayMs: 0, runDurationMs: 1000 }, T);
    setPodReady(rt, rt.ready && readinessGateMessages(pod).length === 0, T);
    const conds = (podStatusPatch(pod, rt, '172.16.0.1') as any).status.conditions;
    const ready = conds.find((c: any) => c.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason], ['False', 'ReadinessGatesNotReady']);
    assert.match(ready.message, /does not exist\., the status of pod readiness gate "example.com\/dns"/);
    assert.equal(conds.find((c: any) => c.type === 'ContainersReady').status, 'True');
    const open = compactPod({ ...gated, status: { conditions: [{ type: 'example.com/dns', status: 'True' }, { type: 'example.com/lb', status: 'True' }] } } as any, () => true);
    assert.deepEqual(readinessGateMessages(open), []);
  });
});
