// JSON Merge Patch (RFC 7386, application/merge-patch+json) as the apiserver applies it (the json-patch
// v4 library's MergePatch): null deletes a key, objects merge recursively, anything else (arrays
// included) replaces; nulls inside newly added objects are pruned. Also createMergePatch, the
// inverse: the merge patch that turns one document into another.

import { StatusError } from '../errors.js';
import { isObject, hasOwn, setKey, clone, type JsonObject } from './json-util.js';






/** The library's "Invalid JSON Patch" (upstream answers 400 BadRequest with it). */
export function invalidMergePatch(): StatusError {
  return new StatusError(400, 'BadRequest', 'Invalid JSON Patch');
}

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return pruneArrayNulls(v);
  if (isObject(v)) return pruneObjectNulls(v);
  return v;
}

function pruneObjectNulls(o: JsonObject): JsonObject {
  for (const k of Object.keys(o)) {
    if (o[k] === null) delete o[k];
    else pruneNulls(o[k]);
  }
  return o;
}

/** Null elements of an array are kept; only objects inside it lose their null members. */
function pruneArrayNulls(a: unknown[]): unknown[] {
  for (const el of a) if (el !== null) pruneNulls(el);
  return a;
}

function mergeValue(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  if (!isObject(patch)) return patch;
  mergeObjects(cur, patch);
  return cur;
}

function mergeObjects(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = hasOwn(doc, k) ? doc[k] : undefined;
    setKey(doc, k, cur === undefined || cur === null ? pruneNulls(v) : mergeValue(cur, v));
  }
}

/**
 * Apply a decoded merge patch to a copy of `doc`. A null or scalar patch is "Invalid JSON Patch" (400);
 * an array patch replaces the whole document (as upstream, which then fails to decode it).
 */
export function applyMergePatch(doc: unknown, patch: unknown): any {
  if (patch === null || patch === undefined) throw invalidMergePatch();
  if (Array.isArray(patch)) return pruneArrayNulls(clone(patch));
  if (!isObject(patch)) throw invalidMergePatch();
  if (doc === null || doc === undefined) throw new StatusError(500, '', 'Invalid JSON Document');
  if (!isObject(doc)) return pruneObjectNulls(clone(patch));
  const out = clone(doc);
  mergeObjects(out, clone(patch));
  return out;
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (isObject(v)) return 'map';
  return typeof v;
}

/** Deep equality of decoded JSON values (object key order ignored, array order significant). */
export function jsonDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (goType(a) !== goType(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonDeepEqual(x, bb[i]));
  }
  if (isObject(a)) {
    const bo = b as JsonObject;
    const ka = Object.keys(a);
    return ka.length === Object.keys(bo).length && ka.every((k) => hasOwn(bo, k) && jsonDeepEqual(a[k], bo[k]));
  }
  return a === b || (a === null && b === null);
}

function diff(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, bv] of Object.entries(b)) {
    if (!hasOwn(a, k)) {
      setKey(out, k, clone(bv));
      continue;
    }
    const av = a[k];
    if (goType(av) !== goType(bv)) {
      setKey(out, k, clone(bv));
      continue;
    }
    if (isObject(av)) {
      const d = diff(av, bv as JsonObject);
      if (Object.keys(d).length > 0) setKey(out, k, d);
    } else if (!jsonDeepEqual(av, bv)) {
      setKey(out, k, clone(bv));
    }
  }
  for (const k of Object.keys(a)) if (!hasOwn(b, k)) setKey(out, k, null);
  return out;
}

/**
 * The merge patch that yields `modified` when applied to `original` (both JSON objects): changed and
 * added keys carry the new value (objects diffed recursively, arrays whole), removed keys are null.
 */
export function createMergePatch(original: unknown, modified: unknown): Record<string, unknown> {
  const a = original ?? {};
  const b = modified ?? {};
  if (!isObject(a) || !isObject(b)) throw new Error('Invalid JSON Document');
  return diff(a, b);
}
