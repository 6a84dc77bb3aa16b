// What the admission plugins share: the small interfaces the API server implements for them
// (Objects: cached reads; QuotaAccess: quota list + compare-and-swap status writes), the
// plugin shape with upstream's two phases (admit = mutating, validate = validating), the
// Forbidden error as upstream's admission.NewForbidden words it, the warning / audit
// annotation side channel, and pod resource arithmetic shared by LimitRanger and
// ResourceQuota.

import { StatusError, conflict, qualifiedResource } from '../../apimachinery/errors.js';
import { parseQuantity, type Quantity } from '../../apimachinery/quantity.js';
import { StorageError } from '../../storage/types.js';
import type { AdmissionPlugin, ApiContext, RequestScope } from '../endpoints/context.js';
import { cacheFor, objectKey, resourcePrefix } from '../endpoints/context.js';
import { entryObject } from '../storage/watchcache.js';
import type { KObject, ResourceDef } from '../registry/types.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';
export type AdmitFn = (op: Operation, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope) => Promise<void> | void;

/**
 * An admission plugin with upstream's two phases. `admit` is the mutating phase
 * (admission.MutationInterface), `validate` the validating phase (ValidationInterface),
 * which upstream runs after every plugin's admit and after the object's own validation.
 */
export interface Plugin extends AdmissionPlugin {
  admit?: AdmitFn;
  validate?: AdmitFn;
}

// ---------------------------------------------------------------------------------------
// What the server provides
// ---------------------------------------------------------------------------------------

/**
 * Read access to current API objects (served form), e.g. over the watch cache. Returned
 * objects are shared: plugins never mutate them. `namespace` is '' for cluster-scoped
 * resources; `list` without a namespace lists every namespace.
 */
export interface Objects {
  get(group: string, plural: string, namespace: string, name: string): Promise<KObject | undefined>;
  list(group: string, plural: string, namespace?: string): Promise<KObject[]>;
  /** An authoritative read (storage, not a cache that may lag); plugins fall back to it after a cache miss, as upstream's live lookups do. Defaults to `get`. */
  getLive?(group: string, plural: string, namespace: string, name: string): Promise<KObject | undefined>;
}

/**
 * What ResourceQuota needs from storage: the namespace's quotas as stored now (not from a
 * cache that may lag behind the plugin's own writes) and a compare-and-swap status write.
 */
export interface QuotaAccess {
  /** The ResourceQuotas of a namespace, each with metadata.resourceVersion. */
  list(namespace: string): Promise<KObject[]>;
  /**
   * Store `quota.status` when the stored quota's resourceVersion still equals
   * `quota.metadata.resourceVersion` (everything but status is kept from storage).
   * Resolves true when written, false when the quota changed meanwhile or is gone.
   */
  updateStatus(quota: KObject): Promise<boolean>;
}

/** Objects over an ApiContext: the watch cache, and the store on a cache miss. */
export function contextObjects(ctx: ApiContext): Objects {
  const defOf = (group: string, plural: string): ResourceDef | undefined =>
    ctx.registry.all().find((d) => d.group === group && d.plural === plural && !d.fromStorage);
  const live = async (group: string, plural: string, namespace: string, name: string): Promise<KObject | undefined> => {
    const def = defOf(group, plural);
    if (!def) return undefined;
    const kv = await ctx.store.get(objectKey(ctx, def, namespace, name));
    return kv ? ctx.codec.decode(kv) : undefined;
  };
  return {
    async get(group, plural, namespace, name) {
      const def = defOf(group, plural);
      if (!def) return undefined;
      const cache = await cacheFor(ctx, def);
      const e = cache.items.get(objectKey(ctx, def, namespace, name));
      return e ? entryObject(e, !isPods(group, plural)) : undefined;
    },
    async list(group, plural, namespace) {
      const def = defOf(group, plural);
      if (!def) return [];
      const cache = await cacheFor(ctx, def);
      const out: KObject[] = [];
      const memo = !isPods(group, plural);
      for (const e of cache.items.values()) if (!namespace || e.namespace === namespace) out.push(entryObject(e, memo));
      return out;
    },
    getLive: live,
  };
}

function isPods(group: string, plural: string): boolean {
  return group === '' && plural === 'pods';
}

/** QuotaAccess over an ApiContext's store (core/v1 resourcequotas, stored as served). */
export function contextQuotaAccess(ctx: ApiContext): QuotaAccess {
  const def = (): ResourceDef => {
    const d = ctx.registry.lookup('', 'v1', 'resourcequotas');
    if (!d) throw new Error('resourcequotas are not registered');
    return d;
  };
  return storeQuotaAccess({
    list: async (namespace) => (await ctx.store.list(resourcePrefix(ctx, def(), namespace))).items.map((kv) => ctx.codec.decode(kv)),
    key: (namespace, name) => objectKey(ctx, def(), namespace, name),
    store: ctx.store,
    codec: ctx.codec,
  });
}

/** The CAS logic of contextQuotaAccess, over any store + codec (tests use a MemoryStore). */
export function storeQuotaAccess(o: {
  list(namespace: string): Promise<KObject[]>;
  key(namespace: string, name: string): string;
  store: Pick<ApiContext['store'], 'get' | 'update'>;
  codec: Pick<ApiContext['codec'], 'encode' | 'decode'>;
}): QuotaAccess {
  return {
    list: o.list,
    async updateStatus(quota) {
      const key = o.key(quota.metadata?.namespace ?? '', quota.metadata?.name ?? '');
      const kv = await o.store.get(key);
      if (!kv || String(kv.modRevision) !== String(quota.metadata?.resourceVersion)) return false;
      const stored = o.codec.decode(kv);
      stored.status = structuredClone(quota.status);
      try {
        await o.store.update(key, o.codec.encode(stored, key), { expectedModRevision: kv.modRevision });
        return true;
      } catch (err) {
        if (err instanceof StorageError && (err.code === 'Conflict' || err.code === 'KeyNotFound')) return false;
        throw err;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// Errors, warnings, audit annotations
// ---------------------------------------------------------------------------------------

/** The object name upstream's admission errors use (extractResourceName). */
export function requestName(scope: RequestScope, obj: KObject | undefined): string {
  if (scope.name) return scope.name;
  if (!obj) return 'Unknown';
  const meta = obj.metadata ?? {};
  if (typeof meta.name === 'string' && meta.name) return meta.name;
  if (typeof meta.generateName === 'string' && meta.generateName) return meta.generateName;
  return 'Unknown';
}

/** admission.NewForbidden: `pods "x" is forbidden: <why>` (403, reason Forbidden). */
export function admissionForbidden(scope: RequestScope, obj: KObject | undefined, why: string): StatusError {
  const { group, plural } = scope.def;
  const name = requestName(scope, obj);
  return new StatusError(403, 'Forbidden', `${qualifiedResource(group, plural)} ${JSON.stringify(name)} is forbidden: ${why}`, {
    name,
    group: group || undefined,
    kind: plural,
  });
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in brackets. */
export function aggregateMessages(msgs: string[]): string {
  const seen: string[] = [];
  for (const m of msgs) if (!seen.includes(m)) seen.push(m);
  if (msgs.length === 1 || seen.length === 1) return seen[0] ?? '';
  return `[${seen.join(', ')}]`;
}

/** The conflict upstream's quota status update fails with. */
export function quotaConflict(name: string): StatusError {
  return conflict('', 'resourcequotas', name, 'the object has been modified; please apply your changes to the latest version and try again');
}

interface RequestNotes {
  warnings: string[];
  audit: Record<string, string>;
}
const notes = new WeakMap<RequestScope, RequestNotes>();

function notesFor(scope: RequestScope): RequestNotes {
  let n = notes.get(scope);
  if (!n) {
    n = { warnings: [], audit: {} };
    notes.set(scope, n);
  }
  return n;
}

/**
 * Adds a warning for the response (upstream's warning.AddWarning; the server sends each as
 * `Warning: 299 - "<text>"`). Identical warnings are kept once. When the scope carries a
 * `warn(text)` function it is called as well.
 */
export function addWarning(scope: RequestScope, text: string): void {
  const n = notesFor(scope);
  if (!n.warnings.includes(text)) {
    n.warnings.push(text);
    const w = (scope as RequestScope & { warn?: (t: string) => void }).warn;
    if (typeof w === 'function') w(text);
  }
}

/** Adds an audit annotation for the request's audit event (upstream's audit.AddAuditAnnotation). */
export function addAuditAnnotation(scope: RequestScope, key: string, value: string): void {
  notesFor(scope).audit[key] = value;
  scope.annotate?.(key, value);
}

/** The warnings admission recorded for this request. */
export function admissionWarnings(scope: RequestScope): string[] {
  return [...(notes.get(scope)?.warnings ?? [])];
}

/** The audit annotations admission recorded for this request. */
export function admissionAuditAnnotations(scope: RequestScope): Record<string, string> {
  return { ...(notes.get(scope)?.audit ?? {}) };
}

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

export function isResource(scope: RequestScope, group: string, plural: string): boolean {
  return scope.def.group === group && scope.def.plural === plural;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function arr<T = KObject>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

export function rec(v: unknown): Record<string, any> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {};
}

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Upstream's GenerateName suffix alphabet (no vowels, no confusable characters). */
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

// ---------------------------------------------------------------------------------------
// Resource lists
// ---------------------------------------------------------------------------------------

export type ResourceList = Map<string, Quantity>;

/** A ResourceList from JSON; values that do not parse are left out (validation reports them). */
export function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, q] of Object.entries(rec(v))) {
    if (typeof q !== 'string' && typeof q !== 'number') continue;
    try {
      out.set(k, parseQuantity(String(q).trim()));
    } catch {
      /* invalid quantity: object validation rejects it */
    }
  }
  return out;
}

export function resourceListJSON(l: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, q] of l) out[k] = q.toString();
  return out;
}

export function addInto(into: ResourceList, add: ResourceList): void {
  for (const [k, q] of add) {
    const cur = into.get(k);
    into.set(k, cur ? cur.add(q) : q);
  }
}

export function maxInto(into: ResourceList, other: ResourceList): void {
  for (const [k, q] of other) {
    const cur = into.get(k);
    if (!cur || q.cmp(cur) > 0) into.set(k, q);
  }
}

/**
 * Pod requests or limits as component-helpers' PodRequests/PodLimits compute them: the sum
 * of the containers, the restartable (sidecar) init containers added in, the max with each
 * regular init container (plus the sidecars started before it), and the pod overhead
 * (requests: every overhead resource; limits: only resources that have a limit).
 */
export function podResources(spec: KObject, which: 'requests' | 'limits', includeOverhead: boolean): ResourceList {
  const total: ResourceList = new Map();
  for (const c of arr(spec.containers)) addInto(total, resourceList(c.resources?.[which]));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of arr(spec.initContainers)) {
    const own = resourceList(c.resources?.[which]);
    let effective: ResourceList;
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      effective = sidecars;
    } else {
      effective = new Map(own);
      addInto(effective, sidecars);
    }
    maxInto(initMax, effective);
  }
  maxInto(total, initMax);
  if (includeOverhead && spec.overhead) {
    const overhead = resourceList(spec.overhead);
    if (which === 'requests') addInto(total, overhead);
    else for (const [k, q] of overhead) if (total.has(k)) total.set(k, total.get(k)!.add(q));
  }
  return total;
}
