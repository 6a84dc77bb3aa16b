// kube-scheduler end to end: `k8ts server` (harness) plus `k8ts kube-scheduler` processes with
// a test profile ("e2e-sched") and their own Lease, so an in-process default scheduler cannot
// interfere. Nodes are plain API objects (status.allocatable patched in); assertions go through
// the real kubectl: bindings, Scheduled and FailedScheduling events with upstream's exact
// messages, the PodScheduled condition, preemption, leader election failover, /healthz and
// /metrics on the secure port, and a bad --config.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kc, kubectl, spawnK8ts, startServer, type ComponentProc, type ServerProc } from './harness.js';

const NS = 'e2e-sched';
const SCHED = 'e2e-sched';
const LEASE = 'e2e-scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(250);
  }
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

const TOLERATE = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists' },
];

function podYaml(name: string, o: { cpu?: string; labels?: Record<string, string>; nodeSelector?: Record<string, string>; hostPort?: number; priorityClassName?: string; extra?: Record<string, unknown> } = {}): string {
  const spec: Record<string, unknown> = {
    schedulerName: SCHED,
    terminationGracePeriodSeconds: 0,
    tolerations: TOLERATE,
    containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: o.cpu ?? '10m' } }, ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort }] } : {}) }],
    ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
    ...(o.priorityClassName ? { priorityClassName: o.priorityClassName } : {}),
    ...(o.extra ?? {}),
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: o.labels ?? {} }, spec });
}

describe('kube-scheduler (e2e)', { concurrency: false }, () => {
  let srv: ServerProc;
  let dir: string;
  let cfgPath: string;
  let a: ComponentProc | undefined;
  let b: ComponentProc | undefined;
  let port = 0;
  const kcfg = () => srv.kubeconfig;

  const nodeOf = async (pod: string) => (await kc(kcfg(), ['get', 'pod', '-n', NS, pod, '-o', 'jsonpath={.spec.nodeName}'])).trim();
  const waitBound = (pod: string, timeoutMs?: number) => waitFor(`${pod} to be bound`, async () => (await nodeOf(pod)) || undefined, timeoutMs);
  const events = async (pod: string, reason: string): Promise<any[]> => {
    const out = await kc(kcfg(), ['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${pod},reason=${reason}`, '-o', 'json']);
    return JSON.parse(out).items;
  };
  const failedMessage = (pod: string) => waitFor(`FailedScheduling for ${pod}`, async () => (await events(pod, 'FailedScheduling'))[0]?.message as string | undefined);
  const create = (yaml: string) => kc(kcfg(), ['create', '-f', '-'], yaml);

  before(async () => {
    srv = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-sched-'));
    await kc(kcfg(), ['create', 'namespace', NS]);
    const nodes: [string, { cpu: string; pods?: string; labels: Record<string, string>; taints?: unknown[]; unschedulable?: boolean }][] = [
      ['cp', { cpu: '4', labels: { role: 'cp' }, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }],
      ['small', { cpu: '2', pods: '3', labels: { disk: 'hdd', zone: 'z1' } }],
      ['big', { cpu: '8', labels: { disk: 'ssd', zone: 'z2' } }],
      ['cordoned', { cpu: '8', labels: { zone: 'z3' }, unschedulable: true }],
      ['pre', { cpu: '2', labels: { pool: 'pre', zone: 'z4' } }],
    ];
    for (const [name, o] of nodes) {
      await create(JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } } }));
      const alloc = { cpu: o.cpu, memory: '16Gi', pods: o.pods ?? '110' };
      await kc(kcfg(), ['patch', 'node', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { allocatable: alloc, capacity: alloc } })]);
      await kc(kcfg(), ['patch', 'node', name, '--type=merge', '-p', JSON.stringify({ spec: { taints: o.taints ?? null, unschedulable: o.unschedulable ?? null } })]);
    }
    await create(JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'e2e-low' }, value: 10 }));
    await create(JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'e2e-high' }, value: 1000 }));
    cfgPath = join(dir, 'scheduler.yaml');
    writeFileSync(
      cfgPath,
      `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: "${srv.kubeconfig}"
leaderElection:
  leaderElect: true
  resourceName: ${LEASE}
  leaseDuration: 4s
  renewDeadline: 3s
  retryPeriod: 1s
profiles:
- schedulerName: ${SCHED}
`,
    );
    port = await freePort();
    a = spawnK8ts(['kube-scheduler', `--config=${cfgPath}`, `--secure-port=${port}`, '--bind-address=127.0.0.1', '--v=2']);
    await a.waitForLog(/successfully acquired lease kube-system\/e2e-scheduler/);
  });

  after(async () => {
    await a?.stop('SIGKILL');
    await b?.stop();
    await srv?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('binds a pod and records the Scheduled event', async () => {
    await create(podYaml('plain', { nodeSelector: { disk: 'ssd' } }));
    assert.equal(await waitBound('plain'), 'big');
    const ev = await waitFor('Scheduled event', async () => (await events('plain', 'Scheduled'))[0]);
    assert.equal(ev.message, `Successfully assigned ${NS}/plain to big`);
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.source.component, SCHED);
  });

  it('Insufficient cpu, taints and unschedulable nodes: FailedScheduling and the PodScheduled condition', async () => {
    await create(podYaml('cpu', { cpu: '16' }));
    const msg = await failedMessage('cpu');
    const want = '0/5 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling..';
    assert.equal(msg, want);
    const cond = await waitFor('PodScheduled condition', async () => {
      const out = await kc(kcfg(), ['get', 'pod', '-n', NS, 'cpu', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")]}']);
      return out ? JSON.parse(out) : undefined;
    });
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, want);
    const desc = await kc(kcfg(), ['describe', 'pod', '-n', NS, 'cpu']);
    assert.match(desc, /Warning\s+FailedScheduling\s+\S+\s+e2e-sched\s+0\/5 nodes are available/);
  });

  it("node selector: didn't match Pod's node affinity/selector", async () => {
    await create(podYaml('selector', { nodeSelector: { disk: 'nvme' } }));
    assert.equal(
      await failedMessage('selector'),
      "0/5 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling..",
    );
  });

  it('host ports in use', async () => {
    await create(podYaml('port1', { hostPort: 8080, nodeSelector: { disk: 'ssd' } }));
    assert.equal(await waitBound('port1'), 'big');
    await create(podYaml('port2', { hostPort: 8080, nodeSelector: { disk: 'ssd' } }));
    assert.equal(
      await failedMessage('port2'),
      "0/5 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling..",
    );
  });

  it('pod anti-affinity', async () => {
    await create(podYaml('anti1', { labels: { app: 'anti' }, nodeSelector: { disk: 'ssd' } }));
    assert.equal(await waitBound('anti1'), 'big');
    const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'anti' } }, topologyKey: 'kubernetes.io/hostname' }] } } };
    await create(podYaml('anti2', { labels: { app: 'anti' }, nodeSelector: { disk: 'ssd' }, extra: anti }));
    assert.equal(
      await failedMessage('anti2'),
      "0/5 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling..",
    );
  });

  it('pod topology spread', async () => {
    await create(podYaml('spread1', { labels: { app: 'spread' }, nodeSelector: { disk: 'ssd' } }));
    assert.equal(await waitBound('spread1'), 'big');
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } }, nodeAffinityPolicy: 'Ignore' }] };
    await create(podYaml('spread2', { labels: { app: 'spread' }, nodeSelector: { disk: 'ssd' }, extra: spread }));
    assert.equal(
      await failedMessage('spread2'),
      "0/5 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling..",
    );
  });

  it('Too many pods', async () => {
    for (const n of ['fill1', 'fill2', 'fill3']) await create(podYaml(n, { nodeSelector: { disk: 'hdd' } }));
    for (const n of ['fill1', 'fill2', 'fill3']) assert.equal(await waitBound(n), 'small');
    await create(podYaml('fill4', { nodeSelector: { disk: 'hdd' } }));
    assert.equal(
      await failedMessage('fill4'),
      "0/5 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling..",
    );
  });

  it('preempts a lower-priority pod', async () => {
    await create(podYaml('victim', { cpu: '1500m', nodeSelector: { pool: 'pre' }, priorityClassName: 'e2e-low' }));
    assert.equal(await waitBound('victim'), 'pre');
    const victimUID = (await kc(kcfg(), ['get', 'pod', '-n', NS, 'victim', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await create(podYaml('preemptor', { cpu: '1', nodeSelector: { pool: 'pre' }, priorityClassName: 'e2e-high' }));
    const preemptorUID = (await kc(kcfg(), ['get', 'pod', '-n', NS, 'preemptor', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const ev = await waitFor('Preempted event', async () => (await events('victim', 'Preempted'))[0]);
    assert.equal(ev.message, `Preempted by pod ${preemptorUID} on node pre`);
    assert.equal(ev.involvedObject.uid, victimUID);
    assert.equal(await waitBound('preemptor', 60_000), 'pre');
    const gone = await kubectl(kcfg(), ['get', 'pod', '-n', NS, 'victim']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NotFound/);
    const failed = await failedMessage('preemptor');
    assert.match(failed, /^0\/5 nodes are available: 1 Insufficient cpu, .*\.$/);
  });

  it('serves /healthz, /readyz and /metrics on the secure port', async () => {
    assert.deepEqual(await get(`https://127.0.0.1:${port}/healthz`), { status: 200, body: 'ok' });
    const ready = await get(`https://127.0.0.1:${port}/readyz?verbose`);
    assert.equal(ready.status, 200);
    assert.match(ready.body, /\[\+\]leaderElection ok/);
    const m = await get(`https://127.0.0.1:${port}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.body, /scheduler_schedule_attempts_total\{result="scheduled",profile="e2e-sched"\} \d+/);
    assert.match(m.body, /scheduler_schedule_attempts_total\{result="unschedulable",profile="e2e-sched"\} \d+/);
    assert.match(m.body, /scheduler_pending_pods\{queue="unschedulable"\} \d+/);
    assert.match(m.body, /scheduler_scheduling_attempt_duration_seconds_bucket/);
    assert.match(m.body, /scheduler_pod_scheduling_sli_duration_seconds_bucket/);
    assert.match(m.body, /leader_election_master_status\{name="e2e-scheduler"\} 1/);
  });

  it('fails over to a standby scheduler when the leader is killed; no pod is bound twice', async () => {
    b = spawnK8ts(['kube-scheduler', `--config=${cfgPath}`, '--secure-port=0', '--v=2']);
    await b.waitForLog(/attempting to acquire leader lease kube-system\/e2e-scheduler/);
    await sleep(1500);
    assert.doesNotMatch(b.logs(), /successfully acquired lease/);
    const holderBefore = (await kc(kcfg(), ['get', 'lease', '-n', 'kube-system', LEASE, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
    await a!.stop('SIGKILL');
    const names = ['ha1', 'ha2', 'ha3', 'ha4'];
    for (const n of names) await create(podYaml(n, { nodeSelector: { disk: 'ssd' } }));
    await b.waitForLog(/successfully acquired lease kube-system\/e2e-scheduler/, 30_000);
    for (const n of names) assert.equal(await waitBound(n), 'big');
    const holderAfter = (await kc(kcfg(), ['get', 'lease', '-n', 'kube-system', LEASE, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
    assert.notEqual(holderAfter, holderBefore);
    // every pod of the test was bound once: one Scheduled event each
    const all = JSON.parse(await kc(kcfg(), ['get', 'events', '-n', NS, '--field-selector', 'reason=Scheduled', '-o', 'json'])).items as any[];
    const per = new Map<string, number>();
    for (const e of all) per.set(e.involvedObject.name, (per.get(e.involvedObject.name) ?? 0) + (e.count ?? 1));
    for (const n of names) assert.equal(per.get(n), 1, `${n} Scheduled events`);
    assert.ok([...per.values()].every((c) => c === 1), JSON.stringify([...per]));
  });

  it('exits non-zero on a bad configuration, naming the file, field and value', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 0\n');
    const p = spawnK8ts(['kube-scheduler', `--config=${bad}`]);
    const code = await new Promise<number | null>((r) => p.proc.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(p.logs(), new RegExp(`command failed.*invalid configuration in config file \\\\"${bad.replace(/[/.]/g, '\\$&')}\\\\": parallelism: Invalid value: 0: should be an integer value greater than zero`));
    const unk = join(dir, 'unknown.yaml');
    writeFileSync(unk, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: x\n  plugin: {}\n');
    const q = spawnK8ts(['kube-scheduler', `--config=${unk}`]);
    assert.equal(await new Promise<number | null>((r) => q.proc.once('exit', (c) => r(c))), 1);
    assert.match(q.logs(), /strict decoding error: unknown field \\"profiles\[0\]\.plugin\\"/);
  });
});
