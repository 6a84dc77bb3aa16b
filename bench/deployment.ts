// Deployment controller benchmark: `k8ts server` (no in-process controllers) and
// `k8ts kube-controller-manager --controllers=deployment,replicaset` as child processes; this
// process creates one Deployment of N replicas (default 10,000; BENCH_DEPLOY_REPLICAS) and
// watches its pods. No scheduler or kubelet runs: the bench itself marks each pod Running and
// Ready (pods/status, 32 in flight) as it appears, standing in for the kubelets. Figures:
//   - pods created: from the Deployment create to the last pod seen on the watch
//   - all available: until the Deployment reports availableReplicas = N
// The controller-manager runs with --kube-api-qps=5000 --kube-api-burst=10000: at upstream's
// default of 20 qps, 10,000 pod creations alone would take over 8 minutes.
// Progress goes to stderr; every process and temp dir is removed at the end.

import { H2Client, spawnK8ts, startServer, type ComponentProc, type ServerProc } from '../test/e2e/harness.js';
import { cpuSeconds } from './api.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const REPLICAS = Number(process.env.BENCH_DEPLOY_REPLICAS ?? '10000') || 10000;
const READY_CONCURRENCY = 32;
const QPS = 5000;
const BURST = 10000;

function log(msg: string): void {
  process.stderr.write(`  [deployment] ${msg}\n`);
}

export async function run(): Promise<Row[]> {
  let srv: ServerProc | undefined;
  let cm: ComponentProc | undefined;
  let c: H2Client | undefined;
  try {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    cm = spawnK8ts([
      'kube-controller-manager',
      `--kubeconfig=${srv.kubeconfig}`,
      '--controllers=deployment,replicaset',
      '--leader-elect=false',
      '--secure-port=0',
      `--kube-api-qps=${QPS}`,
      `--kube-api-burst=${BURST}`,
    ]);
    await cm.waitForLog(/Starting controller controller="deployment"/, 60_000);
    log(`controller-manager with --kube-api-qps=${QPS} --kube-api-burst=${BURST} (upstream default 20/30 would need minutes for ${REPLICAS} pods)`);
    c = H2Client.fromKubeconfig(srv.kubeconfig, 2);
    await c.ready();
    const client = c;
    const ns = 'default';

    // the stand-in kubelets: every new pod is marked Running and Ready
    const seen = new Set<string>();
    const queue: string[] = [];
    let lastPodAt = 0;
    let allPods: () => void = () => {};
    const podsDone = new Promise<void>((r) => (allPods = r));
    let readying = 0;
    let readied = 0;
    const readyOne = async (): Promise<void> => {
      while (queue.length) {
        const name = queue.shift()!;
        const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        const body = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } };
        const r = await client.request('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, body, { 'content-type': 'application/merge-patch+json' });
        if (r.status === 200) readied++;
      }
      readying--;
    };
    const pods = c.stream(`/api/v1/namespaces/${ns}/pods?watch=true&allowWatchBookmarks=false`, {
      onEvent: (e) => {
        const name = e.object?.metadata?.name;
        if (e.type !== 'ADDED' || !name || seen.has(name)) return;
        seen.add(name);
        lastPodAt = performance.now();
        if (seen.size >= REPLICAS) allPods();
        queue.push(name);
        while (readying < READY_CONCURRENCY && queue.length) {
          readying++;
          void readyOne();
        }
      },
    });
    await pods.response;
    let available: () => void = () => {};
    const allAvailable = new Promise<void>((r) => (available = r));
    let availableAt = 0;
    const deps = c.stream(`/apis/apps/v1/namespaces/${ns}/deployments?watch=true&allowWatchBookmarks=false`, {
      onEvent: (e) => {
        if ((e.object?.status?.availableReplicas ?? 0) >= REPLICAS && !availableAt) {
          availableAt = performance.now();
          available();
        }
      },
    });
    await deps.response;

    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench', namespace: ns },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'bench' } },
        template: { metadata: { labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    };
    const cpu0 = [cpuSeconds(srv.proc.pid!), cpuSeconds(cm.proc.pid!)] as const;
    const start = performance.now();
    const r = await c.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment);
    if (r.status !== 201) throw new Error(`create deployment: ${r.status} ${r.body}`);
    log(`deployment of ${REPLICAS} replicas created; waiting for pods`);
    const timeout = (ms: number) => new Promise<void>((res) => setTimeout(res, ms).unref());
    await Promise.race([podsDone, timeout(600_000)]);
    const createdS = (lastPodAt - start) / 1000;
    log(`${seen.size}/${REPLICAS} pods created in ${createdS.toFixed(1)} s (${(seen.size / createdS).toFixed(0)} pods/s); ${readied} marked ready so far`);
    await Promise.race([allAvailable, timeout(600_000)]);
    const availableS = ((availableAt || performance.now()) - start) / 1000;
    const wall = (performance.now() - start) / 1000;
    log(`available ${availableAt ? REPLICAS : 'not all'} in ${availableS.toFixed(1)} s`);
    log(`CPU during the run: server ${(((cpuSeconds(srv.proc.pid!) - cpu0[0]) / wall) * 100).toFixed(0)}%, controller-manager ${(((cpuSeconds(cm.proc.pid!) - cpu0[1]) / wall) * 100).toFixed(0)}%`);
    pods.close();
    deps.close();
    const k = REPLICAS >= 1000 ? `${REPLICAS / 1000}k` : String(REPLICAS);
    return [
      { name: `deployment ${k} replicas: pods created`, value: createdS, unit: 's' },
      { name: `deployment ${k} replicas: creation rate`, value: seen.size / createdS, unit: 'pods/s' },
      { name: `deployment ${k} replicas: all available`, value: availableS, unit: 's' },
    ];
  } finally {
    c?.close();
    await cm?.stop();
    await srv?.destroy();
  }
}
