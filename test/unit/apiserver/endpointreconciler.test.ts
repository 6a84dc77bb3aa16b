// The endpoint reconciler of the kubernetes Service with two in-process API servers sharing one
// store (each on its own 127.0.0.x, same port, as a real HA pair): lease (default), master-count
// and none, and the --endpoint-reconciler-type flag.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiserverFlags, optionsFromFlags } from '../../../src/apiserver/options.js';
import { APIServer } from '../../../src/apiserver/server.js';
import { ensureServerPKI } from '../../../src/pki/server-pki.js';
import { MemoryStore } from '../../../src/storage/memory.js';
import type { Store } from '../../../src/storage/types.js';
import { parseFlags } from '../../../src/util/flags.js';
import { freePort } from '../storage/etcd-fixture.js';

const BIND = ['127.0.0.21', '127.0.0.22'];
const ADV = ['198.51.100.21', '198.51.100.22'];

describe('endpoint reconciler', () => {
  let dir: string;
  let pkiArgs: string[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-epr-'));
    const pki = await ensureServerPKI(dir, { serviceIP: '10.0.0.1', bindAddress: '127.0.0.1', keyAlgorithm: 'ecdsa' });
    pkiArgs = [`--tls-cert-file=${pki.serverCertPath}`, `--tls-private-key-file=${pki.serverKeyPath}`, `--client-ca-file=${pki.caCertPath}`];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const start = (store: Store, i: number, port: number, extra: string[] = []) =>
    APIServer.start(optionsFromFlags(parseFlags(apiserverFlags, [`--bind-address=${BIND[i]}`, `--secure-port=${port}`, `--advertise-address=${ADV[i]}`, ...pkiArgs, ...extra]).values), { store });

  const endpoints = async (store: Store) => {
    const kv = await store.get('/registry/services/endpoints/default/kubernetes');
    if (!kv) return undefined;
    const ep = JSON.parse(kv.value.toString());
    return { ips: (ep.subsets?.[0]?.addresses ?? []).map((a: { ip: string }) => a.ip), ports: ep.subsets?.[0]?.ports, labels: ep.metadata.labels };
  };
  const sliceIPs = async (store: Store) => {
    const kv = await store.get('/registry/endpointslices/default/kubernetes');
    return kv ? JSON.parse(kv.value.toString()).endpoints.map((e: { addresses: string[] }) => e.addresses[0]) : undefined;
  };
  const leaseKeys = async (store: Store) => (await store.list('/registry/masterleases/')).items.map((kv) => kv.key);

  it('lease: every running server is listed, sorted; a clean stop removes its lease and address', async () => {
    const store = new MemoryStore();
    const port = await freePort();
    const a = await start(store, 0, port);
    let b: APIServer | undefined;
    try {
      assert.deepEqual((await endpoints(store))?.ips, [ADV[0]]);
      b = await start(store, 1, port);
      const ep = await endpoints(store);
      assert.deepEqual(ep?.ips, ADV);
      assert.deepEqual(ep?.ports, [{ name: 'https', port, protocol: 'TCP' }]);
      assert.equal(ep?.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
      assert.deepEqual(await sliceIPs(store), ADV);
      assert.deepEqual(await leaseKeys(store), ADV.map((ip) => `/registry/masterleases/${ip}`));
      const lease = await store.get(`/registry/masterleases/${ADV[1]}`);
      assert.ok(lease?.expiresAt, 'master leases carry a TTL');
      assert.deepEqual(JSON.parse(lease!.value.toString()).subsets, [{ addresses: [{ ip: ADV[1] }] }]);
      await b.close();
      b = undefined;
      assert.deepEqual((await endpoints(store))?.ips, [ADV[0]]);
      assert.deepEqual(await sliceIPs(store), [ADV[0]]);
      assert.deepEqual(await leaseKeys(store), [`/registry/masterleases/${ADV[0]}`]);
      // the last server never erases the last address
      await a.close();
      assert.deepEqual((await endpoints(store))?.ips, [ADV[0]]);
    } finally {
      await b?.close();
      await a.close();
      await store.close();
    }
  });

  it('master-count: each server adds itself and trims the list to --apiserver-count', async () => {
    const store = new MemoryStore();
    const port = await freePort();
    const a = await start(store, 0, port, ['--endpoint-reconciler-type=master-count', '--apiserver-count=2']);
    const b = await start(store, 1, port, ['--endpoint-reconciler-type=master-count', '--apiserver-count=2']);
    try {
      assert.deepEqual((await endpoints(store))?.ips, ADV);
      assert.deepEqual(await leaseKeys(store), []);
      await b.close();
      assert.deepEqual((await endpoints(store))?.ips, [ADV[0]]);
    } finally {
      await b.close();
      await a.close();
      await store.close();
    }
    const single = new MemoryStore();
    const c = await start(single, 0, port, ['--endpoint-reconciler-type=master-count']);
    const d = await start(single, 1, port, ['--endpoint-reconciler-type=master-count']);
    try {
      assert.deepEqual((await endpoints(single))?.ips, [ADV[1]], 'count 1: the newest writer wins');
    } finally {
      await d.close();
      await c.close();
      await single.close();
    }
  });

  it('none: the Endpoints are left alone', async () => {
    const store = new MemoryStore();
    const a = await start(store, 0, await freePort(), ['--endpoint-reconciler-type=none']);
    try {
      assert.equal(await endpoints(store), undefined);
      assert.ok(await store.get('/registry/services/specs/default/kubernetes'), 'the Service itself is there');
    } finally {
      await a.close();
      await store.close();
    }
  });

  it('a shutdown with storage unreachable does not wait for the Endpoints forever', async () => {
    const mem = new MemoryStore();
    let hang = false;
    // the same store, except that once `hang` is set every call waits forever
    const store = new Proxy(mem, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== 'function' || prop === 'watch' || prop === 'close') return typeof v === 'function' ? v.bind(target) : v;
        return (...args: unknown[]) => (hang ? new Promise(() => {}) : v.apply(target, args));
      },
    });
    const a = await start(store, 0, await freePort());
    hang = true;
    await a.close(); // resolves (after the reconciler's shutdown cap)
    hang = false;
    assert.deepEqual(await leaseKeys(mem), [`/registry/masterleases/${ADV[0]}`], 'the lease is left to expire');
    await mem.close();
  });

  it('--endpoint-reconciler-type takes master-count, lease or none', () => {
    assert.equal(optionsFromFlags(parseFlags(apiserverFlags, []).values).endpointReconcilerType, 'lease');
    assert.throws(() => optionsFromFlags(parseFlags(apiserverFlags, ['--endpoint-reconciler-type=bogus']).values), /invalid endpoint reconciler type: "bogus"/);
  });
});
