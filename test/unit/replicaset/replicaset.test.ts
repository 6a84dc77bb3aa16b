import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaSetKind, replicationControllerKind } from '../../../src/controllers/replicaset/kinds.js';
import { getPodsToDelete } from '../../../src/controllers/replicaset/deletion.js';
import { namespaceTerminating } from '../../../src/controllers/util/statuscause.js';
import { calculateStatus, statusUnchanged } from '../../../src/controllers/replicaset/status.js';
import { slowStartBatch } from '../../../src/controllers/util/slowstart.js';
import { ApiError } from '../../../src/client/index.js';
import type { Pod, ReplicaSet } from '../../../src/controllers/util/types.js';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function pod(name: string, o: { ready?: number; node?: string; phase?: string; labels?: Record<string, string>; created?: number } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: name, labels: o.labels ?? { app: 'a', tier: 't' }, creationTimestamp: iso(o.created ?? t0) },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? (o.ready !== undefined ? 'Running' : 'Pending'), ...(o.ready !== undefined ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(o.ready) }] } : {}) },
  };
}

function rs(replicas: number, minReadySeconds = 0): ReplicaSet {
  return {
    metadata: { name: 'rs', namespace: 'ns', generation: 2 },
    spec: { replicas, minReadySeconds, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a', tier: 't' } } } },
    status: { replicas: 0 },
  };
}

describe('ReplicaSet status', () => {
  test('replicas, fully labeled, ready and available (minReadySeconds)', () => {
    const pods = [pod('a', { ready: t0 }), pod('b', { ready: t0 + 9000 }), pod('c'), pod('d', { labels: { app: 'a' }, ready: t0 })];
    const s = calculateStatus(rs(4, 5), replicaSetKind, pods, undefined, t0 + 10_000);
    assert.deepEqual([s.replicas, s.fullyLabeledReplicas, s.readyReplicas, s.availableReplicas], [4, 3, 3, 2]);
    assert.equal(s.conditions, undefined);
    assert.equal(statusUnchanged({ ...rs(4), status: { ...s, observedGeneration: 2 } }, s), true);
    assert.equal(statusUnchanged({ ...rs(4), status: { ...s, observedGeneration: 1 } }, s), false, 'a new generation is always written');
  });

  test('ReplicaFailure FailedCreate / FailedDelete with the error text, removed once syncs succeed', () => {
    const failed = calculateStatus(rs(3), replicaSetKind, [pod('a')], new Error('pods "x" is forbidden: exceeded quota: q'), t0);
    assert.deepEqual(failed.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota: q' }]);
    const del = calculateStatus(rs(0), replicaSetKind, [pod('a')], new Error('boom'), t0);
    assert.equal(del.conditions![0]!.reason, 'FailedDelete');
    const healed = calculateStatus({ ...rs(1), status: failed }, replicaSetKind, [pod('a')], undefined, t0);
    assert.equal(healed.conditions, undefined);
  });

  test('a ReplicationController selector map is a matchLabels selector', () => {
    assert.deepEqual(replicationControllerKind.selector({ spec: { selector: { app: 'a' } } }), { matchLabels: { app: 'a' } });
    assert.equal(replicationControllerKind.selector({ spec: {} }), undefined);
  });
});

describe('which pods go first', () => {
  const now = t0 + 3600_000;

  test('unassigned, then Pending < Unknown < Running, not ready, lower deletion cost', () => {
    const cheap = pod('cheap', { node: 'n', ready: t0 });
    cheap.metadata!.annotations = { 'controller.kubernetes.io/pod-deletion-cost': '-5' };
    const pods = [
      pod('ready', { node: 'n', ready: t0 }),
      cheap,
      pod('unassigned'),
      pod('running-unready', { node: 'n', phase: 'Running' }),
      pod('unknown', { node: 'n', phase: 'Unknown' }),
      pod('pending-on-node', { node: 'n' }),
    ];
    assert.deepEqual(getPodsToDelete(pods, [], 5, now).map((p) => p.metadata!.name), ['unassigned', 'pending-on-node', 'unknown', 'running-unready', 'cheap']);
    assert.equal(getPodsToDelete(pods, [], 6, now).length, 6);
  });

  test('pods doubled up on a node with related pods go before lone ones', () => {
    const a = pod('a', { node: 'n1', ready: t0 });
    const b = pod('b', { node: 'n2', ready: t0 });
    const related = [a, b, pod('sibling-on-n2', { node: 'n2', ready: t0 })];
    assert.deepEqual(getPodsToDelete([a, b], related, 1, now).map((p) => p.metadata!.name), ['b']);
  });

  test('ready time and age compare in log2 buckets: recently ready and newer first, same bucket by UID', () => {
    const young = pod('young', { node: 'n', ready: now - 60_000 });
    const old = pod('old', { node: 'n', ready: now - 3000_000 });
    assert.deepEqual(getPodsToDelete([old, young], [], 1, now).map((p) => p.metadata!.name), ['young']);
    // ready 100s and 110s ago: the same bucket, so the UID decides
    const x = pod('x', { node: 'n', ready: now - 110_000 });
    const w = pod('w', { node: 'n', ready: now - 100_000 });
    assert.deepEqual(getPodsToDelete([x, w], [], 1, now).map((p) => p.metadata!.name), ['w']);
    const newer = pod('newer', { node: 'n', ready: t0, created: now - 10_000 });
    const older = pod('older', { node: 'n', ready: t0, created: now - 1000_000 });
    assert.deepEqual(getPodsToDelete([older, newer], [], 1, now).map((p) => p.metadata!.name), ['newer']);
  });
});

describe('slow start', () => {
  test('batches of 1, 2, 4, ... and a stop at the first failing batch', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      calls++;
      inFlight++;
      if (batches.length === 0 || inFlight === 1) batches.push(0);
      batches[batches.length - 1]!++;
      await new Promise((res) => setImmediate(res));
      inFlight--;
    });
    assert.deepEqual(r, { successes: 10 });
    assert.deepEqual(batches, [1, 2, 4, 3]);
    assert.equal(calls, 10);
    let n = 0;
    const failing = await slowStartBatch(10, 1, async () => {
      n++;
      if (n === 3) throw new Error('quota');
    });
    assert.equal(failing.successes, 2);
    assert.equal((failing.error as Error).message, 'quota');
    assert.equal(n, 3, 'no call after the failing batch');
  });

  test('a terminating namespace is recognised by its status cause', () => {
    const err = ApiError.fromStatus({ code: 403, reason: 'Forbidden', message: 'x', details: { causes: [{ reason: 'NamespaceTerminating', message: 'x' }] } });
    assert.equal(namespaceTerminating(err), true);
    assert.equal(namespaceTerminating(new Error('x')), false);
  });
});
