import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../e2e/harness.js';
import type { ServerProc } from '../../e2e/harness.js';
import { ApiError, RestClient, Watcher } from '../../../src/client/rest.js';
import type { KubeObject, ListOptions, ObjectList, WatchOptions } from '../../../src/client/rest.js';
import {
  DeletedFinalStateUnknown,
  Indexer,
  Informer,
  Lister,
  NamespaceIndex,
  SharedInformerFactory,
  listPaged,
  listWatchFromClient,
  metaNamespaceIndexFunc,
  splitMetaNamespaceKey,
  waitForCacheSync,
} from '../../../src/client/informer.js';
import type { EventHandler, ListerWatcher } from '../../../src/client/informer.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

interface Obj extends KubeObject {
  data?: Record<string, string>;
}

function obj(name: string, rv: string, ns = 'ns', labels?: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, resourceVersion: rv, ...(labels ? { labels } : {}) } };
}

function list(rv: string, items: Obj[], cont?: string): ObjectList<Obj> {
  return { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) }, items };
}

function expired(rv = '1'): ApiError {
  return ApiError.fromStatus({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (100)`, reason: 'Expired', code: 410 });
}

/** A ListerWatcher the test drives: list answers come from `onList`, watches are handed to the test. */
class FakeLW implements ListerWatcher<Obj> {
  lists: ListOptions[] = [];
  watches: WatchOptions[] = [];
  watchers: Watcher<Obj>[] = [];
  onList: (o: ListOptions) => ObjectList<Obj> = () => list('1', []);
  onWatch?: (o: WatchOptions) => void;

  async list(o: ListOptions): Promise<ObjectList<Obj>> {
    const { signal: _s, ...rest } = o;
    this.lists.push(rest);
    return this.onList(rest);
  }

  async watch(o: WatchOptions): Promise<Watcher<Obj>> {
    const { signal: _s, ...rest } = o;
    this.watches.push(rest);
    this.onWatch?.(rest);
    const w = new Watcher<Obj>();
    this.watchers.push(w);
    return w;
  }

  async nthWatcher(n: number): Promise<Watcher<Obj>> {
    await waitUntil(() => this.watchers.length >= n, `watch #${n}`);
    return this.watchers[n - 1]!;
  }
}

type Ev = [string, ...unknown[]];

function recorder(): { events: Ev[]; handler: EventHandler<Obj> } {
  const events: Ev[] = [];
  return {
    events,
    handler: {
      onAdd: (o, initial) => events.push(['add', o.metadata?.name, o.metadata?.resourceVersion, initial]),
      onUpdate: (o, n) => events.push(['update', n.metadata?.name, o.metadata?.resourceVersion, n.metadata?.resourceVersion]),
      onDelete: (o) =>
        events.push(o instanceof DeletedFinalStateUnknown ? ['delete-tombstone', o.key, o.obj.metadata?.resourceVersion] : ['delete', o.metadata?.name, o.metadata?.resourceVersion]),
    },
  };
}

const fastBackoff = { backoff: { initialMs: 5, maxMs: 20, jitter: 0 } };

describe('Indexer and Lister', () => {
  it('indexes by namespace and custom functions; lists by label selector', () => {
    const idx = new Indexer<Obj>(undefined, {
      [NamespaceIndex]: metaNamespaceIndexFunc,
      byApp: (o) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []),
    });
    idx.add(obj('a', '1', 'x', { app: 'web' }));
    idx.add(obj('b', '2', 'x', { app: 'db' }));
    idx.add(obj('c', '3', 'y', { app: 'web' }));
    idx.add({ metadata: { name: 'cluster-scoped', resourceVersion: '4' } });
    assert.deepEqual(idx.listKeys().sort(), ['cluster-scoped', 'x/a', 'x/b', 'y/c']);
    assert.deepEqual(idx.byIndex('byApp', 'web').map((o) => o.metadata?.name).sort(), ['a', 'c']);
    assert.deepEqual(idx.indexKeys(NamespaceIndex, 'x').sort(), ['x/a', 'x/b']);
    assert.deepEqual(idx.listIndexFuncValues('byApp').sort(), ['db', 'web']);
    // an update moves the object between index values
    idx.update(obj('a', '5', 'x', { app: 'db' }));
    assert.deepEqual(idx.byIndex('byApp', 'db').map((o) => o.metadata?.name).sort(), ['a', 'b']);
    assert.deepEqual(idx.index('byApp', obj('q', '0', 'x', { app: 'web' })).map((o) => o.metadata?.name), ['c']);
    idx.delete(obj('c', '3', 'y'));
    assert.deepEqual(idx.byIndex('byApp', 'web'), []);
    assert.deepEqual(idx.listIndexFuncValues('byApp'), ['db']);
    // indexers added later index existing objects; duplicates are refused
    idx.addIndexers({ byName: (o) => [o.metadata!.name!] });
    assert.deepEqual(idx.byIndex('byName', 'b').map((o) => o.metadata?.namespace), ['x']);
    assert.throws(() => idx.addIndexers({ byName: () => [] }), /indexer conflict/);
    assert.throws(() => idx.byIndex('nope', 'x'), /does not exist/);
    // tombstones delete by key
    idx.delete(new DeletedFinalStateUnknown('x/b', obj('b', '2', 'x')));
    assert.equal(idx.getByKey('x/b'), undefined);

    const lister = new Lister(idx);
    assert.equal(lister.get('x', 'a')?.metadata?.resourceVersion, '5');
    assert.equal(lister.get('cluster-scoped')?.metadata?.resourceVersion, '4');
    assert.equal(lister.get('x', 'missing'), undefined);
    assert.deepEqual(lister.list('app=db').map((o) => o.metadata?.name), ['a']);
    assert.equal(lister.list().length, 2);
    assert.deepEqual(lister.namespace('x').list().map((o) => o.metadata?.name), ['a']);
    assert.deepEqual(lister.namespace('x').list('app in (web)'), []);
    assert.equal(lister.namespace('x').get('a')?.metadata?.name, 'a');
    assert.deepEqual(splitMetaNamespaceKey('ns/n'), { namespace: 'ns', name: 'n' });
    assert.deepEqual(splitMetaNamespaceKey('n'), { namespace: '', name: 'n' });
  });
});

describe('Reflector / Informer with a fake transport', () => {
  it('lists with resourceVersion=0 and limit 500, then watches from the list resourceVersion with bookmarks', async () => {
    const lw = new FakeLW();
    lw.onList = () => list('12', [obj('a', '10'), obj('b', '11')]);
    const inf = new Informer<Obj>(lw, { reflector: fastBackoff });
    const rec = recorder();
    const reg = inf.addEventHandler(rec.handler);
    assert.equal(inf.hasSynced(), false);
    inf.start();
    assert.equal(await inf.waitForSync({ timeoutMs: 2000 }), true);
    await waitUntil(() => reg.hasSynced(), 'handler synced');
    assert.deepEqual(lw.lists, [{ resourceVersion: '0', limit: 500 }]);
    const w = await lw.nthWatcher(1);
    const wo = lw.watches[0]!;
    assert.equal(wo.resourceVersion, '12');
    assert.equal(wo.allowWatchBookmarks, true);
    assert.ok(wo.timeoutSeconds! >= 300 && wo.timeoutSeconds! < 600, `timeoutSeconds ${wo.timeoutSeconds}`);
    assert.deepEqual(rec.events, [
      ['add', 'a', '10', true],
      ['add', 'b', '11', true],
    ]);
    w.push({ type: 'ADDED', object: obj('c', '13') });
    w.push({ type: 'MODIFIED', object: obj('a', '14') });
    w.push({ type: 'DELETED', object: obj('b', '15') });
    w.push({ type: 'DELETED', object: obj('never-known', '16') });
    w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });
    await waitUntil(() => rec.events.length === 5 && inf.lastSyncResourceVersion() === '20', 'watch events');
    assert.deepEqual(rec.events.slice(2), [
      ['add', 'c', '13', false],
      ['update', 'a', '10', '14'],
      ['delete', 'b', '15'],
    ]);
    assert.deepEqual(inf.lister().list().map((o) => o.metadata?.name).sort(), ['a', 'c']);
    await inf.stop();
    assert.equal(w.isStopped, true);
  });

  it('an ERROR 410 event relists from the last seen resourceVersion; vanished objects get a tombstone', async () => {
    const lw = new FakeLW();
    lw.onList = () => list('12', [obj('a', '10'), obj('b', '11')]);
    const inf = new Informer<Obj>(lw, { reflector: fastBackoff });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    inf.start();
    await inf.waitForSync();
    const w1 = await lw.nthWatcher(1);
    w1.push({ type: 'ADDED', object: obj('c', '13') });
    w1.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } });
    await waitUntil(() => inf.lastSyncResourceVersion() === '15', 'bookmark');
    // meanwhile on the server: b deleted, c modified, d created
    lw.onList = () => list('20', [obj('a', '10'), obj('c', '16'), obj('d', '17')]);
    w1.push({ type: 'ERROR', object: expired('15').status });
    const w2 = await lw.nthWatcher(2);
    assert.deepEqual(lw.lists[1], { resourceVersion: '15' }, 'relist at the last resourceVersion, unpaginated');
    assert.equal(lw.watches[1]!.resourceVersion, '20');
    await waitUntil(() => rec.events.length >= 7, 'relist events');
    assert.deepEqual(rec.events.slice(3), [
      ['update', 'a', '10', '10'], // unchanged: delivered as a resync
      ['update', 'c', '13', '16'],
      ['add', 'd', '17', false],
      ['delete-tombstone', 'ns/b', '11'],
    ]);
    assert.equal(inf.lister().get('ns', 'b'), undefined);
    assert.equal(w1.isStopped, true);
    assert.equal(w2.isStopped, false);
    await inf.stop();
  });

  it('a 410 on the relist falls back to listing the newest state (resourceVersion "")', async () => {
    const lw = new FakeLW();
    let calls = 0;
    lw.onList = (o) => {
      calls++;
      if (calls === 1) return list('12', [obj('a', '10')]);
      if (o.resourceVersion === '12') throw expired('12');
      return list('30', [obj('a', '25')]);
    };
    const inf = new Informer<Obj>(lw, { reflector: fastBackoff });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    inf.start();
    await inf.waitForSync();
    const w1 = await lw.nthWatcher(1);
    w1.push({ type: 'ERROR', object: expired('12').status });
    await lw.nthWatcher(2);
    assert.deepEqual(
      lw.lists.map((l) => l.resourceVersion),
      ['0', '12', ''],
    );
    assert.equal(lw.watches[1]!.resourceVersion, '30');
    await waitUntil(() => rec.events.length === 2, 'update from the fresh list');
    assert.deepEqual(rec.events[1], ['update', 'a', '10', '25']);
    await inf.stop();
  });

  it('a watch request refused with 410 relists after a backoff', async () => {
    const lw = new FakeLW();
    lw.onList = () => list('12', [obj('a', '10')]);
    let refuse = true;
    lw.onWatch = () => {
      if (refuse) {
        refuse = false;
        throw expired('12');
      }
    };
    const errors: unknown[] = [];
    const inf = new Informer<Obj>(lw, { reflector: { ...fastBackoff, watchErrorHandler: (e) => errors.push(e) } });
    inf.start();
    await lw.nthWatcher(1);
    assert.equal(lw.lists.length, 2);
    assert.equal(lw.lists[1]!.resourceVersion, '12');
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as ApiError).code, 410);
    await inf.stop();
  });

  it('a watch that ends normally is re-established from the last resourceVersion without a relist', async () => {
    const lw = new FakeLW();
    lw.onList = () => list('12', [obj('a', '10')]);
    const inf = new Informer<Obj>(lw, { reflector: fastBackoff });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    inf.start();
    const w1 = await lw.nthWatcher(1);
    w1.push({ type: 'MODIFIED', object: obj('a', '13') });
    w1.end(); // server timeout
    const w2 = await lw.nthWatcher(2);
    assert.equal(lw.watches[1]!.resourceVersion, '13');
    w2.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '18' } } });
    w2.end();
    await lw.nthWatcher(3);
    assert.equal(lw.watches[2]!.resourceVersion, '18');
    assert.equal(lw.lists.length, 1, 'no relist');
    assert.deepEqual(rec.events, [
      ['add', 'a', '10', true],
      ['update', 'a', '10', '13'],
    ]);
    // a watch that closes at once without events is a "very short watch": relist
    const w3 = lw.watchers[2]!;
    w3.end();
    await lw.nthWatcher(4);
    assert.equal(lw.lists.length, 2);
    assert.equal(lw.lists[1]!.resourceVersion, '18');
    await inf.stop();
  });

  it('pages the initial list; keeps paging on relists; falls back to a full list when a continue token expires', async () => {
    const lw = new FakeLW();
    let expireContinue = false;
    lw.onList = (o) => {
      if (!o.continue) return list(o.resourceVersion === '0' ? '50' : '60', [obj('a', '1'), obj('b', '2')], 'tok1');
      if (expireContinue) throw expired();
      return list('50', [obj('c', '3')]);
    };
    const inf = new Informer<Obj>(lw, { reflector: fastBackoff });
    inf.start();
    await inf.waitForSync();
    assert.deepEqual(lw.lists, [
      { resourceVersion: '0', limit: 500 },
      { resourceVersion: undefined, resourceVersionMatch: undefined, limit: 500, continue: 'tok1' },
    ]);
    assert.deepEqual(inf.lister().list().map((o) => o.metadata?.name).sort(), ['a', 'b', 'c']);
    const w1 = await lw.nthWatcher(1);
    assert.equal(lw.watches[0]!.resourceVersion, '50');
    expireContinue = true;
    lw.onList = (o) => {
      if (o.continue) throw expired();
      if (o.limit) return list('60', [obj('a', '1')], 'tok2');
      return list('61', [obj('a', '1'), obj('z', '9')]);
    };
    w1.push({ type: 'ERROR', object: expired().status });
    await lw.nthWatcher(2);
    const relist = lw.lists.slice(2);
    assert.deepEqual(relist, [
      { resourceVersion: '50', limit: 500 },
      { resourceVersion: undefined, resourceVersionMatch: undefined, limit: 500, continue: 'tok2' },
      { resourceVersion: '50', limit: undefined, continue: undefined },
    ]);
    assert.deepEqual(inf.lister().list().map((o) => o.metadata?.name).sort(), ['a', 'z']);
    assert.equal(lw.watches[1]!.resourceVersion, '61');
    await inf.stop();
  });

  it('listPaged accumulates pages and reports pagination', async () => {
    const lw = new FakeLW();
    lw.onList = (o) => (o.continue === 'p2' ? list('7', [obj('y', '2')]) : list('7', [obj('x', '1')], 'p2'));
    const r = await listPaged(lw, { resourceVersion: '' }, 1);
    assert.deepEqual(r.items.map((o) => o.metadata?.name), ['x', 'y']);
    assert.equal(r.resourceVersion, '7');
    assert.equal(r.paginated, true);
  });

  it('resync: handlers with a resync period get updates with unchanged objects; others do not', async () => {
    const lw = new FakeLW();
    lw.onList = () => list('12', [obj('a', '10'), obj('b', '11')]);
    const inf = new Informer<Obj>(lw, { resyncPeriodMs: 1000, reflector: fastBackoff });
    const withResync = recorder();
    const without = recorder();
    inf.addEventHandler(withResync.handler);
    inf.addEventHandler(without.handler, 0);
    inf.start();
    await inf.waitForSync();
    await waitUntil(() => withResync.events.filter((e) => e[0] === 'update').length >= 2, 'resync updates', 3000);
    const ups = withResync.events.filter((e) => e[0] === 'update');
    assert.deepEqual(ups.slice(0, 2).map((e) => e[1]).sort(), ['a', 'b']);
    assert.ok(ups.every((e) => e[2] === e[3]));
    assert.deepEqual(without.events.map((e) => e[0]), ['add', 'add']);
    await inf.stop();
  });

  it('a handler added after sync gets the current objects as initial adds', async () => {
    const lw = new FakeLW();
    lw.onList = () => list('12', [obj('a', '10')]);
    const inf = new Informer<Obj>(lw, { reflector: fastBackoff });
    inf.start();
    await inf.waitForSync();
    const rec = recorder();
    const reg = inf.addEventHandler(rec.handler);
    await waitUntil(() => reg.hasSynced(), 'late handler synced');
    assert.deepEqual(rec.events, [['add', 'a', '10', true]]);
    assert.equal(await waitForCacheSync(undefined, () => inf.hasSynced(), () => reg.hasSynced()), true);
    // handlers are isolated: one throwing does not stop the others
    const rec2 = recorder();
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    inf.addEventHandler(rec2.handler);
    (await lw.nthWatcher(1)).push({ type: 'ADDED', object: obj('b', '13') });
    await waitUntil(() => rec2.events.length === 2, 'second handler events');
    await inf.stop();
    assert.equal(await inf.waitForSync(), true);
  });

  it('watch-list mode: initial events until the initial-events-end bookmark replace the store', async () => {
    const lw = new FakeLW();
    const inf = new Informer<Obj>(lw, { reflector: { ...fastBackoff, useWatchList: true } });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    inf.start();
    const w = await lw.nthWatcher(1);
    assert.deepEqual(
      { ...lw.watches[0], timeoutSeconds: 0 },
      { resourceVersion: '', resourceVersionMatch: 'NotOlderThan', sendInitialEvents: true, allowWatchBookmarks: true, timeoutSeconds: 0 },
    );
    w.push({ type: 'ADDED', object: obj('a', '5') });
    w.push({ type: 'ADDED', object: obj('b', '6') });
    assert.equal(inf.hasSynced(), false);
    w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    assert.equal(await inf.waitForSync({ timeoutMs: 2000 }), true);
    w.push({ type: 'MODIFIED', object: obj('a', '10') });
    await waitUntil(() => rec.events.length === 3, 'events');
    assert.deepEqual(rec.events, [
      ['add', 'a', '5', true],
      ['add', 'b', '6', true],
      ['update', 'a', '5', '10'],
    ]);
    assert.equal(lw.lists.length, 0);
    await inf.stop();
  });
});

describe('Informer against k8ts server', () => {
  let srv: ServerProc;
  let client: RestClient;
  const NS = 'informer-test';
  const cms = { group: '', version: 'v1', resource: 'configmaps', namespace: NS };
  const gvr = { group: '', version: 'v1', resource: 'configmaps' };

  before(async () => {
    srv = await startServer();
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
    await client.create({ group: '', version: 'v1', resource: 'namespaces' }, { metadata: { name: NS } });
    await client.create(cms, { metadata: { name: 'pre-1', labels: { app: 'web' } }, data: { v: '1' } });
    await client.create(cms, { metadata: { name: 'pre-2', labels: { app: 'db' } } });
  });

  after(async () => {
    client?.destroy();
    await srv?.destroy();
  });

  it('SharedInformerFactory: one informer per resource; initial adds, then add / update / delete', async (t) => {
    const factory = new SharedInformerFactory(client, { reflector: { minWatchTimeoutMs: 2000 } });
    const inf = factory.forResource<Obj>(gvr, { indexers: { byApp: (o) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []) } });
    assert.equal(factory.forResource<Obj>(gvr), inf, 'shared');
    const rec = recorder();
    // only this test's objects (the root CA publisher puts kube-root-ca.crt into every namespace)
    const mine = (o: Obj | DeletedFinalStateUnknown<Obj>) => {
      const m = o instanceof DeletedFinalStateUnknown ? o.obj.metadata : o.metadata;
      return m?.namespace === NS && m?.name !== 'kube-root-ca.crt';
    };
    const reg = inf.addEventHandler({
      onAdd: (o, initial) => void (mine(o) && rec.handler.onAdd!(o, initial)),
      onUpdate: (o, n) => void (mine(n) && rec.handler.onUpdate!(o, n)),
      onDelete: (o) => void (mine(o) && rec.handler.onDelete!(o)),
    });
    t.after(() => factory.shutdown());
    factory.start();
    const synced = await factory.waitForCacheSync({ timeoutMs: 10_000 });
    assert.deepEqual([...synced], [['/v1/configmaps', true]]);
    await waitUntil(() => reg.hasSynced(), 'handler synced');
    assert.deepEqual(rec.events.map((e) => e.slice(0, 2).concat(e[3])).sort(), [
      ['add', 'pre-1', true],
      ['add', 'pre-2', true],
    ]);
    const lister = inf.lister();
    assert.equal(lister.get(NS, 'pre-1')?.kind, 'ConfigMap', 'list items carry kind/apiVersion');
    assert.equal(lister.get(NS, 'pre-1')?.apiVersion, 'v1');
    assert.deepEqual(lister.namespace(NS).list('app=web').map((o) => o.metadata?.name), ['pre-1']);
    assert.deepEqual(lister.byIndex('byApp', 'db').map((o) => o.metadata?.name), ['pre-2']);

    rec.events.length = 0;
    const created = await client.create<Obj>(cms, { metadata: { name: 'live', labels: { app: 'web' } } });
    await waitUntil(() => rec.events.length === 1, 'add event');
    assert.deepEqual(rec.events[0], ['add', 'live', created.metadata?.resourceVersion, false]);
    const patched = await client.patch<Obj>({ ...cms, name: 'live' }, 'merge', { metadata: { labels: { app: 'db' } } });
    await waitUntil(() => rec.events.length === 2, 'update event');
    assert.deepEqual(rec.events[1], ['update', 'live', created.metadata?.resourceVersion, patched.metadata?.resourceVersion]);
    assert.deepEqual(lister.byIndex('byApp', 'db').map((o) => o.metadata?.name).sort(), ['live', 'pre-2']);
    await client.delete({ ...cms, name: 'live' });
    await waitUntil(() => rec.events.length === 3, 'delete event');
    assert.equal(rec.events[2]![0], 'delete');
    assert.equal(rec.events[2]![1], 'live');
    assert.equal(lister.get(NS, 'live'), undefined);

    // watches time out (2-4s here) and are re-established from the last resourceVersion: no relist,
    // and nothing is missed across the gap
    const rvBefore = inf.lastSyncResourceVersion();
    await delay(4500);
    await client.create(cms, { metadata: { name: 'after-rewatch' } });
    await waitUntil(() => rec.events.length === 4, 'add after re-watch');
    assert.equal(rec.events[3]![1], 'after-rewatch');
    assert.notEqual(inf.lastSyncResourceVersion(), rvBefore);
    await factory.shutdown();
    assert.equal(inf.isStopped(), true);
  });

  it('namespace / selector scoped informer with the watch-list (sendInitialEvents) protocol', async (t) => {
    const lw = listWatchFromClient<Obj>(client, gvr, { namespace: NS, labelSelector: 'app=web' });
    const inf = new Informer<Obj>(lw, { reflector: { useWatchList: true } });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    t.after(() => inf.stop());
    inf.start();
    assert.equal(await inf.waitForSync({ timeoutMs: 10_000 }), true);
    assert.deepEqual(inf.lister().list().map((o) => o.metadata?.name), ['pre-1']);
    await client.create(cms, { metadata: { name: 'web-2', labels: { app: 'web' } } });
    await client.create(cms, { metadata: { name: 'db-2', labels: { app: 'db' } } });
    await waitUntil(() => inf.lister().list().length === 2, 'web-2 seen');
    assert.deepEqual(inf.lister().list().map((o) => o.metadata?.name).sort(), ['pre-1', 'web-2']);
    assert.deepEqual(rec.events.map((e) => [e[0], e[1], e[3]]), [
      ['add', 'pre-1', true],
      ['add', 'web-2', false],
    ]);
    await inf.stop();
  });
});
