// StatefulSet identity, storage, ordering of pods into ordinal slots, the revision a new pod
// gets under a partition, status counts, and the revision hash.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  claimsFor, identityMatches, newStatefulSetPod, parentAndOrdinal, storageMatches,
} from '../../../src/controllers/statefulset/identity.js';
import { arrangePods, replicaStatus, useCurrentRevision } from '../../../src/controllers/statefulset/update.js';
import { hashRevisionData, safeEncodeString } from '../../../src/controllers/history/revision.js';

const set = (spec: Record<string, unknown> = {}): any => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'ns', uid: 'u' },
  spec: {
    replicas: 3, serviceName: 'svc', selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'www', emptyDir: {} }, { name: 'other', emptyDir: {} }] } },
    volumeClaimTemplates: [{ metadata: { name: 'www', labels: { t: '1' } }, spec: { accessModes: ['ReadWriteOnce'] } }],
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    ...spec,
  },
});
const pod = (name: string, phase = 'Running', ready = true, rev = 'r1'): any => ({
  metadata: { name, namespace: 'ns', labels: { 'controller-revision-hash': rev } },
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('statefulset identity', () => {
  it('parses ordinals from names', () => {
    assert.deepEqual(parentAndOrdinal('web-12'), { parent: 'web', ordinal: 12 });
    assert.deepEqual(parentAndOrdinal('my-web-0'), { parent: 'my-web', ordinal: 0 });
    assert.equal(parentAndOrdinal('web').ordinal, -1);
  });
  it('new pods carry name, labels, hostname/subdomain, claims and the revision', () => {
    const s = set();
    const p = newStatefulSetPod(s, s, 'web-abc', 1);
    assert.equal(p.metadata!.name, 'web-1');
    assert.equal(p.metadata!.labels!['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(p.metadata!.labels!['apps.kubernetes.io/pod-index'], '1');
    assert.equal(p.metadata!.labels!['controller-revision-hash'], 'web-abc');
    assert.equal(p.spec!.hostname, 'web-1');
    assert.equal(p.spec!.subdomain, 'svc');
    assert.deepEqual(p.spec!.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }, { name: 'other', emptyDir: {} }]);
    assert.ok(identityMatches(s, p));
    assert.ok(storageMatches(s, p));
    const claim = claimsFor(s, 1).get('www')!;
    assert.equal(claim.metadata!.name, 'www-web-1');
    assert.deepEqual(claim.metadata!.labels, { t: '1', app: 'web' });
  });
});

describe('statefulset ordering', () => {
  it('sorts pods into ordinal slots and condemns the rest, highest first', () => {
    const s = set({ replicas: 2 });
    const { replicas, condemned } = arrangePods(s, s, s, 'r1', 'r2', [pod('web-3'), pod('web-0'), pod('web-2'), pod('other-1')]);
    assert.deepEqual(replicas.map((p) => p.metadata!.name), ['web-0', 'web-1']);
    assert.equal(replicas[1]!.status, undefined); // not created yet
    assert.deepEqual(condemned.map((p) => p.metadata!.name), ['web-3', 'web-2']);
  });
  it('honours spec.ordinals.start', () => {
    const s = set({ replicas: 2, ordinals: { start: 5 } });
    const { replicas, condemned } = arrangePods(s, s, s, 'r1', 'r2', [pod('web-0'), pod('web-6')]);
    assert.deepEqual(replicas.map((p) => p.metadata!.name), ['web-5', 'web-6']);
    assert.deepEqual(condemned.map((p) => p.metadata!.name), ['web-0']);
  });
  it('new pods below the partition get the current revision', () => {
    const s = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    assert.deepEqual([0, 1, 2].map((o) => useCurrentRevision(s, o)), [true, true, false]);
    assert.equal(useCurrentRevision(set({ updateStrategy: { type: 'OnDelete' } }), 0), false);
  });
  it('counts replicas, ready, current and updated', () => {
    const terminating = { ...pod('web-2', 'Running', true, 'r2'), metadata: { ...pod('web-2').metadata, labels: { 'controller-revision-hash': 'r2' }, deletionTimestamp: 'x' } };
    const s = replicaStatus([pod('web-0'), pod('web-1', 'Pending', false, 'r2'), terminating], 0, 'r1', 'r2');
    assert.deepEqual(s, { replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 1, updatedReplicas: 1 });
  });
});

describe('revision hash', () => {
  it('is stable, encoded without vowels, and changes with the collision count', () => {
    const data = { spec: { template: { $patch: 'replace' } } };
    assert.equal(hashRevisionData(data), hashRevisionData(structuredClone(data)));
    assert.notEqual(hashRevisionData(data, 1), hashRevisionData(data));
    assert.match(hashRevisionData(data), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(safeEncodeString('0123'), '4567');
  });
});

import { claimOwnerRefs } from '../../../src/controllers/statefulset/identity.js';

describe('claim retention owner references', () => {
  const p = { metadata: { name: 'web-3', uid: 'pod-uid' } } as any;
  it('whenDeleted=Delete: the set owns the claims; whenScaled=Delete: the condemned pod does', () => {
    assert.deepEqual(claimOwnerRefs(set(), p, true), []);
    const both = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    assert.deepEqual(claimOwnerRefs(both, p, false), [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u' }]);
    assert.deepEqual(claimOwnerRefs(both, p, true).map((r) => r.kind), ['StatefulSet', 'Pod']);
  });
});
