// Writes: create, update (PUT), patch, delete and deletecollection for any resource, with
// upstream's object-meta rules (generateName, uid, creationTimestamp, generation), the
// resource's strategy (defaults, prepare hooks, validation), optimistic concurrency on
// resourceVersion, dry-run, and deletion with grace periods, finalizers and preconditions.

import { randomUUID } from 'node:crypto';
import { StatusError, alreadyExists, badRequest, conflict, invalid, notFound, qualifiedResource } from '../../apimachinery/errors.js';
import type { FieldError } from '../../apimachinery/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/validation.js';
import { StorageError } from '../../storage/types.js';
import type { KeyValue } from '../../storage/types.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { ApiContext, RequestScope } from './context.js';
import { cacheFor, hooksFor, objectKey } from './context.js';
import { gvString, toServed } from './read.js';
import { entryObject } from '../storage/watchcache.js';
import { trackWrite } from './fieldmanager.js';
import { nowTimestamp, toTimestamp } from '../../apimachinery/time.js';

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return s;
}

/** The Go package name upstream prints for a group in conversion errors. */
function goPackage(group: string): string {
  if (!group) return 'core';
  return group.split('.')[0];
}

/**
 * apiVersion/kind in a body must name this endpoint's type; empty ones are filled in from the
 * URL, as upstream's decoder does. Mismatches are 400s worded as upstream's codec words them.
 */
export function checkTypeMeta(def: ResourceDef, obj: KObject, registry?: { lookupKind(g: string, v: string, k: string): unknown }): void {
  const gv = gvString(def);
  const apiVersion = typeof obj.apiVersion === 'string' && obj.apiVersion ? obj.apiVersion : gv;
  const kind = typeof obj.kind === 'string' && obj.kind ? obj.kind : def.kind;
  if (apiVersion !== gv || kind !== def.kind) {
    const slash = apiVersion.indexOf('/');
    const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
    const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
    const known = registry?.lookupKind(group, version, kind);
    const why = known
      ? `converting (${goPackage(group)}.${kind}) to (${goPackage(def.group)}.${def.kind}): unknown conversion`
      : `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`;
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${def.kind}: ${why}`);
  }
  if (obj.metadata !== undefined && obj.metadata !== null && (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${Array.isArray(obj.metadata) ? 'array' : typeof obj.metadata === 'number' ? 'number' : typeof obj.metadata === 'boolean' ? 'bool' : 'string'} into Go struct field ${def.kind}.metadata of type v1.ObjectMeta`);
  }
  if (obj.metadata === null) delete obj.metadata;
  obj.apiVersion = gv;
  obj.kind = def.kind;
}

/** Go's omitempty: empty maps and lists in metadata are not written. */
function dropEmptyMeta(meta: KObject): void {
  for (const k of ['labels', 'annotations']) {
    if (meta[k] && typeof meta[k] === 'object' && !Array.isArray(meta[k]) && Object.keys(meta[k]).length === 0) delete meta[k];
    if (meta[k] === null) delete meta[k];
  }
  for (const k of ['finalizers', 'ownerReferences', 'managedFields']) {
    if (Array.isArray(meta[k]) && meta[k].length === 0) delete meta[k];
    if (meta[k] === null) delete meta[k];
  }
}

function stripForCompare(obj: KObject, dropStatusAndMeta: boolean): string {
  const { metadata, status, ...rest } = obj;
  if (dropStatusAndMeta) return JSON.stringify(rest);
  const { resourceVersion, ...m } = metadata ?? {};
  return JSON.stringify({ ...rest, status, metadata: m });
}

function runValidation(def: ResourceDef, obj: KObject, old: KObject | undefined, scope: RequestScope): void {
  const errs: FieldError[] = [];
  const meta = obj.metadata ?? {};
  errs.push(...validateObjectMeta(meta, { namespaced: def.namespaced, nameRule: def.nameRule ?? 'subdomain' }));
  const vctx = { operation: old ? ('update' as const) : ('create' as const), subresource: scope.subresource };
  if (old) errs.push(...validateObjectMetaUpdate(meta, old.metadata ?? {}));
  if (def.validate) errs.push(...def.validate(obj, vctx));
  if (old && def.validateUpdate) errs.push(...def.validateUpdate(obj, old, vctx));
  if (errs.length) throw invalid(def.kind, def.group, meta.name || meta.generateName || '', errs);
}

/** Decode a stored kv into served form. */
function decodeServed(ctx: ApiContext, def: ResourceDef, kv: KeyValue): KObject {
  return toServed(def, ctx.codec.decode(kv));
}

function toStored(def: ResourceDef, obj: KObject): KObject {
  return def.toStorage ? def.toStorage(structuredClone(obj)) : obj;
}

function mapStorageError(err: unknown, def: ResourceDef, name: string): unknown {
  if (err instanceof StorageError) {
    if (err.code === 'KeyExists') return alreadyExists(def.group, def.plural, name);
    if (err.code === 'KeyNotFound') return notFound(def.group, def.plural, name);
    if (err.code === 'Conflict') return conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  return err;
}

async function checkNamespace(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): Promise<void> {
  if (!def.namespaced) return;
  const nsDef = ctx.registry.lookup('', 'v1', 'namespaces');
  if (!nsDef) return;
  // the watch cache first (cheap); the store only when the cache has not seen it (yet)
  const key = objectKey(ctx, nsDef, '', namespace);
  const cached = (await cacheFor(ctx, nsDef)).items.get(key);
  let ns: KObject;
  if (cached) ns = entryObject(cached);
  else {
    const kv = await ctx.store.get(key);
    if (!kv) throw notFound('', 'namespaces', namespace);
    ns = ctx.codec.decode(kv);
  }
  if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
    throw new StatusError(403, 'Forbidden', `${qualifiedResource(def.group, def.plural)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
      name,
      group: def.group || undefined,
      kind: def.plural,
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
    });
  }
}

// ---------------- create ----------------

/** Objects just created → the JSON text they were stored as (see storedTextOf). */
const storedTexts = new WeakMap<KObject, string>();

/**
 * The JSON text `obj` was stored as by the createObject that returned it (without its
 * resourceVersion), while obj is unchanged since: writeObject answers with that text and the
 * resourceVersion spliced in instead of serialising the object again. Taken once.
 */
export function takeStoredText(obj: KObject): string | undefined {
  const t = storedTexts.get(obj);
  storedTexts.delete(obj);
  return t;
}

export async function createObject(ctx: ApiContext, scope: RequestScope, obj: KObject, opts: { applied?: boolean } = {}): Promise<KObject> {
  const { def } = scope;
  checkTypeMeta(def, obj, ctx.registry);
  const meta = (obj.metadata ??= {});
  dropEmptyMeta(meta);
  if (def.namespaced) {
    if (meta.namespace && scope.namespace && meta.namespace !== scope.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = scope.namespace || meta.namespace;
  } else {
    delete meta.namespace;
  }
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  if (!meta.name && meta.generateName && typeof meta.generateName === 'string') meta.name = meta.generateName + generateSuffix();
  meta.uid = randomUUID();
  meta.creationTimestamp = nowTimestamp();
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (def.generation) meta.generation = 1;
  else delete meta.generation;
  // upstream order: defaulting (at decode), mutating admission, strategy, validation
  if (def.defaults) def.defaults(obj);
  if (!opts.applied) trackWrite(scope, undefined, obj);
  if (def.namespaced) await checkNamespace(ctx, def, meta.namespace, meta.name ?? '');
  for (const a of ctx.admission) await a.admit?.('CREATE', obj, undefined, scope);
  if (def.prepareForCreate) def.prepareForCreate(obj);
  runValidation(def, obj, undefined, scope);
  for (const a of ctx.admission) await a.validate?.('CREATE', obj, undefined, scope);
  const hooks = hooksFor(ctx, def);
  if (!scope.dryRun) await hooks?.beforeCreate?.(obj, scope);
  if (scope.dryRun) {
    if (await ctx.store.get(objectKey(ctx, def, meta.namespace ?? '', meta.name))) throw alreadyExists(def.group, def.plural, meta.name);
    return obj;
  }
  const key = objectKey(ctx, def, meta.namespace ?? '', meta.name);
  try {
    const stored = toStored(def, obj);
    const { value, text } = ctx.codec.encodeWithText(stored, key);
    const kv = await ctx.store.create(key, value, { ttlSeconds: ctx.ttlFor(def) });
    meta.resourceVersion = String(kv.modRevision);
    if (stored === obj) storedTexts.set(obj, text);
    return obj;
  } catch (err) {
    await hooks?.createFailed?.(obj, scope);
    throw mapStorageError(err, def, meta.name);
  }
}

// ---------------- update ----------------

export type UpdateMode = 'main' | 'status' | 'other';

export interface UpdateOptions {
  /** For PUT: the object sent; its resourceVersion is a precondition when set. */
  /** Allow creating when absent (upstream AllowCreateOnUpdate). */
  allowCreate?: boolean;
  /** Status subresource and similar: which strategy hook applies. */
  mode: UpdateMode;
  /** For subresources with their own rules (scale, approval): adjust obj from old. */
  prepare?: (obj: KObject, old: KObject) => void;
  /** The desired object comes from patching the current one: its resourceVersion is the one read unless the patch set another. */
  isPatch?: boolean;
  /** Server-side apply: mutate set managedFields already (no Update tracking). */
  applied?: boolean;
}

/**
 * Read-modify-write loop: `mutate(current)` returns the desired object (served form);
 * retried on conflicts unless the desired object carries a resourceVersion precondition.
 */
export async function updateObject(
  ctx: ApiContext,
  scope: RequestScope,
  mutate: (current: KObject | undefined) => Promise<KObject> | KObject,
  opts: UpdateOptions,
): Promise<{ obj: KObject; created: boolean }> {
  const { def } = scope;
  const key = objectKey(ctx, def, scope.namespace, scope.name);
  for (let attempt = 0; ; attempt++) {
    const kv = await ctx.store.get(key);
    const current = kv ? decodeServed(ctx, def, kv) : undefined;
    if (!current && !opts.allowCreate) {
      // still let mutate validate its input first (a bad body is a 400 even for a missing object)
      await mutate(undefined);
      throw notFound(def.group, def.plural, scope.name);
    }
    const obj = await mutate(current ? structuredClone(current) : undefined);
    checkTypeMeta(def, obj, ctx.registry);
    const meta = (obj.metadata ??= {});
    dropEmptyMeta(meta);
    if (meta.name !== undefined && meta.name !== scope.name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${scope.name})`);
    }
    meta.name = scope.name;
    if (def.namespaced) {
      if (meta.namespace && meta.namespace !== scope.namespace) throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${scope.namespace})`);
      meta.namespace = scope.namespace;
    } else delete meta.namespace;

    if (!current) {
      // create on update
      const created = await createObject(ctx, scope, { ...obj, metadata: { ...meta, resourceVersion: undefined } }, { applied: opts.applied });
      return { obj: created, created: true };
    }

    const givenRV = meta.resourceVersion;
    const preconditionRV = opts.isPatch && givenRV === current.metadata.resourceVersion ? undefined : givenRV;
    if (preconditionRV !== undefined && preconditionRV !== '' && preconditionRV !== current.metadata.resourceVersion) {
      throw conflict(def.group, def.plural, scope.name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    if (meta.uid && meta.uid !== current.metadata.uid) {
      throw conflict(def.group, def.plural, scope.name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    // system fields come from the stored object
    meta.resourceVersion = current.metadata.resourceVersion;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    if (current.metadata.deletionTimestamp) meta.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (current.metadata.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (current.metadata.generation !== undefined) meta.generation = current.metadata.generation;
    else delete meta.generation;

    if (def.defaults) def.defaults(obj);
    if (opts.mode === 'main') def.prepareForUpdate?.(obj, current);
    else if (opts.mode === 'status') {
      if (def.prepareForStatusUpdate) def.prepareForStatusUpdate(obj, current);
      else defaultStatusOnly(obj, current);
    }
    opts.prepare?.(obj, current);
    if (!opts.applied) trackWrite(scope, current, obj);
    if (def.generation && stripForCompare(obj, true) !== stripForCompare(current, true)) {
      meta.generation = (current.metadata.generation ?? 0) + 1;
    }
    for (const a of ctx.admission) await a.admit?.('UPDATE', obj, current, scope);
    runValidation(def, obj, current, scope);
    for (const a of ctx.admission) await a.validate?.('UPDATE', obj, current, scope);

    // no-op updates are not written (same resourceVersion comes back)
    if (stripForCompare(obj, false) === stripForCompare(current, false) && !ctx.codec.isStale(kv!)) {
      return { obj: current, created: false };
    }
    const hooks = hooksFor(ctx, def);
    if (!scope.dryRun) await hooks?.beforeUpdate?.(obj, current, scope);
    if (scope.dryRun) return { obj, created: false };

    // the last finalizer removed from an object being deleted: delete it now
    const specFinalizers = def.group === '' && def.plural === 'namespaces' ? obj.spec?.finalizers?.length ?? 0 : 0;
    if (meta.deletionTimestamp && !(meta.finalizers?.length) && !specFinalizers && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
      try {
        await ctx.store.delete(key, { expectedModRevision: kv!.modRevision });
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && attempt < 20) continue;
        throw mapStorageError(err, def, scope.name);
      }
      await hooks?.afterDelete?.(current, scope);
      return { obj, created: false };
    }
    try {
      const nkv = await ctx.store.update(key, ctx.codec.encode(toStored(def, obj), key), { expectedModRevision: kv!.modRevision, ttlSeconds: ctx.ttlFor(def) });
      meta.resourceVersion = String(nkv.modRevision);
      await hooks?.afterUpdate?.(obj, current, scope);
      return { obj, created: false };
    } catch (err) {
      await hooks?.updateFailed?.(obj, current, scope);
      const retriable = err instanceof StorageError && (err.code === 'Conflict');
      if (retriable && !preconditionRV && attempt < 20) continue;
      throw mapStorageError(err, def, scope.name);
    }
  }
}

/** Generic status update: only .status (and nothing else) changes. */
function defaultStatusOnly(obj: KObject, old: KObject): void {
  const status = obj.status;
  for (const k of Object.keys(obj)) if (k !== 'apiVersion' && k !== 'kind') delete obj[k];
  Object.assign(obj, structuredClone(old));
  if (status === undefined) delete obj.status;
  else obj.status = status;
}

// ---------------- delete ----------------

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export function parseDeleteOptions(body: KObject | undefined, query: URLSearchParams): DeleteOptions {
  const o: DeleteOptions = {};
  const src = body ?? {};
  if (body && body.kind !== undefined && body.kind !== 'DeleteOptions') {
    throw badRequest(`json: cannot unmarshal ${body.kind} into DeleteOptions`);
  }
  const g = query.get('gracePeriodSeconds') ?? src.gracePeriodSeconds;
  if (g !== undefined && g !== null && g !== '') {
    const n = Number(g);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: "${g}"`);
    o.gracePeriodSeconds = n;
  }
  const p = query.get('propagationPolicy') ?? src.propagationPolicy;
  if (p !== undefined && p !== null && p !== '') {
    if (p !== 'Orphan' && p !== 'Background' && p !== 'Foreground') {
      throw new StatusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan", "nil"`, {
        kind: 'DeleteOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan", "nil"`, field: 'propagationPolicy' }],
      });
    }
    o.propagationPolicy = p;
  }
  const od = query.get('orphanDependents') ?? src.orphanDependents;
  if (od !== undefined && od !== null && od !== '') o.orphanDependents = od === true || od === 'true';
  if (o.orphanDependents !== undefined && o.propagationPolicy) {
    throw new StatusError(422, 'Invalid', 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "' + o.propagationPolicy + '": orphanDependents and deletionPropagation cannot be both set', { kind: 'DeleteOptions', group: 'meta.k8s.io' });
  }
  if (src.preconditions) o.preconditions = src.preconditions;
  return o;
}

/** NamespaceLifecycle: these namespaces can never be deleted. */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Per-resource graceful deletion (pods): the grace period to apply, or 0 for immediate. */
export type GracefulPolicy = (obj: KObject, requested: number | undefined) => number;

export const gracefulPolicies: Record<string, GracefulPolicy> = {
  '/pods': (pod, requested) => {
    if (!pod.spec?.nodeName) return 0; // never scheduled: nothing to stop
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  },
};

/** Returns [obj, deletedNow]. */
export async function deleteObject(ctx: ApiContext, scope: RequestScope, opts: DeleteOptions): Promise<{ obj: KObject; deleted: boolean }> {
  const { def } = scope;
  const key = objectKey(ctx, def, scope.namespace, scope.name);
  for (let attempt = 0; ; attempt++) {
    const kv = await ctx.store.get(key);
    if (!kv) throw notFound(def.group, def.plural, scope.name);
    const obj = decodeServed(ctx, def, kv);
    const meta = obj.metadata;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(def.group, def.plural, scope.name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(def.group, def.plural, scope.name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    if (def.group === '' && def.plural === 'namespaces' && IMMORTAL_NAMESPACES.has(scope.name)) {
      throw new StatusError(403, 'Forbidden', `namespaces "${scope.name}" is forbidden: this namespace may not be deleted`, { name: scope.name, kind: 'namespaces' });
    }
    for (const a of ctx.admission) await a.admit?.('DELETE', undefined, obj, scope);
    for (const a of ctx.admission) await a.validate?.('DELETE', undefined, obj, scope);
    def.prepareForDelete?.(obj);

    // finalizers from the propagation policy (recorded for the garbage collector)
    let finalizers: string[] = [...(meta.finalizers ?? [])];
    const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
    if (policy === 'Orphan') {
      finalizers = finalizers.filter((f) => f !== 'foregroundDeletion');
      if (!finalizers.includes('orphan')) finalizers.push('orphan');
    } else if (policy === 'Foreground') {
      finalizers = finalizers.filter((f) => f !== 'orphan');
      if (!finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    } else if (policy === 'Background') {
      finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    }
    const graceful = gracefulPolicies[`${def.group}/${def.plural}`];
    let grace = graceful ? graceful(obj, opts.gracePeriodSeconds) : 0;
    if (meta.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined) {
      // already terminating: only a shorter grace period changes anything
      if (grace >= meta.deletionGracePeriodSeconds && !finalizers.length) {
        if (grace > 0) return { obj, deleted: false };
      }
    }
    const isNamespace = def.group === '' && def.plural === 'namespaces';
    const pending = finalizers.length > 0 || grace > 0 || (isNamespace && (obj.spec?.finalizers?.length ?? 0) > 0);
    if (pending) {
      const upd = structuredClone(obj);
      const um = upd.metadata;
      if (isNamespace) (upd.status ??= {}).phase = 'Terminating';
      if (finalizers.length) um.finalizers = finalizers;
      else delete um.finalizers;
      if (!um.deletionTimestamp || grace < (um.deletionGracePeriodSeconds ?? Infinity)) {
        um.deletionTimestamp = toTimestamp(Date.now() + grace * 1000);
        um.deletionGracePeriodSeconds = grace;
      }
      if (scope.dryRun) return { obj: upd, deleted: false };
      if (JSON.stringify(upd) === JSON.stringify(obj)) return { obj, deleted: false };
      try {
        const nkv = await ctx.store.update(key, ctx.codec.encode(toStored(def, upd), key), { expectedModRevision: kv.modRevision, ttlSeconds: ctx.ttlFor(def) });
        um.resourceVersion = String(nkv.modRevision);
        return { obj: upd, deleted: false };
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && attempt < 20) continue;
        throw mapStorageError(err, def, scope.name);
      }
    }
    if (scope.dryRun) return { obj, deleted: true };
    try {
      const r = await ctx.store.delete(key, { expectedModRevision: kv.modRevision });
      obj.metadata.resourceVersion = String(r.revision);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Conflict' && attempt < 20) continue;
      throw mapStorageError(err, def, scope.name);
    }
    await hooksFor(ctx, def)?.afterDelete?.(obj, scope);
    return { obj, deleted: true };
  }
}

/** The body a delete answers with: the object (pods, services, pending deletions) or a Status. */
export function deleteResponse(def: ResourceDef, obj: KObject, deleted: boolean): KObject {
  if (!deleted || RETURN_DELETED_OBJECT.has(`${def.group}/${def.plural}`)) return obj;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata?.name, group: def.group || undefined, kind: def.plural, uid: obj.metadata?.uid },
  };
}

const RETURN_DELETED_OBJECT = new Set(['/pods', '/services', '/namespaces', '/persistentvolumes', '/persistentvolumeclaims', '/nodes']);
