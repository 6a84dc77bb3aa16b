// FieldsV1: the JSON form of a FieldSet kept in metadata.managedFields[].fieldsV1. Every path
// element is a key; a member without children is `{}`, a member with children carries `".": {}`
// among them. Keys are written in structured-merge-diff's order so equal sets encode equally.

import { FieldSet, comparePathElements } from './fieldpath.js';

export type FieldsV1 = { [pe: string]: FieldsV1 };

export function encodeFieldsV1(set: FieldSet): FieldsV1 {
  return encodeInto({}, set);
}

function encodeInto(out: FieldsV1, set: FieldSet): FieldsV1 {
  let keys: string[];
  if (set.children.size === 0) keys = [...set.members];
  else {
    keys = [...set.children.keys()];
    for (const m of set.members) if (!set.children.has(m)) keys.push(m);
  }
  if (keys.length > 1) keys.sort(comparePathElements);
  for (const pe of keys) {
    const c = set.children.get(pe);
    if (!c || c.isEmpty()) {
      if (set.members.has(pe)) out[pe] = {};
      continue;
    }
    out[pe] = set.members.has(pe) ? encodeInto({ '.': {} }, c) : encodeFieldsV1(c);
  }
  return out;
}

export class FieldsV1Error extends Error {}

const ELEMENT = /^(f:|k:\{|v:|i:\d+$)/;

/** Decode a fieldsV1 object; throws FieldsV1Error on anything that is not one. */
export function decodeFieldsV1(v: unknown): FieldSet {
  const set = new FieldSet();
  decodeInto(v, set);
  return set;
}

function decodeInto(v: unknown, set: FieldSet): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FieldsV1Error('expected an object');
  for (const [pe, sub] of Object.entries(v as Record<string, unknown>)) {
    if (pe === '.') throw new FieldsV1Error('"." outside of a path element');
    if (!ELEMENT.test(pe)) throw new FieldsV1Error(`unknown path element ${JSON.stringify(pe)}`);
    if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw new FieldsV1Error(`expected an object at ${pe}`);
    const entries = Object.keys(sub);
    if (entries.length === 0) {
      set.members.add(pe);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(sub, '.')) set.members.add(pe);
    const rest: Record<string, unknown> = {};
    for (const k of entries) if (k !== '.') rest[k] = (sub as Record<string, unknown>)[k];
    if (Object.keys(rest).length) decodeInto(rest, set.child(pe));
  }
}

/** Whether the encoded set `raw` has a member in common with `set` (without decoding raw). */
export function fieldsV1Intersects(raw: FieldsV1, set: FieldSet): boolean {
  for (const m of set.members) {
    const r = raw[m];
    if (r === undefined) continue;
    if (Object.prototype.hasOwnProperty.call(r, '.') || Object.keys(r).length === 0) return true;
  }
  for (const [pe, c] of set.children) {
    const r = raw[pe];
    if (r !== undefined && fieldsV1Intersects(r, c)) return true;
  }
  return false;
}

/** Whether two encoded sets are equal (as encoded: same keys, any order). */
export function fieldsV1Equal(a: FieldsV1, b: FieldsV1): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    const bv = b[k];
    if (bv === undefined || !fieldsV1Equal(a[k], bv)) return false;
  }
  return true;
}
