// kube-scheduler benchmarks: `k8ts server` and `k8ts kube-scheduler` run as child processes on
// this machine; this process creates N nodes (plain API objects with status.allocatable — no
// kubelet runs the pods) and then M pods as fast as it can (32 in flight), and watches the
// pods to see them bound. Figures per scenario:
//   - throughput: pods bound per second, from the first create sent to the last bind seen
//   - p99 latency: from a pod's create being sent to its binding being seen on the watch
// The scheduling cycle alone (in this process, no API server: the cache filled directly, each
// chosen node assumed) gives the algorithm's own ceiling per scenario.
// Scenarios: plain pods at 100 / 1,000 / 5,000 nodes, and pods with required pod
// anti-affinity (hostname, per group) and with topology spread (zone, DoNotSchedule +
// hostname, ScheduleAnyway) at 1,000 nodes. Scale down with BENCH_SCHED_SCALE=0.2.
// Progress goes to stderr; every process and temp dir is removed at the end.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { H2Client, k8tsBin, spawnK8ts, startServer, type ComponentProc, type ServerProc } from '../test/e2e/harness.js';
import { cpuSeconds } from './api.js';
import { defaultConfig } from '../src/scheduler/config/defaults.js';
import { CycleState } from '../src/scheduler/framework/interface.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import type { Node as KNode, Pod as KPod } from '../src/scheduler/types.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const SCALE = Number(process.env.BENCH_SCHED_SCALE ?? '1') || 1;
const CONCURRENCY = 32;
const SCHEDULER = 'bench-scheduler';

function log(msg: string): void {
  process.stderr.write(`  [scheduler] ${msg}\n`);
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** The scheduler under --cpu-prof (BENCH_SCHED_PROFILE=dir): the profile is written when it exits. */
function profiled(args: string[], dir: string): ComponentProc {
  const proc = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, k8tsBin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  proc.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return {
    proc,
    logs: () => text,
    waitForLog: async () => {},
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

type Kind = 'plain' | 'anti-affinity' | 'spread';

const ZONES = 10;

async function createNodes(c: H2Client, n: number): Promise<void> {
  const names = Array.from({ length: n }, (_, i) => `node-${i}`);
  await pool(names, CONCURRENCY, async (name) => {
    const i = Number(name.slice(5));
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` } } };
    const r = await c.request('POST', '/api/v1/nodes', node);
    if (r.status !== 201) throw new Error(`create node ${name}: ${r.status} ${r.body}`);
    const status = { status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' }, capacity: { cpu: '32', memory: '128Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'bench' }] } };
    const p = await c.request('PATCH', `/api/v1/nodes/${name}/status`, status, { 'content-type': 'application/merge-patch+json' });
    if (p.status !== 200) throw new Error(`patch node ${name}: ${p.status} ${p.body}`);
    // the TaintNodesByCondition admission taints new nodes not-ready; a kubelet-less bench node
    // is made schedulable by dropping the taint
    const t = await c.request('PATCH', `/api/v1/nodes/${name}`, { spec: { taints: null } }, { 'content-type': 'application/merge-patch+json' });
    if (t.status !== 200) throw new Error(`untaint node ${name}: ${t.status} ${t.body}`);
  });
}

function podBody(ns: string, name: string, kind: Kind, i: number, groups: number): Buffer {
  const labels: Record<string, string> = { app: 'bench', group: `g${i % groups}` };
  const spec: Record<string, unknown> = {
    schedulerName: SCHEDULER,
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists' },
    ],
    containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '10Mi' } } }],
  };
  if (kind === 'anti-affinity') {
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { group: labels.group } }, topologyKey: 'kubernetes.io/hostname' }] } };
  } else if (kind === 'spread') {
    spec.topologySpreadConstraints = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { group: labels.group } } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { group: labels.group } } },
    ];
  }
  return Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec }));
}

/** Scheduling cycles per second without an API server: schedulePod + assume, one pod after another. */
function algorithm(nodes: number, pods: number, kind: Kind, groups: number): number {
  const s = new Scheduler({ config: defaultConfig({ profiles: [{ schedulerName: SCHEDULER }] }) });
  for (let i = 0; i < nodes; i++) {
    const alloc = { cpu: '32', memory: '128Gi', pods: '110' };
    const n: KNode = { metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` } }, spec: {}, status: { allocatable: alloc, capacity: alloc } };
    s.cache.addNode(n);
  }
  const fwk = s.profiles.get(SCHEDULER)!;
  const all: KPod[] = Array.from({ length: pods }, (_, i) => {
    const p = JSON.parse(podBody('default', `p-${i}`, kind, i, groups).toString()) as KPod;
    p.metadata!.uid = `uid-${i}`;
    return p;
  });
  const t0 = performance.now();
  for (const p of all) {
    const r = s.schedulePod(fwk, new CycleState(), p);
    s.cache.assumePod({ ...p, spec: { ...p.spec, nodeName: r.host } });
  }
  return pods / ((performance.now() - t0) / 1000);
}

async function scenario(srv: ServerProc, dir: string, nodes: number, pods: number, kind: Kind, groups: number, backlog = false): Promise<{ throughput: number; p99: number; p50: number; createRate: number }> {
  const c = H2Client.fromKubeconfig(srv.kubeconfig, 2);
  let sched: ComponentProc | undefined;
  try {
    await c.ready();
    log(`${kind} @ ${nodes} nodes: creating nodes`);
    const t0 = performance.now();
    await createNodes(c, nodes);
    log(`  ${nodes} nodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cfg = join(dir, 'scheduler.yaml');
    writeFileSync(
      cfg,
      [
        'apiVersion: kubescheduler.config.k8s.io/v1',
        'kind: KubeSchedulerConfiguration',
        'clientConnection:',
        `  kubeconfig: "${srv.kubeconfig}"`,
        '  qps: 5000',
        '  burst: 10000',
        'leaderElection:',
        '  leaderElect: false',
        'profiles:',
        `- schedulerName: ${SCHEDULER}`,
        '',
      ].join('\n'),
    );
    const ns = 'default';
    const sent = new Map<string, number>();
    const bound = new Map<string, number>();
    let done: () => void = () => {};
    const allBound = new Promise<void>((r) => (done = r));
    const w = c.stream(`/api/v1/namespaces/${ns}/pods?watch=true&allowWatchBookmarks=false`, {
      onEvent: (e) => {
        const p = e.object;
        if (!p?.spec?.nodeName || bound.has(p.metadata.name)) return;
        bound.set(p.metadata.name, performance.now());
        if (bound.size >= pods + (backlog ? 0 : 1)) done();
      },
    });
    await w.response;
    const names = Array.from({ length: pods }, (_, i) => `p-${i}`);
    const bodies = names.map((n, i) => podBody(ns, n, kind, i, groups));
    const createAll = () =>
      pool(
        names.map((n, i) => [n, bodies[i]!] as const),
        CONCURRENCY,
        async ([n, b]) => {
          sent.set(n, performance.now());
          const r = await c.request('POST', `/api/v1/namespaces/${ns}/pods`, b);
          if (r.status !== 201) throw new Error(`create ${n}: ${r.status} ${r.body}`);
        },
      );
    if (backlog) {
      log(`  creating ${pods} pods before the scheduler starts`);
      await createAll();
    }
    const args = ['kube-scheduler', `--config=${cfg}`, '--secure-port=0', ...(process.env.BENCH_SCHED_LOGS ? ['--v=2'] : [])];
    sched = process.env.BENCH_SCHED_PROFILE ? profiled(args, process.env.BENCH_SCHED_PROFILE) : spawnK8ts(args);
    if (backlog) {
      const t = new Promise<void>((r) => setTimeout(r, 300_000).unref());
      await Promise.race([allBound, t]);
      w.close();
      if (process.env.BENCH_SCHED_LOGS) writeFileSync(process.env.BENCH_SCHED_LOGS, sched.logs());
      const times = [...bound.values()].sort((a, b) => a - b);
      const n = times.length;
      const throughput = n / ((times[n - 1]! - times[0]!) / 1000);
      log(`  backlog of ${pods}: ${n} bound at ${throughput.toFixed(0)} pods/s (first to last bind)`);
      return { throughput, p99: NaN, p50: NaN, createRate: NaN };
    }
    // wait until the scheduler sees every node: probe with one pod
    const probe = await c.request('POST', `/api/v1/namespaces/${ns}/pods`, podBody(ns, 'probe', 'plain', 0, 1));
    if (probe.status !== 201) throw new Error(`probe: ${probe.status} ${probe.body}`);
    for (let i = 0; i < 600 && !bound.has('probe'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!bound.has('probe')) throw new Error(`scheduler did not bind the probe pod; logs:\n${sched.logs().slice(-3000)}`);
    log(`  creating ${pods} pods`);
    const start = performance.now();
    const cpu0 = [cpuSeconds(srv.proc.pid!), cpuSeconds(sched.proc.pid!), process.cpuUsage()] as const;
    await createAll();
    const created = performance.now();
    log(`  created in ${((created - start) / 1000).toFixed(1)} s; waiting for bindings`);
    const timeout = new Promise<void>((r) => setTimeout(r, 300_000).unref());
    await Promise.race([allBound, timeout]);
    w.close();
    if (process.env.BENCH_SCHED_LOGS) writeFileSync(process.env.BENCH_SCHED_LOGS, sched.logs());
    const wall = (performance.now() - start) / 1000;
    const cli = process.cpuUsage(cpu0[2]);
    log(`  CPU during the run: server ${(((cpuSeconds(srv.proc.pid!) - cpu0[0]) / wall) * 100).toFixed(0)}%, scheduler ${(((cpuSeconds(sched.proc.pid!) - cpu0[1]) / wall) * 100).toFixed(0)}%, bench ${(((cli.user + cli.system) / 1e6 / wall) * 100).toFixed(0)}%`);
    const lat: number[] = [];
    let last = start;
    for (const [n, t] of sent) {
      const b = bound.get(n);
      if (b === undefined) continue;
      lat.push(b - t);
      if (b > last) last = b;
    }
    const n = lat.length;
    if (n < pods) log(`  only ${n}/${pods} pods bound in time`);
    const throughput = n / ((last - start) / 1000);
    const res = { throughput, p99: percentile(lat, 0.99), p50: percentile(lat, 0.5), createRate: pods / ((created - start) / 1000) };
    log(`  ${n} pods bound: ${throughput.toFixed(0)} pods/s, latency p50 ${res.p50.toFixed(0)} ms, p99 ${res.p99.toFixed(0)} ms`);
    return res;
  } finally {
    await sched?.stop();
    c.close();
  }
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const cases: { nodes: number; pods: number; kind: Kind; groups: number; target?: string; backlog?: boolean }[] = [
    { nodes: 100, pods: 2000, kind: 'plain', groups: 1 },
    { nodes: 1000, pods: 5000, kind: 'plain', groups: 1, target: '≥500' },
    { nodes: 5000, pods: 5000, kind: 'plain', groups: 1, target: '≥300' },
    { nodes: 1000, pods: 2000, kind: 'anti-affinity', groups: 20 },
    { nodes: 1000, pods: 2000, kind: 'spread', groups: 20 },
    // pods created first, then the scheduler started: its own binding rate (first to last bind)
    { nodes: 1000, pods: 5000, kind: 'plain', groups: 1, target: '≥500', backlog: true },
    { nodes: 5000, pods: 5000, kind: 'plain', groups: 1, target: '≥300', backlog: true },
  ];
  const only = process.env.BENCH_SCHED_ONLY;
  for (const cs of cases) {
    const label = `${cs.backlog ? 'backlog ' : ''}${cs.kind} @ ${cs.nodes} nodes`;
    if (only && !label.includes(only)) continue;
    const nodes = Math.max(10, Math.round(cs.nodes * SCALE));
    const pods = Math.max(10, Math.round(cs.pods * SCALE));
    if (!cs.backlog) {
      const algo = algorithm(nodes, pods, cs.kind, cs.groups);
      log(`${cs.kind} @ ${nodes} nodes: scheduling cycle alone ${algo.toFixed(0)} pods/s`);
      rows.push({ name: `scheduler ${cs.kind} pods @ ${nodes} nodes: cycle only (no API)`, value: algo, unit: 'pods/s' });
    }
    if (process.env.BENCH_SCHED_ALGO_ONLY) continue;
    const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-sched-'));
    const srv = await startServer({ timeoutMs: 60_000 });
    try {
      const r = await scenario(srv, dir, nodes, pods, cs.kind, cs.groups, cs.backlog);
      if (cs.backlog) {
        rows.push({ name: `scheduler ${cs.kind} pods @ ${nodes} nodes: backlog bind rate`, value: r.throughput, unit: 'pods/s', target: cs.target });
        continue;
      }
      rows.push({ name: `scheduler ${cs.kind} pods @ ${nodes} nodes: throughput`, value: r.throughput, unit: 'pods/s', target: cs.target });
      rows.push({ name: `scheduler ${cs.kind} pods @ ${nodes} nodes: create→bound p99`, value: r.p99, unit: 'ms' });
      // the rate the API server accepted the creates at, for context: binding cannot outrun it
      rows.push({ name: `scheduler ${cs.kind} pods @ ${nodes} nodes: pod creates accepted`, value: r.createRate, unit: 'pods/s' });
    } finally {
      await srv.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
