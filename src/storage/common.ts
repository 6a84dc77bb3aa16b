// Pieces shared by the storage backends: the watch hub (history replay then live fan-out, in
// revision order, asynchronously), the TTL expiry timer, key-range helpers and read checks.

import { logger } from '../util/klog.js';
import { StorageError, type WatchErrorHandler, type WatchEvent, type WatchHandler, type Watcher } from './types.js';

const log = logger('storage');

/**
 * Exclusive upper bound of the key range covered by `prefix` ('' when the prefix is empty: no
 * bound). Every key that starts with prefix is >= prefix and < prefixEnd(prefix), and every key
 * in that range starts with prefix, in code-point order (= UTF-8 byte order, SQLite's BINARY
 * collation). The last code point is incremented (skipping the surrogate block); a trailing
 * U+10FFFF is dropped and the previous one incremented instead.
 */
export function prefixEnd(prefix: string): string {
  // reads ask for the same few prefixes over and over
  let end = prefixEnds.get(prefix);
  if (end === undefined) {
    end = computePrefixEnd(prefix);
    if (prefixEnds.size >= 4096) prefixEnds.clear();
    prefixEnds.set(prefix, end);
  }
  return end;
}

const prefixEnds = new Map<string, string>();

function computePrefixEnd(prefix: string): string {
  const cps = Array.from(prefix);
  while (cps.length) {
    const cp = cps[cps.length - 1].codePointAt(0)!;
    if (cp < 0x10ffff) {
      const next = cp === 0xd7ff ? 0xe000 : cp + 1;
      cps[cps.length - 1] = String.fromCodePoint(next);
      return cps.join('');
    }
    cps.pop();
  }
  return '';
}

/**
 * Key order. JS `<` compares UTF-16 code units, which equals UTF-8 byte order for every key
 * made of BMP characters below U+E000 (all ASCII Kubernetes keys). Keys with astral characters
 * next to U+E000..U+FFFF may sort differently from the sqlite backend; Kubernetes keys never do.
 */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validates a read revision against the store's current and compacted revisions. */
export function checkReadRevision(revision: number | undefined, current: number, compacted: number): number {
  if (!revision) return current;
  if (revision > current) {
    throw new StorageError('FutureRevision', `required revision ${revision} is a future revision (current ${current})`);
  }
  // etcd keeps the compaction revision itself readable (each key's value as of it survives).
  if (revision < compacted) {
    throw new StorageError('Compacted', `required revision ${revision} has been compacted`, undefined, undefined, compacted);
  }
  return revision;
}

/** Absolute expiry for a write, or undefined (no TTL: positive ttlSeconds only, fractions allowed). */
export function expiryFor(ttlSeconds: number | undefined, now = Date.now()): number | undefined {
  return ttlSeconds !== undefined && ttlSeconds > 0 && Number.isFinite(ttlSeconds) ? now + Math.ceil(ttlSeconds * 1000) : undefined;
}

export function closedError(): StorageError {
  return new StorageError('Unavailable', 'storage is closed');
}

/** A history source for the watch hub. */
export interface WatchSource {
  currentRevision(): number;
  compactedRevision(): number;
  /** Events with revision in [from, to] for keys under prefix, in revision order. */
  history(prefix: string, from: number, to: number): WatchEvent[];
}

interface WatchState {
  prefix: string;
  onEvents: WatchHandler;
  onError: WatchErrorHandler;
  /** Catching up from history: next revision to read from the source. */
  nextRev: number;
  /** Live: receives events pushed by notify(); otherwise catching up from history. */
  live: boolean;
  /** Live events with revision < minRev are skipped (watch started at a future revision). */
  minRev: number;
  queue: WatchEvent[];
  dead: boolean;
}

/** Revisions replayed per step while a watcher catches up (the event loop runs between steps). */
const CATCHUP_CHUNK = 2000;

/**
 * Fan-out of store changes to watchers. A watcher starting at an old revision first replays
 * history from the source in chunks (yielding to the event loop between chunks) and switches to
 * live delivery in the same synchronous step that reads the last committed revision: writes are
 * synchronous on the single JS thread, so there is neither a gap nor a duplicate at the switch.
 * Live events are queued per watcher and delivered in one microtask flush, so delivery is always
 * asynchronous relative to the write and to watch(), and in revision order.
 */
export class WatchHub {
  private readonly watchers = new Set<WatchState>();
  /** Watchers grouped by prefix: a write tests each distinct prefix once. */
  private readonly byPrefix = new Map<string, Set<WatchState>>();
  private readonly dirty = new Set<WatchState>();
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly source: WatchSource) {}

  get size(): number {
    return this.watchers.size;
  }

  add(prefix: string, startRevision: number | undefined, onEvents: WatchHandler, onError: WatchErrorHandler): Watcher {
    const current = this.source.currentRevision();
    const start = startRevision && startRevision > 0 ? Math.floor(startRevision) : 0;
    const w: WatchState = { prefix, onEvents, onError, nextRev: current + 1, live: true, minRev: 0, queue: [], dead: false };
    const watcher: Watcher = { cancel: () => this.remove(w) };
    if (this.closed) {
      this.failLater(w, closedError());
      return watcher;
    }
    const compacted = this.source.compactedRevision();
    if (start > 0 && start <= compacted) {
      this.failLater(w, new StorageError('Compacted', `watch start revision ${start} has been compacted (compacted revision ${compacted})`, undefined, undefined, compacted));
      return watcher;
    }
    this.watchers.add(w);
    let group = this.byPrefix.get(prefix);
    if (!group) this.byPrefix.set(prefix, (group = new Set()));
    group.add(w);
    if (start > current) {
      w.minRev = start;
    } else if (start > 0) {
      w.live = false;
      w.nextRev = start;
      setImmediate(() => this.catchUp(w));
    }
    return watcher;
  }

  /** Called synchronously right after a write committed, with that write's events. */
  notify(events: WatchEvent[]): void {
    if (this.watchers.size === 0) return;
    for (const [prefix, group] of this.byPrefix) {
      for (const ev of events) {
        if (!ev.kv.key.startsWith(prefix)) continue;
        for (const w of group) {
          if (!w.live || ev.kv.modRevision < w.minRev) continue; // catching up: reads it from history
          w.queue.push(ev);
          this.dirty.add(w);
        }
      }
    }
    if (this.dirty.size && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Ends every watch with err (e.g. the store closed). */
  closeAll(err: StorageError): void {
    this.closed = true;
    const all = [...this.watchers];
    this.watchers.clear();
    this.byPrefix.clear();
    this.dirty.clear();
    for (const w of all) this.fail(w, err);
  }

  private remove(w: WatchState): void {
    w.dead = true;
    w.queue = [];
    this.watchers.delete(w);
    this.dirty.delete(w);
    const group = this.byPrefix.get(w.prefix);
    if (group?.delete(w) && group.size === 0) this.byPrefix.delete(w.prefix);
  }

  private flush(): void {
    this.flushScheduled = false;
    // Handlers may write (which re-queues and re-schedules); take the current set only.
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const w of batch) {
      if (w.dead || !w.queue.length) continue;
      const events = w.queue;
      w.queue = [];
      this.deliver(w, events);
    }
  }

  private catchUp(w: WatchState): void {
    if (w.dead) return;
    try {
      const compacted = this.source.compactedRevision();
      if (w.nextRev <= compacted) {
        this.remove(w);
        this.fail(w, new StorageError('Compacted', `watch revision ${w.nextRev} has been compacted (compacted revision ${compacted})`, undefined, undefined, compacted));
        return;
      }
      const current = this.source.currentRevision();
      const to = Math.min(current, w.nextRev + CATCHUP_CHUNK - 1);
      const events = w.nextRev <= to ? this.source.history(w.prefix, w.nextRev, to) : [];
      w.nextRev = to + 1;
      if (w.nextRev > current) w.live = true;
      if (events.length) this.deliver(w, events);
      if (!w.live && !w.dead) setImmediate(() => this.catchUp(w));
    } catch (e) {
      this.remove(w);
      this.fail(w, e instanceof StorageError ? e : new StorageError('Unavailable', `watch history read failed: ${(e as Error)?.message ?? e}`));
    }
  }

  private deliver(w: WatchState, events: WatchEvent[]): void {
    try {
      w.onEvents(events);
    } catch (e) {
      log.error('watch handler threw', { prefix: w.prefix, err: e instanceof Error ? e.message : String(e) });
    }
  }

  private failLater(w: WatchState, err: StorageError): void {
    setImmediate(() => {
      if (!w.dead) this.fail(w, err);
    });
  }

  private fail(w: WatchState, err: StorageError): void {
    w.dead = true;
    w.queue = [];
    try {
      w.onError(err);
    } catch (e) {
      log.error('watch error handler threw', { prefix: w.prefix, err: e instanceof Error ? e.message : String(e) });
    }
  }
}

const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * One unref'd timer armed for the earliest known expiry. `fire` deletes what is due and returns
 * the next expiry time (or undefined); `schedule` is called after writes with a TTL.
 */
export class ExpiryTimer {
  private timer: NodeJS.Timeout | undefined;
  private at = Infinity;
  private stopped = false;

  constructor(private readonly fire: () => number | undefined) {}

  schedule(at: number | undefined): void {
    if (at === undefined || this.stopped || at >= this.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.at = at;
    const delay = Math.min(MAX_TIMEOUT, Math.max(0, at - Date.now()));
    this.timer = setTimeout(() => this.run(), delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.timer = undefined;
    this.at = Infinity;
    if (this.stopped) return;
    let next: number | undefined;
    try {
      next = this.fire();
    } catch (e) {
      log.error('TTL expiry failed; retrying in 1s', { err: e instanceof Error ? e.message : String(e) });
      next = Date.now() + 1000;
    }
    this.schedule(next);
  }
}
