// The watch cache: an in-memory copy of every resource, fed by ONE watch on the whole key
// space (like etcd progress notifications, that single stream tells each per-resource cache
// how far the store has advanced, so a consistent list waits only until the cache has seen
// the store's current revision). Lists and watches are served from here; each cache keeps a
// window of recent events for watches that resume from a resourceVersion.

import type { Store, WatchEvent, Watcher } from '../../storage/types.js';
import { StorageError } from '../../storage/types.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Codec, IndexHint } from './codec.js';
import { withResourceVersion } from './codec.js';
import type { KObject } from '../registry/types.js';
import { logger } from '../../util/klog.js';

const log = logger('watch_cache.ts');

export interface CacheEntry {
  key: string;
  namespace: string;
  name: string;
  rv: number;
  /** The object's JSON with metadata.resourceVersion set. */
  raw: string;
  labels: Record<string, string> | undefined;
  fields: Record<string, string>;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface CacheEvent {
  type: 'PUT' | 'DELETE';
  rv: number;
  entry: CacheEntry; // for DELETE: the last state with rv = deletion revision
  prev?: CacheEntry;
}

export interface WatchFilter {
  /** '' = all namespaces */
  namespace: string;
  /** name filter (metadata.name field selector fast path) */
  name?: string;
  match(e: CacheEntry): boolean;
}

export interface CacheWatcherSink {
  /** Return false to signal the sink is overloaded (the watch is then terminated). */
  send(type: WatchEventType, entry: CacheEntry): boolean;
  /** Called when the cache ends the watch (e.g. overload or shutdown). */
  close(reason?: string): void;
}

interface WatcherReg {
  filter: WatchFilter;
  sink: CacheWatcherSink;
}

const parsedEntries = new WeakMap<CacheEntry, KObject>();

/**
 * The object of a cache entry, parsed once and then shared: entries are immutable (a change
 * makes a new one), so readers that look up the same few objects on every request (a
 * namespace, a ServiceAccount, the PriorityClasses) do not parse them again. The object is
 * read-only. The memo lives as long as the entry; readers of many large objects (pods) pass
 * memo=false to keep the cache's memory as it is.
 */
export function entryObject(e: CacheEntry, memo = true): KObject {
  if (!memo) return JSON.parse(e.raw) as KObject;
  let o = parsedEntries.get(e);
  if (!o) {
    o = JSON.parse(e.raw) as KObject;
    parsedEntries.set(e, o);
  }
  return o;
}

/** Index of an object: its labels and selectable fields (computed once per stored version). */
export type Indexer = (obj: KObject) => { labels: Record<string, string> | undefined; fields: Record<string, string> };

export class ResourceCache {
  readonly items = new Map<string, CacheEntry>();
  private events: CacheEvent[] = [];
  private eventsStart = 0; // index of the oldest retained event (ring as array + head)
  /** Events with rv > windowStart are all retained. */
  windowStart = 0;
  private watchers = new Set<WatcherReg>();
  private sortedKeys: string[] | null = null;
  initRev = 0;
  /** Incremented on every change (readers rebuild derived indexes lazily). */
  version = 0;
  private changeListeners = new Set<(prev: CacheEntry | undefined, cur: CacheEntry | undefined) => void>();
  private pending: WatchEvent[][] | null = [];
  /** While change listeners run: the entry being applied and the object its write encoded. */
  private fresh: { entry: CacheEntry; obj: KObject } | undefined;
  readonly ready: Promise<void>;
  /** Resolved with this cache once it is loaded (what CacheManager.cache hands out then). */
  loaded?: Promise<ResourceCache>;

  constructor(
    readonly prefix: string,
    private readonly codec: Codec,
    private indexer: Indexer,
    private readonly capacity: number,
    init: (self: ResourceCache) => Promise<void>,
  ) {
    this.ready = init(this);
  }

  /**
   * Replace the indexer and re-index every entry (a custom resource's definition changed its
   * selectable fields, or a CRD was created again over objects' old cache).
   */
  setIndexer(indexer: Indexer): void {
    this.indexer = indexer;
    for (const [k, e] of this.items) {
      const { labels, fields } = indexer(JSON.parse(e.raw));
      this.items.set(k, { ...e, labels, fields });
    }
    this.version++;
  }

  /** Build an entry from a stored kv. */
  makeEntry(key: string, text: string, rv: number): CacheEntry {
    // a write of this server: indexed when it was encoded, the JSON need not be parsed again
    const hint = this.codec.takeIndexHint(key, text, this);
    if (hint) {
      const raw = withResourceVersion(text, rv);
      if (raw !== undefined) {
        const entry = { key, namespace: hint.namespace, name: hint.name, rv, raw, labels: hint.labels, fields: hint.fields };
        this.fresh = { entry, obj: hint.obj };
        return entry;
      }
    }
    const obj = JSON.parse(text);
    const meta = (obj.metadata ??= {});
    meta.resourceVersion = String(rv);
    const { labels, fields } = this.indexer(obj);
    const raw = withResourceVersion(text, rv) ?? JSON.stringify(obj);
    return { key, namespace: meta.namespace ?? '', name: meta.name ?? '', rv, raw, labels, fields };
  }

  /**
   * What makeEntry would index for the stored JSON of obj, computed from obj itself as it is
   * encoded (Codec.encode keeps it until the write's event arrives). Undefined for objects
   * whose index could differ from their JSON's: non-string names or labels, odd metadata.
   */
  indexHint(obj: KObject): IndexHint | undefined {
    const meta = obj.metadata;
    if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) return undefined;
    const namespace = meta?.namespace ?? '';
    const name = meta?.name ?? '';
    if (typeof namespace !== 'string' || typeof name !== 'string') return undefined;
    const idx = this.indexer(obj);
    let labels: Record<string, string> | undefined;
    if (idx.labels !== undefined) {
      if (idx.labels === null || typeof idx.labels !== 'object' || Array.isArray(idx.labels)) return undefined;
      labels = {};
      for (const k of Object.keys(idx.labels)) {
        const v = idx.labels[k];
        if (typeof v !== 'string') return undefined;
        labels[k] = v;
      }
    }
    for (const k in idx.fields) if (typeof idx.fields[k] !== 'string') return undefined;
    return { owner: this, namespace, name, labels, fields: idx.fields, obj };
  }

  /** Load the initial state (from a list at initRev), then apply events buffered meanwhile. */
  loadInitial(entries: CacheEntry[], rev: number): void {
    for (const e of entries) this.items.set(e.key, e);
    this.initRev = rev;
    this.windowStart = rev;
    const pending = this.pending ?? [];
    this.pending = null;
    for (const batch of pending) this.applyBatch(batch);
  }

  /** Events from the root watch for this prefix (in revision order). */
  applyBatch(batch: WatchEvent[]): void {
    if (this.pending) {
      this.pending.push(batch);
      return;
    }
    for (const ev of batch) {
      const rev = ev.kv.modRevision;
      if (rev <= this.initRev) continue;
      const key = ev.kv.key;
      const prev = this.items.get(key);
      let cev: CacheEvent;
      try {
        if (ev.type === 'PUT') {
          const entry = this.makeEntry(key, this.codec.decodeText(ev.kv), rev);
          if (!prev) this.sortedKeys = null;
          this.items.set(key, entry);
          cev = { type: 'PUT', rv: rev, entry, prev };
        } else {
          if (!prev) continue;
          this.items.delete(key);
          this.sortedKeys = null;
          const entry = withRv(prev, rev);
          cev = { type: 'DELETE', rv: rev, entry, prev };
        }
      } catch (err) {
        log.error('failed to decode stored object', { key, err: String(err) });
        continue;
      }
      this.pushEvent(cev);
      this.version++;
      for (const l of this.changeListeners) {
        try {
          l(cev.prev, cev.type === 'DELETE' ? undefined : cev.entry);
        } catch (err) {
          log.error('cache change listener failed', { prefix: this.prefix, err: String(err) });
        }
      }
      this.fresh = undefined;
      this.dispatch(cev);
    }
  }

  private pushEvent(ev: CacheEvent): void {
    this.events.push(ev);
    if (this.events.length - this.eventsStart > this.capacity) {
      const dropped = this.events[this.eventsStart];
      this.eventsStart++;
      this.windowStart = dropped.rv;
      if (this.eventsStart > 4096 && this.eventsStart * 2 > this.events.length) {
        this.events = this.events.slice(this.eventsStart);
        this.eventsStart = 0;
      }
    }
  }

  private dispatch(ev: CacheEvent): void {
    if (!this.watchers.size) return;
    // an object leaving a watcher's selector is a DELETED of its previous state at ev.rv:
    // built once per event, for every watcher that sees it so
    let left: CacheEntry | undefined;
    for (const w of this.watchers) {
      const t = watchEventType(ev, w.filter);
      if (!t) continue;
      const e = t === 'DELETED' && ev.type === 'PUT' ? (left ??= withRv(ev.prev!, ev.rv)) : ev.entry;
      if (!w.sink.send(t, e)) {
        this.watchers.delete(w);
        w.sink.close('watcher is too slow');
      }
    }
  }

  /**
   * For a change listener: the object written by this server that `entry` (the new entry of the
   * change being applied) was stored from, when known — the same state as entry.raw, without
   * metadata.resourceVersion. Read-only; undefined outside listeners or for others' writes.
   */
  freshObject(entry: CacheEntry): KObject | undefined {
    return this.fresh?.entry === entry ? this.fresh.obj : undefined;
  }

  /** Called synchronously for every change, in revision order. */
  onChange(fn: (prev: CacheEntry | undefined, cur: CacheEntry | undefined) => void): void {
    this.changeListeners.add(fn);
  }

  /** Entries sorted by key (upstream lists are in key order). */
  sorted(): CacheEntry[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    const out: CacheEntry[] = [];
    for (const k of this.sortedKeys) {
      const e = this.items.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * Start a watch. fromRev === undefined: send the current state as ADDED first
   * (resourceVersion "0"/unset semantics); otherwise replay retained events with rv > fromRev.
   * Returns a function that stops it. Throws 410 Gone when fromRev is older than the window.
   */
  watch(filter: WatchFilter, sink: CacheWatcherSink, fromRev: number | undefined): () => void {
    if (fromRev !== undefined && fromRev < this.windowStart) {
      throw new StatusError(410, 'Expired', `too old resource version: ${fromRev} (${this.windowStart})`);
    }
    const reg: WatcherReg = { filter, sink };
    if (fromRev === undefined) {
      for (const e of this.sorted()) {
        if (filter.namespace && e.namespace !== filter.namespace) continue;
        if (filter.match(e)) sink.send('ADDED', e);
      }
    } else {
      // the window is in revision order: start at the first event after fromRev
      let lo = this.eventsStart;
      let hi = this.events.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.events[mid].rv <= fromRev) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.events.length; i++) {
        const ev = this.events[i];
        const t = watchEventType(ev, filter);
        if (t) sink.send(t, t === 'DELETED' && ev.type === 'PUT' ? withRv(ev.prev!, ev.rv) : ev.entry);
      }
    }
    this.watchers.add(reg);
    return () => this.watchers.delete(reg);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  closeAll(reason: string): void {
    for (const w of this.watchers) w.sink.close(reason);
    this.watchers.clear();
  }
}

function withRv(e: CacheEntry, rv: number): CacheEntry {
  return { ...e, rv, raw: rawWithRv(e.raw, rv) };
}

const RV_IN_CANONICAL_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{"resourceVersion":"\d*"/;

/**
 * An entry's JSON with metadata.resourceVersion replaced by rv: textually when it has the head
 * withResourceVersion writes (resourceVersion first in metadata), else parsed and re-serialised.
 */
function rawWithRv(raw: string, rv: number): string {
  const m = RV_IN_CANONICAL_HEAD.exec(raw);
  if (m) {
    const at = m[0].lastIndexOf('"resourceVersion":"');
    return `${raw.slice(0, at)}"resourceVersion":"${rv}"${raw.slice(m[0].length)}`;
  }
  const obj = JSON.parse(raw);
  obj.metadata.resourceVersion = String(rv);
  return JSON.stringify(obj);
}

function passes(e: CacheEntry | undefined, f: WatchFilter): boolean {
  if (!e) return false;
  if (f.namespace && e.namespace !== f.namespace) return false;
  if (f.name !== undefined && e.name !== f.name) return false;
  return f.match(e);
}

/** The event a filtered watcher sees (upstream cacher semantics for objects entering/leaving a selector). */
function watchEventType(ev: CacheEvent, f: WatchFilter): WatchEventType | undefined {
  if (ev.type === 'DELETE') return passes(ev.prev, f) ? 'DELETED' : undefined;
  const cur = passes(ev.entry, f);
  const old = passes(ev.prev, f);
  if (cur && old) return 'MODIFIED';
  if (cur) return 'ADDED';
  if (old) return 'DELETED';
  return undefined;
}

/**
 * Owns the root watch and all per-resource caches. `progressRev` is the revision up to
 * which every cache is complete.
 */
export class CacheManager {
  private caches = new Map<string, ResourceCache>();
  private rootWatch?: Watcher;
  progressRev = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private started?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly rootPrefix: string,
    private readonly codec: Codec,
    private readonly capacity = 10000,
  ) {
    codec.setIndexHinter(this.hinter);
  }

  /** Index hints for objects encoded under a cached prefix (see ResourceCache.indexHint). */
  private readonly hinter = (key: string, obj: KObject): IndexHint | undefined => this.cacheForKey(key)?.indexHint(obj);

  /** Start the root watch at the store's current revision. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const rev = await this.store.currentRevision();
      this.progressRev = rev;
      this.openRootWatch(rev + 1);
    })();
    return this.started;
  }

  private openRootWatch(startRevision: number): void {
    this.rootWatch = this.store.watch(
      this.rootPrefix,
      { startRevision },
      (events) => this.onEvents(events),
      (err) => this.onWatchError(err),
    );
  }

  private onWatchError(err: StorageError): void {
    if (this.stopped) return;
    log.error('root watch failed; caches will be rebuilt', { err: err.message });
    // Compacted or broken: rebuild every cache from a fresh list.
    const prefixes = [...this.caches.entries()];
    this.caches.clear();
    for (const [, c] of prefixes) c.closeAll('watch cache reinitialized');
    this.started = undefined;
    void this.start();
  }

  private onEvents(events: WatchEvent[]): void {
    let maxRev = this.progressRev;
    for (const ev of events) {
      const cache = this.cacheForKey(ev.kv.key);
      if (cache) cache.applyBatch([ev]);
      if (ev.kv.modRevision > maxRev) maxRev = ev.kv.modRevision;
    }
    this.progressRev = maxRev;
    if (this.waiters.length) {
      const still: typeof this.waiters = [];
      for (const w of this.waiters) (w.rev <= maxRev ? w.resolve() : still.push(w));
      this.waiters = still;
    }
  }

  private cacheForKey(key: string): ResourceCache | undefined {
    // prefixes end with '/'; try each '/'-boundary prefix of the key, longest first
    let i = key.lastIndexOf('/');
    while (i > 0) {
      const c = this.caches.get(key.slice(0, i + 1));
      if (c) return c;
      i = key.lastIndexOf('/', i - 1);
    }
    return undefined;
  }

  /** The cache for a storage prefix (e.g. "/registry/pods/"), created and loaded on first use. */
  cache(prefix: string, indexer: Indexer): Promise<ResourceCache> {
    // hot path (every request touches a cache): an already loaded cache, no new promise
    return this.caches.get(prefix)?.loaded ?? this.loadCache(prefix, indexer);
  }

  private async loadCache(prefix: string, indexer: Indexer): Promise<ResourceCache> {
    await this.start();
    let c = this.caches.get(prefix);
    if (!c) {
      c = new ResourceCache(prefix, this.codec, indexer, this.capacity, async (self) => {
        const entries: CacheEntry[] = [];
        let startKey: string | undefined;
        let rev = 0;
        for (;;) {
          // small pages, yielding between them: a large cache loading in the background must
          // not hold up requests (kubectl answers within a second of start even with 100k pods)
          if (rev) await new Promise((r) => setImmediate(r));
          const res = await this.store.list(prefix, { startKey, limit: 1000, revision: rev || undefined, skipCount: true });
          rev = res.revision;
          for (const kv of res.items) {
            try {
              entries.push(self.makeEntry(kv.key, this.codec.decodeText(kv), kv.modRevision));
            } catch (err) {
              log.error('failed to decode stored object', { key: kv.key, err: String(err) });
            }
          }
          if (!res.more || !res.items.length) break;
          startKey = res.items[res.items.length - 1].key + '\x00';
        }
        self.loadInitial(entries, rev);
      });
      this.caches.set(prefix, c);
      const created = c;
      c.ready.then(
        () => (created.loaded = Promise.resolve(created)),
        () => {},
      );
    }
    await c.ready;
    return c;
  }

  /** Resolve once every cache has seen the store up to rev (or reject with 504 after timeoutMs). */
  waitForRevision(rev: number, timeoutMs = 3000): Promise<void> {
    if (rev <= this.progressRev) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { rev, resolve: () => { clearTimeout(t); resolve(); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new StatusError(504, 'Timeout', `Too large resource version: ${rev}, current: ${this.progressRev}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        }));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Wait until the caches reflect everything the store has committed (consistent reads). */
  async sync(): Promise<number> {
    const rev = await this.store.currentRevision();
    await this.waitForRevision(rev, 10000);
    return Math.max(rev, this.progressRev);
  }

  stop(): void {
    this.stopped = true;
    this.codec.unsetIndexHinter(this.hinter);
    this.rootWatch?.cancel();
    for (const c of this.caches.values()) c.closeAll('server shutting down');
  }

  stats(): { prefix: string; items: number; watchers: number }[] {
    return [...this.caches.values()].map((c) => ({ prefix: c.prefix, items: c.items.size, watchers: c.watcherCount }));
  }
}
