// startSimNodes, the in-process API (what `k8ts server --sim-nodes=N` uses), against a real
// `k8ts server` (built: run `npm run build` first): registration, setReady / setKubeletStopped
// through the control annotations, stats, a pod run to completion, stop by signal, and the
// option checks.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../e2e/harness.js';
import type { ServerProc } from '../../e2e/harness.js';
import { RestClient } from '../../../src/client/rest.js';
import { simConfig, startSimNodes } from '../../../src/simnodes/index.js';
import type { SimNodes } from '../../../src/simnodes/index.js';

const nodesRef = { group: '', version: 'v1', resource: 'nodes' };
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

describe('startSimNodes', () => {
  let srv: ServerProc;
  let client: RestClient;
  let sim: SimNodes | undefined;
  const abort = new AbortController();

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-scheduler', '--kube-controller-manager-arg=--controllers=serviceaccount,serviceaccount-token,root-ca-cert-publisher'] });
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
  });

  after(async () => {
    abort.abort();
    await sim?.stop();
    client?.close();
    await srv?.destroy();
  });

  it('registers the nodes before it resolves', async () => {
    sim = await startSimNodes({ client, count: 2, namePrefix: 'fleet-', nodeLeaseDurationSeconds: 4, podRunDurationMs: 100, signal: abort.signal });
    assert.deepEqual(sim.nodeNames(), ['fleet-0', 'fleet-1']);
    const list = await client.list<any>(nodesRef, { labelSelector: 'k8ts.io/simulated=true' });
    assert.deepEqual(list.items.map((n) => n.metadata.name).sort(), ['fleet-0', 'fleet-1']);
    assert.equal(sim.stats().registered, 2);
  });

  it('sets a node NotReady and back with setReady', async () => {
    await sim!.setReady('fleet-1', false);
    const ready = async (want: string) =>
      eventually(`Ready=${want}`, async () => {
        const n = await client.get<any>({ ...nodesRef, name: 'fleet-1' });
        const c = n.status.conditions.find((x: any) => x.type === 'Ready');
        return c.status === want ? c : undefined;
      });
    const c = await ready('False');
    assert.equal(c.reason, 'KubeletNotReady');
    assert.equal((await client.get<any>({ ...nodesRef, name: 'fleet-1' })).metadata.annotations['k8ts.io/sim-ready'], 'false');
    await sim!.setReady('fleet-1', true);
    assert.equal((await ready('True')).reason, 'KubeletReady');
    assert.equal((await client.get<any>({ ...nodesRef, name: 'fleet-1' })).metadata.annotations['k8ts.io/sim-ready'], undefined);
    await assert.rejects(sim!.setReady('other-node', false), /not a simulated node of this fleet/);
  });

  it('stops and restarts lease renewals with setKubeletStopped', async () => {
    const lease = () => client.get<any>({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease', name: 'fleet-0' });
    await sim!.setKubeletStopped('fleet-0', true);
    await eventually('the stop seen', async () => ((await client.get<any>({ ...nodesRef, name: 'fleet-0' })).metadata.annotations['k8ts.io/sim-kubelet'] === 'stopped' ? true : undefined));
    await delay(300); // an in-flight renewal lands
    const renewals = sim!.stats().leaseRenewals;
    const frozen = (await lease()).spec.renewTime;
    await delay(2500); // 2.5 renew intervals
    assert.equal((await lease()).spec.renewTime, frozen);
    assert.ok(sim!.stats().leaseRenewals > renewals, 'the other node keeps renewing');
    // what the node lifecycle controller does to a silent node
    const before = await client.get<any>({ ...nodesRef, name: 'fleet-0' });
    const registeredAt = before.status.conditions.find((c: any) => c.type === 'MemoryPressure').lastTransitionTime;
    const unknown = before.status.conditions.map((c: any) => ({ type: c.type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }));
    await client.patch({ ...nodesRef, name: 'fleet-0', subresource: 'status' }, 'strategic', { status: { conditions: unknown } });
    await delay(300); // the fleet's informer sees it
    await sim!.setKubeletStopped('fleet-0', false);
    await eventually('renewals again', async () => ((await lease()).spec.renewTime > frozen ? true : undefined));
    const back = await eventually('Ready again', async () => {
      const n = await client.get<any>({ ...nodesRef, name: 'fleet-0' });
      return n.status.conditions.every((c: any) => c.status !== 'Unknown') ? n : undefined;
    });
    const mem = back.status.conditions.find((c: any) => c.type === 'MemoryPressure');
    const ready = back.status.conditions.find((c: any) => c.type === 'Ready');
    assert.deepEqual([mem.status, mem.reason, ready.status, ready.reason], ['False', 'KubeletHasSufficientMemory', 'True', 'KubeletReady']);
    assert.ok(mem.lastTransitionTime > registeredAt, 'conditions that were Unknown changed again');
    assert.ok(ready.lastTransitionTime > registeredAt);
  });

  it('runs a job-like pod to completion', async () => {
    const podsRef = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
    await eventually('pod created', () =>
      client.create(podsRef, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'once' }, spec: { nodeName: 'fleet-0', restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } }),
    );
    const p = await eventually('Succeeded', async () => {
      const p = await client.get<any>({ ...podsRef, name: 'once' });
      return p.status.phase === 'Succeeded' ? p : undefined;
    });
    assert.equal(p.status.containerStatuses[0].state.terminated.reason, 'Completed');
    assert.ok(sim!.stats().podStatusWrites >= 1);
  });

  it('stops when its signal aborts', async () => {
    const local = new AbortController();
    const other = await startSimNodes({ client, count: 1, namePrefix: 'other-', signal: local.signal });
    local.abort();
    await other.stop(); // the same stop the signal started
    assert.equal(other.stats().registered, 1);
  });

  it('checks its options', () => {
    assert.throws(() => simConfig({ count: -1 }), /invalid node count/);
    assert.throws(() => simConfig({ count: 1, memory: 'lots' }), /quantities must match/);
    assert.throws(() => simConfig({ count: 1, nodeIPRange: '10.0.0.0' }), /invalid node IP range/);
    assert.deepEqual(simConfig({ count: 3, workers: { pods: 4 } }).workers, { register: 32, lease: 16, status: 8, pods: 4 });
    assert.deepEqual(simConfig({ count: 5000 }).workers, { register: 32, lease: 250, status: 50, pods: 128 });
  });
});
