// Strategic merge patch (application/strategic-merge-patch+json) with upstream apimachinery's semantics:
// applying a patch server-side (lists merged by patchMergeKey or as sets per the PatchMeta, the $patch
// replace/delete directives, $retainKeys, $setElementOrder/<list>, $deleteFromPrimitiveList/<list>, null
// deleting a key, upstream's element ordering and its errors), and computing patches client-side
// (two-way as kubectl edit/label/annotate do, three-way as client-side apply does). Also the Go-style
// value formatting ("map[a:b]") that upstream's error texts are made of.

import { StatusError } from '../errors.js';
import { type PatchMeta, lookupPatchMeta, splitPatchStrategy } from './patch-meta.js';
import { isObject, hasOwn, setKey, clone, type JsonObject } from './json-util.js';


const DIRECTIVE = '$patch';
const DELETE = 'delete';
const REPLACE = 'replace';
const MERGE = 'merge';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';

const MAP_T = 'map[string]interface {}';
const SLICE_T = '[]interface {}';

// ---- errors ----

/**
 * A strategic-merge failure as upstream's apiserver reports it; `detail` is the underlying error text
 * (for the 422 answers upstream replaces it by a generic message).
 */
export class StrategicMergePatchError extends StatusError {
  constructor(code: number, reason: ConstructorParameters<typeof StatusError>[1], message: string, readonly detail: string, details?: ConstructorParameters<typeof StatusError>[3]) {
    super(code, reason, message, details);
    this.name = 'StrategicMergePatchError';
  }
}

/** Errors upstream maps to 400 BadRequest. */
function badFormat(msg: string): StrategicMergePatchError {
  return new StrategicMergePatchError(400, 'BadRequest', msg, msg);
}

/** Errors upstream maps to a generic 422 (lists of lists). */
function unprocessable(msg: string): StrategicMergePatchError {
  return new StrategicMergePatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', msg, {});
}

/** Any other error: upstream returns it unconverted, which the apiserver answers as 500 with no reason. */
function plain(msg: string): StrategicMergePatchError {
  return new StrategicMergePatchError(500, '', msg, msg);
}

const errBadJSONDoc = () => badFormat('invalid JSON document');
const errNoListOfLists = () => unprocessable('lists of lists are not supported');
const errBadPrimitiveList = () => badFormat('invalid patch format of primitive list');
const errBadRetainKeys = () => badFormat('invalid patch format of retainKeys');
const errBadSetElementOrder = () => badFormat('invalid patch format of setElementOrder list');
const errNoMergeKey = (m: unknown, k: string) => plain(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
const errBadArgType = (expected: string, actual: unknown) => plain(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: unknown, m: unknown) => plain(`unknown patch type: ${goFormat(t, 's')} in map: ${goFormat(m)}`);

// ---- Go-style formatting ----





/** The Go type a decoded JSON value has in upstream's unstructured maps (integers are int64). */
function goKind(v: unknown): 'nil' | 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'bool';
}

function goTypeName(v: unknown): string {
  switch (goKind(v)) {
    case 'nil': return '%!s(<nil>)';
    case 'map': return MAP_T;
    case 'slice': return SLICE_T;
    default: return goKind(v);
  }
}

/** Go's %v (shortest 'g') formatting of a float64. */
function goFloat(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 21) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return String(v);
}

/** fmt's %v (or %s) of a decoded JSON value: map[k:v ...] with sorted keys, [a b], <nil>. */
export function goFormat(v: unknown, verb: 'v' | 's' = 'v'): string {
  const bad = (t: string, s: string) => (verb === 's' ? `%!s(${t}=${s})` : s);
  if (v === null || v === undefined) return verb === 's' ? '%!s(<nil>)' : '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return bad('bool', String(v));
  if (typeof v === 'number') return Number.isInteger(v) ? bad('int64', String(v)) : bad('float64', goFloat(v));
  if (Array.isArray(v)) return `[${v.map((x) => goFormat(x, verb)).join(' ')}]`;
  const o = v as JsonObject;
  const keys = Object.keys(o).sort();
  return `map[${keys.map((k) => `${k}:${goFormat(o[k], verb)}`).join(' ')}]`;
}

/** Go interface equality for the values merge keys and set members hold. */
function goEq(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'object' || typeof b === 'object') return false;
  return a === b && goKind(a) === goKind(b);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (goKind(a) !== goKind(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  if (isObject(a)) {
    const bo = b as JsonObject;
    const ka = Object.keys(a);
    return ka.length === Object.keys(bo).length && ka.every((k) => hasOwn(bo, k) && deepEqual(a[k], bo[k]));
  }
  return goKind(a) === 'nil' || a === b;
}

// ---- shared list helpers ----

type ElemKind = ReturnType<typeof goKind>;

/** The common element kind of the given lists; lists of lists and mixed kinds are errors. */
function sliceElementType(...slices: unknown[][]): ElemKind {
  let prev: ElemKind | undefined;
  for (const s of slices) {
    for (const v of s) {
      const cur = goKind(v);
      if (prev === undefined) {
        prev = cur;
        if (prev === 'slice') throw errNoListOfLists();
      } else if (prev !== cur) {
        throw plain(`list element types are not identical: ${goFormat(slices)}`);
      }
    }
  }
  if (prev === undefined) throw plain('no elements in any of the given slices');
  return prev;
}

/** Index of the map in `list` whose `key` equals `value`; errors on non-map elements. */
function findMapIndex(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isObject(v)) throw plain(`value for key ${i} is not a map.`);
    if (hasOwn(v, key) && goEq(v[key], value)) return i;
  }
  return -1;
}

/** Position of `val` in `list`: by merge-key value for maps, by value for scalars. */
function indexIn(list: unknown[], val: unknown, mergeKey: string, kind: ElemKind): number {
  const get = kind === 'map' ? (x: unknown) => (isObject(x) ? x[mergeKey] : undefined) : (x: unknown) => x;
  const want = get(val);
  for (let i = 0; i < list.length; i++) if (goEq(get(list[i]), want)) return i;
  return -1;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw errBadArgType(MAP_T, item);
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const del: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType(MAP_T, v);
    if (hasOwn(v, DIRECTIVE) && v[DIRECTIVE] === DELETE) del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

/** Sort `toSort` by the positions of its items in `order` (stable); delete directives go last. */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const idx = items.map((x) => indexIn(order, x, mergeKey, kind));
  const perm = items.map((_, i) => i);
  // insertion sort with upstream's comparison (an item not found in `order` sorts before anything)
  const less = (a: number, b: number) => (idx[a] >= 0 && idx[b] >= 0 ? idx[a] < idx[b] : true);
  for (let i = 1; i < perm.length; i++) {
    for (let j = i; j > 0 && less(perm[j], perm[j - 1]); j--) [perm[j], perm[j - 1]] = [perm[j - 1], perm[j]];
  }
  return [...perm.map((i) => items[i]), ...toDelete];
}

/**
 * Interleave the sorted server-only items (`left`) and patch items (`right`), keeping each side's
 * order; a server-only item goes first only when both are in the live list and it comes earlier there.
 */
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(patch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (by.some((b) => goEq(b, v)) ? inPatch : serverOnly).push(v);
  return [inPatch, serverOnly];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType(MAP_T, v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapIndex(by, mergeKey, v[mergeKey]) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

function dedupScalars(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((x) => goEq(x, v))) out.push(v);
  return out;
}

/** Upstream's scalar sort: by the %v text of each value. */
function sortScalars(list: unknown[]): unknown[] {
  return [...list].sort((a, b) => {
    const x = goFormat(a);
    const y = goFormat(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw errBadPrimitiveList();
    if (prefix === SET_ELEMENT_ORDER) throw errBadSetElementOrder();
    throw plain(`fail to find unknown prefix "${prefix}" in ${s}\n`);
  }
  return s.slice(slash + 1);
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return goEq(left, right);
  if (!isObject(left)) throw errBadArgType(MAP_T, left);
  if (!isObject(right)) throw errBadArgType(MAP_T, right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEq(left[mergeKey], right[mergeKey]);
}

// ---- applying a patch ----

interface MergeOptions {
  /** Server side: apply the parallel lists ($deleteFromPrimitiveList, $retainKeys, ...). */
  mergeParallelList: boolean;
  /** Server side: a null for a key the original lacks is dropped rather than kept. */
  ignoreUnmatchedNulls: boolean;
}

const SERVER: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };
const CLIENT: MergeOptions = { mergeParallelList: false, ignoreUnmatchedNulls: false };

function handleDirectiveInMergeMap(directive: unknown, patch: JsonObject): JsonObject {
  if (directive === REPLACE) {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === DELETE) return {};
  throw errBadPatchType(directive, patch);
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject, opts: MergeOptions): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    if (hasOwn(original, RETAIN_KEYS)) {
      if (!deepEqual(original[RETAIN_KEYS], retain)) {
        throw plain(`${goFormat(original[RETAIN_KEYS])} and ${goFormat(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`);
      }
    } else {
      original[RETAIN_KEYS] = retain;
    }
    return;
  }
  if (!Array.isArray(retain)) throw errBadRetainKeys();
  const keep = (k: string) => retain.some((r) => goEq(r, k));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep(k)) throw errBadRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep(k)) delete original[k];
}

function validatePatchWithSetOrderList(patchList: unknown[], setOrderList: unknown, mergeKey: string): void {
  if (!Array.isArray(setOrderList)) throw errBadSetElementOrder();
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < setOrderList.length) {
    const item = nonDelete[pi];
    if (isObject(item) && hasOwn(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrderList[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= setOrderList.length) {
    throw plain(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(setOrderList)}\n`);
  }
}

/** Process the $setElementOrder/<list> directives: merge each such list and put it in that order. */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER) || !hasOwn(patch, key)) continue;
    const order = patch[key];
    if (!opts.mergeParallelList) {
      if (hasOwn(original, key)) {
        if (!deepEqual(original[key], order)) throw errBadSetElementOrder();
      } else {
        original[key] = order;
      }
    }
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType(SLICE_T, order);
    const listKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = hasOwn(original, listKey);
    const foundPatch = hasOwn(patch, listKey);
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      if (!Array.isArray(original[listKey])) throw errBadArgType(SLICE_T, original[listKey]);
      originalList = original[listKey] as unknown[];
    }
    if (foundPatch) {
      if (!Array.isArray(patch[listKey])) throw errBadArgType(SLICE_T, patch[listKey]);
      patchList = patch[listKey] as unknown[];
    }
    const fm = lookupPatchMeta(meta, listKey);
    const { strategy } = splitPatchStrategy(fm);
    const mergeKey = fm?.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, order, mergeKey);
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = patchList;
    else if (foundOriginal && foundPatch) merged = strategy === MERGE ? mergeSlice(originalList, patchList, fm?.elem, mergeKey, opts, false) : patchList;
    else continue;
    const [patchItems, serverOnly] = mergeKey ? partitionMaps(merged, order, mergeKey) : partitionPrimitives(merged, order);
    const kind = sliceElementType(originalList, patchList);
    setKey(original, listKey, normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, kind));
    delete patch[listKey];
  }
}

function mergeSliceWithSpecialElements(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const without: unknown[] = [];
  let replace = false;
  let orig = original;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!hasOwn(item, DIRECTIVE)) {
      without.push(v);
      continue;
    }
    const d = item[DIRECTIVE];
    if (d === DELETE) {
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      const value = item[mergeKey];
      for (let i = findMapIndex(orig, mergeKey, value); i >= 0; i = findMapIndex(orig, mergeKey, value)) {
        orig = [...orig.slice(0, i), ...orig.slice(i + 1)];
      }
    } else if (d === REPLACE) {
      replace = true;
    } else if (d === MERGE) {
      throw plain('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(d, item);
    }
  }
  return replace ? [without, []] : [orig, without];
}

function mergeSliceWithoutSpecialElements(original: unknown[], patch: unknown[], mergeKey: string, elem: PatchMeta | undefined, opts: MergeOptions): unknown[] {
  const out = [...original];
  for (const v of patch) {
    const item = v as JsonObject;
    if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    const i = findMapIndex(out, mergeKey, item[mergeKey]);
    if (i >= 0) out[i] = mergeMap(out[i] as JsonObject, item, elem, opts);
    else out.push(v);
  }
  return out;
}

function mergeSlice(original: unknown[], patch: unknown[], elem: PatchMeta | undefined, mergeKey: string, opts: MergeOptions, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementType(original, patch);
  let merged: unknown[];
  let orig = original;
  let pat = patch;
  if (kind !== 'map') {
    if (opts.mergeParallelList && isDeleteList) return original.filter((v) => !patch.some((d) => goEq(d, v)));
    merged = dedupScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw plain(`cannot merge lists without merge key for type ${elem?.type === 'map' ? 'map' : 'struct'}`);
    [orig, pat] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    merged = mergeSliceWithoutSpecialElements(orig, pat, mergeKey, elem, opts);
  }
  const [patchItems, serverOnly] = mergeKey ? partitionMaps(merged, pat, mergeKey) : partitionPrimitives(merged, pat);
  return normalizeElementOrder(patchItems, serverOnly, pat, orig, mergeKey, kind);
}

/** Merge `patch` into `original` (both are mutated; the result may be either). */
function mergeMap(original: JsonObject | null | undefined, patch: JsonObject, meta: PatchMeta | undefined, opts: MergeOptions): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) return handleDirectiveInMergeMap(patch[DIRECTIVE], patch);
  const orig: JsonObject = original ?? {};
  applyRetainKeysDirective(orig, patch, opts);
  mergePatchIntoOriginal(orig, patch, meta, opts);
  for (const k of Object.keys(patch)) {
    if (!hasOwn(patch, k)) continue;
    const patchV = patch[k];
    let key = k;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      if (!opts.mergeParallelList) {
        setKey(orig, k, patchV);
        continue;
      }
      key = extractKey(k, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete orig[key];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    if (!hasOwn(orig, key)) {
      setKey(orig, key, patchV);
      continue;
    }
    const kind = goKind(orig[key]);
    if (kind !== goKind(patchV)) {
      setKey(orig, key, patchV);
      continue;
    }
    const fm = lookupPatchMeta(meta, key);
    const { strategy } = splitPatchStrategy(fm);
    if (kind === 'map') {
      setKey(orig, key, strategy === REPLACE ? patchV : mergeMap(orig[key] as JsonObject, patchV as JsonObject, fm, opts));
    } else if (kind === 'slice') {
      setKey(orig, key, strategy === MERGE ? mergeSlice(orig[key] as unknown[], patchV as unknown[], fm?.elem, fm?.mergeKey ?? '', opts, isDeleteList) : patchV);
    } else {
      setKey(orig, key, patchV);
    }
  }
  return orig;
}

/**
 * Apply a decoded strategic merge patch to a copy of `doc`, as the apiserver does for PATCH with
 * application/strategic-merge-patch+json. `meta` describes the kind (builtinPatchMeta); without it
 * objects merge key by key and every list is replaced. A null patch changes nothing. Errors are
 * StrategicMergePatchError (400 for malformed directives, 422 for lists of lists, 500 with upstream's
 * text for the rest, e.g. `map: map[image:nginx] does not contain declared merge key: name`).
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, meta?: PatchMeta): any {
  if (patch === null || patch === undefined) return clone(doc);
  if (!isObject(patch)) throw badFormat(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch} into Go value of type map[string]interface {}`);
  const original = doc === null || doc === undefined ? {} : clone(doc);
  if (!isObject(original)) throw errBadJSONDoc();
  return mergeMap(original, clone(patch), meta, SERVER);
}

// ---- computing a patch ----

interface DiffOptions {
  setElementOrder?: boolean;
  ignoreChangesAndAdditions?: boolean;
  ignoreDeletions?: boolean;
  buildRetainKeysDirective?: boolean;
}

function replacePatchFieldIfNotEqual(key: string, original: unknown, modified: unknown, patch: JsonObject, o: DiffOptions): void {
  if (o.ignoreChangesAndAdditions || deepEqual(original, modified)) return;
  setKey(patch, key, modified);
}

function diffListsOfScalars(original: unknown[], modified: unknown[], o: DiffOptions): [unknown[], unknown[]] {
  const os = sortScalars(original);
  const ms = sortScalars(modified);
  const add: unknown[] = [];
  const del: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    const a = i < os.length ? goFormat(os[i]) : undefined;
    const b = j < ms.length ? goFormat(ms[j]) : undefined;
    if (a !== undefined && b !== undefined && a === b) {
      i++;
      j++;
    } else if (a === undefined || (b !== undefined && a > b)) {
      if (!o.ignoreChangesAndAdditions) add.push(ms[j]);
      j++;
    } else {
      if (!o.ignoreDeletions) del.push(os[i]);
      i++;
    }
  }
  return [add, dedupScalars(del)];
}

function sortMapsByMergeKey(list: unknown[], mergeKey: string): unknown[] {
  if (list.length === 0) return list;
  if (sliceElementType(list) !== 'map') return sortScalars(dedupScalars(list));
  const keyOf = (x: unknown) => goFormat((x as JsonObject)[mergeKey]);
  return [...list].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function mapAndMergeKeyValue(list: unknown[], i: number, mergeKey: string): [JsonObject, unknown] {
  const m = list[i];
  if (!isObject(m)) throw errBadArgType(MAP_T, m);
  if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
  return [m, m[mergeKey]];
}

function diffListsOfMaps(original: unknown[], modified: unknown[], elem: PatchMeta | undefined, mergeKey: string, o: DiffOptions): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const deletions: unknown[] = [];
  const os = sortMapsByMergeKey(original, mergeKey);
  const ms = sortMapsByMergeKey(modified, mergeKey);
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    let om: JsonObject | undefined;
    let ov: unknown;
    let mm: JsonObject | undefined;
    let mv: unknown;
    if (i < os.length) [om, ov] = mapAndMergeKeyValue(os, i, mergeKey);
    if (j < ms.length) [mm, mv] = mapAndMergeKeyValue(ms, j, mergeKey);
    const a = om ? goFormat(ov) : undefined;
    const b = mm ? goFormat(mv) : undefined;
    if (a !== undefined && b !== undefined && a === b) {
      const d = diffMaps(om!, mm!, elem, o);
      if (Object.keys(d).length > 0) {
        d[mergeKey] = mv;
        patch.push(d);
      }
      i++;
      j++;
    } else if (a === undefined || (b !== undefined && a > b)) {
      if (!o.ignoreChangesAndAdditions) patch.push(mm);
      j++;
    } else {
      if (!o.ignoreDeletions) deletions.push({ [DIRECTIVE]: DELETE, [mergeKey]: ov });
      i++;
    }
  }
  return [patch, deletions];
}

function isOrderSame(original: unknown[], modified: unknown[], mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  return modified.every((m, i) => mergeKeyValueEqual(original[i], m, mergeKey));
}

function diffLists(original: unknown[], modified: unknown[], elem: PatchMeta | undefined, mergeKey: string, o: DiffOptions): [unknown[], unknown[], unknown[]] {
  if (original.length === 0) {
    if (modified.length === 0 || o.ignoreChangesAndAdditions) return [[], [], []];
    return [modified, [], []];
  }
  const kind = sliceElementType(original, modified);
  if (kind === 'map') {
    let [patchList, deleteList] = diffListsOfMaps(original, modified, elem, mergeKey, o);
    patchList = normalizeSliceOrder(patchList, modified, mergeKey, kind);
    const orderSame = isOrderSame(original, modified, mergeKey);
    patchList = [...patchList, ...deleteList];
    let setOrder: unknown[] = [];
    if (o.setElementOrder && ((!o.ignoreChangesAndAdditions && (patchList.length > 0 || !orderSame)) || (!o.ignoreDeletions && patchList.length > 0))) {
      setOrder = modified.map((v) => ({ [mergeKey]: (v as JsonObject)[mergeKey] }));
    }
    return [patchList, [], setOrder];
  }
  if (kind === 'slice') throw errNoListOfLists();
  let [patchList, deleteList] = diffListsOfScalars(original, modified, o);
  patchList = normalizeSliceOrder(patchList, modified, mergeKey, kind);
  let setOrder: unknown[] = [];
  if (o.setElementOrder && ((!o.ignoreDeletions && deleteList.length > 0) || (!o.ignoreChangesAndAdditions && !deepEqual(original, modified)))) {
    setOrder = modified;
  }
  return [patchList, deleteList, setOrder];
}

function diffMaps(original: JsonObject, modified: JsonObject, meta: PatchMeta | undefined, o: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const [key, mv] of Object.entries(modified)) {
    if (o.buildRetainKeysDirective && mv !== null) retainKeys.push(key);
    if (!hasOwn(original, key)) {
      if (!o.ignoreChangesAndAdditions) setKey(patch, key, mv);
      continue;
    }
    const ov = original[key];
    if (key === DIRECTIVE) {
      if (typeof ov !== 'string' || typeof mv !== 'string') throw plain(`invalid value for special key: ${DIRECTIVE}`);
      if (ov !== mv) patch[DIRECTIVE] = mv;
      continue;
    }
    if (goKind(ov) !== goKind(mv)) {
      if (!o.ignoreChangesAndAdditions) setKey(patch, key, mv);
      continue;
    }
    const fm = lookupPatchMeta(meta, key);
    const { retainKeys: rk, strategy } = splitPatchStrategy(fm);
    if (isObject(ov)) {
      if (strategy === REPLACE) {
        if (!o.ignoreChangesAndAdditions) setKey(patch, key, mv);
      } else {
        const d = diffMaps(ov, mv as JsonObject, fm, { ...o, buildRetainKeysDirective: rk });
        if (Object.keys(d).length > 0) setKey(patch, key, d);
      }
    } else if (Array.isArray(ov)) {
      if (strategy === MERGE) {
        const [add, del, order] = diffLists(ov, mv as unknown[], fm?.elem, fm?.mergeKey ?? '', { ...o, buildRetainKeysDirective: rk });
        if (add.length > 0) setKey(patch, key, add);
        if (del.length > 0) patch[`${DELETE_FROM_PRIMITIVE_LIST}/${key}`] = del;
        if (order.length > 0) patch[`${SET_ELEMENT_ORDER}/${key}`] = order;
      } else {
        replacePatchFieldIfNotEqual(key, ov, mv, patch, o);
      }
    } else {
      replacePatchFieldIfNotEqual(key, ov, mv, patch, o);
    }
  }
  if (!o.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!hasOwn(modified, key)) setKey(patch, key, null);
  }
  const hasAdditionalNewField = Object.entries(original).some(([k, v]) => v !== null && !hasOwn(modified, k));
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField)) {
    patch[RETAIN_KEYS] = sortScalars(retainKeys);
  }
  return patch;
}

/** Recursively order object keys as Go's encoding/json writes map keys (sorted), for stable output. */
function sortKeysDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortKeysDeep) as T;
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) setKey(out, k, sortKeysDeep(v[k]));
  return out as T;
}

function asDoc(v: unknown): JsonObject {
  if (v === null || v === undefined) return {};
  if (!isObject(v)) throw errBadJSONDoc();
  return clone(v);
}

/**
 * The two-way strategic merge patch that turns `original` into `modified` (upstream's
 * CreateTwoWayMergePatch, as kubectl edit/label/annotate/set compute them for built-in kinds):
 * changed fields, nulls for removed ones, merge lists diffed by key with $patch: delete entries,
 * $deleteFromPrimitiveList and $setElementOrder parallel lists, and $retainKeys where tagged.
 */
export function createStrategicMergePatch(original: unknown, modified: unknown, meta?: PatchMeta): Record<string, unknown> {
  return sortKeysDeep(diffMaps(asDoc(original), asDoc(modified), meta, { setElementOrder: true }));
}

/** The conflict error of a three-way patch computed without overwrite. */
export class MergePatchConflictError extends Error {
  constructor(readonly patch: unknown, readonly changed: unknown) {
    super(`patch:\n${JSON.stringify(patch)}\nconflicts with changes made from original to current:\n${JSON.stringify(changed)}\n`);
    this.name = 'MergePatchConflictError';
  }
}

function mergingFieldsHaveConflicts(left: unknown, right: unknown, meta: PatchMeta | undefined): boolean {
  const { strategy } = splitPatchStrategy(meta);
  if (isObject(left)) {
    if (!isObject(right)) return true;
    const lm = hasOwn(left, DIRECTIVE);
    const rm = hasOwn(right, DIRECTIVE);
    if (lm || rm) {
      if (lm !== rm) return true;
      if (!goEq(left[DIRECTIVE], right[DIRECTIVE])) return true;
    }
    if (strategy === REPLACE) return false;
    for (const [k, lv] of Object.entries(left)) {
      if (k === DIRECTIVE || k === RETAIN_KEYS || !hasOwn(right, k)) continue;
      if (mergingFieldsHaveConflicts(lv, right[k], lookupPatchMeta(meta, k))) return true;
    }
    return false;
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return true;
    const kind = left.length || right.length ? sliceElementType(left, right) : 'nil';
    if (strategy === MERGE) {
      if (kind !== 'map') return false;
      const key = meta?.mergeKey ?? '';
      const byKey = (l: unknown[]) => new Map(l.map((x) => [goFormat((x as JsonObject)[key]), x]));
      const lm = byKey(left);
      const rm = byKey(right);
      for (const [k, lv] of lm) if (rm.has(k) && mergingFieldsHaveConflicts(lv, rm.get(k), meta?.elem)) return true;
      return false;
    }
    if (left.length !== right.length) return true;
    const l = kind === 'map' ? left : sortScalars(dedupScalars(left));
    const r = kind === 'map' ? right : sortScalars(dedupScalars(right));
    return l.some((x, i) => mergingFieldsHaveConflicts(x, r[i], meta?.elem));
  }
  return !deepEqual(left, right);
}

/**
 * The three-way strategic merge patch kubectl apply (client-side) sends: the changes from `current`
 * (live) to `modified` (new config) without deletions, plus the deletions from `original` (last
 * applied) to `modified`. With overwrite false, changes that conflict with what happened between
 * original and current throw MergePatchConflictError.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown, meta?: PatchMeta, overwrite = true): Record<string, unknown> {
  const o = asDoc(original);
  const m = asDoc(modified);
  const c = asDoc(current);
  const delta = diffMaps(c, m, meta, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffMaps(o, m, meta, { setElementOrder: true, ignoreChangesAndAdditions: true });
  const patch = mergeMap(deletions, delta, meta, CLIENT);
  if (!overwrite) {
    const changed = diffMaps(o, c, meta, {});
    if (mergingFieldsHaveConflicts(patch, changed, meta)) throw new MergePatchConflictError(sortKeysDeep(patch), sortKeysDeep(changed));
  }
  return sortKeysDeep(patch);
}
