import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getCondition } from '../../../src/controllers/deployment/conditions.js';
import { progressCheckDelay, rolloutStatus } from '../../../src/controllers/deployment/progress.js';
import { calculateStatus, proportionalSizes, statusEqual } from '../../../src/controllers/deployment/sync.js';
import { deployment, replicaSet } from './helpers.js';

const sizes = (pairs: [{ metadata?: { name?: string } }, number][]) => pairs.map(([rs, n]) => `${rs.metadata!.name}=${n}`);

describe('proportional scaling', () => {
  test('a resize mid-rollout is shared by size against max-replicas', () => {
    const d = deployment(30, { maxSurge: 3, maxUnavailable: 2 });
    const ann = { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' };
    const old = replicaSet('old', 8, { annotations: ann, created: '2026-01-01T00:00:00Z' });
    const neu = replicaSet('new', 5, { annotations: ann, created: '2026-01-02T00:00:00Z' });
    assert.deepEqual(sizes(proportionalSizes(d, [old, neu])), ['old=20', 'new=13']);
  });

  test('scaling down takes from the larger first and never below zero', () => {
    const d = deployment(3, { maxSurge: 1, maxUnavailable: 0 });
    const ann = { 'deployment.kubernetes.io/max-replicas': '11' };
    const old = replicaSet('old', 6, { annotations: ann, created: '2026-01-01T00:00:00Z' });
    const neu = replicaSet('new', 5, { annotations: ann, created: '2026-01-02T00:00:00Z' });
    const out = proportionalSizes(d, [old, neu]);
    assert.equal(out.reduce((n, [, s]) => n + s, 0), 4);
    assert.deepEqual(sizes(out), ['old=2', 'new=2']);
  });

  test('leftovers from rounding go to the largest', () => {
    const d = deployment(10, { maxSurge: 0, maxUnavailable: 1 });
    const ann = { 'deployment.kubernetes.io/max-replicas': '3' };
    const sets = ['a', 'b', 'c'].map((n, i) => replicaSet(n, 1, { annotations: ann, created: `2026-01-0${i + 1}T00:00:00Z` }));
    const out = proportionalSizes(d, sets);
    assert.equal(out.reduce((n, [, s]) => n + s, 0), 10);
    // newest first on equal sizes when growing: c takes the leftover
    assert.deepEqual(sizes(out), ['c=4', 'b=3', 'a=3']);
  });
});

describe('deployment status', () => {
  test('counts from the ReplicaSets and the Available condition', () => {
    const d = deployment(4, { maxSurge: 1, maxUnavailable: 1, generation: 2 });
    const old = replicaSet('old', 3);
    const neu = replicaSet('new', 2, { available: 0 });
    const s = calculateStatus([old, neu], neu, d);
    assert.deepEqual(
      [s.observedGeneration, s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas, s.unavailableReplicas],
      [2, 5, 2, 3, 3, 2],
    );
    assert.equal(getCondition(s, 'Available')!.reason, 'MinimumReplicasAvailable');
    const worse = calculateStatus([replicaSet('old', 3, { available: 2 }), neu], neu, d);
    assert.equal(getCondition(worse, 'Available')!.status, 'False');
    assert.equal(getCondition(worse, 'Available')!.reason, 'MinimumReplicasUnavailable');
    assert.equal(getCondition(worse, 'Available')!.message, 'Deployment does not have minimum availability.');
  });

  test('statuses compare with omitted zeros as zeros', () => {
    assert.equal(statusEqual({ replicas: 0 }, { replicas: 0, updatedReplicas: 0, observedGeneration: 0 }), true);
    assert.equal(statusEqual({ replicas: 1 }, { replicas: 0 }), false);
  });
});

describe('rollout progress', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  test('ReplicaSetUpdated while moving, NewReplicaSetAvailable when complete', () => {
    const d = deployment(2, { status: { replicas: 2, updatedReplicas: 0, availableReplicas: 2, readyReplicas: 2 } });
    const neu = replicaSet('web-abc', 1, { available: 0 });
    const moving = rolloutStatus([replicaSet('old', 2), neu], neu, d, t0);
    const p = getCondition(moving, 'Progressing')!;
    assert.deepEqual([p.status, p.reason, p.message], ['True', 'ReplicaSetUpdated', 'ReplicaSet "web-abc" is progressing.']);
    const doneNew = replicaSet('web-abc', 2);
    const done = rolloutStatus([replicaSet('old', 0), doneNew], doneNew, { ...d, status: moving }, t0 + 5000);
    const c = getCondition(done, 'Progressing')!;
    assert.deepEqual([c.status, c.reason, c.message], ['True', 'NewReplicaSetAvailable', 'ReplicaSet "web-abc" has successfully progressed.']);
    assert.equal(c.lastTransitionTime, p.lastTransitionTime, 'still True: the transition time stays');
  });

  test('ProgressDeadlineExceeded once progressDeadlineSeconds pass without progress', () => {
    const neu = replicaSet('web-abc', 1, { available: 0 });
    const old = replicaSet('old', 1);
    const since = '2026-01-01T00:00:00Z';
    const status = {
      observedGeneration: 1, replicas: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: since, lastTransitionTime: since }],
    };
    const d = deployment(1, { progressDeadlineSeconds: 60, status });
    assert.equal(progressCheckDelay(d, status, t0 + 20_000), 40_000);
    const early = rolloutStatus([old, neu], neu, d, t0 + 30_000);
    assert.equal(getCondition(early, 'Progressing')!.reason, 'ReplicaSetUpdated');
    const late = rolloutStatus([old, neu], neu, d, t0 + 61_000);
    const c = getCondition(late, 'Progressing')!;
    assert.deepEqual([c.status, c.reason, c.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-abc" has timed out progressing.']);
  });

  test('ReplicaFailure comes from the new ReplicaSet first', () => {
    const d = deployment(2);
    const neu = replicaSet('new', 2, { available: 0 });
    neu.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '2026-01-01T00:00:00Z' }];
    const s = rolloutStatus([neu], neu, d, t0);
    const f = getCondition(s, 'ReplicaFailure')!;
    assert.deepEqual([f.reason, f.message, f.lastUpdateTime], ['FailedCreate', 'quota', '2026-01-01T00:00:00Z']);
    neu.status!.conditions = [];
    assert.equal(getCondition(rolloutStatus([neu], neu, { ...d, status: s }, t0), 'ReplicaFailure'), undefined);
  });
});
