// E2E: `k8ts sim-nodes` against `k8ts server`, observed with the real kubectl: three simulated
// nodes register Ready, renew their Leases, run pods bound to them (Running/Ready with a pod
// IP from the node's podCIDR or the fallback range; restartPolicy Never pods Succeed, or Fail
// with the k8ts.io/sim-exit-code annotation; k8ts.io/sim-ready holds readiness), delete pods
// for real once they have a deletionTimestamp, go NotReady / silent on command, exit 0 on
// SIGTERM, and a second run (with extra labels and taints) picks the existing nodes and pods up
// again.
//
// The server runs without its controller-manager and scheduler, so that nothing else writes
// to the nodes (no node IPAM, no lifecycle taints) and every result here is the fleet's.
// Run: npm run build && node --test dist/test/e2e/simnodes.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { k8tsBin, kc, kubectl, spawnK8ts, startServer } from './harness.js';
import type { ComponentProc, ServerProc } from './harness.js';

let srv: ServerProc;
let sim: ComponentProc | undefined;
const T = { timeout: 60_000 };
const NS = 'default';

function startSim(args: string[]): ComponentProc {
  return spawnK8ts(['sim-nodes', `--kubeconfig=${srv.kubeconfig}`, ...args]);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until fn returns a value (not undefined); fail with the last value after timeoutMs. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}\nsim logs:\n${sim?.logs().slice(-3000) ?? ''}`);
    await delay(200);
  }
}

async function getJSON(args: string[]): Promise<any> {
  return JSON.parse(await kc(srv.kubeconfig, [...args, '-o', 'json']));
}

async function applyPod(manifest: object): Promise<void> {
  // the namespace's default ServiceAccount may still be on its way in a fresh server
  await eventually('pod create', async () => {
    const r = await kubectl(srv.kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...manifest }));
    if (r.code !== 0) throw new Error(r.stderr);
    return true;
  });
}

async function podWhen(name: string, pred: (p: any) => boolean, what: string): Promise<any> {
  return eventually(`pod ${name} ${what}`, async () => {
    const p = await getJSON(['get', 'pod', '-n', NS, name]);
    return pred(p) ? p : undefined;
  });
}

const cond = (obj: any, type: string) => (obj.status?.conditions ?? []).find((c: any) => c.type === type);

function ipIn24(ip: string, prefix: string): boolean {
  return ip.startsWith(prefix) && Number(ip.slice(prefix.length)) >= 2 && Number(ip.slice(prefix.length)) <= 254;
}

before(async () => {
  srv = await startServer({ extraArgs: ['--disable-scheduler', '--kube-controller-manager-arg=--controllers=serviceaccount,serviceaccount-token,root-ca-cert-publisher'] });
  // leases of 4s are renewed every second: the renewals are quick to see
  sim = startSim(['--count=3', '--node-lease-duration-seconds=4', '--pod-run-duration=500ms']);
});

after(async () => {
  await sim?.stop();
  await srv?.destroy();
});

describe('k8ts sim-nodes', () => {
  test('registers three Ready nodes as the kubelet would', T, async () => {
    const out = await eventually('3 Ready nodes', async () => {
      const o = await kc(srv.kubeconfig, ['get', 'nodes', '--no-headers']);
      const lines = o.trim().split('\n').filter(Boolean);
      return lines.length === 3 && lines.every((l) => /\sReady\s/.test(l)) ? o : undefined;
    });
    assert.deepEqual(
      out.trim().split('\n').map((l) => l.split(/\s+/)[0]),
      ['sim-node-0', 'sim-node-1', 'sim-node-2'],
    );
    const node = await getJSON(['get', 'node', 'sim-node-1']);
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'sim-node-1');
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(node.metadata.labels['k8ts.io/simulated'], 'true');
    assert.equal(node.metadata.annotations['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
    assert.equal(node.status.capacity.pods, '110');
    assert.equal(node.status.allocatable.cpu, '32');
    assert.deepEqual(node.status.addresses, [
      { type: 'InternalIP', address: '172.16.0.2' },
      { type: 'Hostname', address: 'sim-node-1' },
    ]);
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
    assert.match(node.status.nodeInfo.kubeletVersion, /^v1\.32\./);
    const ready = cond(node, 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
    assert.equal(cond(node, 'MemoryPressure').reason, 'KubeletHasSufficientMemory');
    const wide = await kc(srv.kubeconfig, ['get', 'node', 'sim-node-0', '-o', 'wide', '--no-headers']);
    assert.match(wide, /172\.16\.0\.1/);
  });

  test('keeps the node Leases renewed', T, async () => {
    const lease = await eventually('lease', async () => getJSON(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-0']));
    const node = await getJSON(['get', 'node', 'sim-node-0']);
    assert.equal(lease.spec.holderIdentity, 'sim-node-0');
    assert.equal(lease.spec.leaseDurationSeconds, 4);
    assert.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'sim-node-0', uid: node.metadata.uid }]);
    const first = lease.spec.renewTime;
    await eventually('a lease renewal', async () => {
      const l = await getJSON(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-0']);
      return l.spec.renewTime > first ? true : undefined;
    });
  });

  test('runs a pod with an IP from the node podCIDR, and from the fallback range without one', T, async () => {
    await kc(srv.kubeconfig, ['patch', 'node', 'sim-node-1', '-p', '{"spec":{"podCIDR":"10.99.1.0/24","podCIDRs":["10.99.1.0/24"]}}']);
    await eventually('the podCIDR seen by the fleet', async () => ((await getJSON(['get', 'node', 'sim-node-1'])).spec.podCIDR === '10.99.1.0/24' ? true : undefined));
    await applyPod({ metadata: { name: 'web', namespace: NS }, spec: { nodeName: 'sim-node-1', containers: [{ name: 'app', image: 'nginx' }] } });
    await applyPod({ metadata: { name: 'web2', namespace: NS }, spec: { nodeName: 'sim-node-2', containers: [{ name: 'app', image: 'nginx' }] } });
    const p = await podWhen('web', (p) => p.status.phase === 'Running' && cond(p, 'Ready')?.status === 'True', 'Running and Ready');
    assert.ok(ipIn24(p.status.podIP, '10.99.1.'), `podIP ${p.status.podIP} in 10.99.1.0/24`);
    assert.deepEqual(p.status.podIPs, [{ ip: p.status.podIP }]);
    assert.equal(p.status.hostIP, '172.16.0.2');
    assert.ok(p.status.startTime);
    assert.deepEqual(
      ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map((t) => cond(p, t)?.status),
      ['True', 'True', 'True', 'True', 'True'],
    );
    const cs = p.status.containerStatuses[0];
    assert.deepEqual([cs.name, cs.ready, cs.started, cs.restartCount, cs.image], ['app', true, true, 0, 'docker.io/library/nginx:latest']);
    assert.match(cs.containerID, /^sim:\/\//);
    assert.ok(cs.state.running.startedAt);
    const p2 = await podWhen('web2', (p) => p.status.phase === 'Running', 'Running');
    assert.ok(ipIn24(p2.status.podIP, '10.128.2.'), `podIP ${p2.status.podIP} in the fallback 10.128.2.0/24 of node 2`);
    const row = await kc(srv.kubeconfig, ['get', 'pod', '-n', NS, 'web', '--no-headers']);
    assert.match(row, /^web\s+1\/1\s+Running\s+0\s/);
  });

  test('completes restartPolicy Never pods; the exit-code annotation fails them', T, async () => {
    await applyPod({ metadata: { name: 'ok', namespace: NS }, spec: { nodeName: 'sim-node-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
    await applyPod({ metadata: { name: 'bad', namespace: NS, annotations: { 'k8ts.io/sim-exit-code': '1' } }, spec: { nodeName: 'sim-node-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
    const ok = await podWhen('ok', (p) => p.status.phase === 'Succeeded', 'Succeeded');
    assert.deepEqual([ok.status.containerStatuses[0].state.terminated.reason, ok.status.containerStatuses[0].state.terminated.exitCode], ['Completed', 0]);
    assert.equal(cond(ok, 'Ready').reason, 'PodCompleted');
    const bad = await podWhen('bad', (p) => p.status.phase === 'Failed', 'Failed');
    assert.deepEqual([bad.status.containerStatuses[0].state.terminated.reason, bad.status.containerStatuses[0].state.terminated.exitCode], ['Error', 1]);
    const rows = await kc(srv.kubeconfig, ['get', 'pods', '-n', NS, 'ok', 'bad', '--no-headers']);
    assert.match(rows, /^ok\s+0\/1\s+Completed\s/m);
    assert.match(rows, /^bad\s+0\/1\s+Error\s/m);
  });

  test('holds readiness with the pod annotation', T, async () => {
    await applyPod({ metadata: { name: 'held', namespace: NS, annotations: { 'k8ts.io/sim-ready': 'false' } }, spec: { nodeName: 'sim-node-2', containers: [{ name: 'a', image: 'nginx' }] } });
    const p = await podWhen('held', (p) => p.status.phase === 'Running', 'Running');
    const ready = cond(p, 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [a]']);
    await kc(srv.kubeconfig, ['annotate', 'pod', '-n', NS, 'held', 'k8ts.io/sim-ready-']);
    await podWhen('held', (p) => cond(p, 'Ready')?.status === 'True', 'Ready');
  });

  test('holds Ready on a readiness gate until its condition is True', T, async () => {
    await applyPod({ metadata: { name: 'gated', namespace: NS }, spec: { nodeName: 'sim-node-2', readinessGates: [{ conditionType: 'example.com/lb' }], containers: [{ name: 'a', image: 'nginx' }] } });
    const p = await podWhen('gated', (p) => cond(p, 'ContainersReady')?.status === 'True', 'ContainersReady');
    const ready = cond(p, 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb" does not exist.']);
    await kc(srv.kubeconfig, ['patch', 'pod', '-n', NS, 'gated', '--subresource=status', '--type=strategic', '-p', '{"status":{"conditions":[{"type":"example.com/lb","status":"True"}]}}']);
    const after = await podWhen('gated', (p) => cond(p, 'Ready')?.status === 'True', 'Ready');
    assert.equal(cond(after, 'example.com/lb').status, 'True', 'the gate condition is kept');
  });

  test('deletes a pod for real once it is being deleted', T, async () => {
    await applyPod({ metadata: { name: 'gone', namespace: NS }, spec: { nodeName: 'sim-node-0', containers: [{ name: 'a', image: 'nginx' }] } });
    await podWhen('gone', (p) => p.status.phase === 'Running', 'Running');
    // a graceful delete (30s): the fleet ends it as soon as it sees the deletionTimestamp
    await kc(srv.kubeconfig, ['delete', 'pod', '-n', NS, 'gone', '--wait=false']);
    await eventually('pod deleted', async () => {
      const r = await kubectl(srv.kubeconfig, ['get', 'pod', '-n', NS, 'gone']);
      return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
    });
  });

  test('marks a node NotReady and Ready again on command', T, async () => {
    await kc(srv.kubeconfig, ['annotate', 'node', 'sim-node-2', 'k8ts.io/sim-ready=false']);
    const row = await eventually('NotReady', async () => {
      const o = await kc(srv.kubeconfig, ['get', 'node', 'sim-node-2', '--no-headers']);
      return /\sNotReady\s/.test(o) ? o : undefined;
    });
    assert.match(row, /^sim-node-2\s+NotReady/);
    const ready = cond(await getJSON(['get', 'node', 'sim-node-2']), 'Ready');
    assert.deepEqual([ready.status, ready.reason], ['False', 'KubeletNotReady']);
    await kc(srv.kubeconfig, ['annotate', 'node', 'sim-node-2', 'k8ts.io/sim-ready-']);
    await eventually('Ready again', async () => (/\sReady\s/.test(await kc(srv.kubeconfig, ['get', 'node', 'sim-node-2', '--no-headers'])) ? true : undefined));
  });

  test('stops renewing the lease of a node whose kubelet is stopped, and resumes', T, async () => {
    await kc(srv.kubeconfig, ['annotate', 'node', 'sim-node-0', 'k8ts.io/sim-kubelet=stopped']);
    await eventually('the fleet to see the stop', async () => (sim!.logs().includes('Simulated kubelet stopped') ? true : undefined));
    const frozen = (await getJSON(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-0'])).spec.renewTime;
    // three renew intervals (1s each) pass without a renewal
    await delay(3000);
    assert.equal((await getJSON(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-0'])).spec.renewTime, frozen);
    const other = (await getJSON(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-1'])).spec.renewTime;
    assert.ok(other > frozen, 'the other nodes keep renewing');
    await kc(srv.kubeconfig, ['annotate', 'node', 'sim-node-0', 'k8ts.io/sim-kubelet-']);
    await eventually('renewals again', async () => ((await getJSON(['get', 'lease', '-n', 'kube-node-lease', 'sim-node-0'])).spec.renewTime > frozen ? true : undefined));
  });

  test('exits cleanly on SIGTERM; a new run takes the nodes and pods over', T, async () => {
    const before = (await getJSON(['get', 'pod', '-n', NS, 'web'])).status.podIP;
    await sim!.stop();
    assert.deepEqual([sim!.proc.exitCode, sim!.proc.signalCode], [0, null]);
    assert.match(sim!.logs(), /received signal, shutting down/);
    sim = startSim(['--count=4', '--node-lease-duration-seconds=4', '--node-labels=tier=gpu', '--register-with-taints=example.com/gpu=true:NoSchedule']);
    await eventually('4 Ready nodes', async () => {
      const lines = (await kc(srv.kubeconfig, ['get', 'nodes', '--no-headers'])).trim().split('\n');
      return lines.length === 4 && lines.every((l) => /\sReady\s/.test(l)) ? true : undefined;
    });
    assert.equal((await getJSON(['get', 'pod', '-n', NS, 'web'])).status.podIP, before);
    const added = await getJSON(['get', 'node', 'sim-node-3']);
    assert.equal(added.metadata.labels.tier, 'gpu');
    assert.deepEqual(added.spec.taints?.find((t: any) => t.key === 'example.com/gpu'), { key: 'example.com/gpu', value: 'true', effect: 'NoSchedule' });
    assert.equal((await getJSON(['get', 'node', 'sim-node-0'])).metadata.labels.tier, 'gpu', 'labels of existing nodes are reconciled');
    await applyPod({ metadata: { name: 'web3', namespace: NS }, spec: { nodeName: 'sim-node-1', containers: [{ name: 'app', image: 'nginx' }] } });
    const p = await podWhen('web3', (p) => p.status.phase === 'Running', 'Running');
    assert.ok(ipIn24(p.status.podIP, '10.99.1.'));
    assert.notEqual(p.status.podIP, before, 'the address of the running pod stays taken');
  });

  test('rejects bad flags', T, async () => {
    const p = spawn(process.execPath, [k8tsBin, 'sim-nodes', '--count=many'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(err, /invalid argument "many" for "--count" flag/);
  });
});
