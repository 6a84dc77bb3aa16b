// Runs the Store conformance suite against the sqlite backend (each store in its own file under
// a temp dir removed afterwards), plus sqlite-specific reopen tests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../../src/storage/index.js';
import { SqliteStore } from '../../../src/storage/sqlite.js';
import { StorageError, type Store } from '../../../src/storage/types.js';
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
    await s.close();
    await sleep(300);
    s = await openStore({ backend: 'sqlite', path });
    try {
      assert.equal(await s.currentRevision(), 4);
      assert.equal(await s.get('/ev/short'), undefined);
      assert.ok(await s.get('/ev/long'));
      const w = collect(s, '/ev/', 4);
      await w.waitFor(1);
      assert.equal(w.events[0].type, 'DELETE');
      assert.equal(w.events[0].kv.key, '/ev/short');
      assert.equal(w.events[0].prevKv?.value.toString(), 'x');
      w.cancel();
    } finally {
      await s.close();
    }
  });

  it('opens a 100k-key database quickly and serves it', async () => {
    const path = freshPath();
    let s = new SqliteStore({ path });
    for (let i = 0; i < 100_000; i++) await s.create(`/big/${String(i).padStart(6, '0')}`, b('v'.repeat(50)));
    await s.close();
    const t0 = performance.now();
    s = new SqliteStore({ path });
    const openMs = performance.now() - t0;
    try {
      assert.ok(openMs < 500, `open took ${openMs.toFixed(1)} ms`);
      assert.equal(await s.currentRevision(), 100_001);
      assert.equal(await s.count('/big/'), 100_000);
      const page = await s.list('/big/', { limit: 500, startKey: '/big/050000' });
      assert.deepEqual([page.items.length, page.count, page.more, page.items[0].key], [500, 50_000, true, '/big/050000']);
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
