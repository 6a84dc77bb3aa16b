// Tests for the rbac.authorization.k8s.io/v1 declarations: rule validation (verbs,
// apiGroups/resources, non-resource URLs), binding defaults and subject rules, the
// immutable roleRef and the binding Table columns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roleDef } from '../../../src/apiserver/registry/rbac/roles.js';
import { clusterRoleDef } from '../../../src/apiserver/registry/rbac/clusterroles.js';
import { roleBindingDef } from '../../../src/apiserver/registry/rbac/rolebindings.js';
import { clusterRoleBindingDef } from '../../../src/apiserver/registry/rbac/clusterrolebindings.js';
import { created, row, updated } from './groups-helpers.js';

test('Role: a rule without verbs', () => {
  const { errs } = created(roleDef, { metadata: { name: 'r', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'] }] });
  assert.deepEqual(errs, ['rules[0].verbs: Required value: verbs must contain at least one value']);
  assert.equal(roleDef.nameRule, 'path');
  assert.equal(roleDef.table, undefined); // upstream's default NAME / CREATED AT table
});

test('Role: resource rules need apiGroups and resources; no non-resource URLs in a namespace', () => {
  const { errs } = created(roleDef, {
    metadata: { name: 'r', namespace: 'default' },
    rules: [{ verbs: ['get'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
  });
  assert.deepEqual(errs, [
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[0].resources: Required value: resource rules must supply at least one resource',
    'rules[1].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
  ]);
});

test('ClusterRole: non-resource URLs allowed, not mixed; aggregationRule needs selectors', () => {
  assert.deepEqual(created(clusterRoleDef, { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }] }).errs, []);
  assert.deepEqual(created(clusterRoleDef, { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'], resources: ['pods'] }] }).errs, [
    'rules[0].nonResourceURLs: Invalid value: ["/metrics"]: rules cannot apply to both regular resources and non-resource URLs',
  ]);
  assert.deepEqual(created(clusterRoleDef, { metadata: { name: 'c' }, aggregationRule: {} }).errs, [
    'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
  ]);
  assert.deepEqual(created(clusterRoleDef, { metadata: { name: 'c' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] } }).errs, []);
});

const binding = () => ({
  metadata: { name: 'b', namespace: 'default' },
  roleRef: { kind: 'Role', name: 'r' },
  subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'bot', namespace: 'ci' }],
});

test('RoleBinding: defaults, validation, immutable roleRef, table', () => {
  const { obj, errs } = created(roleBindingDef, binding());
  assert.deepEqual(errs, []);
  assert.equal(obj.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.deepEqual(obj.subjects.map((s: any) => s.apiGroup), ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io', '']);

  const next = structuredClone(obj);
  next.roleRef.name = 'other';
  assert.deepEqual(updated(roleBindingDef, next, obj).errs, [
    'roleRef: Invalid value: {"kind":"Role","name":"other","apiGroup":"rbac.authorization.k8s.io"}: cannot change roleRef',
  ]);

  const r = row(roleBindingDef, obj, Date.parse('2024-01-01T00:00:09Z'));
  assert.deepEqual(r, { Name: 'b', Role: 'Role/r', Age: '9s', Users: 'alice', Groups: 'devs', ServiceAccounts: 'ci/bot' });
  assert.deepEqual(roleBindingDef.table!.columns.map((c) => c.priority), [0, 0, 0, 1, 1, 1]);
});

test('bindings: subject and roleRef rules', () => {
  const b = binding() as any;
  b.roleRef = { apiGroup: 'example.com', kind: 'Thing', name: '' };
  b.subjects = [{ kind: 'Robot', name: 'x' }, { kind: 'User', name: '', apiGroup: 'v1' }];
  assert.deepEqual(created(roleBindingDef, b).errs, [
    'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    'subjects[1].name: Required value',
    'subjects[1].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"',
  ]);
  const crb = { metadata: { name: 'c' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'bot' }] };
  assert.deepEqual(created(clusterRoleBindingDef, crb).errs, [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
  ]);
});
