// The typed merge of server-side apply: an applied configuration merged onto the live object
// (maps key by key, set and map lists item by item, atomic values replaced whole; `null` in the
// configuration removes the field), and the removal of fields a manager stopped applying.

import type { FieldSet, PathElement } from './fieldpath.js';
import { fieldElement } from './fieldpath.js';
import { childNode, resolveNode } from './typenode.js';
import type { TypeNode } from './typenode.js';
import { itemElement } from './walk.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `config` merged onto `live` (neither is modified; unchanged subtrees of live are shared). */
export function mergeValue(live: unknown, config: unknown, node0: TypeNode): unknown {
  if (config === null || typeof config !== 'object') return config;
  const node = resolveNode(node0, config);
  if (node.atomic) return stripNulls(config);
  if (Array.isArray(config)) {
    if (node.kind !== 'list' || !Array.isArray(live)) return stripNulls(config);
    return mergeLists(live, config, node);
  }
  if (node.kind !== 'map') return stripNulls(config);
  return mergeMaps(isObj(live) ? live : {}, config as Obj, node);
}

export function mergeMaps(live: Obj, config: Obj, node: TypeNode): Obj {
  const out: Obj = { ...live };
  for (const k in config) {
    const cv = config[k];
    if (cv === null) delete out[k];
    else out[k] = mergeValue(live[k], cv, childNode(node, k));
  }
  return out;
}

function mergeLists(live: unknown[], config: unknown[], node: TypeNode): unknown[] {
  const elem = node.elem();
  const lKeys = live.map((v, i) => itemElement(node, v, i));
  const cKeys = config.map((v, i) => itemElement(node, v, i));
  const lIndex = new Map<PathElement, number>();
  lKeys.forEach((k, i) => lIndex.set(k, i));
  const cSet = new Set(cKeys);
  const out: unknown[] = [];
  const n = Math.max(live.length, config.length);
  for (let i = 0; i < n; i++) {
    if (i < live.length && !cSet.has(lKeys[i])) out.push(live[i]);
    if (i < config.length) {
      const li = lIndex.get(cKeys[i]);
      if (li === undefined || node.listType !== 'map') out.push(stripNulls(config[i]));
      else out.push(mergeValue(live[li], config[i], elem));
    }
  }
  return out;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k in v) if (v[k] !== null) out[k] = stripNulls(v[k]);
  return out;
}

/**
 * Removes from `obj` (in place) the fields of `remove` that nobody in `keep` owns (neither the
 * field nor anything below it). Maps and lists emptied by the removal go too unless owned.
 */
export function removeFields(obj: Obj, remove: FieldSet, keep: FieldSet | undefined, node: TypeNode): void {
  removeFromMap(obj, remove, keep, resolveNode(node, obj));
}

function owned(keep: FieldSet | undefined, pe: PathElement): boolean {
  if (!keep) return false;
  if (keep.members.has(pe)) return true;
  const c = keep.children.get(pe);
  return !!c && !c.isEmpty();
}

function removeFromMap(obj: Obj, remove: FieldSet, keep: FieldSet | undefined, node: TypeNode): void {
  for (const k of Object.keys(obj)) {
    const pe = fieldElement(k);
    if (remove.members.has(pe) && !owned(keep, pe)) {
      delete obj[k];
      continue;
    }
    const sub = remove.children.get(pe);
    if (!sub) continue;
    const v = obj[k];
    const kc = keep?.children.get(pe);
    if (descend(v, sub, kc, childNode(node, k)) && !keep?.members.has(pe)) delete obj[k];
  }
}

/** Removes inside a value; true when it became empty by it. */
function descend(v: unknown, remove: FieldSet, keep: FieldSet | undefined, node0: TypeNode): boolean {
  if (v === null || typeof v !== 'object') return false;
  const node = resolveNode(node0, v);
  if (Array.isArray(v)) {
    if (node.kind !== 'list' || !v.length) return false;
    const elem = node.elem();
    const kept: unknown[] = [];
    v.forEach((item, i) => {
      const pe = itemElement(node, item, i);
      if (remove.members.has(pe) && !owned(keep, pe)) return;
      const sub = remove.children.get(pe);
      if (sub && isObj(item)) removeFromMap(item, sub, keep?.children.get(pe), resolveNode(elem, item));
      kept.push(item);
    });
    const emptied = kept.length === 0;
    v.splice(0, v.length, ...kept);
    return emptied;
  }
  if (!Object.keys(v).length) return false;
  removeFromMap(v as Obj, remove, keep, node);
  return Object.keys(v).length === 0;
}
