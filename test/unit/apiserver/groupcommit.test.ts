// Group commit in the sqlite store: the writes of one event-loop turn share one transaction,
// each resolves only after that transaction committed, nothing uncommitted is visible to
// reads or watchers, a failed commit fails every write of its batch (and gives their revisions
// back), and acknowledged writes survive SIGKILL with many creates in flight.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../../src/storage/sqlite.js';
import { StorageError, type WatchEvent } from '../../../src/storage/types.js';
import { gcValue } from './groupcommit-writer.js';

const here = fileURLToPath(import.meta.url);
const isTs = here.endsWith('.ts');
const writer = join(dirname(here), isTs ? 'groupcommit-writer.ts' : 'groupcommit-writer.js');
const dir = mkdtempSync(join(tmpdir(), 'k8ts-groupcommit-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => new SqliteStore({ path: join(dir, `db-${++n}`, 'state.db') });
const b = (s: string) => Buffer.from(s);

/** Counts COMMITs of the store's group-commit transactions; fail() makes the next one throw. */
function commitSpy(s: SqliteStore) {
  const st = (s as any).stCommit;
  const spy = { commits: 0, failNext: false };
  (s as any).stCommit = {
    run() {
      if (spy.failNext) {
        spy.failNext = false;
        throw new Error('disk I/O error (injected)');
      }
      spy.commits++;
      return st.run();
    },
  };
  return spy;
}

describe('sqlite group commit', () => {
  it('concurrent writes share a transaction and resolve only after it committed', async () => {
    const s = fresh();
    const spy = commitSpy(s);
    const resolvedAfter: number[] = [];
    const ops = Array.from({ length: 100 }, (_, i) => s.create(`/g/${i}`, b(String(i))).then((kv) => (resolvedAfter.push(spy.commits), kv)));
    assert.equal(spy.commits, 0, 'no commit before the end of the turn');
    const kvs = await Promise.all(ops);
    assert.deepEqual(kvs.map((kv) => kv.modRevision), Array.from({ length: 100 }, (_, i) => i + 2));
    assert.equal(spy.commits, 1, 'one transaction for the whole turn');
    assert.ok(resolvedAfter.every((c) => c === 1));
    assert.equal(await s.currentRevision(), 101);
    await s.close();
  });

  it('reads never see uncommitted writes: the revision is the committed one, reads of written keys commit first', async () => {
    const s = fresh();
    const spy = commitSpy(s);
    await s.create('/other/x', b('x'));
    const before = await s.currentRevision();
    const commits = spy.commits;
    const p = s.create('/r/a', b('a'));
    assert.equal(await s.currentRevision(), before, 'an open batch does not move the revision readers see');
    // a list of an unrelated prefix is served from committed state without committing
    const other = await s.list('/other/');
    assert.equal(other.revision, before);
    assert.equal(other.items.length, 1);
    assert.equal(spy.commits, commits);
    // reading the written key commits the batch first
    const got = await s.get('/r/a');
    assert.equal(spy.commits, commits + 1);
    assert.equal(got?.value.toString(), 'a');
    assert.equal((await p).modRevision, before + 1);
    // so do lists and counts under its prefix
    const q = s.create('/r/b', b('b'));
    assert.equal((await s.count('/r/')), 2);
    assert.equal(spy.commits, commits + 2);
    await q;
    await s.close();
  });

  it('a failed commit fails every write of the batch and hands their revisions out again', async () => {
    const s = fresh();
    const spy = commitSpy(s);
    const events: WatchEvent[] = [];
    const w = s.watch('/f/', {}, (evs) => events.push(...evs), () => {});
    const start = await s.currentRevision();
    spy.failNext = true;
    const failed = await Promise.allSettled([s.create('/f/1', b('1')), s.create('/f/2', b('2')), s.update('/f/1', b('1b'))]);
    for (const r of failed) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof StorageError);
      assert.equal((r as PromiseRejectedResult).reason.code, 'Unavailable');
    }
    assert.equal(await s.currentRevision(), start);
    assert.equal(await s.get('/f/1'), undefined);
    // the next writes work and get the same revisions
    const ok = await Promise.all([s.create('/f/1', b('one')), s.create('/f/2', b('two'))]);
    assert.deepEqual(ok.map((kv) => kv.modRevision), [start + 1, start + 2]);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events.map((e) => [e.kv.key, e.kv.modRevision, e.kv.value.toString()]), [
      ['/f/1', start + 1, 'one'],
      ['/f/2', start + 2, 'two'],
    ]);
    w.cancel();
    await s.close();
  });

  it('a write that fails on its own (KeyExists, Conflict) leaves the rest of its batch alone', async () => {
    const s = fresh();
    const first = await s.create('/k/a', b('a'));
    const res = await Promise.allSettled([
      s.create('/k/b', b('b')),
      s.create('/k/a', b('again')),
      s.update('/k/a', b('a2'), { expectedModRevision: first.modRevision + 100 }),
      s.update('/k/a', b('a3'), { expectedModRevision: first.modRevision }),
    ]);
    assert.deepEqual(res.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    assert.equal(((res[1] as PromiseRejectedResult).reason as StorageError).code, 'KeyExists');
    assert.equal(((res[2] as PromiseRejectedResult).reason as StorageError).code, 'Conflict');
    assert.equal((await s.get('/k/a'))?.value.toString(), 'a3');
    assert.equal((await s.get('/k/a'))?.modRevision, first.modRevision + 2);
    await s.close();
  });

  it('close commits the open batch', async () => {
    const path = join(dir, `db-${++n}`, 'state.db');
    const s = new SqliteStore({ path });
    const p = s.create('/c/1', b('1'));
    await s.close();
    assert.equal((await p).modRevision, 2);
    const again = new SqliteStore({ path });
    assert.equal((await again.get('/c/1'))?.value.toString(), '1');
    await again.close();
  });

  it('every acknowledged write survives SIGKILL with 64 creates in flight', async () => {
    const path = join(dir, 'crash', 'state.db');
    for (const [tag, killAfter] of [['a', 500], ['b', 3000]] as const) {
      const acks = await new Promise<Array<{ i: number; rev: number }>>((resolve, reject) => {
        const child = spawn(process.execPath, [...(isTs ? ['--import', 'tsx'] : []), writer, path, tag], { stdio: ['ignore', 'pipe', 'pipe'] });
        const got: Array<{ i: number; rev: number }> = [];
        let buf = '';
        let stderr = '';
        let killed = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`writer did not reach ${killAfter} acks (got ${got.length}); stderr: ${stderr}`));
        }, 60_000);
        child.stderr.on('data', (d) => (stderr += d));
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const [what, a, r] = buf.slice(0, nl).split(' ');
            buf = buf.slice(nl + 1);
            if (what === 'ack') got.push({ i: Number(a), rev: Number(r) });
          }
          if (!killed && got.length >= killAfter) {
            killed = true;
            child.kill('SIGKILL');
          }
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}/${signal}; stderr: ${stderr}`));
          else resolve(got);
        });
      });
      const s = new SqliteStore({ path });
      try {
        const rev = await s.currentRevision();
        const maxAck = Math.max(...acks.map((a) => a.rev));
        assert.ok(rev >= maxAck, `revision ${rev} after an acknowledged ${maxAck}`);
        for (const a of acks) {
          const kv = await s.get(`/gc/${tag}/${a.i}`);
          assert.ok(kv, `acknowledged /gc/${tag}/${a.i} lost`);
          assert.equal(kv.modRevision, a.rev);
          assert.ok(kv.value.equals(gcValue(tag, a.i)));
        }
        // revisions are dense: whatever committed beyond the acks is whole batches, in order
        const all = (await s.list(`/gc/${tag}/`)).items.map((kv) => kv.modRevision).sort((x, y) => x - y);
        for (let k = 1; k < all.length; k++) assert.equal(all[k], all[k - 1] + 1);
      } finally {
        await s.close();
      }
    }
  });
});
