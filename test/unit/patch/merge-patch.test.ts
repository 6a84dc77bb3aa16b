// Tests for the RFC 7386 merge patch (src/apimachinery/patch/merge-patch.ts): the RFC's examples,
// upstream's deviations (null/scalar patches rejected, nulls pruned from added objects), kubectl's
// typical merge patches, and createMergePatch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch } from '../../../src/apimachinery/patch/merge-patch.js';

test('RFC 7386 examples (object cases)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [doc, patch, want] of cases) {
    assert.deepEqual(applyMergePatch(doc, patch), want, `${JSON.stringify(doc)} + ${JSON.stringify(patch)}`);
  }
});

test('an array patch replaces the document', () => {
  assert.deepEqual(applyMergePatch({ a: 'b' }, ['c']), ['c']);
  assert.deepEqual(applyMergePatch(['a', 'b'], ['c', 'd']), ['c', 'd']);
});

test('null and scalar patches are "Invalid JSON Patch" (400), as upstream answers', () => {
  for (const p of [null, 'bar', 3, true]) {
    assert.throws(() => applyMergePatch({ a: 'foo' }, p), (e: any) => e.code === 400 && e.reason === 'BadRequest' && e.message === 'Invalid JSON Patch');
  }
});

test('nulls inside added objects are pruned; nulls inside arrays are kept', () => {
  assert.deepEqual(applyMergePatch({}, { a: { b: null, c: 1 } }), { a: { c: 1 } });
  assert.deepEqual(applyMergePatch({ a: 1 }, { a: { b: null, c: 1 } }), { a: { c: 1 } });
  assert.deepEqual(applyMergePatch({}, { l: [null, { x: null, y: 1 }] }), { l: [null, { y: 1 }] });
  // a key present with null in the doc counts as absent
  assert.deepEqual(applyMergePatch({ a: null }, { a: { b: null, c: 1 } }), { a: { c: 1 } });
});

test('kubectl label / annotate: merge patch of metadata.labels', () => {
  const pod = { metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } }, spec: { containers: [{ name: 'c' }] } };
  assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { env: 'prod' } } }).metadata.labels, { app: 'web', tier: 'fe', env: 'prod' });
  assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { tier: null } } }).metadata.labels, { app: 'web' });
  const out = applyMergePatch(pod, { metadata: { annotations: { a: '2' } } });
  assert.deepEqual(out.metadata.annotations, { a: '2' });
  assert.deepEqual(out.spec, pod.spec);
  assert.deepEqual(pod.metadata.labels, { app: 'web', tier: 'fe' }, 'input untouched');
});

test('kubectl scale / patch --subresource=scale: merge patch of spec.replicas', () => {
  const dep = { spec: { replicas: 2, template: { spec: { containers: [{ name: 'nginx' }] } } } };
  assert.deepEqual(applyMergePatch(dep, { spec: { replicas: 3 } }), { spec: { replicas: 3, template: dep.spec.template } });
});

test('docs example: kubectl patch --type merge replaces the containers list', () => {
  const dep = { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', image: 'nginx' }, { name: 'patch-demo-ctr-2', image: 'redis' }] } } } };
  const out = applyMergePatch(dep, { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/hello-app:2.0' }] } } } });
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/hello-app:2.0' }]);
});

test('createMergePatch', () => {
  assert.deepEqual(createMergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1] }, { a: 1, b: { c: 2, d: 2 }, l: [1, 2], n: 'x' }),
    { b: { c: 2 }, l: [1, 2], n: 'x' });
  assert.deepEqual(createMergePatch({ a: 1, b: { c: 1 } }, {}), { a: null, b: null });
  assert.deepEqual(createMergePatch({ a: { b: 1 } }, { a: 'x' }), { a: 'x' });
  assert.deepEqual(createMergePatch({ a: [{ x: 1 }] }, { a: [{ x: 1 }] }), {});
  assert.deepEqual(createMergePatch(null, { a: 1 }), { a: 1 });
  const o = { metadata: { labels: { a: '1', b: '2' } } };
  const m = { metadata: { labels: { a: '1', c: '3' } } };
  const p = createMergePatch(o, m);
  assert.deepEqual(p, { metadata: { labels: { b: null, c: '3' } } });
  assert.deepEqual(applyMergePatch(o, p), m);
});
