// Validation of a custom resource against its version's structural OpenAPI v3 schema, with
// upstream's field paths and messages (kube-openapi's "<path> in body ..." texts, converted to
// field errors as apiextensions-apiserver does): types, formats, required, enum, pattern,
// numeric bounds, lengths, item/property counts, nullable, int-or-string, embedded resources
// and list-type set/map uniqueness. CEL rules are in cel.ts.

import { fieldErr, type FieldError } from '../../apimachinery/errors.js';
import type { Schema } from '../../apimachinery/schema/types.js';
import { validateObjectMeta } from '../../apimachinery/validation.js';
import { checkFormat } from './formats.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON type name go-openapi reports for a value. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v; // string, boolean, object
}

/** Go's %v of a float64 in these messages. */
function num(n: number): string {
  return String(n);
}

const regexCache = new Map<string, RegExp | null>();
export function schemaRegex(pattern: string): RegExp | null {
  let r = regexCache.get(pattern);
  if (r === undefined) {
    try {
      r = new RegExp(pattern);
    } catch {
      r = null;
    }
    regexCache.set(pattern, r);
  }
  return r;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object': return isObj(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number';
    default: return true;
  }
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

export interface ValidateOptions {
  /** Check embedded resources' metadata (name rules) as upstream does. */
  embedded?: boolean;
}

/** Validate `value` at `path` against `s`. Errors are appended to `errs`. */
export function validateValue(value: unknown, s: Schema | undefined, path: string, errs: FieldError[]): void {
  if (!s) return;
  if (value === null) {
    if (s.nullable || s['x-kubernetes-int-or-string'] || (s['x-kubernetes-preserve-unknown-fields'] && !s.type)) return;
    if (s.type) {
      errs.push(typeInvalid(path, 'null', s.type));
    }
    return;
  }
  if (value === undefined) return;
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
      errs.push(typeInvalid(path, jsonType(value), 'integer,string'));
      return;
    }
  } else if (s.type && !typeMatches(s.type, value)) {
    errs.push(typeInvalid(path, jsonType(value), s.type));
    return;
  }
  if (s.allOf) for (const sub of s.allOf) validateValue(value, sub, path, errs);
  if (s.anyOf && s.anyOf.length) {
    const ok = s.anyOf.some((sub) => {
      const e: FieldError[] = [];
      validateValue(value, sub, path, e);
      return e.length === 0;
    });
    if (!ok) errs.push(fieldErr.invalid(path, value, `${path || '<root>'} in body must be of type ${s.anyOf.map((x) => x.type ?? '').filter(Boolean).join(',') || 'anyOf'}`));
  }
  if (s.oneOf && s.oneOf.length) {
    const n = s.oneOf.filter((sub) => {
      const e: FieldError[] = [];
      validateValue(value, sub, path, e);
      return e.length === 0;
    }).length;
    if (n !== 1) errs.push(fieldErr.invalid(path, value, `${path || '<root>'} in body must validate one and only one schema (oneOf)`));
  }
  if (s.not) {
    const e: FieldError[] = [];
    validateValue(value, s.not, path, e);
    if (!e.length) errs.push(fieldErr.invalid(path, value, `${path || '<root>'} in body must not validate the schema (not)`));
  }
  if (s.enum && s.enum.length) {
    const text = JSON.stringify(value);
    if (!s.enum.some((e) => JSON.stringify(e) === text)) {
      errs.push(fieldErr.notSupported(path, value, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
    }
  }
  if (typeof value === 'string') validateString(value, s, path, errs);
  else if (typeof value === 'number') validateNumber(value, s, path, errs);
  else if (Array.isArray(value)) validateArray(value, s, path, errs);
  else if (isObj(value)) validateObject(value, s, path, errs);
}

function typeInvalid(path: string, actual: string, expected: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field: path, value: actual, detail: `${path || '<root>'} in body must be of type ${expected}: ${JSON.stringify(actual)}` };
}

function validateString(v: string, s: Schema, path: string, errs: FieldError[]): void {
  const len = [...v].length;
  if (s.maxLength !== undefined && len > s.maxLength) errs.push(fieldErr.tooLong(path, v, s.maxLength));
  if (s.minLength !== undefined && len < s.minLength) errs.push(fieldErr.invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined) {
    const re = schemaRegex(s.pattern);
    if (re && !re.test(v)) errs.push(fieldErr.invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  if (s.format && !s['x-kubernetes-int-or-string']) {
    if (!checkFormat(s.format, v)) errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${path} in body must be of type ${s.format}: ${JSON.stringify(v)}` });
  }
}

function validateNumber(v: number, s: Schema, path: string, errs: FieldError[]): void {
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
      errs.push(fieldErr.invalid(path, v, `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${num(s.maximum)}`));
    }
  }
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
      errs.push(fieldErr.invalid(path, v, `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${num(s.minimum)}`));
    }
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) errs.push(fieldErr.invalid(path, v, `${path} in body should be a multiple of ${num(s.multipleOf)}`));
  }
  if (s.format === 'int32' && (v > 2147483647 || v < -2147483648)) {
    errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${path} in body must be of type int32: "${v}"` });
  }
}

function validateArray(v: unknown[], s: Schema, path: string, errs: FieldError[]): void {
  if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(fieldErr.tooMany(path, v.length, s.maxItems));
  if (s.minItems !== undefined && v.length < s.minItems) errs.push(fieldErr.invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
  if (s.uniqueItems) {
    const seen = new Set<string>();
    for (const it of v) {
      const k = canonical(it);
      if (seen.has(k)) {
        errs.push(fieldErr.invalid(path, v, `${path} in body shouldn't contain duplicates`));
        break;
      }
      seen.add(k);
    }
  }
  if (s.items) for (let i = 0; i < v.length; i++) validateValue(v[i], s.items, `${path}[${i}]`, errs);
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'set') {
    const seen = new Set<string>();
    v.forEach((it, i) => {
      const k = canonical(it);
      if (seen.has(k)) errs.push(fieldErr.duplicate(`${path}[${i}]`, it));
      seen.add(k);
    });
  } else if (lt === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((it, i) => {
      if (!isObj(it)) return;
      const k = JSON.stringify(keys.map((key) => it[key] ?? s.items?.properties?.[key]?.default ?? null));
      if (seen.has(k)) {
        const shown: Record<string, unknown> = {};
        for (const key of keys) if (it[key] !== undefined) shown[key] = it[key];
        errs.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, value: shown, valueText: undefined });
      }
      seen.add(k);
    });
  }
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function validateObject(v: Record<string, unknown>, s: Schema, path: string, errs: FieldError[]): void {
  const n = Object.keys(v).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) errs.push({ type: 'FieldValueTooMany', field: path, value: n, detail: `must have at most ${s.maxProperties} items` });
  if (s.minProperties !== undefined && n < s.minProperties) errs.push(fieldErr.invalid(path, n, `${path} in body should have at least ${s.minProperties} properties`));
  for (const r of s.required ?? []) {
    if (!(r in v) || v[r] === undefined) errs.push(fieldErr.required(child(path, r), ''));
  }
  if (s.properties) {
    for (const [k, sub] of Object.entries(s.properties)) {
      if (k in v) {
        // the root's metadata is ObjectMeta: validated by the generic metadata rules
        if (path === '' && k === 'metadata') continue;
        validateValue(v[k], sub, child(path, k), errs);
      }
    }
  }
  if (isObj(s.additionalProperties)) {
    for (const [k, val] of Object.entries(v)) {
      if (s.properties && k in s.properties) continue;
      validateValue(val, s.additionalProperties, child(path, k), errs);
    }
  }
  if (s['x-kubernetes-embedded-resource']) validateEmbedded(v, path, errs);
}

/** apiVersion, kind and metadata of an embedded resource (x-kubernetes-embedded-resource). */
function validateEmbedded(v: Record<string, unknown>, path: string, errs: FieldError[]): void {
  if (typeof v.apiVersion !== 'string' || !v.apiVersion) errs.push(fieldErr.required(child(path, 'apiVersion'), 'must not be empty'));
  if (typeof v.kind !== 'string' || !v.kind) errs.push(fieldErr.required(child(path, 'kind'), 'must not be empty'));
  const meta = v.metadata;
  if (meta === undefined || meta === null) return;
  if (!isObj(meta)) {
    errs.push(typeInvalid(child(path, 'metadata'), jsonType(meta), 'object'));
    return;
  }
  // embedded objects need no name; their names, labels, annotations... follow ObjectMeta rules
  const withName = meta.name || meta.generateName ? meta : { ...meta, name: 'x' };
  for (const e of validateObjectMeta(withName, { namespaced: false, nameRule: 'subdomain' }, child(path, 'metadata'))) {
    if (e.field.endsWith('.namespace') && e.type === 'FieldValueForbidden') continue;
    errs.push(e);
  }
}

/** Validate a whole custom resource (the root's apiVersion/kind/metadata are handled by the generic rules). */
export function validateCustomResource(obj: Record<string, unknown>, schema: Schema | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!schema) return errs;
  validateValue(obj, schema, '', errs);
  return errs;
}
