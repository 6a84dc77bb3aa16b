// Backend-independent Store conformance suite (etcd v3 semantics): every backend's test file
// calls storageSuite(name, open) with a factory returning a fresh, empty store.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StorageError, type Store, type WatchEvent } from '../../../src/storage/types.js';

const b = (s: string) => Buffer.from(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects watch deliveries; waitFor resolves once n events arrived (or rejects on timeout). */
export function collect(store: Store, prefix: string, startRevision?: number) {
  const batches: WatchEvent[][] = [];
  const events: WatchEvent[] = [];
  const errors: StorageError[] = [];
  let wake: (() => void) | undefined;
  const w = store.watch(
    prefix,
    { startRevision },
    (evs) => {
      batches.push(evs);
      events.push(...evs);
      wake?.();
    },
    (err) => {
      errors.push(err);
      wake?.();
    },
  );
  return {
    batches,
    events,
    errors,
    cancel: () => w.cancel(),
    async waitFor(n: number, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n && !errors.length) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} events (have ${events.length})`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 20); // not unref'd: the store's own timers are
        });
      }
    },
    async waitError(timeoutMs = 5000): Promise<StorageError> {
      const deadline = Date.now() + timeoutMs;
      while (!errors.length) {
        if (Date.now() > deadline) throw new Error('timed out waiting for a watch error');
        await sleep(5);
      }
      return errors[0];
    },
  };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StorageError, `expected StorageError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected StorageError ${code}, but it resolved`);
}

function revs(events: WatchEvent[]): number[] {
  return events.map((e) => e.kv.modRevision);
}

export function storageSuite(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let s: Store;
    const opened: Store[] = [];
    beforeEach(async () => {
      s = await open();
      opened.push(s);
    });
    afterEach(async () => {
      for (const st of opened.splice(0)) await st.close();
    });

    describe('revisions and writes', () => {
      it('starts at revision 1, never compacted', async () => {
        assert.equal(await s.currentRevision(), 1);
        assert.equal(await s.compactedRevision(), 0);
        assert.equal(typeof s.backend, 'string');
      });

      it('create/update/delete advance the global revision and the per-key metadata', async () => {
        const c = await s.create('/a/x', b('1'));
        assert.equal(c.createRevision, 2);
        assert.equal(c.modRevision, 2);
        assert.equal(c.version, 1);
        assert.equal(c.value.toString(), '1');
        assert.equal(c.expiresAt, undefined);
        assert.equal(await s.currentRevision(), 2);

        const c2 = await s.create('/a/y', b('y'));
        assert.equal(c2.modRevision, 3);

        const u = await s.update('/a/x', b('2'));
        assert.deepEqual([u.createRevision, u.modRevision, u.version], [2, 4, 2]);
        const u2 = await s.update('/a/x', b('3'), { expectedModRevision: 4 });
        assert.deepEqual([u2.createRevision, u2.modRevision, u2.version], [2, 5, 3]);

        const g = await s.get('/a/x');
        assert.ok(g);
        assert.deepEqual([g.key, g.value.toString(), g.createRevision, g.modRevision, g.version], ['/a/x', '3', 2, 5, 3]);

        const d = await s.delete('/a/x');
        assert.equal(d.revision, 6);
        assert.equal(d.prev.value.toString(), '3');
        assert.equal(d.prev.modRevision, 5);
        assert.equal(await s.get('/a/x'), undefined);
        assert.equal(await s.currentRevision(), 6);

        // Re-creating starts a new life: new createRevision, version 1.
        const r = await s.create('/a/x', b('again'));
        assert.deepEqual([r.createRevision, r.modRevision, r.version], [7, 7, 1]);
      });

      it('KeyExists, KeyNotFound and failed writes do not consume revisions', async () => {
        await s.create('/k', b('v'));
        const e = await rejectsWith(s.create('/k', b('w')), 'KeyExists');
        assert.equal(e.key, '/k');
        await rejectsWith(s.update('/missing', b('w')), 'KeyNotFound');
        await rejectsWith(s.delete('/missing'), 'KeyNotFound');
        assert.equal(await s.currentRevision(), 2);
        assert.equal((await s.get('/k'))!.value.toString(), 'v');
      });

      it('CAS update/delete fail with Conflict carrying the current kv', async () => {
        const c = await s.create('/cas', b('1'));
        const u = await s.update('/cas', b('2'), { expectedModRevision: c.modRevision });
        const e = await rejectsWith(s.update('/cas', b('3'), { expectedModRevision: c.modRevision }), 'Conflict');
        assert.equal(e.key, '/cas');
        assert.ok(e.current);
        assert.equal(e.current.modRevision, u.modRevision);
        assert.equal(e.current.value.toString(), '2');
        const e2 = await rejectsWith(s.delete('/cas', { expectedModRevision: c.modRevision }), 'Conflict');
        assert.equal(e2.current?.modRevision, u.modRevision);
        assert.equal(await s.currentRevision(), u.modRevision);
        const d = await s.delete('/cas', { expectedModRevision: u.modRevision });
        assert.equal(d.prev.value.toString(), '2');
      });

      it('stores a copy of the written bytes', async () => {
        const buf = b('abc');
        await s.create('/copy', buf);
        buf[0] = 0x7a;
        assert.equal((await s.get('/copy'))!.value.toString(), 'abc');
        await s.create('/empty', Buffer.alloc(0));
        assert.equal((await s.get('/empty'))!.value.length, 0);
      });

      it('concurrent writes get distinct, ordered revisions and are all watched in order', async () => {
        const w = collect(s, '/c/');
        const ops: Promise<{ modRevision: number }>[] = [];
        for (let i = 0; i < 200; i++) ops.push(s.create(`/c/${i}`, b(String(i))));
        for (let i = 0; i < 50; i++) ops.push(s.update(`/c/${i}`, b(`u${i}`)));
        const res = await Promise.all(ops);
        const got = res.map((r) => r.modRevision);
        assert.deepEqual(got, Array.from({ length: 250 }, (_, i) => i + 2));
        await w.waitFor(250);
        assert.deepEqual(revs(w.events), got);
        w.cancel();
      });
    });

    describe('get and list', () => {
      it('lists by prefix in key order with startKey/limit/count/more paging', async () => {
        const names = Array.from({ length: 25 }, (_, i) => `/p/${String(i).padStart(2, '0')}`);
        for (const n of [...names].reverse()) await s.create(n, b(n));
        await s.create('/p0', b('outside'));
        await s.create('/o/z', b('outside'));
        await s.create('/p', b('exact prefix without slash'));

        const all = await s.list('/p/');
        assert.deepEqual(
          all.items.map((k) => k.key),
          names,
        );
        assert.equal(all.count, 25);
        assert.equal(all.more, false);
        assert.equal(all.revision, await s.currentRevision());

        const p1 = await s.list('/p/', { limit: 10 });
        assert.deepEqual(p1.items.map((k) => k.key), names.slice(0, 10));
        assert.equal(p1.more, true);
        assert.equal(p1.count, 25);
        const next = p1.items[9].key + '\x00';
        const p2 = await s.list('/p/', { startKey: next, limit: 10 });
        assert.deepEqual(p2.items.map((k) => k.key), names.slice(10, 20));
        assert.equal(p2.count, 15);
        assert.equal(p2.more, true);
        const p3 = await s.list('/p/', { startKey: p2.items[9].key + '\x00', limit: 10 });
        assert.deepEqual(p3.items.map((k) => k.key), names.slice(20));
        assert.equal(p3.count, 5);
        assert.equal(p3.more, false);
        const exact = await s.list('/p/', { startKey: names[24], limit: 1 });
        assert.deepEqual([exact.items.length, exact.count, exact.more], [1, 1, false]);

        assert.equal(await s.count('/p/'), 25);
        assert.equal(await s.count('/p'), 27);
        assert.equal(await s.count('/nothing/'), 0);
        const everything = await s.list('');
        assert.equal(everything.count, 28);
        assert.deepEqual(everything.items.map((k) => k.key), [...everything.items.map((k) => k.key)].sort());
        const none = await s.list('/nothing/');
        assert.deepEqual([none.items.length, none.count, none.more], [0, 0, false]);
      });

      it('skipCount pages by limit without counting the rest, now and at a past revision', async () => {
        const names = Array.from({ length: 7 }, (_, i) => `/sc/${i}`);
        for (const n of names) await s.create(n, b(n));
        const past = await s.currentRevision();
        await s.create('/sc/9', b('later'));
        for (const revision of [undefined, past]) {
          const seen: string[] = [];
          let startKey: string | undefined;
          let pages = 0;
          for (;;) {
            const r = await s.list('/sc/', { startKey, limit: 3, revision, skipCount: true });
            pages++;
            seen.push(...r.items.map((k) => k.key));
            assert.ok(r.count >= r.items.length);
            if (!r.more) break;
            startKey = r.items[r.items.length - 1].key + '\x00';
          }
          const want = revision ? names : [...names, '/sc/9'];
          assert.deepEqual(seen, want);
          assert.equal(pages, Math.ceil(want.length / 3));
        }
        const exact = await s.list('/sc/', { startKey: '/sc/6', limit: 1, revision: past, skipCount: true });
        assert.deepEqual([exact.items.length, exact.more], [1, false]);
      });

      it('reads at a past revision until compacted; future revision is an error', async () => {
        await s.create('/h/a', b('a1'));
        await s.create('/h/b', b('b1'));
        const r1 = await s.currentRevision();
        await s.update('/h/a', b('a2'));
        await s.delete('/h/b');
        await s.create('/h/c', b('c1'));

        assert.equal((await s.get('/h/a', { revision: r1 }))!.value.toString(), 'a1');
        assert.equal((await s.get('/h/b', { revision: r1 }))!.value.toString(), 'b1');
        assert.equal(await s.get('/h/c', { revision: r1 }), undefined);
        assert.equal(await s.get('/h/a', { revision: 1 }), undefined);

        const past = await s.list('/h/', { revision: r1 });
        assert.equal(past.revision, r1);
        assert.deepEqual(past.items.map((k) => [k.key, k.value.toString(), k.modRevision]), [
          ['/h/a', 'a1', 2],
          ['/h/b', 'b1', 3],
        ]);
        assert.equal(past.count, 2);
        const pastPage = await s.list('/h/', { revision: r1, limit: 1 });
        assert.deepEqual([pastPage.items[0].key, pastPage.count, pastPage.more], ['/h/a', 2, true]);
        const pastPage2 = await s.list('/h/', { revision: r1, limit: 1, startKey: '/h/a\x00' });
        assert.deepEqual([pastPage2.items[0].key, pastPage2.count, pastPage2.more], ['/h/b', 1, false]);

        const now = await s.list('/h/');
        assert.deepEqual(now.items.map((k) => [k.key, k.value.toString()]), [
          ['/h/a', 'a2'],
          ['/h/c', 'c1'],
        ]);
        const cur = await s.currentRevision();
        await rejectsWith(s.get('/h/a', { revision: cur + 1 }), 'FutureRevision');
        await rejectsWith(s.list('/h/', { revision: cur + 5 }), 'FutureRevision');
      });
    });

    describe('compaction', () => {
      it('drops older history, keeps reads at the compaction revision, persists the revision', async () => {
        await s.create('/m/a', b('a1')); // 2
        await s.update('/m/a', b('a2')); // 3
        await s.create('/m/b', b('b1')); // 4
        await s.delete('/m/b'); // 5
        await s.create('/m/c', b('c1')); // 6
        await s.update('/m/a', b('a3')); // 7
        await s.compact(6);
        assert.equal(await s.compactedRevision(), 6);
        assert.equal(await s.currentRevision(), 7);

        const e = await rejectsWith(s.get('/m/a', { revision: 5 }), 'Compacted');
        assert.equal(e.compactRevision, 6);
        await rejectsWith(s.list('/m/', { revision: 3 }), 'Compacted');

        const at = await s.list('/m/', { revision: 6 });
        assert.deepEqual(at.items.map((k) => [k.key, k.value.toString()]), [
          ['/m/a', 'a2'],
          ['/m/c', 'c1'],
        ]);
        assert.equal((await s.get('/m/a', { revision: 6 }))!.value.toString(), 'a2');
        assert.equal(await s.get('/m/b', { revision: 6 }), undefined);
        assert.equal((await s.get('/m/a'))!.value.toString(), 'a3');
        assert.equal((await s.list('/m/')).count, 2);

        await rejectsWith(s.compact(100), 'FutureRevision');
        await rejectsWith(s.compact(3), 'Compacted');
        await s.compact(6); // idempotent

        // A watch after the compaction revision replays with prevKv from the kept versions.
        const w = collect(s, '/m/', 7);
        await w.waitFor(1);
        assert.equal(w.events[0].prevKv?.value.toString(), 'a2');
        w.cancel();

        // Compact everything, including a delete as the last write.
        await s.delete('/m/c'); // 8
        await s.compact(8);
        assert.equal(await s.currentRevision(), 8);
        assert.deepEqual((await s.list('/m/')).items.map((k) => k.key), ['/m/a']);
        assert.equal((await s.create('/m/d', b('d'))).modRevision, 9);
      });

      it('watch from a compacted revision fails asynchronously with Compacted', async () => {
        for (let i = 0; i < 5; i++) await s.create(`/wc/${i}`, b('x'));
        await s.compact(4);
        let sync = true;
        let errSeenSync = false;
        const w = s.watch(
          '/wc/',
          { startRevision: 3 },
          () => assert.fail('no events expected'),
          () => {
            if (sync) errSeenSync = true;
          },
        );
        const c = collect(s, '/wc/', 4);
        sync = false;
        const err = await c.waitError();
        assert.equal(err.code, 'Compacted');
        assert.equal(err.compactRevision, 4);
        assert.equal(errSeenSync, false);
        // Just after the compaction revision is fine.
        const ok = collect(s, '/wc/', 5);
        await ok.waitFor(2);
        assert.deepEqual(revs(ok.events), [5, 6]);
        assert.equal(ok.errors.length, 0);
        w.cancel();
        ok.cancel();
      });
    });

    describe('watch', () => {
      it('startRevision 0 delivers only future changes, asynchronously, with event shapes', async () => {
        await s.create('/w/old', b('old'));
        const w = collect(s, '/w/');
        const pc = s.create('/w/a', b('1'));
        assert.equal(w.events.length, 0, 'delivery must be asynchronous');
        const c = await pc;
        await s.update('/w/a', b('2'));
        await s.create('/other/a', b('not watched'));
        await s.delete('/w/a');
        await w.waitFor(3);
        await sleep(20);
        assert.equal(w.events.length, 3);
        const [put, upd, del] = w.events;
        assert.equal(put.type, 'PUT');
        assert.equal(put.prevKv, undefined);
        assert.deepEqual([put.kv.key, put.kv.value.toString(), put.kv.modRevision, put.kv.version], ['/w/a', '1', c.modRevision, 1]);
        assert.equal(upd.type, 'PUT');
        assert.equal(upd.kv.version, 2);
        assert.equal(upd.prevKv?.value.toString(), '1');
        assert.equal(upd.prevKv?.modRevision, c.modRevision);
        assert.equal(del.type, 'DELETE');
        assert.equal(del.kv.key, '/w/a');
        assert.equal(del.kv.value.length, 0);
        assert.equal(del.kv.createRevision, 0);
        assert.equal(del.kv.version, 0);
        assert.equal(del.kv.modRevision, upd.kv.modRevision + 2);
        assert.equal(del.prevKv?.value.toString(), '2');
        assert.equal(del.prevKv?.modRevision, upd.kv.modRevision);
        w.cancel();
      });

      it('replays history from an old revision then switches to live with no gap or duplicate', async () => {
        for (let i = 0; i < 10; i++) await s.create(`/r/${i}`, b(`v${i}`));
        await s.update('/r/3', b('v3b'));
        await s.delete('/r/4');
        const w = collect(s, '/r/', 5);
        // Writes racing with the replay: synchronously after watch(), and later.
        const racing = [s.create('/r/x', b('x')), s.update('/r/0', b('v0b'))];
        await Promise.all(racing);
        await sleep(5);
        await s.delete('/r/x');
        const end = await s.currentRevision();
        await w.waitFor(end - 5 + 1);
        await sleep(20);
        assert.deepEqual(revs(w.events), Array.from({ length: end - 5 + 1 }, (_, i) => i + 5));
        const upd = w.events.find((e) => e.kv.key === '/r/3' && e.type === 'PUT' && e.kv.version === 2)!;
        assert.equal(upd.prevKv?.value.toString(), 'v3');
        const del = w.events.find((e) => e.type === 'DELETE' && e.kv.key === '/r/4')!;
        assert.equal(del.kv.value.length, 0);
        assert.equal(del.kv.createRevision, 0);
        assert.equal(del.prevKv?.value.toString(), 'v4');
        assert.equal(w.errors.length, 0);
        w.cancel();
      });

      it('catches up over a long history while writes continue', async () => {
        const N = 5000;
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < N; i++) ops.push(s.create(`/long/${i}`, b(String(i))));
        await Promise.all(ops);
        const w = collect(s, '/long/', 2);
        for (let i = 0; i < 200; i++) {
          await s.update(`/long/${i}`, b('u'));
          if (i % 20 === 0) await new Promise((r) => setImmediate(r));
        }
        const end = await s.currentRevision();
        await w.waitFor(end - 1, 20000);
        await sleep(20);
        assert.deepEqual(revs(w.events), Array.from({ length: end - 1 }, (_, i) => i + 2));
        w.cancel();
      });

      it('a watch starting at a future revision skips earlier events', async () => {
        const cur = await s.currentRevision();
        const w = collect(s, '/f/', cur + 3);
        for (let i = 0; i < 4; i++) await s.create(`/f/${i}`, b('x'));
        await w.waitFor(2);
        await sleep(20);
        assert.deepEqual(revs(w.events), [cur + 3, cur + 4]);
        w.cancel();
      });

      it('delivers each write in one batch and stops after cancel', async () => {
        const w = collect(s, '/b/');
        await s.create('/b/1', b('1'));
        await w.waitFor(1);
        for (const batch of w.batches) assert.ok(batch.length >= 1);
        w.cancel();
        await s.create('/b/2', b('2'));
        await sleep(20);
        assert.equal(w.events.length, 1);
      });

      it('a throwing handler does not break other watchers', async () => {
        const bad = s.watch('/t/', {}, () => {
          throw new Error('boom');
        }, () => {});
        const good = collect(s, '/t/');
        await s.create('/t/1', b('1'));
        await s.create('/t/2', b('2'));
        await good.waitFor(2);
        bad.cancel();
        good.cancel();
      });
    });

    describe('TTL', () => {
      it('a key with a TTL expires with a DELETE event', async () => {
        const w = collect(s, '/ttl/');
        const t0 = Date.now();
        const c = await s.create('/ttl/e', b('event'), { ttlSeconds: 1 });
        assert.ok(c.expiresAt && c.expiresAt >= t0 + 1000 && c.expiresAt <= Date.now() + 1000);
        assert.equal((await s.get('/ttl/e'))!.expiresAt, c.expiresAt);
        await s.create('/ttl/keep', b('keep'));
        await w.waitFor(3, 5000);
        const del = w.events[2];
        assert.equal(del.type, 'DELETE');
        assert.equal(del.kv.key, '/ttl/e');
        assert.equal(del.kv.value.length, 0);
        assert.equal(del.prevKv?.value.toString(), 'event');
        assert.ok(Date.now() >= c.expiresAt!);
        assert.equal(await s.get('/ttl/e'), undefined);
        assert.ok(await s.get('/ttl/keep'));
        assert.equal(await s.currentRevision(), del.kv.modRevision);
        w.cancel();
      });

      it('an update without ttlSeconds clears the TTL; with one it resets it', async () => {
        await s.create('/ttl2/a', b('1'), { ttlSeconds: 0.3 });
        const u = await s.update('/ttl2/a', b('2'));
        assert.equal(u.expiresAt, undefined);
        assert.equal((await s.get('/ttl2/a'))!.expiresAt, undefined);
        const cb = await s.create('/ttl2/b', b('1'), { ttlSeconds: 0.3 });
        const ub = await s.update('/ttl2/b', b('2'), { ttlSeconds: 30 });
        assert.ok(ub.expiresAt! > cb.expiresAt!);
        assert.equal((await s.get('/ttl2/b'))!.expiresAt, ub.expiresAt);
        await sleep(800); // well past the original expiries
        assert.ok(await s.get('/ttl2/a'), 'TTL was cleared by the update');
        assert.ok(await s.get('/ttl2/b'), 'TTL was replaced by the update');
      });

      it('a deleted or re-created key is not expired by a stale TTL', async () => {
        await s.create('/ttl3/a', b('1'), { ttlSeconds: 0.3 });
        await s.delete('/ttl3/a');
        await s.create('/ttl3/a', b('2'));
        const before = await s.currentRevision();
        await sleep(500);
        assert.equal((await s.get('/ttl3/a'))!.value.toString(), '2');
        assert.equal(await s.currentRevision(), before);
      });
    });

    describe('close', () => {
      it('ends watches, rejects further calls, is idempotent', async () => {
        const st = await open();
        opened.push(st);
        await st.create('/x', b('1'), { ttlSeconds: 3600 }); // its timer must not keep the process alive
        const w = collect(st, '/');
        await st.close();
        const err = await w.waitError();
        assert.equal(err.code, 'Unavailable');
        await rejectsWith(st.get('/x'), 'Unavailable');
        await rejectsWith(st.create('/y', b('1')), 'Unavailable');
        await rejectsWith(st.currentRevision(), 'Unavailable');
        const late = collect(st, '/');
        assert.equal((await late.waitError()).code, 'Unavailable');
        await st.close();
      });
    });
  });
}
