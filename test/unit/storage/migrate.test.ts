// Storage migration (src/storage/migrate.ts) between embedded stores, and SqliteStore.importKvs:
// exact revisions kept, refusal of a non-empty target, order-only copy with force, TTLs.
// (sqlite ⇄ etcd through `k8ts migrate-storage` is test/e2e/etcd.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, MigrationError } from '../../../src/storage/migrate.js';
import { SqliteStore } from '../../../src/storage/sqlite.js';
import { MemoryStore } from '../../../src/storage/memory.js';
import { StorageError } from '../../../src/storage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-migrate-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => SqliteStore.open({ path: join(dir, `db-${++n}.db`) });
const b = (s: string) => Buffer.from(s);

async function populated(): Promise<SqliteStore> {
  const s = await fresh();
  await s.create('/registry/configmaps/default/a', b('a1')); // 2
  await s.create('/registry/configmaps/default/b', b('b1')); // 3
  await s.update('/registry/configmaps/default/a', b('a2')); // 4
  await s.create('/registry/pods/default/p', b('pod')); // 5
  await s.delete('/registry/configmaps/default/b'); // 6
  await s.create('/registry/events/default/e', b('ev'), { ttlSeconds: 600 }); // 7
  await s.create('/other/x', b('not copied')); // 8
  return s;
}

describe('migrate (embedded stores)', () => {
  it('sqlite → sqlite keeps every revision, version and the final revision', async () => {
    const src = await populated();
    const dst = await fresh();
    const lines: string[] = [];
    try {
      const r = await migrate(src, dst, { prefix: '/registry/', log: (l) => lines.push(l) });
      assert.equal(r.keys, 3);
      assert.equal(r.revisionsPreserved, true);
      assert.deepEqual(Object.fromEntries(r.perResource), { configmaps: 1, pods: 1, events: 1 });
      assert.equal(await dst.currentRevision(), 8);
      const a = (await dst.get('/registry/configmaps/default/a'))!;
      assert.deepEqual([a.value.toString(), a.createRevision, a.modRevision, a.version], ['a2', 2, 4, 2]);
      const ev = (await dst.get('/registry/events/default/e'))!;
      assert.ok(ev.expiresAt && ev.expiresAt > Date.now() + 500_000, 'TTL kept');
      assert.equal(await dst.get('/other/x'), undefined);
      assert.ok(lines.some((l) => /verified: 3 keys copied, counts match; every resourceVersion kept/.test(l)), lines.join('\n'));
      // new writes continue above; history from before the import is compacted (clients relist)
      const c = await dst.create('/registry/configmaps/default/c', b('c'));
      assert.equal(c.modRevision, 9);
      await assert.rejects(dst.list('/registry/', { revision: 5 }), (e) => e instanceof StorageError && e.code === 'Compacted');
    } finally {
      await src.close();
      await dst.close();
    }
  });

  it('refuses a target holding keys unless forced; forced, copies in order with new revisions', async () => {
    const src = await populated();
    const dst = new MemoryStore();
    await dst.create('/registry/configmaps/default/a', b('old'));
    try {
      await assert.rejects(migrate(src, dst, { prefix: '/registry/', log: () => {} }), (e) => e instanceof MigrationError && /already holds 1 keys/.test(e.message));
      const r = await migrate(src, dst, { prefix: '/registry/', force: true, log: () => {} });
      assert.equal(r.revisionsPreserved, false);
      assert.equal((await dst.get('/registry/configmaps/default/a'))!.value.toString(), 'a2');
      const a = (await dst.get('/registry/configmaps/default/a'))!.modRevision;
      const p = (await dst.get('/registry/pods/default/p'))!.modRevision;
      const e = (await dst.get('/registry/events/default/e'))!.modRevision;
      assert.ok(a < p && p < e, 'relative order kept');
    } finally {
      await src.close();
      await dst.close();
    }
  });

  it('importKvs rejects revisions that do not ascend above the current one', async () => {
    const s = await fresh();
    try {
      const kv = (key: string, rev: number) => ({ key, value: b('v'), createRevision: rev, modRevision: rev, version: 1 });
      await assert.rejects(s.importKvs([kv('/a', 1)]), (e) => e instanceof StorageError && e.code === 'Conflict');
      await assert.rejects(s.importKvs([kv('/a', 5), kv('/b', 4)]), (e) => e instanceof StorageError && e.code === 'Conflict');
      await s.importKvs([kv('/a', 5)], 10);
      assert.equal(await s.currentRevision(), 10);
      await assert.rejects(s.importKvs([kv('/b', 12), kv('/a', 13)]), (e) => e instanceof StorageError && e.code === 'KeyExists');
      assert.equal(await s.get('/b'), undefined, 'a failed import writes nothing');
      assert.equal(await s.currentRevision(), 10);
    } finally {
      await s.close();
    }
  });
});
