import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareForDeletion, isPodAvailable, isPodActive } from '../../../src/controllers/util/pods.js';
import { podNamePrefix, podFromTemplate } from '../../../src/controllers/util/podcontrol.js';
import type { Pod } from '../../../src/controllers/util/types.js';

function pod(name: string, o: { node?: string; phase?: string; ready?: string; restarts?: number; created?: string } = {}): Pod {
  return {
    metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      ...(o.phase ? { phase: o.phase } : {}),
      ...(o.ready ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: o.ready }] } : {}),
      ...(o.restarts !== undefined ? { containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: o.restarts }] } : {}),
    },
  };
}

test('ActivePods order: unassigned, Pending < Unknown < Running, not ready, recently ready, restarts, newer', () => {
  const pods = [
    pod('old-running-ready', { node: 'n', phase: 'Running', ready: '2026-01-01T00:00:00Z' }),
    pod('new-running-ready', { node: 'n', phase: 'Running', ready: '2026-01-02T00:00:00Z' }),
    pod('running-notready', { node: 'n', phase: 'Running' }),
    pod('unknown', { node: 'n', phase: 'Unknown' }),
    pod('pending', { node: 'n', phase: 'Pending' }),
    pod('unassigned', { phase: 'Pending' }),
  ];
  assert.deepEqual([...pods].sort(compareForDeletion).map((p) => p.metadata!.name), ['unassigned', 'pending', 'unknown', 'running-notready', 'new-running-ready', 'old-running-ready']);
  const r = [pod('few', { node: 'n', phase: 'Running', restarts: 1 }), pod('many', { node: 'n', phase: 'Running', restarts: 5 })];
  assert.deepEqual(r.sort(compareForDeletion).map((p) => p.metadata!.name), ['many', 'few']);
  const c = [pod('older', { node: 'n', created: '2026-01-01T00:00:00Z' }), pod('newer', { node: 'n', created: '2026-02-01T00:00:00Z' })];
  assert.deepEqual(c.sort(compareForDeletion).map((p) => p.metadata!.name), ['newer', 'older']);
});

test('availability needs minReadySeconds of readiness; terminated or deleting pods are not active', () => {
  const p = pod('a', { ready: '2026-01-01T00:00:00Z' });
  const t = Date.parse('2026-01-01T00:00:10Z');
  assert.equal(isPodAvailable(p, 5, t), true);
  assert.equal(isPodAvailable(p, 30, t), false);
  assert.equal(isPodAvailable(pod('b'), 0, t), false);
  assert.equal(isPodActive(pod('s', { phase: 'Succeeded' })), false);
  assert.equal(isPodActive({ ...pod('d'), metadata: { name: 'd', deletionTimestamp: '2026-01-01T00:00:00Z' } }), false);
});

test('pods from a template keep its metadata, get the owner ref and the generateName prefix', () => {
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true };
  const p = podFromTemplate({ metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'ns', owner, podNamePrefix('web'));
  assert.equal(p.metadata!.generateName, 'web-');
  assert.deepEqual(p.metadata!.labels, { app: 'web' });
  assert.deepEqual(p.metadata!.ownerReferences, [owner]);
  assert.equal(p.metadata!.namespace, 'ns');
  assert.equal(podNamePrefix('x'.repeat(250)), 'x'.repeat(250));
});
