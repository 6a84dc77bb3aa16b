// What every generic handler needs: the store, codec, watch caches, registry, key layout,
// selector handling and per-resource hooks (admission-like steps such as ClusterIP
// allocation). One ApiContext per API server.

import type { Store } from '../../storage/types.js';
import type { Registry } from '../registry/index.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { Codec } from '../storage/codec.js';
import type { CacheEntry, CacheManager, ResourceCache } from '../storage/watchcache.js';
import { badRequest } from '../../apimachinery/errors.js';
import { parseSelector } from '../../apimachinery/labels.js';
import { escapeValue, parseFieldSelector } from '../../apimachinery/fields.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface RequestScope {
  def: ResourceDef;
  namespace: string;
  name: string;
  subresource: string;
  query: URLSearchParams;
  user: UserInfo;
  dryRun: boolean;
  /** The request's User-Agent (managedFields' manager when no fieldManager is given); unset for internal writes. */
  userAgent?: string;
  /** Send a `Warning` response header (admission plugins' warnings). */
  warn?: (text: string) => void;
  /** Add an annotation to the request's audit event (admission's audit annotations). */
  annotate?: (key: string, value: string) => void;
}

/** Steps run for one resource around writes (the built-in admission/strategy extras). */
export interface ResourceHooks {
  /** Before a create is stored; may mutate obj; throw StatusError to reject. */
  beforeCreate?(obj: KObject, scope: RequestScope): Promise<void> | void;
  /** After a create failed to store (release what beforeCreate allocated). */
  createFailed?(obj: KObject, scope: RequestScope): Promise<void> | void;
  beforeUpdate?(obj: KObject, old: KObject, scope: RequestScope): Promise<void> | void;
  updateFailed?(obj: KObject, old: KObject, scope: RequestScope): Promise<void> | void;
  /** After an update was stored (release what the old object held). */
  afterUpdate?(obj: KObject, old: KObject, scope: RequestScope): Promise<void> | void;
  /** After the object is gone from storage. */
  afterDelete?(obj: KObject, scope: RequestScope): Promise<void> | void;
}

/** A generic admission step, run for every write. */
/**
 * An admission plugin as the write path calls it, in upstream's order: every plugin's `admit`
 * (the mutating phase), then the object's own validation, then every plugin's `validate` (the
 * validating phase: policies, validating webhooks, quota), then storage.
 */
export interface AdmissionPlugin {
  name: string;
  admit?(op: 'CREATE' | 'UPDATE' | 'DELETE', obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Promise<void> | void;
  validate?(op: 'CREATE' | 'UPDATE' | 'DELETE', obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Promise<void> | void;
}

export interface ApiContext {
  store: Store;
  codec: Codec;
  caches: CacheManager;
  registry: Registry;
  etcdPrefix: string;
  hooks: Map<string, ResourceHooks>;
  admission: AdmissionPlugin[];
  /** TTL for stored objects of a resource (events). */
  ttlFor(def: ResourceDef): number | undefined;
  /** Create-only resources answered without storage (reviews), by "<group>/<plural>". */
  virtual?: Map<string, (obj: KObject, scope: RequestScope) => KObject | Promise<KObject>>;
  /** POST handlers of built-in subresources served by other modules, by "<group>/<plural>/<subresource>". */
  subresources?: Map<string, (scope: RequestScope, body: KObject) => Promise<{ code: number; obj: KObject; warnings?: string[] }>>;
}

export function storageResource(def: ResourceDef): string {
  return def.storageResource ?? def.plural;
}

/** '/registry/pods/' or '/registry/pods/default/' */
export function resourcePrefix(ctx: ApiContext, def: ResourceDef, namespace = ''): string {
  const base = `${ctx.etcdPrefix}/${storageResource(def)}/`;
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(ctx: ApiContext, def: ResourceDef, namespace: string, name: string): string {
  return def.namespaced ? `${ctx.etcdPrefix}/${storageResource(def)}/${namespace}/${name}` : `${ctx.etcdPrefix}/${storageResource(def)}/${name}`;
}

export function hooksFor(ctx: ApiContext, def: ResourceDef): ResourceHooks | undefined {
  return ctx.hooks.get(`${def.group}/${def.plural}`);
}

/** Labels and selectable fields of an object (the watch cache index). */
export function indexObject(def: ResourceDef, obj: KObject): { labels: Record<string, string> | undefined; fields: Record<string, string> } {
  const meta = obj.metadata ?? {};
  const fields: Record<string, string> = { 'metadata.name': meta.name ?? '' };
  if (def.namespaced) fields['metadata.namespace'] = meta.namespace ?? '';
  if (def.selectableFields) {
    try {
      Object.assign(fields, def.selectableFields(obj));
    } catch {
      /* a malformed stored object simply has fewer fields */
    }
  }
  return { labels: meta.labels, fields };
}

const supportedFieldCache = new WeakMap<ResourceDef, Set<string>>();

export function supportedFields(def: ResourceDef): Set<string> {
  let s = supportedFieldCache.get(def);
  if (!s) {
    s = new Set(Object.keys(indexObject(def, { metadata: {}, spec: {}, status: {} }).fields));
    s.add('metadata.name');
    if (def.namespaced) s.add('metadata.namespace');
    supportedFieldCache.set(def, s);
  }
  return s;
}

export function cacheFor(ctx: ApiContext, def: ResourceDef): Promise<ResourceCache> {
  const owner = ownerDef(ctx, def);
  return ctx.caches.cache(resourcePrefix(ctx, def), (obj) => indexObject(owner, obj));
}

/** The def whose version is the stored form (for shared storage such as events). */
export function ownerDef(ctx: ApiContext, def: ResourceDef): ResourceDef {
  if (!def.fromStorage) return def;
  for (const d of ctx.registry.all()) {
    if (!d.fromStorage && storageResource(d) === storageResource(def)) return d;
  }
  return def;
}

/**
 * Field selectors of a version that shares storage with another (events.k8s.io/v1 over
 * core/v1 events): its field names mapped to the stored form's, as upstream converts them.
 */
const FIELD_ALIASES: Record<string, Record<string, string>> = {
  'events.k8s.io/events': {
    'regarding.kind': 'involvedObject.kind',
    'regarding.namespace': 'involvedObject.namespace',
    'regarding.name': 'involvedObject.name',
    'regarding.uid': 'involvedObject.uid',
    'regarding.apiVersion': 'involvedObject.apiVersion',
    'regarding.resourceVersion': 'involvedObject.resourceVersion',
    'regarding.fieldPath': 'involvedObject.fieldPath',
    reportingController: 'reportingComponent',
    deprecatedSource: 'source',
  },
};

export interface Predicate {
  empty: boolean;
  /** match on a cache entry (labels and fields of the stored form) */
  match(e: Pick<CacheEntry, 'labels' | 'fields'>): boolean;
  /** exact metadata.name from the field selector, if any (fast path) */
  name?: string;
}

/** Build the selection predicate from labelSelector and fieldSelector query parameters. */
export function predicateFrom(def: ResourceDef, query: URLSearchParams): Predicate {
  const ls = query.get('labelSelector') ?? '';
  const fs = query.get('fieldSelector') ?? '';
  const labelSel = ls ? parseSelector(ls) : undefined;
  let fieldSel = fs ? parseFieldSelector(fs) : undefined;
  let name: string | undefined;
  const aliases = FIELD_ALIASES[`${def.group}/${def.plural}`];
  if (fieldSel) {
    const supported = supportedFields(def);
    for (const r of fieldSel.requirements) {
      if (!supported.has(r.field) && !aliases?.[r.field]) throw badRequest(`field label not supported: ${r.field}`);
      if (r.field === 'metadata.name' && (r.operator === '=' || r.operator === '==')) name = r.value;
    }
    if (aliases && fieldSel.requirements.some((r) => aliases[r.field])) {
      fieldSel = parseFieldSelector(fieldSel.requirements.map((r) => `${aliases[r.field] ?? r.field}${r.operator}${escapeValue(r.value)}`).join(','));
    }
  }
  const lEmpty = !labelSel || labelSel.empty;
  const fEmpty = !fieldSel || fieldSel.empty;
  return {
    empty: lEmpty && fEmpty,
    name,
    match: (e) => (lEmpty || labelSel!.matches(e.labels ?? {})) && (fEmpty || fieldSel!.matches(e.fields)),
  };
}
