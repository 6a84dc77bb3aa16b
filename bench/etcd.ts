// etcd benchmarks: the API server on an external etcd next to the same etcd driven directly, in
// one run, on a 1-member and a 3-member cluster (test/e2e/etcd-cluster.ts, data on tmpfs):
//   - raw etcd put throughput and p99: 32 requests in flight over one gRPC connection (the API
//     server's setup), values of the size the API server stores for a pod;
//   - pod creates through `k8ts server --etcd-servers=...` (control plane only): 32 in flight,
//     throughput and p99; the ratio to the raw put throughput is the figure (target >= 60%);
//   - the floor (bench/etcd-floor.ts): the same creates against a Node HTTP/2 server that does
//     only the etcd create transaction and reads its watch event: what any Node API server can
//     reach here, next to what the API server's own work costs;
//   - CPU per operation of etcd, the API server and the client in each phase;
//   - a list of 10,000 pods from the watch cache (resourceVersion=0), from etcd through the API
//     server (limit above the count: a consistent read of the store), and a raw etcd range.
// BENCH_ETCD_SCALE scales the counts (e.g. 0.2 for a quick run). Everything is removed at the end.

import { Etcd3 } from 'etcd3';
import { EtcdCluster } from '../test/e2e/etcd-cluster.js';
import { H2Client, startServer, type ServerProc } from '../test/e2e/harness.js';
import { cpuSeconds, createPods, podName, threadCpuSeconds } from './api.js';
import { startFloorServer } from './etcd-floor.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const SCALE = Number(process.env.BENCH_ETCD_SCALE ?? '1') || 1;
const N = Math.max(200, Math.round(10_000 * SCALE));
const CONCURRENCY = 32;

function log(msg: string): void {
  process.stderr.write(`  [etcd] ${msg}\n`);
}

function p99(lat: ArrayLike<number>): number {
  const s = Float64Array.from(lat).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}

async function median(times: number, fn: () => Promise<void>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b)[Math.floor(out.length / 2)];
}

/** n puts of `size`-byte values, `concurrency` in flight: ops/s and latency p99 (ms). */
async function rawPuts(client: Etcd3, prefix: string, n: number, size: number): Promise<{ opsPerSec: number; p99: number }> {
  const value = Buffer.alloc(size, 'x');
  const lat = new Float64Array(n);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const t = performance.now();
        await client.kv.put({ key: Buffer.from(`${prefix}${String(i).padStart(6, '0')}`), value });
        lat[i] = performance.now() - t;
      }
    }),
  );
  return { opsPerSec: (n / (performance.now() - t0)) * 1000, p99: p99(lat) };
}

/**
 * CPU milliseconds per operation of each party during a phase: etcd (all members), the API
 * server (its main thread, where requests are served, and the whole process, which adds V8's GC
 * helper threads) and this benchmark process (the client). They show where the time of one
 * create goes, and what the machine's cores allow.
 */
function cpuPerOp(etcdPids: number[], serverPid: number | undefined) {
  const read = () => ({
    etcd: etcdPids.reduce((a, p) => a + cpuSeconds(p), 0),
    server: serverPid ? cpuSeconds(serverPid) : 0,
    serverMain: serverPid ? threadCpuSeconds(serverPid, serverPid) : 0,
    client: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
  const t0 = read();
  return (ops: number) => {
    const t1 = read();
    const per = (k: keyof typeof t0) => ((t1[k] - t0[k]) / ops) * 1000;
    return { etcd: per('etcd'), server: per('server'), serverMain: per('serverMain'), client: per('client') };
  };
}

async function topology(label: string, members: number, rows: Row[]): Promise<void> {
  log(`${label}: starting ${members}-member etcd`);
  const cluster = await EtcdCluster.start({ size: members });
  let srv: ServerProc | undefined;
  const client = new Etcd3({ hosts: cluster.endpoints, grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  const h2 = { c: undefined as H2Client | undefined };
  try {
    srv = await startServer({
      timeoutMs: 120_000,
      extraArgs: [`--etcd-servers=${cluster.serversFlag}`, '--disable-controller-manager', '--disable-scheduler', '--etcd-compaction-interval=0'],
    });
    h2.c = H2Client.fromKubeconfig(srv.kubeconfig, 2);
    const c = h2.c;
    await c.ready();
    const ns = 'bench';
    const r = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (r.status !== 201) throw new Error(`create namespace: ${r.status} ${r.body}`);
    // no controller-manager here: the ServiceAccount admission needs each namespace's default SA
    for (const n of [ns, 'default']) {
      const sa = await c.request('POST', `/api/v1/namespaces/${n}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
      if (sa.status !== 201 && sa.status !== 409) throw new Error(`create serviceaccount: ${sa.status} ${sa.body}`);
    }
    // the bytes the API server stores for one of these pods: the raw puts use that size
    await createPods(c, ns, 0, 1, 1, '');
    const stored = await client.get(`/registry/pods/${ns}/${podName(0)}`).buffer();
    if (!stored) throw new Error('the API server did not store the pod under /registry/pods/');
    const size = stored.length;
    log(`${label}: stored pod value is ${size} bytes`);

    // warm-up both paths a little, then measure raw etcd first and the API server right after
    await rawPuts(client, '/bench-raw-warm/', 500, size);
    await createPods(c, 'default', 0, 300, CONCURRENCY, '');
    const etcdPids = (await Promise.all(cluster.members.map((m) => m.processId()))).filter((p) => p > 0);
    let cpu = cpuPerOp(etcdPids, undefined);
    const raw = await rawPuts(client, '/bench-raw/', N, size);
    const rawCpu = cpu(N);
    log(`${label}: raw etcd put ${raw.opsPerSec.toFixed(0)} ops/s, p99 ${raw.p99.toFixed(1)} ms; CPU per put: etcd ${rawCpu.etcd.toFixed(3)} ms, client ${rawCpu.client.toFixed(3)} ms`);
    cpu = cpuPerOp(etcdPids, srv.proc.pid);
    const api = await createPods(c, ns, 1, N + 1, CONCURRENCY, `${label} pod creates`);
    const apiCpu = cpu(N);
    log(
      `${label}: CPU per create: etcd ${apiCpu.etcd.toFixed(3)} ms, API server ${apiCpu.server.toFixed(3)} ms (main thread ${apiCpu.serverMain.toFixed(3)} ms), client ${apiCpu.client.toFixed(3)} ms`,
    );
    const apiOps = (N / api.ms) * 1000;
    const ratio = (apiOps / raw.opsPerSec) * 100;
    log(`${label}: API pod create ${apiOps.toFixed(0)}/s, p99 ${p99(api.lat).toFixed(1)} ms: ${ratio.toFixed(0)}% of raw`);
    rows.push({ name: `${label}: raw etcd put (32 in flight, ${size} B)`, value: raw.opsPerSec, unit: 'ops/s' });
    rows.push({ name: `${label}: raw etcd put p99`, value: raw.p99, unit: 'ms' });
    rows.push({ name: `${label}: API pod create (32 in flight)`, value: apiOps, unit: 'pods/s' });
    rows.push({ name: `${label}: API pod create p99`, value: p99(api.lat), unit: 'ms' });
    rows.push({ name: `${label}: API create / raw put`, value: ratio, unit: '%', target: '>= 60' });
    rows.push({ name: `${label}: CPU per raw put: etcd`, value: rawCpu.etcd, unit: 'ms' });
    rows.push({ name: `${label}: CPU per raw put: client (etcd3)`, value: rawCpu.client, unit: 'ms' });
    rows.push({ name: `${label}: CPU per create: etcd`, value: apiCpu.etcd, unit: 'ms' });
    rows.push({ name: `${label}: CPU per create: API server, main thread`, value: apiCpu.serverMain, unit: 'ms' });
    rows.push({ name: `${label}: CPU per create: API server, whole process`, value: apiCpu.server, unit: 'ms' });
    rows.push({ name: `${label}: CPU per create: client (HTTP/2)`, value: apiCpu.client, unit: 'ms' });

    // the floor: a Node HTTP/2 server doing nothing but the create transaction and its watch event
    const floor = await startFloorServer(cluster.endpoints, size);
    try {
      await createPods(floor.client, 'warm', 0, 300, CONCURRENCY, '');
      const fcpu = cpuPerOp(etcdPids, floor.pid);
      const f = await createPods(floor.client, ns, 1, N + 1, CONCURRENCY, `${label} floor creates`);
      const used = fcpu(N);
      const fOps = (N / f.ms) * 1000;
      log(`${label}: floor server ${fOps.toFixed(0)}/s (${((fOps / raw.opsPerSec) * 100).toFixed(0)}% of raw); CPU per create: etcd ${used.etcd.toFixed(3)} ms, server ${used.server.toFixed(3)} ms, client ${used.client.toFixed(3)} ms`);
      rows.push({ name: `${label}: floor (Node HTTP/2 + etcd3 create + watch, no API work)`, value: fOps, unit: 'creates/s' });
      rows.push({ name: `${label}: floor / raw put`, value: (fOps / raw.opsPerSec) * 100, unit: '%' });
      rows.push({ name: `${label}: CPU per create: floor server, whole process`, value: used.server, unit: 'ms' });
    } finally {
      await floor.stop();
    }

    // lists of the N pods in the namespace
    const path = `/api/v1/namespaces/${ns}/pods`;
    const check = async (q: string) => {
      const res = await c.get(`${path}?${q}`);
      if (res.status !== 200) throw new Error(`list ${q}: ${res.status}`);
      const items = res.json().items.length;
      if (items !== N + 1) throw new Error(`list ${q}: ${items} pods, expected ${N + 1}`);
    };
    await check('resourceVersion=0');
    await check(`limit=${N + 10}`);
    const fromCache = await median(5, async () => void (await c.get(`${path}?resourceVersion=0`)));
    const fromEtcd = await median(5, async () => void (await c.get(`${path}?limit=${N + 10}`)));
    const rawRange = await median(5, async () => void (await client.getAll().prefix(`/registry/pods/${ns}/`).buffers()));
    rows.push({ name: `${label}: list ${N} pods, watch cache (rv=0)`, value: fromCache, unit: 'ms' });
    rows.push({ name: `${label}: list ${N} pods, from etcd via API`, value: fromEtcd, unit: 'ms' });
    rows.push({ name: `${label}: raw etcd range of ${N} pods`, value: rawRange, unit: 'ms' });
  } finally {
    h2.c?.destroy();
    client.close();
    await srv?.destroy();
    await cluster.stop();
  }
}

/** The same pod creates on the embedded store, for reference (the API server's own ceiling here). */
async function embedded(rows: Row[]): Promise<void> {
  const srv = await startServer({ timeoutMs: 120_000, extraArgs: ['--storage-backend=sqlite', '--disable-controller-manager', '--disable-scheduler'] });
  const c = H2Client.fromKubeconfig(srv.kubeconfig, 2);
  try {
    await c.ready();
    const sa = await c.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    if (sa.status !== 201 && sa.status !== 409) throw new Error(`create serviceaccount: ${sa.status} ${sa.body}`);
    await createPods(c, 'default', 0, 300, CONCURRENCY, '');
    const cpu = cpuPerOp([], srv.proc.pid);
    const api = await createPods(c, 'default', 300, N + 300, CONCURRENCY, 'embedded pod creates');
    const used = cpu(N);
    const ops = (N / api.ms) * 1000;
    log(`embedded sqlite: API pod create ${ops.toFixed(0)}/s, p99 ${p99(api.lat).toFixed(1)} ms`);
    rows.push({ name: 'embedded sqlite (reference): API pod create (32 in flight)', value: ops, unit: 'pods/s' });
    rows.push({ name: 'embedded sqlite: CPU per create: API server, main thread', value: used.serverMain, unit: 'ms' });
    rows.push({ name: 'embedded sqlite: CPU per create: API server, whole process', value: used.server, unit: 'ms' });
  } finally {
    c.destroy();
    await srv.destroy();
  }
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  await embedded(rows);
  await topology('1-member etcd', 1, rows);
  await topology('3-member etcd', 3, rows);
  return rows;
}
