// Reads: get, list (cache or store, with selectors, limit/continue and resourceVersion
// semantics) and the conversion of results into JSON lists, Tables or partial metadata.

import { StatusError, badRequest, gone, notFound } from '../../apimachinery/errors.js';
import { StorageError } from '../../storage/types.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { ApiContext, Predicate } from './context.js';
import { cacheFor, indexObject, objectKey, ownerDef, predicateFrom, resourcePrefix } from './context.js';
import type { Negotiated, Req, Res } from '../http.js';
import { writeJSON, writeRaw } from '../http.js';
import { parseIncludeObject, partialObject, toTable } from '../table.js';
import { withResourceVersion } from '../storage/codec.js';

export function gvString(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** Stored form → served form (conversion for shared storage, apiVersion/kind set). */
export function toServed(def: ResourceDef, obj: KObject): KObject {
  const out = def.fromStorage ? def.fromStorage(obj) : obj;
  out.apiVersion = gvString(def);
  out.kind = def.kind;
  return out;
}

export function parseRV(v: string | null, what = 'resourceVersion'): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`invalid ${what}: "${v}"`);
  return Number(v);
}

/** Read one object from the store (consistent), served form. 404 when absent. */
export async function getObject(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): Promise<KObject> {
  const kv = await ctx.store.get(objectKey(ctx, def, namespace, name));
  if (!kv) throw notFound(def.group, def.plural, name);
  return toServed(def, ctx.codec.decode(kv));
}

export async function handleGet(ctx: ApiContext, def: ResourceDef, namespace: string, name: string, query: URLSearchParams, neg: Negotiated, res: Res): Promise<void> {
  const rv = query.get('resourceVersion');
  parseRV(rv);
  let obj: KObject;
  if (rv === '0') {
    // any version is fine: serve from the cache
    const cache = await cacheFor(ctx, def);
    const e = cache.items.get(objectKey(ctx, def, namespace, name));
    if (!e) throw notFound(def.group, def.plural, name);
    obj = toServed(def, JSON.parse(e.raw));
  } else {
    obj = await getObject(ctx, def, namespace, name);
  }
  writeObject(def, obj, neg, query, res);
}

/**
 * Answer with one object. `storedText`: the JSON text the object was just stored as
 * (Codec.encodeWithText) when obj is exactly that object plus its new metadata.resourceVersion;
 * the JSON answer is then that text with the resourceVersion spliced in (no second
 * serialisation; same JSON, stored key order).
 */
export function writeObject(def: ResourceDef, obj: KObject, neg: Negotiated, query: URLSearchParams, res: Res, code = 200, storedText?: string): void {
  if (storedText !== undefined && neg.kind === 'object' && neg.contentType === 'application/json' && !def.fromStorage && !def.toStorage) {
    const rv = obj.metadata?.resourceVersion;
    const raw = typeof rv === 'string' && /^\d+$/.test(rv) ? withResourceVersion(storedText, rv) : undefined;
    if (raw !== undefined) {
      writeRaw(res, code, raw);
      return;
    }
  }
  if (neg.kind === 'table') {
    writeJSON(res, code, toTable(def, [obj], { resourceVersion: obj.metadata?.resourceVersion }, parseIncludeObject(query.get('includeObject'))), neg.contentType);
  } else if (neg.kind === 'partial') {
    writeJSON(res, code, partialObject(obj), neg.contentType);
  } else {
    writeJSON(res, code, obj, neg.contentType);
  }
}

interface ListResult {
  /** raw JSON texts (fast path) or parsed objects */
  raws?: string[];
  objs?: KObject[];
  resourceVersion: number;
  continue?: string;
  remainingItemCount?: number;
}

// ---- continue tokens (opaque to clients; upstream-shaped base64 JSON) ----

export function encodeContinue(rv: number, startKey: string, prefix: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: startKey.slice(prefix.length) })).toString('base64');
}

function decodeContinue(token: string, prefix: string): { rv: number; startKey: string } {
  try {
    const j = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (j.v !== 'meta.k8s.io/v1' || typeof j.rv !== 'number' || typeof j.start !== 'string') throw new Error('bad');
    if (j.start.includes('..') || j.start.startsWith('/')) throw new Error('bad');
    return { rv: j.rv, startKey: prefix + j.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

async function listFromCache(ctx: ApiContext, def: ResourceDef, namespace: string, pred: Predicate, minRev: number | undefined): Promise<ListResult> {
  const cache = await cacheFor(ctx, def);
  let rev: number;
  if (minRev === undefined) rev = await ctx.caches.sync();
  else {
    await ctx.caches.waitForRevision(minRev);
    rev = ctx.caches.progressRev;
  }
  rev = Math.max(rev, cache.initRev);
  const raws: string[] = [];
  if (pred.name !== undefined && (!def.namespaced || namespace)) {
    const e = cache.items.get(objectKey(ctx, def, namespace, pred.name));
    if (e && pred.match(e)) raws.push(e.raw);
  } else {
    for (const e of cache.sorted()) {
      if (namespace && e.namespace !== namespace) continue;
      if (pred.empty || pred.match(e)) raws.push(e.raw);
    }
  }
  return { raws, resourceVersion: rev };
}

async function listFromStore(ctx: ApiContext, def: ResourceDef, namespace: string, pred: Predicate, limit: number, revision: number | undefined, startKey: string | undefined): Promise<ListResult> {
  const prefix = resourcePrefix(ctx, def, namespace);
  const owner = ownerDef(ctx, def);
  const raws: string[] = [];
  let rev = revision;
  let key = startKey;
  let more = false;
  let lastKey = '';
  let remaining: number | undefined;
  const chunk = pred.empty ? limit : Math.max(limit, 500);
  try {
    for (;;) {
      const res = await ctx.store.list(prefix, { startKey: key, limit: chunk, revision: rev });
      rev = res.revision;
      let i = 0;
      for (; i < res.items.length; i++) {
        const kv = res.items[i];
        if (raws.length >= limit) break;
        lastKey = kv.key;
        const text = ctx.codec.decodeText(kv);
        if (!pred.empty) {
          const obj = JSON.parse(text);
          (obj.metadata ??= {}).resourceVersion = String(kv.modRevision);
          if (!pred.match(indexObject(owner, obj))) continue;
        }
        let raw = withResourceVersion(text, kv.modRevision);
        if (raw === undefined) {
          const obj = JSON.parse(text);
          (obj.metadata ??= {}).resourceVersion = String(kv.modRevision);
          raw = JSON.stringify(obj);
        }
        raws.push(raw);
      }
      if (raws.length >= limit) {
        more = i < res.items.length || res.more;
        if (pred.empty) remaining = res.count - i;
        break;
      }
      if (!res.more || !res.items.length) break;
      key = res.items[res.items.length - 1].key + '\x00';
    }
  } catch (err) {
    if (err instanceof StorageError && err.code === 'Compacted') {
      throw gone(startKey
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'
        : `too old resource version: ${revision} (${err.compactRevision ?? 0})`);
    }
    if (err instanceof StorageError && err.code === 'FutureRevision') {
      throw new StatusError(504, 'Timeout', `Too large resource version: ${revision}, current: ${await ctx.store.currentRevision()}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
    }
    throw err;
  }
  const out: ListResult = { raws, resourceVersion: rev ?? (await ctx.store.currentRevision()) };
  if (more) {
    out.continue = encodeContinue(out.resourceVersion, lastKey + '\x00', prefix);
    if (remaining !== undefined && remaining > 0) out.remainingItemCount = remaining;
  }
  return out;
}

/** Decide where a list is served from, per upstream's resourceVersion/limit/continue rules. */
export async function listObjects(ctx: ApiContext, def: ResourceDef, namespace: string, query: URLSearchParams): Promise<ListResult> {
  const pred = predicateFrom(def, query);
  const rvParam = query.get('resourceVersion');
  const match = query.get('resourceVersionMatch') ?? '';
  const limitParam = query.get('limit');
  const cont = query.get('continue') ?? '';
  let limit = 0;
  if (limitParam !== null && limitParam !== '') {
    if (!/^-?\d+$/.test(limitParam)) throw badRequest(`invalid limit: "${limitParam}"`);
    limit = Math.max(0, Number(limitParam));
  }
  if (match && match !== 'Exact' && match !== 'NotOlderThan') {
    throw invalidListOptions(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  const rv = parseRV(rvParam);
  if (match && rvParam === null) throw invalidListOptions('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  const t = query.get('timeoutSeconds');
  if (t !== null && t !== '' && !/^\d+$/.test(t)) throw badRequest(`invalid timeoutSeconds: "${t}"`);
  if (cont) {
    if (rvParam !== null && rvParam !== '') throw badRequest('specifying resource version is not allowed when using continue');
    if (match) throw invalidListOptions('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided');
    const prefix = resourcePrefix(ctx, def, namespace);
    const tok = decodeContinue(cont, prefix);
    return listFromStore(ctx, def, namespace, pred, limit || Number.MAX_SAFE_INTEGER, tok.rv, tok.startKey);
  }
  if (match === 'Exact') {
    if (!rv) throw invalidListOptions('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    return listFromStore(ctx, def, namespace, pred, limit || Number.MAX_SAFE_INTEGER, rv, undefined);
  }
  if (rvParam === '0' || match === 'NotOlderThan') {
    // served from the cache (limit ignored for "0", as upstream's cache does)
    return listFromCache(ctx, def, namespace, pred, rv ?? 0);
  }
  if (rv !== undefined) {
    // legacy: a resourceVersion with a limit means an exact paginated read
    if (limit) return listFromStore(ctx, def, namespace, pred, limit, rv, undefined);
    return listFromCache(ctx, def, namespace, pred, rv);
  }
  // most recent
  if (limit) return listFromStore(ctx, def, namespace, pred, limit, undefined, undefined);
  return listFromCache(ctx, def, namespace, pred, undefined);
}

export function invalidListOptions(msg: string): StatusError {
  return new StatusError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${msg}`, { kind: 'ListOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueInvalid', message: msg, field: msg.split(':')[0] }] });
}

export async function handleList(ctx: ApiContext, def: ResourceDef, namespace: string, query: URLSearchParams, neg: Negotiated, res: Res): Promise<void> {
  const r = await listObjects(ctx, def, namespace, query);
  const listMeta: KObject = { resourceVersion: String(r.resourceVersion) };
  if (r.continue) listMeta.continue = r.continue;
  if (r.remainingItemCount !== undefined) listMeta.remainingItemCount = r.remainingItemCount;
  const needParse = neg.kind !== 'object' || !!def.fromStorage;
  if (!needParse) {
    const head = `{"kind":${JSON.stringify(def.kind + 'List')},"apiVersion":${JSON.stringify(gvString(def))},"metadata":${JSON.stringify(listMeta)},"items":[`;
    writeRaw(res, 200, head + (r.raws ?? []).join(',') + ']}');
    return;
  }
  const objs = (r.raws ?? []).map((s) => toServed(def, JSON.parse(s)));
  if (neg.kind === 'table') {
    writeJSON(res, 200, toTable(def, objs, listMeta, parseIncludeObject(query.get('includeObject'))), neg.contentType);
  } else if (neg.kind === 'partial') {
    writeJSON(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: objs.map(partialObject) }, neg.contentType);
  } else {
    writeJSON(res, 200, { kind: `${def.kind}List`, apiVersion: gvString(def), metadata: listMeta, items: objs }, neg.contentType);
  }
}

export type { Req };
