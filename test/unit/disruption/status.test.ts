// PodDisruptionBudget status arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { countHealthyPods, disruptedPodMap, expectedAndDesired, nextStatus, failSafeStatus } from '../../../src/controllers/disruption/status.js';
import type { Pod } from '../../../src/controllers/util/types.js';

const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({ metadata: { name: 'b', namespace: 'ns', generation: 2 }, spec, status });
const pod = (name: string, ready: boolean, deleting = false): Pod => ({ metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });

test('expected and desired counts for each form', () => {
  assert.deepEqual(expectedAndDesired(pdb({ minAvailable: 2 }), 5, 0), { expected: 5, desired: 2 });
  assert.deepEqual(expectedAndDesired(pdb({ minAvailable: '50%' }), 5, 5), { expected: 5, desired: 3 });
  assert.deepEqual(expectedAndDesired(pdb({ maxUnavailable: 1 }), 5, 4), { expected: 4, desired: 3 });
  assert.deepEqual(expectedAndDesired(pdb({ maxUnavailable: '30%' }), 5, 10), { expected: 10, desired: 7 });
  assert.deepEqual(expectedAndDesired(pdb({ maxUnavailable: 20 }), 5, 10), { expected: 10, desired: 0 });
});

test('healthy: ready, not deleting, not recently disrupted; disrupted entries expire after 2 minutes', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const b = pdb({ minAvailable: 1 }, { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, disruptedPods: { a: '2026-01-01T00:09:30Z', c: '2026-01-01T00:01:00Z' } });
  const pods = [pod('a', true), pod('b', true), pod('c', true), pod('d', true, true), pod('e', false)];
  const { map, recheckAt, overdue } = disruptedPodMap(b, pods, now);
  assert.deepEqual(map, { a: '2026-01-01T00:09:30Z' });
  assert.equal(recheckAt, Date.parse('2026-01-01T00:11:30Z'));
  assert.deepEqual(overdue.map((p) => p.metadata!.name), ['c']);
  assert.equal(countHealthyPods(pods, map, now), 2);
});

test('status: disruptionsAllowed and the DisruptionAllowed condition; nothing when current', () => {
  const s = nextStatus(pdb({ minAvailable: 1 }), 3, 1, 3, {})!;
  assert.equal(s.disruptionsAllowed, 2);
  assert.equal(s.observedGeneration, 2);
  assert.deepEqual(s.conditions!.map((c) => [c.type, c.status, c.reason, c.observedGeneration]), [['DisruptionAllowed', 'True', 'SufficientPods', 2]]);
  assert.equal(nextStatus(pdb({ minAvailable: 1 }, s), 3, 1, 3, {}), undefined);
  const none = nextStatus(pdb({ minAvailable: 1 }, s), 1, 1, 0, {})!;
  assert.equal(none.disruptionsAllowed, 0);
  assert.deepEqual([none.conditions![0]!.status, none.conditions![0]!.reason], ['False', 'InsufficientPods']);
  const failed = failSafeStatus(pdb({ minAvailable: '50%' }, s), new Error('found no controllers for pod "x"'))!;
  assert.equal(failed.disruptionsAllowed, 0);
  assert.deepEqual([failed.conditions![0]!.reason, failed.conditions![0]!.message], ['SyncFailed', 'found no controllers for pod "x"']);
});
