import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/storage/memory.js';
import { Codec } from '../../../src/apiserver/storage/codec.js';
import { CacheManager } from '../../../src/apiserver/storage/watchcache.js';
import type { CacheEntry, WatchEventType } from '../../../src/apiserver/storage/watchcache.js';

const codec = new Codec();
const indexer = (o: any) => ({ labels: o.metadata?.labels, fields: { 'metadata.name': o.metadata?.name ?? '' } });
const put = (s: MemoryStore, name: string, labels: Record<string, string> = {}) =>
  s.create(`/registry/pods/ns/${name}`, codec.encode({ kind: 'Pod', metadata: { name, namespace: 'ns', labels } }, ''));

function collector() {
  const events: [WatchEventType, string, string][] = [];
  return {
    events,
    sink: {
      send(t: WatchEventType, e: CacheEntry) {
        events.push([t, e.name, JSON.parse(e.raw).metadata.resourceVersion]);
        return true;
      },
      close() {},
    },
  };
}

async function settle(mgr: CacheManager) {
  await mgr.sync();
}

test('a consistent list sees every acknowledged write', async () => {
  const store = new MemoryStore();
  const mgr = new CacheManager(store, '/registry/', codec);
  const cache = await mgr.cache('/registry/pods/', indexer);
  for (let i = 0; i < 50; i++) await put(store, `p${i}`);
  const rev = await mgr.sync();
  assert.equal(rev, await store.currentRevision());
  assert.equal(cache.items.size, 50);
  assert.deepEqual(cache.sorted().map((e) => e.name).slice(0, 3), ['p0', 'p1', 'p10']);
  // every entry carries its resourceVersion
  for (const e of cache.items.values()) assert.equal(JSON.parse(e.raw).metadata.resourceVersion, String(e.rv));
  mgr.stop();
  await store.close();
});

test('watch from a revision replays later events only; older than the window is 410', async () => {
  const store = new MemoryStore();
  const mgr = new CacheManager(store, '/registry/', codec, 5);
  const cache = await mgr.cache('/registry/pods/', indexer);
  const a = await put(store, 'a');
  const b = await put(store, 'b');
  await settle(mgr);
  const c = collector();
  const stop = cache.watch({ namespace: '', match: () => true }, c.sink, a.modRevision);
  assert.deepEqual(c.events, [['ADDED', 'b', String(b.modRevision)]]);
  await store.delete('/registry/pods/ns/a');
  await settle(mgr);
  assert.equal(c.events.length, 2);
  assert.equal(c.events[1][0], 'DELETED');
  assert.equal(c.events[1][1], 'a');
  stop();
  for (let i = 0; i < 10; i++) await put(store, `x${i}`);
  await settle(mgr);
  assert.throws(() => cache.watch({ namespace: '', match: () => true }, collector().sink, a.modRevision), (e: any) => e.code === 410 && /too old resource version/.test(e.message));
  mgr.stop();
  await store.close();
});

test('a label-filtered watch sees objects enter and leave the selection', async () => {
  const store = new MemoryStore();
  const mgr = new CacheManager(store, '/registry/', codec);
  const cache = await mgr.cache('/registry/pods/', indexer);
  const c = collector();
  cache.watch({ namespace: 'ns', match: (e) => e.labels?.app === 'web' }, c.sink, await store.currentRevision());
  const kv = await put(store, 'p', { app: 'db' });
  await store.update('/registry/pods/ns/p', codec.encode({ kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' } } }, ''), { expectedModRevision: kv.modRevision });
  const cur = await store.get('/registry/pods/ns/p');
  await store.update('/registry/pods/ns/p', codec.encode({ kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'web', v: '2' } } }, ''), { expectedModRevision: cur!.modRevision });
  const cur2 = await store.get('/registry/pods/ns/p');
  await store.update('/registry/pods/ns/p', codec.encode({ kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'db' } } }, ''), { expectedModRevision: cur2!.modRevision });
  await settle(mgr);
  assert.deepEqual(c.events.map((e) => e[0]), ['ADDED', 'MODIFIED', 'DELETED']);
  mgr.stop();
  await store.close();
});

test('waiting for a future revision times out with 504 ResourceVersionTooLarge', async () => {
  const store = new MemoryStore();
  const mgr = new CacheManager(store, '/registry/', codec);
  await mgr.start();
  await assert.rejects(mgr.waitForRevision(1000, 50), (e: any) => e.code === 504 && e.details.causes[0].reason === 'ResourceVersionTooLarge');
  mgr.stop();
  await store.close();
});

test('change listeners get the object this server encoded for its own writes, and nothing for others', async () => {
  const store = new MemoryStore();
  const c2 = new Codec();
  const mgr = new CacheManager(store, '/registry/', c2);
  const cache = await mgr.cache('/registry/pods/', indexer);
  const seen: [string, unknown][] = [];
  cache.onChange((_prev, cur) => {
    if (cur) seen.push([cur.name, cache.freshObject(cur)]);
  });
  const mine = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mine', namespace: 'ns' }, spec: { nodeName: 'n1' } };
  await store.create('/registry/pods/ns/mine', c2.encode(mine, '/registry/pods/ns/mine'));
  // bytes that were not encoded here for this key (another API server's write)
  await store.create('/registry/pods/ns/theirs', Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'theirs', namespace: 'ns' } })));
  await settle(mgr);
  assert.equal(seen.length, 2);
  assert.equal(seen[0][0], 'mine');
  assert.equal(seen[0][1], mine, 'the encoded object itself, not a parsed copy');
  assert.deepEqual(seen[1], ['theirs', undefined]);
  // outside a listener there is no fresh object
  assert.equal(cache.freshObject(cache.items.get('/registry/pods/ns/mine')!), undefined);
  mgr.stop();
  await store.close();
});
