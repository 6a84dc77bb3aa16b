// The field manager: keeps metadata.managedFields up to date on every write, as upstream's
// FieldManager does. Updates (create, update, patch, subresources) give the writing manager
// the fields it added or changed and take them from everyone else; server-side apply merges
// the applied configuration onto the live object, answers conflicts (409) unless forced,
// removes fields the manager stopped applying that nobody else owns, and records an Apply
// entry. Also upstream's special cases: managedFields sent by the client are kept (an empty
// list resets them), the first apply to an object without managedFields attributes its
// existing fields to "before-first-apply", and `kubectl` applies may take over fields from
// client-side apply (last-applied annotation) and keep that annotation in sync.

import { FieldSet, fieldElement } from './fieldpath.js';
import { conflictError } from './conflicts.js';
import { encodeFieldsV1, fieldsV1Equal } from './fieldsv1.js';
import type { Conflict } from './conflicts.js';
import { ManagedError, ManagerEntry, decodeManaged, encodeManaged, entryKey, managerKey, setEntrySet } from './managed.js';
import { mergeMaps, removeFields } from './merge.js';
import { resolveNode } from './typenode.js';
import type { TypeNode } from './typenode.js';
import { compare, toFieldSet } from './walk.js';
import { nowTimestamp } from '../time.js';

type Obj = Record<string, any>;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const BEFORE_FIRST_APPLY = 'before-first-apply';
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES = 'ancient-changes';

/** What the manager needs to know about the endpoint written through. */
export interface FieldManagerScope {
  /** The type of the objects (root node). */
  node: TypeNode;
  /** "apps/v1", "v1": recorded in entries. */
  apiVersion: string;
  /** "" for the resource itself, "status", "scale"... */
  subresource: string;
  /** The resource has a status subresource: its status is not owned through the main resource. */
  hasStatus: boolean;
  /** Structs that appear are owned as a whole (custom resources: no typed zero values). */
  structsAsMembers?: boolean;
}

const STRIPPED_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/** The object without the fields nobody owns (apiVersion, kind, system metadata). */
function view(o: Obj | undefined, fm: FieldManagerScope): Obj {
  const out: Obj = {};
  if (!o) return out;
  for (const k in o) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'metadata') {
      const m = o.metadata;
      if (m === null || typeof m !== 'object') continue;
      const mv: Obj = {};
      let any = false;
      for (const mk in m) {
        if (STRIPPED_META.has(mk)) continue;
        mv[mk] = m[mk];
        any = true;
      }
      if (any) out.metadata = mv;
      continue;
    }
    if (k === 'status' && fm.hasStatus && fm.subresource !== 'status') continue;
    out[k] = o[k];
  }
  return out;
}

/** For the status subresource, only status is owned through it. */
function restrict(set: FieldSet, fm: FieldManagerScope): FieldSet {
  if (fm.subresource !== 'status') return set;
  return set.onlyPrefixes(FieldSet.of([fieldElement('status')]));
}


function isReset(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  return list.length === 1 && list[0] !== null && typeof list[0] === 'object' && Object.keys(list[0]).length === 0;
}

function decodeOrEmpty(list: unknown): Map<string, ManagerEntry> {
  try {
    return decodeManaged(list);
  } catch (err) {
    if (err instanceof ManagedError) return new Map();
    throw err;
  }
}

/** Upstream's decodeLiveOrNew: the request's managedFields when it sends usable ones. */
function managedForUpdate(live: Obj | undefined, obj: Obj, fm: FieldManagerScope): { entries: Map<string, ManagerEntry>; fromLive: boolean } {
  const sent = obj.metadata?.managedFields;
  if (fm.subresource === '' && sent !== undefined && sent !== null) {
    if (isReset(sent)) return { entries: new Map(), fromLive: false };
    try {
      const entries = decodeManaged(sent);
      if (entries.size) {
        const same = live && JSON.stringify(sent) === JSON.stringify(live.metadata?.managedFields);
        return { entries, fromLive: !!same };
      }
    } catch (err) {
      if (!(err instanceof ManagedError)) throw err;
    }
  }
  return { entries: decodeOrEmpty(live?.metadata?.managedFields), fromLive: true };
}

function writeManaged(obj: Obj, entries: Map<string, ManagerEntry>): void {
  const list = encodeManaged(entries.values());
  const meta = (obj.metadata ??= {});
  if (list.length) meta.managedFields = list;
  else delete meta.managedFields;
}

/** Keep at most MAX_UPDATE_MANAGERS Update entries: the oldest are merged into "ancient-changes". */
function capUpdateManagers(entries: Map<string, ManagerEntry>): void {
  const updates = [...entries.values()].filter((e) => e.operation === 'Update');
  if (updates.length <= MAX_UPDATE_MANAGERS) return;
  const oldest = updates.filter((e) => e.manager !== ANCIENT_CHANGES).sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  let count = updates.length;
  for (const e of oldest) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const key = managerKey(ANCIENT_CHANGES, 'Update', e.apiVersion, '');
    const ancient = entries.get(key);
    entries.delete(entryKey(e));
    if (ancient) {
      setEntrySet(ancient, ancient.set.union(e.set));
      count--;
    } else entries.set(key, new ManagerEntry({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: e.apiVersion, subresource: '', time: e.time, set: e.set.clone() }));
  }
}

/**
 * Record an update by `manager` (create when `live` is undefined): sets obj.metadata.managedFields.
 * Call after the object's defaults and strategy ran and before admission.
 */
export function trackUpdate(fm: FieldManagerScope, live: Obj | undefined, obj: Obj, manager: string): void {
  const { entries, fromLive } = managedForUpdate(live, obj, fm);
  const cmp = compare(view(live, fm), view(obj, fm), fm.node, { structsAsMembers: fm.structsAsMembers });
  const changed = restrict(cmp.added.union(cmp.modified), fm);
  const removed = cmp.removed;
  if (changed.isEmpty() && removed.isEmpty() && fromLive) {
    // nothing changed: managedFields stay as stored
    const stored = live?.metadata?.managedFields;
    if (stored !== undefined) (obj.metadata ??= {}).managedFields = stored;
    else if (obj.metadata) delete obj.metadata.managedFields;
    return;
  }
  const touched = changed.union(removed);
  for (const [key, e] of entries) {
    if (touched.isEmpty()) break;
    if (!e.intersects(touched)) continue;
    const rest = e.set.difference(touched);
    if (rest.isEmpty()) entries.delete(key);
    else setEntrySet(e, rest);
  }
  if (!changed.isEmpty()) {
    const key = managerKey(manager, 'Update', fm.apiVersion, fm.subresource);
    const prev = entries.get(key);
    const set = prev ? prev.set.union(changed) : changed;
    entries.set(key, new ManagerEntry({ manager, operation: 'Update', apiVersion: fm.apiVersion, subresource: fm.subresource, time: nowTimestamp(), set }));
    capUpdateManagers(entries);
  }
  writeManaged(obj, entries);
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
}

/**
 * Server-side apply of `config` onto `live` (undefined: the object does not exist yet). Returns
 * the new object with its managedFields; throws the 409 conflict Status.
 */
export function applyConfig(fm: FieldManagerScope, live: Obj | undefined, config: Obj, opts: ApplyOptions): Obj {
  const liveObj: Obj = live ?? {};
  const entries = decodeOrEmpty(liveObj.metadata?.managedFields);
  if (live && entries.size === 0) {
    // an object nobody manages yet: what it holds belongs to "before-first-apply"
    const c = compare({}, view(live, fm), fm.node, { structsAsMembers: fm.structsAsMembers });
    const set = c.added.union(c.modified);
    if (!set.isEmpty()) entries.set(managerKey(BEFORE_FIRST_APPLY, 'Update', fm.apiVersion, ''), new ManagerEntry({ manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion: fm.apiVersion, subresource: '', set }));
  }
  const root = resolveNode(fm.node, config);
  const configSet = restrict(toFieldSet(view(config, fm), root), fm);
  const applyKey = managerKey(opts.manager, 'Apply', fm.apiVersion, fm.subresource);
  const last = entries.get(applyKey);
  let merged: Obj = mergeMaps(liveObj, config, root);

  const configRaw = encodeFieldsV1(configSet);
  if (last && !(last.raw && fieldsV1Equal(last.raw, configRaw))) {
    const dropped = last.set.difference(configSet);
    if (!dropped.isEmpty()) {
      const keep = configSet.clone();
      for (const [key, e] of entries) if (key !== applyKey) keep.addAll(e.set);
      merged = structuredClone(merged);
      removeFields(merged, dropped, keep, root);
    }
  }

  const cmp = compare(view(liveObj, fm), view(merged, fm), fm.node, { structsAsMembers: fm.structsAsMembers });
  const changed = cmp.added.union(cmp.modified);
  const conflicts: Conflict[] = [];
  const conflictSets = new Map<string, FieldSet>();
  for (const [key, e] of entries) {
    if (key === applyKey || !e.intersects(changed)) continue;
    const c = e.set.intersection(changed);
    if (c.isEmpty()) continue;
    conflictSets.set(key, c);
    for (const path of c.paths()) conflicts.push({ entry: e, path });
  }
  if (conflicts.length && !opts.force) {
    const remaining = opts.manager === 'kubectl' ? withoutLastApplied(conflicts, liveObj, root) : conflicts;
    if (remaining.length) throw conflictError(remaining);
  }
  for (const [key, e] of entries) {
    if (key === applyKey) continue;
    const c = conflictSets.get(key);
    if (!c && (cmp.removed.isEmpty() || !e.intersects(cmp.removed))) continue;
    let set = e.set;
    if (c) set = set.difference(c);
    if (!cmp.removed.isEmpty()) set = set.difference(cmp.removed);
    if (set === e.set) continue;
    if (set.isEmpty()) entries.delete(key);
    else setEntrySet(e, set);
  }
  const objectChanged = !changed.isEmpty() || !cmp.removed.isEmpty() || !live;
  const time = objectChanged || !last ? nowTimestamp() : last.time;
  if (configSet.isEmpty()) entries.delete(applyKey);
  else entries.set(applyKey, new ManagerEntry({ manager: opts.manager, operation: 'Apply', apiVersion: fm.apiVersion, subresource: fm.subresource, time, set: configSet, raw: configRaw }));

  if (opts.manager === 'kubectl' && typeof liveObj.metadata?.annotations?.[LAST_APPLIED_ANNOTATION] === 'string') {
    merged.metadata = { ...merged.metadata, annotations: { ...merged.metadata.annotations, [LAST_APPLIED_ANNOTATION]: lastAppliedOf(config) } };
  }
  writeManaged(merged, entries);
  return merged;
}

/** Conflicts left once those on fields of the client-side apply's last-applied configuration are allowed. */
function withoutLastApplied(conflicts: Conflict[], live: Obj, root: TypeNode): Conflict[] {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || !text) return conflicts;
  let lastApplied: Obj;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return conflicts;
  }
  if (lastApplied === null || typeof lastApplied !== 'object') return conflicts;
  const { apiVersion: _a, kind: _k, ...rest } = lastApplied;
  const allowed = toFieldSet(rest, root);
  return conflicts.filter((c) => !allowed.has(c.path));
}

/** The last-applied annotation a kubectl server-side apply leaves: the config without the annotation, keys sorted (Go's JSON). */
function lastAppliedOf(config: Obj): string {
  const c = structuredClone(config);
  const ann = c.metadata?.annotations;
  if (ann) {
    delete ann[LAST_APPLIED_ANNOTATION];
    if (!Object.keys(ann).length) delete c.metadata.annotations;
  }
  return sortedJSON(c);
}

function sortedJSON(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(sortedJSON).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + sortedJSON((v as Obj)[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}
