import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenLabels, isKubeletLabel, nodeIdentity, nodeRestrictionPlugin } from '../../../src/apiserver/admission/noderestriction.js';
import { FakeObjects, nodeUser, pod, rejection, run, scope } from './helpers.js';

const n1 = nodeUser('n1');

function setup(opts: Parameters<typeof nodeRestrictionPlugin>[1] = {}) {
  const objects = new FakeObjects();
  objects.put('', 'nodes', { metadata: { name: 'n1', uid: 'uid-n1' } });
  objects.put('', 'pods', pod('mine', { nodeName: 'n1' }, { uid: 'pod-uid-mine' }));
  objects.put('', 'pods', pod('theirs', { nodeName: 'n2' }, { uid: 'pod-uid-theirs' }));
  return { objects, plugin: nodeRestrictionPlugin(objects, opts) };
}

function mirror(name: string, spec: Record<string, unknown> = {}, owner: Record<string, unknown> = {}) {
  return pod(name, { nodeName: 'n1', ...spec }, {
    annotations: { 'kubernetes.io/config.mirror': 'hash' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1', controller: true, ...owner }],
  });
}

async function msg(p: Promise<void>): Promise<string> {
  return (await rejection(p)).message;
}

describe('NodeRestriction', () => {
  test('node identity', () => {
    assert.deepEqual(nodeIdentity(n1), { isNode: true, nodeName: 'n1' });
    assert.deepEqual(nodeIdentity({ username: 'system:node:n1', groups: [] }), { isNode: false, nodeName: '' });
    assert.deepEqual(nodeIdentity({ username: 'system:node:', groups: ['system:nodes'] }), { isNode: true, nodeName: '' });
  });

  test('non-node users are not restricted', async () => {
    const { plugin } = setup();
    await run(plugin, 'UPDATE', { metadata: { name: 'n2', labels: { 'node-restriction.kubernetes.io/x': 'y' } } }, { metadata: { name: 'n2' } }, scope('', 'nodes', { name: 'n2' }));
  });

  test('a node user without a name is refused', async () => {
    const { plugin } = setup();
    const err = await rejection(run(plugin, 'CREATE', { metadata: { name: 'x' } }, undefined, scope('', 'nodes', { user: { username: 'system:node:', groups: ['system:nodes'] } })));
    assert.equal(err.message, 'nodes "x" is forbidden: could not determine node from user "system:node:"');
  });

  test('nodes: only its own Node', async () => {
    const { plugin } = setup();
    assert.equal(await msg(run(plugin, 'UPDATE', { metadata: { name: 'n2' } }, { metadata: { name: 'n2' } }, scope('', 'nodes', { name: 'n2', user: n1 }))), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    assert.equal(await msg(run(plugin, 'CREATE', { metadata: { name: 'n2' } }, undefined, scope('', 'nodes', { user: n1 }))), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    assert.equal(await msg(run(plugin, 'DELETE', undefined, { metadata: { name: 'n2' } }, scope('', 'nodes', { name: 'n2', user: n1 }))), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    await run(plugin, 'CREATE', { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/instance-type': 'm5', 'foo': 'bar' } } }, undefined, scope('', 'nodes', { user: n1 }));
  });

  test('nodes: restricted labels on register and update', async () => {
    const { plugin } = setup();
    const create = { metadata: { name: 'n1', labels: { 'node-restriction.kubernetes.io/trusted': 'yes', 'node-role.kubernetes.io/master': '', 'example.com/ok': 'x' } } };
    assert.equal(
      await msg(run(plugin, 'CREATE', create, undefined, scope('', 'nodes', { user: n1 }))),
      'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/trusted, node-role.kubernetes.io/master',
    );
    const old = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }, spec: {} };
    const upd = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', 'foo.k8s.io/bar': 'x' } }, spec: {} };
    assert.equal(await msg(run(plugin, 'UPDATE', upd, old, scope('', 'nodes', { name: 'n1', user: n1 }))), 'nodes "n1" is forbidden: is not allowed to modify labels: foo.k8s.io/bar');
    // removing a restricted label is a modification too
    const oldR = { metadata: { name: 'n1', labels: { 'a.node-restriction.kubernetes.io/x': 'y' } } };
    assert.equal(await msg(run(plugin, 'UPDATE', { metadata: { name: 'n1' } }, oldR, scope('', 'nodes', { name: 'n1', user: n1 }))), 'nodes "n1" is forbidden: is not allowed to modify labels: a.node-restriction.kubernetes.io/x');
    // kubelet labels are fine
    await run(plugin, 'UPDATE', { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'a', 'x.kubelet.kubernetes.io/y': 'z' } } }, { metadata: { name: 'n1' } }, scope('', 'nodes', { name: 'n1', user: n1 }));
  });

  test('nodes: no taint or configSource changes', async () => {
    const { plugin } = setup();
    const old = { metadata: { name: 'n1' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } };
    assert.equal(await msg(run(plugin, 'UPDATE', { metadata: { name: 'n1' }, spec: {} }, old, scope('', 'nodes', { name: 'n1', user: n1 }))), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
    await run(plugin, 'UPDATE', { metadata: { name: 'n1' }, spec: { taints: [] } }, { metadata: { name: 'n1' }, spec: {} }, scope('', 'nodes', { name: 'n1', user: n1 }));
    assert.equal(
      await msg(run(plugin, 'UPDATE', { metadata: { name: 'n1' }, spec: { configSource: { configMap: { name: 'c' } } } }, { metadata: { name: 'n1' }, spec: {} }, scope('', 'nodes', { name: 'n1', user: n1 }))),
      'nodes "n1" is forbidden: node "n1" is not allowed to update configSource to a new non-nil configSource',
    );
  });

  test('label helpers', () => {
    assert.ok(isKubeletLabel('kubernetes.io/arch'));
    assert.ok(isKubeletLabel('sub.node.kubernetes.io/x'));
    assert.ok(!isKubeletLabel('node-role.kubernetes.io/worker'));
    assert.deepEqual(forbiddenLabels(new Set(['example.com/a', 'kubernetes.io/hostname', 'k8s.io/x'])), ['k8s.io/x']);
  });

  test('pods: only mirror pods bound to itself and owned by its Node', async () => {
    const { plugin } = setup();
    const s = () => scope('', 'pods', { namespace: 'ns', user: n1 });
    await run(plugin, 'CREATE', mirror('static'), undefined, s());
    assert.equal(await msg(run(plugin, 'CREATE', pod('x', { nodeName: 'n1' }), undefined, s())), 'pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', { nodeName: 'n2' }), undefined, s())), 'pods "x" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
    const noOwner = mirror('x');
    delete noOwner.metadata.ownerReferences;
    assert.equal(await msg(run(plugin, 'CREATE', noOwner, undefined, s())), 'pods "x" is forbidden: node "n1" can only create pods with an owner reference set to itself');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', {}, { controller: false }), undefined, s())), 'pods "x" is forbidden: node "n1" can only create pods with a controller owner reference set to itself');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', {}, { blockOwnerDeletion: true }), undefined, s())), 'pods "x" is forbidden: node "n1" must not set blockOwnerDeletion on an owner reference');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', {}, { uid: 'other' }), undefined, s())), 'pods "x" is forbidden: node n1 UID mismatch: expected other got uid-n1');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', { serviceAccountName: 'default' }), undefined, s())), 'pods "x" is forbidden: node "n1" can not create pods that reference a service account');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }), undefined, s())), 'pods "x" is forbidden: node "n1" can not create pods that reference secrets');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', { volumes: [{ name: 'v', configMap: { name: 'c' } }] }), undefined, s())), 'pods "x" is forbidden: node "n1" can not create pods that reference configmaps');
    assert.equal(await msg(run(plugin, 'CREATE', mirror('x', { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] }), undefined, s())), 'pods "x" is forbidden: node "n1" can not create pods that reference persistentvolumeclaims');
  });

  test('pods: delete, status and eviction only for pods bound to itself', async () => {
    const { plugin } = setup();
    const s = (name: string, subresource = '') => scope('', 'pods', { namespace: 'ns', name, subresource, user: n1 });
    await run(plugin, 'DELETE', undefined, pod('mine', { nodeName: 'n1' }), s('mine'));
    assert.equal(await msg(run(plugin, 'DELETE', undefined, pod('theirs', { nodeName: 'n2' }), s('theirs'))), 'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
    assert.equal(await msg(run(plugin, 'UPDATE', pod('mine', { nodeName: 'n1' }), pod('mine', { nodeName: 'n1' }), s('mine'))), 'pods "mine" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods');
    await run(plugin, 'UPDATE', pod('mine', { nodeName: 'n1' }), pod('mine', { nodeName: 'n1' }), s('mine', 'status'));
    assert.equal(
      await msg(run(plugin, 'UPDATE', pod('theirs', { nodeName: 'n2' }), pod('theirs', { nodeName: 'n2' }), s('theirs', 'status'))),
      'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    assert.equal(
      await msg(run(plugin, 'UPDATE', pod('mine', { nodeName: 'n1' }, { labels: { a: 'b' } }), pod('mine', { nodeName: 'n1' }), s('mine', 'status'))),
      'pods "mine" is forbidden: node "n1" cannot update labels through pod status',
    );
    const eviction = (name: string) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'ns' } });
    await run(plugin, 'CREATE', eviction('mine'), undefined, s('mine', 'eviction'));
    assert.equal(await msg(run(plugin, 'CREATE', eviction('theirs'), undefined, s('theirs', 'eviction'))), 'pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself');
    assert.equal(await msg(run(plugin, 'CREATE', eviction('x'), undefined, s('mine', 'exec'))), 'pods "mine" is forbidden: unexpected pod subresource "exec", only \'status\' and \'eviction\' are allowed');
  });

  test('persistentvolumeclaims: status capacity and conditions only', async () => {
    const { plugin } = setup();
    const s = (subresource: string) => scope('', 'persistentvolumeclaims', { namespace: 'ns', name: 'data', subresource, user: n1 });
    const claim = (status: Record<string, unknown>, labels?: Record<string, string>) => ({ metadata: { name: 'data', namespace: 'ns', resourceVersion: '1', ...(labels ? { labels } : {}) }, spec: {}, status });
    await run(plugin, 'UPDATE', claim({ phase: 'Bound', capacity: { storage: '2Gi' } }), claim({ phase: 'Bound', capacity: { storage: '1Gi' } }), s('status'));
    const err = await msg(run(plugin, 'UPDATE', claim({ phase: 'Lost' }), claim({ phase: 'Bound' }), s('status')));
    assert.match(err, /^persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.quantity and status.conditions: status.phase: "Bound" -> "Lost"$/);
    assert.equal(await msg(run(plugin, 'UPDATE', claim({}), claim({}), s(''))), 'persistentvolumeclaims "data" is forbidden: may only update PVC status');
  });

  test('leases, CSINodes and ResourceSlices of its own', async () => {
    const { plugin } = setup();
    const lease = (name: string) => ({ metadata: { name, namespace: 'kube-node-lease' } });
    await run(plugin, 'CREATE', lease('n1'), undefined, scope('coordination.k8s.io', 'leases', { namespace: 'kube-node-lease', user: n1 }));
    assert.equal(await msg(run(plugin, 'CREATE', lease('n2'), undefined, scope('coordination.k8s.io', 'leases', { namespace: 'kube-node-lease', user: n1 }))), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
    assert.equal(await msg(run(plugin, 'UPDATE', lease('n2'), lease('n2'), scope('coordination.k8s.io', 'leases', { namespace: 'kube-node-lease', name: 'n2', user: n1 }))), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
    assert.equal(await msg(run(plugin, 'CREATE', { metadata: { name: 'n1' } }, undefined, scope('coordination.k8s.io', 'leases', { namespace: 'default', user: n1 }))), 'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace');
    assert.equal(await msg(run(plugin, 'CREATE', { metadata: { name: 'n2' } }, undefined, scope('storage.k8s.io', 'csinodes', { user: n1 }))), 'csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node');
    await run(plugin, 'CREATE', { metadata: { name: 's1' }, spec: { nodeName: 'n1' } }, undefined, scope('resource.k8s.io', 'resourceslices', { user: n1 }));
    assert.equal(await msg(run(plugin, 'CREATE', { metadata: { name: 's2' }, spec: { nodeName: 'n2' } }, undefined, scope('resource.k8s.io', 'resourceslices', { user: n1 }))), 'resourceslices.resource.k8s.io "s2" is forbidden: can only create ResourceSlice with the same NodeName as the requesting node');
    assert.equal(await msg(run(plugin, 'DELETE', undefined, { metadata: { name: 's2' }, spec: { nodeName: 'n2' } }, scope('resource.k8s.io', 'resourceslices', { name: 's2', user: n1 }))), 'resourceslices.resource.k8s.io "s2" is forbidden: can only delete ResourceSlice with the same NodeName as the requesting node');
  });

  test('service account tokens only bound to its own pods', async () => {
    const { plugin } = setup();
    const s = () => scope('', 'serviceaccounts', { namespace: 'ns', name: 'default', subresource: 'token', user: n1 });
    const tr = (ref?: Record<string, unknown>) => ({ kind: 'TokenRequest', spec: { audiences: [], ...(ref ? { boundObjectRef: ref } : {}) } });
    await run(plugin, 'CREATE', tr({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'pod-uid-mine' }), undefined, s());
    assert.equal(await msg(run(plugin, 'CREATE', tr(), undefined, s())), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
    assert.equal(await msg(run(plugin, 'CREATE', tr({ apiVersion: 'v1', kind: 'Pod', name: 'mine' }), undefined, s())), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
    assert.equal(await msg(run(plugin, 'CREATE', tr({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'pod-uid-theirs' }), undefined, s())), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
    assert.equal(
      await msg(run(plugin, 'CREATE', tr({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'stale' }), undefined, s())),
      'serviceaccounts "default" is forbidden: the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated',
    );
  });
});
