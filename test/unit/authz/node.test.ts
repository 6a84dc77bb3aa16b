import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../src/apimachinery/errors.js';
import { NodeAuthorizer, checkNodeRestriction, nodeIdentity, podReferences, type AttributesWithSelectors } from '../../../src/apiserver/authz/node.js';
import { MemorySource, res, nonRes, user } from './helpers.js';

const node = (name: string) => user(`system:node:${name}`, ['system:nodes', 'system:authenticated']);
const n0 = node('node-0');

function pod(ns: string, name: string, nodeName: string | undefined, spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'i' }], ...spec }, ...extra };
}

function setup(opts?: ConstructorParameters<typeof NodeAuthorizer>[1]) {
  const src = new MemorySource();
  src.put('', 'pods', pod('app', 'web-0', 'node-0', {
    serviceAccountName: 'web',
    imagePullSecrets: [{ name: 'regcred' }],
    containers: [{
      name: 'c',
      image: 'i',
      envFrom: [{ secretRef: { name: 'env-secret' } }, { configMapRef: { name: 'env-cm' } }],
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'key-secret', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'key-cm', key: 'k' } } }],
    }],
    volumes: [
      { name: 'sec', secret: { secretName: 'vol-secret' } },
      { name: 'cm', configMap: { name: 'vol-cm' } },
      { name: 'proj', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }, { serviceAccountToken: { path: 't' } }] } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
      { name: 'csi', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
    ],
  }));
  src.put('', 'pods', pod('app', 'web-1', 'node-1', { volumes: [{ name: 's', secret: { secretName: 'other-secret' } }] }));
  src.put('', 'persistentvolumes', { kind: 'PersistentVolume', metadata: { name: 'pv-data' }, spec: { claimRef: { namespace: 'app', name: 'data' }, csi: { driver: 'd', nodeStageSecretRef: { namespace: 'storage', name: 'stage-secret' } } } });
  src.put('storage.k8s.io', 'volumeattachments', { kind: 'VolumeAttachment', metadata: { name: 'va-0' }, spec: { nodeName: 'node-0', attacher: 'd', source: { persistentVolumeName: 'pv-data' } } });
  return { src, authz: new NodeAuthorizer(src, opts) };
}

const NO_REL = "no relationship found between node 'node-0' and this object";

describe('Node authorizer', () => {
  test('identity: system:node:<name> in system:nodes only', () => {
    assert.deepEqual(nodeIdentity(n0), { isNode: true, nodeName: 'node-0' });
    assert.deepEqual(nodeIdentity(user('system:node:node-0', ['system:authenticated'])), { isNode: false, nodeName: '' });
    assert.deepEqual(nodeIdentity(user('node-0', ['system:nodes'])), { isNode: false, nodeName: '' });
    const { authz } = setup();
    assert.deepEqual(authz.authorize(res(user('alice'), 'get', 'secrets', { namespace: 'app', name: 'regcred' })), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(authz.authorize(res(user('system:node:', ['system:nodes']), 'get', 'nodes', { name: 'x' })), { decision: 'NoOpinion', reason: 'unknown node for user "system:node:"' });
    assert.deepEqual(authz.rulesFor(n0), { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
    assert.equal(authz.rulesFor(user('alice')).incomplete, false);
  });

  test('secrets and configmaps used by pods bound to the node, and only those', () => {
    const { authz } = setup();
    for (const s of ['regcred', 'env-secret', 'key-secret', 'vol-secret', 'proj-secret', 'csi-secret']) {
      assert.equal(authz.authorize(res(n0, 'get', 'secrets', { namespace: 'app', name: s })).decision, 'Allow', s);
    }
    for (const c of ['env-cm', 'key-cm', 'vol-cm', 'proj-cm']) {
      assert.equal(authz.authorize(res(n0, 'get', 'configmaps', { namespace: 'app', name: c })).decision, 'Allow', c);
    }
    // watch of a single named object (fieldSelector metadata.name) is a read too
    assert.equal(authz.authorize(res(n0, 'watch', 'secrets', { namespace: 'app', name: 'regcred' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'get', 'secrets', { namespace: 'app', name: 'other-secret' })), { decision: 'NoOpinion', reason: NO_REL });
    assert.equal(authz.authorize(res(node('node-1'), 'get', 'secrets', { namespace: 'app', name: 'other-secret' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'get', 'secrets', { namespace: 'other', name: 'regcred' })), { decision: 'NoOpinion', reason: NO_REL });
    assert.deepEqual(authz.authorize(res(n0, 'list', 'secrets', { namespace: 'app' })), { decision: 'NoOpinion', reason: 'No Object name found' });
    assert.deepEqual(authz.authorize(res(n0, 'update', 'secrets', { namespace: 'app', name: 'regcred' })), { decision: 'NoOpinion', reason: 'can only read resources of this type' });
    assert.deepEqual(authz.authorize(res(n0, 'list', 'secrets')), { decision: 'NoOpinion', reason: 'can only read namespaced object of this type' });
  });

  test('PVCs, their PVs (and the PV secrets), VolumeAttachments', () => {
    const { authz } = setup();
    assert.equal(authz.authorize(res(n0, 'get', 'persistentvolumeclaims', { namespace: 'app', name: 'data' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'get', 'persistentvolumeclaims', { namespace: 'app', name: 'web-0-scratch' })).decision, 'Allow', 'ephemeral volume claim');
    assert.deepEqual(authz.authorize(res(n0, 'list', 'persistentvolumeclaims', { namespace: 'app', name: 'data' })), { decision: 'NoOpinion', reason: 'can only get individual resources of this type' });
    assert.equal(authz.authorize(res(n0, 'patch', 'persistentvolumeclaims', { namespace: 'app', name: 'data', subresource: 'status' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'get', 'persistentvolumeclaims', { namespace: 'app', name: 'data', subresource: 'status' })), { decision: 'NoOpinion', reason: 'can only get/update/patch this type' });
    assert.equal(authz.authorize(res(n0, 'get', 'persistentvolumes', { name: 'pv-data' })).decision, 'Allow');
    assert.equal(authz.authorize(res(node('node-1'), 'get', 'persistentvolumes', { name: 'pv-data' })).decision, 'NoOpinion');
    assert.equal(authz.authorize(res(n0, 'get', 'secrets', { namespace: 'storage', name: 'stage-secret' })).decision, 'Allow', 'secret → pv → pvc → pod → node');
    assert.equal(authz.authorize(res(n0, 'get', 'storage.k8s.io/volumeattachments', { name: 'va-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(node('node-1'), 'get', 'storage.k8s.io/volumeattachments', { name: 'va-0' })).decision, 'NoOpinion');
  });

  test('service account tokens for its pods only', () => {
    const { authz } = setup();
    assert.equal(authz.authorize(res(n0, 'create', 'serviceaccounts', { namespace: 'app', name: 'web', subresource: 'token' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'create', 'serviceaccounts', { namespace: 'app', name: 'default', subresource: 'token' })), { decision: 'NoOpinion', reason: NO_REL });
    assert.deepEqual(authz.authorize(res(n0, 'get', 'serviceaccounts', { namespace: 'app', name: 'web' })), { decision: 'NoOpinion', reason: 'can only create tokens for individual service accounts' });
    assert.deepEqual(authz.authorize(res(n0, 'create', 'serviceaccounts', { namespace: 'app', name: 'web' })), { decision: 'NoOpinion', reason: 'can only create token subresource of serviceaccount' });
  });

  test('its own Node and status; not other nodes', () => {
    const { authz } = setup();
    assert.equal(authz.authorize(res(n0, 'get', 'nodes', { name: 'node-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'watch', 'nodes', { name: 'node-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'create', 'nodes')).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'patch', 'nodes', { name: 'node-0', subresource: 'status' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'get', 'nodes', { name: 'node-1' })), { decision: 'NoOpinion', reason: "node 'node-0' cannot read 'node-1', only its own Node object" });
    assert.deepEqual(authz.authorize(res(n0, 'list', 'nodes')), { decision: 'NoOpinion', reason: "node 'node-0' cannot read all nodes, only its own Node object" });
    assert.equal(authz.authorize(res(n0, 'delete', 'nodes', { name: 'node-0' })).decision, 'NoOpinion');
    // upstream's authorizer leaves the name of status writes to NodeRestriction admission
    const patchOther = res(n0, 'patch', 'nodes', { name: 'node-1', subresource: 'status' });
    assert.equal(authz.authorize(patchOther).decision, 'Allow');
    assert.throws(() => checkNodeRestriction('UPDATE', patchOther, { metadata: { name: 'node-1' } }), (e: unknown) =>
      e instanceof StatusError && e.code === 403 && e.message === 'nodes "node-1" is forbidden: node "node-0" is not allowed to modify node "node-1"');
    checkNodeRestriction('UPDATE', res(n0, 'patch', 'nodes', { name: 'node-0', subresource: 'status' }), { metadata: { name: 'node-0' } });
    checkNodeRestriction('UPDATE', res(user('admin', ['system:masters']), 'patch', 'nodes', { name: 'node-1' }));
  });

  test('its own Lease in kube-node-lease', () => {
    const { authz } = setup();
    assert.equal(authz.authorize(res(n0, 'update', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease', name: 'node-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'get', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease', name: 'node-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'create', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'update', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease', name: 'node-1' })), { decision: 'NoOpinion', reason: 'can only access node lease with the same name as the requesting node' });
    assert.deepEqual(authz.authorize(res(n0, 'update', 'coordination.k8s.io/leases', { namespace: 'kube-system', name: 'node-0' })), { decision: 'NoOpinion', reason: 'can only access leases in the "kube-node-lease" system namespace' });
    assert.deepEqual(authz.authorize(res(n0, 'list', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease' })), { decision: 'NoOpinion', reason: 'can only get, create, update, patch, or delete a node lease' });
    assert.throws(() => checkNodeRestriction('CREATE', res(n0, 'create', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease' }), { metadata: { name: 'node-1' } }), /leases.coordination.k8s.io "node-1" is forbidden: can only access node lease/);
  });

  test('pods: get its pods, list/watch with spec.nodeName selector, status of its pods, mirror pods', () => {
    const { authz } = setup();
    assert.equal(authz.authorize(res(n0, 'get', 'pods', { namespace: 'app', name: 'web-0' })).decision, 'Allow');
    assert.deepEqual(authz.authorize(res(n0, 'get', 'pods', { namespace: 'app', name: 'web-1' })), { decision: 'NoOpinion', reason: NO_REL });
    assert.deepEqual(authz.authorize(res(n0, 'list', 'pods')), { decision: 'NoOpinion', reason: 'can only list/watch pods with spec.nodeName field selector' });
    const scoped: AttributesWithSelectors = { ...res(n0, 'watch', 'pods'), fieldSelector: [{ field: 'spec.nodeName', operator: '=', value: 'node-0' }] };
    assert.equal(authz.authorize(scoped).decision, 'Allow');
    const wrong: AttributesWithSelectors = { ...res(n0, 'watch', 'pods'), fieldSelector: [{ field: 'spec.nodeName', operator: '=', value: 'node-1' }] };
    assert.equal(authz.authorize(wrong).decision, 'NoOpinion');
    assert.equal(authz.authorize(res(n0, 'update', 'pods', { namespace: 'app', name: 'web-0', subresource: 'status' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'create', 'pods', { namespace: 'app', name: 'web-0', subresource: 'eviction' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'update', 'pods', { namespace: 'app', name: 'web-0' })).decision, 'NoOpinion');
    assert.throws(() => checkNodeRestriction('UPDATE', res(n0, 'update', 'pods', { namespace: 'app', name: 'web-1', subresource: 'status' }), undefined, pod('app', 'web-1', 'node-1')), /can only update pod status for pods with spec.nodeName set to itself/);
    assert.throws(() => checkNodeRestriction('CREATE', res(n0, 'create', 'pods', { namespace: 'app' }), pod('app', 'x', 'node-0')), /pods "x" is forbidden: pod does not have "kubernetes.io\/config.mirror" annotation, node "node-0" can only create mirror pods/);
    checkNodeRestriction('CREATE', res(n0, 'create', 'pods', { namespace: 'app' }), { ...pod('app', 'x', 'node-0'), metadata: { namespace: 'app', name: 'x', annotations: { 'kubernetes.io/config.mirror': 'h' } } });
  });

  test('everything else from the static node rules: events, CSRs, services, tokenreviews', () => {
    const { authz } = setup();
    assert.equal(authz.authorize(res(n0, 'create', 'events', { namespace: 'app' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'create', 'certificates.k8s.io/certificatesigningrequests')).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'watch', 'services')).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'get', 'endpoints', { namespace: 'a', name: 'e' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'create', 'authentication.k8s.io/tokenreviews')).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'list', 'node.k8s.io/runtimeclasses')).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'get', 'storage.k8s.io/csinodes', { name: 'node-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'get', 'storage.k8s.io/csinodes', { name: 'node-1' })).decision, 'NoOpinion');
    assert.deepEqual(authz.authorize(res(n0, 'create', 'apps/deployments', { namespace: 'a' })), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(authz.authorize(res(n0, 'delete', 'events', { namespace: 'a', name: 'e' })), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(authz.authorize(nonRes(n0, 'get', '/healthz')), { decision: 'NoOpinion', reason: '' });
  });

  test('graph follows pods being rebound, deleted and created', () => {
    const { src, authz } = setup();
    const get = (name: string, who = n0) => authz.authorize(res(who, 'get', 'secrets', { namespace: 'app', name })).decision;
    assert.equal(get('other-secret'), 'NoOpinion');
    // a second pod on node-0 using other-secret
    src.put('', 'pods', pod('app', 'web-2', 'node-0', { volumes: [{ name: 's', secret: { secretName: 'other-secret' } }] }));
    assert.equal(get('other-secret'), 'Allow');
    // a pending pod grants nothing until bound
    src.put('', 'pods', pod('app', 'pending', undefined, { volumes: [{ name: 's', secret: { secretName: 'pending-secret' } }] }));
    assert.equal(get('pending-secret'), 'NoOpinion');
    src.put('', 'pods', pod('app', 'pending', 'node-0', { volumes: [{ name: 's', secret: { secretName: 'pending-secret' } }] }));
    assert.equal(get('pending-secret'), 'Allow');
    // moved to node-1 (delete + recreate elsewhere)
    src.delete('', 'pods', 'app', 'pending');
    assert.equal(get('pending-secret'), 'NoOpinion');
    src.put('', 'pods', pod('app', 'pending', 'node-1', { volumes: [{ name: 's', secret: { secretName: 'pending-secret' } }] }));
    assert.equal(get('pending-secret'), 'NoOpinion');
    assert.equal(get('pending-secret', node('node-1')), 'Allow');
    // deleting web-0 revokes everything it referenced, including the PV and its secret
    src.delete('', 'pods', 'app', 'web-0');
    assert.equal(get('regcred'), 'NoOpinion');
    assert.equal(authz.authorize(res(n0, 'get', 'persistentvolumes', { name: 'pv-data' })).decision, 'NoOpinion');
    assert.equal(authz.authorize(res(n0, 'get', 'secrets', { namespace: 'storage', name: 'stage-secret' })).decision, 'NoOpinion');
    assert.equal(authz.authorize(res(n0, 'create', 'serviceaccounts', { namespace: 'app', name: 'web', subresource: 'token' })).decision, 'NoOpinion');
    // a secret shared by two pods stays readable while one remains
    src.put('', 'pods', pod('app', 'a', 'node-0', { imagePullSecrets: [{ name: 'shared' }] }));
    src.put('', 'pods', pod('app', 'b', 'node-0', { imagePullSecrets: [{ name: 'shared' }] }));
    src.delete('', 'pods', 'app', 'a');
    assert.equal(get('shared'), 'Allow');
    src.put('', 'pods', pod('app', 'b', 'node-0', {}));
    assert.equal(get('shared'), 'NoOpinion');
    // PV rebinding to another claim
    src.put('', 'persistentvolumes', { kind: 'PersistentVolume', metadata: { name: 'pv-data' }, spec: { claimRef: { namespace: 'app', name: 'other' } } });
    src.put('', 'pods', pod('app', 'c', 'node-0', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'other' } }] }));
    assert.equal(authz.authorize(res(n0, 'get', 'persistentvolumes', { name: 'pv-data' })).decision, 'Allow');
  });

  test('resource claims (DynamicResourceAllocation)', () => {
    const off = setup();
    assert.deepEqual(off.authz.authorize(res(n0, 'get', 'resource.k8s.io/resourceclaims', { namespace: 'app', name: 'gpu' })), { decision: 'NoOpinion', reason: 'disabled by feature gate DynamicResourceAllocation' });
    const { src, authz } = setup({ features: { DynamicResourceAllocation: true } });
    src.put('', 'pods', pod('app', 'ml', 'node-0', { resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }, { name: 'tpl', resourceClaimTemplateName: 't' }] }, { status: { resourceClaimStatuses: [{ name: 'tpl', resourceClaimName: 'ml-tpl-abc' }] } }));
    assert.equal(authz.authorize(res(n0, 'get', 'resource.k8s.io/resourceclaims', { namespace: 'app', name: 'gpu-claim' })).decision, 'Allow');
    assert.equal(authz.authorize(res(n0, 'get', 'resource.k8s.io/resourceclaims', { namespace: 'app', name: 'ml-tpl-abc' })).decision, 'Allow');
    assert.equal(authz.authorize(res(node('node-1'), 'get', 'resource.k8s.io/resourceclaims', { namespace: 'app', name: 'gpu-claim' })).decision, 'NoOpinion');
    assert.equal(authz.authorize(res(n0, 'create', 'resource.k8s.io/resourceslices')).decision, 'Allow');
    src.put('resource.k8s.io', 'resourceslices', { kind: 'ResourceSlice', metadata: { name: 'slice-0' }, spec: { nodeName: 'node-0' } });
    assert.equal(authz.authorize(res(n0, 'update', 'resource.k8s.io/resourceslices', { name: 'slice-0' })).decision, 'Allow');
    assert.equal(authz.authorize(res(node('node-1'), 'update', 'resource.k8s.io/resourceslices', { name: 'slice-0' })).decision, 'NoOpinion');
  });

  test('podReferences', () => {
    const refs = podReferences(pod('ns', 'p', 'n', {
      serviceAccountName: 'sa',
      initContainers: [{ name: 'i', env: [{ name: 'x', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }] }],
      ephemeralContainers: [{ name: 'e', envFrom: [{ configMapRef: { name: 'debug-cm' } }] }],
      volumes: [{ name: 'r', rbd: { secretRef: { name: 'rbd-secret' } } }],
    }));
    assert.deepEqual(refs.sort(), [['configmap', 'debug-cm'], ['secret', 'init-secret'], ['secret', 'rbd-secret'], ['serviceaccount', 'sa']]);
  });
});
