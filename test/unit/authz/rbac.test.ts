import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RBACAuthorizer, ruleAllows } from '../../../src/apiserver/authz/rbac.js';
import { RBAC_GROUP } from '../../../src/apiserver/authz/bootstrappolicy.js';
import { ANONYMOUS, G, MemorySource, SA, U, clusterRoleBinding, loadBootstrap, nonRes, res, roleBinding, serviceAccountUser, user } from './helpers.js';

function setup() {
  const src = new MemorySource();
  loadBootstrap(src);
  return { src, rbac: new RBACAuthorizer(src) };
}

const allowed = (r: { decision: string }) => r.decision === 'Allow';

describe('RBAC over the bootstrap policy', () => {
  test('system:masters may do everything', () => {
    const { rbac } = setup();
    const admin = user('root', ['system:masters', 'system:authenticated']);
    for (const a of [
      res(admin, 'delete', 'nodes', { name: 'n1' }),
      res(admin, 'get', 'secrets', { namespace: 'kube-system', name: 'x' }),
      res(admin, 'create', 'apps/deployments', { namespace: 'default' }),
      res(admin, 'escalate', 'rbac.authorization.k8s.io/clusterroles'),
      res(admin, 'update', 'pods', { namespace: 'a', name: 'p', subresource: 'status' }),
      nonRes(admin, 'get', '/metrics'),
      nonRes(admin, 'post', '/anything/at/all'),
    ]) {
      assert.ok(allowed(rbac.authorize(a)), `${a.verb} ${a.resource || a.path}`);
    }
    const r = rbac.authorize(res(admin, 'list', 'pods'));
    assert.equal(r.reason, 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"');
  });

  test('view: read pods, not secrets, no writes', () => {
    const { src, rbac } = setup();
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('alice-view', 'view', [U('alice')]));
    const alice = user('alice');
    assert.ok(allowed(rbac.authorize(res(alice, 'list', 'pods', { namespace: 'default' }))));
    assert.ok(allowed(rbac.authorize(res(alice, 'get', 'pods', { namespace: 'default', name: 'p', subresource: 'log' }))));
    assert.ok(allowed(rbac.authorize(res(alice, 'watch', 'apps/deployments', { namespace: 'x' }))));
    assert.ok(allowed(rbac.authorize(res(alice, 'get', 'apps/deployments', { namespace: 'x', name: 'd', subresource: 'scale' }))));
    assert.equal(rbac.authorize(res(alice, 'get', 'secrets', { namespace: 'default', name: 's' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(alice, 'list', 'secrets', { namespace: 'default' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(alice, 'create', 'pods', { namespace: 'default' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(alice, 'create', 'pods', { namespace: 'default', name: 'p', subresource: 'exec' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(alice, 'list', 'rbac.authorization.k8s.io/roles', { namespace: 'default' })).decision, 'NoOpinion');
  });

  test('edit: create deployments and read secrets, not roles', () => {
    const { src, rbac } = setup();
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('bob-edit', 'edit', [U('bob')]));
    const bob = user('bob');
    assert.ok(allowed(rbac.authorize(res(bob, 'create', 'apps/deployments', { namespace: 'default' }))));
    assert.ok(allowed(rbac.authorize(res(bob, 'patch', 'apps/deployments', { namespace: 'default', name: 'd', subresource: 'scale' }))));
    assert.ok(allowed(rbac.authorize(res(bob, 'get', 'secrets', { namespace: 'default', name: 's' }))));
    assert.ok(allowed(rbac.authorize(res(bob, 'create', 'pods', { namespace: 'default', name: 'p', subresource: 'exec' }))));
    assert.ok(allowed(rbac.authorize(res(bob, 'list', 'pods', { namespace: 'default' }))), 'edit includes view');
    assert.equal(rbac.authorize(res(bob, 'create', 'rbac.authorization.k8s.io/rolebindings', { namespace: 'default' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(bob, 'update', 'resourcequotas', { namespace: 'default', name: 'q' })).decision, 'NoOpinion');
  });

  test('aggregation gives admin the aggregate-to-admin, edit and view rules', () => {
    const { src, rbac } = setup();
    const admin = src.get(RBAC_GROUP, 'clusterroles', '', 'admin')!;
    assert.ok(admin.rules.length > 20);
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('team', 'carol-admin', 'ClusterRole', 'admin', [U('carol')]));
    const carol = user('carol');
    assert.ok(allowed(rbac.authorize(res(carol, 'create', 'rbac.authorization.k8s.io/rolebindings', { namespace: 'team' }))));
    assert.ok(allowed(rbac.authorize(res(carol, 'create', 'authorization.k8s.io/localsubjectaccessreviews', { namespace: 'team' }))));
    assert.ok(allowed(rbac.authorize(res(carol, 'delete', 'apps/statefulsets', { namespace: 'team', name: 's' }))));
    assert.ok(allowed(rbac.authorize(res(carol, 'get', 'endpoints', { namespace: 'team', name: 'e' }))));
    // scoped to the binding's namespace
    assert.equal(rbac.authorize(res(carol, 'create', 'rbac.authorization.k8s.io/rolebindings', { namespace: 'other' })).decision, 'NoOpinion');
  });

  test('ServiceAccount subject via the system:serviceaccounts group and by name', () => {
    const { src, rbac } = setup();
    const sa = serviceAccountUser('ns1', 'builder');
    // issuer discovery is bound to all service accounts
    assert.ok(allowed(rbac.authorize(nonRes(sa, 'get', '/openid/v1/jwks'))));
    assert.ok(allowed(rbac.authorize(nonRes(sa, 'get', '/.well-known/openid-configuration/'))));
    assert.equal(rbac.authorize(nonRes(user('human'), 'get', '/openid/v1/jwks')).decision, 'NoOpinion');

    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('sa-group-view', 'view', [G('system:serviceaccounts:ns1')]));
    assert.ok(allowed(rbac.authorize(res(sa, 'list', 'configmaps', { namespace: 'anywhere' }))));
    assert.equal(rbac.authorize(res(serviceAccountUser('ns2', 'builder'), 'list', 'configmaps', { namespace: 'anywhere' })).decision, 'NoOpinion');

    // RoleBinding with a ServiceAccount subject without namespace: the binding's namespace
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('ns1', 'builder-edit', 'ClusterRole', 'edit', [{ kind: 'ServiceAccount', name: 'builder' }]));
    const r = rbac.authorize(res(sa, 'create', 'apps/deployments', { namespace: 'ns1' }));
    assert.equal(r.decision, 'Allow');
    assert.equal(r.reason, 'RBAC: allowed by RoleBinding "builder-edit/ns1" of ClusterRole "edit" to ServiceAccount "builder/ns1"');
    // ClusterRoleBinding ServiceAccount subject needs a namespace
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('nons', 'cluster-admin', [{ kind: 'ServiceAccount', name: 'builder' }]));
    assert.equal(rbac.authorize(res(sa, 'delete', 'nodes', { name: 'n' })).decision, 'NoOpinion');
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('withns', 'cluster-admin', [SA('ns1', 'builder')]));
    assert.equal(rbac.authorize(res(sa, 'delete', 'nodes', { name: 'n' })).decision, 'Allow');
  });

  test('RoleBinding to a ClusterRole is scoped to its namespace; Role references stay in the namespace', () => {
    const { src, rbac } = setup();
    const dave = user('dave');
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('dev', 'dave-view', 'ClusterRole', 'view', [U('dave')]));
    assert.ok(allowed(rbac.authorize(res(dave, 'list', 'pods', { namespace: 'dev' }))));
    assert.equal(rbac.authorize(res(dave, 'list', 'pods', { namespace: 'prod' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(dave, 'list', 'pods')).decision, 'NoOpinion', 'all-namespaces list');
    src.put(RBAC_GROUP, 'roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'cm-writer', namespace: 'dev' },
      rules: [{ verbs: ['update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }],
    });
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('dev', 'dave-cm', 'Role', 'cm-writer', [U('dave')]));
    assert.ok(allowed(rbac.authorize(res(dave, 'update', 'configmaps', { namespace: 'dev', name: 'settings' }))));
    assert.equal(rbac.authorize(res(dave, 'update', 'configmaps', { namespace: 'dev', name: 'other' })).decision, 'NoOpinion');
    // a binding in another namespace to a Role of the same name that does not exist there
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('prod', 'dave-cm', 'Role', 'cm-writer', [U('dave')]));
    const r = rbac.authorize(res(dave, 'update', 'configmaps', { namespace: 'prod', name: 'settings' }));
    assert.equal(r.decision, 'NoOpinion');
    assert.equal(r.reason, 'RBAC: role.rbac.authorization.k8s.io "cm-writer" not found');
  });

  test('missing ClusterRole is reported in the reason, other bindings still apply', () => {
    const { src, rbac } = setup();
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('dangling', 'x', [U('erin')]));
    const erin = user('erin');
    let r = rbac.authorize(res(erin, 'get', 'pods', { namespace: 'a', name: 'p' }));
    assert.equal(r.decision, 'NoOpinion');
    assert.equal(r.reason, 'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found');
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('dangling2', 'y', [U('erin')]));
    r = rbac.authorize(res(erin, 'get', 'pods', { namespace: 'a', name: 'p' }));
    assert.equal(r.reason, 'RBAC: [clusterrole.rbac.authorization.k8s.io "x" not found, clusterrole.rbac.authorization.k8s.io "y" not found]');
    // the basic-user rules still work
    assert.equal(rbac.authorize(res(erin, 'create', 'authorization.k8s.io/selfsubjectaccessreviews')).decision, 'Allow');
    // creating the role fixes it (lazy rebuild on version change)
    src.put(RBAC_GROUP, 'clusterroles', { kind: 'ClusterRole', metadata: { name: 'x' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    r = rbac.authorize(res(erin, 'get', 'pods', { namespace: 'a', name: 'p' }));
    assert.equal(r.decision, 'Allow');
  });

  test('anonymous: /healthz, /version and /livez via system:public-info-viewer, not discovery or metrics', () => {
    const { rbac } = setup();
    for (const p of ['/healthz', '/livez', '/readyz', '/version', '/version/']) assert.ok(allowed(rbac.authorize(nonRes(ANONYMOUS, 'get', p))), p);
    const r = rbac.authorize(nonRes(ANONYMOUS, 'get', '/healthz'));
    assert.equal(r.reason, 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"');
    assert.equal(rbac.authorize(nonRes(ANONYMOUS, 'get', '/apis')).decision, 'NoOpinion');
    assert.equal(rbac.authorize(nonRes(ANONYMOUS, 'get', '/metrics')).decision, 'NoOpinion');
    assert.equal(rbac.authorize(nonRes(ANONYMOUS, 'post', '/healthz')).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(ANONYMOUS, 'get', 'namespaces', { name: 'default' })).decision, 'NoOpinion');
    // authenticated users get discovery
    const u = user('frank');
    assert.ok(allowed(rbac.authorize(nonRes(u, 'get', '/apis/apps/v1'))));
    assert.ok(allowed(rbac.authorize(nonRes(u, 'get', '/openapi/v3'))));
    assert.equal(rbac.authorize(nonRes(u, 'get', '/healthz/etcd')).decision, 'NoOpinion');
    // system:monitoring gets the individual checks and metrics
    const mon = user('prom', ['system:monitoring', 'system:authenticated']);
    assert.ok(allowed(rbac.authorize(nonRes(mon, 'get', '/healthz/etcd'))));
    assert.ok(allowed(rbac.authorize(nonRes(mon, 'get', '/metrics'))));
  });

  test('kube-scheduler permissions', () => {
    const { rbac } = setup();
    const s = user('system:kube-scheduler');
    const ok = [
      res(s, 'create', 'pods', { namespace: 'a', name: 'p', subresource: 'binding' }),
      res(s, 'create', 'bindings', { namespace: 'a' }),
      res(s, 'list', 'nodes'),
      res(s, 'watch', 'pods'),
      res(s, 'delete', 'pods', { namespace: 'a', name: 'p' }),
      res(s, 'patch', 'pods', { namespace: 'a', name: 'p', subresource: 'status' }),
      res(s, 'list', 'storage.k8s.io/csinodes'),
      res(s, 'list', 'storage.k8s.io/volumeattachments'),
      res(s, 'watch', 'policy/poddisruptionbudgets'),
      res(s, 'create', 'coordination.k8s.io/leases', { namespace: 'kube-system' }),
      res(s, 'update', 'coordination.k8s.io/leases', { namespace: 'kube-system', name: 'kube-scheduler' }),
      res(s, 'update', 'persistentvolumes', { name: 'pv' }), // system:volume-scheduler
      res(s, 'get', 'configmaps', { namespace: 'kube-system', name: 'extension-apiserver-authentication' }),
      res(s, 'create', 'events.k8s.io/events', { namespace: 'a' }),
    ];
    for (const a of ok) assert.ok(allowed(rbac.authorize(a)), `${a.verb} ${a.apiGroup}/${a.resource}/${a.subresource} ${a.name}`);
    const no = [
      res(s, 'update', 'coordination.k8s.io/leases', { namespace: 'kube-system', name: 'kube-controller-manager' }),
      res(s, 'get', 'secrets', { namespace: 'a', name: 's' }),
      res(s, 'create', 'pods', { namespace: 'a' }),
      res(s, 'update', 'nodes', { name: 'n' }),
      res(s, 'get', 'configmaps', { namespace: 'kube-system', name: 'other' }),
    ];
    for (const a of no) assert.equal(rbac.authorize(a).decision, 'NoOpinion', `${a.verb} ${a.resource} ${a.name}`);
  });

  test('kube-proxy via system:node-proxier bound to user system:kube-proxy', () => {
    const { rbac } = setup();
    const p = user('system:kube-proxy');
    assert.ok(allowed(rbac.authorize(res(p, 'watch', 'discovery.k8s.io/endpointslices'))));
    assert.ok(allowed(rbac.authorize(res(p, 'list', 'services'))));
    assert.ok(allowed(rbac.authorize(res(p, 'get', 'nodes', { name: 'n1' }))));
    assert.ok(allowed(rbac.authorize(res(p, 'create', 'events', { namespace: 'default' }))));
    assert.equal(rbac.authorize(res(p, 'get', 'services', { namespace: 'a', name: 's' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(p, 'update', 'services', { namespace: 'a', name: 's' })).decision, 'NoOpinion');
  });

  test('controller service accounts', () => {
    const { rbac } = setup();
    const ns = serviceAccountUser('kube-system', 'namespace-controller');
    assert.ok(allowed(rbac.authorize(res(ns, 'deletecollection', 'apps/deployments', { namespace: 'gone' }))));
    assert.ok(allowed(rbac.authorize(res(ns, 'update', 'namespaces', { name: 'gone', subresource: 'finalize' }))));
    const hpa = serviceAccountUser('kube-system', 'horizontal-pod-autoscaler');
    assert.ok(allowed(rbac.authorize(res(hpa, 'update', 'apps/deployments', { namespace: 'a', name: 'd', subresource: 'scale' }))), '*/scale');
    assert.equal(rbac.authorize(res(hpa, 'update', 'apps/deployments', { namespace: 'a', name: 'd' })).decision, 'NoOpinion');
    const signer = serviceAccountUser('kube-system', 'bootstrap-signer');
    assert.ok(allowed(rbac.authorize(res(signer, 'update', 'configmaps', { namespace: 'kube-public', name: 'cluster-info' }))));
    assert.equal(rbac.authorize(res(signer, 'update', 'configmaps', { namespace: 'kube-public', name: 'other' })).decision, 'NoOpinion');
    assert.ok(allowed(rbac.authorize(res(signer, 'list', 'secrets', { namespace: 'kube-system' }))));
    assert.equal(rbac.authorize(res(signer, 'list', 'secrets', { namespace: 'default' })).decision, 'NoOpinion');
  });

  test('nodes get nothing from RBAC by default (the system:node binding has no subjects)', () => {
    const { rbac } = setup();
    const n = user('system:node:node-0', ['system:nodes', 'system:authenticated']);
    assert.equal(rbac.authorize(res(n, 'get', 'secrets', { namespace: 'a', name: 's' })).decision, 'NoOpinion');
    assert.equal(rbac.authorize(res(n, 'create', 'events', { namespace: 'a' })).decision, 'NoOpinion');
  });

  test('rulesFor (SelfSubjectRulesReview)', () => {
    const { src, rbac } = setup();
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('dev', 'g-view', 'ClusterRole', 'view', [U('gina')]));
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('dev', 'dangling', 'Role', 'nope', [U('gina')]));
    const r = rbac.rulesFor(user('gina'), 'dev');
    assert.equal(r.incomplete, false);
    assert.equal(r.evaluationError, 'role.rbac.authorization.k8s.io "nope" not found');
    assert.ok(r.resourceRules.some((x) => x.verbs.includes('create') && x.resources?.includes('selfsubjectrulesreviews')));
    assert.ok(r.resourceRules.some((x) => x.resources?.includes('pods') && x.verbs.includes('list')));
    assert.ok(r.nonResourceRules.some((x) => x.nonResourceURLs?.includes('/healthz')));
    const other = rbac.rulesFor(user('gina'), 'prod');
    assert.equal(other.evaluationError, undefined);
    assert.ok(!other.resourceRules.some((x) => x.resources?.includes('pods')));
  });
});

describe('rule matching', () => {
  const u = user('x');
  test('verbs, groups, resources, subresources, names, URLs', () => {
    const rule = { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments', '*/scale'], resourceNames: ['d1'] };
    assert.ok(ruleAllows(res(u, 'get', 'apps/deployments', { name: 'd1' }), rule));
    assert.ok(ruleAllows(res(u, 'get', 'apps/statefulsets', { name: 'd1', subresource: 'scale' }), rule));
    assert.ok(!ruleAllows(res(u, 'get', 'apps/deployments', { name: 'd2' }), rule));
    assert.ok(!ruleAllows(res(u, 'list', 'apps/deployments'), rule), 'resourceNames never match an unnamed request');
    assert.ok(!ruleAllows(res(u, 'get', 'apps/deployments', { name: 'd1', subresource: 'status' }), rule));
    assert.ok(!ruleAllows(res(u, 'get', 'deployments', { name: 'd1' }), rule));
    assert.ok(ruleAllows(res(u, 'delete', 'pods', { name: 'p', subresource: 'log' }), { verbs: ['*'], apiGroups: [''], resources: ['*'] }));
    assert.ok(!ruleAllows(res(u, 'get', 'pods', { subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods'] }));
    assert.ok(ruleAllows(res(u, 'get', 'pods', { subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }));
    const urls = { verbs: ['get'], nonResourceURLs: ['/healthz', '/logs/*'] };
    assert.ok(ruleAllows(nonRes(u, 'get', '/healthz'), urls));
    assert.ok(!ruleAllows(nonRes(u, 'get', '/healthz/ping'), urls));
    assert.ok(ruleAllows(nonRes(u, 'get', '/logs/kube.log'), urls));
    assert.ok(ruleAllows(nonRes(u, 'get', '/logs/'), urls));
    assert.ok(!ruleAllows(nonRes(u, 'get', '/logs'), urls));
    assert.ok(!ruleAllows(res(u, 'get', 'pods'), urls), 'URL rules never match resources');
    assert.ok(!ruleAllows(nonRes(u, 'get', '/api'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), 'resource rules never match URLs');
  });

  test('index follows version changes (bindings removed, subjects changed)', () => {
    const src = new MemorySource();
    const rbac = new RBACAuthorizer(src);
    src.put(RBAC_GROUP, 'clusterroles', { kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    const hank = user('hank', ['devs']);
    assert.equal(rbac.authorize(res(hank, 'get', 'pods', { namespace: 'a', name: 'p' })).decision, 'NoOpinion');
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('b', 'r', [G('devs')]));
    assert.equal(rbac.authorize(res(hank, 'get', 'pods', { namespace: 'a', name: 'p' })).decision, 'Allow');
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('b', 'r', [G('ops')]));
    assert.equal(rbac.authorize(res(hank, 'get', 'pods', { namespace: 'a', name: 'p' })).decision, 'NoOpinion');
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('b', 'r', [U('hank')]));
    assert.equal(rbac.authorize(res(hank, 'get', 'pods', { namespace: 'a', name: 'p' })).decision, 'Allow');
    src.delete(RBAC_GROUP, 'clusterrolebindings', '', 'b');
    assert.equal(rbac.authorize(res(hank, 'get', 'pods', { namespace: 'a', name: 'p' })).decision, 'NoOpinion');
  });
});
