// Runs the Store conformance suite against the sqlite backend (each store in its own file under
// a temp dir removed afterwards), plus sqlite-specific reopen tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../../src/storage/index.js';
import { SqliteStore } from '../../../src/storage/sqlite.js';
import { MemoryStore } from '../../../src/storage/memory.js';
import { StorageError, type KeyValue, type Store, type WatchEvent } from '../../../src/storage/types.js';
import { collect, storageSuite } from './suite.js';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `db-${++n}`, 'state.db');

storageSuite('sqlite', () => openStore({ backend: 'sqlite', path: freshPath() }));

const b = (s: string) => Buffer.from(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sqlite reopen', () => {
  it('restores keys, history, revision, compaction revision and TTLs', async () => {
    const path = freshPath();
    let s: Store = await openStore({ backend: 'sqlite', path });
    await s.create('/a/1', b('one')); // 2
    await s.create('/a/2', b('two')); // 3
    await s.update('/a/1', b('uno')); // 4
    await s.create('/a/3', b('three')); // 5
    await s.delete('/a/3'); // 6
    await s.compact(4);
    await s.delete('/a/2'); // 7: the last write is a delete
    const ttl = await s.create('/ev/1', b('event'), { ttlSeconds: 2 }); // 8
    await s.close();

    s = await openStore({ backend: 'sqlite', path });
    try {
      assert.equal(await s.currentRevision(), 8);
      assert.equal(await s.compactedRevision(), 4);
      const l = await s.list('/a/');
      assert.deepEqual(l.items.map((k) => [k.key, k.value.toString(), k.createRevision, k.modRevision, k.version]), [['/a/1', 'uno', 2, 4, 2]]);
      const past = await s.list('/a/', { revision: 5 });
      assert.deepEqual(past.items.map((k) => k.key), ['/a/1', '/a/2', '/a/3']);
      await assert.rejects(s.get('/a/1', { revision: 3 }), (e: unknown) => e instanceof StorageError && e.code === 'Compacted');
      assert.equal((await s.get('/ev/1'))?.expiresAt, ttl.expiresAt);
      // History survives: a watch from 5 replays 5..8, then gets the TTL expiry live.
      const w = collect(s, '', 5);
      await w.waitFor(5, 5000);
      assert.deepEqual(w.events.map((e) => [e.type, e.kv.key, e.kv.modRevision]), [
        ['PUT', '/a/3', 5],
        ['DELETE', '/a/3', 6],
        ['DELETE', '/a/2', 7],
        ['PUT', '/ev/1', 8],
        ['DELETE', '/ev/1', 9],
      ]);
      assert.equal(w.events[2].prevKv?.value.toString(), 'two');
      // After compacting to the very last revision (a delete), reopen keeps the counter.
      await s.compact(9);
      await s.close();
      s = await openStore({ backend: 'sqlite', path });
      assert.equal(await s.currentRevision(), 9);
      assert.equal(await s.compactedRevision(), 9);
      assert.equal((await s.create('/a/4', b('four'))).modRevision, 10);
    } finally {
      await s.close();
    }
  });

  it('deletes keys that expired while closed, at new revisions, on open', async () => {
    const path = freshPath();
    let s: Store = await openStore({ backend: 'sqlite', path });
    await s.create('/ev/short', b('x'), { ttlSeconds: 0.2 }); // 2
    await s.create('/ev/long', b('y'), { ttlSeconds: 60 }); // 3
    for (let i = 0; i < 2500; i++) await s.create(`/many/${i}`, b(String(i)), { ttlSeconds: 0.2 }); // 4..2503
    await s.close();
    await sleep(300);
    s = await openStore({ backend: 'sqlite', path });
    try {
      assert.equal(await s.currentRevision(), 2503 + 2501);
      assert.equal(await s.get('/ev/short'), undefined);
      assert.ok(await s.get('/ev/long'));
      assert.equal(await s.count('/many/'), 0);
      const w = collect(s, '/ev/', 4);
      await w.waitFor(1);
      assert.equal(w.events[0].type, 'DELETE');
      assert.equal(w.events[0].kv.key, '/ev/short');
      assert.equal(w.events[0].prevKv?.value.toString(), 'x');
      w.cancel();
      const all = collect(s, '', 2504);
      await all.waitFor(2501);
      assert.deepEqual(all.events.map((e) => e.kv.modRevision), Array.from({ length: 2501 }, (_, i) => 2504 + i));
      assert.ok(all.events.every((e) => e.type === 'DELETE' && e.prevKv));
      all.cancel();
    } finally {
      await s.close();
    }
  });

  it('reopens a large database and serves paged lists', async () => {
    const path = freshPath();
    let s = new SqliteStore({ path });
    for (let i = 0; i < 20_000; i++) await s.create(`/big/${String(i).padStart(6, '0')}`, b('v'.repeat(50)));
    await s.close();
    s = new SqliteStore({ path }); // (open time of a 100k-key file is measured in bench/storage.ts)
    try {
      assert.equal(await s.currentRevision(), 20_001);
      assert.equal(await s.count('/big/'), 20_000);
      const page = await s.list('/big/', { limit: 500, startKey: '/big/010000' });
      assert.deepEqual([page.items.length, page.count, page.more, page.items[0].key], [500, 10_000, true, '/big/010000']);
      // Reads at a past revision over many chunks of heads, with changed and deleted keys.
      const rev0 = await s.currentRevision();
      for (let i = 0; i < 6000; i += 3) await s.delete(`/big/${String(i).padStart(6, '0')}`);
      for (let i = 1; i < 6000; i += 5) if (i % 3) await s.update(`/big/${String(i).padStart(6, '0')}`, b('new'));
      const past = await s.list('/big/', { revision: rev0 });
      assert.equal(past.items.length, 20_000);
      assert.ok(past.items.every((kv) => kv.value.toString() === 'v'.repeat(50) && kv.version === 1));
      const keysNow = (await s.list('/big/')).items.map((kv) => kv.key);
      assert.equal(keysNow.length, 18_000);
      const pages: string[] = [];
      for (let start: string | undefined; ; ) {
        const l = await s.list('/big/', { revision: rev0, limit: 7000, startKey: start });
        pages.push(...l.items.map((kv) => kv.key));
        assert.equal(l.count, 20_000 - pages.length + l.items.length);
        if (!l.more) break;
        start = l.items[l.items.length - 1].key + '\0';
      }
      assert.deepEqual(pages, past.items.map((kv) => kv.key));
      const nowPaged = await s.list('/big/', { limit: 2999 });
      assert.deepEqual([nowPaged.count, nowPaged.more], [18_000, true]);
      assert.deepEqual(nowPaged.items.map((kv) => kv.key), keysNow.slice(0, 2999));
    } finally {
      await s.close();
    }
  });

  it('a second process-level owner cannot open the same file while it is open', async () => {
    const path = freshPath();
    const s = await openStore({ backend: 'sqlite', path });
    try {
      await s.create('/x', b('1'));
      // Same process, second connection: the exclusive lock makes it fail fast.
      await assert.rejects(openStore({ backend: 'sqlite', path }), (e: unknown) => e instanceof StorageError && e.code === 'Unavailable');
      assert.equal((await s.get('/x'))?.value.toString(), '1');
    } finally {
      await s.close();
    }
  });
});

// --- model check: the sqlite backend must agree with the memory backend -------------------

type Norm = { key: string; value: string; createRevision: number; modRevision: number; version: number; expiresAt?: number };
const norm = (kv: KeyValue | undefined): Norm | undefined =>
  kv && { key: kv.key, value: kv.value.toString(), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, ...(kv.expiresAt !== undefined ? { expiresAt: kv.expiresAt } : {}) };
const normEvents = (evs: WatchEvent[]) => evs.map((e) => ({ type: e.type, kv: norm(e.kv), prevKv: norm(e.prevKv) }));
async function outcome<T>(p: Promise<T>, f: (v: T) => unknown): Promise<unknown> {
  try {
    return { ok: f(await p) };
  } catch (e) {
    return { err: e instanceof StorageError ? e.code : String(e), current: e instanceof StorageError ? norm(e.current) : undefined };
  }
}

describe('sqlite model check', () => {
  it('agrees with MemoryStore on a random workload with compactions and reopens', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const path = freshPath();
    const mem = new MemoryStore();
    let sql: Store = new SqliteStore({ path });
    const memEvents: WatchEvent[] = [];
    const sqlEvents: WatchEvent[] = [];
    mem.watch('', {}, (e) => memEvents.push(...e), () => {});
    const watchSql = () => sql.watch('', {}, (e) => sqlEvents.push(...e), () => {});
    watchSql();
    const keys = Array.from({ length: 40 }, (_, i) => `/${['a', 'b', 'ab'][i % 3]}/${i % 13}`);
    try {
      for (let i = 0; i < 3000; i++) {
        const key = keys[rnd(keys.length)];
        const op = rnd(10);
        const val = b(`v${i}`);
        let r1: unknown;
        let r2: unknown;
        if (op < 4) {
          [r1, r2] = [await outcome(mem.create(key, val), norm), await outcome(sql.create(key, val), norm)];
        } else if (op < 7) {
          const cur = await mem.get(key);
          const expected = rnd(3) === 0 && cur ? cur.modRevision - rnd(2) : undefined;
          [r1, r2] = [
            await outcome(mem.update(key, val, { expectedModRevision: expected }), norm),
            await outcome(sql.update(key, val, { expectedModRevision: expected }), norm),
          ];
        } else {
          [r1, r2] = [await outcome(mem.delete(key), (d) => [norm(d.prev), d.revision]), await outcome(sql.delete(key), (d) => [norm(d.prev), d.revision])];
        }
        assert.deepEqual(r2, r1, `op ${i} on ${key}`);
        if (i % 400 === 399) {
          const cur = await mem.currentRevision();
          const c = await mem.compactedRevision();
          const to = c + 1 + rnd(cur - c);
          await mem.compact(to);
          await sql.compact(to);
        }
        if (i % 700 === 699) {
          await new Promise((r) => setImmediate(r)); // deliver pending events before closing
          await sql.close();
          sql = new SqliteStore({ path });
          watchSql();
        }
      }
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(normEvents(sqlEvents), normEvents(memEvents), 'live events');
      const cur = await mem.currentRevision();
      const compacted = await mem.compactedRevision();
      assert.equal(await sql.currentRevision(), cur);
      assert.equal(await sql.compactedRevision(), compacted);
      assert.ok(memEvents.length > 1000 && compacted > cur / 2, `workload too small: ${memEvents.length} events, compacted ${compacted}/${cur}`);
      for (let rev = compacted; rev <= cur; rev += 1 + rnd(20)) {
        for (const prefix of ['', '/a/', '/b/', '/ab/', '/a']) {
          for (const opts of [{ revision: rev }, { revision: rev, limit: 3 }, { revision: rev, limit: 2, startKey: `${prefix}5` }]) {
            const [l1, l2] = [await mem.list(prefix, opts), await sql.list(prefix, opts)];
            assert.deepEqual({ ...l2, items: l2.items.map(norm) }, { ...l1, items: l1.items.map(norm) }, `list ${prefix} ${JSON.stringify(opts)}`);
          }
          assert.equal(await sql.count(prefix), await mem.count(prefix));
        }
        for (const key of keys) assert.deepEqual(norm(await sql.get(key, { revision: rev })), norm(await mem.get(key, { revision: rev })), `get ${key}@${rev}`);
      }
      for (const start of [compacted + 1, compacted + 7, cur - 30, cur]) {
        for (const prefix of ['', '/a/', '/ab/']) {
          const [w1, w2] = [collect(mem, prefix, start), collect(sql, prefix, start)];
          const n = memEvents.filter((e) => e.kv.modRevision >= start && e.kv.key.startsWith(prefix)).length;
          await w1.waitFor(n);
          await w2.waitFor(n);
          assert.deepEqual(normEvents(w2.events), normEvents(w1.events), `watch ${prefix} from ${start}`);
          w1.cancel();
          w2.cancel();
        }
      }
    } finally {
      await mem.close();
      await sql.close();
    }
  });
});
