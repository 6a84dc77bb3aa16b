// Field sets of values: the set an applied configuration claims (toFieldSet, as
// structured-merge-diff's ToFieldSet) and the comparison of two versions of an object (what an
// Update added, modified and removed). Both walk the JSON value and its TypeNode together.

import { FieldSet, fieldElement, indexElement, keyElement, valueElement } from './fieldpath.js';
import type { PathElement } from './fieldpath.js';
import { childNode, resolveNode } from './typenode.js';
import type { TypeNode } from './typenode.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function isEmptyObj(v: unknown): boolean {
  if (!isObj(v)) return false;
  for (const _ in v) return false;
  return true;
}

/** The path element of item `i` of a set or map list. */
export function itemElement(node: TypeNode, item: unknown, i: number): PathElement {
  if (node.listType === 'map' && isObj(item)) return keyElement(item, node.keys ?? []) ?? indexElement(i);
  if (node.listType === 'set') return valueElement(item);
  return indexElement(i);
}

/**
 * Fills `into` (the subtree under the value's own path) with the fields of `value`; returns
 * whether the value is owned as a whole (a leaf: scalar, null, atomic, empty list).
 */
export function fillSet(value: unknown, node0: TypeNode, into: FieldSet, added?: AddedMode): boolean {
  if (value === null || typeof value !== 'object') return true;
  const node = resolveNode(node0, value);
  if (node.atomic) return true;
  if (Array.isArray(value)) {
    if (node.kind !== 'list' || value.length === 0) return true;
    const elem = node.elem();
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const pe = itemElement(node, item, i);
      into.members.add(pe);
      if (node.listType === 'map' && isObj(item)) {
        const c = new FieldSet();
        fillMap(item, resolveNode(elem, item), c, added && { structs: true });
        if (c.members.size || c.children.size) into.children.set(pe, c);
      }
    }
    return false;
  }
  if (node.kind !== 'map') return true;
  fillMap(value as Obj, node, into, added);
  return false;
}

/** How an Update owns containers it adds: maps and lists as a whole too ("."), structs only for custom resources. */
interface AddedMode {
  structs: boolean;
}

/**
 * Whether an added container is owned as a whole by an Update: upstream compares with the Go
 * zero value of the type, where structs (outside list items) and non-omitempty lists such as
 * containers already exist; custom resources and new list items have no such zero values.
 */
function ownsAddedContainer(v: unknown, node0: TypeNode, added: AddedMode, name: string, parent: TypeNode): boolean {
  const node = resolveNode(node0, v);
  if (Array.isArray(v)) return node.kind === 'list' && (added.structs || name !== 'containers');
  return !node.struct || added.structs || !(parent.valueField?.(name) ?? true);
}

function fillMap(value: Obj, node: TypeNode, into: FieldSet, added?: AddedMode): void {
  for (const k in value) {
    const v = value[k];
    const pe = fieldElement(k);
    const cnode = childNode(node, k);
    if (v === null || typeof v !== 'object') {
      into.members.add(pe);
      continue;
    }
    const c = new FieldSet();
    const leaf = fillSet(v, cnode, c, added);
    if (leaf || isEmptyObj(v) || node.field(k) === undefined || (added && ownsAddedContainer(v, cnode, added, k, node))) into.members.add(pe);
    if (c.members.size || c.children.size) into.children.set(pe, c);
  }
}

/** The fields set in an object (its map entries at the top). */
export function toFieldSet(value: Obj, node: TypeNode): FieldSet {
  const out = new FieldSet();
  fillMap(value, resolveNode(node, value), out);
  return out;
}

// ---- comparison ----

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export interface CompareOptions {
  /** Structs that appear are owned as a whole too (FieldsV1 "."), as for custom resources. */
  structsAsMembers?: boolean;
}

/** What changed from `a` to `b` (two objects of type `node`). */
export function compare(a: Obj, b: Obj, node: TypeNode, opts: CompareOptions = {}): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareMaps(a, b, resolveNode(node, b), out, !!opts.structsAsMembers);
  return out;
}

/** The comparison sets one level down, created only when something is written to them. */
function subtree(sets: Comparison, pe: PathElement): Comparison {
  let a: FieldSet | undefined;
  let m: FieldSet | undefined;
  let r: FieldSet | undefined;
  return {
    get added() {
      return (a ??= sets.added.child(pe));
    },
    get modified() {
      return (m ??= sets.modified.child(pe));
    },
    get removed() {
      return (r ??= sets.removed.child(pe));
    },
  };
}

function compareMaps(a: Obj, b: Obj, node: TypeNode, sets: Comparison, structs: boolean): void {
  for (const k in b) {
    const bv = b[k];
    const av = a[k];
    compareChild(av, bv, childNode(node, k), fieldElement(k), sets, node, structs);
  }
  for (const k in a) {
    if (k in b) continue;
    markRemoved(a[k], childNode(node, k), fieldElement(k), sets.removed);
  }
}

function markAdded(v: unknown, node0: TypeNode, pe: PathElement, added: FieldSet, declared: boolean, structs: boolean, parent: TypeNode): void {
  if (v === null || typeof v !== 'object') {
    added.members.add(pe);
    return;
  }
  const node = resolveNode(node0, v);
  const c = new FieldSet();
  const mode = { structs };
  const leaf = fillSet(v, node, c, mode);
  if (leaf || !declared || isEmptyObj(v) || ownsAddedContainer(v, node, mode, pe.slice(2), parent)) added.members.add(pe);
  if (c.members.size || c.children.size) {
    const cur = added.children.get(pe);
    if (cur) cur.addAll(c);
    else added.children.set(pe, c);
  }
}

function markRemoved(v: unknown, node: TypeNode, pe: PathElement, removed: FieldSet): void {
  removed.members.add(pe);
  if (v === null || typeof v !== 'object') return;
  const c = new FieldSet();
  fillSet(v, node, c);
  if (c.members.size || c.children.size) removed.child(pe).addAll(c);
}

function compareChild(av: unknown, bv: unknown, node0: TypeNode, pe: PathElement, sets: Comparison, parent: TypeNode, structs: boolean): void {
  const declared = parent.field(pe.slice(2)) !== undefined;
  if (bv === undefined) {
    if (av !== undefined) markRemoved(av, node0, pe, sets.removed);
    return;
  }
  if (av === undefined) {
    markAdded(bv, node0, pe, sets.added, declared, structs, parent);
    return;
  }
  if (bv === null || typeof bv !== 'object' || av === null || typeof av !== 'object') {
    if (av !== bv) {
      if (isContainer(av)) markRemoved(av, node0, pe, sets.removed);
      (isContainer(bv) ? markAdded(bv, node0, pe, sets.added, declared, structs, parent) : sets.modified.members.add(pe));
    }
    return;
  }
  const node = resolveNode(node0, bv);
  const bothArrays = Array.isArray(av) && Array.isArray(bv);
  const bothMaps = !Array.isArray(av) && !Array.isArray(bv);
  if (node.atomic || (!bothArrays && !bothMaps) || (bothArrays && (node.kind !== 'list' || (bv as unknown[]).length === 0 || (av as unknown[]).length === 0)) || (bothMaps && node.kind !== 'map')) {
    if (!deepEqual(av, bv)) sets.modified.members.add(pe);
    return;
  }
  const sub = subtree(sets, pe);
  if (bothMaps) compareMaps(av as Obj, bv as Obj, node, sub, structs);
  else compareLists(av as unknown[], bv as unknown[], node, sub, structs);
}

function isContainer(v: unknown): boolean {
  return v !== null && typeof v === 'object';
}

function compareLists(a: unknown[], b: unknown[], node: TypeNode, sets: Comparison, structs: boolean): void {
  const elem = node.elem();
  const aIndex = new Map<PathElement, unknown>();
  for (let i = 0; i < a.length; i++) aIndex.set(itemElement(node, a[i], i), a[i]);
  const seen = new Set<PathElement>();
  for (let i = 0; i < b.length; i++) {
    const item = b[i];
    const pe = itemElement(node, item, i);
    seen.add(pe);
    const old = aIndex.get(pe);
    if (old === undefined) {
      sets.added.members.add(pe);
      if (node.listType === 'map' && isObj(item)) {
        const c = new FieldSet();
        fillMap(item, resolveNode(elem, item), c, { structs: true });
        if (c.members.size || c.children.size) sets.added.child(pe).addAll(c);
      }
      continue;
    }
    if (node.listType === 'map' && isObj(item) && isObj(old)) {
      const sub = subtree(sets, pe);
      compareMaps(old, item, resolveNode(elem, item), sub, true);
    } else if (!deepEqual(old, item)) sets.modified.members.add(pe);
  }
  for (const [pe, old] of aIndex) if (!seen.has(pe)) markRemoved(old, node.listType === 'map' ? elem : node, pe, sets.removed);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as Obj);
  if (ak.length !== Object.keys(b as Obj).length) return false;
  for (const k of ak) if (!deepEqual((a as Obj)[k], (b as Obj)[k])) return false;
  return true;
}
