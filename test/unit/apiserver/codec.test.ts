import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Codec, withResourceVersion } from '../../../src/apiserver/storage/codec.js';
import type { KeyValue } from '../../../src/storage/types.js';

const kv = (value: string): KeyValue => ({ key: '/registry/secrets/ns/s', value: Buffer.from(value, 'latin1'), createRevision: 2, modRevision: 3, version: 1 });

test('stored JSON has the canonical head and the resourceVersion is spliced in', () => {
  const c = new Codec();
  const text = c.encode({ metadata: { name: 'a', resourceVersion: '9' }, kind: 'ConfigMap', apiVersion: 'v1', data: { x: '1' } }, 'k').toString();
  assert.equal(text, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"x":"1"}}');
  const withRv = withResourceVersion(text, 42)!;
  assert.deepEqual(JSON.parse(withRv), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '42', name: 'a' }, data: { x: '1' } });
  assert.equal(JSON.parse(withResourceVersion('{"apiVersion":"v1","kind":"X","metadata":{}}', 7)!).metadata.resourceVersion, '7');
  assert.equal(withResourceVersion('{"kind":"X","apiVersion":"v1","metadata":{}}', 7), undefined, 'other layouts are re-serialised by the caller');
});

test('values not written by the current transformer are stale (key rotation rewrites them)', () => {
  const c = new Codec({ toStorage: (b) => b, fromStorage: (b) => b, writePrefix: () => 'k8s:enc:aescbc:v1:key2:' });
  assert.equal(c.isStale(kv('k8s:enc:aescbc:v1:key2:xxxx')), false);
  assert.equal(c.isStale(kv('k8s:enc:aescbc:v1:key1:xxxx')), true);
  assert.equal(c.isStale(kv('{"apiVersion":"v1"}')), true);
  const plain = new Codec({ toStorage: (b) => b, fromStorage: (b) => b, writePrefix: () => '' });
  assert.equal(plain.isStale(kv('{"apiVersion":"v1"}')), false);
  assert.equal(plain.isStale(kv('k8s:enc:aescbc:v1:key1:xxxx')), true);
  assert.equal(new Codec().isStale(kv('anything')), false);
});
