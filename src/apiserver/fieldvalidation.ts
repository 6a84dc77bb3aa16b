// Server-side field validation (the fieldValidation query parameter: Strict, Warn, Ignore).
// Unknown fields are found by walking the object against the built-in types' wire schema
// (the same field lists the protobuf codec uses) and are dropped from the object, as Go's
// decoding drops them; duplicate fields are found by a Go-compatible JSON parse. Strict
// fails the request with upstream's "strict decoding error"; Warn (the default) answers with
// Warning headers.

import { badRequest } from '../apimachinery/errors.js';
import { getMessage, messageForKind } from '../apimachinery/protobuf/schema.js';
import type { FieldSchema, MessageSchema, TypeRef } from '../apimachinery/protobuf/schema.js';
import { GoJsonSyntaxError, parseGoJson } from '../apimachinery/patch/index.js';
import type { KObject } from './registry/types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation') ?? '';
  if (v === 'Strict' || v === 'Ignore') return v;
  if (v === '' || v === 'Warn') return 'Warn';
  throw badRequest(`fieldValidation parameter unsupported: ${v}. Must be one of "Ignore", "Warn", "Strict"`);
}

const knownCache = new Map<string, Map<string, FieldSchema>>();

/** JSON name → field, with inlined (embedded) structs' fields lifted to this level. */
function knownFields(msg: MessageSchema): Map<string, FieldSchema> {
  let m = knownCache.get(msg.name);
  if (m) return m;
  m = new Map();
  for (const f of msg.fields) {
    if (f.inline && f.type.kind === 'message') {
      const inner = getMessage(f.type.name);
      if (inner) for (const [k, v] of knownFields(inner)) m.set(k, v);
      continue;
    }
    m.set(f.json, f);
  }
  knownCache.set(msg.name, m);
  return m;
}

/**
 * Whether the Go type embeds TypeMeta (apiVersion/kind are then known fields), which the proto
 * schema does not record: a kind's object with ObjectMeta, e.g. the PersistentVolumeClaims of a
 * StatefulSet's volumeClaimTemplates — not the *TemplateSpec / PersistentVolumeClaimTemplate
 * types that carry metadata without TypeMeta.
 */
function hasTypeMeta(msg: MessageSchema): boolean {
  if (msg.name.endsWith('TemplateSpec') || msg.name === 'core.PersistentVolumeClaimTemplate') return false;
  return msg.fields.some((f) => f.json === 'metadata' && f.type.kind === 'message' && f.type.name.endsWith('.ObjectMeta'));
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function walkType(v: unknown, t: TypeRef, path: string, out: string[], prune: boolean): void {
  if (v === null || typeof v !== 'object') return;
  if (t.kind === 'message') {
    const msg = getMessage(t.name);
    if (msg) walkMessage(v as KObject, msg, path, out, prune);
  } else if (t.kind === 'map' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v)) walkType(val, t.value, `${path}[${k}]`, out, prune);
  }
}

function walkMessage(obj: KObject, msg: MessageSchema, path: string, out: string[], prune: boolean): void {
  if (msg.special || Array.isArray(obj)) return;
  const known = knownFields(msg);
  for (const key of Object.keys(obj)) {
    const f = known.get(key);
    if (!f) {
      if ((key === 'apiVersion' || key === 'kind') && (path === '' || hasTypeMeta(msg))) continue;
      out.push(join(path, key));
      if (prune) delete obj[key];
      continue;
    }
    const v = obj[key];
    if (f.repeated && Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walkType(v[i], f.type, `${join(path, key)}[${i}]`, out, prune);
    } else walkType(v, f.type, join(path, key), out, prune);
  }
}

/** Unknown field paths of a built-in object ([] for kinds without a schema); prunes them when asked. */
export function unknownFields(obj: KObject, apiVersion: string, kind: string, prune: boolean): string[] {
  const msg = messageForKind(apiVersion, kind);
  if (!msg) return [];
  const out: string[] = [];
  walkMessage(obj, msg, '', out, prune);
  return out;
}

/** Parse a JSON body, reporting duplicate members (only done when the client asked for validation). */
export function parseJSONWithDuplicates(text: string): { value: unknown; duplicates: string[] } {
  try {
    return parseGoJson(text);
  } catch (e) {
    if (e instanceof GoJsonSyntaxError) throw badRequest(`couldn't get version/kind; json parse error: ${e.message}`);
    throw e;
  }
}

/**
 * Apply the policy (duplicates: messages such as `duplicate field "spec.replicas"`) to an object about to be written. Returns the warnings to send; throws
 * 400 BadRequest under Strict.
 */
export function checkFields(obj: KObject, apiVersion: string, kind: string, mode: FieldValidation, duplicates: string[] = [], prune?: (obj: KObject) => string[]): string[] {
  // prune: the resource's own pruning (custom resources' structural schemas)
  const unknown = prune ? prune(obj) : unknownFields(obj, apiVersion, kind, true);
  if (mode === 'Ignore') return [];
  const problems = [...duplicates, ...unknown.map((u) => `unknown field "${u}"`)];
  if (!problems.length) return [];
  if (mode === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  return problems;
}

// ---- JSON type errors (what Go's decoder reports when a value has the wrong JSON type) ----

function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

const SCALAR_GO: Record<string, string> = { string: 'string', bytes: '[]uint8', bool: 'bool', int32: 'int32', int64: 'int64', uint32: 'uint32', uint64: 'uint64', double: 'float64', float: 'float32' };

function goTypeName(t: TypeRef, repeated = false): string {
  let base: string;
  if (t.kind === 'scalar') base = SCALAR_GO[t.scalar] ?? t.scalar;
  else if (t.kind === 'map') base = `map[${goTypeName(t.key)}]${goTypeName(t.value)}`;
  else {
    const short = t.name.split('.').pop()!;
    const pkg = t.name.startsWith('resource.') ? 'resource' : t.name.startsWith('intstr.') ? 'intstr' : t.name.startsWith('runtime.') ? 'runtime' : 'v1';
    base = `${pkg}.${short}`;
  }
  return repeated ? `[]${base}` : base;
}

/** Whether a JSON value can decode into the type (null always can). */
function fits(v: unknown, t: TypeRef): boolean {
  if (v === null || v === undefined) return true;
  if (t.kind === 'scalar') {
    switch (t.scalar) {
      case 'string': case 'bytes': return typeof v === 'string';
      case 'bool': return typeof v === 'boolean';
      default: return typeof v === 'number';
    }
  }
  if (t.kind === 'map') return typeof v === 'object' && !Array.isArray(v);
  const msg = getMessage(t.name);
  switch (msg?.special) {
    case 'Time': case 'MicroTime': case 'Duration': return typeof v === 'string';
    case 'Quantity': case 'IntOrString': return typeof v === 'string' || typeof v === 'number';
    case 'RawExtension': return true;
    case 'StringArray': return Array.isArray(v);
    case 'FieldsV1': return typeof v === 'object' && !Array.isArray(v);
    default: return typeof v === 'object' && !Array.isArray(v);
  }
}

function typeErrorIn(obj: KObject, msg: MessageSchema, path: string): string | undefined {
  if (msg.special) return undefined;
  const known = knownFields(msg);
  const structName = msg.name.split('.').pop()!;
  for (const [key, v] of Object.entries(obj)) {
    const f = known.get(key);
    if (!f || v === null || v === undefined) continue;
    const fpath = join(path, key);
    if (f.repeated) {
      if (!Array.isArray(v)) return `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${structName}.${fpath} of type ${goTypeName(f.type, true)}`;
      for (const item of v) {
        const e = typeErrorOfValue(item, f.type, fpath, structName);
        if (e) return e;
      }
      continue;
    }
    const e = typeErrorOfValue(v, f.type, fpath, structName);
    if (e) return e;
  }
  return undefined;
}

function typeErrorOfValue(v: unknown, t: TypeRef, path: string, structName: string): string | undefined {
  if (!fits(v, t)) return `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${structName}.${path} of type ${goTypeName(t)}`;
  if (v === null || typeof v !== 'object') return undefined;
  if (t.kind === 'map') {
    for (const val of Object.values(v as KObject)) {
      const e = typeErrorOfValue(val, t.value, path, structName);
      if (e) return e;
    }
    return undefined;
  }
  if (t.kind === 'message') {
    const m = getMessage(t.name);
    if (m && !Array.isArray(v)) return typeErrorIn(v as KObject, m, path);
  }
  return undefined;
}

/** The first JSON type error in a built-in object, worded as Go's decoder words it. */
export function typeError(obj: KObject, apiVersion: string, kind: string): string | undefined {
  const msg = messageForKind(apiVersion, kind);
  if (!msg) return undefined;
  return typeErrorIn(obj, msg, '');
}
