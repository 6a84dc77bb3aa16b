// JSON Patch (RFC 6902, application/json-patch+json) as the apiserver applies it: the op semantics and
// error texts of the json-patch v4 library upstream's PATCH handler uses (add/remove/replace/move/copy/
// test, "~0"/"~1" pointer escapes, "-" to append, negative array indices), the op-shape checks of its
// strict decode, and the Status errors the handler answers with (400 for a malformed patch document,
// 413 past 10000 operations, 422 with upstream's generic message when an operation does not apply).

import { StatusError } from '../errors.js';
import { isObject, hasOwn, setKey, clone } from './json-util.js';

/** One operation as decoded from the request body (a JSON object; fields are checked when applied). */
export type JsonPatchOp = Record<string, unknown>;

/** The apiserver refuses JSON patches with more operations than this (413). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * An operation failed to apply. Upstream answers with a generic 422 (NewGenericServerResponse), which
 * drops the library's text; `detail` keeps it (e.g. `add operation does not apply: doc is missing path:
 * "/spec/foo": missing value`) for logs and tests, while toStatus() gives exactly upstream's Status.
 */
export class JsonPatchApplyError extends StatusError {
  constructor(readonly detail: string) {
    super(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
    this.name = 'JsonPatchApplyError';
  }
}

/** An internal failure carrying the library's error text. */
class OpError extends Error {}

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';
const TEST_FAILED = 'test failed';

type Container = Record<string, unknown> | unknown[];





/** The name Go's encoding/json gives a JSON value's kind in "cannot unmarshal X into ..." errors. */
export function jsonKindName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return 'string';
    case 'number': return 'number';
    case 'boolean': return 'bool';
    default: return 'object';
  }
}

/** Go strconv.Quote, close enough for the ASCII paths and keys that show up here. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** strconv.Atoi: optional sign and decimal digits, 64-bit range; returns a bigint or throws its error text. */
function atoi(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new OpError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw new OpError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  }
  return n;
}

function invalidIndex(idx: bigint): OpError {
  return new OpError(`Unable to access invalid index: ${idx}: ${INVALID_INDEX}`);
}

/** RFC 6901 reference-token decoding, left to right: "~1" → "/", "~0" → "~". */
function decodeToken(t: string): string {
  return t.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

// ---- container primitives (the library's partialDoc / partialArray) ----

/** The value at key; null/undefined both stand for the library's nil node. */
function cGet(c: Container, key: string): unknown {
  if (!Array.isArray(c)) return hasOwn(c, key) ? c[key] : undefined;
  let idx = atoi(key);
  const len = BigInt(c.length);
  if (idx < 0n) {
    if (idx < -len) throw invalidIndex(idx);
    idx += len;
  }
  if (idx >= len) throw invalidIndex(idx);
  return c[Number(idx)];
}

function cSet(c: Container, key: string, val: unknown): void {
  if (!Array.isArray(c)) {
    setKey(c, key, val);
    return;
  }
  let idx = atoi(key);
  const len = BigInt(c.length);
  if (idx < 0n) {
    if (idx < -len) throw invalidIndex(idx);
    idx += len;
  }
  c[Number(idx)] = val;
}

function cAdd(c: Container, key: string, val: unknown): void {
  if (!Array.isArray(c)) {
    setKey(c, key, val);
    return;
  }
  if (key === '-') {
    c.push(val);
    return;
  }
  let idx: bigint;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new OpError(`value was not a proper array index: '${key}': ${(e as Error).message}`);
  }
  const size = BigInt(c.length + 1);
  if (idx >= size) throw invalidIndex(idx);
  if (idx < 0n) {
    if (idx < -size) throw invalidIndex(idx);
    idx += size;
  }
  c.splice(Number(idx), 0, val);
}

function cRemove(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!hasOwn(c, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete c[key];
    return;
  }
  let idx = atoi(key);
  const len = BigInt(c.length);
  if (idx >= len) throw invalidIndex(idx);
  if (idx < 0n) {
    if (idx < -len) throw invalidIndex(idx);
    idx += len;
  }
  c.splice(Number(idx), 1);
}

/**
 * Resolve all but the last token of `path` against the document. Like the library, the first token
 * (before the first "/") is ignored, a path without "/" resolves to nothing, and stepping through a
 * missing, null or scalar value (or a bad array index) resolves to nothing.
 */
function findObject(root: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc: Container = root;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = cGet(doc, decodeToken(part));
    } catch {
      return undefined;
    }
    if (Array.isArray(next) || isObject(next)) doc = next;
    else return undefined;
  }
  return { con: doc, key: decodeToken(split[split.length - 1]) };
}

// ---- operation fields ----

function opKind(op: JsonPatchOp | null): string {
  const v = op?.['op'];
  return typeof v === 'string' ? v : 'unknown';
}

function stringField(op: JsonPatchOp | null, name: 'path' | 'from', missingMsg: string): string {
  const v = op?.[name];
  if (v === undefined || v === null) throw new OpError(`${missingMsg}: ${MISSING}`);
  if (typeof v !== 'string') throw new OpError(`json: cannot unmarshal ${jsonKindName(v)} into Go value of type string`);
  return v;
}

function opPath(op: JsonPatchOp | null): string {
  return stringField(op, 'path', 'operation missing path field');
}

function opFrom(op: JsonPatchOp | null): string {
  return stringField(op, 'from', 'operation, missing from field');
}

/** The op's value: undefined when the op has no "value" member, else a private copy. */
function opValue(op: JsonPatchOp | null): unknown {
  if (!op || !hasOwn(op, 'value')) return undefined;
  return clone(op['value']);
}

function wrap(prefix: string, e: unknown): OpError {
  return new OpError(`${prefix}: ${(e as Error).message}`);
}

/** Structural equality for the test op (null only equals null; objects need the same keys). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function nilIfAbsent(v: unknown): unknown {
  return v === undefined ? null : v;
}

// ---- operations ----

function doAdd(doc: Container, op: JsonPatchOp | null): void {
  let path: string;
  try {
    path = opPath(op);
  } catch {
    throw new OpError(`add operation failed to decode path: ${MISSING}`);
  }
  const f = findObject(doc, path);
  if (!f) throw new OpError(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  try {
    cAdd(f.con, f.key, nilIfAbsent(opValue(op)));
  } catch (e) {
    throw wrap(`error in add for path: '${path}'`, e);
  }
}

function doRemove(doc: Container, op: JsonPatchOp | null): void {
  let path: string;
  try {
    path = opPath(op);
  } catch {
    throw new OpError(`remove operation failed to decode path: ${MISSING}`);
  }
  const f = findObject(doc, path);
  if (!f) throw new OpError(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  try {
    cRemove(f.con, f.key);
  } catch (e) {
    throw wrap(`error in remove for path: '${path}'`, e);
  }
}

/** Returns the new root when the whole document is replaced. */
function doReplace(doc: Container, op: JsonPatchOp | null): Container {
  let path: string;
  try {
    path = opPath(op);
  } catch (e) {
    throw wrap('replace operation failed to decode path', e);
  }
  if (path === '') {
    const v = opValue(op);
    if (Array.isArray(v) || isObject(v)) return v;
    throw new OpError('replace operation value must be object or array: %!w(<nil>)');
  }
  const f = findObject(doc, path);
  if (!f) throw new OpError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
  try {
    cGet(f.con, f.key);
  } catch {
    throw new OpError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
  }
  try {
    cSet(f.con, f.key, nilIfAbsent(opValue(op)));
  } catch (e) {
    throw wrap(`error in remove for path: '${path}'`, e);
  }
  return doc;
}

function doMove(doc: Container, op: JsonPatchOp | null): void {
  let from: string;
  try {
    from = opFrom(op);
  } catch (e) {
    throw wrap('move operation failed to decode from', e);
  }
  let f = findObject(doc, from);
  if (!f) throw new OpError(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  let val: unknown;
  try {
    val = cGet(f.con, f.key);
    cRemove(f.con, f.key);
  } catch (e) {
    throw wrap(`error in move for path: '${f.key}'`, e);
  }
  let path: string;
  try {
    path = opPath(op);
  } catch (e) {
    throw wrap('move operation failed to decode path', e);
  }
  f = findObject(doc, path);
  if (!f) throw new OpError(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  try {
    cAdd(f.con, f.key, nilIfAbsent(val));
  } catch (e) {
    throw wrap(`error in move for path: '${path}'`, e);
  }
}

function doTest(doc: Container, op: JsonPatchOp | null): void {
  let path: string;
  try {
    path = opPath(op);
  } catch (e) {
    throw wrap('test operation failed to decode path', e);
  }
  const failed = () => new OpError(`testing value ${path} failed: ${TEST_FAILED}`);
  const want = opValue(op);
  if (path === '') {
    if (want === undefined || !jsonEqual(doc, want)) throw failed();
    return;
  }
  const f = findObject(doc, path);
  if (!f) throw new OpError(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
  let val: unknown;
  try {
    val = cGet(f.con, f.key);
  } catch (e) {
    throw wrap(`error in test for path: '${path}'`, e);
  }
  if (val === undefined || val === null) {
    if (want === undefined || want === null) return;
    throw failed();
  }
  if (want === undefined || !jsonEqual(val, want)) throw failed();
}

function doCopy(doc: Container, op: JsonPatchOp | null): void {
  let from: string;
  try {
    from = opFrom(op);
  } catch (e) {
    throw wrap('copy operation failed to decode from', e);
  }
  let f = findObject(doc, from);
  if (!f) throw new OpError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  let val: unknown;
  try {
    val = cGet(f.con, f.key);
  } catch (e) {
    throw wrap(`error in copy for from: '${from}'`, e);
  }
  let path: string;
  try {
    path = opPath(op);
  } catch {
    throw new OpError(`copy operation failed to decode path: ${MISSING}`);
  }
  f = findObject(doc, path);
  if (!f) throw new OpError(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  try {
    cAdd(f.con, f.key, nilIfAbsent(clone(val)));
  } catch (e) {
    throw wrap('error while adding value during copy', e);
  }
}

// ---- decoding checks ----

/**
 * The checks upstream's handler makes on the decoded patch document before applying it, without
 * strict field validation: it must be an array (or null) of objects (or nulls). Returns the ops or
 * throws 400 with Go's decode error.
 */
export function decodeJsonPatch(value: unknown): (JsonPatchOp | null)[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new StatusError(400, 'BadRequest', `json: cannot unmarshal ${jsonKindName(value)} into Go value of type jsonpatch.Patch`);
  }
  for (const el of value) {
    if (el !== null && !isObject(el)) {
      throw new StatusError(400, 'BadRequest', `json: cannot unmarshal ${jsonKindName(el)} into Go value of type jsonpatch.Operation`);
    }
  }
  return value as (JsonPatchOp | null)[];
}

/**
 * The strict decode upstream runs first when fieldValidation is Strict or Warn: each op must have
 * string-typed op/path/from (null allowed). A type mismatch is fatal (400 "error decoding patch: ...");
 * unknown members are collected as strict errors ("json patch unknown field ...") for the caller to
 * report as 422 (Strict) or warnings (Warn). Duplicate members are found by the JSON parser.
 */
export function strictCheckJsonPatch(value: unknown): string[] {
  const fatal = (msg: string) => new StatusError(400, 'BadRequest', `error decoding patch: ${msg}`);
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw fatal(`json: cannot unmarshal ${jsonKindName(value)} into Go value of type []handlers.jsonPatchOp`);
  }
  const strict: string[] = [];
  let firstTypeError: string | undefined;
  value.forEach((el, i) => {
    if (el === null) return;
    if (!isObject(el)) {
      firstTypeError ??= `json: cannot unmarshal ${jsonKindName(el)} into Go value of type handlers.jsonPatchOp`;
      return;
    }
    for (const [k, v] of Object.entries(el)) {
      if (k === 'op' || k === 'path' || k === 'from') {
        if (v !== null && typeof v !== 'string') {
          firstTypeError ??= `json: cannot unmarshal ${jsonKindName(v)} into Go struct field jsonPatchOp.${k} of type string`;
        }
      } else if (k !== 'value') {
        strict.push(`json patch unknown field "[${i}].${k}"`);
      }
    }
  });
  if (firstTypeError) throw fatal(firstTypeError);
  return strict;
}

/**
 * Apply decoded ops to a copy of `doc` and return it. Failing operations throw JsonPatchApplyError
 * (422); more than MAX_JSON_PATCH_OPERATIONS ops throw 413; a non-array patch throws 400.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): any {
  const list = decodeJsonPatch(ops);
  if (list.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(413, 'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${list.length}`);
  }
  if (!Array.isArray(doc) && !isObject(doc)) {
    throw new JsonPatchApplyError(`json: cannot unmarshal ${jsonKindName(doc)} into Go value of type jsonpatch.partialDoc`);
  }
  let root: Container = clone(doc);
  try {
    for (const op of list) {
      switch (opKind(op)) {
        case 'add': doAdd(root, op); break;
        case 'remove': doRemove(root, op); break;
        case 'replace': root = doReplace(root, op); break;
        case 'move': doMove(root, op); break;
        case 'test': doTest(root, op); break;
        case 'copy': doCopy(root, op); break;
        default: throw new OpError(`Unexpected kind: ${opKind(op)}`);
      }
    }
  } catch (e) {
    if (e instanceof OpError) throw new JsonPatchApplyError(e.message);
    throw e;
  }
  return root;
}
