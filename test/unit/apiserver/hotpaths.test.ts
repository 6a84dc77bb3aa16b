// The cheaper hot paths give the same results as the straightforward code they replaced:
// Codec.encode's canonical JSON, the watch cache's event replay and selector DELETEDs, the
// encode-once watch lines, and the memoized content negotiation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Codec } from '../../../src/apiserver/storage/codec.js';
import { CacheManager } from '../../../src/apiserver/storage/watchcache.js';
import type { CacheEntry, WatchEventType } from '../../../src/apiserver/storage/watchcache.js';
import { jsonEventLine } from '../../../src/apiserver/endpoints/watch.js';
import { negotiate } from '../../../src/apiserver/http.js';
import type { Req } from '../../../src/apiserver/http.js';
import { MemoryStore } from '../../../src/storage/memory.js';

/** Codec.encode as it was: apiVersion, kind, metadata (without resourceVersion) first. */
function referenceEncode(obj: any): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  let meta = metadata;
  if (meta && meta.resourceVersion !== undefined) {
    const { resourceVersion: _rv, ...m } = meta;
    meta = m;
  }
  return JSON.stringify({ apiVersion, kind, metadata: meta ?? {}, ...rest });
}

test('Codec.encode: same bytes as the reference for ordered, unordered and odd objects', () => {
  const codec = new Codec();
  const objs: any[] = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'n', labels: { x: 'y' } }, spec: { containers: [{ name: 'c' }] }, status: {} },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '12' }, spec: {} },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: null }, spec: {} },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: undefined }, spec: {} },
    { kind: 'Pod', apiVersion: 'v1', spec: { a: 1 }, metadata: { name: 'b' } },
    { apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: null, data: {} },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } },
    { apiVersion: 'v1', metadata: { name: 'm' }, kind: 'X' },
    { apiVersion: undefined, kind: 'X', metadata: { name: 'm' }, z: undefined },
    { apiVersion: 'v1', kind: 'X', metadata: { name: 'm' }, 0: 'numeric key first' },
    Object.assign(Object.create({ inherited: 1 }), { apiVersion: 'v1', kind: 'X', metadata: { name: 'm' } }),
  ];
  for (const o of objs) assert.equal(codec.encode(o, '/k').toString(), referenceEncode(o), JSON.stringify(o));
});

const codec = new Codec();
const indexer = (o: any) => ({ labels: o.metadata?.labels, fields: { 'metadata.name': o.metadata?.name ?? '' } });
const put = (s: MemoryStore, name: string, labels: Record<string, string> = {}) =>
  s.create(`/registry/pods/ns/${name}`, codec.encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels } }, ''));

function collector() {
  const got: { type: WatchEventType; entry: CacheEntry }[] = [];
  return { got, sink: { send: (type: WatchEventType, entry: CacheEntry) => (got.push({ type, entry }), true), close() {} } };
}

test('watch replay from a revision inside a long window returns exactly the later events', async () => {
  const store = new MemoryStore();
  const mgr = new CacheManager(store, '/registry/', codec, 50);
  const cache = await mgr.cache('/registry/pods/', indexer);
  const revs: number[] = [];
  for (let i = 0; i < 120; i++) revs.push((await put(store, `p${i}`)).modRevision);
  await mgr.sync();
  for (const from of [revs[70], revs[70] + 0, revs[100], revs[119], revs[119] + 5]) {
    const c = collector();
    const stop = cache.watch({ namespace: '', match: () => true }, c.sink, from);
    assert.deepEqual(c.got.map((g) => g.entry.rv), revs.filter((r) => r > from));
    stop();
  }
  assert.throws(() => cache.watch({ namespace: '', match: () => true }, collector().sink, revs[10]), /too old resource version/);
  mgr.stop();
  await store.close();
});

test('an object leaving a selector is one DELETED entry (previous state at the new revision) for every watcher', async () => {
  const store = new MemoryStore();
  const mgr = new CacheManager(store, '/registry/', codec);
  const cache = await mgr.cache('/registry/pods/', indexer);
  await put(store, 'a', { app: 'web' });
  await mgr.sync();
  const sel = { namespace: 'ns', match: (e: CacheEntry) => e.labels?.app === 'web' };
  const watchers = [collector(), collector(), collector()];
  const stops = watchers.map((c) => cache.watch(sel, c.sink, undefined));
  const all = collector();
  const stopAll = cache.watch({ namespace: '', match: () => true }, all.sink, undefined);
  const kv = await store.update('/registry/pods/ns/a', codec.encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels: { app: 'db' } } }, ''));
  await mgr.sync();
  const deleted = watchers.map((c) => c.got[1]);
  for (const d of deleted) {
    assert.equal(d.type, 'DELETED');
    assert.equal(d.entry, deleted[0].entry, 'built once per event');
    assert.equal(d.entry.rv, kv.modRevision);
    const obj = JSON.parse(d.entry.raw);
    assert.equal(obj.metadata.resourceVersion, String(kv.modRevision));
    assert.deepEqual(obj.metadata.labels, { app: 'web' }, 'the state before the change');
    // the textual resourceVersion swap is what parse + re-serialise would give
    const ref = JSON.parse(watchers[0].got[0].entry.raw);
    ref.metadata.resourceVersion = String(kv.modRevision);
    assert.equal(d.entry.raw, JSON.stringify(ref));
  }
  assert.deepEqual(all.got.map((g) => g.type), ['ADDED', 'MODIFIED']);
  // a real delete carries the last state at the deletion revision
  const del = await store.delete('/registry/pods/ns/a');
  await mgr.sync();
  const last = all.got[2];
  assert.equal(last.type, 'DELETED');
  assert.equal(JSON.parse(last.entry.raw).metadata.resourceVersion, String(del.revision));
  assert.deepEqual(JSON.parse(last.entry.raw).metadata.labels, { app: 'db' });
  stops.forEach((s) => s());
  stopAll();
  mgr.stop();
  await store.close();
});

test('watch lines are encoded once per entry and type, and are the JSON event lines', () => {
  const e: CacheEntry = { key: '/k', namespace: 'ns', name: 'n', rv: 5, raw: '{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"5","name":"n"}}', labels: undefined, fields: {} };
  const a = jsonEventLine('ADDED', e);
  assert.equal(jsonEventLine('ADDED', e), a);
  assert.equal(a.toString(), `{"type":"ADDED","object":${e.raw}}\n`);
  assert.deepEqual(JSON.parse(a.toString()), { type: 'ADDED', object: JSON.parse(e.raw) });
  assert.equal(jsonEventLine('MODIFIED', e).toString(), `{"type":"MODIFIED","object":${e.raw}}\n`);
  const e2 = { ...e, raw: e.raw.replace('"n"}', '"m"}') };
  assert.equal(jsonEventLine('ADDED', e2).toString(), `{"type":"ADDED","object":${e2.raw}}\n`);
  assert.equal(jsonEventLine('ADDED', e).toString(), a.toString());
});

test('negotiate: memoized answers equal fresh ones, per allowed forms, and are not shared objects', () => {
  const req = (accept?: string) => ({ headers: accept === undefined ? {} : { accept } }) as unknown as Req;
  const accepts = [
    undefined,
    'application/json',
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json',
    'application/vnd.kubernetes.protobuf',
    'application/yaml',
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
  ];
  const forms = [{}, { table: true, partial: true }, { discovery: true }];
  for (const f of forms) {
    for (const a of accepts) {
      const first = negotiate(req(a), f);
      const second = negotiate(req(a), f);
      assert.deepEqual(second, first);
      assert.notEqual(second, first);
    }
  }
  assert.equal(negotiate(req(accepts[2]), { table: true }).kind, 'table');
  assert.equal(negotiate(req(accepts[2]), {}).kind, 'object');
  for (let k = 0; k < 2; k++) assert.throws(() => negotiate(req('text/html'), {}), /only the following media types/);
});

test('entries of this server\'s writes are indexed from the encoded object, exactly as from their JSON', async () => {
  const store = new MemoryStore();
  const c = new Codec();
  const mgr = new CacheManager(store, '/registry/', c);
  const podIndexer = (o: any) => ({
    labels: o.metadata?.labels,
    fields: { 'metadata.name': o.metadata?.name ?? '', 'spec.nodeName': String(o.spec?.nodeName ?? ''), 'status.phase': String(o.status?.phase ?? '') },
  });
  const cache = await mgr.cache('/registry/pods/', podIndexer);
  const parsedFrom = (name: string) => {
    // the entry as built from the stored JSON alone (no hint left for it)
    const e = cache.items.get(`/registry/pods/ns/${name}`)!;
    const text = c.decodeText({ key: e.key, value: c.encode(JSON.parse(e.raw), 'no-hint-for-this-key'), createRevision: 0, modRevision: e.rv, version: 1 });
    return cache.makeEntry(e.key, text, e.rv);
  };
  const objs: any[] = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' } }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'ns' }, spec: {} },
    { kind: 'Pod', apiVersion: 'v1', spec: { nodeName: 'n2' }, metadata: { labels: { a: 'b', c: 'd' }, namespace: 'ns', name: 'c' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd', namespace: 'ns', labels: { n: 5 } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e', namespace: 'ns', labels: null } },
  ];
  for (const o of objs) await store.create(`/registry/pods/ns/${o.metadata.name}`, c.encode(o, `/registry/pods/ns/${o.metadata.name}`));
  await mgr.sync();
  for (const o of objs) {
    const e = cache.items.get(`/registry/pods/ns/${o.metadata.name}`)!;
    assert.deepEqual(e, parsedFrom(o.metadata.name), o.metadata.name);
  }
  // the cache does not share the written object's labels: changing them later changes nothing
  objs[0].metadata.labels.app = 'changed';
  assert.equal(cache.items.get('/registry/pods/ns/a')!.labels!.app, 'web');
  // a hint is only used for exactly the JSON it was made for
  const key = '/registry/pods/ns/a';
  const v1 = c.encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels: { v: '1' } } }, key);
  c.encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels: { v: '2' } } }, key); // a write that failed
  await store.update(key, v1);
  await mgr.sync();
  assert.deepEqual(cache.items.get(key)!.labels, { v: '1' });
  mgr.stop();
  await store.close();
});

test('writeObject with the stored text answers the same object without serialising it again', async () => {
  const { writeObject } = await import('../../../src/apiserver/endpoints/read.js');
  const c = new Codec();
  const fakeRes = () => {
    const out: { code?: number; headers?: Record<string, unknown>; body?: string } = {};
    const res = {
      headersSent: false,
      writableEnded: false,
      getHeaderNames: () => [],
      writeHead(code: number, headers: Record<string, unknown>) {
        out.code = code;
        out.headers = headers;
      },
      end(body: string | Buffer) {
        out.body = String(body);
      },
    };
    return { res: res as any, out };
  };
  const def = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true } as any;
  const obj: any = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'n', labels: { a: 'b' } }, spec: { x: [1, 2] } };
  const { text } = c.encodeWithText(obj, '/registry/pods/n/p');
  obj.metadata.resourceVersion = '42';
  const a = fakeRes();
  writeObject(def, obj, { kind: 'object', contentType: 'application/json' }, new URLSearchParams(), a.res, 201, text);
  assert.equal(a.out.code, 201);
  assert.deepEqual(JSON.parse(a.out.body!), obj);
  assert.equal(a.out.body, '{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"42","name":"p","namespace":"n","labels":{"a":"b"}},"spec":{"x":[1,2]}}');
  assert.equal(a.out.headers!['content-length'], Buffer.byteLength(a.out.body!));
  // without the text (or for other forms) it is serialised as before
  const b = fakeRes();
  writeObject(def, obj, { kind: 'object', contentType: 'application/json' }, new URLSearchParams(), b.res, 201);
  assert.deepEqual(JSON.parse(b.out.body!), obj);
  const t = fakeRes();
  writeObject(def, obj, { kind: 'partial', contentType: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' }, new URLSearchParams(), t.res, 201, text);
  assert.equal(JSON.parse(t.out.body!).kind, 'PartialObjectMetadata');
});
