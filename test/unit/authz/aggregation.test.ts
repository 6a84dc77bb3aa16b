import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateClusterRoles, aggregatedRules } from '../../../src/apiserver/authz/aggregation.js';
import { bootstrapPolicy, RBAC_GROUP } from '../../../src/apiserver/authz/bootstrappolicy.js';
import { RBACAuthorizer } from '../../../src/apiserver/authz/rbac.js';
import { MemorySource, U, loadBootstrap, res, roleBinding, user } from './helpers.js';

const cr = (name: string, labels: Record<string, string>, rules: unknown[], aggregate?: Record<string, string>) => {
  const o: Record<string, unknown> = { kind: 'ClusterRole', metadata: { name, labels }, rules };
  if (aggregate) o.aggregationRule = { clusterRoleSelectors: [{ matchLabels: aggregate }] };
  return o;
};

describe('ClusterRole aggregation', () => {
  test('union of matching roles, sorted by name, duplicates dropped, itself excluded', () => {
    const get = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    const list = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
    const agg = cr('agg', { pick: 'me' }, [], { pick: 'me' });
    const b = cr('b', { pick: 'me' }, [list, get]);
    const a = cr('a', { pick: 'me' }, [get]);
    const c = cr('c', { pick: 'no' }, [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    assert.deepEqual(aggregatedRules(agg, [agg, b, a, c]), [get, list]);
    assert.equal(aggregatedRules(a, [agg, a]), undefined, 'no aggregationRule');
  });

  test('matchExpressions selectors; invalid selectors match nothing', () => {
    const r = { verbs: ['get'], apiGroups: ['x'], resources: ['y'] };
    const agg = { kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, { matchExpressions: [{ key: 'k', operator: 'Bogus' }] }] } };
    assert.deepEqual(aggregatedRules(agg, [agg, cr('one', { tier: 'b' }, [r]), cr('two', { tier: 'c' }, [{ verbs: ['list'] }])]), [r]);
  });

  test('bootstrap admin ⊇ edit ⊇ view after converging', () => {
    const p = bootstrapPolicy();
    const changed = aggregateClusterRoles(p.clusterRoles);
    assert.deepEqual([...changed.keys()].sort(), ['admin', 'edit', 'view']);
    const key = (r: unknown) => JSON.stringify(r);
    const view = new Set(changed.get('view')!.rules.map(key));
    const edit = new Set(changed.get('edit')!.rules.map(key));
    const admin = new Set(changed.get('admin')!.rules.map(key));
    for (const r of view) assert.ok(edit.has(r));
    for (const r of edit) assert.ok(admin.has(r));
    const aggToAdmin = p.clusterRoles.find((x) => x.metadata.name === 'system:aggregate-to-admin')!;
    for (const r of aggToAdmin.rules) assert.ok(admin.has(key(r)));
    assert.ok(!edit.has(key(aggToAdmin.rules[1])), 'edit does not get roles/rolebindings');
    // inputs untouched
    assert.equal(p.clusterRoles.find((x) => x.metadata.name === 'admin')!.rules, undefined);
  });

  test('a new aggregate-to-view role reaches view, edit and admin', () => {
    const src = new MemorySource();
    loadBootstrap(src);
    const rbac = new RBACAuthorizer(src);
    src.put(RBAC_GROUP, 'rolebindings', roleBinding('team', 'ivy-admin', 'ClusterRole', 'admin', [U('ivy')]));
    const ivy = user('ivy');
    const a = res(ivy, 'list', 'example.com/widgets', { namespace: 'team' });
    assert.equal(rbac.authorize(a).decision, 'NoOpinion');
    src.put(RBAC_GROUP, 'clusterroles', cr('widget-viewer', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [{ verbs: ['get', 'list', 'watch'], apiGroups: ['example.com'], resources: ['widgets'] }]));
    for (const [name, role] of aggregateClusterRoles(src.list(RBAC_GROUP, 'clusterroles'))) {
      assert.ok(['admin', 'edit', 'view'].includes(name));
      src.put(RBAC_GROUP, 'clusterroles', role);
    }
    assert.equal(rbac.authorize(a).decision, 'Allow');
  });
});
