// E2E durability of `k8ts server`'s embedded store: SIGKILL in the middle of a stream of
// concurrent creates loses no acknowledged write; a restart on the same data dir keeps the
// bootstrap objects, keeps resourceVersions increasing and reuses the same CA (the old
// kubeconfig's client certificate still works); after a restart a watch from an old list's
// resourceVersion either resumes exactly or answers 410 Expired (clients relist).
//
// Run: npx tsc -p tsconfig.json && node --import tsx --test test/e2e/durability.test.ts

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SERVICE_ACCOUNT, H2Client, ROOT_CA_CONFIGMAP, loadCreds, startServer, waitForNamespaceDefaults, type ServerProc } from './harness.js';

const T = { timeout: 120_000 };
const dirs: string[] = [];
const servers: ServerProc[] = [];
const clients: H2Client[] = [];

after(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.stop('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'k8ts-e2e-durability-'));
  dirs.push(d);
  return d;
}

async function start(dataDir: string): Promise<ServerProc> {
  const s = await startServer({ dataDir, timeoutMs: 60_000 });
  servers.push(s);
  return s;
}

function client(kubeconfigOrCreds: string | ReturnType<typeof loadCreds>, size = 1): H2Client {
  const c = typeof kubeconfigOrCreds === 'string' ? H2Client.fromKubeconfig(kubeconfigOrCreds, size) : new H2Client(kubeconfigOrCreds, size);
  clients.push(c);
  return c;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function configMap(name: string, i: number) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'durability', writer: name.split('-')[0] } },
    data: { index: String(i), payload: 'p'.repeat(200) },
  };
}

interface Ack {
  name: string;
  rv: number;
  uid: string;
}

describe('durability', () => {
  test('SIGKILL during concurrent creates loses no acknowledged write; restart keeps state, resourceVersions and the CA', T, async (t) => {
    const dataDir = newDir();
    const srv1 = await start(dataDir);
    const kubeconfigBefore = readFileSync(srv1.kubeconfig, 'utf8');
    const creds1 = loadCreds(srv1.kubeconfig);
    const c1 = client(creds1, 4);
    await c1.ready();

    const ns = 'durable';
    const nsRes = await c1.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    assert.equal(nsRes.status, 201, nsRes.body);
    // the controllers' kube-root-ca.crt and default ServiceAccount of the namespace
    await waitForNamespaceDefaults(c1, ns);
    const caBefore = (await c1.get(`/api/v1/namespaces/${ns}/configmaps/${ROOT_CA_CONFIGMAP}`)).json();
    const saBefore = (await c1.get(`/api/v1/namespaces/${ns}/serviceaccounts/${DEFAULT_SERVICE_ACCOUNT}`)).json();
    const svcBefore = (await c1.get('/api/v1/namespaces/default/services/kubernetes')).json();
    assert.equal(svcBefore.metadata.name, 'kubernetes');

    // 8 writers creating as fast as they can; every 201 is recorded
    const acked: Ack[] = [];
    const unexpected: string[] = [];
    let inFlight = 0;
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${String(i).padStart(6, '0')}`;
        inFlight++;
        let r;
        try {
          r = await c1.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(name, i));
        } catch {
          return; // the server is gone: the outcome of this create is unknown
        } finally {
          inFlight--;
        }
        if (r.status === 201) {
          const o = r.json();
          acked.push({ name, rv: Number(o.metadata.resourceVersion), uid: o.metadata.uid });
        } else if (r.status !== 0) {
          unexpected.push(`${name}: ${r.status} ${r.body.slice(0, 200)}`);
        } else {
          return; // stream reset by the dying server
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    // let the stream run, then kill the server while creates are in flight
    const t0 = Date.now();
    while (acked.length < 1500 && Date.now() - t0 < 4000) await sleep(10);
    await sleep(Math.floor(Math.random() * 20));
    const inFlightAtKill = inFlight;
    const ackedAtKill = acked.length;
    await srv1.stop('SIGKILL');
    assert.equal(srv1.proc.signalCode, 'SIGKILL', 'the server was killed (not exited by itself)');
    await Promise.race([Promise.all(writers), sleep(10_000)]);
    stop = true;
    c1.destroy();
    assert.deepEqual(unexpected, [], 'no create was answered with anything but 201 before the kill');
    assert.ok(ackedAtKill >= 100, `only ${ackedAtKill} creates were acknowledged before the kill`);
    assert.ok(inFlightAtKill > 0, 'creates were in flight when the server was killed');

    // restart on the same data dir
    const srv2 = await start(dataDir);
    const c2 = client(srv2.kubeconfig, 2);
    const list = await c2.get(`/api/v1/namespaces/${ns}/configmaps`);
    assert.equal(list.status, 200);
    const listed = list.json();
    const byName = new Map<string, any>(listed.items.map((o: any) => [o.metadata.name, o]));
    const missing: string[] = [];
    const older: string[] = [];
    for (const a of acked) {
      const o = byName.get(a.name);
      if (!o) missing.push(`${a.name}@${a.rv}`);
      else {
        if (Number(o.metadata.resourceVersion) < a.rv) older.push(`${a.name}: acked ${a.rv}, found ${o.metadata.resourceVersion}`);
        assert.equal(o.metadata.uid, a.uid, `${a.name} keeps its uid`);
      }
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged creates are missing after the restart`);
    assert.deepEqual(older, []);
    t.diagnostic(`${ackedAtKill} creates acknowledged before SIGKILL (${inFlightAtKill} in flight); ${listed.items.length} present after the restart`);
    // acknowledged objects are also served by GET (a sample, including the newest ones)
    const sample = [...acked.slice(0, 20), ...acked.slice(-50)];
    for (const a of sample) {
      const r = await c2.get(`/api/v1/namespaces/${ns}/configmaps/${a.name}`);
      assert.equal(r.status, 200, `GET ${a.name}`);
      assert.equal(Number(r.json().metadata.resourceVersion), a.rv);
    }
    // the list is consistent: objects per writer form a gap-free prefix 0..k (a writer's
    // create i+1 starts only after create i was acknowledged; only the last may be lost)
    // besides the writers' objects the namespace holds only its kube-root-ca.crt
    const isWritten = (name: string) => /^w\d+-\d{6}$/.test(name);
    assert.deepEqual(listed.items.map((o: any) => o.metadata.name).filter((n: string) => !isWritten(n)), [ROOT_CA_CONFIGMAP]);
    const perWriter = new Map<string, number[]>();
    for (const o of listed.items.filter((x: any) => isWritten(x.metadata.name))) {
      const [w, i] = o.metadata.name.split('-');
      perWriter.set(w, [...(perWriter.get(w) ?? []), Number(i)]);
    }
    for (const [w, idx] of perWriter) {
      idx.sort((a, b) => a - b);
      assert.deepEqual(idx, idx.map((_, k) => k), `writer ${w}'s objects are 0..${idx.length - 1}`);
    }

    // namespaces and the kubernetes service survived
    const nsNames = (await c2.get('/api/v1/namespaces')).json().items.map((n: any) => n.metadata.name).sort();
    for (const n of ['default', 'kube-node-lease', 'kube-public', 'kube-system', ns]) assert.ok(nsNames.includes(n), `namespace ${n} exists: ${nsNames}`);
    const svcAfter = (await c2.get('/api/v1/namespaces/default/services/kubernetes')).json();
    assert.equal(svcAfter.metadata.uid, svcBefore.metadata.uid, 'the kubernetes service is the same object');
    assert.equal(svcAfter.spec.clusterIP, svcBefore.spec.clusterIP);
    // so did the namespace's kube-root-ca.crt and default ServiceAccount: the same objects, and
    // the CA is unchanged, so the root-CA publisher does not rewrite the ConfigMap on startup
    const caAfter = (await c2.get(`/api/v1/namespaces/${ns}/configmaps/${ROOT_CA_CONFIGMAP}`)).json();
    assert.deepEqual([caAfter.metadata.uid, caAfter.metadata.resourceVersion], [caBefore.metadata.uid, caBefore.metadata.resourceVersion]);
    assert.deepEqual(caAfter.data, caBefore.data);
    assert.equal(caAfter.data['ca.crt'], creds1.ca.toString('utf8'), 'kube-root-ca.crt holds the cluster CA');
    const saAfter = (await c2.get(`/api/v1/namespaces/${ns}/serviceaccounts/${DEFAULT_SERVICE_ACCOUNT}`)).json();
    assert.deepEqual([saAfter.metadata.uid, saAfter.metadata.resourceVersion], [saBefore.metadata.uid, saBefore.metadata.resourceVersion]);

    // resourceVersions keep increasing after the restart
    const maxAcked = Math.max(...acked.map((a) => a.rv));
    const maxListed = Math.max(...listed.items.map((o: any) => Number(o.metadata.resourceVersion)));
    assert.ok(Number(listed.metadata.resourceVersion) >= maxListed);
    const fresh = await c2.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('after-restart', 0));
    assert.equal(fresh.status, 201, fresh.body);
    const freshRV = Number(fresh.json().metadata.resourceVersion);
    assert.ok(freshRV > maxAcked && freshRV > maxListed && freshRV > Number(listed.metadata.resourceVersion), `new resourceVersion ${freshRV} > ${Math.max(maxAcked, maxListed)}`);
    // an object created before the kill can be updated, with a higher resourceVersion
    const first = acked[0];
    const upd = await c2.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/${first.name}`, { data: { updated: 'yes' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(upd.status, 200, upd.body);
    assert.ok(Number(upd.json().metadata.resourceVersion) > freshRV);

    // the same CA: the kubeconfig written before the kill still works (client cert and CA)
    const creds2 = loadCreds(srv2.kubeconfig);
    assert.ok(creds2.ca.equals(creds1.ca), 'the second start reuses the CA');
    const oldKubeconfigAgainstNewServer = client({ ...creds1, server: creds2.server });
    const who = await oldKubeconfigAgainstNewServer.get('/api/v1/namespaces/default');
    assert.equal(who.status, 200, 'the old admin certificate is accepted and the new serving cert verifies against the old CA');
    const kubeconfigAfter = readFileSync(srv2.kubeconfig, 'utf8');
    assert.equal(
      kubeconfigAfter.replace(/server: \S+/, 'server: X'),
      kubeconfigBefore.replace(/server: \S+/, 'server: X'),
      'the admin kubeconfig keeps its credentials (only the server address may change)',
    );
    await srv2.stop();
  });

  test('after a normal restart, a watch from the last list resourceVersion resumes exactly or answers 410 Expired', T, async (t) => {
    const dataDir = newDir();
    const srv1 = await start(dataDir);
    const c1 = client(srv1.kubeconfig);
    const ns = 'resume';
    assert.equal((await c1.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status, 201);
    await waitForNamespaceDefaults(c1, ns);
    for (let i = 0; i < 5; i++) {
      const r = await c1.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(`before-${i}`, i));
      assert.equal(r.status, 201, r.body);
    }
    const list1 = (await c1.get(`/api/v1/namespaces/${ns}/configmaps`)).json();
    const L = Number(list1.metadata.resourceVersion);
    const ca1 = list1.items.find((o: any) => o.metadata.name === ROOT_CA_CONFIGMAP);
    assert.ok(ca1, `the list has the namespace's ${ROOT_CA_CONFIGMAP}`);
    c1.destroy();
    await srv1.stop('SIGTERM');
    assert.equal(srv1.proc.exitCode, 0, 'SIGTERM shuts the server down cleanly (exit 0)');

    const srv2 = await start(dataDir);
    const c2 = client(srv2.kubeconfig);
    const created = await c2.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('after-0', 0));
    assert.equal(created.status, 201, created.body);
    const A = Number(created.json().metadata.resourceVersion);
    assert.ok(A > L);

    const w = c2.stream(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${L}&allowWatchBookmarks=true`);
    try {
      assert.equal((await w.response).status, 200);
      const first = await w.next(5000);
      t.diagnostic(first.type === 'ERROR' ? `watch from ${L} after the restart: ${first.object.code} ${first.object.reason}` : `watch from ${L} after the restart resumed`);
      if (first.type === 'ERROR') {
        // upstream's answer when the watch cache starts after L: a 410 Expired Status, then the
        // stream ends; the client relists and watches from the new list
        assert.equal(first.object.kind, 'Status');
        assert.equal(first.object.code, 410);
        assert.equal(first.object.reason, 'Expired');
        assert.match(first.object.message, new RegExp(`^too old resource version: ${L} \\(\\d+\\)$`));
        await Promise.race([w.ended, sleep(3000)]);
        assert.deepEqual(w.events.map((e) => e.type), ['ERROR']);
        const relist = (await c2.get(`/api/v1/namespaces/${ns}/configmaps`)).json();
        assert.deepEqual(relist.items.map((o: any) => o.metadata.name), ['after-0', 'before-0', 'before-1', 'before-2', 'before-3', 'before-4', ROOT_CA_CONFIGMAP]);
        const ca2 = relist.items.find((o: any) => o.metadata.name === ROOT_CA_CONFIGMAP);
        assert.deepEqual([ca2.metadata.uid, ca2.metadata.resourceVersion], [ca1.metadata.uid, ca1.metadata.resourceVersion], 'kube-root-ca.crt is not rewritten by the restart');
        assert.ok(Number(relist.metadata.resourceVersion) >= A);
        const w2 = c2.stream(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${relist.metadata.resourceVersion}`);
        try {
          assert.equal((await w2.response).status, 200);
          await c2.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('after-1', 1));
          const ev = await w2.next(5000);
          assert.deepEqual([ev.type, ev.object.metadata.name], ['ADDED', 'after-1']);
        } finally {
          w2.close();
        }
      } else {
        // resumed: exactly the changes after L, nothing at or before it (and no rewrite of
        // kube-root-ca.crt by the restart: the CA did not change)
        assert.deepEqual([first.type, first.object.metadata.name, Number(first.object.metadata.resourceVersion)], ['ADDED', 'after-0', A]);
        await c2.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('after-1', 1));
        const ev = await w.next(5000);
        assert.deepEqual([ev.type, ev.object.metadata.name], ['ADDED', 'after-1']);
        const others = w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.object.metadata.name);
        assert.deepEqual(others, ['after-0', 'after-1']);
      }
    } finally {
      w.close();
    }
    c2.destroy();
    await srv2.stop();
  });
});
