import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evictionDecision, getMatchingTolerations, getMinTolerationTimeMs, toleratesTaint } from '../../../src/controllers/nodelifecycle/tolerations.js';
import { computeNodeHealth } from '../../../src/controllers/nodelifecycle/health.js';
import { computeZoneState, zoneKey, zoneRate, TokenBucket } from '../../../src/controllers/nodelifecycle/zones.js';
import { desiredNoScheduleTaints, reconcileNoScheduleTaints } from '../../../src/controllers/nodelifecycle/taints.js';

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };

test('toleration matching', () => {
  assert.ok(toleratesTaint({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, unreachable));
  assert.ok(toleratesTaint({ operator: 'Exists' }, unreachable));
  assert.ok(!toleratesTaint({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable));
  assert.ok(toleratesTaint({ key: 'a', value: 'b' }, { key: 'a', value: 'b', effect: 'NoExecute' }));
  assert.ok(!toleratesTaint({ key: 'a', value: 'c' }, { key: 'a', value: 'b', effect: 'NoExecute' }));
  const [all, used] = getMatchingTolerations([unreachable, notReady], [{ key: unreachable.key, operator: 'Exists', tolerationSeconds: 5 }]);
  assert.equal(all, false);
  assert.deepEqual(used, []);
});

test('minimum toleration time: smallest seconds, forever without, 0 for negatives', () => {
  assert.equal(getMinTolerationTimeMs([{ tolerationSeconds: 300 }, { tolerationSeconds: 2 }]), 2000);
  assert.equal(getMinTolerationTimeMs([{ operator: 'Exists' }]), -1);
  assert.equal(getMinTolerationTimeMs([{ tolerationSeconds: -5 }]), 0);
  assert.equal(getMinTolerationTimeMs([]), 0);
});

test('eviction timing: untolerated now, tolerated after tolerationSeconds, earlier schedules kept, forever cancels', () => {
  const now = 1_000_000;
  assert.deepEqual(evictionDecision([unreachable], [], now), { action: 'evict', createdAt: now, fireAt: now });
  const tol = [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }];
  assert.deepEqual(evictionDecision([unreachable], tol, now), { action: 'evict', createdAt: now, fireAt: now + 2000 });
  assert.deepEqual(evictionDecision([unreachable], tol, now + 500, { createdAt: now, fireAt: now + 2000 }), { action: 'keep' });
  assert.deepEqual(evictionDecision([unreachable], [{ operator: 'Exists' }], now), { action: 'cancel', reason: 'tolerated-forever' });
  assert.deepEqual(evictionDecision([], tol, now), { action: 'cancel', reason: 'untainted' });
});

test('node health: a renewed lease is a sign of life; silence past the grace period makes conditions Unknown', () => {
  const created = '2026-01-01T00:00:00Z';
  const t0 = Date.parse('2026-01-01T00:10:00Z');
  const node = {
    metadata: { name: 'n1', creationTimestamp: created },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:09:59Z', lastTransitionTime: created }] },
  };
  const lease = (t: string) => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime: t } });
  let r = computeNodeHealth(node, undefined, lease('2026-01-01T00:09:59Z'), t0, 40_000, 60_000);
  assert.equal(r.newConditions, undefined);
  r = computeNodeHealth(node, r.health, lease('2026-01-01T00:10:20Z'), t0 + 30_000, 40_000, 60_000);
  assert.equal(r.health.probeTimestamp, t0 + 30_000);
  r = computeNodeHealth(node, r.health, lease('2026-01-01T00:10:20Z'), t0 + 60_000, 40_000, 60_000);
  assert.equal(r.newConditions, undefined, 'within the grace period');
  r = computeNodeHealth(node, r.health, lease('2026-01-01T00:10:20Z'), t0 + 71_000, 40_000, 60_000);
  assert.equal(r.observedReady.status, 'True');
  assert.equal(r.currentReady?.status, 'Unknown');
  const ready = r.newConditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  const mem = r.newConditions!.find((c) => c.type === 'MemoryPressure')!;
  assert.equal(mem.reason, 'NodeStatusNeverUpdated');
  assert.equal(mem.message, 'Kubelet never posted node status.');
});

test('a node that never posted status gets the startup grace period', () => {
  const created = Date.parse('2026-01-01T00:00:00Z');
  const node = { metadata: { name: 'n2', creationTimestamp: '2026-01-01T00:00:00Z' }, status: {} };
  assert.equal(computeNodeHealth(node, undefined, undefined, created + 59_000, 40_000, 60_000).newConditions, undefined);
  const r = computeNodeHealth(node, undefined, undefined, created + 61_000, 40_000, 60_000);
  assert.equal(r.newConditions!.find((c) => c.type === 'Ready')!.reason, 'NodeStatusNeverUpdated');
});

test('zone states and rates', () => {
  const T = { type: 'Ready', status: 'True' };
  const U = { type: 'Ready', status: 'Unknown' };
  assert.deepEqual(computeZoneState([U], 0.55), [1, 'FullDisruption']);
  assert.deepEqual(computeZoneState([T, U], 0.55), [1, 'Normal']);
  assert.deepEqual(computeZoneState([T, U, U, U], 0.55), [3, 'PartialDisruption']);
  const o = { evictionRate: 0.1, secondaryEvictionRate: 0.01, largeClusterThreshold: 50 };
  assert.equal(zoneRate('PartialDisruption', 10, o), 0);
  assert.equal(zoneRate('PartialDisruption', 60, o), 0.01);
  assert.equal(zoneKey({ metadata: { labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' } } }), 'r:\x00:z');
  const b = new TokenBucket(0.1);
  assert.ok(b.tryAccept());
  assert.ok(!b.tryAccept());
  b.setRate(0);
  assert.ok(!b.tryAccept());
});

test('NoSchedule taints follow conditions and spec.unschedulable', () => {
  const node = { spec: { unschedulable: true, taints: [{ key: 'user', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }, { type: 'DiskPressure', status: 'True' }] } };
  const desired = desiredNoScheduleTaints(node);
  assert.deepEqual(desired.map((t) => t.key).sort(), ['node.kubernetes.io/disk-pressure', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/unschedulable']);
  const next = reconcileNoScheduleTaints(node, desired)!;
  assert.deepEqual(next.map((t) => t.key).sort(), ['node.kubernetes.io/disk-pressure', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/unschedulable', 'user']);
  assert.equal(reconcileNoScheduleTaints({ spec: { taints: next }, status: node.status }, desired), undefined);
});
