// Simulated node benchmarks: `k8ts server` (without controller-manager and scheduler) and
// `k8ts sim-nodes` run as child processes; this process creates pods bound to the simulated
// nodes over HTTP/2 with the admin certificate.
//
//   - time to register 1,000 and 5,000 nodes (process start until every node is registered)
//   - sim-nodes RSS with 5,000 idle nodes, and their lease-renewal CPU (server + sim)
//   - pods bound to the 5,000 nodes (30 per node): time until all are Running, and the RSS
//     of the sim process then
//
// Scale down with BENCH_SIM_NODES (default 5000) and BENCH_SIM_PODS_PER_NODE (default 30); the
// pod phase stops after BENCH_SIM_POD_BUDGET_MS (default 240 s) and reports how far it got.
// Progress goes to stderr. Children and the temp dir are removed at the end.

import { H2Client, rssMB, spawnK8ts, startServer } from '../test/e2e/harness.js';
import type { ComponentProc, ServerProc } from '../test/e2e/harness.js';
import { cpuSeconds } from './api.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const NODES = Number(process.env.BENCH_SIM_NODES ?? 5000) || 5000;
const PODS_PER_NODE = Number(process.env.BENCH_SIM_PODS_PER_NODE ?? 30) || 0;
const POD_BUDGET_MS = Number(process.env.BENCH_SIM_POD_BUDGET_MS ?? 240_000);
const CONCURRENCY = 64;

function log(msg: string): void {
  process.stderr.write(`  [simnodes] ${msg}\n`);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a fleet and wait for its "nodes registered" line; returns it and the seconds taken. */
async function fleet(srv: ServerProc, prefix: string, count: number): Promise<{ sim: ComponentProc; seconds: number }> {
  const t0 = performance.now();
  const sim = spawnK8ts(['sim-nodes', `--kubeconfig=${srv.kubeconfig}`, `--count=${count}`, `--name-prefix=${prefix}`]);
  await sim.waitForLog(/nodes registered/, 600_000);
  return { sim, seconds: (performance.now() - t0) / 1000 };
}

function podBody(ns: string, name: string, node: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels: { app: 'sim-bench' } },
      spec: { nodeName: node, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
    }),
  );
}

/** Pods not yet Running (a field-selected count, from one list page of the watch cache). */
async function notRunning(h2: H2Client, ns: string): Promise<number> {
  const r = await h2.get(`/api/v1/namespaces/${ns}/pods?fieldSelector=${encodeURIComponent('status.phase!=Running')}`);
  if (r.status !== 200) throw new Error(`list: ${r.status} ${r.body.slice(0, 200)}`);
  return (r.json().items as unknown[]).length;
}

/** Seconds since the least recently renewed Lease of the fleet (nodes go Unknown after 40 s). */
async function oldestLeaseAge(h2: H2Client, prefix: string): Promise<number> {
  const r = await h2.get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
  if (r.status !== 200) throw new Error(`list leases: ${r.status}`);
  const now = Date.now();
  let oldest = 0;
  for (const l of r.json().items as any[]) {
    if (!l.metadata.name.startsWith(prefix)) continue;
    oldest = Math.max(oldest, (now - Date.parse(l.spec.renewTime)) / 1000);
  }
  return oldest;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'], timeoutMs: 60_000 });
  const sims: ComponentProc[] = [];
  const h2 = H2Client.fromKubeconfig(srv.kubeconfig, 2);
  try {
    const small = Math.min(1000, NODES);
    const a = await fleet(srv, 'bench-a-', small);
    sims.push(a.sim);
    rows.push({ name: `register ${small} nodes`, value: a.seconds, unit: 's' });
    log(`${small} nodes registered in ${a.seconds.toFixed(1)} s`);
    await a.sim.stop();

    const b = await fleet(srv, 'bench-b-', NODES);
    sims.push(b.sim);
    rows.push({ name: `register ${NODES} nodes`, value: b.seconds, unit: 's', target: NODES >= 5000 ? '< 60' : undefined });
    log(`${NODES} nodes registered in ${b.seconds.toFixed(1)} s`);
    const simPid = b.sim.proc.pid!;
    const srvPid = srv.proc.pid!;
    await delay(10_000); // settle: the registration burst is over, leases renew every 10 s
    const s0 = cpuSeconds(simPid);
    const v0 = cpuSeconds(srvPid);
    await delay(20_000);
    rows.push({ name: `sim RSS, ${NODES} idle nodes`, value: rssMB(simPid), unit: 'MB' });
    const leaseCpuRate = (cpuSeconds(simPid) - s0) / 20;
    rows.push({ name: `lease renewals CPU: sim (${NODES} nodes)`, value: leaseCpuRate * 100, unit: '% core' });
    rows.push({ name: `lease renewals CPU: server (${NODES} nodes)`, value: ((cpuSeconds(srvPid) - v0) / 20) * 100, unit: '% core' });
    rows.push({ name: 'oldest lease renewal, idle', value: await oldestLeaseAge(h2, 'bench-b-'), unit: 's', target: '< 40' });

    if (PODS_PER_NODE > 0) {
      const ns = 'sim-bench';
      await h2.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      // pods need the namespace's default ServiceAccount
      for (let i = 0; i < 100; i++) {
        if ((await h2.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200) break;
        await delay(100);
      }
      const total = NODES * PODS_PER_NODE;
      const simCpu0 = cpuSeconds(simPid);
      const srvCpu0 = cpuSeconds(srvPid);
      const t0 = performance.now();
      const deadline = t0 + POD_BUDGET_MS;
      let next = 0;
      let created = 0;
      const worker = async () => {
        while (next < total && performance.now() < deadline) {
          const i = next++;
          const r = await h2.request('POST', `/api/v1/namespaces/${ns}/pods`, podBody(ns, `p-${i}`, `bench-b-${i % NODES}`), {}, i % 2);
          if (r.status !== 201) throw new Error(`create pod: ${r.status} ${r.body.slice(0, 200)}`);
          created++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const leaseAge = await oldestLeaseAge(h2, 'bench-b-');
      const createdS = (performance.now() - t0) / 1000;
      log(`${created} pods created in ${createdS.toFixed(1)} s`);
      let left = await notRunning(h2, ns);
      while (left > 0 && performance.now() < deadline) {
        await delay(1000);
        left = await notRunning(h2, ns);
      }
      const s = (performance.now() - t0) / 1000;
      const simCpu = cpuSeconds(simPid) - simCpu0;
      const srvCpu = cpuSeconds(srvPid) - srvCpu0;
      log(`${created - left} of ${created} pods Running after ${s.toFixed(1)} s; CPU: sim ${simCpu.toFixed(1)} s, server ${srvCpu.toFixed(1)} s`);
      rows.push({ name: `pods created (${PODS_PER_NODE}/node, budget ${POD_BUDGET_MS / 1000}s)`, value: created, unit: 'pods' });
      rows.push({ name: 'pods Running/s (create + sim status)', value: (created - left) / s, unit: 'pods/s' });
      rows.push({ name: 'oldest lease renewal, after the pod creates', value: leaseAge, unit: 's', target: '< 40' });
      // less what the lease renewals took meanwhile
      rows.push({ name: 'sim CPU per pod started', value: (Math.max(0, simCpu - leaseCpuRate * s) * 1000) / Math.max(1, created - left), unit: 'ms' });
      rows.push({ name: `sim RSS, ${NODES} nodes, ${created} pods`, value: rssMB(simPid), unit: 'MB' });
      rows.push({ name: 'server RSS, same', value: rssMB(srvPid), unit: 'MB' });
    }
  } finally {
    h2.close();
    for (const s of sims) await s.stop();
    await srv.destroy();
  }
  return rows;
}

// `node dist/bench/simnodes.js` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    (rows) => {
      for (const r of rows) process.stdout.write(`${r.name}: ${r.value.toFixed(1)} ${r.unit}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
