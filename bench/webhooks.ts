// Admission webhook round-trip overhead: `k8ts server` as a child process, a test HTTPS webhook
// server in this process (test/e2e/webhook-server.ts), and ConfigMap creates over HTTP/2 with
// 32 in flight — first with no webhook, then with one mutating webhook (JSONPatch adding a
// label) and one validating webhook (allow) registered by url for the namespace. Reports
// creates/s, p50/p99 and the API server's CPU time per create for both, and the difference. BENCH_WEBHOOKS_N sets the creates per
// phase (default 3,000). The child, its data dir and the webhook server are removed at the end.

import { H2Client, startServer, type ServerProc } from '../test/e2e/harness.js';
import { startWebhookServer, type WebhookServer } from '../test/e2e/webhook-server.js';
import { cpuSeconds } from './api.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const N = Number(process.env.BENCH_WEBHOOKS_N ?? '3000') || 3000;
const CONCURRENCY = 32;

function log(msg: string): void {
  process.stderr.write(`  [webhooks] ${msg}\n`);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function creates(c: H2Client, ns: string, prefix: string, pid: number): Promise<{ perSec: number; p50: number; p99: number; cpuMs: number }> {
  const lat = new Float64Array(N);
  const cpu0 = cpuSeconds(pid);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const i = next++;
      if (i >= N) return;
      const t = performance.now();
      const r = await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${i}` }, data: { key: `value-${i}` },
      });
      if (r.status !== 201) throw new Error(`create ${prefix}-${i}: ${r.status} ${r.body.slice(0, 300)}`);
      lat[i] = performance.now() - t;
    }
  }));
  const ms = performance.now() - t0;
  lat.sort();
  return { perSec: (N * 1000) / ms, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), cpuMs: ((cpuSeconds(pid) - cpu0) * 1000) / N };
}

function webhookConfig(kind: 'Mutating' | 'Validating', hooks: WebhookServer, path: string): unknown {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name: `bench-${kind.toLowerCase()}` },
    webhooks: [{
      name: `${kind.toLowerCase()}.bench.k8ts.test`,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      clientConfig: { url: `https://127.0.0.1:${hooks.port}${path}`, caBundle: hooks.caBundle },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      namespaceSelector: { matchLabels: { bench: 'webhooks' } },
    }],
  };
}

export async function run(): Promise<Row[]> {
  let srv: ServerProc | undefined;
  let hooks: WebhookServer | undefined;
  let c: H2Client | undefined;
  try {
    hooks = await startWebhookServer();
    srv = await startServer();
    c = H2Client.fromKubeconfig(srv.kubeconfig, 2);
    const ns = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench', labels: { bench: 'webhooks' } } });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${ns.body}`);
    await creates(c, 'bench', 'warmup', srv.proc.pid!);
    log(`${N} creates without webhooks`);
    const plain = await creates(c, 'bench', 'plain', srv.proc.pid!);
    for (const [kind, path] of [['Mutating', '/mutate'], ['Validating', '/allow']] as const) {
      const r = await c.request('POST', `/apis/admissionregistration.k8s.io/v1/${kind.toLowerCase()}webhookconfigurations`, webhookConfig(kind, hooks, path));
      if (r.status !== 201) throw new Error(`${kind} configuration: ${r.status} ${r.body}`);
    }
    // wait until both webhooks are in effect
    for (let i = 0; ; i++) {
      const before = hooks.seen.length;
      const r = await c.request('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `probe-${i}` } });
      if (r.status === 201 && JSON.parse(r.body).metadata?.labels?.webhooked === 'true' && hooks.seen.length - before >= 2) break;
      if (i > 100) throw new Error('the webhooks never applied');
      await new Promise((res) => setTimeout(res, 50));
    }
    log(`${N} creates with a mutating and a validating webhook`);
    const seen0 = hooks.seen.length;
    const hooked = await creates(c, 'bench', 'hooked', srv.proc.pid!);
    const calls = hooks.seen.length - seen0;
    log(`webhook calls ${calls}, TLS connections ${hooks.connections()}`);
    if (calls < 2 * N) throw new Error(`expected ${2 * N} webhook calls, saw ${calls}`);
    return [
      { name: 'configmap create, no webhooks (32 in flight)', value: plain.perSec, unit: '/s' },
      { name: 'configmap create p50, no webhooks', value: plain.p50, unit: 'ms' },
      { name: 'configmap create p99, no webhooks', value: plain.p99, unit: 'ms' },
      { name: 'configmap create, 1 mutating + 1 validating webhook', value: hooked.perSec, unit: '/s' },
      { name: 'configmap create p50, with webhooks', value: hooked.p50, unit: 'ms' },
      { name: 'configmap create p99, with webhooks', value: hooked.p99, unit: 'ms' },
      { name: 'webhook overhead per create (p50 difference)', value: hooked.p50 - plain.p50, unit: 'ms' },
      { name: 'API server CPU per create, no webhooks', value: plain.cpuMs, unit: 'ms' },
      { name: 'API server CPU per create, with webhooks', value: hooked.cpuMs, unit: 'ms' },
    ];
  } finally {
    c?.close();
    await srv?.destroy();
    await hooks?.close();
  }
}
