// Unit tests of CustomResourceDefinition handling: defaulting and validation of the CRD
// (names, versions, structural schema rules, printer columns, scale paths, conversion),
// storedVersions on update, the naming check (NamesAccepted), printer columns and the
// custom resource ResourceDef (status/scale split, conversion between versions).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/apimachinery/errors.js';
import { customResourceDefinitionDef } from '../../../src/apiserver/apiextensions/crddef.js';
import { validateCRD, validateCRDUpdate } from '../../../src/apiserver/apiextensions/crdvalidation.js';
import { calculateNames } from '../../../src/apiserver/apiextensions/naming.js';
import { parseSimpleJSONPath, printerTable } from '../../../src/apiserver/apiextensions/printer.js';
import { customResourceDef } from '../../../src/apiserver/apiextensions/crdef.js';

function crd(over: (c: any) => void = () => {}): any {
  const c: any = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer', default: 1 } } } } } } }],
    },
  };
  customResourceDefinitionDef.defaults!(c);
  over(c);
  return c;
}
const errs = (c: any) => validateCRD(c).map(fieldErrorMessage);

test('defaults: singular, listKind, conversion None', () => {
  const c = crd();
  assert.equal(c.spec.names.singular, 'crontab');
  assert.equal(c.spec.names.listKind, 'CronTabList');
  assert.deepEqual(c.spec.conversion, { strategy: 'None' });
  assert.deepEqual(errs(c), []);
});

test('create resets status and records the storage version', () => {
  const c = crd((x) => (x.status = { storedVersions: ['zz'], conditions: [{ type: 'Established', status: 'True' }] }));
  customResourceDefinitionDef.prepareForCreate!(c);
  assert.deepEqual(c.status, { acceptedNames: { plural: '', kind: '' }, conditions: [], storedVersions: ['v1'] });
});

test('name, group, scope and names rules', () => {
  assert.deepEqual(errs(crd((c) => (c.metadata.name = 'crontab.stable.example.com'))), ['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group']);
  assert.deepEqual(errs(crd((c) => { c.spec.group = 'example'; c.metadata.name = 'crontabs.example'; })), ['spec.group: Invalid value: "example": should be a domain with at least one dot']);
  assert.deepEqual(errs(crd((c) => (c.spec.scope = 'Global'))), ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
  assert.deepEqual(errs(crd((c) => (c.spec.names.listKind = 'CronTab'))), ['spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same']);
  const bad = errs(crd((c) => (c.spec.names.shortNames = ['Bad_1'])));
  assert.equal(bad.length, 1);
  assert.match(bad[0], /^spec\.names\.shortNames\[0\]: Invalid value: "Bad_1": a DNS-1035 label must consist of lower case alphanumeric characters/);
});

test('versions: one storage version, unique names, a served one', () => {
  const two = (c: any) => c.spec.versions.push({ ...structuredClone(c.spec.versions[0]) });
  const e = errs(crd(two));
  assert.ok(e.includes('spec.versions[1].name: Duplicate value: "v1"'), e.join('\n'));
  assert.ok(e.some((m) => /^spec\.versions: Invalid value: .*: must have exactly one version marked as storage version$/.test(m)), e.join('\n'));
  const none = errs(crd((c) => (c.spec.versions[0].served = false)));
  assert.ok(none.some((m) => m.endsWith('must have at least one version marked as served')), none.join('\n'));
  assert.deepEqual(errs(crd((c) => delete c.spec.versions[0].schema)), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
});

test('structural schema rules', () => {
  const schemaErrs = (s: any) => errs(crd((c) => (c.spec.versions[0].schema.openAPIV3Schema = s)));
  const P = 'spec.versions[0].schema.openAPIV3Schema';
  assert.deepEqual(schemaErrs({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }), [`${P}.properties[spec].type: Required value: must not be empty for specified object fields`]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { l: { type: 'array', items: {} } } }), [`${P}.properties[l].items.type: Required value: must not be empty for specified array items`]);
  assert.deepEqual(schemaErrs({ type: 'string' }), [`${P}.type: Invalid value: "string": must be object at the root`]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }), [
    `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
  ]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { l: { type: 'array', uniqueItems: true, items: { type: 'string' } } } }), [
    `${P}.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
  ]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { o: { type: 'object', additionalProperties: false } } }), [`${P}.properties[o].additionalProperties: Forbidden: additionalProperties cannot be set to false`]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { o: { $ref: '#/x' } } }), [
    `${P}.properties[o].type: Required value: must not be empty for specified object fields`,
    `${P}.properties[o].$ref: Forbidden: $ref is not supported`,
  ]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { p: { type: 'string', 'x-kubernetes-int-or-string': true } } }), [`${P}.properties[p].type: Invalid value: "string": must be empty if x-kubernetes-int-or-string is true`]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true }, f: { 'x-kubernetes-preserve-unknown-fields': true } } }), []);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { n: { type: 'integer', default: 'one' } } }), [
    `${P}.properties[n].default: Invalid value: "string": ${P}.properties[n].default in body must be of type integer: "string"`,
  ]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { o: { type: 'object', default: { x: 1 }, properties: { y: { type: 'integer' } } } } }), [
    `${P}.properties[o].default: Invalid value: {"x":1}: must not have unknown fields`,
  ]);
  assert.deepEqual(schemaErrs({ type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { k: { type: 'string' } } } } } }), [
    `${P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
  ]);
});

test('subresources, printer columns, conversion', () => {
  const e = errs(crd((c) => {
    c.spec.versions[0].subresources = { status: {}, scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '.status.replicas' } };
    c.spec.versions[0].additionalPrinterColumns = [{ name: 'X', type: 'money', jsonPath: 'spec.x' }];
    c.spec.conversion = { strategy: 'Magic' };
  }));
  assert.deepEqual(e, [
    'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
    'spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "money": supported values: "integer", "number", "string", "boolean", "date"',
    'spec.versions[0].additionalPrinterColumns[0].jsonPath: Invalid value: "spec.x": must be a simple json path starting with .',
    'spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"',
  ]);
  assert.deepEqual(errs(crd((c) => (c.spec.conversion = { strategy: 'Webhook' }))), ['spec.conversion.webhook: Required value: required when strategy is set to Webhook']);
});

test('update: group immutable, storedVersions must name spec versions and include the storage one', () => {
  const old = crd();
  customResourceDefinitionDef.prepareForCreate!(old);
  const renamed = crd((c) => (c.spec.group = 'other.example.com'));
  renamed.status = old.status;
  assert.ok(validateCRDUpdate(renamed, old).map(fieldErrorMessage).includes('spec.group: Invalid value: "other.example.com": field is immutable'));
  // switching the storage version to v2 keeps v1 in storedVersions and adds v2
  const next = crd((c) => {
    c.spec.versions[0].storage = false;
    c.spec.versions.push({ ...structuredClone(c.spec.versions[0]), name: 'v2', storage: true });
  });
  customResourceDefinitionDef.prepareForUpdate!(next, old);
  assert.deepEqual(next.status.storedVersions, ['v1', 'v2']);
  assert.deepEqual(validateCRDUpdate(next, old), []);
  // dropping a stored version from spec.versions is refused
  const dropped = crd((c) => (c.spec.versions[0].name = 'v2'));
  dropped.status = { storedVersions: ['v1', 'v2'] };
  assert.deepEqual(validateCRDUpdate(dropped, old).map(fieldErrorMessage), ['status.storedVersions[0]: Invalid value: "v1": must appear in spec.versions']);
});

test('delete adds the cleanup finalizer and the Terminating condition once', () => {
  const c = crd();
  customResourceDefinitionDef.prepareForDelete!(c);
  assert.deepEqual(c.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
  assert.equal(c.status.conditions[0].type, 'Terminating');
  assert.equal(c.status.conditions[0].reason, 'InstanceDeletionPending');
  customResourceDefinitionDef.prepareForDelete!(c);
  assert.deepEqual(c.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
});

test('naming: names another CRD of the group accepted are conflicts, as upstream reports them', () => {
  const a = crd();
  a.status = { acceptedNames: { plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList' } };
  const ok = calculateNames(a, [a]);
  assert.deepEqual([ok.accepted, ok.reason, ok.message], [true, 'NoConflicts', 'no conflicts found']);
  const plural = crd((c) => { c.metadata.name = 'crontabs2.stable.example.com'; c.spec.names = { plural: 'crontabs', singular: 'x', kind: 'X', listKind: 'XList' }; });
  assert.deepEqual(calculateNames(plural, [a, plural]).message, '"crontabs" is already in use');
  assert.equal(calculateNames(plural, [a, plural]).reason, 'PluralConflict');
  const kind = crd((c) => { c.metadata.name = 'others.stable.example.com'; c.spec.names = { plural: 'others', singular: 'other', kind: 'CronTab', listKind: 'OtherList' }; });
  const r = calculateNames(kind, [a, kind]);
  assert.deepEqual([r.accepted, r.reason, r.message], [false, 'KindConflict', '"CronTab" is already in use']);
  assert.equal(r.names.plural, 'others', 'names without conflicts are still accepted');
  const otherGroup = crd((c) => { c.spec.group = 'other.example.com'; c.metadata.name = 'crontabs.other.example.com'; });
  assert.equal(calculateNames(otherGroup, [a, otherGroup]).accepted, true);
});

test('printer columns: NAME first, typed cells, AGE by default', () => {
  assert.deepEqual(parseSimpleJSONPath(".spec.list[0]['a.b']"), ['spec', 'list', 0, 'a.b']);
  assert.equal(parseSimpleJSONPath('spec.x'), undefined);
  const t = printerTable([
    { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', priority: 1 },
    { name: 'First', type: 'string', jsonPath: '.spec.list[0]' },
    { name: 'Missing', type: 'string', jsonPath: '.status.nothing' },
  ]);
  assert.deepEqual(t.columns.map((c) => [c.name, c.type, c.format, c.priority]), [['Name', 'string', 'name', 0], ['Spec', 'string', '', 0], ['Replicas', 'integer', '', 1], ['First', 'string', '', 0], ['Missing', 'string', '', 0]]);
  assert.deepEqual(t.cells({ metadata: { name: 'a' }, spec: { cronSpec: '* * * * *', replicas: 2, list: ['x'] } }, Date.now()), ['a', '* * * * *', 2, 'x', null]);
  const d = printerTable(undefined);
  assert.deepEqual(d.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Age', 'date']]);
  assert.deepEqual(d.cells({ metadata: { name: 'a', creationTimestamp: new Date(Date.now() - 90_000).toISOString() } }, Date.now()), ['a', '90s']);
});

test('the custom resource def: status split, scale paths, None conversion between versions', () => {
  const c = crd((x) => {
    x.spec.versions[0].subresources = { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } };
    x.spec.versions[0].storage = false;
    x.spec.versions.push({ ...structuredClone(x.spec.versions[0]), name: 'v2', storage: true });
  });
  const def = customResourceDef({ crd: c, version: c.spec.versions[0], names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] }, terminating: () => false });
  assert.equal(def.storageResource, 'stable.example.com/crontabs');
  assert.equal(def.namespaced, true);
  assert.deepEqual(def.shortNames, ['ct']);
  const created: any = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a' }, spec: {}, status: { replicas: 3 } };
  def.defaults!(created);
  def.prepareForCreate!(created);
  assert.deepEqual(created.spec, { replicas: 1 });
  assert.equal(created.status, undefined, 'status is not written on create');
  const upd: any = { ...structuredClone(created), status: { replicas: 9 } };
  def.prepareForUpdate!(upd, { ...created, status: { replicas: 2 } });
  assert.deepEqual(upd.status, { replicas: 2 });
  assert.equal(def.toStorage!(structuredClone(created)).apiVersion, 'stable.example.com/v2');
  assert.equal(def.fromStorage!({ apiVersion: 'stable.example.com/v2', spec: {} }).spec.replicas, 1, 'defaults applied on read');
  assert.equal(def.subresources!.scale!.specReplicasPath, 'spec.replicas');
  assert.equal(def.subresources!.scale!.selector!({ status: { selector: 'a=b' } }), 'a=b');
  const plain = customResourceDef({ crd: crd(), version: crd().spec.versions[0], names: { plural: 'crontabs', kind: 'CronTab' }, terminating: () => false });
  const changed: any = { metadata: { name: 'a', generation: 3 }, spec: {}, status: { phase: 'b' } };
  plain.prepareForUpdate!(changed, { metadata: { name: 'a', generation: 3 }, spec: {}, status: { phase: 'a' } });
  assert.equal(changed.metadata.generation, 4, 'without a status subresource a status change bumps the generation');
  assert.deepEqual(changed.status, { phase: 'b' });
  const terminating = customResourceDef({ crd: c, version: c.spec.versions[1], names: { plural: 'crontabs', kind: 'CronTab' }, terminating: () => true });
  assert.throws(() => terminating.prepareForCreate!({ metadata: {} }), /create not allowed while custom resource definition is terminating/);
  assert.equal(terminating.toStorage, undefined, 'the storage version needs no conversion');
});
