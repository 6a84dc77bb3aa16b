import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy, controllerNames, nodeRules } from '../../../src/apiserver/authz/bootstrappolicy.js';

describe('bootstrap policy', () => {
  const p = bootstrapPolicy();
  const all = [...p.clusterRoles, ...p.clusterRoleBindings, ...Object.values(p.roles).flat(), ...Object.values(p.roleBindings).flat()];

  test('every object is labelled and annotated for reconciliation', () => {
    for (const o of all) {
      assert.equal(o.apiVersion, 'rbac.authorization.k8s.io/v1');
      assert.equal(o.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata.name);
      assert.equal(o.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata.name);
    }
  });

  test('names are unique and bindings point at existing roles', () => {
    const crNames = p.clusterRoles.map((r) => r.metadata.name);
    assert.equal(new Set(crNames).size, crNames.length);
    const crbNames = p.clusterRoleBindings.map((r) => r.metadata.name);
    assert.equal(new Set(crbNames).size, crbNames.length);
    for (const b of p.clusterRoleBindings) assert.ok(crNames.includes(b.roleRef.name), b.metadata.name);
    for (const [ns, bindings] of Object.entries(p.roleBindings)) {
      for (const b of bindings) {
        assert.equal(b.metadata.namespace, ns);
        assert.ok(p.roles[ns].some((r) => r.metadata.name === b.roleRef.name), `${ns}/${b.roleRef.name}`);
      }
    }
  });

  test('the upstream default roles exist', () => {
    const names = new Set(p.clusterRoles.map((r) => r.metadata.name));
    for (const n of [
      'cluster-admin', 'admin', 'edit', 'view', 'system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view',
      'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:monitoring', 'system:node', 'system:node-proxier',
      'system:node-bootstrapper', 'system:node-problem-detector', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:kube-dns',
      'system:kube-aggregator', 'system:auth-delegator', 'system:heapster', 'system:kubelet-api-admin', 'system:service-account-issuer-discovery',
      'system:volume-scheduler', 'system:persistent-volume-provisioner',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      'system:certificates.k8s.io:kube-apiserver-client-approver', 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
      'system:certificates.k8s.io:kubelet-serving-approver', 'system:certificates.k8s.io:legacy-unknown-approver',
    ]) assert.ok(names.has(n), n);
    assert.equal(p.roles['kube-system'].length, 6);
    assert.deepEqual(p.roles['kube-public'].map((r) => r.metadata.name), ['system:controller:bootstrap-signer']);
  });

  test('controller roles and their service-account bindings', () => {
    const expected = [
      'attachdetach-controller', 'certificate-controller', 'clusterrole-aggregation-controller', 'cronjob-controller', 'daemon-set-controller',
      'deployment-controller', 'disruption-controller', 'endpoint-controller', 'endpointslice-controller', 'endpointslicemirroring-controller',
      'ephemeral-volume-controller', 'expand-controller', 'generic-garbage-collector', 'horizontal-pod-autoscaler', 'job-controller',
      'legacy-service-account-token-cleaner', 'namespace-controller', 'node-controller', 'persistent-volume-binder', 'pod-garbage-collector',
      'pv-protection-controller', 'pvc-protection-controller', 'replicaset-controller', 'replication-controller', 'resourcequota-controller',
      'root-ca-cert-publisher', 'route-controller', 'service-account-controller', 'service-controller', 'statefulset-controller',
      'taint-eviction-controller', 'ttl-after-finished-controller', 'ttl-controller', 'validatingadmissionpolicy-status-controller',
    ];
    assert.deepEqual(controllerNames(), expected);
    for (const n of expected) {
      assert.ok(p.clusterRoles.some((r) => r.metadata.name === `system:controller:${n}`), n);
      const b = p.clusterRoleBindings.find((r) => r.metadata.name === `system:controller:${n}`)!;
      assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: n, namespace: 'kube-system' }]);
    }
  });

  test('default bindings', () => {
    const b = (n: string) => p.clusterRoleBindings.find((x) => x.metadata.name === n)!;
    assert.deepEqual(b('cluster-admin').subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
    assert.deepEqual(b('system:public-info-viewer').subjects.map((s: { name: string }) => s.name), ['system:authenticated', 'system:unauthenticated']);
    assert.deepEqual(b('system:discovery').subjects.map((s: { name: string }) => s.name), ['system:authenticated']);
    assert.equal(b('system:node').subjects, undefined, 'no subjects: the Node authorizer grants node permissions');
    assert.deepEqual(b('system:node-proxier').subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-proxy' }]);
  });

  test('rule lists are sorted as upstream builds them; aggregated roles start without rules', () => {
    for (const r of p.clusterRoles) {
      if (r.aggregationRule) {
        assert.equal(r.rules, undefined);
        continue;
      }
      for (const rule of r.rules) for (const f of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
        if (rule[f]) assert.deepEqual(rule[f], [...rule[f]].sort(), `${r.metadata.name} ${f}`);
      }
    }
    assert.ok(!nodeRules().some((r) => r.apiGroups?.includes('resource.k8s.io')));
    assert.ok(nodeRules({ dynamicResourceAllocation: true }).some((r) => r.resources?.includes('resourceclaims')));
  });
});
