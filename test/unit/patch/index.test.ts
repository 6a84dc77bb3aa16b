// Tests for the PATCH entry point (src/apimachinery/patch/index.ts): Content-Type mapping and 415s,
// Go-compatible body decoding errors, strict-decoding errors, and kubectl's typical PATCH bodies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyPatch, applyPatchWithResult, patchTypeFromContentType, checkPatchContentType, parseGoJson, strictDecodingInvalid,
  builtinPatchMeta, goJsonMarshal, BUILTIN_PATCH_CONTENT_TYPES, CUSTOM_RESOURCE_PATCH_CONTENT_TYPES,
} from '../../../src/apimachinery/patch/index.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, resourceVersion: '7' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
  },
});
const DEP = builtinPatchMeta('apps', 'Deployment');

function status(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (e: any) {
    return { code: e.code, reason: e.reason, message: e.message };
  }
  assert.fail('expected an error');
}

test('content types map to patch types', () => {
  assert.equal(patchTypeFromContentType('application/json-patch+json'), 'json');
  assert.equal(patchTypeFromContentType('application/merge-patch+json'), 'merge');
  assert.equal(patchTypeFromContentType('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeFromContentType('application/apply-patch+yaml'), 'apply');
  assert.equal(patchTypeFromContentType('application/merge-patch+json; charset=utf-8'), 'merge');
  assert.equal(patchTypeFromContentType('application/json'), undefined);
  assert.equal(patchTypeFromContentType('Application/Merge-Patch+JSON'), undefined);
  assert.equal(patchTypeFromContentType(undefined), undefined);
});

test('unsupported content types: upstream\'s 415, without strategic merge for custom resources', () => {
  assert.equal(checkPatchContentType('application/strategic-merge-patch+json', true), 'strategic');
  assert.deepEqual(status(() => checkPatchContentType('application/strategic-merge-patch+json', false)), {
    code: 415, reason: 'UnsupportedMediaType',
    message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  });
  assert.equal(status(() => checkPatchContentType('text/plain', true)).message,
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml');
  assert.equal(BUILTIN_PATCH_CONTENT_TYPES.length, 4);
  assert.equal(CUSTOM_RESOURCE_PATCH_CONTENT_TYPES.includes('application/strategic-merge-patch+json'), false);
});

test('Go encoding/json syntax errors', () => {
  const err = (s: string) => {
    try {
      parseGoJson(s);
    } catch (e: any) {
      return e.message;
    }
    return 'no error';
  };
  assert.equal(err(''), 'unexpected end of JSON input');
  assert.equal(err('{"a":'), 'unexpected end of JSON input');
  assert.equal(err('x'), "invalid character 'x' looking for beginning of value");
  assert.equal(err('{"a":1,}'), "invalid character '}' looking for beginning of object key string");
  assert.equal(err("{'a':1}"), "invalid character '\\'' looking for beginning of object key string");
  assert.equal(err('{"a" 1}'), "invalid character '1' after object key");
  assert.equal(err('{"a":1 "b":2}'), `invalid character '"' after object key:value pair`);
  assert.equal(err('[1 2]'), "invalid character '2' after array element");
  assert.equal(err('[1,]'), "invalid character ']' looking for beginning of value");
  assert.equal(err('trux'), "invalid character 'x' in literal true (expecting 'e')");
  assert.equal(err('01'), "invalid character '1' after top-level value");
  assert.equal(err('-a'), "invalid character 'a' in numeric literal");
  assert.equal(err('1.x'), "invalid character 'x' after decimal point in numeric literal");
  assert.equal(err('1ex'), "invalid character 'x' in exponent of numeric literal");
  assert.equal(err('"\\x"'), "invalid character 'x' in string escape code");
  assert.equal(err('"\\u12x4"'), "invalid character 'x' in \\u hexadecimal character escape");
  assert.equal(err('"a\tb"'), "invalid character '\\t' in string literal");
  assert.equal(err('{"a":1}}'), "invalid character '}' after top-level value");
  assert.equal(err('{"a":1}\n'), 'no error');
  assert.deepEqual(parseGoJson('{"a":"\\u00e9\\n","b":[1,-2.5e3,true,null]}').value, { a: 'é\n', b: [1, -2500, true, null] });
});

test('duplicate members keep the last value and are reported with their path', () => {
  const r = parseGoJson('{"spec":{"replicas":1,"replicas":2},"a":[{"x":1,"x":2}]}');
  assert.deepEqual(r.value, { spec: { replicas: 2 }, a: [{ x: 2 }] });
  assert.deepEqual(r.duplicates, ['duplicate field "spec.replicas"', 'duplicate field "a[0].x"']);
  assert.deepEqual(parseGoJson('{"__proto__":{"x":1}}').value, JSON.parse('{"__proto__":{"x":1}}'));
});

test('kubectl label: merge patch body, Buffer input', () => {
  const out = applyPatch('merge', deployment(), Buffer.from('{"metadata":{"labels":{"env":"prod"}}}'));
  assert.deepEqual(out.metadata.labels, { app: 'web', env: 'prod' });
  const rm = applyPatch('merge', deployment(), '{"metadata":{"labels":{"app":null}}}');
  assert.deepEqual(rm.metadata.labels, {});
});

test('kubectl scale: merge patch of spec.replicas', () => {
  assert.equal(applyPatch('merge', deployment(), '{"spec":{"replicas":3}}').spec.replicas, 3);
});

test('kubectl patch (default strategic) and --type=json', () => {
  const out = applyPatch('strategic', deployment(), '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}', DEP);
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:1.27' }]);
  const j = applyPatch('json', deployment(), '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.27"}]');
  assert.equal(j.spec.template.spec.containers[0].image, 'nginx:1.27');
});

test('kubectl apply (client-side) style patch with $setElementOrder', () => {
  const body = JSON.stringify({
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'log' }],
          containers: [{ name: 'log', image: 'busybox' }],
        },
      },
    },
  });
  const out = applyPatch('strategic', deployment(), body, DEP);
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => c.name), ['nginx', 'log']);
  assert.equal(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{}');
});

test('bad bodies: 400 with the messages upstream gives per patch type and validation mode', () => {
  assert.deepEqual(status(() => applyPatch('json', {}, '{')), { code: 400, reason: 'BadRequest', message: 'error decoding patch: unexpected end of JSON input' });
  assert.equal(status(() => applyPatch('json', {}, '{', undefined, { fieldValidation: 'Ignore' })).message, 'unexpected end of JSON input');
  assert.equal(status(() => applyPatch('json', {}, '{"op":"add"}')).message,
    'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
  assert.equal(status(() => applyPatch('json', {}, '{"op":"add"}', undefined, { fieldValidation: 'Ignore' })).message,
    'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  assert.equal(status(() => applyPatch('merge', {}, 'nope')).message, "error decoding patch: invalid character 'o' in literal null (expecting 'u')");
  assert.equal(status(() => applyPatch('merge', {}, 'nope', undefined, { fieldValidation: 'Ignore' })).message, 'Invalid JSON Patch');
  assert.equal(status(() => applyPatch('merge', {}, '[1]')).message,
    'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
  assert.equal(status(() => applyPatch('merge', {}, 'null')).message, 'Invalid JSON Patch');
  assert.equal(status(() => applyPatch('strategic', {}, '{"a":}', DEP)).message, "invalid character '}' looking for beginning of value");
  assert.equal(status(() => applyPatch('strategic', {}, '"x"', DEP)).message,
    'json: cannot unmarshal string into Go value of type map[string]interface {}');
  assert.deepEqual(applyPatch('strategic', { a: 1 }, 'null', DEP), { a: 1 });
});

test('a JSON patch op that does not apply: 422 Invalid', () => {
  const s = status(() => applyPatch('json', deployment(), '[{"op":"test","path":"/spec/replicas","value":5}]'));
  assert.deepEqual(s, { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
});

test('strict errors of the patch itself are returned for the caller to report', () => {
  const m = applyPatchWithResult('merge', deployment(), '{"spec":{"replicas":2,"replicas":3}}', undefined, { fieldValidation: 'Strict' });
  assert.equal(m.object.spec.replicas, 3);
  assert.deepEqual(m.strictErrors, ['duplicate field "spec.replicas"']);
  assert.deepEqual(applyPatchWithResult('merge', deployment(), '{"spec":{"replicas":2,"replicas":3}}', undefined, { fieldValidation: 'Ignore' }).strictErrors, []);
  const j = applyPatchWithResult('json', deployment(), '[{"op":"replace","path":"/spec/replicas","value":4,"Value":1}]');
  assert.deepEqual(j.strictErrors, ['json patch unknown field "[0].Value"']);
  const s = applyPatchWithResult('strategic', deployment(), '{"metadata":{"labels":{"a":"1","a":"2"}}}', DEP);
  assert.deepEqual(s.strictErrors, ['duplicate field "metadata.labels.a"']);
  assert.deepEqual(s.patch, { metadata: { labels: { a: '2' } } });
});

test('strictDecodingInvalid builds upstream\'s 422', () => {
  const e = strictDecodingInvalid('merge', { b: 1, a: '<x>' }, {}, ['duplicate field "b"']);
  assert.equal(e.code, 422);
  assert.equal(e.reason, 'Invalid');
  assert.equal(e.message, ' "" is invalid: patch: Invalid value: "{\\"a\\":\\"\\\\u003cx\\\\u003e\\",\\"b\\":1}": strict decoding error: duplicate field "b"');
  const s = strictDecodingInvalid('strategic', {}, { spec: { replicas: 3 } }, ['duplicate field "spec.replicas"', 'unknown field "spec.foo"']);
  assert.equal(s.message, ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:3]]": strict decoding error: duplicate field "spec.replicas", unknown field "spec.foo"');
  assert.equal(goJsonMarshal({ z: [1, 'a&b'], a: null }), '{"a":null,"z":[1,"a\\u0026b"]}');
});

test('strategic merge without metadata (e.g. the scale subresource) merges maps and replaces lists', () => {
  const scale = { kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=web' } };
  assert.deepEqual(applyPatch('strategic', scale, '{"spec":{"replicas":4}}'), { kind: 'Scale', spec: { replicas: 4 }, status: { replicas: 1, selector: 'app=web' } });
});

test('a "__proto__" member in a patch is data, never the prototype', () => {
  for (const [type, body] of [
    ['merge', '{"__proto__":{"spec":{"evil":true}}}'],
    ['strategic', '{"__proto__":{"spec":{"evil":true}}}'],
    ['json', '[{"op":"add","path":"/__proto__","value":{"spec":{"evil":true}}}]'],
  ] as const) {
    const out = applyPatch(type, { a: 1 }, body, DEP);
    assert.equal(Object.getPrototypeOf(out), Object.prototype, type);
    assert.equal(out.spec, undefined, type);
    assert.deepEqual(Object.keys(out), ['a', '__proto__'], type);
  }
});
