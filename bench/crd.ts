// Custom resource benchmarks: create throughput and latency of CronTabs (the upstream docs'
// CRD, with a schema, defaults, a pattern, printer columns and a CEL rule, so every create is
// pruned, defaulted and validated) against pods (~1 KB, built-in defaulting and validation) on
// the same `k8ts server`, 32 requests in flight over HTTP/2, bodies serialised beforehand.
// Also: how long a new CRD takes until its resource answers. BENCH_CRD_N sets the count.

import { H2Client, startServer } from '../test/e2e/harness.js';
import { CRONTAB_CRD as CRD } from '../test/e2e/crontab-crd.js';
import { cpuMeter, percentile, podBodyTemplate, podName, runPool, send, sortedCopy } from './api.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const N = Number(process.env.BENCH_CRD_N ?? 5000) || 5000;
const CONCURRENCY = 32;

function log(msg: string): void {
  process.stderr.write(`  [crd] ${msg}\n`);
}

function cronTabBody(i: number): Buffer {
  return Buffer.from(JSON.stringify({
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: `ct-${i}`, labels: { app: 'bench', shard: String(i % 16) } },
    spec: { cronSpec: '*/5 * * * *', image: 'registry.example.com/cron:1.0', replicas: i % 5 },
  }));
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const srv = await startServer();
  const c = H2Client.fromKubeconfig(srv.kubeconfig);
  try {
    await c.ready();
    const t0 = performance.now();
    const r = await c.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
    if (r.status !== 201) throw new Error(`CRD create: ${r.status} ${r.body}`);
    for (;;) {
      const l = await c.request('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs?limit=1');
      if (l.status === 200) break;
      await new Promise((res) => setTimeout(res, 2));
    }
    const servedMs = performance.now() - t0;
    log(`CRD served after ${servedMs.toFixed(1)} ms`);
    rows.push({ name: 'new CRD served (create → first list answers)', value: servedMs, unit: 'ms', target: '< 1000' });

    const measure = async (what: string, path: string, bodies: Buffer[]) => {
      const meter = cpuMeter(srv.proc.pid!);
      const res = await runPool(bodies.length, CONCURRENCY, async (k) => {
        const out = await send(c.session(k % c.size), 'POST', path, bodies[k]);
        if (out.status !== 201) throw new Error(`${what} create ${k}: ${out.status} ${out.body.slice(0, 300)}`);
      });
      meter(`${what} creates`);
      const s = sortedCopy(res.lat);
      const perSec = (bodies.length / res.ms) * 1000;
      log(`${what}: ${perSec.toFixed(0)}/s, p50 ${percentile(s, 0.5).toFixed(2)} ms, p99 ${percentile(s, 0.99).toFixed(2)} ms`);
      return { perSec, p50: percentile(s, 0.5), p99: percentile(s, 0.99) };
    };
    const podTemplate = podBodyTemplate('default');
    const pods = await measure('pod', '/api/v1/namespaces/default/pods', Array.from({ length: N }, (_, i) => podTemplate(podName(i), i)));
    const crs = await measure('crontab', '/apis/stable.example.com/v1/namespaces/default/crontabs', Array.from({ length: N }, (_, i) => cronTabBody(i)));
    rows.push({ name: `pod creates/s (${N})`, value: pods.perSec, unit: '1/s' });
    rows.push({ name: 'pod create latency p99', value: pods.p99, unit: 'ms' });
    rows.push({ name: `custom resource creates/s (${N} CronTabs)`, value: crs.perSec, unit: '1/s' });
    rows.push({ name: 'custom resource create latency p50', value: crs.p50, unit: 'ms' });
    rows.push({ name: 'custom resource create latency p99', value: crs.p99, unit: 'ms' });
    rows.push({ name: 'custom resource / pod create throughput', value: crs.perSec / pods.perSec, unit: 'ratio', target: '≥ 1' });
  } finally {
    c.close();
    await srv.destroy();
  }
  return rows;
}
