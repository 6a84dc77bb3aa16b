// E2E: the official JavaScript client (@kubernetes/client-node) as a second real client of
// `k8ts server`: CRUD with the typed CoreV1Api (merge, JSON and strategic merge patches with
// their content types), list selectors and paging, Watch (ordered events, bookmarks, resume
// from a resourceVersion), the ListWatch informer and its cache. Plus raw HTTP/2 watches for
// upstream's answers to a too-old resourceVersion (410 Expired as an ERROR event) and to
// sendInitialEvents (initial ADDED events, then a BOOKMARK annotated initial-events-end).
//
// One server for the whole file; every test works in its own namespace.
// Run: npx tsc -p tsconfig.json && node --import tsx --test test/e2e/client-node.test.ts

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import https from 'node:https';
import { H2Client, ROOT_CA_CONFIGMAP, loadCreds, startServer, waitForNamespaceDefaults, type H2WatchEvent, type ServerProc } from './harness.js';

let srv: ServerProc;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let h2: H2Client;
let nsSeq = 0;
/** per-test limit: a hung watch fails its test instead of the run */
const T = { timeout: 30_000 };

before(async () => {
  srv = await startServer();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(srv.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  h2 = H2Client.fromKubeconfig(srv.kubeconfig);
});

after(async () => {
  h2?.close();
  await srv?.destroy();
});

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * A fresh namespace, returned once the controllers have given it its `default` ServiceAccount
 * and `kube-root-ca.crt` ConfigMap (as upstream's e2e framework waits for them): every list and
 * watch of its configmaps then includes kube-root-ca.crt, deterministically.
 */
async function newNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsSeq}`;
  const ns = await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  assert.equal(ns.metadata?.name, name);
  await waitForNamespaceDefaults(h2, name);
  return name;
}

function cm(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): k8s.V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

/** The ApiException of a failing call, with its Status body parsed. */
async function apiError(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof k8s.ApiException, `expected an ApiException, got ${e}`);
    const err = e as k8s.ApiException<unknown>;
    let status: any = err.body;
    if (typeof status === 'string') {
      try {
        status = JSON.parse(status);
      } catch {
        /* keep the text */
      }
    }
    return { code: err.code, status };
  }
  assert.fail('expected the call to fail');
}

function rvNum(o: { metadata?: { resourceVersion?: string } } | undefined): number {
  const rv = o?.metadata?.resourceVersion;
  assert.ok(rv && /^\d+$/.test(rv), `resourceVersion ${rv} is not a number`);
  return Number(rv);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Seen {
  type: string;
  name?: string;
  rv: string | undefined;
  obj: any;
}

/**
 * A client-node Watch collecting events; `done` resolves when the watch ends. Not awaited on
 * the response headers (Watch.watch() resolves only once they arrive), so a server that holds
 * them back until the first event does not deadlock the test; that is checked on its own.
 */
function startWatch(path: string, query: Record<string, string | number | boolean | undefined>) {
  const events: Seen[] = [];
  let doneErr: unknown = 'open';
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const w = new k8s.Watch(kc);
  const ctrl = w.watch(
    path,
    query,
    (type, obj) => events.push({ type, name: obj?.metadata?.name, rv: obj?.metadata?.resourceVersion, obj }),
    (err) => {
      doneErr = err;
      resolveDone();
    },
  );
  ctrl.catch(() => {});
  return {
    events,
    done,
    get error() {
      return doneErr;
    },
    abort: () => void ctrl.then((c) => c.abort(), () => {}),
  };
}

/** Give a watch that was just opened time to be registered by the server. */
const settle = () => sleep(200);

// ---------------------------------------------------------------------------------------------

describe('CoreV1Api CRUD', () => {
  test('bodies without apiVersion/kind (as in the client-node README) take them from the URL', T, async () => {
    // upstream's decoder defaults a missing kind/apiVersion to the endpoint's
    const ns = await core.createNamespace({ body: { metadata: { name: 'readme-example' } } });
    assert.equal(ns.kind, 'Namespace');
    assert.equal(ns.apiVersion, 'v1');
    assert.equal(ns.metadata?.name, 'readme-example');
    const c = await core.createNamespacedConfigMap({ namespace: 'readme-example', body: { metadata: { name: 'c' }, data: { a: 'b' } } });
    assert.equal(c.kind, 'ConfigMap');
    assert.deepEqual(c.data, { a: 'b' });
    const r = await core.replaceNamespacedConfigMap({ namespace: 'readme-example', name: 'c', body: { metadata: { name: 'c' }, data: { a: 'c' } } });
    assert.deepEqual(r.data, { a: 'c' });
    // a kind that does not match the endpoint is still rejected
    const wrong = await apiError(core.createNamespacedConfigMap({ namespace: 'readme-example', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'd' } } as any }));
    assert.equal(wrong.code, 400);
  });

  test('create, read, list, replace, delete a ConfigMap', T, async () => {
    const namespace = await newNamespace('crud');
    const created = await core.createNamespacedConfigMapWithHttpInfo({ namespace, body: cm('one', { a: '1' }, { app: 'x' }) });
    assert.equal(created.httpStatusCode, 201);
    const c1 = created.data;
    assert.equal(c1.metadata?.name, 'one');
    assert.equal(c1.metadata?.namespace, namespace);
    assert.match(c1.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(c1.metadata?.creationTimestamp instanceof Date);
    const rv1 = rvNum(c1);

    const got = await core.readNamespacedConfigMap({ namespace, name: 'one' });
    assert.deepEqual(got.data, { a: '1' });
    assert.equal(got.metadata?.uid, c1.metadata?.uid);
    assert.equal(got.metadata?.resourceVersion, c1.metadata?.resourceVersion);

    const list = await core.listNamespacedConfigMap({ namespace });
    assert.equal(list.kind, 'ConfigMapList');
    assert.deepEqual(list.items.map((i) => i.metadata?.name), [ROOT_CA_CONFIGMAP, 'one'], 'with the namespace\'s kube-root-ca.crt');
    assert.ok(rvNum(list) >= rv1);

    // duplicate create: 409 AlreadyExists
    const dup = await apiError(core.createNamespacedConfigMap({ namespace, body: cm('one') }));
    assert.equal(dup.code, 409);
    assert.equal(dup.status.reason, 'AlreadyExists');

    // replace (PUT) with the current resourceVersion
    const toReplace = { ...got, data: { a: '2', b: '3' } };
    const replaced = await core.replaceNamespacedConfigMap({ namespace, name: 'one', body: toReplace });
    assert.deepEqual(replaced.data, { a: '2', b: '3' });
    assert.ok(rvNum(replaced) > rv1, 'replace bumps the resourceVersion');
    assert.equal(replaced.metadata?.uid, c1.metadata?.uid);

    // replace with the stale resourceVersion: 409 Conflict
    const stale = await apiError(core.replaceNamespacedConfigMap({ namespace, name: 'one', body: { ...got, data: { a: 'stale' } } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    assert.match(stale.status.message, /the object has been modified; please apply your changes to the latest version and try again/);

    // delete: the client gets the Status (or object) back; then 404
    await core.deleteNamespacedConfigMap({ namespace, name: 'one' });
    const gone = await apiError(core.readNamespacedConfigMap({ namespace, name: 'one' }));
    assert.equal(gone.code, 404);
    assert.equal(gone.status.reason, 'NotFound');
    assert.equal(gone.status.message, 'configmaps "one" not found');
    assert.deepEqual(gone.status.details, { name: 'one', kind: 'configmaps' });
    const notThere = await apiError(core.deleteNamespacedConfigMap({ namespace, name: 'one' }));
    assert.equal(notThere.code, 404);
  });

  test('merge patch (application/merge-patch+json) via setHeaderOptions', T, async () => {
    const namespace = await newNamespace('merge');
    const c = await core.createNamespacedConfigMap({ namespace, body: cm('m', { keep: 'k', drop: 'd' }, { a: '1' }) });
    const patched = await core.patchNamespacedConfigMap(
      { namespace, name: 'm', body: { metadata: { labels: { b: '2', a: null } }, data: { drop: null, add: 'x' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { keep: 'k', add: 'x' });
    assert.deepEqual(patched.metadata?.labels, { b: '2' });
    assert.ok(rvNum(patched) > rvNum(c));
    // the change is stored
    const got = await core.readNamespacedConfigMap({ namespace, name: 'm' });
    assert.deepEqual(got.data, { keep: 'k', add: 'x' });
    assert.equal(got.metadata?.resourceVersion, patched.metadata?.resourceVersion);

    // merge patch with a stale resourceVersion precondition: 409
    const conflict = await apiError(
      core.patchNamespacedConfigMap(
        { namespace, name: 'm', body: { metadata: { resourceVersion: c.metadata!.resourceVersion }, data: { x: 'y' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    assert.equal(conflict.code, 409);
    assert.equal(conflict.status.reason, 'Conflict');

    // patch of a missing object: 404
    const missing = await apiError(
      core.patchNamespacedConfigMap({ namespace, name: 'nope', body: { data: { a: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)),
    );
    assert.equal(missing.code, 404);
  });

  test('JSON patch (application/json-patch+json): ops applied in order; a failing test op is 422', T, async () => {
    const namespace = await newNamespace('jsonpatch');
    await core.createNamespacedConfigMap({ namespace, body: cm('j', { k1: 'v1', k2: 'v2' }) });
    const ops = [
      { op: 'test', path: '/data/k1', value: 'v1' },
      { op: 'add', path: '/data/k3', value: 'v3' },
      { op: 'remove', path: '/data/k1' },
      { op: 'replace', path: '/data/k2', value: 'v2b' },
      { op: 'add', path: '/metadata/labels', value: { patched: 'yes' } },
    ];
    const patched = await core.patchNamespacedConfigMap({ namespace, name: 'j', body: ops }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
    assert.deepEqual(patched.data, { k2: 'v2b', k3: 'v3' });
    assert.deepEqual(patched.metadata?.labels, { patched: 'yes' });

    const failed = await apiError(
      core.patchNamespacedConfigMap(
        { namespace, name: 'j', body: [{ op: 'test', path: '/data/k2', value: 'other' }, { op: 'remove', path: '/data/k2' }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      ),
    );
    assert.equal(failed.code, 422);
    // nothing was applied
    const got = await core.readNamespacedConfigMap({ namespace, name: 'j' });
    assert.deepEqual(got.data, { k2: 'v2b', k3: 'v3' });
    assert.equal(got.metadata?.resourceVersion, patched.metadata?.resourceVersion);
  });

  test('strategic merge patch of a Pod merges containers by name', T, async () => {
    const namespace = await newNamespace('smp');
    const pod: k8s.V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'a', image: 'nginx:1.25' },
          { name: 'b', image: 'busybox:1.36', command: ['sleep', '3600'] },
        ],
      },
    };
    const created = await core.createNamespacedPodWithHttpInfo({ namespace, body: pod });
    assert.equal(created.httpStatusCode, 201);
    assert.equal(created.data.status?.phase, 'Pending');
    const patched = await core.patchNamespacedPod(
      { namespace, name: 'p', body: { metadata: { labels: { tier: 'fe' } }, spec: { containers: [{ name: 'b', image: 'busybox:1.37' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(
      patched.spec?.containers.map((c) => [c.name, c.image]),
      [
        ['a', 'nginx:1.25'],
        ['b', 'busybox:1.37'],
      ],
    );
    assert.deepEqual(patched.spec?.containers[1].command, ['sleep', '3600']);
    // the ServiceAccount admission plugin's token mount (added at create) is kept by the merge
    const tokenVolume = created.data.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'))?.name;
    assert.ok(tokenVolume, `no kube-api-access volume in ${JSON.stringify(created.data.spec?.volumes)}`);
    assert.equal(created.data.spec?.serviceAccountName, 'default');
    for (const c of patched.spec?.containers ?? []) {
      const mounts = (c.volumeMounts ?? []).map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: m.readOnly }));
      assert.deepEqual(mounts, [{ name: tokenVolume, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }], c.name);
    }
    assert.deepEqual(patched.metadata?.labels, { app: 'web', tier: 'fe' });
    // the same body as a JSON merge patch replaces the whole list (and is then invalid:
    // a pod's container list cannot change) — upstream answers 422
    const merge = await apiError(
      core.patchNamespacedPod(
        { namespace, name: 'p', body: { spec: { containers: [{ name: 'b', image: 'busybox:1.38' }] } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    assert.equal(merge.code, 422);
    assert.equal(merge.status.reason, 'Invalid');
    await core.deleteNamespacedPod({ namespace, name: 'p', gracePeriodSeconds: 0 });
  });
});

describe('list options', () => {
  test('labelSelector and fieldSelector', T, async () => {
    const namespace = await newNamespace('sel');
    for (let i = 0; i < 6; i++) {
      await core.createNamespacedConfigMap({ namespace, body: cm(`cm-${i}`, { i: String(i) }, { tier: i % 2 ? 'odd' : 'even', ...(i < 2 ? { first: 'true' } : {}) }) });
    }
    const names = async (q: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedConfigMap({ namespace, ...q })).items.map((i) => i.metadata?.name);
    assert.deepEqual(await names({ labelSelector: 'tier=odd' }), ['cm-1', 'cm-3', 'cm-5']);
    assert.deepEqual(await names({ labelSelector: 'tier in (even),!first' }), ['cm-2', 'cm-4']);
    assert.deepEqual(await names({ labelSelector: 'first' }), ['cm-0', 'cm-1']);
    assert.deepEqual(await names({ labelSelector: 'tier!=odd,first=true' }), ['cm-0']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name=cm-3' }), ['cm-3']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name!=cm-3', labelSelector: 'tier=odd' }), ['cm-1', 'cm-5']);
    assert.deepEqual(await names({ fieldSelector: `metadata.namespace=${namespace},metadata.name=cm-0` }), ['cm-0']);

    const badLabel = await apiError(core.listNamespacedConfigMap({ namespace, labelSelector: 'tier in odd' }));
    assert.equal(badLabel.code, 400);
    const badField = await apiError(core.listNamespacedConfigMap({ namespace, fieldSelector: 'data.i=1' }));
    assert.equal(badField.code, 400);
    assert.match(badField.status.message, /field label not supported: data\.i/);

    // pods: status.phase and spec.nodeName are selectable fields
    await core.createNamespacedPod({ namespace, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    const pending = await core.listNamespacedPod({ namespace, fieldSelector: 'status.phase=Pending,spec.nodeName=' });
    assert.deepEqual(pending.items.map((p) => p.metadata?.name), ['p1']);
    const running = await core.listNamespacedPod({ namespace, fieldSelector: 'status.phase=Running' });
    assert.deepEqual(running.items, []);
  });

  test('limit and continue page through everything exactly once, in name order', T, async () => {
    const namespace = await newNamespace('page');
    // the namespace's kube-root-ca.crt sorts first: 12 objects, 3 pages of 4
    const want: string[] = [ROOT_CA_CONFIGMAP];
    for (let i = 0; i < 11; i++) {
      const name = `p-${String(i).padStart(2, '0')}`;
      want.push(name);
      await core.createNamespacedConfigMap({ namespace, body: cm(name, { i: String(i) }) });
    }
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    let firstRV: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace, limit: 4, _continue: cont });
      pages++;
      assert.ok(page.items.length <= 4);
      seen.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata?._continue || undefined;
      if (pages === 1) {
        firstRV = page.metadata?.resourceVersion;
        assert.ok(cont, 'first page has a continue token');
        assert.equal(page.metadata?.remainingItemCount, 8);
      }
      // every page reports the resourceVersion of the first (a consistent snapshot)
      assert.equal(page.metadata?.resourceVersion, firstRV);
      // changes after the first page do not show up in later pages
      if (pages === 1) await core.createNamespacedConfigMap({ namespace, body: cm('p-05a') });
    } while (cont && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, want);

    // an invalid continue token: 400
    const bad = await apiError(core.listNamespacedConfigMap({ namespace, limit: 4, _continue: 'not-a-token' }));
    assert.equal(bad.code, 400);
    // with the selector the pages hold only matches
    const sel = await core.listNamespacedConfigMap({ namespace, limit: 2, fieldSelector: `metadata.name!=p-00,metadata.name!=${ROOT_CA_CONFIGMAP}` });
    assert.deepEqual(sel.items.map((i) => i.metadata?.name), ['p-01', 'p-02']);
    assert.ok(sel.metadata?._continue);
  });
});

describe('Watch', () => {
  test('ADDED, MODIFIED, DELETED in order, from the list resourceVersion', T, async () => {
    const namespace = await newNamespace('watch');
    await core.createNamespacedConfigMap({ namespace, body: cm('before') });
    const list = await core.listNamespacedConfigMap({ namespace });
    const w = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: list.metadata!.resourceVersion });
    await settle();
    try {
      const a = await core.createNamespacedConfigMap({ namespace, body: cm('w', { v: '1' }) });
      const b = await core.patchNamespacedConfigMap({ namespace, name: 'w', body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace, name: 'w' });
      await until('3 events', () => w.events.length >= 3);
      await sleep(100);
      assert.deepEqual(
        w.events.map((e) => [e.type, e.name]),
        [
          ['ADDED', 'w'],
          ['MODIFIED', 'w'],
          ['DELETED', 'w'],
        ],
      );
      assert.equal(w.events[0].rv, a.metadata?.resourceVersion);
      assert.equal(w.events[1].rv, b.metadata?.resourceVersion);
      assert.deepEqual(w.events[1].obj.data, { v: '2' });
      assert.ok(Number(w.events[2].rv) > Number(w.events[1].rv), 'DELETED carries the deletion resourceVersion');
      assert.equal(w.events[0].obj.kind, 'ConfigMap');
      assert.equal(w.events[0].obj.apiVersion, 'v1');
    } finally {
      w.abort();
    }
  });

  test('resourceVersion "0" / unset start with the current state as ADDED', T, async () => {
    const namespace = await newNamespace('watch0');
    await core.createNamespacedConfigMap({ namespace, body: cm('x') });
    await core.createNamespacedConfigMap({ namespace, body: cm('y') });
    for (const rv of ['0', undefined]) {
      const w = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: rv });
      await settle();
      const current = (await core.listNamespacedConfigMap({ namespace })).items.map((i) => i.metadata!.name!);
      try {
        await until(`${current.length} events`, () => w.events.length >= current.length);
        assert.deepEqual(
          w.events.map((e) => [e.type, e.name]).sort(),
          current.map((n) => ['ADDED', n]).sort(),
        );
        await core.createNamespacedConfigMap({ namespace, body: cm(`z${rv ?? 'u'}`) });
        await until('the new object', () => w.events.length > current.length);
        assert.deepEqual([w.events[current.length].type, w.events[current.length].name], ['ADDED', `z${rv ?? 'u'}`]);
      } finally {
        w.abort();
      }
    }
  });

  test('allowWatchBookmarks: a BOOKMARK with the current resourceVersion before a timeoutSeconds watch ends', T, async () => {
    const namespace = await newNamespace('bookmark');
    const list = await core.listNamespacedConfigMap({ namespace });
    const w = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, {
      resourceVersion: list.metadata!.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: 4,
    });
    await settle();
    const created = await core.createNamespacedConfigMap({ namespace, body: cm('b') });
    const t0 = Date.now();
    await Promise.race([w.done, sleep(10000)]);
    assert.ok(Date.now() - t0 < 9000, 'the watch ends after timeoutSeconds');
    assert.equal(w.error, null, 'the server closed the watch normally');
    assert.deepEqual([w.events[0]?.type, w.events[0]?.name], ['ADDED', 'b']);
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
    assert.ok(bookmarks.length >= 1, `expected a BOOKMARK, got ${JSON.stringify(w.events.map((e) => e.type))}`);
    const bm = bookmarks[bookmarks.length - 1].obj;
    assert.equal(bm.kind, 'ConfigMap');
    assert.equal(bm.apiVersion, 'v1');
    assert.ok(Number(bm.metadata.resourceVersion) >= Number(created.metadata!.resourceVersion));
    assert.equal(bm.metadata.name, undefined, 'a bookmark carries only the resourceVersion');
    // bookmarks never come without allowWatchBookmarks
    const w2 = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: created.metadata!.resourceVersion, timeoutSeconds: 2 });
    await settle();
    await Promise.race([w2.done, sleep(6000)]);
    assert.equal(w2.error, null);
    assert.deepEqual(w2.events.map((e) => e.type), []);
  });

  test('resume after a reconnect from the last resourceVersion seen: only later events, none lost', T, async () => {
    const namespace = await newNamespace('resume');
    const list = await core.listNamespacedConfigMap({ namespace });
    const w1 = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: list.metadata!.resourceVersion });
    await settle();
    await core.createNamespacedConfigMap({ namespace, body: cm('r1') });
    await core.createNamespacedConfigMap({ namespace, body: cm('r2') });
    await until('2 events', () => w1.events.length >= 2);
    w1.abort();
    await Promise.race([w1.done, sleep(2000)]);
    const lastRV = w1.events[w1.events.length - 1].rv!;
    // changes while disconnected
    await core.createNamespacedConfigMap({ namespace, body: cm('r3') });
    await core.replaceNamespacedConfigMap({ namespace, name: 'r1', body: { ...(await core.readNamespacedConfigMap({ namespace, name: 'r1' })), data: { changed: 'yes' } } });
    await core.deleteNamespacedConfigMap({ namespace, name: 'r2' });
    const w2 = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: lastRV });
    await settle();
    try {
      await until('3 replayed events', () => w2.events.length >= 3);
      await core.createNamespacedConfigMap({ namespace, body: cm('r4') });
      await until('the live event', () => w2.events.length >= 4);
      await sleep(100);
      assert.deepEqual(
        w2.events.map((e) => [e.type, e.name]),
        [
          ['ADDED', 'r3'],
          ['MODIFIED', 'r1'],
          ['DELETED', 'r2'],
          ['ADDED', 'r4'],
        ],
      );
      const rvs = w2.events.map((e) => Number(e.rv));
      assert.ok(rvs.every((rv, i) => rv > Number(lastRV) && (i === 0 || rv > rvs[i - 1])), `increasing resourceVersions: ${rvs}`);
    } finally {
      w2.abort();
    }
  });

  test('a label-selected watch sees objects entering and leaving the selector', T, async () => {
    const namespace = await newNamespace('wsel');
    const list = await core.listNamespacedConfigMap({ namespace });
    const w = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'app=x' });
    await settle();
    try {
      await core.createNamespacedConfigMap({ namespace, body: cm('out', {}, { app: 'y' }) });
      await core.createNamespacedConfigMap({ namespace, body: cm('in', {}, { app: 'x' }) });
      const mp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      await core.patchNamespacedConfigMap({ namespace, name: 'out', body: { metadata: { labels: { app: 'x' } } } }, mp);
      await core.patchNamespacedConfigMap({ namespace, name: 'in', body: { metadata: { labels: { app: 'z' } } } }, mp);
      await until('3 events', () => w.events.length >= 3);
      await sleep(100);
      assert.deepEqual(
        w.events.map((e) => [e.type, e.name]),
        [
          ['ADDED', 'in'],
          ['ADDED', 'out'],
          ['DELETED', 'in'],
        ],
      );
    } finally {
      w.abort();
    }
  });
});

describe('informer (ListWatch)', () => {
  test('add/update/delete callbacks and a cache that matches the server list', T, async () => {
    const namespace = await newNamespace('informer');
    await core.createNamespacedConfigMap({ namespace, body: cm('pre-1', { v: '1' }) });
    await core.createNamespacedConfigMap({ namespace, body: cm('pre-2', { v: '1' }) });
    const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace }));
    const log: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => log.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => log.push(`update ${o.metadata?.name} ${o.data?.v}`));
    informer.on('delete', (o) => log.push(`delete ${o.metadata?.name}`));
    informer.on('error', (e) => errors.push(e));
    // start() resolves once the watch's response headers arrive; not awaited here (that is
    // checked by its own test), the initial list's adds come first either way
    const started = informer.start();
    started.catch((e) => errors.push(e));
    try {
      // the initial list: the two ConfigMaps and the namespace's kube-root-ca.crt
      await until('initial adds', () => log.length >= 3);
      assert.deepEqual([...log].sort(), [`add ${ROOT_CA_CONFIGMAP}`, 'add pre-1', 'add pre-2']);
      const mp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace, body: cm(`n-${i}`, { v: '1' }) });
      await core.patchNamespacedConfigMap({ namespace, name: 'n-1', body: { data: { v: '2' } } }, mp);
      await core.patchNamespacedConfigMap({ namespace, name: 'pre-1', body: { data: { v: '3' } } }, mp);
      await core.deleteNamespacedConfigMap({ namespace, name: 'n-3' });
      await core.deleteNamespacedConfigMap({ namespace, name: 'pre-2' });
      await until('all events', () => log.length >= 12);
      await sleep(150);
      assert.deepEqual(log.slice(3), ['add n-0', 'add n-1', 'add n-2', 'add n-3', 'add n-4', 'update n-1 2', 'update pre-1 3', 'delete n-3', 'delete pre-2']);
      assert.deepEqual(errors, []);

      const server = await core.listNamespacedConfigMap({ namespace });
      const view = (items: readonly k8s.V1ConfigMap[]) => items.map((i) => `${i.metadata?.name}@${i.metadata?.resourceVersion}`).sort();
      assert.deepEqual(view(informer.list(namespace)), view(server.items));
      assert.deepEqual(server.items.map((i) => i.metadata?.name), [ROOT_CA_CONFIGMAP, 'n-0', 'n-1', 'n-2', 'n-4', 'pre-1']);
      assert.equal(informer.get('n-1', namespace)?.data?.v, '2');
      assert.equal(informer.get('n-3', namespace), undefined);
      assert.ok(Number((informer as unknown as k8s.ListWatch<k8s.V1ConfigMap>).latestResourceVersion()) >= Math.max(...server.items.map((i) => Number(i.metadata?.resourceVersion))));
    } finally {
      await informer.stop();
    }
  });
});

describe('watch response headers', () => {
  test('informer.start() resolves before any change happens (the watch answers at once)', T, async () => {
    const namespace = await newNamespace('informer-start');
    const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace }));
    try {
      const r = await Promise.race([informer.start().then(() => 'started'), sleep(5000).then(() => 'still waiting after 5 s')]);
      assert.equal(r, 'started');
    } finally {
      await informer.stop();
    }
  });

  test('over HTTP/1.1 the 200 and headers of a watch are sent before the first event', T, async () => {
    // upstream flushes the headers as soon as the watch is registered; clients (client-node's
    // Watch, client-go) wait for them before they consider the watch established
    const creds = loadCreds(srv.kubeconfig);
    const u = new URL(creds.server);
    const t0 = Date.now();
    const got = await new Promise<{ status: number; ms: number }>((resolveRes, reject) => {
      const req = https.request(
        { host: u.hostname, port: u.port, path: '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0&timeoutSeconds=4&fieldSelector=metadata.name%3Dnothing-here', ca: creds.ca, cert: creds.cert, key: creds.key, agent: false },
        (res) => {
          resolveRes({ status: res.statusCode ?? 0, ms: Date.now() - t0 });
          res.resume();
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(got.status, 200);
    assert.ok(got.ms < 2000, `headers arrived after ${got.ms} ms (the watch had no event; it times out after 4 s)`);
  });
});

describe('raw HTTP/2 watch semantics', () => {
  test('a watch from a resourceVersion older than the watch cache window: ERROR event with 410 Expired', T, async () => {
    const namespace = await newNamespace('expired');
    await core.createNamespacedConfigMap({ namespace, body: cm('a') });
    const list = (await h2.get(`/api/v1/namespaces/${namespace}/configmaps`)).json();
    assert.ok(Number(list.metadata.resourceVersion) > 1);
    // upstream (the cacher): the watch is accepted (200) and ends after one ERROR event
    // carrying a Status 410 Expired "too old resource version: 1 (N)"
    const s = h2.stream(`/api/v1/namespaces/${namespace}/configmaps?watch=1&resourceVersion=1`);
    try {
      const r = await s.response;
      assert.equal(r.status, 200);
      const ev = await s.next(5000);
      assert.equal(ev.type, 'ERROR');
      assert.equal(ev.object.kind, 'Status');
      assert.equal(ev.object.apiVersion, 'v1');
      assert.equal(ev.object.status, 'Failure');
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, 'Expired');
      assert.match(ev.object.message, /^too old resource version: 1 \(\d+\)$/);
      await Promise.race([s.ended, sleep(3000)]);
      assert.deepEqual(s.events.map((e) => e.type), ['ERROR'], 'the stream ends after the ERROR event');
    } finally {
      s.close();
    }
    // the watch from the list's resourceVersion works (what a client does after relisting)
    const ok = h2.stream(`/api/v1/namespaces/${namespace}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`);
    try {
      assert.equal((await ok.response).status, 200);
      await core.createNamespacedConfigMap({ namespace, body: cm('b') });
      const ev = await ok.next(5000);
      assert.deepEqual([ev.type, ev.object.metadata.name], ['ADDED', 'b']);
    } finally {
      ok.close();
    }
  });

  test('sendInitialEvents=true: initial ADDED events, then a BOOKMARK annotated k8s.io/initial-events-end, then live events', T, async () => {
    const namespace = await newNamespace('initial');
    const made: number[] = [];
    for (const n of ['i1', 'i2', 'i3']) made.push(rvNum(await core.createNamespacedConfigMap({ namespace, body: cm(n) })));
    const q = 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
    const s = h2.stream(`/api/v1/namespaces/${namespace}/configmaps?${q}`);
    try {
      assert.equal((await s.response).status, 200);
      const bm = await s.waitFor((e) => e.type === 'BOOKMARK', 5000);
      const idx = s.events.indexOf(bm);
      const initial = s.events.slice(0, idx);
      // the initial state includes the namespace's kube-root-ca.crt
      assert.deepEqual(initial.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED']);
      assert.deepEqual(initial.map((e) => e.object.metadata.name).sort(), ['i1', 'i2', 'i3', ROOT_CA_CONFIGMAP]);
      assert.equal(bm.object.kind, 'ConfigMap');
      assert.equal(bm.object.apiVersion, 'v1');
      assert.deepEqual(bm.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
      assert.ok(Number(bm.object.metadata.resourceVersion) >= Math.max(...made), 'the bookmark is at or after the initial state');
      await core.createNamespacedConfigMap({ namespace, body: cm('live') });
      const live = await s.waitFor((e: H2WatchEvent) => e.object?.metadata?.name === 'live', 5000);
      assert.equal(live.type, 'ADDED');
      assert.ok(Number(live.object.metadata.resourceVersion) > Number(bm.object.metadata.resourceVersion));
    } finally {
      s.close();
    }
    // with a resourceVersion (NotOlderThan) the initial state is still sent in full
    const s2 = h2.stream(`/api/v1/namespaces/${namespace}/configmaps?${q}&resourceVersion=${made[0]}`);
    try {
      const bm = await s2.waitFor((e) => e.type === 'BOOKMARK', 5000);
      const initial = s2.events.slice(0, s2.events.indexOf(bm));
      assert.deepEqual(initial.map((e) => e.object.metadata.name).sort(), ['i1', 'i2', 'i3', ROOT_CA_CONFIGMAP, 'live']);
      assert.deepEqual(bm.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    } finally {
      s2.close();
    }
  });

  test('sendInitialEvents without resourceVersionMatch=NotOlderThan is rejected as an invalid ListOptions (422)', T, async () => {
    const r = await h2.get('/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true');
    assert.equal(r.status, 422);
    const st = r.json();
    assert.equal(st.kind, 'Status');
    assert.equal(st.reason, 'Invalid');
    assert.match(st.message, /sendInitialEvents/);
  });
});
