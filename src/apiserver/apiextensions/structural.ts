// Structural schema rules for a CRD version's openAPIV3Schema, as upstream enforces them in
// apiextensions.k8s.io/v1: every specified node has a type (unless x-kubernetes-int-or-string
// or x-kubernetes-preserve-unknown-fields), object at the root, only name/generateName under
// the root's metadata, no $ref / additionalProperties:false / uniqueItems / properties together
// with additionalProperties, list-type map keys, defaults that validate against their schema,
// and x-kubernetes-validations rules that compile.

import type { FieldError } from '../../apimachinery/errors.js';
import { fieldErr } from '../../apimachinery/errors.js';
import type { Schema } from '../../apimachinery/schema/types.js';
import { compileRule } from './cel.js';
import { pruneObject } from './prune.js';
import { schemaRegex, validateValue } from './validate.js';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** Go's %#v of a ValidationRule, as upstream prints it in compile errors. */
function goRule(r: any): string {
  const ptr = (v: unknown, t: string) => (v === undefined || v === null ? `(*${t})(nil)` : `(*${t})(${JSON.stringify(v)})`);
  return `apiextensions.ValidationRule{Rule:${JSON.stringify(r.rule ?? '')}, Message:${JSON.stringify(r.message ?? '')}, MessageExpression:${JSON.stringify(r.messageExpression ?? '')}, Reason:${ptr(r.reason, 'apiextensions.FieldValueErrorReason')}, FieldPath:${JSON.stringify(r.fieldPath ?? '')}, OptionalOldSelf:${ptr(r.optionalOldSelf, 'bool')}}`;
}

export function validateStructural(schema: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(schema)) {
    errs.push(fieldErr.required(path, 'schemas are required'));
    return errs;
  }
  const s = schema as Schema;
  if (s.type !== 'object') {
    if (s.type === undefined) errs.push(fieldErr.required(`${path}.type`, 'must not be empty at the root'));
    else errs.push(fieldErr.invalid(`${path}.type`, s.type, 'must be object at the root'));
  }
  for (const k of ['nullable', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource'] as const) {
    if (s[k]) errs.push(fieldErr.forbidden(`${path}.${k}`, 'must be false at the root'));
  }
  const meta = s.properties?.metadata;
  if (meta) {
    const mp = `${path}.properties[metadata]`;
    const extra = Object.keys(meta).filter((k) => !['type', 'properties', 'description'].includes(k));
    const props = Object.keys(meta.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
    if (extra.length || props.length || (meta.type && meta.type !== 'object')) {
      errs.push(fieldErr.forbidden(mp, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  walk(s, path, errs, true, 'object');
  return errs;
}

function walk(s: Schema, path: string, errs: FieldError[], root: boolean, what: 'object' | 'array'): void {
  if (!isObj(s)) return;
  const intOrString = !!s['x-kubernetes-int-or-string'];
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  if (s.type !== undefined && !TYPES.includes(s.type)) {
    errs.push(fieldErr.notSupported(`${path}.type`, s.type, TYPES));
  }
  if (!s.type && !intOrString && preserve !== true && !root) {
    errs.push(fieldErr.required(`${path}.type`, `must not be empty for specified ${what === 'array' ? 'array items' : 'object fields'}`));
  }
  if (intOrString && s.type) errs.push(fieldErr.invalid(`${path}.type`, s.type, 'must be empty if x-kubernetes-int-or-string is true'));
  if (preserve === false) errs.push(fieldErr.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (s['x-kubernetes-embedded-resource'] && s.type !== 'object') errs.push(fieldErr.invalid(`${path}.type`, s.type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  if (s['x-kubernetes-embedded-resource'] && !preserve && !s.properties) {
    errs.push(fieldErr.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  if (s.$ref !== undefined) errs.push(fieldErr.forbidden(`${path}.$ref`, '$ref is not supported'));
  if (s.uniqueItems) errs.push(fieldErr.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties === false) errs.push(fieldErr.forbidden(`${path}.additionalProperties`, 'additionalProperties cannot be set to false'));
  if (s.additionalProperties !== undefined && s.properties) errs.push(fieldErr.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  if (s.additionalProperties !== undefined && s.additionalProperties !== false && preserve) {
    errs.push(fieldErr.forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-preserve-unknown-fields is true'));
  }
  if (s.type === 'array' && !s.items) errs.push(fieldErr.required(`${path}.items`, 'must be specified'));
  if (Array.isArray(s.items)) errs.push(fieldErr.forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (s.pattern !== undefined && !schemaRegex(s.pattern)) errs.push(fieldErr.invalid(`${path}.pattern`, s.pattern, 'must be a valid regular expression'));
  const lt = s['x-kubernetes-list-type'];
  if (lt !== undefined) {
    if (!['atomic', 'set', 'map'].includes(lt)) errs.push(fieldErr.notSupported(`${path}.x-kubernetes-list-type`, lt, ['atomic', 'set', 'map']));
    if (s.type !== 'array') errs.push(fieldErr.invalid(`${path}.type`, s.type ?? '', 'must be array if x-kubernetes-list-type is specified'));
  }
  const keys = s['x-kubernetes-list-map-keys'];
  if (keys !== undefined && lt !== 'map') errs.push(fieldErr.forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty if x-kubernetes-list-type is not map'));
  if (lt === 'map') {
    if (!keys || !keys.length) errs.push(fieldErr.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items && s.items.type !== 'object') errs.push(fieldErr.invalid(`${path}.items.type`, s.items.type ?? '', 'must be object if parent array\'s x-kubernetes-list-type is map'));
    for (const [i, k] of (keys ?? []).entries()) {
      const ks = s.items?.properties?.[k];
      if (!ks) errs.push(fieldErr.invalid(`${path}.x-kubernetes-list-map-keys[${i}]`, k, 'entries must all be names of item properties'));
      else if (!(s.items?.required ?? []).includes(k) && ks.default === undefined) {
        errs.push(fieldErr.required(`${path}.items.properties[${k}].default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
    }
  }
  const mt = s['x-kubernetes-map-type'];
  if (mt !== undefined && mt !== 'atomic' && mt !== 'granular') errs.push(fieldErr.notSupported(`${path}.x-kubernetes-map-type`, mt, ['granular', 'atomic']));
  if (s.default !== undefined) {
    if (root) errs.push(fieldErr.forbidden(`${path}.default`, 'must not be set at the root'));
    else checkDefault(s, path, errs);
  }
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const rp = `${path}.x-kubernetes-validations[${i}]`;
    if (!isObj(r) || typeof r.rule !== 'string' || !r.rule.trim()) {
      errs.push(fieldErr.required(`${rp}.rule`, ''));
      return;
    }
    const p = compileRule(r.rule);
    if (p instanceof Error) errs.push({ type: 'FieldValueInvalid', field: `${rp}.rule`, valueText: goRule(r), detail: `compilation failed: ${p.message}` });
    if (r.messageExpression) {
      const m = compileRule(r.messageExpression);
      if (m instanceof Error) errs.push({ type: 'FieldValueInvalid', field: `${rp}.messageExpression`, valueText: goRule(r), detail: `messageExpression compilation failed: ${m.message}` });
    }
    if (r.reason !== undefined && !['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'].includes(r.reason)) {
      errs.push(fieldErr.notSupported(`${rp}.reason`, r.reason, ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired']));
    }
    if (r.message !== undefined && /[\r\n]/.test(r.message)) errs.push(fieldErr.invalid(`${rp}.message`, r.message, 'message must not contain line breaks'));
  });
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    (s[combinator] ?? []).forEach((sub, i) => {
      if (isObj(sub) && (sub.default !== undefined)) errs.push(fieldErr.forbidden(`${path}.${combinator}[${i}].default`, 'must not be set inside logical junctors'));
      if (isObj(sub) && sub['x-kubernetes-preserve-unknown-fields']) errs.push(fieldErr.forbidden(`${path}.${combinator}[${i}].x-kubernetes-preserve-unknown-fields`, 'must be false'));
    });
  }
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (root && k === 'metadata') continue;
    walk(sub, `${path}.properties[${k}]`, errs, false, 'object');
  }
  if (isObj(s.additionalProperties)) walk(s.additionalProperties as Schema, `${path}.additionalProperties`, errs, false, 'object');
  if (isObj(s.items)) walk(s.items, `${path}.items`, errs, false, 'array');
}

/** A default must validate against its own schema and must not carry fields pruning would drop. */
function checkDefault(s: Schema, path: string, errs: FieldError[]): void {
  const dp = `${path}.default`;
  const verrs: FieldError[] = [];
  validateValue(s.default, s, '', verrs);
  for (const e of verrs) {
    const field = e.field ? `${dp}.${e.field}` : dp;
    const detail = e.detail?.replace(/^(\S+) in body/, (_m, p: string) => `${p === '<root>' ? dp : `${dp}.${p}`} in body`);
    errs.push({ ...e, field, detail });
  }
  if (isObj(s.default)) {
    const copy = structuredClone(s.default) as Record<string, any>;
    const wrapped = { type: 'object' as const, properties: { d: s } };
    const pruned = pruneObject({ d: copy }, wrapped).filter((p) => p !== 'd.apiVersion' && p !== 'd.kind');
    if (pruned.length) errs.push(fieldErr.invalid(dp, s.default, `must not have unknown fields`));
  }
}
