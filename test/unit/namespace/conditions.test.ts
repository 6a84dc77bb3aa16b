// Namespace deletion conditions: upstream's reasons and messages, transition times kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredConditions, emptyReport, mergeConditions } from '../../../src/controllers/namespace/conditions.js';
import { estimateGracefulTermination } from '../../../src/controllers/namespace/deleter.js';

test('all good: five False conditions with the upstream reasons', () => {
  const c = desiredConditions(emptyReport());
  assert.deepEqual(c.map((x) => [x.type, x.status, x.reason]), [
    ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
    ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
    ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
    ['NamespaceContentRemaining', 'False', 'ContentRemoved'],
    ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers'],
  ]);
});

test('remaining content and finalizers are reported sorted', () => {
  const r = emptyReport();
  r.remaining.set('pods.', 2);
  r.remaining.set('configmaps.', 1);
  r.finalizers.set('example.com/b', 1);
  r.finalizers.set('example.com/a', 3);
  r.discoveryFailures.set('metrics.k8s.io/v1beta1', 'the server is currently unable to handle the request');
  const c = Object.fromEntries(desiredConditions(r).map((x) => [x.type, x]));
  assert.equal(c.NamespaceContentRemaining!.message, 'Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances');
  assert.equal(c.NamespaceFinalizersRemaining!.message, 'Some content in the namespace has finalizers remaining: example.com/a in 3 resource instances, example.com/b in 1 resource instances');
  assert.equal(c.NamespaceDeletionDiscoveryFailure!.reason, 'DiscoveryFailed');
  assert.equal(c.NamespaceDeletionDiscoveryFailure!.message, 'Discovery failed for some groups, 1 failing: metrics.k8s.io/v1beta1: the server is currently unable to handle the request');
});

test('unchanged conditions keep their transition time; other conditions stay', () => {
  const want = desiredConditions(emptyReport());
  const first = mergeConditions([{ type: 'Other', status: 'True' }], want, 't1');
  assert.equal(first.changed, true);
  const second = mergeConditions(first.conditions, want, 't2');
  assert.equal(second.changed, false);
  assert.ok(second.conditions.every((c) => c.type === 'Other' || c.lastTransitionTime === 't1'));
  assert.ok(second.conditions.some((c) => c.type === 'Other'));
});

test('graceful termination estimate: the longest grace of pods still running', () => {
  assert.equal(estimateGracefulTermination([]), 0);
  assert.equal(
    estimateGracefulTermination([
      { spec: { containers: [], terminationGracePeriodSeconds: 10 } },
      { spec: { containers: [] }, metadata: { deletionGracePeriodSeconds: 5 } },
      { spec: { containers: [], terminationGracePeriodSeconds: 99 }, status: { phase: 'Succeeded' } },
    ]),
    10,
  );
  assert.equal(estimateGracefulTermination([{ spec: { containers: [] } }]), 30);
});
