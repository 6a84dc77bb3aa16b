// Unit tests of x-kubernetes-validations (CEL rules) on custom resources: self, messages,
// messageExpression, reason, fieldPath, transition rules with oldSelf (correlated through
// properties and list-type map keys), and compile errors reported on the CRD.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/apimachinery/errors.js';
import type { Schema } from '../../../src/apimachinery/schema/types.js';
import { validateRules } from '../../../src/apiserver/apiextensions/cel.js';
import { validateStructural } from '../../../src/apiserver/apiextensions/structural.js';

const schema = (spec: Schema): Schema => ({ type: 'object', properties: { spec } });
const run = (s: Schema, spec: unknown, oldSpec?: unknown) => validateRules({ spec } as any, oldSpec === undefined ? undefined : ({ spec: oldSpec } as any), schema(s)).map(fieldErrorMessage);

const replicas: Schema = {
  type: 'object',
  properties: { replicas: { type: 'integer' }, maxReplicas: { type: 'integer' } },
  'x-kubernetes-validations': [{ rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' }],
};

test('a failing rule answers with its message at the node it is on', () => {
  assert.deepEqual(run(replicas, { replicas: 2, maxReplicas: 5 }), []);
  assert.deepEqual(run(replicas, { replicas: 7, maxReplicas: 5 }), ['spec: Invalid value: "object": replicas must not exceed maxReplicas']);
});

test('default message, messageExpression, reason and fieldPath', () => {
  const s: Schema = {
    type: 'object',
    properties: { name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.startsWith('x-')" }] }, n: { type: 'integer' } },
    'x-kubernetes-validations': [
      { rule: 'self.n < 10', messageExpression: "'n is ' + string(self.n) + ', too big'", reason: 'FieldValueForbidden', fieldPath: '.n' },
    ],
  };
  assert.deepEqual(run(s, { name: 'y', n: 12 }), [
    'spec.n: Forbidden: n is 12, too big',
    'spec.name: Invalid value: "string": failed rule: self.startsWith(\'x-\')',
  ]);
});

test('list functions and has()', () => {
  const s: Schema = {
    type: 'object',
    properties: { items: { type: 'array', items: { type: 'string' } }, opt: { type: 'string' } },
    'x-kubernetes-validations': [
      { rule: "self.items.all(i, i.size() <= 3)", message: 'items are short' },
      { rule: "!has(self.opt) || self.items.exists(i, i == self.opt)", message: 'opt must be an item' },
    ],
  };
  assert.deepEqual(run(s, { items: ['a', 'bb'], opt: 'a' }), []);
  assert.deepEqual(run(s, { items: ['aaaa'], opt: 'z' }), ['spec: Invalid value: "object": items are short', 'spec: Invalid value: "object": opt must be an item']);
});

test('transition rules run only on updates with a correlated old value', () => {
  const s: Schema = {
    type: 'object',
    properties: {
      mode: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'ports only grow' }] } } },
      },
    },
  };
  assert.deepEqual(run(s, { mode: 'a', ports: [{ name: 'x', port: 1 }] }), [], 'create: no oldSelf');
  assert.deepEqual(run(s, { mode: 'a' }, { mode: 'a' }), []);
  assert.deepEqual(run(s, { mode: 'b' }, { mode: 'a' }), ['spec.mode: Invalid value: "string": mode is immutable']);
  assert.deepEqual(run(s, { mode: 'b' }, {}), [], 'no old value to correlate');
  assert.deepEqual(run(s, { ports: [{ name: 'y', port: 1 }, { name: 'x', port: 5 }] }, { ports: [{ name: 'x', port: 8 }, { name: 'y', port: 1 }] }), ['spec.ports[1].port: Invalid value: "integer": ports only grow']);
});

test('rules that do not compile are reported on the CRD', () => {
  const errs = validateStructural({ type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.replicas <=' }] } } }, 'spec.versions[0].schema.openAPIV3Schema').map(fieldErrorMessage);
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{Rule:"self\.replicas <=", .*\}: compilation failed: ERROR: <input>:1:/);
});
