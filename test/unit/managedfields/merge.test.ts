// The typed walk and merge of server-side apply: field sets of applied configurations, the
// comparison behind Update tracking, list merging by list type and the removal of fields.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEDUCED, compare, encodeFieldsV1, mergeValue, nodeFromPatchMeta, nodeFromTypedSchema, removeFields, toFieldSet, FieldSet } from '../../../src/apimachinery/managedfields/index.js';
import type { Schema } from '../../../src/apimachinery/schema/types.js';
import { builtinPatchMeta } from '../../../src/apimachinery/patch/patch-meta.js';

const schema: Schema = {
  type: 'object',
  properties: {
    metadata: { type: 'object', default: {}, properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } } },
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' }, name: { type: 'string' } } },
        },
        finalizers: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};
const node = nodeFromTypedSchema({ schema, resolve: () => undefined });

test('toFieldSet follows list types and map types of the schema', () => {
  const set = toFieldSet({
    metadata: { labels: { app: 'x' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, ports: [{ port: 80, protocol: 'TCP', name: 'http' }], finalizers: ['a'], args: ['x', 'y'] },
  }, node);
  assert.deepEqual(encodeFieldsV1(set), {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:args': {},
      'f:finalizers': { 'v:"a"': {} },
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {} } },
      'f:replicas': {},
      'f:selector': {},
    },
  });
});

test('without a schema maps are granular (keys owned as a whole) and lists atomic', () => {
  const set = toFieldSet({ spec: { a: { b: 1 }, list: [1, 2] } }, DEDUCED);
  assert.deepEqual(encodeFieldsV1(set), { 'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {} }, 'f:list': {} } });
});

test('compare finds added, modified and removed fields; new maps and list items are owned whole', () => {
  const a = { spec: { replicas: 1, ports: [{ port: 80, protocol: 'TCP' }], args: ['a'] } };
  const b = { metadata: { labels: { app: 'x' } }, spec: { replicas: 2, ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] } };
  const c = compare(a, b, node);
  assert.deepEqual(encodeFieldsV1(c.added), {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:ports': { 'k:{"port":443,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:protocol': {} } } },
  });
  assert.deepEqual(encodeFieldsV1(c.modified), { 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(encodeFieldsV1(c.removed), { 'f:spec': { 'f:args': {} } });
  const same = compare(b, structuredClone(b), node);
  assert.ok(same.added.isEmpty() && same.modified.isEmpty() && same.removed.isEmpty());
});

test('merge: map lists by key (live-only items kept), sets by value, atomic lists replaced, null removes', () => {
  const live = { spec: { replicas: 1, ports: [{ port: 80, protocol: 'TCP', name: 'a' }, { port: 90, protocol: 'TCP' }], finalizers: ['x'], args: ['1', '2'], keep: true } };
  const config = { spec: { replicas: null, ports: [{ port: 80, protocol: 'TCP', name: 'b' }, { port: 100, protocol: 'UDP' }], finalizers: ['y'], args: ['3'] } };
  const out = mergeValue(live, config, node) as any;
  assert.equal('replicas' in out.spec, false);
  assert.deepEqual(out.spec.ports, [{ port: 80, protocol: 'TCP', name: 'b' }, { port: 90, protocol: 'TCP' }, { port: 100, protocol: 'UDP' }]);
  assert.deepEqual(out.spec.finalizers, ['x', 'y']);
  assert.deepEqual(out.spec.args, ['3']);
  assert.equal(out.spec.keep, true);
  assert.deepEqual(live.spec.args, ['1', '2'], 'live is not modified');
});

test('removeFields drops unowned fields, keeps owned ones and empties', () => {
  const obj: any = { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 3, ports: [{ port: 80, protocol: 'TCP' }, { port: 81, protocol: 'TCP' }] } };
  const remove = FieldSet.of(
    ['f:metadata', 'f:labels', 'f:a'], ['f:metadata', 'f:labels', 'f:b'], ['f:spec', 'f:replicas'],
    ['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'], ['f:spec', 'f:ports', 'k:{"port":81,"protocol":"TCP"}'],
  );
  const keep = FieldSet.of(['f:spec', 'f:ports', 'k:{"port":81,"protocol":"TCP"}', 'f:port']);
  removeFields(obj, remove, keep, node);
  assert.deepEqual(obj, { spec: { ports: [{ port: 81, protocol: 'TCP' }] } });
});

test('built-in kinds without a schema merge containers by name (strategic merge keys)', () => {
  const dep = nodeFromPatchMeta(builtinPatchMeta('apps', 'Deployment'));
  const live = { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } } } };
  const config = { spec: { template: { spec: { containers: [{ name: 'b', image: '3' }] } } } };
  assert.deepEqual((mergeValue(live, config, dep) as any).spec.template.spec.containers, [{ name: 'a', image: '1' }, { name: 'b', image: '3' }]);
  const set = toFieldSet({ metadata: { labels: { x: 'y' } }, spec: { template: { spec: { containers: [{ name: 'b', image: '3' }] } } } }, dep);
  assert.deepEqual(encodeFieldsV1(set), {
    'f:metadata': { 'f:labels': { 'f:x': {} } },
    'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
  });
});

test('an Update owns a new pointer struct whole (".") but not a Go value struct (default {} in the model)', () => {
  const s: Schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        default: {},
        properties: {
          strategy: { type: 'object', default: {}, properties: { type: { type: 'string' }, rollingUpdate: { type: 'object', properties: { maxSurge: { type: 'string' } } } } },
        },
      },
    },
  };
  const n = nodeFromTypedSchema({ schema: s, resolve: () => undefined });
  const c = compare({}, { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } } }, n);
  assert.deepEqual(encodeFieldsV1(c.added), { 'f:spec': { 'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {} }, 'f:type': {} } } });
  const cr = compare({}, { spec: { strategy: { type: 'x' } } }, n, { structsAsMembers: true });
  assert.deepEqual(encodeFieldsV1(cr.added), { 'f:spec': { '.': {}, 'f:strategy': { '.': {}, 'f:type': {} } } });
});
