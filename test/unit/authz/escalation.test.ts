import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../src/apimachinery/errors.js';
import { checkEscalation, compactRules, compactString, covers } from '../../../src/apiserver/authz/escalation.js';
import { RBACAuthorizer } from '../../../src/apiserver/authz/rbac.js';
import { RBAC_GROUP } from '../../../src/apiserver/authz/bootstrappolicy.js';
import { MemorySource, U, clusterRoleBinding, loadBootstrap, roleBinding, user } from './helpers.js';

function setup() {
  const src = new MemorySource();
  loadBootstrap(src);
  const rbac = new RBACAuthorizer(src);
  const check = (op: 'CREATE' | 'UPDATE', obj: Record<string, any>, old: Record<string, any> | undefined, u = user('bob')) => checkEscalation(op, obj, old, u, rbac, rbac);
  return { src, rbac, check };
}

const clusterRole = (name: string, rules: unknown[], extra: Record<string, unknown> = {}) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules, ...extra });
const role = (ns: string, name: string, rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns }, rules });
const getPods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };

function forbidden(fn: () => void, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 403);
    assert.equal(e.reason, 'Forbidden');
    assert.equal(e.message, message);
    return true;
  });
}

describe('escalation prevention', () => {
  test('creating a role with permissions not held is Forbidden, with upstream message', () => {
    const { check } = setup();
    forbidden(
      () => check('CREATE', clusterRole('x', [getPods]), undefined),
      'clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    );
    forbidden(
      () => check('CREATE', role('team', 'r', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets', 'pods'] }, { verbs: ['get'], nonResourceURLs: ['/metrics'] }]), undefined, user('bob', ['devs', 'system:authenticated'])),
      'roles.rbac.authorization.k8s.io "r" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
  });

  test('a role within the permissions held (in the namespace) is allowed', () => {
    const { src, check } = setup();
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('team', 'bob-edit', 'ClusterRole', 'edit', [U('bob')]));
    check('CREATE', role('team', 'reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'secrets'] }]), undefined);
    check('CREATE', role('team', 'nonres', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]), undefined);
    // not in another namespace
    assert.throws(() => check('CREATE', role('prod', 'reader', [getPods]), undefined), /is attempting to grant RBAC permissions not currently held/);
    // edit does not hold roles/rolebindings
    assert.throws(() => check('CREATE', role('team', 'r2', [{ verbs: ['create'], apiGroups: [RBAC_GROUP], resources: ['roles'] }]), undefined), /Resources:\["roles"\], Verbs:\["create"\]/);
  });

  test('escalate on roles/clusterroles skips the check; system:masters always may', () => {
    const { src, check } = setup();
    src.put(RBAC_GROUP, 'clusterroles', clusterRole('role-escalator', [{ verbs: ['escalate'], apiGroups: [RBAC_GROUP], resources: ['clusterroles'] }]));
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('bob-escalate', 'role-escalator', [U('bob')]));
    check('CREATE', clusterRole('big', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), undefined);
    assert.throws(() => check('CREATE', role('team', 'big', [getPods]), undefined), /not currently held/, 'escalate on clusterroles only');
    check('CREATE', clusterRole('big', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), undefined, user('root', ['system:masters']));
  });

  test('aggregationRule needs cluster-admin', () => {
    const { check } = setup();
    forbidden(
      () => check('CREATE', clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }), undefined),
      'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
    const admin = user('admin', ['admins', 'system:authenticated']);
    const { src, check: check2 } = setup();
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('admins', 'cluster-admin', [{ kind: 'Group', apiGroup: RBAC_GROUP, name: 'admins' }]));
    check2('CREATE', clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }), undefined, admin);
  });

  test('updates touching only ownerReferences/finalizers are exempt', () => {
    const { check } = setup();
    const old = { ...clusterRole('x', [getPods]), metadata: { name: 'x', resourceVersion: '5' } };
    const gcOnly = { ...old, metadata: { ...old.metadata, finalizers: ['f'], ownerReferences: [{ uid: '1', name: 'o', kind: 'K', apiVersion: 'v1' }] } };
    check('UPDATE', gcOnly, old);
    const relabel = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
    assert.throws(() => check('UPDATE', relabel, old), /not currently held/);
  });

  test('binding a role requires holding its permissions or bind on it', () => {
    const { src, check } = setup();
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('team', 'bob-edit', 'ClusterRole', 'edit', [U('bob')]));
    // view ⊆ edit: allowed
    check('CREATE', roleBinding('team', 'alice-view', 'ClusterRole', 'view', [U('alice')]), undefined);
    // admin ⊄ edit
    assert.throws(
      () => check('CREATE', roleBinding('team', 'alice-admin', 'ClusterRole', 'admin', [U('alice')]), undefined),
      (e: unknown) => e instanceof StatusError && e.code === 403 &&
        e.message.startsWith('rolebindings.rbac.authorization.k8s.io "alice-admin" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n') &&
        e.message.includes('{APIGroups:["rbac.authorization.k8s.io"], Resources:["rolebindings"], Verbs:['),
    );
    // cluster-wide binding of view: not held cluster-wide
    assert.throws(() => check('CREATE', clusterRoleBinding('alice-view', 'view', [U('alice')]), undefined), /clusterrolebindings.rbac.authorization.k8s.io "alice-view" is forbidden/);
    // bind on clusterroles/admin in the namespace
    src.put(RBAC_GROUP, 'clusterroles', clusterRole('admin-binder', [{ verbs: ['bind'], apiGroups: [RBAC_GROUP], resources: ['clusterroles'], resourceNames: ['admin'] }]));
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('team', 'bob-binder', 'ClusterRole', 'admin-binder', [U('bob')]));
    check('CREATE', roleBinding('team', 'alice-admin', 'ClusterRole', 'admin', [U('alice')]), undefined);
    assert.throws(() => check('CREATE', roleBinding('prod', 'alice-admin', 'ClusterRole', 'admin', [U('alice')]), undefined), /not currently held/);
    assert.throws(() => check('CREATE', roleBinding('team', 'alice-ca', 'ClusterRole', 'cluster-admin', [U('alice')]), undefined), /not currently held/);
  });

  test('binding a missing role is Forbidden with the NotFound text', () => {
    const { check } = setup();
    forbidden(
      () => check('CREATE', roleBinding('team', 'rb', 'ClusterRole', 'nope', [U('alice')]), undefined),
      'rolebindings.rbac.authorization.k8s.io "rb" is forbidden: clusterroles.rbac.authorization.k8s.io "nope" not found',
    );
    forbidden(
      () => check('CREATE', roleBinding('team', 'rb', 'Role', 'nope', [U('alice')]), undefined),
      'rolebindings.rbac.authorization.k8s.io "rb" is forbidden: roles.rbac.authorization.k8s.io "nope" not found',
    );
  });

  test('resolution errors are appended', () => {
    const { src, check } = setup();
    src.put(RBAC_GROUP, 'clusterrolebindings', clusterRoleBinding('dangling', 'gone', [U('bob')]));
    assert.throws(
      () => check('CREATE', clusterRole('x', [getPods]), undefined),
      (e: unknown) => e instanceof StatusError && e.message.endsWith('{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [clusterroles.rbac.authorization.k8s.io "gone" not found]'),
    );
  });

  test('covers: stars, */subresource, resource names, URL prefixes', () => {
    const owner = [
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { verbs: ['*'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      { verbs: ['get'], nonResourceURLs: ['/logs/*'] },
    ];
    assert.ok(covers(owner, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]).covered);
    assert.ok(!covers(owner, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }]).covered);
    assert.ok(covers(owner, [{ verbs: ['update', 'delete'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }]).covered);
    assert.ok(!covers(owner, [{ verbs: ['update'], apiGroups: [''], resources: ['configmaps'] }]).covered, 'named grant does not cover unnamed');
    assert.ok(covers(owner, [{ verbs: ['get'], nonResourceURLs: ['/logs/x', '/logs/*'] }]).covered);
    assert.ok(!covers(owner, [{ verbs: ['get'], nonResourceURLs: ['/logs'] }]).covered);
    const { missing } = covers([], [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a', 'b'] }]);
    assert.deepEqual(compactRules(missing).map(compactString), [
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get" "list"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["get" "list"]}',
    ]);
  });
});
