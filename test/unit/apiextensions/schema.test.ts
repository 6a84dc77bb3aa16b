// Unit tests of custom resource schema handling: validation messages and paths (types,
// formats, required, enum, pattern, bounds, lengths, counts, nullable, int-or-string,
// embedded resources, list-type set/map), defaulting and pruning.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/apimachinery/errors.js';
import type { Schema } from '../../../src/apimachinery/schema/types.js';
import { validateCustomResource } from '../../../src/apiserver/apiextensions/validate.js';
import { applyDefaults, hasDefaults, pruneObject } from '../../../src/apiserver/apiextensions/prune.js';

const root = (spec: Schema): Schema => ({ type: 'object', properties: { spec } });
const check = (spec: Schema, value: unknown) => validateCustomResource({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: value } as any, root(spec)).map(fieldErrorMessage);

test('types: the actual JSON type is the value, the expected type in the message', () => {
  assert.deepEqual(check({ type: 'object', properties: { replicas: { type: 'integer' } } }, { replicas: 'x' }), [
    'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
  ]);
  assert.deepEqual(check({ type: 'object', properties: { n: { type: 'integer' } } }, { n: 1.5 }), ['spec.n: Invalid value: "number": spec.n in body must be of type integer: "number"']);
  assert.deepEqual(check({ type: 'object', properties: { n: { type: 'number' } } }, { n: 2 }), []);
  assert.deepEqual(check({ type: 'object', properties: { s: { type: 'string' } } }, { s: null }), ['spec.s: Invalid value: "null": spec.s in body must be of type string: "null"']);
  assert.deepEqual(check({ type: 'object', properties: { s: { type: 'string', nullable: true } } }, { s: null }), []);
  assert.deepEqual(check({ type: 'object', properties: { l: { type: 'array', items: { type: 'string' } } } }, { l: ['a', 2] }), [
    'spec.l[1]: Invalid value: "integer": spec.l[1] in body must be of type string: "integer"',
  ]);
});

test('int-or-string accepts both and nothing else', () => {
  const s: Schema = { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true } } };
  assert.deepEqual(check(s, { p: 80 }), []);
  assert.deepEqual(check(s, { p: '80%' }), []);
  assert.equal(check(s, { p: true }).length, 1);
});

test('required, enum, pattern, bounds, lengths and counts', () => {
  const s: Schema = {
    type: 'object',
    required: ['image'],
    properties: {
      image: { type: 'string' },
      policy: { type: 'string', enum: ['Allow', 'Forbid'] },
      cron: { type: 'string', pattern: '^\\d+$' },
      min: { type: 'integer', minimum: 1 },
      xmax: { type: 'integer', maximum: 5, exclusiveMaximum: true },
      short: { type: 'string', maxLength: 3 },
      long: { type: 'string', minLength: 2 },
      few: { type: 'array', items: { type: 'string' }, maxItems: 1 },
      many: { type: 'array', items: { type: 'string' }, minItems: 2 },
      props: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 },
      mult: { type: 'integer', multipleOf: 5 },
    },
  };
  assert.deepEqual(check(s, { policy: 'Maybe', cron: 'x', min: 0, xmax: 5, short: 'abcd', long: 'a', few: ['a', 'b'], many: ['a'], props: { a: 'x', b: 'y' }, mult: 7 }), [
    'spec.image: Required value',
    'spec.policy: Unsupported value: "Maybe": supported values: "Allow", "Forbid"',
    "spec.cron: Invalid value: \"x\": spec.cron in body should match '^\\d+$'",
    'spec.min: Invalid value: 0: spec.min in body should be greater than or equal to 1',
    'spec.xmax: Invalid value: 5: spec.xmax in body should be less than 5',
    'spec.short: Too long: may not be more than 3 bytes',
    'spec.long: Invalid value: "a": spec.long in body should be at least 2 chars long',
    'spec.few: Too many: must have at most 1 items',
    'spec.many: Invalid value: 1: spec.many in body should have at least 2 items',
    'spec.props: Too many: must have at most 1 items',
    'spec.mult: Invalid value: 7: spec.mult in body should be a multiple of 5',
  ]);
});

test('formats', () => {
  const s: Schema = { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, at: { type: 'string', format: 'date-time' }, ip: { type: 'string', format: 'ipv4' } } };
  assert.deepEqual(check(s, { id: '0b7e2d9c-9d2f-4f6e-8a3c-2f7b1f0b9c11', at: '2024-01-02T03:04:05Z', ip: '10.0.0.1' }), []);
  assert.deepEqual(check(s, { id: 'nope', at: 'yesterday', ip: '300.1.1.1' }), [
    'spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"',
    'spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"',
    'spec.ip: Invalid value: "300.1.1.1": spec.ip in body must be of type ipv4: "300.1.1.1"',
  ]);
});

test('list types: set and map uniqueness', () => {
  const s: Schema = {
    type: 'object',
    properties: {
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
    },
  };
  assert.deepEqual(check(s, { tags: ['a', 'b', 'a'], ports: [{ name: 'x', port: 1 }, { name: 'x', port: 2 }] }), [
    'spec.tags[2]: Duplicate value: "a"',
    'spec.ports[1]: Duplicate value: {"name":"x"}',
  ]);
});

test('embedded resources need apiVersion and kind; their metadata follows ObjectMeta rules', () => {
  const s: Schema = { type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } };
  assert.deepEqual(check(s, { template: { metadata: { name: 'Bad_Name' } } }), [
    'spec.template.apiVersion: Required value: must not be empty',
    'spec.template.kind: Required value: must not be empty',
    `spec.template.metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
  assert.deepEqual(check(s, { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: {} } }), []);
});

test('pruning drops unknown fields (not under preserve-unknown-fields) and reports their paths', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          a: { type: 'string' },
          list: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          map: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'integer' } } } },
          emb: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        },
      },
    },
  };
  const obj: any = {
    apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', bogus: 1 }, junk: true,
    spec: { a: 's', b: 1, list: [{ k: 'v', z: 1 }], free: { any: { thing: 1 } }, map: { one: { v: 1, w: 2 } }, emb: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', x: 1 }, spec: {}, other: 1 } },
  };
  const removed = pruneObject(obj, schema);
  assert.deepEqual(removed.sort(), ['junk', 'metadata.bogus', 'spec.b', 'spec.emb.metadata.x', 'spec.emb.other', 'spec.list[0].z', 'spec.map.one.w']);
  assert.deepEqual(obj, {
    apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' },
    spec: { a: 's', list: [{ k: 'v' }], free: { any: { thing: 1 } }, map: { one: { v: 1 } }, emb: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} } },
  });
});

test('defaulting fills absent and (non-nullable) null properties, deeply', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        default: {},
        properties: {
          replicas: { type: 'integer', default: 1 },
          opt: { type: 'string', nullable: true, default: 'd' },
          items: { type: 'array', items: { type: 'object', properties: { weight: { type: 'integer', default: 5 } } } },
        },
      },
    },
  };
  assert.ok(hasDefaults(schema));
  const a: any = { metadata: {} };
  applyDefaults(a, schema);
  assert.deepEqual(a.spec, { replicas: 1, opt: 'd' });
  const b: any = { spec: { replicas: null, opt: null, items: [{}, { weight: 2 }] } };
  applyDefaults(b, schema);
  assert.deepEqual(b.spec, { replicas: 1, opt: null, items: [{ weight: 5 }, { weight: 2 }] });
  assert.equal(hasDefaults({ type: 'object', properties: { a: { type: 'string' } } }), false);
});
