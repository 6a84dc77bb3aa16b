// Cluster-scale benchmark (issue 4's "5,000 nodes × 30 pods" figure): a whole k8ts cluster on
// this machine, every component a separate process as in a real cluster —
//   k8ts server (API server + in-process kube-controller-manager, --disable-scheduler),
//   k8ts kube-scheduler, and k8ts sim-nodes with N simulated nodes —
// then N×30 plain pods created by this process (32 in flight), bound by the scheduler and run
// to Running by the simulated kubelets. Measured: node registration time, pod creation
// throughput, create latency p99 and, during the whole run, a probe of single-object calls
// (GET pod, GET node, PATCH a ConfigMap, each every 100 ms) against the upstream scalability
// SLO (p99 ≤ 1 s); time until every pod is Running; RSS of every process at the end.
//
// Scale with BENCH_SCALE_NODES (default 5000) and BENCH_SCALE_PODS_PER_NODE (default 30); the
// run stops waiting after BENCH_SCALE_BUDGET_MS (default 30 min) and reports how far it got.
// Progress goes to stderr; every process and temp dir is removed at the end.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H2Client, rssMB, spawnK8ts, startServer, type ComponentProc, type ServerProc } from '../test/e2e/harness.js';
import { cpuSeconds } from './api.js';
import type { Row } from './run.js';

const NODES = Number(process.env.BENCH_SCALE_NODES ?? 5000) || 5000;
const PER_NODE = Number(process.env.BENCH_SCALE_PODS_PER_NODE ?? 30) || 30;
const BUDGET_MS = Number(process.env.BENCH_SCALE_BUDGET_MS ?? 30 * 60_000);
const CONCURRENCY = 32;
const NS = 'scale';

function log(msg: string): void {
  process.stderr.write(`  [scale] ${msg}\n`);
}

function p(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

function podBody(i: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p-${i}`, namespace: NS, labels: { app: 'scale', group: `g${i % 100}` } },
      spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
    }),
  );
}

/** Single-object calls every 100 ms while `until` is pending; latencies per verb. */
function probe(c: H2Client, stop: { done: boolean }): Promise<{ get: number[]; patch: number[]; errors: number }> {
  const out = { get: [] as number[], patch: [] as number[], errors: 0 };
  return (async () => {
    let i = 0;
    while (!stop.done) {
      const t0 = performance.now();
      const r1 = await c.request('GET', `/api/v1/namespaces/${NS}/pods/p-${i % 100}`).catch(() => undefined);
      out.get.push(performance.now() - t0);
      const t1 = performance.now();
      const r2 = await c.request('GET', `/api/v1/nodes/sim-node-${i % NODES}`).catch(() => undefined);
      out.get.push(performance.now() - t1);
      const t2 = performance.now();
      const r3 = await c
        .request('PATCH', `/api/v1/namespaces/${NS}/configmaps/probe`, { data: { i: String(i) } }, { 'content-type': 'application/merge-patch+json' })
        .catch(() => undefined);
      out.patch.push(performance.now() - t2);
      for (const r of [r1, r2, r3]) if (!r || (r.status !== 200 && r.status !== 404)) out.errors++;
      i++;
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  })();
}

/** Pods of the namespace not Running yet (one watch-cache list with a field selector). */
async function notRunning(c: H2Client): Promise<number> {
  const r = await c.request('GET', `/api/v1/namespaces/${NS}/pods?fieldSelector=${encodeURIComponent('status.phase!=Running')}`, undefined, { accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' });
  if (r.status !== 200) throw new Error(`list: ${r.status}`);
  return (JSON.parse(r.body).items as unknown[]).length;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-scale-'));
  let srv: ServerProc | undefined;
  const procs: ComponentProc[] = [];
  let client: H2Client | undefined;
  try {
    srv = await startServer({ extraArgs: ['--disable-scheduler'], timeoutMs: 60_000 });
    client = H2Client.fromKubeconfig(srv.kubeconfig, 2);
    await client.ready();
    const schedConfig = join(dir, 'scheduler.yaml');
    writeFileSync(schedConfig, `apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: ${srv.kubeconfig}\n  qps: 1000\n  burst: 2000\nleaderElection:\n  leaderElect: true\n`);
    const sched = spawnK8ts(['kube-scheduler', `--config=${schedConfig}`, '--secure-port=0']);
    procs.push(sched);

    // nodes
    let t = performance.now();
    const sim = spawnK8ts(['sim-nodes', `--kubeconfig=${srv.kubeconfig}`, `--count=${NODES}`]);
    procs.push(sim);
    await sim.waitForLog(/nodes registered/, BUDGET_MS);
    const regS = (performance.now() - t) / 1000;
    log(`${NODES} simulated nodes registered in ${regS.toFixed(1)} s`);
    rows.push({ name: `register ${NODES} simulated nodes`, value: regS, unit: 's' });

    await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // pods are admitted once the namespace's default ServiceAccount exists (controller-manager)
    for (let i = 0; i < 300 && (await client.request('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    await client.request('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' }, data: {} });
    const stop = { done: false };
    const probing = probe(client, stop);

    // pods
    const total = NODES * PER_NODE;
    const createLat: number[] = [];
    let next = 0;
    let failed = 0;
    const srvCpu0 = cpuSeconds(srv.proc.pid!);
    t = performance.now();
    const deadline = Date.now() + BUDGET_MS;
    let lastLog = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < total && Date.now() < deadline) {
          const i = next++;
          const s = performance.now();
          const r = await client!.request('POST', `/api/v1/namespaces/${NS}/pods`, podBody(i)).catch(() => undefined);
          createLat.push(performance.now() - s);
          if (!r || r.status !== 201) failed++;
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            log(`created ${next}/${total} pods`);
          }
        }
      }),
    );
    const createS = (performance.now() - t) / 1000;
    const created = createLat.length - failed;
    log(`created ${created} pods in ${createS.toFixed(1)} s (${failed} failed); server CPU ${(((cpuSeconds(srv.proc.pid!) - srvCpu0) / createS) * 100).toFixed(0)}%`);
    rows.push({ name: `create ${created} pods (32 in flight, scheduler and sim-nodes busy)`, value: created / createS, unit: 'pods/s' });
    rows.push({ name: 'pod create latency p99 during the run', value: p(createLat, 0.99), unit: 'ms', target: '< 1000' });

    // until Running
    let left = created;
    while (Date.now() < deadline) {
      left = await notRunning(client).catch(() => left);
      log(`${created - left}/${created} pods Running`);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
    const runS = (performance.now() - t) / 1000;
    rows.push({ name: `pods Running (of ${created}) — time from first create`, value: runS, unit: 's' });
    if (left) rows.push({ name: 'pods not Running when the budget ran out', value: left, unit: 'pods' });
    stop.done = true;
    const pr = await probing;
    rows.push({ name: 'single-object GET (pod, node) p99 during the run', value: p(pr.get, 0.99), unit: 'ms', target: '< 1000' });
    rows.push({ name: 'single-object PATCH (configmap) p99 during the run', value: p(pr.patch, 0.99), unit: 'ms', target: '< 1000' });
    if (pr.errors) rows.push({ name: 'probe errors', value: pr.errors, unit: 'calls' });
    rows.push({ name: `RSS k8ts server (API + controller-manager), ${created} pods`, value: rssMB(srv.proc.pid!), unit: 'MB' });
    rows.push({ name: 'RSS kube-scheduler', value: rssMB(sched.proc.pid!), unit: 'MB' });
    rows.push({ name: `RSS sim-nodes (${NODES} nodes)`, value: rssMB(sim.proc.pid!), unit: 'MB' });
  } finally {
    client?.close();
    for (const pr of procs.reverse()) await pr.stop().catch(() => undefined);
    await srv?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
