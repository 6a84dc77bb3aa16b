// SqliteStore: the embedded, on-disk Store backend (kine-like) on one SQLite file through
// better-sqlite3. Owns the schema, the write path (one transaction per write, watchers notified
// in-process right after commit), reads at current and past revisions, the history log that
// watches replay, compaction, TTL expiry and reopen/recovery.
//
// Schema:
//   log(revision PK, key, deleted, create_revision, prev_revision, version, value, expires_at)
//       one row per revision (every write, including deletes as tombstones); prev_revision is
//       the modRevision of the key's previous live version (0 on create), which gives prevKv.
//       Index (key, revision, deleted) serves get/list at a past revision.
//   kv(key PK, revision, expires_at) WITHOUT ROWID
//       current live keys pointing at their log row: current get/list/count are index lookups.
//       Partial index on expires_at for TTL keys.
//   meta(name PK, value): 'revision' and 'compact' (written at init and at compaction; the
//       current revision on open is max(meta.revision, MAX(log.revision)), so compaction that
//       removes the newest tombstones cannot move the counter backwards).
//
// Durability: WAL journal with synchronous=NORMAL. A commit appends the transaction's frames to
// the WAL with write(2) before COMMIT returns, so once a write is acknowledged its bytes are in
// the kernel's page cache and survive the process being killed (kill -9, OOM, crash) at any
// moment; the next open replays the WAL. Only an OS crash or power loss can lose the last few
// commits (never corrupting the file) - the fsync per commit that FULL would add costs ~10x in
// throughput. Pass { fsync: true } to SqliteStore for power-loss durability.
//
// Ownership: locking_mode=EXCLUSIVE - one process owns the file (no shared-memory WAL index; a
// second process cannot write and open fails fast with 'Unavailable').

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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

const SCHEMA_VERSION = 1;
const EMPTY = Buffer.alloc(0);

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

interface HistoryRow extends LogRow {
  p_key: string | null;
  p_revision: number | null;
  p_create_revision: number | null;
  p_version: number | null;
  p_value: Buffer | null;
  p_expires_at: number | null;
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

const ROW_COLS = 'l.key, l.revision, l.create_revision, l.version, l.value, l.expires_at';

type Stmt = Database.Statement<unknown[], unknown>;

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  private rev = 1;
  private compactRev = 0;
  private readonly hub: WatchHub;
  private readonly expiry: ExpiryTimer;
  private closed = false;
  private readonly s: Record<string, Stmt>;
  private readonly rangeStmts = new Map<string, Stmt>();
  private readonly txCreate: (key: string, value: Buffer, expiresAt: number | null) => void;
  private readonly txPut: (prev: KeyValue, value: Buffer, expiresAt: number | null) => void;
  private readonly txDelete: (prev: KeyValue) => void;

  /** Prefer openStore({ backend: 'sqlite', path }) or SqliteStore.open(). */
  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    const db = new Database(opts.path, { timeout: 0 });
    this.db = db;
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.fsync ? 'FULL' : 'NORMAL'}`);
      db.pragma('temp_store = MEMORY');
      db.pragma('cache_size = -32768'); // 32 MiB page cache
      // Take the write lock now: fail fast if another process owns the file.
      db.exec('BEGIN IMMEDIATE');
      this.initSchema();
      db.exec('COMMIT');
    } catch (e) {
      try {
        db.close();
      } catch {
        /* ignore */
      }
      const msg = (e as Error)?.message ?? String(e);
      throw new StorageError('Unavailable', `cannot open sqlite store at ${opts.path}: ${msg}`);
    }

    const p = (sql: string) => db.prepare(sql);
    this.s = {
      getCur: p(`SELECT ${ROW_COLS} FROM kv k JOIN log l ON l.revision = k.revision WHERE k.key = ?`),
      getAt: p(`SELECT ${ROW_COLS}, l.deleted FROM log l WHERE l.key = ? AND l.revision <= ? ORDER BY l.revision DESC LIMIT 1`),
      kvInsert: p('INSERT OR IGNORE INTO kv (key, revision, expires_at) VALUES (?, ?, ?)'),
      kvUpdate: p('UPDATE kv SET revision = ?, expires_at = ? WHERE key = ?'),
      kvDelete: p('DELETE FROM kv WHERE key = ?'),
      logInsert: p(
        'INSERT INTO log (revision, key, deleted, create_revision, prev_revision, version, value, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      nextExpiry: p('SELECT MIN(expires_at) AS at FROM kv WHERE expires_at IS NOT NULL'),
      due: p('SELECT key FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT 1000'),
      compactSuperseded: p(
        'DELETE FROM log WHERE revision IN (SELECT o.revision FROM log n JOIN log o ON o.key = n.key AND o.revision < n.revision WHERE n.revision > ? AND n.revision <= ?)',
      ),
      compactTombstones: p('DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1'),
      setMeta: p('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };

    this.txCreate = db.transaction((key: string, value: Buffer, expiresAt: number | null) => {
      const rev = this.rev + 1;
      if (this.s.kvInsert.run(key, rev, expiresAt).changes === 0) {
        throw new StorageError('KeyExists', `key already exists: ${key}`, key);
      }
      this.s.logInsert.run(rev, key, 0, rev, 0, 1, value, expiresAt);
    });
    this.txPut = db.transaction((prev: KeyValue, value: Buffer, expiresAt: number | null) => {
      const rev = this.rev + 1;
      this.s.kvUpdate.run(rev, expiresAt, prev.key);
      this.s.logInsert.run(rev, prev.key, 0, prev.createRevision, prev.modRevision, prev.version + 1, value, expiresAt);
    });
    this.txDelete = db.transaction((prev: KeyValue) => {
      const rev = this.rev + 1;
      this.s.kvDelete.run(prev.key);
      this.s.logInsert.run(rev, prev.key, 1, 0, prev.modRevision, 0, EMPTY, null);
    });

    this.hub = new WatchHub({
      currentRevision: () => this.rev,
      compactedRevision: () => this.compactRev,
      history: (prefix, from, to) => this.history(prefix, from, to),
    });
    this.expiry = new ExpiryTimer(() => this.expireDue());
    // Keys whose TTL passed while the store was closed are deleted now, at new revisions.
    this.expiry.schedule(this.expireDue());
  }

  static async open(opts: SqliteStoreOptions): Promise<SqliteStore> {
    return new SqliteStore(opts);
  }

  private initSchema(): void {
    const db = this.db;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`database schema version ${version} is newer than supported ${SCHEMA_VERSION}`);
    if (version === 0) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS log (
          revision INTEGER PRIMARY KEY,
          key TEXT NOT NULL,
          deleted INTEGER NOT NULL,
          create_revision INTEGER NOT NULL,
          prev_revision INTEGER NOT NULL,
          version INTEGER NOT NULL,
          value BLOB NOT NULL,
          expires_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision, deleted);
        CREATE TABLE IF NOT EXISTS kv (
          key TEXT PRIMARY KEY,
          revision INTEGER NOT NULL,
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
    this.compactRev = meta.get('compact') ?? 0;
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
    if (rev === this.rev) return this.current(key);
    const row = this.s.getAt.get(key, rev) as LogRow | undefined;
    return row && !row.deleted ? toKv(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const rev = checkReadRevision(opts.revision, this.rev, this.compactRev);
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const end = prefixEnd(prefix);
    const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : -1;
    const past = rev !== this.rev;
    const args: unknown[] = [from];
    if (end) args.push(end);
    if (past) args.push(rev);
    const rows = this.range(past ? 'listAt' : 'list', !!end).all(...args, limit) as Row[];
    const items = rows.map(toKv);
    let count = items.length;
    if (limit > 0 && items.length === limit) {
      count = (this.range(past ? 'countAt' : 'count', !!end).get(...args) as { n: number }).n;
    }
    return { items, revision: rev, more: count > items.length, count };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    const end = prefixEnd(prefix);
    const args: unknown[] = [prefix];
    if (end) args.push(end);
    return (this.range('count', !!end).get(...args) as { n: number }).n;
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue> {
    this.checkOpen();
    const expiresAt = expiryFor(opts?.ttlSeconds);
    const v = Buffer.from(value);
    this.write(() => this.txCreate(key, v, expiresAt ?? null));
    const rev = ++this.rev;
    const kv: KeyValue = { key, value: v, createRevision: rev, modRevision: rev, version: 1 };
    if (expiresAt !== undefined) {
      kv.expiresAt = expiresAt;
      this.expiry.schedule(expiresAt);
    }
    this.hub.notify([{ type: 'PUT', kv }]);
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
    this.write(() => this.txPut(prev, v, expiresAt ?? null));
    const kv: KeyValue = { key, value: v, createRevision: prev.createRevision, modRevision: ++this.rev, version: prev.version + 1 };
    if (expiresAt !== undefined) {
      kv.expiresAt = expiresAt;
      this.expiry.schedule(expiresAt);
    }
    this.hub.notify([{ type: 'PUT', kv, prevKv: prev }]);
    return kv;
  }

  async delete(key: string, opts?: DeleteOptions): Promise<{ prev: KeyValue; revision: number }> {
    this.checkOpen();
    const prev = this.current(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    if (opts?.expectedModRevision !== undefined && opts.expectedModRevision !== prev.modRevision) {
      throw new StorageError('Conflict', `modRevision mismatch for ${key}: expected ${opts.expectedModRevision}, current ${prev.modRevision}`, key, prev);
    }
    return { prev, revision: this.deleteNow(prev) };
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
    const from = this.compactRev;
    // After the previous compaction every key has at most one row <= it (a live one). Each row
    // written since then, up to `revision`, supersedes its key's older rows; tombstones in that
    // window go too (reads at >= revision see the key absent either way).
    this.write(
      this.db.transaction(() => {
        this.s.compactSuperseded.run(from, revision);
        this.s.compactTombstones.run(from, revision);
        this.s.setMeta.run('compact', revision);
        this.s.setMeta.run('revision', this.rev);
      }),
    );
    this.compactRev = revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.expiry.stop();
    this.hub.closeAll(closedError());
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  /**
   * Runs a write transaction, mapping driver errors to 'Unavailable'. The log-writing
   * transactions insert at this.rev + 1; their callers advance this.rev once it committed.
   */
  private write(tx: () => void): void {
    try {
      tx();
    } catch (e) {
      if (e instanceof StorageError) throw e;
      throw new StorageError('Unavailable', `sqlite write failed: ${(e as Error)?.message ?? e}`);
    }
  }

  private current(key: string): KeyValue | undefined {
    const row = this.s.getCur.get(key) as Row | undefined;
    return row ? toKv(row) : undefined;
  }

  private deleteNow(prev: KeyValue): number {
    this.write(() => this.txDelete(prev));
    const rev = ++this.rev;
    this.hub.notify([{ type: 'DELETE', kv: { key: prev.key, value: EMPTY, createRevision: 0, modRevision: rev, version: 0 }, prevKv: prev }]);
    return rev;
  }

  /** Range statements, prepared once per (kind, bounded) pair. */
  private range(kind: 'list' | 'count' | 'listAt' | 'countAt', bounded: boolean): Stmt {
    const id = kind + (bounded ? '+' : '');
    let st = this.rangeStmts.get(id);
    if (st) return st;
    const upper = (col: string) => (bounded ? ` AND ${col} < ?` : '');
    // Latest version of each key at a past revision, in key order (streamed from the covering
    // index), then its row; tombstones filtered out.
    const latestAt = `SELECT key, MAX(revision) AS r, deleted FROM log WHERE key >= ?${upper('key')} AND revision <= ? GROUP BY key`;
    let sql: string;
    switch (kind) {
      case 'list':
        sql = `SELECT ${ROW_COLS} FROM kv k JOIN log l ON l.revision = k.revision WHERE k.key >= ?${upper('k.key')} ORDER BY k.key LIMIT ?`;
        break;
      case 'count':
        sql = `SELECT COUNT(*) AS n FROM kv WHERE key >= ?${upper('key')}`;
        break;
      case 'listAt':
        // (HAVING on the bare column `deleted` reads it from the MAX(revision) row.)
        sql = `SELECT ${ROW_COLS} FROM (${latestAt} HAVING deleted = 0 ORDER BY key LIMIT ?) m JOIN log l ON l.revision = m.r ORDER BY m.key`;
        break;
      case 'countAt':
        sql = `SELECT COUNT(*) AS n FROM (${latestAt}) WHERE deleted = 0`;
        break;
    }
    st = this.db.prepare(sql);
    this.rangeStmts.set(id, st);
    return st;
  }

  private history(prefix: string, from: number, to: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const id = 'history' + (end ? '+' : '');
    let st = this.rangeStmts.get(id);
    if (!st) {
      st = this.db.prepare(
        `SELECT ${ROW_COLS}, l.deleted, l.prev_revision,
                p.key AS p_key, p.revision AS p_revision, p.create_revision AS p_create_revision,
                p.version AS p_version, p.value AS p_value, p.expires_at AS p_expires_at
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
      if (r.p_revision !== null) {
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

  /** Deletes every key whose TTL has passed (one revision and DELETE event each). */
  private expireDue(): number | undefined {
    if (this.closed) return undefined;
    for (;;) {
      const now = Date.now();
      const due = this.s.due.all(now) as Array<{ key: string }>;
      for (const { key } of due) {
        const cur = this.current(key);
        if (cur && cur.expiresAt !== undefined && cur.expiresAt <= now) this.deleteNow(cur);
      }
      if (due.length < 1000) break;
    }
    const next = (this.s.nextExpiry.get() as { at: number | null }).at;
    return next ?? undefined;
  }
}
