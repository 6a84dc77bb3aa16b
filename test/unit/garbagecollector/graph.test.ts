// The garbage collector's dependency graph: what each add/update/delete queues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyGraph, type GraphNode, type GraphObject } from '../../../src/controllers/garbagecollector/graph.js';

function setup() {
  const del: string[] = [];
  const orphan: string[] = [];
  const g = new DependencyGraph({ attemptToDelete: (n: GraphNode) => del.push(n.identity.uid), attemptToOrphan: (n: GraphNode) => orphan.push(n.identity.uid) });
  return { g, del, orphan };
}

const rs = (extra: Partial<NonNullable<GraphObject['metadata']>> = {}): GraphObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'ns', uid: 'rs-uid', ...extra } });
const pod = (name: string, owners = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }]): GraphObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `${name}-uid`, ownerReferences: owners },
});

test('a dependent seen before its owner creates a virtual owner to verify', () => {
  const { g, del } = setup();
  g.observe(pod('p1'));
  const owner = g.get('rs-uid')!;
  assert.equal(owner.virtual, true);
  assert.deepEqual(owner.identity, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', namespace: 'ns' });
  assert.deepEqual(del, ['rs-uid']);
  assert.deepEqual([...owner.dependents].map((d) => d.identity.uid), ['p1-uid']);
  g.observe(rs());
  assert.equal(owner.virtual, false);
});

test('removing an owner queues its dependents', () => {
  const { g, del } = setup();
  g.observe(rs());
  g.observe(pod('p1'));
  g.observe(pod('p2'));
  del.length = 0;
  g.remove('rs-uid');
  assert.deepEqual(del.sort(), ['p1-uid', 'p2-uid']);
  assert.equal(g.get('rs-uid'), undefined);
});

test('an orphan deletion queues the owner for orphaning', () => {
  const { g, orphan } = setup();
  g.observe(rs());
  g.observe(rs({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] }), rs());
  assert.deepEqual(orphan, ['rs-uid']);
});

test('a foreground deletion marks the owner and queues it with its dependents', () => {
  const { g, del } = setup();
  g.observe(rs());
  g.observe(pod('p1'));
  del.length = 0;
  g.observe(rs({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }), rs());
  const owner = g.get('rs-uid')!;
  assert.equal(owner.deletingDependents, true);
  assert.deepEqual(del.sort(), ['p1-uid', 'rs-uid']);
  assert.deepEqual(owner.blockingDependents().map((d) => d.identity.uid), ['p1-uid']);
  // the dependent going away queues the owner again (to remove its finalizer)
  del.length = 0;
  g.remove('p1-uid');
  assert.deepEqual(del, ['rs-uid']);
  assert.equal(owner.blockingDependents().length, 0);
});

test('an owner reference dropped from a dependent unblocks a foreground owner', () => {
  const { g, del } = setup();
  g.observe(rs({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }));
  g.observe(pod('p1'));
  del.length = 0;
  g.observe(pod('p1', []), pod('p1'));
  assert.deepEqual(del, ['rs-uid']);
  assert.equal(g.get('rs-uid')!.dependents.size, 0);
});
