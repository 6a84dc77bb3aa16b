import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../e2e/harness.js';
import type { ServerProc } from '../../e2e/harness.js';
import {
  ApiError,
  RestClient,
  Watcher,
  apiErrorOf,
  defaultUserAgent,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  isUnauthorized,
  resourcePath,
} from '../../../src/client/rest.js';
import type { KubeObject, WatchEvent } from '../../../src/client/rest.js';
import { StatusError } from '../../../src/apimachinery/errors.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const NS = 'rest-test';
const cms = { group: '', version: 'v1', resource: 'configmaps', namespace: NS };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };

async function nextEvent<T>(w: Watcher<T>, timeoutMs = 5000): Promise<WatchEvent<T>> {
  const r = await Promise.race([w.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out waiting for a watch event')), timeoutMs))]);
  if (r.done) throw new Error('watch ended');
  return r.value;
}

describe('RestClient against k8ts server', () => {
  let srv: ServerProc;
  let client: RestClient;

  before(async () => {
    srv = await startServer();
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
    await client.create(namespaces, { metadata: { name: NS } });
  });

  after(async () => {
    client?.destroy();
    await srv?.destroy();
  });

  it('builds upstream paths and user agents', () => {
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: 'ns', name: 'p', subresource: 'status' }), '/api/v1/namespaces/ns/pods/p/status');
    assert.equal(resourcePath({ group: 'apps', version: 'v1', resource: 'deployments', namespace: 'ns' }), '/apis/apps/v1/namespaces/ns/deployments');
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'namespaces', name: 'x' }), '/api/v1/namespaces/x');
    assert.equal(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: 'ns', name: 'p' }, { collection: true }), '/api/v1/namespaces/ns/pods');
    assert.match(defaultUserAgent('kube-scheduler'), /^kube-scheduler\/v1\.32\.0 \([a-z0-9]+\/[a-z0-9]+\) kubernetes\/[0-9a-f]{7}$/);
  });

  it('create / get / list / update / patch / delete', async () => {
    const created = await client.create<ConfigMap>(cms, { metadata: { name: 'one', labels: { app: 'demo' } }, data: { a: '1' } });
    assert.equal(created.metadata?.name, 'one');
    assert.equal(created.metadata?.namespace, NS);
    assert.ok(created.metadata?.resourceVersion);
    assert.ok(created.metadata?.uid);

    const got = await client.get<ConfigMap>({ ...cms, name: 'one' });
    assert.deepEqual(got.data, { a: '1' });
    assert.equal(got.kind, 'ConfigMap');

    await client.create(cms, { metadata: { name: 'two', labels: { app: 'other' } } });
    const all = await client.list<ConfigMap>(cms);
    assert.equal(all.kind, 'ConfigMapList');
    assert.ok(all.metadata.resourceVersion);
    assert.deepEqual(all.items.map((i) => i.metadata?.name).filter((n) => n !== 'kube-root-ca.crt').sort(), ['one', 'two']);
    const demo = await client.list<ConfigMap>(cms, { labelSelector: 'app=demo' });
    assert.deepEqual(demo.items.map((i) => i.metadata?.name), ['one']);
    const byField = await client.list<ConfigMap>(cms, { fieldSelector: 'metadata.name=two' });
    assert.deepEqual(byField.items.map((i) => i.metadata?.name), ['two']);

    const updated = await client.update<ConfigMap>({ ...cms, name: 'one' }, { ...got, data: { a: '2' } });
    assert.deepEqual(updated.data, { a: '2' });
    assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);

    const merged = await client.patch<ConfigMap>({ ...cms, name: 'one' }, 'merge', { data: { b: '3' } });
    assert.deepEqual(merged.data, { a: '2', b: '3' });
    const strategic = await client.patch<ConfigMap>({ ...cms, name: 'one' }, 'strategic', { metadata: { labels: { tier: 'x' } } });
    assert.deepEqual(strategic.metadata?.labels, { app: 'demo', tier: 'x' });
    const json = await client.patch<ConfigMap>({ ...cms, name: 'one' }, 'json', [{ op: 'remove', path: '/data/a' }]);
    assert.deepEqual(json.data, { b: '3' });

    const dry = await client.update<ConfigMap>({ ...cms, name: 'one' }, { ...json, data: { dry: 'run' } }, { dryRun: true });
    assert.deepEqual(dry.data, { dry: 'run' });
    assert.deepEqual((await client.get<ConfigMap>({ ...cms, name: 'one' })).data, { b: '3' });

    const status = await client.delete<{ kind: string; status: string }>({ ...cms, name: 'two' });
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Success');
    await assert.rejects(client.get({ ...cms, name: 'two' }), (e: unknown) => isNotFound(e));

    // delete with a stale uid precondition: Conflict
    await assert.rejects(client.delete({ ...cms, name: 'one' }, { preconditions: { uid: 'not-the-uid' } }), (e: unknown) => isConflict(e));
    await client.delete({ ...cms, name: 'one' }, { preconditions: { uid: created.metadata!.uid! }, propagationPolicy: 'Background' });
  });

  it('subresources: GET namespaces/status, POST serviceaccounts/token', async () => {
    const st = await client.get<KubeObject & { status?: { phase?: string } }>({ ...namespaces, name: NS, subresource: 'status' });
    assert.equal(st.status?.phase, 'Active');
    await client.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: NS }, { metadata: { name: 'robot' } });
    const tr = await client.create<{ status?: { token?: string } }>(
      { group: '', version: 'v1', resource: 'serviceaccounts', namespace: NS, name: 'robot', subresource: 'token' },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    );
    assert.ok(tr.status?.token);
  });

  it('surfaces errors as ApiError carrying the Status', async () => {
    await client.create(cms, { metadata: { name: 'dup' } });
    const dup = await client.create(cms, { metadata: { name: 'dup' } }).catch((e) => e);
    assert.ok(dup instanceof ApiError);
    assert.ok(dup instanceof StatusError);
    assert.equal(dup.code, 409);
    assert.equal(dup.reason, 'AlreadyExists');
    assert.equal(dup.message, 'configmaps "dup" already exists');
    assert.equal(dup.details?.name, 'dup');
    assert.equal(dup.status.kind, 'Status');
    assert.equal(dup.status.status, 'Failure');
    assert.ok(isAlreadyExists(dup));

    const nf = await client.get({ ...cms, name: 'missing' }).catch((e) => e);
    assert.ok(isNotFound(nf));
    assert.equal(nf.code, 404);
    assert.equal(nf.message, 'configmaps "missing" not found');

    const inv = await client.create(cms, { metadata: { name: 'Bad_Name' } }).catch((e) => e);
    assert.ok(isInvalid(inv));
    assert.equal(inv.code, 422);
    assert.equal(inv.details?.causes?.[0]?.field, 'metadata.name');
    assert.equal(inv.details?.causes?.[0]?.reason, 'FieldValueInvalid');

    const cur = await client.get<ConfigMap>({ ...cms, name: 'dup' });
    await client.update({ ...cms, name: 'dup' }, { ...cur, data: { v: '1' } });
    const stale = await client.update({ ...cms, name: 'dup' }, { ...cur, data: { v: '2' } }).catch((e) => e);
    assert.ok(isConflict(stale));
    assert.match(stale.message, /the object has been modified/);

    const bad = await client.list(cms, { labelSelector: 'a in (' }).catch((e) => e);
    assert.equal(bad.code, 400);
    assert.equal(bad.reason, 'BadRequest');

    const unknown = await client.list({ group: 'nope.example.com', version: 'v1', resource: 'things' }).catch((e) => e);
    assert.ok(unknown instanceof ApiError);
    assert.equal(unknown.code, 404);
    assert.equal(unknown.reason, 'NotFound');

    await assert.rejects(client.patch({ ...cms, name: 'dup' }, 'apply', {}), /fieldManager is required/);
  });

  it('synthesizes upstream generic errors for bodies that are not a Status', () => {
    const e = ApiError.fromResponse(404, '404 page not found', 'GET', { group: 'apps', resource: 'widgets', name: 'w' });
    assert.equal(e.reason, 'NotFound');
    assert.equal(e.message, 'the server could not find the requested resource (get widgets.apps w)');
    assert.equal(e.details?.causes?.[0]?.reason, 'UnexpectedServerResponse');
    const e5 = ApiError.fromResponse(500, 'boom', 'POST');
    assert.equal(e5.reason, 'InternalError');
    assert.equal(e5.message, 'an error on the server ("boom") has prevented the request from succeeding');
    const e429 = ApiError.fromResponse(429, '', 'GET');
    assert.equal(e429.reason, 'TooManyRequests');
  });

  it('lists page by page with limit / continue', async () => {
    for (let i = 0; i < 5; i++) await client.create(cms, { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } });
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    let rv: string | undefined;
    do {
      const page = await client.list<ConfigMap>(cms, { labelSelector: 'paged=yes', limit: 2, continue: cont });
      pages++;
      rv ??= page.metadata.resourceVersion;
      names.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata.continue;
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    const res = await client.deleteCollection<{ items?: unknown[] }>(cms, { labelSelector: 'paged=yes' });
    assert.equal(res.items?.length, 5);
    assert.equal((await client.list(cms, { labelSelector: 'paged=yes' })).items.length, 0);
  });

  it('watch: ADDED / MODIFIED / DELETED in order from a resourceVersion', async () => {
    const start = await client.list(cms);
    const w = await client.watch<ConfigMap>(cms, { resourceVersion: start.metadata.resourceVersion, allowWatchBookmarks: true });
    try {
      const c = await client.create<ConfigMap>(cms, { metadata: { name: 'watched' }, data: { x: '1' } });
      await client.patch({ ...cms, name: 'watched' }, 'merge', { data: { x: '2' } });
      await client.delete({ ...cms, name: 'watched' });
      const evs: WatchEvent<ConfigMap>[] = [];
      while (evs.length < 3) {
        const ev = await nextEvent(w);
        if (ev.type !== 'BOOKMARK') evs.push(ev);
      }
      assert.deepEqual(evs.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      assert.equal(evs[0]!.object.metadata?.resourceVersion, c.metadata?.resourceVersion);
      assert.deepEqual(evs[1]!.object.data, { x: '2' });
      assert.equal(evs[2]!.object.metadata?.name, 'watched');
    } finally {
      w.stop();
    }
    await w.done;
    assert.equal(w.error, undefined);
  });

  it('watch with sendInitialEvents ends the initial state with a bookmark; ends when the server times out', async () => {
    await client.create(cms, { metadata: { name: 'initial' } });
    const w = await client.watch<ConfigMap>(cms, { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, timeoutSeconds: 1 });
    const events: WatchEvent<ConfigMap>[] = [];
    for await (const ev of w) events.push(ev);
    assert.ok(events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'initial'));
    const end = events.find((e) => e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true');
    assert.ok(end, `no initial-events-end bookmark in ${JSON.stringify(events.map((e) => e.type))}`);
    assert.ok(end.object.metadata?.resourceVersion);
    assert.equal(w.error, undefined);
  });

  it('watch refused by the server rejects with ApiError; ERROR events become ApiErrors', async () => {
    const bad = await client.watch(cms, { sendInitialEvents: true }).catch((e) => e);
    assert.ok(bad instanceof ApiError, String(bad));
    assert.equal(bad.code, 422);
    const ev: WatchEvent<unknown> = { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 } };
    const err = apiErrorOf(ev);
    assert.equal(err.code, 410);
    assert.equal(err.reason, 'Expired');
  });

  it('authenticates with a bearer token and re-reads a tokenFile; 401/403 surface as ApiError', async () => {
    const sa = { group: '', version: 'v1', resource: 'serviceaccounts', namespace: NS, name: 'tokenuser' };
    await client.create({ ...sa, name: undefined }, { metadata: { name: 'tokenuser' } });
    const tr = await client.create<{ status: { token: string } }>({ ...sa, subresource: 'token' }, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-client-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, `${tr.status.token}\n`);
      const tc = new RestClient({ server: client.config.server, caCertPem: client.config.caCertPem, tokenFile: file, qps: -1 });
      const forbidden = await tc.list({ group: '', version: 'v1', resource: 'pods', namespace: NS }).catch((e) => e);
      assert.ok(isForbidden(forbidden), String(forbidden));
      assert.match(forbidden.message, /system:serviceaccount:rest-test:tokenuser/);
      // a rotated (here: broken) token is picked up once the cached one is older than a minute
      writeFileSync(file, 'garbage\n');
      (tc as unknown as { tokenReadAt: number }).tokenReadAt = Date.now() - 61_000;
      const unauth = await tc.list({ group: '', version: 'v1', resource: 'pods', namespace: NS }).catch((e) => e);
      assert.ok(isUnauthorized(unauth), String(unauth));
      tc.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('client-side rate limiting: qps/burst as a token bucket', async () => {
    const slow = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: 10, burst: 2 });
    try {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) await slow.get({ ...namespaces, name: 'default' });
      const took = performance.now() - t0;
      // 2 immediately, then 3 more at 10/s
      assert.ok(took >= 250, `5 requests at 10 qps / burst 2 took ${took}ms`);
    } finally {
      slow.close();
    }
  });

  it('request timeout', async () => {
    const t0 = performance.now();
    const err = (await client.request({ method: 'GET', path: '/api/v1/configmaps', query: { watch: 'true' }, timeoutMs: 300 }).catch((e) => e)) as Error;
    assert.equal(err.name, 'TimeoutError');
    assert.ok(performance.now() - t0 < 3000);
    const ac = new AbortController();
    const p = client.request({ method: 'GET', path: '/api/v1/configmaps', query: { watch: 'true' }, signal: ac.signal });
    ac.abort();
    await assert.rejects(p);
  });

  it('reconnects after the connection is lost; watches on it end', async () => {
    const c = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
    try {
      await c.get({ ...namespaces, name: 'default' });
      const w = await c.watch(cms, { resourceVersion: '0' });
      const slot = (c as unknown as { slot: { s: import('node:http2').ClientHttp2Session } }).slot;
      slot.s.destroy();
      await w.done;
      const ns = await c.get<KubeObject>({ ...namespaces, name: 'default' });
      assert.equal(ns.metadata?.name, 'default');
      const w2 = await c.watch(cms, { resourceVersion: '0' });
      const ev = await nextEvent(w2);
      assert.equal(ev.type, 'ADDED');
      w2.stop();
    } finally {
      c.destroy();
    }
  });
});

describe('RestClient transport behaviour (plain-text HTTP/2 fake server)', () => {
  it('honours Retry-After, reconnects after GOAWAY, reports warnings, sends auth / impersonation / user agent', async (t) => {
    const http2 = await import('node:http2');
    const seen: { path: string; headers: Record<string, unknown>; session: number }[] = [];
    const sessions: import('node:http2').Http2Session[] = [];
    let answers429 = 2;
    const server = http2.createServer();
    server.on('session', (s) => sessions.push(s));
    server.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      seen.push({ path, headers: { ...headers }, session: sessions.indexOf(stream.session!) });
      if (path.startsWith('/api/v1/namespaces/busy')) {
        if (answers429-- > 0) {
          stream.respond({ ':status': 429, 'retry-after': '0', 'content-type': 'application/json' });
          stream.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'slow down', reason: 'TooManyRequests', code: 429 }));
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/json', warning: '299 - "deprecated thing"' });
        stream.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'busy' } }));
        return;
      }
      if (path.startsWith('/api/v1/namespaces/bye')) {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end('{}');
        stream.session!.goaway();
        return;
      }
      stream.respond({ ':status': 404, 'content-type': 'text/plain' });
      stream.end('404 page not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const warnings: string[] = [];
    const c = new RestClient({
      server: `http://127.0.0.1:${port}`,
      token: 'sekret',
      impersonate: { user: 'jane', groups: ['g1', 'g2'] },
      userAgent: 'k8ts-test/v0',
      qps: -1,
      warningHandler: (m) => warnings.push(m),
    });
    t.after(() => {
      c.destroy();
      for (const s of sessions) s.destroy();
      server.close();
    });

    const ns = await c.get<KubeObject>({ group: '', version: 'v1', resource: 'namespaces', name: 'busy' });
    assert.equal(ns.metadata?.name, 'busy');
    assert.equal(seen.filter((s) => s.path.includes('busy')).length, 3, 'two 429 answers retried');
    assert.deepEqual(warnings, ['deprecated thing']);
    const h = seen[0]!.headers;
    assert.equal(h.authorization, 'Bearer sekret');
    assert.equal(h['user-agent'], 'k8ts-test/v0');
    assert.equal(h['impersonate-user'], 'jane');
    assert.equal(h['impersonate-group'], 'g1, g2');

    await c.get({ group: '', version: 'v1', resource: 'namespaces', name: 'bye' });
    await new Promise((r) => setTimeout(r, 50));
    const nf = await c.get({ group: '', version: 'v1', resource: 'namespaces', name: 'other' }).catch((e) => e);
    assert.equal(nf.code, 404);
    assert.equal(nf.reason, 'NotFound');
    assert.equal(nf.message, 'the server could not find the requested resource (get namespaces other)');
    const last = seen.at(-1)!;
    assert.notEqual(last.session, seen.find((s) => s.path.includes('bye'))!.session, 'a new session after GOAWAY');
  });
});
