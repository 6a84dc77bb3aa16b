// pods/eviction honours PodDisruptionBudgets as upstream's EvictionREST: the budget's status
// decides (written here by the test, so no disruption controller runs), with upstream's codes
// and messages; `kubectl drain` evicts through it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { H2Client, kubectl, startServer } from './harness.js';
import type { ServerProc } from './harness.js';

describe('pod eviction and PodDisruptionBudgets', () => {
  let srv: ServerProc;
  let c: H2Client;
  const NS = 'default';
  const json = { 'content-type': 'application/merge-patch+json' };

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-scheduler', '--kube-controller-manager-arg=--controllers=serviceaccount,serviceaccount-token,root-ca-cert-publisher'] });
    c = H2Client.fromKubeconfig(srv.kubeconfig);
    for (let i = 0; i < 100 && (await c.get(`/api/v1/namespaces/${NS}/serviceaccounts/default`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  });
  after(async () => {
    c?.close();
    await srv?.destroy();
  });

  async function runningPod(name: string, app: string, ready = true, node = 'evict-node'): Promise<void> {
    const r = await c.request('POST', `/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(r.status, 201, r.body);
    const s = await c.request('PATCH', `/api/v1/namespaces/${NS}/pods/${name}/status`, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, json);
    assert.equal(s.status, 200, s.body);
  }
  async function pdb(name: string, app: string, status: Record<string, unknown> | undefined, policy?: string): Promise<void> {
    const r = await c.request('POST', `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app } }, ...(policy ? { unhealthyPodEvictionPolicy: policy } : {}) } });
    assert.equal(r.status, 201, r.body);
    if (status) await setStatus(name, status);
  }
  async function setStatus(name: string, status: Record<string, unknown>): Promise<void> {
    const s = await c.request('PATCH', `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${name}/status`, { status: { observedGeneration: 1, ...status } }, json);
    assert.equal(s.status, 200, s.body);
  }
  const evict = (pod: string, dryRun = false) =>
    c.request('POST', `/api/v1/namespaces/${NS}/pods/${pod}/eviction${dryRun ? '?dryRun=All' : ''}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS } });

  it('a budget not yet processed by the controller answers 429 with a DisruptionBudget cause', async () => {
    await runningPod('a1', 'a');
    await pdb('pdb-a', 'a', undefined);
    const r = await evict('a1');
    assert.equal(r.status, 429);
    const st = r.json();
    assert.equal(st.reason, 'TooManyRequests');
    assert.equal(st.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(st.details.causes, [{ type: 'DisruptionBudget', message: 'The disruption budget pdb-a is still being processed by the server.' }]);
  });

  it('no disruptions left: 429 naming the healthy counts; the pod stays', async () => {
    await setStatus('pdb-a', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    const r = await evict('a1');
    assert.equal(r.status, 429);
    assert.equal(r.json().details.causes[0].message, 'The disruption budget pdb-a needs 1 healthy pods and has 1 currently');
    assert.equal((await c.get(`/api/v1/namespaces/${NS}/pods/a1`)).status, 200);
  });

  it('with a disruption allowed: dry run charges nothing; a real eviction charges the budget and deletes the pod', async () => {
    await setStatus('pdb-a', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
    const dry = await evict('a1', true);
    assert.equal(dry.status, 201, dry.body);
    assert.equal((await c.get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/pdb-a`)).json().status.disruptionsAllowed, 1);
    const r = await evict('a1');
    assert.equal(r.status, 201, r.body);
    assert.deepEqual({ kind: r.json().kind, status: r.json().status }, { kind: 'Status', status: 'Success' });
    const b = (await c.get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/pdb-a`)).json().status;
    assert.equal(b.disruptionsAllowed, 0);
    assert.ok(b.disruptedPods?.a1, 'the evicted pod is recorded in disruptedPods');
    const pod = await c.get(`/api/v1/namespaces/${NS}/pods/a1`);
    // deleted gracefully: terminating, with the DisruptionTarget condition
    assert.equal(pod.status, 200);
    const p = pod.json();
    assert.ok(p.metadata.deletionTimestamp);
    assert.ok(p.status.conditions.some((x: { type: string; reason: string }) => x.type === 'DisruptionTarget' && x.reason === 'EvictionByEvictionAPI'));
  });

  it('Pending pods and unready pods under AlwaysAllow are evicted without the budget', async () => {
    const r = await c.request('POST', `/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', labels: { app: 'p' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(r.status, 201);
    await pdb('pdb-p', 'p', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1 });
    assert.equal((await evict('p1')).status, 201);
    await runningPod('u1', 'u', false);
    await pdb('pdb-u', 'u', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1 }, 'AlwaysAllow');
    assert.equal((await evict('u1')).status, 201);
    assert.equal((await c.get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/pdb-u`)).json().status.disruptionsAllowed, 0);
  });

  it('two budgets for one pod is a 500 as upstream', async () => {
    await runningPod('t1', 't');
    await pdb('pdb-t1', 't', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0 });
    await pdb('pdb-t2', 't', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0 });
    const r = await evict('t1');
    assert.equal(r.status, 500);
    assert.equal(r.json().message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  it('kubectl drain evicts through the budget and reports a blocked eviction', async () => {
    const node = await c.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'drain-node' } });
    assert.equal(node.status, 201, node.body);
    await runningPod('d1', 'd', true, 'drain-node');
    await pdb('pdb-d', 'd', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    const blocked = await kubectl(srv.kubeconfig, ['drain', 'drain-node', '--force', '--timeout=3s', '--grace-period=0']);
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    await setStatus('pdb-d', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    const ok = await kubectl(srv.kubeconfig, ['drain', 'drain-node', '--force', '--timeout=20s', '--grace-period=0']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /evicted/);
  });
});
