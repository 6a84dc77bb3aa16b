// MemoryStore: the in-memory Store backend (tests, API-only use). Owns per-key version history
// (so reads at past revisions work until compacted), a sorted key index, the event log that
// watches replay, and TTL expiry through a min-heap. Nothing is persisted.

import { checkReadRevision, closedError, compareKeys, expiryFor, ExpiryTimer, WatchHub } from './common.js';
import {
  StorageError,
  type DeleteOptions,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type UpdateOptions,
  type WatchErrorHandler,
  type WatchEvent,
  type WatchHandler,
  type WatchOptions,
  type Watcher,
  type WriteOptions,
} from './types.js';

/** One version of a key: a KeyValue, or a tombstone (deleted at modRevision). */
interface Rec {
  kv: KeyValue;
  deleted: boolean;
}

interface HeapItem {
  at: number;
  key: string;
  modRevision: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Returned KeyValues and event objects are shared with the store's history: treat them (and
 * their value Buffers) as read-only. Written values are copied on the way in.
 */
export class MemoryStore implements Store {
  readonly backend = 'memory';
  private rev = 1;
  private compactRev = 0;
  /** Versions per key, oldest first; the last one is the current state (maybe a tombstone). */
  private readonly hist = new Map<string, Rec[]>();
  /** Every key that has history, sorted (see compareKeys). */
  private keys: string[] = [];
  /** events[i] is the event of revision logBase + i (one event per revision). */
  private events: WatchEvent[] = [];
  private logBase = 2;
  private readonly heap: HeapItem[] = [];
  private readonly hub: WatchHub;
  private readonly expiry: ExpiryTimer;
  private closed = false;

  constructor() {
    this.hub = new WatchHub({
      currentRevision: () => this.rev,
      compactedRevision: () => this.compactRev,
      history: (prefix, from, to) => {
        const out: WatchEvent[] = [];
        for (let r = Math.max(from, this.logBase); r <= to; r++) {
          const ev = this.events[r - this.logBase];
          if (ev && ev.kv.key.startsWith(prefix)) out.push(ev);
        }
        return out;
      },
    });
    this.expiry = new ExpiryTimer(() => this.expireDue());
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.rev;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compactRev;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    this.checkOpen();
    const rev = checkReadRevision(opts?.revision, this.rev, this.compactRev);
    const rec = this.recAt(key, rev);
    return rec && !rec.deleted ? rec.kv : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const rev = checkReadRevision(opts.revision, this.rev, this.compactRev);
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KeyValue[] = [];
    let count = 0;
    for (let i = this.lowerBound(from); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) break;
      const rec = this.recAt(key, rev);
      if (!rec || rec.deleted) continue;
      count++;
      if (items.length < limit) items.push(rec.kv);
      else if (opts.skipCount) break;
    }
    return { items, revision: rev, more: count > items.length, count };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    let n = 0;
    for (let i = this.lowerBound(prefix); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) break;
      const h = this.hist.get(key)!;
      if (!h[h.length - 1].deleted) n++;
    }
    return n;
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.current(key);
    if (cur) throw new StorageError('KeyExists', `key already exists: ${key}`, key);
    const rev = this.rev + 1;
    const kv: KeyValue = { key, value: Buffer.from(value), createRevision: rev, modRevision: rev, version: 1 };
    const expiresAt = expiryFor(opts?.ttlSeconds);
    if (expiresAt !== undefined) kv.expiresAt = expiresAt;
    this.commit(kv, false, undefined);
    return kv;
  }

  async update(key: string, value: Buffer, opts?: UpdateOptions): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.current(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    if (opts?.expectedModRevision !== undefined && opts.expectedModRevision !== prev.modRevision) {
      throw new StorageError('Conflict', `modRevision mismatch for ${key}: expected ${opts.expectedModRevision}, current ${prev.modRevision}`, key, prev);
    }
    const rev = this.rev + 1;
    const kv: KeyValue = { key, value: Buffer.from(value), createRevision: prev.createRevision, modRevision: rev, version: prev.version + 1 };
    const expiresAt = expiryFor(opts?.ttlSeconds);
    if (expiresAt !== undefined) kv.expiresAt = expiresAt;
    this.commit(kv, false, prev);
    return kv;
  }

  async delete(key: string, opts?: DeleteOptions): Promise<{ prev: KeyValue; revision: number }> {
    this.checkOpen();
    const prev = this.current(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    if (opts?.expectedModRevision !== undefined && opts.expectedModRevision !== prev.modRevision) {
      throw new StorageError('Conflict', `modRevision mismatch for ${key}: expected ${opts.expectedModRevision}, current ${prev.modRevision}`, key, prev);
    }
    const rev = this.deleteNow(prev);
    return { prev, revision: rev };
  }

  watch(prefix: string, opts: WatchOptions, onEvents: WatchHandler, onError: WatchErrorHandler): Watcher {
    return this.hub.add(prefix, opts?.startRevision, onEvents, onError);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) throw new StorageError('FutureRevision', `compact revision ${revision} is a future revision (current ${this.rev})`);
    if (revision < this.compactRev) {
      throw new StorageError('Compacted', `revision ${revision} has already been compacted`, undefined, undefined, this.compactRev);
    }
    if (revision === this.compactRev) return;
    // Per key: keep the latest version <= revision (unless a tombstone) and everything newer.
    const emptied = new Set<string>();
    for (const [key, h] of this.hist) {
      let i = h.length - 1;
      while (i >= 0 && h[i].kv.modRevision > revision) i--;
      if (i < 0) continue;
      const drop = h[i].deleted ? i + 1 : i;
      if (drop === 0) continue;
      h.splice(0, drop);
      if (!h.length) emptied.add(key);
    }
    if (emptied.size) {
      for (const key of emptied) this.hist.delete(key);
      this.keys = this.keys.filter((k) => !emptied.has(k));
    }
    // Watches must start after the compaction revision: drop events up to it.
    const dropEvents = revision + 1 - this.logBase;
    if (dropEvents > 0) {
      this.events = this.events.slice(dropEvents);
      this.logBase = revision + 1;
    }
    this.compactRev = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.expiry.stop();
    this.hub.closeAll(closedError());
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  private current(key: string): KeyValue | undefined {
    const h = this.hist.get(key);
    if (!h) return undefined;
    const last = h[h.length - 1];
    return last.deleted ? undefined : last.kv;
  }

  /** The version of key visible at revision rev (may be a tombstone), by binary search. */
  private recAt(key: string, rev: number): Rec | undefined {
    const h = this.hist.get(key);
    if (!h) return undefined;
    if (h[h.length - 1].kv.modRevision <= rev) return h[h.length - 1];
    let lo = 0;
    let hi = h.length - 1; // h[hi].modRevision > rev
    if (h[0].kv.modRevision > rev) return undefined;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (h[mid].kv.modRevision <= rev) lo = mid;
      else hi = mid;
    }
    return h[lo];
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(this.keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private deleteNow(prev: KeyValue): number {
    const rev = this.rev + 1;
    const tomb: KeyValue = { key: prev.key, value: EMPTY, createRevision: 0, modRevision: rev, version: 0 };
    this.commit(tomb, true, prev);
    return rev;
  }

  /** Appends one version at revision kv.modRevision (= this.rev + 1) and notifies watchers. */
  private commit(kv: KeyValue, deleted: boolean, prev: KeyValue | undefined): void {
    let h = this.hist.get(kv.key);
    if (!h) {
      h = [];
      this.hist.set(kv.key, h);
      const i = this.lowerBound(kv.key);
      this.keys.splice(i, 0, kv.key);
    }
    h.push({ kv, deleted });
    this.rev = kv.modRevision;
    const ev: WatchEvent = { type: deleted ? 'DELETE' : 'PUT', kv };
    if (prev) ev.prevKv = prev;
    this.events.push(ev);
    if (!deleted && kv.expiresAt !== undefined) {
      this.heapPush({ at: kv.expiresAt, key: kv.key, modRevision: kv.modRevision });
      this.expiry.schedule(kv.expiresAt);
    }
    this.hub.notify([ev]);
  }

  private expireDue(): number | undefined {
    const now = Date.now();
    while (this.heap.length && this.heap[0].at <= now) {
      const item = this.heapPop()!;
      const cur = this.current(item.key);
      // Stale entries (key updated, deleted or re-created since) are skipped.
      if (cur && cur.modRevision === item.modRevision && cur.expiresAt === item.at) this.deleteNow(cur);
    }
    return this.heap.length ? this.heap[0].at : undefined;
  }

  private heapPush(item: HeapItem): void {
    const a = this.heap;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at <= a[i].at) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  private heapPop(): HeapItem | undefined {
    const a = this.heap;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].at < a[m].at) m = l;
        if (r < a.length && a[r].at < a[m].at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
