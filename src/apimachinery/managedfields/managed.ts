// The decoded form of metadata.managedFields: one entry per manager identity (manager,
// operation, subresource, and for Update also apiVersion — upstream's manager identifier),
// with its field set and time. Decoding keeps each entry's encoded fieldsV1 so that entries
// that did not change are written back as they were read.

import { FieldSet } from './fieldpath.js';
import { decodeFieldsV1, encodeFieldsV1, fieldsV1Intersects } from './fieldsv1.js';
import type { FieldsV1 } from './fieldsv1.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerEntryInit {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time?: string;
  set?: FieldSet;
  raw?: FieldsV1;
}

/** One managedFields entry; its field set is decoded from the fieldsV1 read only when needed. */
export class ManagerEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time?: string;
  /** The fieldsV1 read, while the set is unchanged. */
  raw?: FieldsV1;
  private decoded?: FieldSet;

  constructor(init: ManagerEntryInit) {
    this.manager = init.manager;
    this.operation = init.operation;
    this.apiVersion = init.apiVersion;
    this.subresource = init.subresource;
    this.time = init.time;
    this.raw = init.raw;
    this.decoded = init.set;
  }

  get set(): FieldSet {
    return (this.decoded ??= this.raw ? decodeFieldsV1(this.raw) : new FieldSet());
  }

  set set(s: FieldSet) {
    this.decoded = s;
    this.raw = undefined;
  }

  /** Whether the entry owns any member of `other` (decoding nothing when it can). */
  intersects(other: FieldSet): boolean {
    if (this.decoded || !this.raw) return !this.set.intersection(other).isEmpty();
    return fieldsV1Intersects(this.raw, other);
  }

  isEmpty(): boolean {
    if (this.raw && !this.decoded) return Object.keys(this.raw).length === 0;
    return this.set.isEmpty();
  }

  encoded(): FieldsV1 {
    return (this.raw ??= encodeFieldsV1(this.set));
  }
}

export class ManagedError extends Error {}

/** Upstream's manager identifier: Apply entries are one per manager whatever the apiVersion. */
export function managerKey(manager: string, operation: Operation, apiVersion: string, subresource: string): string {
  return `${operation}\u0000${manager}\u0000${operation === 'Apply' ? '' : apiVersion}\u0000${subresource}`;
}

export function entryKey(e: ManagerEntry): string {
  return managerKey(e.manager, e.operation, e.apiVersion, e.subresource);
}

/** Decode a managedFields list; throws ManagedError when an entry is not valid. */
export function decodeManaged(list: unknown): Map<string, ManagerEntry> {
  const out = new Map<string, ManagerEntry>();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new ManagedError('managedFields must be a list');
  for (const raw of list) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ManagedError('managedFields entry must be an object');
    const r = raw as Record<string, unknown>;
    const operation = r.operation;
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedError(`operation must be Apply or Update, got ${JSON.stringify(operation)}`);
    if (r.fieldsType !== undefined && r.fieldsType !== 'FieldsV1' && r.fieldsType !== '') throw new ManagedError(`fieldsType must be FieldsV1`);
    const fv = r.fieldsV1;
    if (fv !== undefined && fv !== null) {
      try {
        validateFieldsV1(fv);
      } catch (err) {
        throw new ManagedError(`error decoding fieldsV1: ${(err as Error).message}`);
      }
    }
    const e = new ManagerEntry({
      manager: typeof r.manager === 'string' ? r.manager : '',
      operation,
      apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : '',
      subresource: typeof r.subresource === 'string' ? r.subresource : '',
      time: typeof r.time === 'string' ? r.time : undefined,
      raw: fv === undefined || fv === null ? {} : (fv as FieldsV1),
    });
    const key = entryKey(e);
    const prev = out.get(key);
    if (prev) {
      // duplicate identities are merged, as upstream's decoder does
      prev.set = prev.set.union(e.set);
      if (e.time && (!prev.time || e.time > prev.time)) prev.time = e.time;
    } else out.set(key, e);
  }
  return out;
}

/** The set of an entry changed: its fieldsV1 must be encoded again. */
export function setEntrySet(e: ManagerEntry, set: FieldSet): void {
  e.set = set;
}

/** Encode entries in upstream's order (operation, time, manager, apiVersion, subresource); empty entries are dropped. */
export function encodeManaged(entries: Iterable<ManagerEntry>): Record<string, unknown>[] {
  const list = [...entries].filter((e) => !e.isEmpty());
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) / 1000 | 0 : 0;
    const qt = q.time ? Date.parse(q.time) / 1000 | 0 : 0;
    if (pt !== qt) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return p.subresource < q.subresource ? -1 : p.subresource > q.subresource ? 1 : 0;
  });
  return list.map((e) => {
    const out: Record<string, unknown> = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.encoded();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

const ELEMENT = /^(f:|k:\{|v:|i:\d+$)/;

/** Checks the shape of a fieldsV1 object (what decodeFieldsV1 would reject) without building a set. */
function validateFieldsV1(v: unknown, top = true): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected an object');
  for (const k in v as Record<string, unknown>) {
    if (k === '.') {
      if (top) throw new Error('"." outside of a path element');
      continue;
    }
    if (!ELEMENT.test(k)) throw new Error(`unknown path element ${JSON.stringify(k)}`);
    validateFieldsV1((v as Record<string, unknown>)[k], false);
  }
}
