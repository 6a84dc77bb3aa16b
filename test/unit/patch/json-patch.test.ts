// Tests for the RFC 6902 JSON patch implementation (src/apimachinery/patch/json-patch.ts): op
// semantics, pointer escapes, upstream's quirks, and the Status errors the apiserver answers with.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyJsonPatch, JsonPatchApplyError, decodeJsonPatch, strictCheckJsonPatch, MAX_JSON_PATCH_OPERATIONS,
} from '../../../src/apimachinery/patch/json-patch.js';
import { StatusError } from '../../../src/apimachinery/errors.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.25', livenessProbe: { httpGet: { path: '/', port: 80 } } },
        ],
      },
    },
  },
});

function applyErr(doc: unknown, ops: unknown): JsonPatchApplyError {
  try {
    applyJsonPatch(doc, ops);
  } catch (e) {
    assert.ok(e instanceof JsonPatchApplyError, `expected JsonPatchApplyError, got ${e}`);
    return e;
  }
  assert.fail('expected the patch to fail');
}

test('kubectl patch --type=json: replace replicas', () => {
  const out = applyJsonPatch(deployment(), [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
  assert.equal(out.spec.replicas, 3);
});

test('add a label, append a container with "-", remove a probe', () => {
  const out = applyJsonPatch(deployment(), [
    { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
    { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'sidecar', image: 'busybox' } },
    { op: 'remove', path: '/spec/template/spec/containers/0/livenessProbe' },
  ]);
  assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'frontend' });
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ['nginx', 'sidecar']);
  assert.equal(out.spec.template.spec.containers[0].livenessProbe, undefined);
});

test('the input document is not modified', () => {
  const d = deployment();
  const before = JSON.stringify(d);
  applyJsonPatch(d, [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'remove', path: '/metadata/labels' }]);
  assert.equal(JSON.stringify(d), before);
});

test('pointer escapes ~1 and ~0 (annotation keys with slashes)', () => {
  const doc = { metadata: { annotations: { 'example.com/a~b': 'x' } } };
  let out = applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/annotations/example.com~1a~0b', value: 'y' }]);
  assert.deepEqual(out.metadata.annotations, { 'example.com/a~b': 'y' });
  out = applyJsonPatch(doc, [{ op: 'add', path: '/metadata/annotations/k8s.io~1x', value: 'z' }]);
  assert.equal(out.metadata.annotations['k8s.io/x'], 'z');
  // "~01" decodes to "~1", not "/"
  out = applyJsonPatch({ a: {} }, [{ op: 'add', path: '/a/~01', value: 1 }]);
  assert.deepEqual(out, { a: { '~1': 1 } });
});

test('array insert at an index, at the end, and with a negative index', () => {
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'add', path: '/l/1', value: 9 }]), { l: [1, 9, 2, 3] });
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'add', path: '/l/3', value: 9 }]), { l: [1, 2, 3, 9] });
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'add', path: '/l/-1', value: 9 }]), { l: [1, 2, 3, 9] });
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/-1' }]), { l: [1, 2] });
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'replace', path: '/l/-3', value: 0 }]), { l: [0, 2, 3] });
});

test('add to an out-of-range index fails like upstream', () => {
  const e = applyErr({ l: [1] }, [{ op: 'add', path: '/l/5', value: 9 }]);
  assert.equal(e.detail, "error in add for path: '/l/5': Unable to access invalid index: 5: invalid index referenced");
  const e2 = applyErr({ l: [1] }, [{ op: 'add', path: '/l/x', value: 9 }]);
  assert.equal(e2.detail, `error in add for path: '/l/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`);
});

test('add with a missing parent: 422 with upstream\'s generic Status', () => {
  const e = applyErr(deployment(), [{ op: 'add', path: '/spec/foo/bar', value: 1 }]);
  assert.equal(e.code, 422);
  assert.equal(e.reason, 'Invalid');
  assert.equal(e.message, 'the server rejected our request due to an error in our request');
  assert.equal(e.detail, 'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value');
  assert.deepEqual(e.toStatus(), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422,
  });
});

test('remove of a missing key and of a missing parent', () => {
  assert.equal(applyErr({ a: {} }, [{ op: 'remove', path: '/a/b' }]).detail,
    "error in remove for path: '/a/b': Unable to remove nonexistent key: b: missing value");
  assert.equal(applyErr({ a: {} }, [{ op: 'remove', path: '/x/y' }]).detail,
    'remove operation does not apply: doc is missing path: "/x/y": missing value');
  assert.equal(applyErr({ l: [] }, [{ op: 'remove', path: '/l/0' }]).detail,
    "error in remove for path: '/l/0': Unable to access invalid index: 0: invalid index referenced");
});

test('replace of a missing object key adds it (upstream json-patch v4 behaviour)', () => {
  assert.deepEqual(applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/x', value: 1 }]), { spec: { x: 1 } });
  assert.equal(applyErr({ spec: {} }, [{ op: 'replace', path: '/spec/x/y', value: 1 }]).detail,
    'replace operation does not apply: doc is missing path: /spec/x/y: missing value');
  assert.equal(applyErr({ l: [] }, [{ op: 'replace', path: '/l/0', value: 1 }]).detail,
    'replace operation does not apply: doc is missing key: /l/0: missing value');
});

test('replace of the whole document', () => {
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
  assert.equal(applyErr({ a: 1 }, [{ op: 'replace', path: '', value: 3 }]).detail,
    'replace operation value must be object or array: %!w(<nil>)');
});

test('test op: success, failure, null/missing semantics', () => {
  const d = deployment();
  assert.equal(applyJsonPatch(d, [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 5 }]).spec.replicas, 5);
  assert.equal(applyErr(d, [{ op: 'test', path: '/spec/replicas', value: 3 }]).detail, 'testing value /spec/replicas failed: test failed');
  // objects compare structurally, irrespective of key order; extra keys fail
  applyJsonPatch(d, [{ op: 'test', path: '/metadata/labels', value: { app: 'web' } }]);
  assert.equal(applyErr(d, [{ op: 'test', path: '/metadata/labels', value: { app: 'web', x: '1' } }]).detail,
    'testing value /metadata/labels failed: test failed');
  // a missing member tests equal to null
  applyJsonPatch(d, [{ op: 'test', path: '/spec/paused', value: null }]);
  assert.equal(applyErr(d, [{ op: 'test', path: '/spec/paused', value: false }]).detail, 'testing value /spec/paused failed: test failed');
  assert.equal(applyErr(d, [{ op: 'test', path: '/nope/x', value: 1 }]).detail, 'test operation does not apply: is missing path: /nope/x: missing value');
  applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]);
});

test('move and copy', () => {
  const out = applyJsonPatch({ a: { x: [1, 2] }, b: {} }, [
    { op: 'copy', from: '/a/x', path: '/b/y' },
    { op: 'move', from: '/a/x', path: '/b/z' },
  ]);
  assert.deepEqual(out, { a: {}, b: { y: [1, 2], z: [1, 2] } });
  out.b.y.push(3);
  assert.deepEqual(out.b.z, [1, 2], 'copy is deep');
  assert.deepEqual(applyJsonPatch({ l: ['a', 'b', 'c'] }, [{ op: 'move', from: '/l/0', path: '/l/-' }]), { l: ['b', 'c', 'a'] });
  assert.equal(applyErr({ a: {} }, [{ op: 'move', from: '/a/missing', path: '/b' }]).detail,
    "error in move for path: 'missing': Unable to remove nonexistent key: missing: missing value");
  assert.equal(applyErr({ a: {} }, [{ op: 'copy', from: '/x/y', path: '/b' }]).detail,
    'copy operation does not apply: doc is missing from path: /x/y: missing value');
  assert.equal(applyErr({ a: 1 }, [{ op: 'move', path: '/b' }]).detail,
    'move operation failed to decode from: operation, missing from field: missing value');
});

test('unknown op and missing/ill-typed fields', () => {
  assert.equal(applyErr({}, [{ op: 'merge', path: '/a' }]).detail, 'Unexpected kind: merge');
  assert.equal(applyErr({}, [{ path: '/a' }]).detail, 'Unexpected kind: unknown');
  assert.equal(applyErr({}, [null]).detail, 'Unexpected kind: unknown');
  assert.equal(applyErr({}, [{ op: 'add', value: 1 }]).detail, 'add operation failed to decode path: missing value');
  assert.equal(applyErr({}, [{ op: 'replace', value: 1 }]).detail,
    'replace operation failed to decode path: operation missing path field: missing value');
  assert.equal(applyErr({}, [{ op: 'test', path: 5 }]).detail,
    'test operation failed to decode path: json: cannot unmarshal number into Go value of type string');
});

test('add without a value sets null', () => {
  assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/a' }]), { a: null });
});

test('a failed op leaves no partial result (ops apply to a copy)', () => {
  const d = { a: 1 };
  applyErr(d, [{ op: 'replace', path: '/a', value: 2 }, { op: 'remove', path: '/zz' }]);
  assert.deepEqual(d, { a: 1 });
});

test('a null patch document applies no operations', () => {
  assert.deepEqual(applyJsonPatch({ a: 1 }, null), { a: 1 });
});

test('malformed patch documents: 400 with Go decode errors', () => {
  const bad = (v: unknown) => {
    try {
      decodeJsonPatch(v);
    } catch (e) {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 400);
      assert.equal(e.reason, 'BadRequest');
      return e.message;
    }
    assert.fail('expected failure');
  };
  assert.equal(bad({ op: 'add' }), 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  assert.equal(bad(['x']), 'json: cannot unmarshal string into Go value of type jsonpatch.Operation');
});

test('strict decode: fatal type errors and collected unknown fields', () => {
  assert.throws(() => strictCheckJsonPatch({}), (e: any) => e.code === 400 &&
    e.message === 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
  assert.throws(() => strictCheckJsonPatch([{ op: 1, path: '/a' }]), (e: any) => e.code === 400 &&
    e.message === 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string');
  assert.deepEqual(strictCheckJsonPatch([{ op: 'add', path: '/a', value: 1, Op: 'x' }]), ['json patch unknown field "[0].Op"']);
  assert.deepEqual(strictCheckJsonPatch([{ op: 'add', path: '/a', value: { any: 'thing' } }]), []);
});

test('more than 10000 operations: 413', () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/a', value: 1 }));
  assert.throws(() => applyJsonPatch({ a: 1 }, ops), (e: any) => e.code === 413 && e.reason === 'RequestEntityTooLarge' &&
    e.message === 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
});

test('traversal through scalars, nulls and bad indexes is a missing path', () => {
  assert.equal(applyErr({ a: 'str' }, [{ op: 'add', path: '/a/b', value: 1 }]).detail,
    'add operation does not apply: doc is missing path: "/a/b": missing value');
  assert.equal(applyErr({ a: null }, [{ op: 'add', path: '/a/b', value: 1 }]).detail,
    'add operation does not apply: doc is missing path: "/a/b": missing value');
  assert.equal(applyErr({ l: [{}] }, [{ op: 'add', path: '/l/3/b', value: 1 }]).detail,
    'add operation does not apply: doc is missing path: "/l/3/b": missing value');
  assert.deepEqual(applyJsonPatch({ l: [{}] }, [{ op: 'add', path: '/l/0/b', value: 1 }]), { l: [{ b: 1 }] });
});
