// The etcd3 Store backend against a real etcd (Debian's etcd-server, started by etcd-fixture.ts):
// the shared conformance suite (each store on a fresh etcd, as the suite counts revisions from
// 1), then etcd-specific behaviour: values written by etcdctl, watch resumption across an etcd
// kill/restart, compaction learned from etcd, TTLs as shared leases, TLS, and errors.
// Without etcd installed this file FAILS (it does not skip): CI must install etcd-server.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCA, issueCert } from '../../../src/pki/certs.js';
import { EtcdStore, bytesPrefixEnd } from '../../../src/storage/etcd.js';
import { openStore } from '../../../src/storage/index.js';
import { StorageError, type Store, type WatchEvent } from '../../../src/storage/types.js';
import { EtcdInstance, EtcdPool, etcdUnavailableReason, stopAllEtcd, type EtcdTLS } from './etcd-fixture.js';
import { collect, storageSuite } from './suite.js';

const b = (s: string) => Buffer.from(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

function storeOn(etcd: EtcdInstance, extra: Partial<Parameters<typeof EtcdStore.open>[0]> = {}): Promise<EtcdStore> {
  return EtcdStore.open({ endpoints: [etcd.endpoint], ...extra });
}

const missing = etcdUnavailableReason();

if (missing) {
  it('etcd is installed (the etcd3 storage tests need a real etcd)', () => {
    assert.fail(missing);
  });
} else {
  const pool = new EtcdPool(1);
  after(async () => {
    await pool.close();
    await stopAllEtcd();
  });

  storageSuite('etcd3', async () => {
    const etcd = await pool.take();
    const store = await storeOn(etcd);
    const close = store.close.bind(store);
    // each store has its own etcd: revisions start at 1 and compaction is per test
    store.close = async () => {
      await close();
      await etcd.stop();
    };
    return store;
  });

  describe('EtcdStore (etcd-specific)', () => {
    let etcd: EtcdInstance;
    const stores: Store[] = [];
    const open = async (extra: Partial<Parameters<typeof EtcdStore.open>[0]> = {}) => {
      const s = await storeOn(etcd, extra);
      stores.push(s);
      return s;
    };
    before(async () => {
      etcd = await pool.take();
    });
    after(async () => {
      for (const s of stores.splice(0)) await s.close();
      await etcd?.stop();
    });

    it('bytesPrefixEnd is etcd\'s prefix range end', () => {
      assert.deepEqual(bytesPrefixEnd(b('/a/')), b('/a0'));
      assert.deepEqual(bytesPrefixEnd(Buffer.from([0x61, 0xff])), b('b'));
      assert.deepEqual(bytesPrefixEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
    });

    it('openStore({ backend: "etcd3" }) returns an EtcdStore; an unreachable etcd is Unavailable', async () => {
      const s = await openStore({ backend: 'etcd3', endpoints: [etcd.endpoint] });
      stores.push(s);
      assert.ok(s instanceof EtcdStore);
      assert.equal(s.backend, 'etcd3');
      assert.ok((await s.currentRevision()) >= 1);

      const t0 = Date.now();
      const e = await rejectsWith(EtcdStore.open({ endpoints: ['http://127.0.0.1:1'], dialTimeoutMs: 300 }), 'Unavailable');
      assert.match(e.message, /127\.0\.0\.1:1/);
      assert.ok(Date.now() - t0 < 5000);
      assert.throws(() => new EtcdStore({ endpoints: [] }), /no endpoints/);
      assert.throws(() => new EtcdStore({ endpoints: ['127.0.0.1:2379'] }), /invalid endpoint/);
    });

    it('fails over between endpoints (--etcd-servers with a dead one)', async () => {
      const dead = 'http://127.0.0.1:1';
      const s = await EtcdStore.open({ endpoints: [dead, etcd.endpoint] });
      stores.push(s);
      const w = collect(s, '/multi/');
      for (let i = 0; i < 10; i++) {
        await s.create(`/multi/${i}`, b(String(i)));
        assert.equal((await s.get(`/multi/${i}`))!.value.toString(), String(i));
      }
      assert.equal((await s.list('/multi/')).count, 10);
      await w.waitFor(10, 10_000);
      assert.equal(w.errors.length, 0);
      w.cancel();
    });

    it('a value written by etcdctl is visible (keys as given, values as bytes), and vice versa', async () => {
      const s = await open();
      await etcd.etcdctl('put', '/registry/fromctl/a', 'hello from etcdctl');
      const kv = await s.get('/registry/fromctl/a');
      assert.ok(kv);
      assert.equal(kv.value.toString(), 'hello from etcdctl');
      assert.equal(kv.version, 1);
      assert.equal(kv.modRevision, await s.currentRevision());
      const listed = await s.list('/registry/fromctl/');
      assert.deepEqual(listed.items.map((k) => k.key), ['/registry/fromctl/a']);

      const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x0a]);
      await s.create('/registry/fromstore/bin', bytes);
      const json = JSON.parse(await etcd.etcdctl('get', '/registry/fromstore/bin', '-w', 'json')) as { kvs: Array<{ key: string; value: string }> };
      assert.equal(Buffer.from(json.kvs[0].key, 'base64').toString(), '/registry/fromstore/bin');
      assert.deepEqual(Buffer.from(json.kvs[0].value, 'base64'), bytes);
      assert.deepEqual((await s.get('/registry/fromstore/bin'))!.value, bytes);
    });

    it('watch resumes after etcd is killed and restarted: no missed and no duplicate events', async () => {
      const s = await open();
      const first = await s.create('/resume/0', b('0'));
      const fromStart = collect(s, '/resume/', first.modRevision);
      const live = collect(s, '/resume/');
      for (let i = 1; i <= 5; i++) await s.create(`/resume/${i}`, b(String(i)));
      await fromStart.waitFor(6);
      await live.waitFor(5);

      await etcd.kill();
      await sleep(300); // the watch streams notice and start retrying
      await etcd.restart();
      // Written by another client right after the restart, before the watches are back.
      await etcd.etcdctl('put', '/resume/ctl', 'x');
      await etcd.etcdctl('del', '/resume/1');
      for (let i = 6; i <= 10; i++) await s.create(`/resume/${i}`, b(String(i)));
      await s.update('/resume/2', b('2b'));
      const end = await s.currentRevision();

      await fromStart.waitFor(end - first.modRevision + 1, 15_000);
      await live.waitFor(end - first.modRevision, 15_000);
      await sleep(100);
      const want = (from: number) => Array.from({ length: end - from + 1 }, (_, i) => from + i);
      assert.deepEqual(fromStart.events.map((e) => e.kv.modRevision), want(first.modRevision));
      assert.deepEqual(live.events.map((e) => e.kv.modRevision), want(first.modRevision + 1));
      assert.equal(fromStart.errors.length + live.errors.length, 0);
      const del = live.events.find((e) => e.type === 'DELETE')!;
      assert.equal(del.kv.key, '/resume/1');
      assert.equal(del.prevKv?.value.toString(), '1');
      const upd = live.events[live.events.length - 1];
      assert.equal(upd.prevKv?.value.toString(), '2');
      fromStart.cancel();
      live.cancel();
    });

    it('reads retry across an etcd restart; writes fail Unavailable while etcd is down', async () => {
      const s = await open({ requestTimeoutMs: 2000 });
      await s.create('/down/a', b('1'));
      await etcd.kill();
      await rejectsWith(s.create('/down/b', b('2')), 'Unavailable');
      await rejectsWith(s.get('/down/a'), 'Unavailable');
      await etcd.restart();
      assert.equal((await s.get('/down/a'))!.value.toString(), '1');
      assert.ok(await s.create('/down/b', b('2')));
    });

    it('compaction: Compacted on list/get/watch at older revisions, with etcd\'s compact revision', async () => {
      const s = await open();
      const r1 = (await s.create('/cmp/a', b('1'))).modRevision;
      await s.update('/cmp/a', b('2'));
      const r3 = (await s.create('/cmp/b', b('1'))).modRevision;
      await s.update('/cmp/b', b('2'));
      await s.compact(r3);
      assert.equal(await s.compactedRevision(), r3);
      const e = await rejectsWith(s.list('/cmp/', { revision: r1 }), 'Compacted');
      assert.equal(e.compactRevision, r3);
      assert.equal((await s.list('/cmp/', { revision: r3 })).count, 2);
      const w = collect(s, '/cmp/', r1);
      const we = await w.waitError();
      assert.equal(we.code, 'Compacted');
      assert.equal(we.compactRevision, r3);

      // Compacted by someone else: a new store learns it at open, a running one from etcd's answers.
      const other = await open();
      const rc = await s.currentRevision();
      await etcd.etcdctl('compact', String(rc));
      const fresh = await open();
      assert.equal(await fresh.compactedRevision(), rc);
      const e2 = await rejectsWith(other.get('/cmp/a', { revision: r3 }), 'Compacted');
      assert.equal(e2.compactRevision, rc);
      assert.equal(await other.compactedRevision(), rc);
      const s3 = await open();
      const w3 = collect(s3, '/cmp/', rc - 1); // below what s3 knows: etcd says
      const we3 = await w3.waitError();
      assert.equal(we3.code, 'Compacted');
      assert.equal(we3.compactRevision, rc);
      // compacting at the same revision again is a no-op; an older one is Compacted
      await other.compact(rc);
      await rejectsWith(s3.compact(r3), 'Compacted');
      await rejectsWith(s3.compact(rc + 1000), 'FutureRevision');
    });

    it('TTL keys are attached to shared leases and expire through etcd', async () => {
      const s = await open();
      const w = collect(s, '/ttl/');
      const t0 = Date.now();
      const created = [];
      for (let i = 0; i < 20; i++) created.push(await s.create(`/ttl/long/${i}`, b('x'), { ttlSeconds: 100 }));
      const short = await s.create('/ttl/short', b('y'), { ttlSeconds: 1 });
      // one lease for the 20 keys (granted 100s + 5% reuse window), another for the 1s one
      const leases = (await etcd.etcdctl('lease', 'list')).split('\n').filter((l) => /^[0-9a-f]{8,}/.test(l.trim()));
      assert.equal(leases.length, 2, `leases: ${leases.join(', ')}`);
      const expiries = new Set(created.map((c) => c.expiresAt));
      assert.equal(expiries.size, 1);
      const at = created[0].expiresAt!;
      assert.ok(at >= t0 + 100_000 && at <= Date.now() + 105_000, `expiresAt ${at - t0}`);
      // a store that did not grant the lease reads its expiry from etcd (whole seconds)
      const other = await open();
      const seen = (await other.get('/ttl/long/3'))!.expiresAt!;
      assert.ok(Math.abs(seen - at) < 2500, `expiry seen by another client: ${seen - at} ms off`);

      await w.waitFor(22, 10_000);
      const del = w.events[21] as WatchEvent;
      assert.equal(del.type, 'DELETE');
      assert.equal(del.kv.key, '/ttl/short');
      assert.equal(del.prevKv?.value.toString(), 'y');
      assert.ok(Date.now() >= short.expiresAt!);
      assert.equal(await s.get('/ttl/short'), undefined);
      assert.equal(await s.count('/ttl/long/'), 20);
      w.cancel();
    });

    it('watch events arrive in revision order, live and replayed alike, in non-empty batches', async () => {
      const s = await open();
      const w = collect(s, '/batch/');
      await etcd.etcdctl('put', '/batch/a', '1');
      await w.waitFor(1);
      const r0 = await s.currentRevision();
      const writes = [];
      for (let i = 0; i < 50; i++) writes.push(s.create(`/batch/k${i}`, b('v')));
      await Promise.all(writes);
      const replay = collect(s, '/batch/', r0);
      await w.waitFor(51);
      await replay.waitFor(51);
      const revs = w.events.map((e) => e.kv.modRevision);
      assert.deepEqual(revs, Array.from({ length: 51 }, (_, i) => r0 + i));
      assert.deepEqual(replay.events.map((e) => e.kv.modRevision), revs);
      for (const batch of [...w.batches, ...replay.batches]) assert.ok(batch.length > 0);
      assert.equal(w.errors.length + replay.errors.length, 0);
      w.cancel();
      replay.cancel();
    });
  });

  describe('EtcdStore over TLS (--etcd-cafile, --etcd-certfile, --etcd-keyfile)', () => {
    let dir: string;
    let tls: EtcdTLS;
    let etcd: EtcdInstance;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'k8ts-etcd-tls-'));
      const ca = await createCA({ commonName: 'etcd-ca', keyAlgorithm: 'ecdsa' });
      const server = await issueCert(ca, { commonName: 'etcd', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usages: ['server'], keyAlgorithm: 'ecdsa' });
      const client = await issueCert(ca, { commonName: 'kube-apiserver-etcd-client', usages: ['client'], keyAlgorithm: 'ecdsa' });
      const f = (name: string, pem: string) => {
        const p = join(dir, name);
        writeFileSync(p, pem, { mode: 0o600 });
        return p;
      };
      tls = {
        ca: f('ca.crt', ca.certPem),
        cert: f('server.crt', server.certPem),
        key: f('server.key', server.keyPem),
        clientCert: f('client.crt', client.certPem),
        clientKey: f('client.key', client.keyPem),
      };
      etcd = await EtcdInstance.start({ tls });
    });
    after(async () => {
      await etcd?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('connects with the CA and a client certificate (file paths), and watches', async () => {
      assert.match(etcd.endpoint, /^https:/);
      const s = await openStore({ backend: 'etcd3', endpoints: [etcd.endpoint], ca: tls.ca, cert: tls.clientCert, key: tls.clientKey });
      try {
        const w = collect(s, '/tls/');
        await s.create('/tls/a', b('secret'));
        await w.waitFor(1);
        assert.equal((await s.get('/tls/a'))!.value.toString(), 'secret');
        w.cancel();
      } finally {
        await s.close();
      }
    });

    it('without a client certificate etcd refuses: Unavailable', async () => {
      await rejectsWith(EtcdStore.open({ endpoints: [etcd.endpoint], ca: tls.ca, dialTimeoutMs: 500 }), 'Unavailable');
      await rejectsWith(Promise.resolve().then(() => new EtcdStore({ endpoints: [etcd.endpoint], ca: join(dir, 'nope.crt') })), 'Unavailable');
    });
  });
}
