// /openapi/v2: the swagger 2.0 form of the definitions (v3 schemas rewritten: #/definitions refs
// with their description beside them instead of allOf wrappers, IntOrString and Quantity as
// strings, no oneOf/anyOf/not/nullable/defaults), as JSON or as the gnostic OpenAPIv2 protobuf
// message (github.com/google/gnostic openapiv2/OpenAPIv2.proto) that kubectl asks for. The
// protobuf is encoded here by hand: only Document, Info, Definitions, NamedSchema, Schema and
// the helper messages they use. Paths are not published in v2 (kubectl reads only definitions).

import type { Schema } from '../../apimachinery/schema/types.js';
import { N, nameOfRef } from './model.js';

type Json = Record<string, any>;

const DROP = new Set(['oneOf', 'anyOf', 'not', 'nullable', 'default', 'x-kubernetes-int-or-string']);

/** A v3 schema in swagger 2.0 form. */
export function toV2(s: Schema, name?: string): Json {
  if (name === N.intOrString) return { description: s.description, type: 'string', format: 'int-or-string' };
  if (name === N.quantity) return { description: s.description, type: 'string' };
  const out: Json = {};
  const only = s.allOf?.length === 1 && s.allOf[0].$ref && !s.type && !s.properties ? s.allOf[0].$ref : undefined;
  for (const [k, v] of Object.entries(s)) {
    if (DROP.has(k)) continue;
    if (k === 'allOf') {
      if (only) out.$ref = `#/definitions/${nameOfRef(only)}`;
      else out.allOf = (v as Schema[]).map((x) => toV2(x));
    } else if (k === '$ref') out.$ref = `#/definitions/${nameOfRef(v as string)}`;
    else if (k === 'items') out.items = toV2(v as Schema);
    else if (k === 'additionalProperties') out.additionalProperties = typeof v === 'boolean' ? v : toV2(v as Schema);
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toV2(ps)]));
    else out[k] = v;
  }
  return out;
}

export function v2Document(definitions: Record<string, Json>): Json {
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: {},
    definitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

// ---- protobuf (proto3 wire format) ----

function varint(n: number | bigint): Buffer {
  if (typeof n === 'number' && n >= 0 && n < 0x80) return Buffer.from([n]);
  if (typeof n === 'number' && n >= 0 && n <= 0x7fffffff) {
    const bytes: number[] = [];
    for (; n > 0x7f; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
    bytes.push(n);
    return Buffer.from(bytes);
  }
  let v = BigInt(n);
  if (v < 0n) v = BigInt.asUintN(64, v);
  const bytes: number[] = [];
  while (v > 0x7fn) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}

const key = (field: number, wt: number) => varint((field << 3) | wt);
const bytesField = (field: number, b: Buffer) => Buffer.concat([key(field, 2), varint(b.length), b]);
const strField = (field: number, s: string | undefined) => (s ? bytesField(field, Buffer.from(s)) : undefined);
const boolField = (field: number, v: unknown) => (v === true ? Buffer.concat([key(field, 0), varint(1)]) : undefined);
const intField = (field: number, v: unknown) => (typeof v === 'number' && v !== 0 ? Buffer.concat([key(field, 0), varint(Math.trunc(v))]) : undefined);
function doubleField(field: number, v: unknown): Buffer | undefined {
  if (typeof v !== 'number' || v === 0) return undefined;
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([key(field, 1), b]);
}
const cat = (parts: (Buffer | undefined)[]) => Buffer.concat(parts.filter((p): p is Buffer => !!p));
/** gnostic Any: the value as YAML (JSON is YAML) in field 2. */
const anyMsg = (v: unknown) => cat([strField(2, JSON.stringify(v))]);
const namedAny = (name: string, v: unknown) => cat([strField(1, name), bytesField(2, anyMsg(v))]);

function schemaMsg(s: Json): Buffer {
  const parts: (Buffer | undefined)[] = [
    strField(1, s.$ref),
    strField(2, s.format),
    strField(3, s.title),
    strField(4, s.description),
    s.default !== undefined ? bytesField(5, anyMsg(s.default)) : undefined,
    doubleField(6, s.multipleOf),
    doubleField(7, s.maximum),
    boolField(8, s.exclusiveMaximum),
    doubleField(9, s.minimum),
    boolField(10, s.exclusiveMinimum),
    intField(11, s.maxLength),
    intField(12, s.minLength),
    strField(13, s.pattern),
    intField(14, s.maxItems),
    intField(15, s.minItems),
    boolField(16, s.uniqueItems),
    intField(17, s.maxProperties),
    intField(18, s.minProperties),
  ];
  for (const r of s.required ?? []) parts.push(strField(19, r));
  for (const e of s.enum ?? []) parts.push(bytesField(20, anyMsg(e)));
  if (s.additionalProperties !== undefined) {
    const ap = typeof s.additionalProperties === 'boolean' ? boolField(2, s.additionalProperties) ?? Buffer.alloc(0) : bytesField(1, schemaMsg(s.additionalProperties));
    parts.push(bytesField(21, ap));
  }
  if (s.type) parts.push(bytesField(22, cat((Array.isArray(s.type) ? s.type : [s.type]).map((t: string) => strField(1, t)))));
  if (s.items) parts.push(bytesField(23, cat((Array.isArray(s.items) ? s.items : [s.items]).map((i: Json) => bytesField(1, schemaMsg(i))))));
  for (const a of s.allOf ?? []) parts.push(bytesField(24, schemaMsg(a)));
  if (s.properties) {
    parts.push(bytesField(25, cat(Object.entries(s.properties as Record<string, Json>).map(([n, p]) => bytesField(1, cat([strField(1, n), bytesField(2, schemaMsg(p))]))))));
  }
  parts.push(boolField(27, s.readOnly));
  if (s.example !== undefined) parts.push(bytesField(30, anyMsg(s.example)));
  for (const [k, v] of Object.entries(s)) if (k.startsWith('x-')) parts.push(bytesField(31, namedAny(k, v)));
  return cat(parts);
}

/** The gnostic openapi_v2.Document message of a v2 document (definitions and info). */
export function v2Protobuf(doc: Json): Buffer {
  const info = cat([strField(1, doc.info.title), strField(2, doc.info.version)]);
  const defs = cat(Object.entries(doc.definitions as Record<string, Json>).map(([n, s]) => bytesField(1, cat([strField(1, n), bytesField(2, schemaMsg(s))]))));
  return cat([strField(1, doc.swagger), bytesField(2, info), bytesField(8, Buffer.alloc(0)), bytesField(9, defs)]);
}
