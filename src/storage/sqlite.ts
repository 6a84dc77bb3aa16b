// SqliteStore: the embedded, on-disk Store backend (kine-like) on one SQLite file through
// better-sqlite3. Owns the schema, the write path (group commit: the writes of one event-loop
// turn share one transaction; watchers are notified in-process right after it committed),
// reads at current and past revisions, the history log that watches replay, compaction, TTL
// expiry and reopen/recovery.
//
// Schema (chosen so that a write touches only two B-tree pages: WAL volume, and with it the
// checkpoint cost, is what bounds write throughput):
//   log(revision PK, key, deleted, create_revision, version, value, expires_at, prev_revision)
//       one row per revision (every write; deletes are tombstone rows), appended in revision
//       order. prev_revision links to the same key's previous row (0: none), so each key's
//       history is a chain walked backwards from its head; the previous row is also the
//       event's prevKv unless it is a tombstone. Watch replay reads revision ranges.
//   kv(key PK, revision, deleted, expires_at) WITHOUT ROWID
//       one row per key holding the head of its chain (a tombstone head keeps a deleted key's
//       history reachable until compaction). Current get/list/count are range scans of kv
//       joined to log by rowid; a read at a past revision walks the chains of the keys changed
//       since then. Partial index on expires_at for TTL keys.
//   meta(name PK, value): 'revision' and 'compact', written at init and at compaction. On open
//       the revision is max(meta.revision, MAX(log.revision)), so a compaction that removed the
//       newest rows (tombstones) cannot move the counter backwards.
//
// Group commit: a write runs its statements at once (so it sees every earlier write, gets the
// next revision and fails at once with KeyExists/Conflict/KeyNotFound) inside a transaction
// that stays open until the end of the current event-loop turn (setImmediate; when the last
// batch had a single write, only until the current callbacks and promise continuations ran:
// process.nextTick) or until 256 writes (8 MB) joined it. Then it commits, the watchers get
// the batch's events in revision order, and only then do the writes' promises resolve: a
// write is acknowledged only once its transaction committed. Nothing uncommitted is
// observable: reads report the last committed revision, and a read touching a key written in
// the open batch (get of that key, list/count of a prefix holding one) commits the batch
// first. If the commit (or a statement) fails, the whole batch is rolled back, the revision
// counter goes back and every write of the batch rejects with 'Unavailable'.
//
// Durability: WAL journal with synchronous=NORMAL. A commit appends the transaction's frames to
// the WAL with write(2) before COMMIT returns, so once a write is acknowledged its bytes are in
// the kernel's page cache and survive the process being killed (kill -9, OOM, crash) at any
// moment; the next open replays the WAL. Only an OS crash or power loss can lose the last
// commits (never corrupting the file, unlike synchronous=OFF); the fsync per commit that FULL
// adds costs an order of magnitude in throughput. { fsync: true } selects FULL.
// Checkpoints (which fsync) run every ~40 MB of WAL instead of SQLite's default 4 MB: they are
// most of the write cost, and larger intervals coalesce rewrites of hot pages.
//
// Ownership: locking_mode=EXCLUSIVE. One process owns the file (no shared-memory WAL index);
// open takes the write lock at once, so a second owner fails fast with 'Unavailable'.
//
// Key order: TEXT with BINARY collation compares UTF-8 bytes (= code point order).

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { logger } from '../util/klog.js';
import { checkReadRevision, closedError, expiryFor, ExpiryTimer, prefixEnd, WatchHub } from './common.js';
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

export interface SqliteStoreOptions {
  /** Database file (created with its directory if missing). */
  path: string;
  /** synchronous=FULL: fsync every commit (survives power loss; much slower). Default false. */
  fsync?: boolean;
}

const log = logger('storage/sqlite');
const SCHEMA_VERSION = 1;
const EMPTY = Buffer.alloc(0);
/** WAL pages between automatic checkpoints (4 KiB pages: ~40 MB). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
/** Writes per group-commit transaction at most (then it commits at once). */
const MAX_BATCH_WRITES = 256;
/** Bytes of values per group-commit transaction at most. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** The open group-commit transaction. */
interface Batch {
  /** this.rev when it began (restored when it is rolled back). */
  startRev: number;
  /** Keys written in it (reads of these commit it first). */
  keys: Set<string>;
  events: WatchEvent[];
  bytes: number;
  /** Settled when the batch committed (or failed). */
  done: Promise<void>;
  resolve: () => void;
  reject: (err: StorageError) => void;
}

interface Row {
  key: string;
  revision: number;
  create_revision: number;
  version: number;
  value: Buffer | null;
  expires_at: number | null;
}

interface LogRow extends Row {
  deleted: number;
  prev_revision: number;
}

/** Raw (array) rows of the hot read paths: RAW_COLS, then for 'heads' the head and its flag. */
type RawRow = [key: string, revision: number, createRevision: number, version: number, value: Buffer | null, expiresAt: number | null];
type RawHeadRow = [...RawRow, head: number, headDeleted: number];

interface HistoryRow extends LogRow {
  p_key: string | null;
  p_revision: number | null;
  p_create_revision: number | null;
  p_version: number | null;
  p_value: Buffer | null;
  p_expires_at: number | null;
  p_deleted: number | null;
}

function toKv(r: Row): KeyValue {
  const kv: KeyValue = {
    key: r.key,
    value: r.value ?? EMPTY,
    createRevision: r.create_revision,
    modRevision: r.revision,
    version: r.version,
  };
  if (r.expires_at !== null) kv.expiresAt = r.expires_at;
  return kv;
}

function deleteEvent(prev: KeyValue, rev: number): WatchEvent {
  return { type: 'DELETE', kv: { key: prev.key, value: EMPTY, createRevision: 0, modRevision: rev, version: 0 }, prevKv: prev };
}

function fromRaw(r: RawRow | RawHeadRow): KeyValue {
  const kv: KeyValue = { key: r[0], value: r[4] ?? EMPTY, createRevision: r[2], modRevision: r[1], version: r[3] };
  if (r[5] !== null) kv.expiresAt = r[5];
  return kv;
}

/** Columns of RawRow. Rows are fetched as arrays (raw mode): markedly cheaper than objects. */
const RAW_COLS = 'l.key, l.revision, l.create_revision, l.version, l.value, l.expires_at';
const COLS = (t: string) => `${t}.key, ${t}.revision, ${t}.create_revision, ${t}.version, ${t}.value, ${t}.expires_at, ${t}.deleted, ${t}.prev_revision`;

type Stmt = Database.Statement<unknown[], unknown>;

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  /** The last revision handed out (committed, or written in the open batch). */
  private rev = 1;
  /** The last committed revision: what readers see. */
  private committedRev = 1;
  private compactRev = 0;
  private batch: Batch | null = null;
  private commitScheduled = false;
  /** Writes in the last committed batch (picks when the next batch commits). */
  private lastBatchWrites = 0;
  private readonly scheduledCommit = () => {
    this.commitScheduled = false;
    this.commitBatch();
  };
  private readonly hub: WatchHub;
  private readonly expiry: ExpiryTimer;
  private closed = false;
  private readonly s: Record<string, Stmt>;
  private readonly rangeStmts = new Map<string, Stmt>();
  private readonly txCompact: (from: number, to: number) => void;
  private readonly stBegin: Stmt;
  private readonly stCommit: Stmt;
  private readonly stRollback: Stmt;

  /** Prefer openStore({ backend: 'sqlite', path }) or SqliteStore.open(). */
  constructor(opts: SqliteStoreOptions) {
    let db: Database.Database | undefined;
    try {
      if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
      db = new Database(opts.path, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && opts.path !== ':memory:') log.warning('sqlite did not enter WAL mode', { path: opts.path, mode });
      db.pragma(`synchronous = ${opts.fsync ? 'FULL' : 'NORMAL'}`);
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma('journal_size_limit = 67108864');
      db.pragma('temp_store = MEMORY');
      db.pragma('cache_size = -32768'); // 32 MiB page cache
      // Take the write lock now: fail fast if another process owns the file.
      db.exec('BEGIN IMMEDIATE');
      this.initSchema(db);
      db.exec('COMMIT');
    } catch (e) {
      try {
        db?.close();
      } catch {
        /* ignore */
      }
      const msg = (e as Error)?.message ?? String(e);
      throw new StorageError('Unavailable', `cannot open sqlite store at ${opts.path}: ${msg}`);
    }
    this.db = db;

    const p = (sql: string) => db.prepare(sql);
    this.s = {
      head: p('SELECT revision, deleted FROM kv WHERE key = ?'),
      getCur: p(`SELECT ${RAW_COLS} FROM kv k JOIN log l ON l.revision = k.revision WHERE k.key = ? AND k.deleted = 0`).raw(true),
      logRow: p(`SELECT ${RAW_COLS} FROM log l WHERE l.revision = ?`).raw(true),
      link: p('SELECT prev_revision AS prev, deleted FROM log WHERE revision = ?'),
      kvInsert: p('INSERT OR IGNORE INTO kv (key, revision, deleted, expires_at) VALUES (?, ?, 0, ?)'),
      kvSet: p('UPDATE kv SET revision = ?, deleted = ?, expires_at = ? WHERE key = ?'),
      kvRemove: p('DELETE FROM kv WHERE key = ? AND revision = ?'),
      logInsert: p(
        'INSERT INTO log (revision, key, deleted, create_revision, version, value, expires_at, prev_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      logDelete: p('DELETE FROM log WHERE revision = ?'),
      nextExpiry: p('SELECT MIN(expires_at) AS at FROM kv WHERE expires_at IS NOT NULL'),
      due: p('SELECT key FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT 1000'),
      compactHeads: p('SELECT MAX(revision) AS r FROM log WHERE revision > ? AND revision <= ? GROUP BY key'),
      setMeta: p('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };

    this.stBegin = db.prepare('BEGIN');
    this.stCommit = db.prepare('COMMIT');
    this.stRollback = db.prepare('ROLLBACK');
    this.txCompact = db.transaction((from: number, to: number) => this.compactRows(from, to));

    this.hub = new WatchHub({
      currentRevision: () => this.committedRev,
      compactedRevision: () => this.compactRev,
      history: (prefix, from, to) => this.history(prefix, from, to),
    });
    this.expiry = new ExpiryTimer(() => this.expireDue());
    // Keys whose TTL passed while the store was closed are deleted now, at new revisions.
    try {
      this.expiry.schedule(this.expireDue());
    } catch (e) {
      this.expiry.stop();
      db.close();
      throw new StorageError('Unavailable', `cannot open sqlite store at ${opts.path}: expiring keys failed: ${(e as Error)?.message ?? e}`);
    }
  }

  static async open(opts: SqliteStoreOptions): Promise<SqliteStore> {
    return new SqliteStore(opts);
  }

  private initSchema(db: Database.Database): void {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`database schema version ${version} is newer than supported ${SCHEMA_VERSION}`);
    if (version === 0) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS log (
          revision INTEGER PRIMARY KEY,
          key TEXT NOT NULL,
          deleted INTEGER NOT NULL,
          create_revision INTEGER NOT NULL,
          version INTEGER NOT NULL,
          value BLOB NOT NULL,
          expires_at INTEGER,
          prev_revision INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS kv (
          key TEXT PRIMARY KEY,
          revision INTEGER NOT NULL,
          deleted INTEGER NOT NULL,
          expires_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1), ('compact', 0);
        PRAGMA user_version = ${SCHEMA_VERSION};
      `);
    }
    const meta = new Map((db.prepare('SELECT name, value FROM meta').all() as Array<{ name: string; value: number }>).map((r) => [r.name, r.value]));
    const maxLog = (db.prepare('SELECT MAX(revision) AS r FROM log').get() as { r: number | null }).r ?? 0;
    this.rev = Math.max(1, meta.get('revision') ?? 1, maxLog);
    this.committedRev = this.rev;
    this.compactRev = meta.get('compact') ?? 0;
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.committedRev;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compactRev;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    this.checkOpen();
    if (this.batch?.keys.has(key)) this.commitBatch();
    const rev = checkReadRevision(opts?.revision, this.committedRev, this.compactRev);
    if (rev === this.committedRev) return this.current(key);
    const head = this.s.head.get(key) as { revision: number; deleted: number } | undefined;
    if (!head) return undefined;
    const found = this.walk(head.revision, head.deleted, rev);
    return found ? fromRaw(this.s.logRow.get(found) as RawRow) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    this.commitIfPendingUnder(prefix);
    const rev = checkReadRevision(opts.revision, this.committedRev, this.compactRev);
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const end = prefixEnd(prefix);
    const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : Infinity;
    const bounds: unknown[] = end ? [from, end] : [from];
    if (rev === this.committedRev) {
      // (a LIMIT bound as a parameter costs a re-prepare per call: unlimited lists have none)
      const fetch = opts.skipCount && limit !== Infinity ? limit + 1 : limit;
      const rows = (fetch === Infinity ? this.range('listAll', !!end).all(...bounds) : this.range('list', !!end).all(...bounds, fetch)) as RawRow[];
      if (fetch > limit) {
        const more = rows.length > limit;
        const items = rows.slice(0, limit).map(fromRaw);
        return { items, revision: rev, more, count: items.length + (more ? 1 : 0) };
      }
      const items = rows.map(fromRaw);
      let count = items.length;
      if (items.length === limit) count = (this.range('count', !!end).get(...bounds) as { n: number }).n;
      return { items, revision: rev, more: count > items.length, count };
    }
    // Past revision: keys whose head is <= rev are read as they are now; only the chains of
    // keys changed after rev are walked back.
    // Heads are read in chunks (all() is about twice as fast per row as iterate()).
    const items: KeyValue[] = [];
    const chunk = Math.min(limit + 16, 2000);
    const heads = this.range('heads', !!end);
    let start = from;
    scan: for (;;) {
      const rows = heads.all(...(end ? [start, end] : [start]), chunk) as RawHeadRow[];
      for (const r of rows) {
        if (items.length >= limit) break scan;
        const [head, headDeleted] = [r[6], r[7]];
        if (head <= rev) {
          if (!headDeleted) items.push(fromRaw(r));
          continue;
        }
        const found = this.walk(head, headDeleted, rev);
        if (found) items.push(fromRaw(this.s.logRow.get(found) as RawRow));
      }
      if (rows.length < chunk) break;
      start = rows[rows.length - 1][0] + '\0'; // the smallest key after the last one
    }
    let count = items.length;
    if (opts.skipCount && items.length === limit) {
      // one more key at rev after the last one returned?
      const next = await this.list(prefix, { revision: rev, startKey: items[items.length - 1].key + '\0', limit: 1, skipCount: true });
      return { items, revision: rev, more: next.items.length > 0, count: items.length + next.items.length };
    }
    if (items.length === limit) {
      count = (this.range('countUnchanged', !!end).get(...bounds, rev) as { n: number }).n;
      for (const c of this.range('changed', !!end).all(...bounds, rev) as Array<{ revision: number; deleted: number }>) {
        if (this.walk(c.revision, c.deleted, rev)) count++;
      }
    }
    return { items, revision: rev, more: count > items.length, count };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    this.commitIfPendingUnder(prefix);
    const end = prefixEnd(prefix);
    return (this.range('count', !!end).get(...(end ? [prefix, end] : [prefix])) as { n: number }).n;
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue> {
    this.checkOpen();
    const expiresAt = expiryFor(opts?.ttlSeconds);
    const v = Buffer.from(value);
    const batch = this.openBatch();
    const rev = this.rev + 1;
    this.run(batch, () => {
      let head = 0;
      if (this.s.kvInsert.run(key, rev, expiresAt ?? null).changes === 0) {
        // The key has a head: live (KeyExists, nothing written) or a tombstone (re-create).
        const h = this.s.head.get(key) as { revision: number; deleted: number };
        if (!h.deleted) throw new StorageError('KeyExists', `key already exists: ${key}`, key);
        head = h.revision;
        this.s.kvSet.run(rev, 0, expiresAt ?? null, key);
      }
      this.s.logInsert.run(rev, key, 0, rev, 1, v, expiresAt ?? null, head);
    });
    const kv: KeyValue = { key, value: v, createRevision: rev, modRevision: rev, version: 1 };
    if (expiresAt !== undefined) kv.expiresAt = expiresAt;
    this.added(batch, { type: 'PUT', kv }, v.length);
    await batch.done;
    if (expiresAt !== undefined) this.expiry.schedule(expiresAt);
    return kv;
  }

  async update(key: string, value: Buffer, opts?: UpdateOptions): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.current(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    if (opts?.expectedModRevision !== undefined && opts.expectedModRevision !== prev.modRevision) {
      throw new StorageError('Conflict', `modRevision mismatch for ${key}: expected ${opts.expectedModRevision}, current ${prev.modRevision}`, key, prev);
    }
    const expiresAt = expiryFor(opts?.ttlSeconds);
    const v = Buffer.from(value);
    const batch = this.openBatch();
    const rev = this.rev + 1;
    this.run(batch, () => {
      this.s.kvSet.run(rev, 0, expiresAt ?? null, key);
      this.s.logInsert.run(rev, key, 0, prev.createRevision, prev.version + 1, v, expiresAt ?? null, prev.modRevision);
    });
    const kv: KeyValue = { key, value: v, createRevision: prev.createRevision, modRevision: rev, version: prev.version + 1 };
    if (expiresAt !== undefined) kv.expiresAt = expiresAt;
    this.added(batch, { type: 'PUT', kv, prevKv: prev }, v.length);
    await batch.done;
    if (expiresAt !== undefined) this.expiry.schedule(expiresAt);
    return kv;
  }

  async delete(key: string, opts?: DeleteOptions): Promise<{ prev: KeyValue; revision: number }> {
    this.checkOpen();
    const prev = this.current(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    if (opts?.expectedModRevision !== undefined && opts.expectedModRevision !== prev.modRevision) {
      throw new StorageError('Conflict', `modRevision mismatch for ${key}: expected ${opts.expectedModRevision}, current ${prev.modRevision}`, key, prev);
    }
    const batch = this.openBatch();
    const rev = this.rev + 1;
    this.run(batch, () => this.deleteRows(prev, rev));
    this.added(batch, deleteEvent(prev, rev), 0);
    await batch.done;
    return { prev, revision: rev };
  }

  watch(prefix: string, opts: WatchOptions, onEvents: WatchHandler, onError: WatchErrorHandler): Watcher {
    return this.hub.add(prefix, opts?.startRevision, onEvents, onError);
  }

  /**
   * Import (storage migration): writes each kv exactly as given (createRevision, modRevision,
   * version, expiresAt) in one transaction, then sets the revision to max(finalRevision, the last
   * modRevision). kvs must be in ascending modRevision order, each above the current revision and
   * for keys not present. No history is written: the store is compacted at the final revision,
   * so a watch from before the import gets 'Compacted' (clients relist) instead of a partial replay.
   */
  async importKvs(kvs: KeyValue[], finalRevision = 0): Promise<void> {
    this.checkOpen();
    this.commitBatch();
    let last = this.rev;
    for (const kv of kvs) {
      if (!(kv.modRevision > last)) {
        throw new StorageError('Conflict', `import: revision ${kv.modRevision} of ${kv.key} is not above ${last} (revisions must ascend above the store's current revision)`, kv.key);
      }
      if (kv.createRevision > kv.modRevision || kv.createRevision < 1 || kv.version < 1) throw new StorageError('Conflict', `import: invalid revisions for ${kv.key}`, kv.key);
      last = kv.modRevision;
    }
    const target = Math.max(last, finalRevision);
    this.write(() =>
      this.db.transaction(() => {
        for (const kv of kvs) {
          if (this.s.kvInsert.run(kv.key, kv.modRevision, kv.expiresAt ?? null).changes === 0) {
            throw new StorageError('KeyExists', `import: key already exists: ${kv.key}`, kv.key);
          }
          this.s.logInsert.run(kv.modRevision, kv.key, 0, kv.createRevision, kv.version, Buffer.from(kv.value), kv.expiresAt ?? null, 0);
        }
        this.s.setMeta.run('revision', target);
        this.s.setMeta.run('compact', target);
      })(),
    );
    this.rev = this.committedRev = target;
    this.compactRev = target;
    let next: number | undefined;
    for (const kv of kvs) if (kv.expiresAt !== undefined && (next === undefined || kv.expiresAt < next)) next = kv.expiresAt;
    this.expiry.schedule(next);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    this.commitBatch();
    if (revision > this.rev) throw new StorageError('FutureRevision', `compact revision ${revision} is a future revision (current ${this.rev})`);
    if (revision < this.compactRev) {
      throw new StorageError('Compacted', `revision ${revision} has already been compacted`, undefined, undefined, this.compactRev);
    }
    if (revision === this.compactRev) return;
    this.write(() => this.txCompact(this.compactRev, revision));
    this.compactRev = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // acknowledge (or fail) the open batch's writes before the database goes away
    this.commitBatch();
    this.closed = true;
    this.expiry.stop();
    this.hub.closeAll(closedError());
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  /**
   * The open group-commit transaction, begun now if there is none (its commit is scheduled
   * for the end of this event-loop turn).
   */
  private openBatch(): Batch {
    if (this.batch) return this.batch;
    try {
      this.stBegin.run();
    } catch (e) {
      throw new StorageError('Unavailable', `sqlite write failed: ${(e as Error)?.message ?? e}`);
    }
    let resolve!: () => void;
    let reject!: (err: StorageError) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // every write awaits it; never an unhandled rejection
    const batch: Batch = { startRev: this.rev, keys: new Set(), events: [], bytes: 0, done, resolve, reject };
    this.batch = batch;
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      // Concurrent writers (the last batch had company): commit at the end of this event-loop
      // turn, after every I/O callback of it. A lone writer: as soon as the current run of
      // callbacks and promise continuations is over, without waiting for the loop to go round.
      (this.lastBatchWrites > 1 ? setImmediate : process.nextTick)(this.scheduledCommit);
    }
    return batch;
  }

  /**
   * Runs one write's statements inside the open batch. A StorageError (KeyExists: thrown before
   * anything was written) fails only this write; a driver error rolls the whole batch back.
   */
  private run(batch: Batch, statements: () => void): void {
    try {
      statements();
    } catch (e) {
      if (e instanceof StorageError) throw e;
      const err = new StorageError('Unavailable', `sqlite write failed: ${(e as Error)?.message ?? e}`);
      this.abortBatch(batch, err);
      throw err;
    }
  }

  /** Records a write done in the batch (its revision is now handed out). */
  private added(batch: Batch, ev: WatchEvent, bytes: number): void {
    this.rev = ev.kv.modRevision;
    batch.keys.add(ev.kv.key);
    batch.events.push(ev);
    batch.bytes += bytes;
    if (batch.events.length >= MAX_BATCH_WRITES || batch.bytes >= MAX_BATCH_BYTES) this.commitBatch();
  }

  /** Commits the open batch now (if any): watchers get its events, then its writes resolve. */
  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    try {
      this.stCommit.run();
    } catch (e) {
      this.abortBatch(batch, new StorageError('Unavailable', `sqlite commit failed: ${(e as Error)?.message ?? e}`));
      return;
    }
    this.batch = null;
    this.committedRev = this.rev;
    this.lastBatchWrites = batch.events.length;
    if (batch.events.length) this.hub.notify(batch.events);
    batch.resolve();
  }

  private abortBatch(batch: Batch, err: StorageError): void {
    if (this.batch !== batch) return;
    this.batch = null;
    try {
      if (this.db.inTransaction) this.stRollback.run();
    } catch (e) {
      log.error('sqlite rollback failed', { err: (e as Error)?.message ?? String(e) });
    }
    this.rev = batch.startRev;
    batch.reject(err);
  }

  /** Commits the open batch when it wrote a key under prefix (so a read sees only committed state). */
  private commitIfPendingUnder(prefix: string): void {
    const batch = this.batch;
    if (!batch) return;
    for (const k of batch.keys) {
      if (k.startsWith(prefix)) {
        this.commitBatch();
        return;
      }
    }
  }

  /** Runs a transaction outside the batch path (compaction), mapping driver errors to 'Unavailable'. */
  private write(tx: () => void): void {
    try {
      tx();
    } catch (e) {
      if (e instanceof StorageError) throw e;
      throw new StorageError('Unavailable', `sqlite write failed: ${(e as Error)?.message ?? e}`);
    }
  }

  private current(key: string): KeyValue | undefined {
    const row = this.s.getCur.get(key) as RawRow | undefined;
    return row ? fromRaw(row) : undefined;
  }

  /**
   * Walks a key's chain back from its head to the row visible at revision rev; returns that
   * row's revision if it is a live version, 0 if the key did not exist then. A link to a row
   * removed by compaction also means "absent" (compaction only drops rows hidden at every
   * readable revision, or tombstones).
   */
  private walk(revision: number, deleted: number, rev: number): number {
    if (revision <= rev) return deleted ? 0 : revision;
    let r = revision;
    while (r > rev) {
      const link = this.s.link.get(r) as { prev: number; deleted: number } | undefined;
      if (!link || !link.prev) return 0;
      r = link.prev;
    }
    const found = this.s.link.get(r) as { prev: number; deleted: number } | undefined;
    return found && !found.deleted ? r : 0;
  }

  private deleteRows(prev: KeyValue, rev: number): void {
    this.s.kvSet.run(rev, 1, null, prev.key);
    this.s.logInsert.run(rev, prev.key, 1, 0, 0, EMPTY, null, prev.modRevision);
  }

  /**
   * Compaction from `from` (the previous compaction revision) to `to`. Invariant after a
   * compaction at c: every key has at most one row <= c, a live one. For each key written in
   * (from, to], its latest row <= to supersedes every older row of its chain (all of them are
   * <= to); that latest row goes too when it is a tombstone (and with it the kv entry, when the
   * tombstone is still the head).
   */
  private compactRows(from: number, to: number): void {
    const heads = this.s.compactHeads.all(from, to) as Array<{ r: number }>;
    for (const { r } of heads) {
      const top = this.s.link.get(r) as { prev: number; deleted: number };
      let prev = top.prev;
      while (prev) {
        const link = this.s.link.get(prev) as { prev: number; deleted: number } | undefined;
        if (!link) break;
        this.s.logDelete.run(prev);
        prev = link.prev;
      }
      if (top.deleted) {
        const row = this.s.logRow.get(r) as RawRow;
        this.s.logDelete.run(r);
        this.s.kvRemove.run(row[0], r);
      }
    }
    this.s.setMeta.run('compact', to);
    this.s.setMeta.run('revision', this.rev);
  }

  /** Range statements, prepared once per (kind, bounded) pair. */
  private range(kind: 'list' | 'listAll' | 'count' | 'heads' | 'countUnchanged' | 'changed', bounded: boolean): Stmt {
    const id = kind + (bounded ? '+' : '');
    let st = this.rangeStmts.get(id);
    if (st) return st;
    const where = (t: string) => `${t}key >= ?${bounded ? ` AND ${t}key < ?` : ''}`;
    let sql: string;
    switch (kind) {
      case 'list':
        sql = `SELECT ${RAW_COLS} FROM kv k JOIN log l ON l.revision = k.revision WHERE ${where('k.')} AND k.deleted = 0 ORDER BY k.key LIMIT ?`;
        break;
      case 'listAll':
        sql = `SELECT ${RAW_COLS} FROM kv k JOIN log l ON l.revision = k.revision WHERE ${where('k.')} AND k.deleted = 0 ORDER BY k.key`;
        break;
      case 'count':
        sql = `SELECT COUNT(*) AS n FROM kv WHERE ${where('')} AND deleted = 0`;
        break;
      case 'heads':
        sql = `SELECT ${RAW_COLS}, k.revision, k.deleted FROM kv k JOIN log l ON l.revision = k.revision WHERE ${where('k.')} ORDER BY k.key LIMIT ?`;
        break;
      case 'countUnchanged':
        sql = `SELECT COUNT(*) AS n FROM kv WHERE ${where('')} AND revision <= ? AND deleted = 0`;
        break;
      case 'changed':
        sql = `SELECT revision, deleted FROM kv WHERE ${where('')} AND revision > ?`;
        break;
    }
    st = this.db.prepare(sql);
    if (kind === 'list' || kind === 'listAll' || kind === 'heads') st.raw(true);
    this.rangeStmts.set(id, st);
    return st;
  }

  private history(prefix: string, from: number, to: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const id = 'history' + (end ? '+' : '');
    let st = this.rangeStmts.get(id);
    if (!st) {
      st = this.db.prepare(
        `SELECT ${COLS('l')},
                p.key AS p_key, p.revision AS p_revision, p.create_revision AS p_create_revision,
                p.version AS p_version, p.value AS p_value, p.expires_at AS p_expires_at, p.deleted AS p_deleted
         FROM log l LEFT JOIN log p ON p.revision = l.prev_revision AND l.prev_revision > 0
         WHERE l.revision >= ? AND l.revision <= ? AND l.key >= ?${end ? ' AND l.key < ?' : ''}
         ORDER BY l.revision`,
      );
      this.rangeStmts.set(id, st);
    }
    const rows = (end ? st.all(from, to, prefix, end) : st.all(from, to, prefix)) as HistoryRow[];
    const out: WatchEvent[] = [];
    for (const r of rows) {
      const ev: WatchEvent = r.deleted
        ? { type: 'DELETE', kv: { key: r.key, value: EMPTY, createRevision: 0, modRevision: r.revision, version: 0 } }
        : { type: 'PUT', kv: toKv(r) };
      // The previous row is prevKv unless it is a tombstone (then this PUT re-created the key).
      if (r.p_revision !== null && !r.p_deleted) {
        ev.prevKv = toKv({
          key: r.p_key!,
          revision: r.p_revision,
          create_revision: r.p_create_revision!,
          version: r.p_version!,
          value: r.p_value,
          expires_at: r.p_expires_at,
        });
      }
      out.push(ev);
    }
    return out;
  }

  /**
   * Deletes every key whose TTL has passed: one revision and DELETE event each, up to 1000
   * keys per transaction (many may be due at once after the store was down for a while).
   * Returns the next expiry time.
   */
  private expireDue(): number | undefined {
    if (this.closed) return undefined;
    this.commitBatch(); // its own transactions below
    for (;;) {
      const now = Date.now();
      const due = this.s.due.all(now) as Array<{ key: string }>;
      if (!due.length) break;
      const startRev = this.rev;
      const events: WatchEvent[] = [];
      try {
        this.db.transaction(() => {
          for (const { key } of due) {
            const cur = this.current(key);
            if (!cur || cur.expiresAt === undefined || cur.expiresAt > now) continue;
            this.deleteRows(cur, this.rev + 1);
            events.push(deleteEvent(cur, ++this.rev));
          }
        })();
      } catch (e) {
        this.rev = startRev; // rolled back
        throw e;
      }
      this.committedRev = this.rev;
      for (const ev of events) this.hub.notify([ev]);
      if (due.length < 1000) break;
    }
    const next = (this.s.nextExpiry.get() as { at: number | null }).at;
    return next ?? undefined;
  }
}
