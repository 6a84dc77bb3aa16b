// The node status manager against a fake API and runtime: registration (create, or reconcile an
// existing node's labels), status patches only when something but heartbeats changed, the Ready
// condition following the runtime, the pod CIDR handed to the runtime, and Lease renewals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import type { RestClient, ResourceRef } from '../../../../src/client/rest.js';
import { ApiError } from '../../../../src/client/rest.js';
import { NodeStatusManager } from '../../../../src/kubelet/node/controller.js';
import type { NodeRuntime } from '../../../../src/kubelet/node/runtime.js';
import { defaultKubeletConfiguration } from '../../../../src/kubelet/config/defaults.js';
import { logger } from '../../../../src/util/klog.js';

const notFound = () => new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' } as never);
const exists = () => new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'exists' } as never);

/** A tiny in-memory API for nodes and leases, recording the calls. */
function fakeAPI(initial: Record<string, any> = {}) {
  const objects = new Map<string, any>(Object.entries(initial));
  const calls: string[] = [];
  const key = (r: ResourceRef, name?: string) => `${r.resource}/${name ?? r.name}`;
  const client = {
    async get(r: ResourceRef) {
      calls.push(`get ${key(r)}`);
      const o = objects.get(key(r));
      if (!o) throw notFound();
      return structuredClone(o);
    },
    async create(r: ResourceRef, obj: any) {
      calls.push(`create ${key(r, obj.metadata.name)}`);
      if (objects.has(key(r, obj.metadata.name))) throw exists();
      const o = { ...structuredClone(obj), metadata: { ...obj.metadata, uid: `uid-${obj.metadata.name}`, resourceVersion: '1' } };
      objects.set(key(r, obj.metadata.name), o);
      return structuredClone(o);
    },
    async update(r: ResourceRef, obj: any) {
      calls.push(`update ${key(r)}`);
      objects.set(key(r), structuredClone(obj));
      return structuredClone(obj);
    },
    async patch(r: ResourceRef, type: string, patch: any) {
      calls.push(`patch ${key(r)}${r.subresource ? '/' + r.subresource : ''} ${type}`);
      const o = objects.get(key(r));
      if (patch.metadata?.labels) o.metadata.labels = { ...o.metadata.labels, ...patch.metadata.labels };
      if (patch.status) o.status = { ...o.status, ...patch.status };
      return structuredClone(o);
    },
  };
  return { client: client as unknown as RestClient, objects, calls };
}

function fakeRuntime(state: { networkReady: boolean }) {
  const cidrs: string[] = [];
  const runtime = {
    async version() {
      return { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' };
    },
    async status() {
      return { status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: state.networkReady, reason: state.networkReady ? '' : 'NetworkPluginNotReady', message: state.networkReady ? '' : 'cni plugin not initialized' }] }, info: {} };
    },
    async listImages() {
      return { images: [{ id: 'sha256:1', repoTags: ['k8ts.io/busybox:latest'], repoDigests: [], size: 1000 }] };
    },
    async updateRuntimeConfig(req: { runtimeConfig: { networkConfig: { podCidr: string } } }) {
      cidrs.push(req.runtimeConfig.networkConfig.podCidr);
      return {};
    },
  };
  return { runtime: runtime as unknown as NodeRuntime, cidrs };
}

const machine = () => ({ numCores: 2, memoryCapacityBytes: 4 * 1024 ** 3, hugepages: {}, machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian' });

function manager(api: ReturnType<typeof fakeAPI>, rt: ReturnType<typeof fakeRuntime>, config = defaultKubeletConfiguration({}), events: string[] = []) {
  return new NodeStatusManager({
    recorder: { event: (obj, type, reason, message) => events.push(`${obj.kind}/${obj.metadata?.name} ${type} ${reason}: ${message}`) },
    client: api.client,
    runtime: rt.runtime,
    identity: { nodeName: 'node-0', hostname: 'node-0', nodeIPs: ['10.0.0.5'], labels: {}, config },
    rootDir: tmpdir(),
    kubeletPort: () => 10250,
    log: logger('test'),
    machine,
  });
}

describe('node status manager', () => {
  it('registers, then patches the status only when more than heartbeats changed', async () => {
    const api = fakeAPI();
    const state = { networkReady: true };
    const rt = fakeRuntime(state);
    const events: string[] = [];
    const m = manager(api, rt, defaultKubeletConfiguration({}), events);
    await m.register();
    assert.deepEqual(events, [
      'Node/node-0 Normal NodeHasSufficientMemory: Node node-0 status is now: NodeHasSufficientMemory',
      'Node/node-0 Normal NodeHasNoDiskPressure: Node node-0 status is now: NodeHasNoDiskPressure',
      'Node/node-0 Normal NodeHasSufficientPID: Node node-0 status is now: NodeHasSufficientPID',
      'Node/node-0 Normal NodeReady: Node node-0 status is now: NodeReady',
    ]);
    assert.deepEqual(api.calls, ['create nodes/node-0']);
    assert.equal(m.nodeUID, 'uid-node-0');
    const created = api.objects.get('nodes/node-0');
    assert.equal(created.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
    assert.deepEqual(created.status.images, [{ names: ['k8ts.io/busybox:latest'], sizeBytes: 1000 }]);

    api.calls.length = 0;
    await m.syncNodeStatus();
    assert.deepEqual(api.calls, ['get nodes/node-0'], 'nothing changed: no patch before nodeStatusReportFrequency');

    state.networkReady = false;
    await m.syncNodeStatus();
    assert.deepEqual(api.calls.slice(1), ['get nodes/node-0', 'patch nodes/node-0/status merge']);
    const ready = api.objects.get('nodes/node-0').status.conditions.find((c: any) => c.type === 'Ready');
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'KubeletNotReady');
    assert.equal(ready.message, 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized');
    assert.equal(m.ready, false);
    assert.equal(events.at(-1), 'Node/node-0 Normal NodeNotReady: Node node-0 status is now: NodeNotReady');
    assert.equal(events.length, 5, 'unchanged conditions are not announced again');
  });

  it('raises the pressure conditions from the hard eviction thresholds against this host', async () => {
    const api = fakeAPI();
    const events: string[] = [];
    const m = manager(api, fakeRuntime({ networkReady: true }), defaultKubeletConfiguration({ evictionHard: { 'memory.available': '1000Ti', 'nodefs.available': '100%', 'pid.available': '100%' } }), events);
    await m.register();
    const byType = Object.fromEntries(api.objects.get('nodes/node-0').status.conditions.map((c: any) => [c.type, c]));
    assert.equal(byType.MemoryPressure.status, 'True');
    assert.equal(byType.MemoryPressure.reason, 'KubeletHasInsufficientMemory');
    assert.equal(byType.DiskPressure.status, 'True');
    assert.equal(byType.DiskPressure.message, 'kubelet has disk pressure');
    assert.equal(byType.PIDPressure.status, 'True');
    assert.equal(byType.Ready.status, 'True', 'pressure alone does not make the node NotReady');
    assert.ok(events.some((e) => e.includes('NodeHasInsufficientMemory')));
  });

  it('is NotReady when the pod lifecycle reports it unhealthy', async () => {
    const api = fakeAPI();
    const m = new NodeStatusManager({
      client: api.client,
      runtime: fakeRuntime({ networkReady: true }).runtime,
      identity: { nodeName: 'node-0', hostname: 'node-0', nodeIPs: ['10.0.0.5'], labels: {}, config: defaultKubeletConfiguration({}) },
      rootDir: tmpdir(),
      kubeletPort: () => 10250,
      log: logger('test'),
      machine,
      readyErrors: () => ['PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is 3m0s'],
    });
    await m.register();
    const ready = api.objects.get('nodes/node-0').status.conditions.find((c: any) => c.type === 'Ready');
    assert.equal(ready.status, 'False');
    assert.equal(ready.message, 'PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is 3m0s');
  });

  it('patches at least every nodeStatusReportFrequency', async () => {
    const api = fakeAPI();
    const m = manager(api, fakeRuntime({ networkReady: true }), defaultKubeletConfiguration({ nodeStatusReportFrequency: '1ms' }));
    await m.register();
    await new Promise((r) => setTimeout(r, 5));
    api.calls.length = 0;
    await m.syncNodeStatus();
    assert.deepEqual(api.calls, ['get nodes/node-0', 'patch nodes/node-0/status merge']);
  });

  it('keeps a node registered before, reconciling its default labels, and hands spec.podCIDR to the runtime', async () => {
    const api = fakeAPI({ 'nodes/node-0': { metadata: { name: 'node-0', uid: 'old-uid', labels: { 'kubernetes.io/hostname': 'stale', custom: 'x' } }, spec: { podCIDR: '10.200.3.0/24', podCIDRs: ['10.200.3.0/24'] }, status: {} } });
    const rt = fakeRuntime({ networkReady: true });
    const cidrs: string[] = [];
    const m = new NodeStatusManager({
      client: api.client,
      runtime: rt.runtime,
      identity: { nodeName: 'node-0', hostname: 'node-0', nodeIPs: ['10.0.0.5'], labels: {}, config: defaultKubeletConfiguration({}) },
      rootDir: tmpdir(),
      kubeletPort: () => 10250,
      log: logger('test'),
      machine,
      onPodCIDR: (c) => cidrs.push(c),
    });
    await m.register();
    assert.deepEqual(api.calls, ['create nodes/node-0', 'get nodes/node-0', 'patch nodes/node-0 merge']);
    const labels = api.objects.get('nodes/node-0').metadata.labels;
    assert.equal(labels['kubernetes.io/hostname'], 'node-0');
    assert.equal(labels.custom, 'x');
    assert.equal(m.nodeUID, 'old-uid');
    assert.deepEqual(cidrs, ['10.200.3.0/24']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(rt.cidrs, ['10.200.3.0/24']);
    assert.equal(m.currentPodCIDR, '10.200.3.0/24');
  });

  it('creates and then renews the node Lease, owned by the Node', async () => {
    const api = fakeAPI();
    const m = manager(api, fakeRuntime({ networkReady: true }));
    await m.register();
    assert.equal(m.lease.renewIntervalMs, 10_000, 'a quarter of nodeLeaseDurationSeconds (40 s)');
    await m.lease.renew();
    const lease = api.objects.get('leases/node-0');
    assert.equal(lease.spec.holderIdentity, 'node-0');
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-0', uid: 'uid-node-0' }]);
    const first = lease.spec.renewTime;
    await new Promise((r) => setTimeout(r, 2));
    await m.lease.renew();
    assert.ok(api.objects.get('leases/node-0').spec.renewTime > first);
    assert.deepEqual(api.calls.filter((c) => c.includes('leases')), ['get leases/node-0', 'create leases/node-0', 'update leases/node-0']);
  });
});
