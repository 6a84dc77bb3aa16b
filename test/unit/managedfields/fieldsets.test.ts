// Field sets, FieldsV1 encoding and path printing of server-side apply.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, decodeFieldsV1, encodeFieldsV1, pathString } from '../../../src/apimachinery/managedfields/index.js';
import { FieldsV1Error } from '../../../src/apimachinery/managedfields/fieldsv1.js';

const CONTAINER = 'k:{"name":"nginx"}';

test('FieldsV1 encodes members as {} and members with children with "."', () => {
  const s = FieldSet.of(
    ['f:metadata', 'f:labels'],
    ['f:metadata', 'f:labels', 'f:app'],
    ['f:spec', 'f:replicas'],
    ['f:spec', 'f:containers', CONTAINER],
    ['f:spec', 'f:containers', CONTAINER, 'f:image'],
  );
  assert.deepEqual(encodeFieldsV1(s), {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:containers': { [CONTAINER]: { '.': {}, 'f:image': {} } }, 'f:replicas': {} },
  });
});

test('FieldsV1 keys come in structured-merge-diff order: fields, keys, values, indexes', () => {
  const s = FieldSet.of(['i:10'], ['i:2'], ['v:"b"'], ['v:"a"'], ['k:{"a":1}'], ['f:z'], ['f:a']);
  assert.deepEqual(Object.keys(encodeFieldsV1(s)), ['f:a', 'f:z', 'k:{"a":1}', 'v:"a"', 'v:"b"', 'i:2', 'i:10']);
});

test('FieldsV1 decode is the inverse of encode', () => {
  const enc = {
    'f:metadata': { 'f:annotations': { '.': {}, 'f:x': {} } },
    'f:spec': { 'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } },
  };
  const s = decodeFieldsV1(enc);
  assert.ok(s.has(['f:metadata', 'f:annotations']));
  assert.ok(s.has(['f:metadata', 'f:annotations', 'f:x']));
  assert.ok(!s.has(['f:metadata']));
  assert.ok(s.has(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}', 'f:port']));
  assert.deepEqual(encodeFieldsV1(s), enc);
});

test('FieldsV1 decode rejects what is not a field set', () => {
  assert.throws(() => decodeFieldsV1({ 'x:foo': {} }), FieldsV1Error);
  assert.throws(() => decodeFieldsV1({ 'f:a': 1 }), FieldsV1Error);
  assert.throws(() => decodeFieldsV1([]), FieldsV1Error);
  assert.throws(() => decodeFieldsV1({ '.': {} }), FieldsV1Error);
});

test('set algebra: union, difference, intersection, prefixes', () => {
  const a = FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:paused'], ['f:metadata', 'f:labels', 'f:a']);
  const b = FieldSet.of(['f:spec', 'f:replicas'], ['f:status', 'f:x']);
  assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
  assert.deepEqual(a.difference(b).paths(), [['f:metadata', 'f:labels', 'f:a'], ['f:spec', 'f:paused']]);
  assert.equal(a.union(b).paths().length, 4);
  assert.ok(a.hasPrefix(['f:metadata']));
  assert.ok(!a.hasPrefix(['f:status']));
  assert.deepEqual(a.withoutPrefixes(FieldSet.of(['f:spec'])).paths(), [['f:metadata', 'f:labels', 'f:a']]);
  assert.deepEqual(a.union(b).onlyPrefixes(FieldSet.of(['f:status'])).paths(), [['f:status', 'f:x']]);
  assert.ok(new FieldSet().isEmpty());
  assert.ok(a.equals(a.clone()));
});

test('paths print as upstream prints them in conflicts', () => {
  assert.equal(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
  assert.equal(pathString(['f:spec', 'f:template', 'f:spec', 'f:containers', CONTAINER, 'f:image']), '.spec.template.spec.containers[name="nginx"].image');
  assert.equal(pathString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), '.spec.ports[port=80,protocol="TCP"]');
  assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  assert.equal(pathString(['f:spec', 'f:args', 'i:0']), '.spec.args[0]');
});
