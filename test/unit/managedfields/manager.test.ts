// The field manager: Update tracking, apply with conflicts, force, removal of fields a manager
// stops applying, shared ownership, managedFields sent by clients, and the csa→ssa cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../src/apimachinery/errors.js';
import { applyConfig, nodeFromPatchMeta, trackUpdate, managerFromUserAgent, LAST_APPLIED_ANNOTATION } from '../../../src/apimachinery/managedfields/index.js';
import type { FieldManagerScope } from '../../../src/apimachinery/managedfields/index.js';
import { builtinPatchMeta } from '../../../src/apimachinery/patch/patch-meta.js';

const fm: FieldManagerScope = { node: nodeFromPatchMeta(builtinPatchMeta('apps', 'Deployment')), apiVersion: 'apps/v1', subresource: '', hasStatus: true };
const statusFm: FieldManagerScope = { ...fm, subresource: 'status' };

function dep(replicas: number, image = 'nginx', extra: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', ...extra },
    spec: { replicas, template: { spec: { containers: [{ name: 'c', image }] } } },
  };
}

const managers = (o: any) => (o.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}${e.subresource ? '/' + e.subresource : ''}`);
const entry = (o: any, manager: string, op = 'Apply') => o.metadata.managedFields.find((e: any) => e.manager === manager && e.operation === op);

test('create records one Update entry with the fields sent', () => {
  const obj = dep(1);
  trackUpdate(fm, undefined, obj, 'kubectl-create');
  assert.deepEqual(managers(obj), ['kubectl-create/Update']);
  const e = obj.metadata.managedFields[0];
  assert.equal(e.apiVersion, 'apps/v1');
  assert.equal(e.fieldsType, 'FieldsV1');
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(e.fieldsV1['f:spec']['f:replicas'], {});
  assert.ok(e.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"c"}']['.']);
  assert.equal(e.fieldsV1['f:metadata'], undefined, 'name and namespace are not owned');
});

test('an update takes the changed fields from other managers; a no-op keeps managedFields', () => {
  const live = dep(1);
  trackUpdate(fm, undefined, live, 'a');
  const next = structuredClone(live);
  next.spec.replicas = 2;
  trackUpdate(fm, live, next, 'b');
  assert.deepEqual(managers(next).sort(), ['a/Update', 'b/Update']);
  assert.deepEqual(entry(next, 'b', 'Update').fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(entry(next, 'a', 'Update').fieldsV1['f:spec']['f:replicas'], undefined);
  const again = structuredClone(next);
  trackUpdate(fm, next, again, 'c');
  assert.deepEqual(again.metadata.managedFields, next.metadata.managedFields);
});

test('status updates own status fields only, under subresource "status"', () => {
  const live = dep(1);
  trackUpdate(fm, undefined, live, 'kubectl');
  const next = structuredClone(live);
  next.status = { replicas: 1 };
  trackUpdate(statusFm, live, next, 'kube-controller-manager');
  const e = entry(next, 'kube-controller-manager', 'Update');
  assert.equal(e.subresource, 'status');
  assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:replicas': {} } });
});

test('managedFields sent on update are kept; an empty list resets them', () => {
  const live = dep(1);
  trackUpdate(fm, undefined, live, 'a');
  const sent = structuredClone(live);
  sent.metadata.managedFields = [{ manager: 'z', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  trackUpdate(fm, live, sent, 'b');
  assert.deepEqual(managers(sent), ['z/Apply']);
  const reset = structuredClone(live);
  reset.metadata.managedFields = [];
  trackUpdate(fm, live, reset, 'b');
  assert.equal(reset.metadata.managedFields, undefined);
  const bad = structuredClone(live);
  bad.metadata.managedFields = [{ manager: 'z', operation: 'Bogus' }];
  trackUpdate(fm, live, bad, 'b');
  assert.deepEqual(managers(bad), ['a/Update'], 'undecodable managedFields fall back to the live ones');
});

test('apply creates, then a second manager conflicts with 409 and one cause per field', () => {
  const created = applyConfig(fm, undefined, dep(1), { manager: 'one', force: false });
  assert.deepEqual(managers(created), ['one/Apply']);
  assert.throws(() => applyConfig(fm, created, dep(2, 'httpd'), { manager: 'two', force: false }), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'Apply failed with 2 conflicts: conflicts with "one":\n- .spec.replicas\n- .spec.template.spec.containers[name="c"].image');
    assert.deepEqual(err.details?.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.spec.template.spec.containers[name="c"].image' },
    ]);
    return true;
  });
  const single = structuredClone(created);
  single.spec.template.spec.containers[0].image = 'nginx';
  assert.throws(() => applyConfig(fm, created, dep(3), { manager: 'two', force: false }), /^StatusError: Apply failed with 1 conflict: conflict with "one": \.spec\.replicas$/);
});

test('Update managers are named with their apiVersion in conflicts', () => {
  const live = dep(1);
  trackUpdate(fm, undefined, live, 'kubectl-client-side-apply');
  assert.throws(() => applyConfig(fm, live, dep(5), { manager: 'x', force: false }), /conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/);
});

test('force takes ownership; equal values share it', () => {
  const created = applyConfig(fm, undefined, dep(1), { manager: 'one', force: false });
  const shared = applyConfig(fm, created, dep(1), { manager: 'two', force: false });
  assert.ok(entry(shared, 'one').fieldsV1['f:spec']['f:replicas']);
  assert.ok(entry(shared, 'two').fieldsV1['f:spec']['f:replicas']);
  const forced = applyConfig(fm, shared, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 4 } }, { manager: 'three', force: true });
  assert.equal(forced.spec.replicas, 4);
  assert.equal(entry(forced, 'one').fieldsV1['f:spec']['f:replicas'], undefined);
  assert.equal(entry(forced, 'two').fieldsV1['f:spec']['f:replicas'], undefined);
  assert.deepEqual(entry(forced, 'three').fieldsV1, { 'f:spec': { 'f:replicas': {} } });
});

test('fields a manager stops applying are removed unless someone else owns them', () => {
  const withLabel = dep(1, 'nginx', { labels: { a: '1', b: '2' } });
  const first = applyConfig(fm, undefined, withLabel, { manager: 'one', force: false });
  const other = applyConfig(fm, first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { b: '2' } } }, { manager: 'two', force: false });
  const second = applyConfig(fm, other, dep(1), { manager: 'one', force: false });
  assert.deepEqual(second.metadata.labels, { b: '2' });
  assert.equal(second.spec.replicas, 1);
  const noReplicas = dep(1);
  delete noReplicas.spec.replicas;
  const third = applyConfig(fm, second, noReplicas, { manager: 'one', force: false });
  assert.equal('replicas' in third.spec, false);
});

test('apply that changes nothing keeps the entry time; an object without managedFields gets before-first-apply', () => {
  const created = applyConfig(fm, undefined, dep(1), { manager: 'one', force: false });
  const again = applyConfig(fm, created, dep(1), { manager: 'one', force: false });
  assert.deepEqual(again.metadata.managedFields, created.metadata.managedFields);
  const unmanaged = dep(1);
  assert.throws(() => applyConfig(fm, unmanaged, dep(2), { manager: 'x', force: false }), /conflict with "before-first-apply" using apps\/v1/);
});

test('kubectl server-side apply takes over fields of client-side apply listed in last-applied, and syncs the annotation', () => {
  const lastApplied = JSON.stringify(dep(1));
  const live = dep(1, 'nginx', { annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } });
  trackUpdate(fm, undefined, live, 'kubectl-client-side-apply');
  const applied = applyConfig(fm, live, dep(2), { manager: 'kubectl', force: false });
  assert.equal(applied.spec.replicas, 2);
  assert.equal(JSON.parse(applied.metadata.annotations[LAST_APPLIED_ANNOTATION]).spec.replicas, 2);
  assert.throws(() => applyConfig(fm, live, dep(2), { manager: 'someone-else', force: false }), /conflict with "kubectl-client-side-apply"/);
});

test('the manager of a request without fieldManager comes from its User-Agent', () => {
  assert.equal(managerFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  assert.equal(managerFromUserAgent('kube-controller-manager/v1.32.0 (linux/amd64)/system:serviceaccount'), 'kube-controller-manager');
  assert.equal(managerFromUserAgent('a\u0001b/1'), 'ab');
  assert.equal(managerFromUserAgent('x'.repeat(200)).length, 128);
});
