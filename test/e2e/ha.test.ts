// A highly available control plane: a 3-member etcd cluster on loopback, three `k8ts
// kube-apiserver` processes on it (each bound to its own 127.0.0.x on one port, advertising its
// own address), and a kube-scheduler and kube-controller-manager per API server, leader-elected
// across them. Checked with the real kubectl, etcdctl and the client-go–like informer:
//  - the kubernetes Endpoints/EndpointSlice list every API server (lease endpoint reconciler), and
//    the Service itself is re-created when deleted;
//  - one scheduler and one controller-manager lead, a killed leader is replaced;
//  - SIGKILL of the etcd leader during a stream of writes loses no acknowledged write;
//  - a full etcd restart under an open watch: no missed or duplicated event;
//  - compaction while an informer's API server restarts: its watch from the old resourceVersion
//    gets 410 Expired, and it relists cleanly;
//  - SIGKILL of an API server: clients fail over, the Endpoints shrink when its lease expires;
//    a clean shutdown takes a server out at once.
// Advertise addresses are TEST-NET-2 addresses (198.51.100.x), not the 127.0.0.x the servers
// listen on: as upstream, the Endpoints may not hold loopback addresses.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Informer, listWatchFromClient } from '../../src/client/informer.js';
import { RestClient, type KubeObject } from '../../src/client/rest.js';
import { buildKubeconfig, writeKubeconfig } from '../../src/pki/kubeconfig.js';
import { ensureComponentClientCert, ensureServerPKI } from '../../src/pki/server-pki.js';
import { EtcdCluster, etcdUnavailableReason } from './etcd-cluster.js';
import { freePort, kc, kubectl, kubectlAvailable, spawnK8ts, until, type ComponentProc } from './harness.js';

const BIND = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const ADVERTISE = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
const CM = { group: '', version: 'v1', resource: 'configmaps' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const skip = etcdUnavailableReason() ?? (kubectlAvailable() ? undefined : 'kubectl not found');

describe('HA control plane on a 3-member etcd', { skip, timeout: 300_000 }, () => {
  let etcd: EtcdCluster;
  let dir: string;
  let port: number;
  let caPem: string;
  let adminCert: string;
  let adminKey: string;
  const apiservers: Array<ComponentProc | undefined> = [];
  const apiArgs: string[][] = [];
  const components: ComponentProc[] = [];
  const schedulers: ComponentProc[] = [];
  const managers: ComponentProc[] = [];
  const kubeconfigs: string[] = [];
  const clients: RestClient[] = [];

  const client = (i: number) => new RestClient({ server: `https://${BIND[i]}:${port}`, caCertPem: caPem, clientCertPem: adminCert, clientKeyPem: adminKey, qps: -1, timeoutMs: 15_000 });
  const startAPIServer = async (i: number) => {
    const p = spawnK8ts(apiArgs[i]);
    apiservers[i] = p;
    await p.waitForLog(/kube-apiserver is ready/, 60_000);
  };
  const endpointIPs = async (via: number) => {
    const ep = JSON.parse(await kc(kubeconfigs[via], ['get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json']));
    return (ep.subsets?.[0]?.addresses ?? []).map((a: { ip: string }) => a.ip).join(',');
  };
  const leaseKeys = async () => (await etcd.etcdctl('get', '--prefix', '/registry/masterleases/', '--keys-only')).split('\n').filter(Boolean);

  before(async () => {
    etcd = await EtcdCluster.start({ size: 3 });
    dir = mkdtempSync(join(tmpdir(), 'k8ts-ha-e2e-'));
    const pki = await ensureServerPKI(dir, { serviceIP: '10.32.0.1', bindAddress: '127.0.0.1', hostnames: BIND, keyAlgorithm: 'ecdsa' });
    caPem = readFileSync(pki.caCertPath, 'utf8');
    adminCert = readFileSync(pki.adminCertPath, 'utf8');
    adminKey = readFileSync(pki.adminKeyPath, 'utf8');
    const sched = await ensureComponentClientCert(dir, 'kube-scheduler', 'system:kube-scheduler');
    const cm = await ensureComponentClientCert(dir, 'kube-controller-manager', 'system:kube-controller-manager');
    port = await freePort();
    for (let i = 0; i < 3; i++) {
      apiArgs.push([
        'kube-apiserver',
        `--bind-address=${BIND[i]}`,
        `--secure-port=${port}`,
        `--advertise-address=${ADVERTISE[i]}`,
        `--etcd-servers=${etcd.serversFlag}`,
        `--tls-cert-file=${pki.serverCertPath}`,
        `--tls-private-key-file=${pki.serverKeyPath}`,
        `--client-ca-file=${pki.caCertPath}`,
        '--service-cluster-ip-range=10.32.0.0/24',
        '--authorization-mode=Node,RBAC',
        `--service-account-key-file=${pki.saPubPath}`,
        `--service-account-signing-key-file=${pki.saKeyPath}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      ]);
      const server = `https://${BIND[i]}:${port}`;
      const kcfg = join(dir, `admin-${i}.kubeconfig`);
      await writeKubeconfig(kcfg, buildKubeconfig({ server, caCertPem: caPem, clientCertPem: adminCert, clientKeyPem: adminKey }));
      kubeconfigs.push(kcfg);
      for (const [name, pair] of [['kube-scheduler', sched], ['kube-controller-manager', cm]] as const) {
        await writeKubeconfig(join(dir, `${name}-${i}.kubeconfig`), buildKubeconfig({ server, caCertPem: caPem, clientCertPem: readFileSync(pair.certPath, 'utf8'), clientKeyPem: readFileSync(pair.keyPath, 'utf8'), userName: name }));
      }
    }
    // the first server bootstraps the cluster's objects; the others then start together
    await startAPIServer(0);
    await Promise.all([startAPIServer(1), startAPIServer(2)]);
    for (let i = 0; i < 3; i++) clients.push(client(i));
    const election = ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'];
    for (let i = 0; i < 3; i++) {
      const s = spawnK8ts(['kube-scheduler', `--kubeconfig=${join(dir, `kube-scheduler-${i}.kubeconfig`)}`, '--bind-address=127.0.0.1', '--secure-port=0', ...election]);
      const m = spawnK8ts([
        'kube-controller-manager',
        `--kubeconfig=${join(dir, `kube-controller-manager-${i}.kubeconfig`)}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--controllers=replicaset,deployment,serviceaccount',
        '--use-service-account-credentials=true',
        ...election,
      ]);
      schedulers.push(s);
      managers.push(m);
      components.push(s, m);
    }
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(components.map((c) => c.stop('SIGKILL')));
    await Promise.all(apiservers.map((a) => a?.stop('SIGKILL')));
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the kubernetes Endpoints and EndpointSlice list every API server, from their master leases; a deleted kubernetes Service comes back', async () => {
    const all = [...ADVERTISE].sort().join(',');
    await until(async () => (await endpointIPs(2)) === all, 'three addresses in the kubernetes Endpoints', 30_000);
    const ep = JSON.parse(await kc(kubeconfigs[1], ['get', 'endpoints', 'kubernetes', '-o', 'json']));
    assert.deepEqual(ep.subsets[0].ports, [{ name: 'https', port, protocol: 'TCP' }]);
    assert.equal(ep.metadata.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
    const slice = JSON.parse(await kc(kubeconfigs[0], ['get', 'endpointslice', 'kubernetes', '-o', 'json']));
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.endpoints.map((e: { addresses: string[] }) => e.addresses[0]).join(','), all);
    assert.deepEqual(await leaseKeys(), ADVERTISE.map((a) => `/registry/masterleases/${a}`));
    // upstream's value shape, on an etcd lease (TTL)
    const kv = JSON.parse(await etcd.etcdctl('get', `/registry/masterleases/${ADVERTISE[0]}`, '-w', 'json')).kvs[0];
    const lease = JSON.parse(Buffer.from(kv.value, 'base64').toString('utf8'));
    assert.equal(lease.kind, 'Endpoints');
    assert.deepEqual(lease.subsets, [{ addresses: [{ ip: ADVERTISE[0] }] }]);
    assert.notEqual(String(kv.lease ?? 0), '0', 'the master lease key is attached to an etcd lease');
    // the same answer from every server
    for (const i of [0, 1]) assert.equal(await endpointIPs(i), all);
    // a deleted kubernetes Service is re-created by the next reconcile (every 10 s)
    const ip = (await kc(kubeconfigs[0], ['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    await kc(kubeconfigs[0], ['delete', 'service', 'kubernetes']);
    const back = await until(async () => (await kc(kubeconfigs[2], ['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).trim(), 'the kubernetes Service to come back', 30_000, 500);
    assert.equal(back, ip);
  });

  it('one scheduler and one controller-manager lead across the servers; a killed leader is replaced', async () => {
    for (const [group, lease] of [[schedulers, 'kube-scheduler'], [managers, 'kube-controller-manager']] as const) {
      const acquired = new RegExp(`successfully acquired lease kube-system/${lease}`);
      const leader = await until(async () => group.find((p) => acquired.test(p.logs())), `a ${lease} leader`, 60_000);
      await sleep(1500);
      assert.equal(group.filter((p) => acquired.test(p.logs())).length, 1, `exactly one ${lease} leads`);
      const holder = (await kc(kubeconfigs[1], ['get', 'lease', '-n', 'kube-system', lease, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
      assert.match(holder, /_[0-9a-f-]{36}$/);
      await leader.stop('SIGKILL');
      const next = await until(async () => group.find((p) => p !== leader && acquired.test(p.logs())), `a new ${lease} leader`, 30_000);
      assert.ok(next);
      const holder2 = await until(async () => {
        const h = (await kc(kubeconfigs[2], ['get', 'lease', '-n', 'kube-system', lease, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
        return h !== holder ? h : undefined;
      }, 'the Lease to change hands');
      assert.match(holder2, /_[0-9a-f-]{36}$/);
      assert.equal(group.filter((p) => p !== leader && acquired.test(p.logs())).length, 1, `exactly one new ${lease} leader`);
    }
    // the new controller-manager works: a Deployment gets its ReplicaSet
    await kc(kubeconfigs[0], ['create', 'deployment', 'web', '--image=busybox', '--replicas=1']);
    try {
      await until(async () => (await kc(kubeconfigs[1], ['get', 'rs', '-l', 'app=web', '-o', 'name'])).trim() || undefined, 'a ReplicaSet for the Deployment', 30_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${managers.map((m) => m.logs().slice(-3000)).join('\n----\n')}`);
    }
  });

  it('SIGKILL of the etcd leader during a stream of writes loses no acknowledged write', async (t) => {
    await kc(kubeconfigs[0], ['create', 'namespace', 'stream']);
    const acked = new Set<string>();
    const errors: Array<{ at: number; err: string }> = [];
    let stop = false;
    let n = 0;
    // four writers, one per API server and one more on the first, each retrying its object
    const writer = async (w: number) => {
      const c = clients[w % 3];
      while (!stop) {
        const name = `w${w}-${n++}`;
        for (;;) {
          try {
            await c.create({ ...CM, namespace: 'stream' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(n) } });
            acked.add(name);
            break;
          } catch (err) {
            if ((err as { reason?: string }).reason === 'AlreadyExists') {
              acked.add(name); // an earlier attempt was stored without its answer reaching us
              break;
            }
            errors.push({ at: Date.now(), err: String((err as Error).message ?? err) });
            await sleep(100);
          }
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await until(async () => acked.size >= 60, '60 writes before the kill', 60_000);
    const leader = await etcd.leaderIndex();
    assert.ok(leader >= 0, 'etcd has a leader');
    const killedAt = Date.now();
    const beforeKill = acked.size;
    await etcd.kill(leader);
    await until(async () => acked.size >= beforeKill + 60, '60 more writes with two members', 60_000);
    await etcd.restart(leader);
    await until(async () => acked.size >= beforeKill + 90, 'writes with the member back', 60_000);
    stop = true;
    await Promise.all(writers);
    const names = new Set((await kc(kubeconfigs[2], ['get', 'configmaps', '-n', 'stream', '-o', 'name'])).split('\n').filter(Boolean).map((s) => s.replace('configmap/', '')));
    const lost = [...acked].filter((x) => !names.has(x));
    const errSpan = errors.length ? errors[errors.length - 1].at - errors[0].at : 0;
    t.diagnostic(`${acked.size} acknowledged writes, ${errors.length} failed attempts within ${errSpan} ms after the kill${errors.length ? ` (${errors[0].err})` : ''}`);
    assert.deepEqual(lost, [], 'every acknowledged write is stored');
    // errors, if any, only right after the kill and for a short while
    for (const e of errors) assert.ok(e.at >= killedAt && e.at - killedAt < 15_000, `error outside the failover window: ${e.err}`);
  });

  it('a watch open through an API server across a full etcd restart misses and repeats nothing', async () => {
    await kc(kubeconfigs[0], ['create', 'namespace', 'restart']);
    const c = clients[1];
    const seen: string[] = [];
    const rvs: number[] = [];
    const informerAdds: string[] = [];
    const inf = new Informer(listWatchFromClient(c, CM, { namespace: 'restart' }), { reflector: { backoff: { initialMs: 200, maxMs: 1000 } } });
    inf.addEventHandler({ onAdd: (o) => informerAdds.push(o.metadata!.name!) });
    inf.start();
    assert.ok(await inf.waitForSync({ timeoutMs: 30_000 }));
    // a raw watch from the list's resourceVersion, re-opened from the last one seen if it ends
    const list = await c.list({ ...CM, namespace: 'restart' });
    let rv = list.metadata.resourceVersion!;
    const ac = new AbortController();
    const watching = (async () => {
      while (!ac.signal.aborted) {
        try {
          const w = await c.watch({ ...CM, namespace: 'restart' }, { resourceVersion: rv, allowWatchBookmarks: true, signal: ac.signal });
          for await (const ev of w) {
            const o = ev.object as KubeObject;
            if (ev.type === 'BOOKMARK') {
              rv = o.metadata!.resourceVersion!;
              continue;
            }
            seen.push(`${ev.type} ${o.metadata!.name}`);
            rvs.push(Number(o.metadata!.resourceVersion));
            rv = o.metadata!.resourceVersion!;
          }
        } catch {
          await sleep(200);
        }
      }
    })();
    const create = (name: string) =>
      until(async () => {
        try {
          await c.create({ ...CM, namespace: 'restart' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
        } catch (err) {
          if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
        }
        return true;
      }, `create ${name}`, 60_000, 200);
    for (let i = 0; i < 10; i++) await create(`before-${i}`);
    await until(async () => seen.length >= 10, 'the first events');
    await etcd.killAll();
    await sleep(500);
    await etcd.restartAll();
    await etcd.waitHealthy();
    for (let i = 0; i < 10; i++) await create(`after-${i}`);
    const want = [...Array(10).keys()].map((i) => `ADDED before-${i}`).concat([...Array(10).keys()].map((i) => `ADDED after-${i}`));
    await until(async () => seen.length >= 20 && informerAdds.length >= 20, 'every event after the restart', 60_000);
    await sleep(1000); // anything repeated would arrive now
    ac.abort();
    await watching;
    await inf.stop();
    assert.deepEqual(seen, want, 'each change exactly once, in order');
    assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b));
    assert.equal(new Set(rvs).size, rvs.length);
    assert.deepEqual([...informerAdds].sort(), want.map((s) => s.slice(6)).sort());
  });

  it('compaction while an informer\'s API server restarts: its watch resumed from the old resourceVersion gets 410 Expired and it relists cleanly', async () => {
    await kc(kubeconfigs[0], ['create', 'namespace', 'compact']);
    for (let i = 0; i < 10; i++) await clients[1].create({ ...CM, namespace: 'compact' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } });
    const c0 = client(0);
    const deleted: string[] = [];
    const added: string[] = [];
    // the informer's list/watch, recording its calls and the ERROR events its watches get
    const base = listWatchFromClient(c0, CM, { namespace: 'compact' });
    const calls: string[] = [];
    const lw: typeof base = {
      list: (o) => (calls.push('list'), base.list(o)),
      watch: async (o) => {
        const w = await base.watch(o);
        const next = w.next.bind(w);
        w.next = async () => {
          const r = await next();
          if (!r.done && r.value.type === 'ERROR') calls.push(`ERROR ${(r.value.object as { code?: number }).code} ${(r.value.object as { reason?: string }).reason}`);
          return r;
        };
        return w;
      },
    };
    const inf = new Informer(lw, { reflector: { backoff: { initialMs: 200, maxMs: 1000 } } });
    inf.addEventHandler({
      onAdd: (o) => added.push(o.metadata!.name!),
      onDelete: (o) => deleted.push(((o as { obj?: KubeObject }).obj ?? (o as KubeObject)).metadata!.name!),
    });
    inf.start();
    try {
      assert.ok(await inf.waitForSync({ timeoutMs: 30_000 }));
      const oldRV = inf.lastSyncResourceVersion();
      // the informer's API server stops (its watch ends; the informer keeps re-trying the watch
      // from its resourceVersion); the cluster moves on and compacts its history
      await sleep(2000); // a watch that ends within a second counts as a failure: relist
      await apiservers[0]!.stop('SIGTERM');
      for (let i = 10; i < 15; i++) await clients[1].create({ ...CM, namespace: 'compact' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } });
      for (const i of [0, 1, 2]) await clients[2].delete({ ...CM, namespace: 'compact', name: `c${i}` });
      const [st] = await etcd.status();
      await etcd.etcdctl('compact', String(st.revision));
      // a read at the compacted revision is 410 Expired
      const old = await kubectl(kubeconfigs[1], ['get', '--raw', `/api/v1/namespaces/compact/configmaps?resourceVersion=${oldRV}&resourceVersionMatch=Exact`]);
      assert.notEqual(old.code, 0);
      assert.match(old.stderr, /too old|Expired|Gone/i);
      await startAPIServer(0);
      // any watch resumed from before the compaction ends with a 410 Expired ERROR event
      const w = await kubectl(kubeconfigs[0], ['get', '--raw', `/api/v1/namespaces/compact/configmaps?watch=1&resourceVersion=${oldRV}`]);
      const ev = JSON.parse(w.stdout.trim().split('\n')[0]);
      assert.equal(ev.type, 'ERROR');
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, 'Expired');
      // the informer relists: the 5 new objects added, the 3 deleted ones reported gone
      const want = [...Array(15).keys()].filter((i) => i > 2).map((i) => `compact/c${i}`).sort();
      await until(async () => JSON.stringify(inf.indexer.listKeys().sort()) === JSON.stringify(want), 'the informer to relist', 60_000);
      await until(async () => deleted.length >= 3 && added.length >= 15, 'the relist notifications');
      const expired = calls.indexOf('ERROR 410 Expired');
      assert.ok(expired > 0, `the informer's watch got 410 Expired: ${calls.join(', ')}`);
      assert.ok(calls.indexOf('list', expired) > expired, 'and it listed again');
      assert.deepEqual(deleted.sort(), ['c0', 'c1', 'c2']);
      assert.deepEqual(added.sort(), [...Array(15).keys()].map((i) => `c${i}`).sort());
    } finally {
      await inf.stop();
      c0.destroy();
    }
  });

  it('SIGKILL of an API server: clients fail over and the Endpoints shrink when its lease expires; a clean stop leaves at once', async () => {
    const all = [...ADVERTISE].sort().join(',');
    await until(async () => (await endpointIPs(1)) === all, 'all three servers listed again', 30_000);
    await apiservers[0]!.stop('SIGKILL');
    // a client with a list of servers moves on to the next one
    let served = -1;
    for (let i = 0; i < 3 && served < 0; i++) {
      const r = await kubectl(kubeconfigs[i], ['create', 'configmap', 'failover', '-n', 'default', '--from-literal=a=b']);
      if (r.code === 0) served = i;
      else assert.match(r.stderr, /connection refused|connect/i);
    }
    assert.equal(served, 1, 'the first live server took the write');
    assert.equal((await kc(kubeconfigs[2], ['get', 'configmap', 'failover', '-o', 'jsonpath={.data.a}'])).trim(), 'b');
    // the dead server's lease expires (15 s) and the next reconcile (every 10 s) drops it
    const live = [ADVERTISE[1], ADVERTISE[2]].sort().join(',');
    await until(async () => (await endpointIPs(2)) === live, 'the Endpoints to shrink to the live servers', 45_000, 1000);
    // etcd revokes the expired lease (and so deletes the key) on its own schedule
    const liveKeys = JSON.stringify([ADVERTISE[1], ADVERTISE[2]].map((a) => `/registry/masterleases/${a}`));
    await until(async () => JSON.stringify(await leaseKeys()) === liveKeys, 'etcd to drop the dead server\'s lease key', 15_000);
    const slice = JSON.parse(await kc(kubeconfigs[1], ['get', 'endpointslice', 'kubernetes', '-o', 'json']));
    assert.equal(slice.endpoints.map((e: { addresses: string[] }) => e.addresses[0]).join(','), live);
    // a clean shutdown removes the server's lease and its address right away
    const t0 = Date.now();
    await apiservers[1]!.stop('SIGTERM');
    assert.deepEqual(await leaseKeys(), [`/registry/masterleases/${ADVERTISE[2]}`]);
    assert.equal(await endpointIPs(2), ADVERTISE[2]);
    assert.ok(Date.now() - t0 < 10_000);
  });
});
