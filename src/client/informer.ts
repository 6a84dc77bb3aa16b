// Informers as client-go's tools/cache: a Reflector lists (paged, limit 500, from the watch
// cache with resourceVersion=0 first) and then watches from the list's resourceVersion with
// bookmarks, re-watching from the last seen resourceVersion when a watch ends and relisting
// (after an exponential backoff, 800ms … 30s) when it fails — a 410 Expired relists from the
// last resourceVersion, and if that is gone too, from the newest state. The Informer
// (SharedIndexInformer) keeps the objects in an indexed store, tells each registered handler
// about adds, updates and deletes in order (a delete noticed only by a relist carries a
// DeletedFinalStateUnknown tombstone), resyncs handlers periodically with unchanged objects,
// and reports hasSynced once the first list has been delivered. Listers read the store.
// SharedInformerFactory hands every controller the same informer per resource.

import { parseSelector } from '../apimachinery/labels.js';
import type { Selector } from '../apimachinery/labels.js';
import { logger } from '../util/klog.js';
import {
  apiErrorOf,
  isConnectionRefused,
  isExpiredError,
  isTooLargeResourceVersion,
  isTooManyRequests,
  sleep,
} from './rest.js';
import type { GroupVersionResource, KubeObject, ListOptions, ObjectList, RestClient, WatchEvent, WatchOptions, Watcher } from './rest.js';

const log = logger('client/informer');

// ---------------------------------------------------------------------------------------------
// Keys

/** What a handler's onDelete gets when the deletion was noticed by a relist, not by a watch event. */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    /** the last state the informer knew of */
    readonly obj: T,
  ) {}
}

export type KeyFunc = (obj: unknown) => string;

/** `<namespace>/<name>`, or `<name>` for cluster-scoped objects (cache.MetaNamespaceKeyFunc). */
export function metaNamespaceKeyFunc(obj: unknown): string {
  if (typeof obj === 'string') return obj;
  const m = (obj as KubeObject | undefined)?.metadata;
  if (!m || typeof m.name !== 'string') throw new Error('object has no meta: metadata.name is missing');
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

/** metaNamespaceKeyFunc that also accepts tombstones (cache.DeletionHandlingMetaNamespaceKeyFunc). */
export function deletionHandlingMetaNamespaceKeyFunc(obj: unknown): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  return metaNamespaceKeyFunc(obj);
}

/** Split a key into namespace and name (cache.SplitMetaNamespaceKey). */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: "${key}"`);
}

// ---------------------------------------------------------------------------------------------
// Indexed store

export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The name of the built-in namespace index (cache.NamespaceIndex). */
export const NamespaceIndex = 'namespace';

/** Index by metadata.namespace (cache.MetaNamespaceIndexFunc). */
export function metaNamespaceIndexFunc(obj: KubeObject): string[] {
  return [obj.metadata?.namespace ?? ''];
}

/**
 * A keyed object store with secondary indexes (cache.Indexer / ThreadSafeStore). Objects are
 * stored as given; treat them as read-only (copy before mutating, as with client-go caches).
 */
export class Indexer<T> {
  private items = new Map<string, T>();
  private indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys */
  private indices = new Map<string, Map<string, Set<string>>>();

  constructor(
    readonly keyFunc: KeyFunc = deletionHandlingMetaNamespaceKeyFunc,
    indexers: Indexers<T> = {},
  ) {
    this.addIndexers(indexers);
  }

  /** Add index functions; existing items are indexed too. A name may be registered once. */
  addIndexers(indexers: Indexers<T>): void {
    for (const name of Object.keys(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
    }
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.indexOne(name, fn, undefined, obj, key);
    }
  }

  getIndexers(): Indexers<T> {
    return Object.fromEntries(this.indexers);
  }

  private indexOne(name: string, fn: IndexFunc<T>, oldObj: T | undefined, newObj: T | undefined, key: string): void {
    const index = this.indices.get(name)!;
    const oldValues = oldObj === undefined ? [] : fn(oldObj);
    const newValues = newObj === undefined ? [] : fn(newObj);
    if (oldValues.length === 1 && newValues.length === 1 && oldValues[0] === newValues[0]) return;
    for (const v of oldValues) {
      const set = index.get(v);
      if (!set) continue;
      set.delete(key);
      if (set.size === 0) index.delete(v);
    }
    for (const v of newValues) {
      let set = index.get(v);
      if (!set) index.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private updateIndices(oldObj: T | undefined, newObj: T | undefined, key: string): void {
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, oldObj, newObj, key);
  }

  add(obj: T): void {
    this.update(obj);
  }

  update(obj: T): void {
    const key = this.keyFunc(obj);
    this.updateByKey(key, obj);
  }

  /** @internal */
  updateByKey(key: string, obj: T): void {
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.updateIndices(old, obj, key);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    this.deleteByKey(this.keyFunc(obj));
  }

  /** @internal */
  deleteByKey(key: string): void {
    const old = this.items.get(key);
    if (old === undefined && !this.items.has(key)) return;
    this.updateIndices(old, undefined, key);
    this.items.delete(key);
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Replace the whole content (indices rebuilt). */
  replace(objs: T[]): void {
    this.items = new Map();
    for (const name of this.indexers.keys()) this.indices.set(name, new Map());
    for (const o of objs) this.update(o);
  }

  private indexOrThrow(indexName: string): Map<string, Set<string>> {
    const idx = this.indices.get(indexName);
    if (!idx) throw new Error(`Index with name ${indexName} does not exist`);
    return idx;
  }

  /** Objects sharing any indexed value with obj under indexName. */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexers.get(indexName);
    if (!fn) throw new Error(`Index with name ${indexName} does not exist`);
    const idx = this.indexOrThrow(indexName);
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of idx.get(v) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  /** Keys of the objects whose indexName function yields value. */
  indexKeys(indexName: string, value: string): string[] {
    return [...(this.indexOrThrow(indexName).get(value) ?? [])];
  }

  /** Objects whose indexName function yields value. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  /** All values indexName currently has. */
  listIndexFuncValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }
}

// ---------------------------------------------------------------------------------------------
// Listers

function toSelector(s: Selector | string | undefined): Selector | undefined {
  if (s === undefined) return undefined;
  if (typeof s === 'string') return s.trim() === '' ? undefined : parseSelector(s);
  return s.empty ? undefined : s;
}

function selectFrom<T extends KubeObject>(objs: T[], sel: Selector | string | undefined): T[] {
  const s = toSelector(sel);
  if (!s) return objs;
  return objs.filter((o) => s.matches(o.metadata?.labels));
}

/** Read access to an informer's store (the generated listers' List/Get and Namespace(ns)). */
export class Lister<T extends KubeObject> {
  constructor(readonly indexer: Indexer<T>) {}

  /** All objects (matching the label selector, if given). */
  list(selector?: Selector | string): T[] {
    return selectFrom(this.indexer.list(), selector);
  }

  /** get(namespace, name) for namespaced objects, get(name) for cluster-scoped ones. */
  get(namespaceOrName: string, name?: string): T | undefined {
    if (name === undefined) return this.indexer.getByKey(namespaceOrName);
    return this.indexer.getByKey(namespaceOrName ? `${namespaceOrName}/${name}` : name);
  }

  /** Objects whose index function indexName yields value. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }

  /** The objects of one namespace (uses the namespace index). */
  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

export class NamespaceLister<T extends KubeObject> {
  constructor(
    readonly indexer: Indexer<T>,
    readonly ns: string,
  ) {}

  list(selector?: Selector | string): T[] {
    let objs: T[];
    try {
      objs = this.indexer.byIndex(NamespaceIndex, this.ns);
    } catch {
      objs = this.indexer.list().filter((o) => (o.metadata?.namespace ?? '') === this.ns);
    }
    return selectFrom(objs, selector);
  }

  get(name: string): T | undefined {
    return this.indexer.getByKey(this.ns ? `${this.ns}/${name}` : name);
  }
}

// ---------------------------------------------------------------------------------------------
// ListerWatcher

/** What a Reflector lists and watches with (cache.ListerWatcher). */
export interface ListerWatcher<T> {
  list(opts: ListOptions): Promise<ObjectList<T>>;
  watch(opts: WatchOptions): Promise<Watcher<T>>;
}

export interface ListWatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** adjust every list/watch request (the factory's WithTweakListOptions) */
  tweakListOptions?: (opts: ListOptions & WatchOptions) => void;
}

/**
 * List/watch one resource through a RestClient (cache.NewListWatchFromClient). As the dynamic
 * client, list items get the list's apiVersion and kind (without "List") so that stored objects
 * look the same whether they came from a list or a watch.
 */
export function listWatchFromClient<T extends KubeObject>(client: RestClient, gvr: GroupVersionResource, opts: ListWatchOptions = {}): ListerWatcher<T> {
  const ref = { group: gvr.group, version: gvr.version, resource: gvr.resource, namespace: opts.namespace || undefined };
  const apply = <O extends ListOptions & WatchOptions>(o: O): O => {
    const out = { ...o };
    if (opts.labelSelector) out.labelSelector = opts.labelSelector;
    if (opts.fieldSelector) out.fieldSelector = opts.fieldSelector;
    opts.tweakListOptions?.(out);
    return out;
  };
  return {
    async list(o) {
      const l = await client.list<T>(ref, apply(o));
      const kind = l.kind?.endsWith('List') ? l.kind.slice(0, -4) : undefined;
      if (kind && l.apiVersion) {
        for (const it of l.items) {
          if (it && typeof it === 'object') {
            if (!it.kind) it.kind = kind;
            if (!it.apiVersion) it.apiVersion = l.apiVersion;
          }
        }
      }
      return l;
    },
    watch(o) {
      return client.watch<T>(ref, apply(o));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reflector

/** Where a Reflector delivers what it lists and watches (the informer; a DeltaFIFO upstream). */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  /** The complete state at resourceVersion (after a list, or a watch-list's initial events). */
  replace(items: T[], resourceVersion: string): void;
  /** Periodic resync (only when shouldResync allows). */
  resync(): void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  resetMs: number;
  factor: number;
  jitter: number;
}

/** wait.NewExponentialBackoffManager: the reflector uses 800ms … 30s, ×2, jitter 1, reset after 2min. */
export class ExponentialBackoff {
  private durationMs: number;
  private lastStart = 0;
  constructor(readonly opts: BackoffOptions = { initialMs: 800, maxMs: 30_000, resetMs: 120_000, factor: 2, jitter: 1 }) {
    this.durationMs = opts.initialMs;
  }
  next(): number {
    const t = performance.now();
    if (this.lastStart && t - this.lastStart > this.opts.resetMs) this.durationMs = this.opts.initialMs;
    this.lastStart = t;
    const d = this.durationMs;
    this.durationMs = Math.min(this.opts.maxMs, this.durationMs * this.opts.factor);
    return this.opts.jitter > 0 ? d + Math.random() * this.opts.jitter * d : d;
  }
}

export interface ReflectorOptions {
  /** for log lines, e.g. "*v1.Pod" or "pods" */
  description?: string;
  /** resync check period (0: none) */
  resyncPeriodMs?: number;
  /** asked at every resync tick; resync happens only when it returns true */
  shouldResync?: () => boolean;
  /** page size of the initial list (client-go's pager default, 500) */
  pageSize?: number;
  /** use a streaming watch-list (sendInitialEvents) instead of list, falling back to list */
  useWatchList?: boolean;
  /** server-side watch timeout is minWatchTimeout·(1+rand); default 5 minutes */
  minWatchTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** called when a list/watch cycle fails (default: logged as DefaultWatchErrorHandler) */
  watchErrorHandler?: (err: unknown) => void;
}

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

function rvOf(obj: unknown): string | undefined {
  const rv = (obj as KubeObject | undefined)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

class MapStore<T> implements ReflectorStore<T> {
  readonly items = new Map<string, T>();
  add(obj: T): void {
    this.items.set(metaNamespaceKeyFunc(obj), obj);
  }
  update(obj: T): void {
    this.add(obj);
  }
  delete(obj: T): void {
    this.items.delete(metaNamespaceKeyFunc(obj));
  }
  replace(): void {}
  resync(): void {}
}

interface PagedResult<T> {
  items: T[];
  resourceVersion: string;
  paginated: boolean;
}

/**
 * tools/pager: list page by page (continue tokens); when a continuation expires (410) fall back
 * to one full list at the requested resourceVersion (FullListIfExpired).
 */
export async function listPaged<T>(lw: ListerWatcher<T>, opts: ListOptions, pageSize: number): Promise<PagedResult<T>> {
  let o: ListOptions = { ...opts };
  if (pageSize > 0) o.limit = pageSize;
  else delete o.limit;
  const items: T[] = [];
  let paginated = false;
  for (;;) {
    let page: ObjectList<T>;
    try {
      page = await lw.list(o);
    } catch (err) {
      if (!isExpiredError(err) || !o.continue) throw err;
      const full = await lw.list({ ...opts, limit: undefined, continue: undefined });
      return { items: full.items ?? [], resourceVersion: full.metadata?.resourceVersion ?? '', paginated };
    }
    for (const it of page.items ?? []) items.push(it);
    const cont = page.metadata?.continue;
    if (!cont) return { items, resourceVersion: page.metadata?.resourceVersion ?? '', paginated };
    paginated = true;
    // the continue token carries the resourceVersion of the first page
    o = { ...o, continue: cont, resourceVersion: undefined, resourceVersionMatch: undefined };
  }
}

/**
 * cache.Reflector: keeps a ReflectorStore in sync with the server by list + watch. run() loops
 * until the signal aborts: listAndWatch, then a backoff, then again.
 */
export class Reflector<T extends KubeObject> {
  readonly description: string;
  private lastSyncRV = '';
  private rvUnavailable = false;
  private paginatedResult = false;
  private readonly backoff: ExponentialBackoff;
  private readonly opts: ReflectorOptions;

  constructor(
    readonly lw: ListerWatcher<T>,
    readonly store: ReflectorStore<T>,
    opts: ReflectorOptions = {},
  ) {
    this.opts = opts;
    this.description = opts.description ?? 'objects';
    this.backoff = new ExponentialBackoff({ initialMs: 800, maxMs: 30_000, resetMs: 120_000, factor: 2, jitter: 1, ...opts.backoff });
  }

  /** The resourceVersion of the last list or watch event seen. */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  private setLastSyncRV(rv: string): void {
    this.lastSyncRV = rv;
  }

  /** The resourceVersion to relist from: "0" (any, from the watch cache) at first; "" (newest) when the last one is gone. */
  relistResourceVersion(): string {
    if (this.rvUnavailable) return '';
    if (this.lastSyncRV === '') return '0';
    return this.lastSyncRV;
  }

  /** Run until the signal aborts (cache.Reflector.Run: BackoffUntil(ListAndWatch)). */
  async run(signal: AbortSignal): Promise<void> {
    log.v(3).info('Starting reflector', { type: this.description, resyncPeriod: `${(this.opts.resyncPeriodMs ?? 0) / 1000}s` });
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.reportWatchError(err);
      }
      if (signal.aborted) break;
      try {
        await sleep(this.backoff.next(), signal);
      } catch {
        break;
      }
    }
    log.v(3).info('Stopping reflector', { type: this.description });
  }

  private reportWatchError(err: unknown): void {
    if (this.opts.watchErrorHandler) {
      this.opts.watchErrorHandler(err);
      return;
    }
    if (isExpiredError(err)) log.v(4).info(`watch of ${this.description} closed with: ${(err as Error).message}`);
    else log.error(`Failed to watch ${this.description}: ${(err as Error)?.message ?? err}`);
  }

  /** One list (or watch-list) followed by watches until one fails (cache.Reflector.ListAndWatch). */
  async listAndWatch(signal: AbortSignal): Promise<void> {
    let w: Watcher<T> | undefined;
    let fallbackToList = !this.opts.useWatchList;
    if (this.opts.useWatchList) {
      try {
        w = await this.watchList(signal);
      } catch (err) {
        if (signal.aborted) return;
        log.warning(`The watchlist request ended with an error, falling back to the standard LIST/WATCH semantics because making progress is better than deadlocking, err = ${(err as Error)?.message ?? err}`);
        fallbackToList = true;
        w = undefined;
      }
      if (signal.aborted) {
        w?.stop();
        return;
      }
    }
    if (fallbackToList) await this.list(signal);
    if (signal.aborted) {
      w?.stop();
      return;
    }
    const resync = this.startResync();
    try {
      await this.watchLoop(w, signal);
    } finally {
      resync();
    }
  }

  private startResync(): () => void {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (!(period > 0)) return () => {};
    const t = setInterval(() => {
      if (!this.opts.shouldResync || this.opts.shouldResync()) {
        log.v(4).info('forcing resync', { type: this.description });
        try {
          this.store.resync();
        } catch (err) {
          log.error('resync failed', { err });
        }
      }
    }, period);
    return () => clearInterval(t);
  }

  private async list(signal: AbortSignal): Promise<void> {
    const rv = this.relistResourceVersion();
    let pageSize = this.opts.pageSize ?? 500;
    // With a specific resourceVersion the watch cache serves the list only without a limit: do
    // not paginate unless the server paginated before (cache disabled) — client-go's rule.
    if (!this.paginatedResult && rv !== '' && rv !== '0') pageSize = 0;
    let res: PagedResult<T>;
    try {
      res = await listPaged(this.lw, { resourceVersion: rv, signal }, pageSize);
    } catch (err) {
      if (signal.aborted) throw err;
      if (!isExpiredError(err) && !isTooLargeResourceVersion(err)) throw new Error(`failed to list ${this.description}: ${(err as Error)?.message ?? err}`, { cause: err });
      // the resourceVersion is gone (compacted) or not there yet: list the newest state at once
      this.rvUnavailable = true;
      res = await listPaged(this.lw, { resourceVersion: this.relistResourceVersion(), signal }, pageSize);
    }
    if (rv === '0' && res.paginated) this.paginatedResult = true;
    this.rvUnavailable = false;
    this.store.replace(res.items, res.resourceVersion);
    this.setLastSyncRV(res.resourceVersion);
  }

  private watchTimeoutSeconds(): number {
    const min = (this.opts.minWatchTimeoutMs ?? 300_000) / 1000;
    return Math.floor(min * (1 + Math.random()));
  }

  /**
   * Streaming list: watch with sendInitialEvents=true; the initial events go to a temporary
   * store which replaces the informer's content at the bookmark marked initial-events-end. The
   * watch is returned to keep watching.
   */
  private async watchList(signal: AbortSignal): Promise<Watcher<T>> {
    const rv = this.rvUnavailable ? '' : this.lastSyncRV;
    const w = await this.lw.watch({
      resourceVersion: rv,
      resourceVersionMatch: 'NotOlderThan',
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      timeoutSeconds: this.watchTimeoutSeconds(),
      signal,
    });
    const temp = new MapStore<T>();
    let endRV: string | undefined;
    try {
      const r = await this.handleWatch(w, temp, signal, true);
      endRV = r.initialEventsEndRV;
    } catch (err) {
      w.stop();
      if (isExpiredError(err) || isTooLargeResourceVersion(err)) this.rvUnavailable = true;
      throw err;
    }
    if (endRV === undefined) {
      w.stop();
      throw new Error(`watch-list of ${this.description} ended before the initial events were received`);
    }
    this.rvUnavailable = false;
    this.store.replace([...temp.items.values()], endRV);
    this.setLastSyncRV(endRV);
    return w;
  }

  private async watchLoop(initial: Watcher<T> | undefined, signal: AbortSignal): Promise<void> {
    let w = initial;
    while (!signal.aborted) {
      if (!w) {
        try {
          w = await this.lw.watch({
            resourceVersion: this.lastSyncRV,
            allowWatchBookmarks: true,
            timeoutSeconds: this.watchTimeoutSeconds(),
            signal,
          });
        } catch (err) {
          if (signal.aborted) return;
          if (isConnectionRefused(err) || isTooManyRequests(err)) {
            log.v(4).info(`watch of ${this.description} returned ${(err as Error).message} - backing off`);
            try {
              await sleep(this.backoff.next(), signal);
            } catch {
              return;
            }
            continue;
          }
          throw err;
        }
      }
      try {
        await this.handleWatch(w, this.store, signal, false);
      } catch (err) {
        w.stop();
        if (signal.aborted) return;
        if (isExpiredError(err)) {
          // relist from the last resourceVersion we saw (a list at it is "not older than")
          log.v(4).info(`watch of ${this.description} closed with: ${(err as Error).message}`);
        } else if (isTooManyRequests(err)) {
          log.v(2).info(`watch of ${this.description} returned 429 - backing off`);
          w = undefined;
          try {
            await sleep(this.backoff.next(), signal);
          } catch {
            return;
          }
          continue;
        } else {
          log.warning(`watch of ${this.description} ended with: ${(err as Error)?.message ?? err}`);
        }
        return;
      }
      w.stop();
      w = undefined;
    }
  }

  /**
   * Apply a watch's events to a store until the stream ends (or, with untilInitialEventsEnd,
   * until the initial-events-end bookmark). Throws the ApiError of an ERROR event, and the
   * "very short watch" error when a watch closed within a second without any event.
   */
  private async handleWatch(w: Watcher<T>, store: ReflectorStore<T>, signal: AbortSignal, untilInitialEventsEnd: boolean): Promise<{ initialEventsEndRV?: string }> {
    const start = performance.now();
    let count = 0;
    const onAbort = () => w.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const r = await w.next();
        if (r.done || signal.aborted) break;
        const ev = r.value as WatchEvent<T>;
        if (ev.type === 'ERROR') throw apiErrorOf(ev);
        const obj = ev.object;
        const rv = rvOf(obj);
        try {
          switch (ev.type) {
            case 'ADDED':
              store.add(obj);
              break;
            case 'MODIFIED':
              store.update(obj);
              break;
            case 'DELETED':
              store.delete(obj);
              break;
            case 'BOOKMARK':
              break;
            default:
              log.error(`${this.description}: unable to understand watch event ${JSON.stringify(ev.type)}`);
          }
        } catch (err) {
          log.error(`${this.description}: unable to apply watch event ${ev.type} to the store`, { err });
        }
        if (rv) this.setLastSyncRV(rv);
        count++;
        if (untilInitialEventsEnd && ev.type === 'BOOKMARK' && (obj as KubeObject)?.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
          return { initialEventsEndRV: rv ?? this.lastSyncRV };
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) return {};
    if (w.error) log.v(1).info(`watch of ${this.description} closed with: ${w.error.message}`);
    if (performance.now() - start < 1000 && count === 0) {
      throw new Error(`very short watch: ${this.description}: Unexpected watch close - watch lasted less than a second and no items received`);
    }
    return {};
  }
}

// ---------------------------------------------------------------------------------------------
// Informer

/**
 * ResourceEventHandler. Calls to one handler are sequential and in order; a handler returning a
 * promise is awaited before its next notification (other handlers are not held up).
 */
export interface EventHandler<T> {
  /** isInInitialList: the object was part of the informer's first list (or existed when the handler was added) */
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** a tombstone when the deletion was noticed by a relist (the final state is unknown) */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  /** the informer has synced and this handler has been told about every initial object */
  hasSynced(): boolean;
}

type Notification<T> =
  | { type: 'add'; obj: T; initial: boolean }
  | { type: 'update'; oldObj: T; newObj: T }
  | { type: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

const MINIMUM_RESYNC_PERIOD_MS = 1000;

/** A handler's effective resync: none when it or the informer has none; never below the check period. */
function determineResyncPeriod(desiredMs: number, checkMs: number): number {
  if (desiredMs === 0) return 0;
  if (checkMs === 0) {
    log.warning(`The specified resyncPeriod ${desiredMs}ms is invalid because this shared informer doesn't support resyncing`);
    return 0;
  }
  return desiredMs < checkMs ? checkMs : desiredMs;
}

/** processorListener: delivers notifications to one handler, in order, one at a time. */
class Listener<T> implements HandlerRegistration {
  private pending: Notification<T>[] = [];
  private running = false;
  private stopped = false;
  private initialPending = 0;
  nextResync = 0;

  constructor(
    readonly handler: EventHandler<T>,
    readonly requestedResyncMs: number,
    public resyncPeriodMs: number,
    private readonly informerSynced: () => boolean,
  ) {
    this.determineNextResync(performance.now());
  }

  hasSynced(): boolean {
    return this.informerSynced() && this.initialPending === 0;
  }

  shouldResync(t: number): boolean {
    return this.resyncPeriodMs !== 0 && t >= this.nextResync;
  }

  determineNextResync(t: number): void {
    this.nextResync = t + this.resyncPeriodMs;
  }

  add(n: Notification<T>): void {
    if (this.stopped) return;
    if (n.type === 'add' && n.initial) this.initialPending++;
    this.pending.push(n);
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => void this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    this.pending = [];
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length && !this.stopped) {
        const n = this.pending.shift()!;
        try {
          let r: unknown;
          if (n.type === 'add') r = this.handler.onAdd?.(n.obj, n.initial);
          else if (n.type === 'update') r = this.handler.onUpdate?.(n.oldObj, n.newObj);
          else r = this.handler.onDelete?.(n.obj);
          if (r && typeof (r as Promise<void>).then === 'function') await r;
        } catch (err) {
          log.error(`Observed a panic in an informer event handler: ${(err as Error)?.stack ?? err}`);
        } finally {
          if (n.type === 'add' && n.initial) this.initialPending--;
        }
      }
    } finally {
      this.running = false;
      if (this.pending.length && !this.stopped) {
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    }
  }
}

export interface InformerOptions<T> {
  /** default resync period of handlers (and the resync check period); 0 = no resync */
  resyncPeriodMs?: number;
  /** extra indexes; the namespace index is always there */
  indexers?: Indexers<T>;
  /** for log lines */
  description?: string;
  /** SetTransform: applied to every object before it is stored (e.g. drop managedFields) */
  transform?: (obj: T) => T;
  keyFunc?: KeyFunc;
  /** Reflector tuning (page size, watch-list, backoff, watch error handler) */
  reflector?: Omit<ReflectorOptions, 'resyncPeriodMs' | 'shouldResync' | 'description'>;
}

/** cache.SharedIndexInformer. */
export class Informer<T extends KubeObject = KubeObject> implements ReflectorStore<T> {
  readonly indexer: Indexer<T>;
  readonly description: string;
  private listeners: Listener<T>[] = [];
  private syncingListeners: Listener<T>[] = [];
  private started = false;
  private stopped = false;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private abort = new AbortController();
  private running?: Promise<void>;
  private reflector?: Reflector<T>;
  private readonly defaultResyncMs: number;
  private resyncCheckPeriodMs: number;
  private readonly transform?: (obj: T) => T;
  private readonly opts: InformerOptions<T>;

  constructor(
    readonly lw: ListerWatcher<T>,
    opts: InformerOptions<T> = {},
  ) {
    this.opts = opts;
    this.description = opts.description ?? 'objects';
    this.indexer = new Indexer<T>(opts.keyFunc ?? deletionHandlingMetaNamespaceKeyFunc, { [NamespaceIndex]: metaNamespaceIndexFunc as IndexFunc<T>, ...opts.indexers });
    this.defaultResyncMs = opts.resyncPeriodMs ?? 0;
    this.resyncCheckPeriodMs = this.defaultResyncMs;
    this.transform = opts.transform;
  }

  /** Register a handler (with its own resync period; default the informer's). */
  addEventHandler(handler: EventHandler<T>, resyncPeriodMs: number = this.defaultResyncMs): HandlerRegistration {
    if (this.stopped) {
      log.warning(`handler was not added to shared informer of ${this.description} because it has stopped already`);
      return { hasSynced: () => false };
    }
    let resync = resyncPeriodMs;
    if (resync > 0) {
      if (resync < MINIMUM_RESYNC_PERIOD_MS) {
        log.warning(`resyncPeriod ${resync}ms is too small. Changing it to the minimum allowed value of ${MINIMUM_RESYNC_PERIOD_MS}ms`);
        resync = MINIMUM_RESYNC_PERIOD_MS;
      }
      if (resync < this.resyncCheckPeriodMs) {
        if (this.started) {
          log.warning(`resyncPeriod ${resync}ms is smaller than resyncCheckPeriod ${this.resyncCheckPeriodMs}ms and the informer has already started. Changing it to ${this.resyncCheckPeriodMs}ms`);
          resync = this.resyncCheckPeriodMs;
        } else {
          this.resyncCheckPeriodMs = resync;
          for (const l of this.listeners) l.resyncPeriodMs = determineResyncPeriod(l.requestedResyncMs, resync);
        }
      }
    }
    const listener = new Listener<T>(handler, resync, determineResyncPeriod(resync, this.resyncCheckPeriodMs), () => this.synced);
    this.listeners.push(listener);
    this.syncingListeners.push(listener);
    if (this.started) {
      for (const obj of this.indexer.list()) listener.add({ type: 'add', obj, initial: true });
    }
    return listener;
  }

  removeEventHandler(reg: HandlerRegistration): void {
    const l = reg as Listener<T>;
    this.listeners = this.listeners.filter((x) => x !== l);
    this.syncingListeners = this.syncingListeners.filter((x) => x !== l);
    if (l instanceof Listener) l.stop();
  }

  /** Add indexes (existing objects are indexed). */
  addIndexers(indexers: Indexers<T>): void {
    if (this.stopped) throw new Error('indexer was not added because it has stopped already');
    this.indexer.addIndexers(indexers);
  }

  getIndexer(): Indexer<T> {
    return this.indexer;
  }

  getStore(): Indexer<T> {
    return this.indexer;
  }

  lister(): Lister<T> {
    return new Lister<T>(this.indexer);
  }

  /** The first list has been delivered to the store. */
  hasSynced(): boolean {
    return this.synced;
  }

  isStopped(): boolean {
    return this.stopped;
  }

  lastSyncResourceVersion(): string {
    return this.reflector?.lastSyncResourceVersion() ?? '';
  }

  /** Resolves true once synced, false when the informer stops, the signal aborts or the timeout passes first. */
  waitForSync(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || opts.signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let t: NodeJS.Timeout | undefined;
      const done = (v: boolean) => {
        if (t) clearTimeout(t);
        opts.signal?.removeEventListener('abort', onAbort);
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(v);
      };
      const waiter = () => done(this.synced);
      const onAbort = () => done(false);
      this.syncWaiters.push(waiter);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) t = setTimeout(() => done(false), opts.timeoutMs);
    });
  }

  /** Start listing and watching (once). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.reflector = new Reflector<T>(this.lw, this, {
      ...this.opts.reflector,
      description: this.description,
      resyncPeriodMs: this.resyncCheckPeriodMs,
      shouldResync: () => this.shouldResync(),
    });
    this.running = this.reflector.run(this.abort.signal).catch((err) => log.error(`informer of ${this.description} failed: ${err}`));
  }

  /** Stop watching; pending notifications are dropped. Resolves when the reflector has stopped. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const l of this.listeners) l.stop();
    for (const w of this.syncWaiters.splice(0)) w();
    await this.running;
  }

  // ----- ReflectorStore: what sharedIndexInformer.HandleDeltas does per delta -----

  private distribute(n: Notification<T>, isSync: boolean): void {
    for (const l of isSync ? this.syncingListeners : this.listeners) l.add(n);
  }

  private shouldResync(): boolean {
    const t = performance.now();
    let needed = false;
    this.syncingListeners = [];
    for (const l of this.listeners) {
      if (l.shouldResync(t)) {
        needed = true;
        this.syncingListeners.push(l);
        l.determineNextResync(t);
      }
    }
    return needed;
  }

  private upsert(raw: T, isSync: (old: T, obj: T) => boolean): void {
    const obj = this.transform ? this.transform(raw) : raw;
    const key = this.indexer.keyFunc(obj);
    const old = this.indexer.getByKey(key);
    this.indexer.updateByKey(key, obj);
    if (old !== undefined) this.distribute({ type: 'update', oldObj: old, newObj: obj }, isSync(old, obj));
    else this.distribute({ type: 'add', obj, initial: !this.synced }, false);
  }

  /** @internal ReflectorStore */
  add(obj: T): void {
    this.upsert(obj, () => false);
  }

  /** @internal ReflectorStore */
  update(obj: T): void {
    this.upsert(obj, () => false);
  }

  /** @internal ReflectorStore */
  delete(raw: T): void {
    const obj = this.transform ? this.transform(raw) : raw;
    const key = this.indexer.keyFunc(obj);
    // a deletion of an object the informer never knew is dropped (DeltaFIFO.Delete)
    if (this.indexer.getByKey(key) === undefined) return;
    this.indexer.deleteByKey(key);
    this.distribute({ type: 'delete', obj }, false);
  }

  /** @internal ReflectorStore: a full state; objects that vanished are deleted with a tombstone. */
  replace(items: T[], _resourceVersion: string): void {
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.transform ? this.transform(raw) : raw;
      let key: string;
      try {
        key = this.indexer.keyFunc(obj);
      } catch (err) {
        log.error(`${this.description}: couldn't compute the key of a listed object`, { err });
        continue;
      }
      seen.add(key);
      const old = this.indexer.getByKey(key);
      this.indexer.updateByKey(key, obj);
      if (old !== undefined) {
        // a Replaced delta with an unchanged resourceVersion counts as a resync
        const same = rvOf(old) !== undefined && rvOf(old) === rvOf(obj);
        this.distribute({ type: 'update', oldObj: old, newObj: obj }, same);
      } else {
        this.distribute({ type: 'add', obj, initial: !this.synced }, false);
      }
    }
    for (const key of this.indexer.listKeys()) {
      if (seen.has(key)) continue;
      const last = this.indexer.getByKey(key)!;
      this.indexer.deleteByKey(key);
      this.distribute({ type: 'delete', obj: new DeletedFinalStateUnknown<T>(key, last) }, false);
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** @internal ReflectorStore: every object again, as an update with old === new. */
  resync(): void {
    for (const obj of this.indexer.list()) this.distribute({ type: 'update', oldObj: obj, newObj: obj }, true);
  }
}

/** cache.WaitForCacheSync: resolves true when all are synced, false when the signal aborts first. */
export async function waitForCacheSync(signal: AbortSignal | undefined, ...synced: (() => boolean)[]): Promise<boolean> {
  // client-go polls every 100ms; so does this (handler registrations have no sync event)
  while (!synced.every((f) => f())) {
    if (signal?.aborted) return false;
    try {
      await sleep(100, signal);
    } catch {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// SharedInformerFactory

export interface SharedInformerFactoryOptions {
  /** default resync period of the informers (0: none) */
  defaultResyncMs?: number;
  /** resync per resource key `<resource>.<group>` */
  customResyncMs?: Record<string, number>;
  /** only this namespace (WithNamespace) */
  namespace?: string;
  /** WithTweakListOptions */
  tweakListOptions?: (opts: ListOptions & WatchOptions) => void;
  /** WithTransform */
  transform?: (obj: KubeObject) => KubeObject;
  /** Reflector tuning for every informer */
  reflector?: InformerOptions<KubeObject>['reflector'];
}

export function gvrKey(gvr: GroupVersionResource): string {
  return `${gvr.group}/${gvr.version}/${gvr.resource}`;
}

/** informers.SharedInformerFactory: one informer per resource, shared by every controller. */
export class SharedInformerFactory {
  private informers = new Map<string, Informer<KubeObject>>();
  private startedKeys = new Set<string>();
  private shuttingDown = false;

  constructor(
    readonly client: RestClient,
    readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /** The shared informer of a resource (created on first use; pass indexers to add them). */
  forResource<T extends KubeObject = KubeObject>(gvr: GroupVersionResource, opts: { indexers?: Indexers<T> } = {}): Informer<T> {
    const existing = this.informers.get(gvrKey(gvr)) as Informer<T> | undefined;
    if (existing) {
      if (opts.indexers) {
        const have = existing.indexer.getIndexers();
        const missing = Object.fromEntries(Object.entries(opts.indexers).filter(([k]) => !(k in have)));
        if (Object.keys(missing).length) existing.addIndexers(missing);
      }
      return existing;
    }
    return this.informerFor<T>(gvr, (client, resyncMs) => {
      const lw = listWatchFromClient<T>(client, gvr, { namespace: this.opts.namespace, tweakListOptions: this.opts.tweakListOptions });
      return new Informer<T>(lw, {
        resyncPeriodMs: resyncMs,
        indexers: opts.indexers,
        description: gvr.group ? `${gvr.resource}.${gvr.version}.${gvr.group}` : `${gvr.resource}.${gvr.version}`,
        transform: this.opts.transform as ((o: T) => T) | undefined,
        reflector: this.opts.reflector,
      });
    });
  }

  /** InformerFor: the shared informer under gvr's key, created with newFunc when missing. */
  informerFor<T extends KubeObject>(gvr: GroupVersionResource, newFunc: (client: RestClient, resyncMs: number) => Informer<T>): Informer<T> {
    const key = gvrKey(gvr);
    const existing = this.informers.get(key);
    if (existing) return existing as unknown as Informer<T>;
    const resync = this.opts.customResyncMs?.[gvr.group ? `${gvr.resource}.${gvr.group}` : gvr.resource] ?? this.opts.defaultResyncMs ?? 0;
    const inf = newFunc(this.client, resync);
    this.informers.set(key, inf as unknown as Informer<KubeObject>);
    return inf;
  }

  /** Start every informer requested so far that is not running yet. */
  start(): void {
    if (this.shuttingDown) return;
    for (const [key, inf] of this.informers) {
      if (this.startedKeys.has(key)) continue;
      this.startedKeys.add(key);
      inf.start();
    }
  }

  /** Wait until every started informer has synced; the map says which did. */
  async waitForCacheSync(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    const started = [...this.informers].filter(([k]) => this.startedKeys.has(k));
    const results = await Promise.all(started.map(([, inf]) => inf.waitForSync(opts)));
    started.forEach(([k], i) => out.set(k, results[i]!));
    return out;
  }

  /** Stop every informer and wait for them. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
