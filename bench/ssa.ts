// Server-side apply benchmark: the same objects (PodTemplates with a full pod spec, which no
// controller touches) written by plain updates (PUT of the whole object) and by server-side
// applies (PATCH application/apply-patch+yaml, force) of the same content, each round changing
// one label and one container field. Reports throughput and p50/p99 of both, and the ratio
// (issue 6 target: SSA costs at most 2x an update). `k8ts server` runs as a child process;
// BENCH_SSA_N objects (default 500), BENCH_SSA_ROUNDS rounds of each (default 4), 32 in flight.

import { H2Client, startServer } from '../test/e2e/harness.js';
import type { Row } from './run.js';
import { send } from './api.js';

const N = Number(process.env.BENCH_SSA_N ?? '500') || 500;
const ROUNDS = Number(process.env.BENCH_SSA_ROUNDS ?? '4') || 4;
const CONCURRENCY = 32;

function log(msg: string): void {
  process.stderr.write(`  [ssa] ${msg}\n`);
}

function template(ns: string, name: string, round: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'PodTemplate',
    metadata: { name, namespace: ns, labels: { app: 'bench', round: String(round) }, annotations: { 'bench/owner': 'ssa' } },
    template: {
      metadata: { labels: { app: 'bench' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: `registry.k8s.io/nginx-slim:0.${round}`,
            args: ['--listen=:8080'],
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
            env: [{ name: 'MODE', value: 'bench' }, { name: 'ROUND', value: String(round) }],
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
          },
          { name: 'sidecar', image: 'busybox', command: ['sleep', 'infinity'] },
        ],
        volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'bench', operator: 'Exists', effect: 'NoSchedule' }],
      },
    },
  };
}

async function pool(c: H2Client, requests: { method: string; path: string; body: Buffer; ct: string; ok: number[] }[]): Promise<{ lat: number[]; ms: number }> {
  const lat: number[] = new Array(requests.length);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const i = next++;
      if (i >= requests.length) return;
      const r = requests[i];
      const t = performance.now();
      const res = await send(c.session(i % c.size), r.method, r.path, r.body, r.ct);
      lat[i] = performance.now() - t;
      if (!r.ok.includes(res.status)) throw new Error(`${r.method} ${r.path}: ${res.status} ${res.body.slice(0, 300)}`);
    }
  }));
  return { lat, ms: performance.now() - t0 };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

export async function run(): Promise<Row[]> {
  const srv = await startServer();
  const c = H2Client.fromKubeconfig(srv.kubeconfig, 2);
  try {
    const ns = 'bench-ssa';
    const r0 = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (r0.status !== 201) throw new Error(`namespace: ${r0.status} ${r0.body}`);
    const names = Array.from({ length: N }, (_, i) => `tpl-${String(i).padStart(5, '0')}`);
    const base = `/api/v1/namespaces/${ns}/podtemplates`;
    log(`creating ${N} PodTemplates`);
    await pool(c, names.map((n) => ({ method: 'POST', path: base, body: Buffer.from(JSON.stringify(template(ns, n, 0))), ct: 'application/json', ok: [201] })));
    const upd: number[] = [];
    const ssa: number[] = [];
    let updMs = 0;
    let ssaMs = 0;
    // first apply of each object (taking the fields over from the creator) is not measured
    await pool(c, names.map((n) => ({ method: 'PATCH', path: `${base}/${n}?fieldManager=bench-apply&force=true`, body: Buffer.from(JSON.stringify(template(ns, n, 0))), ct: 'application/apply-patch+yaml', ok: [200] })));
    for (let round = 1; round <= ROUNDS; round++) {
      const u = await pool(c, names.map((n) => ({ method: 'PUT', path: `${base}/${n}?fieldManager=bench-update`, body: Buffer.from(JSON.stringify(template(ns, n, 2 * round))), ct: 'application/json', ok: [200] })));
      upd.push(...u.lat);
      updMs += u.ms;
      const s = await pool(c, names.map((n) => ({ method: 'PATCH', path: `${base}/${n}?fieldManager=bench-apply&force=true`, body: Buffer.from(JSON.stringify(template(ns, n, 2 * round + 1))), ct: 'application/apply-patch+yaml', ok: [200] })));
      ssa.push(...s.lat);
      ssaMs += s.ms;
      log(`round ${round}: update ${((N / u.ms) * 1000).toFixed(0)}/s, apply ${((N / s.ms) * 1000).toFixed(0)}/s`);
    }
    // the objects carry the applier's entry (the forced applies took the updater's fields)
    const got = (await c.get(`${base}/${names[0]}`)).json();
    const managers = (got.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}`).sort().join(',');
    if (!managers.includes('bench-apply/Apply')) throw new Error(`unexpected managedFields: ${managers}`);
    upd.sort((a, b) => a - b);
    ssa.sort((a, b) => a - b);
    const updRate = (upd.length / updMs) * 1000;
    const ssaRate = (ssa.length / ssaMs) * 1000;
    return [
      { name: `update (PUT, ${CONCURRENCY} concurrent)`, value: updRate, unit: 'ops/s' },
      { name: 'update p50', value: pct(upd, 0.5), unit: 'ms' },
      { name: 'update p99', value: pct(upd, 0.99), unit: 'ms' },
      { name: `server-side apply (${CONCURRENCY} concurrent)`, value: ssaRate, unit: 'ops/s' },
      { name: 'server-side apply p50', value: pct(ssa, 0.5), unit: 'ms' },
      { name: 'server-side apply p99', value: pct(ssa, 0.99), unit: 'ms' },
      { name: 'apply cost / update cost (throughput)', value: updRate / ssaRate, unit: 'x', target: '<= 2' },
      { name: 'apply p99 / update p99', value: pct(ssa, 0.99) / pct(upd, 0.99), unit: 'x', target: '<= 2' },
    ];
  } finally {
    c.close();
    await srv.destroy();
  }
}
