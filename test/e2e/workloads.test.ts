// The deployment, replicaset and replicationcontroller controllers end to end: a k8ts server
// (no in-process controllers), `k8ts kube-controller-manager --controllers=deployment,
// replicaset,replicationcontroller` as a separate process, the real kubectl, and a stand-in
// kubelet in the test that marks pods Running/Ready through pods/status (per namespace, so
// a test can hold a rollout still by leaving pods unready).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kc, kubectl, spawnK8ts, startServer } from './harness.js';
import type { ComponentProc, ServerProc } from './harness.js';
import { RestClient, SharedInformerFactory } from '../../src/client/index.js';
import type { Informer } from '../../src/client/index.js';
import type { Deployment, Pod, ReplicaSet } from '../../src/controllers/util/types.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };

function isReady(p: Pod): boolean {
  return !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Marks the pods of chosen namespaces Running and Ready as soon as they appear. */
class StandInKubelet {
  readonly factory: SharedInformerFactory;
  readonly pods: Informer<Pod>;
  private readonly auto = new Set<string>();
  private readonly inflight = new Set<string>();

  constructor(readonly client: RestClient) {
    this.factory = new SharedInformerFactory(client);
    this.pods = this.factory.forResource<Pod>(PODS);
    this.pods.addEventHandler({ onAdd: (p) => this.consider(p), onUpdate: (_o, p) => this.consider(p) });
  }

  async start(): Promise<void> {
    this.factory.start();
    await this.factory.waitForCacheSync();
  }

  /** Start (or stop) making the namespace's pods ready; starting also readies those there. */
  setAuto(ns: string, on: boolean): void {
    if (on) this.auto.add(ns);
    else this.auto.delete(ns);
    if (on) for (const p of this.pods.lister().namespace(ns).list()) this.consider(p);
  }

  private consider(p: Pod): void {
    const ns = p.metadata?.namespace ?? '';
    const uid = p.metadata?.uid ?? '';
    if (!this.auto.has(ns) || p.metadata?.deletionTimestamp || isReady(p) || this.inflight.has(uid)) return;
    this.inflight.add(uid);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.client
      .patch({ ...PODS, namespace: ns, name: p.metadata!.name, subresource: 'status' }, 'merge', {
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
      })
      .catch(() => undefined)
      .finally(() => this.inflight.delete(uid));
  }

  async stop(): Promise<void> {
    await this.factory.shutdown();
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 45000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('workload controllers (deployment, replicaset, replicationcontroller)', () => {
  let srv: ServerProc;
  let cm: ComponentProc;
  let client: RestClient;
  let kubelet: StandInKubelet;
  const k = (...args: string[]) => kc(srv.kubeconfig, args);
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await k(...args, '-o', 'json')) as T;
  const list = async <T>(what: string, ns: string, selector?: string): Promise<T[]> =>
    (await json<{ items: T[] }>('get', what, '-n', ns, ...(selector ? ['-l', selector] : []))).items;
  const rsOf = async (ns: string, selector: string) =>
    (await list<ReplicaSet>('rs', ns, selector)).sort((a, b) => Number(a.metadata?.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata?.annotations?.['deployment.kubernetes.io/revision']));
  const activePods = async (ns: string, selector: string) => (await list<Pod>('pods', ns, selector)).filter((p) => !p.metadata?.deletionTimestamp);
  const events = async (ns: string) =>
    (await list<{ reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } }>('events', ns)).map((e) => `${e.involvedObject?.kind}/${e.involvedObject?.name} ${e.reason}: ${e.message}`);

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    cm = spawnK8ts([
      'kube-controller-manager',
      `--kubeconfig=${srv.kubeconfig}`,
      '--controllers=serviceaccount,serviceaccount-token,root-ca-cert-publisher,deployment,replicaset,replicationcontroller',
      '--leader-elect=false',
      '--secure-port=0',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--v=2',
    ]);
    await cm.waitForLog(/Starting controller controller="deployment"/);
    client = await RestClient.fromKubeconfig(srv.kubeconfig);
    kubelet = new StandInKubelet(client);
    await kubelet.start();
  });

  after(async () => {
    await kubelet?.stop();
    client?.close();
    await cm?.stop();
    await srv?.destroy();
  });

  it('creates a ReplicaSet and pods for a deployment, scales it, and replaces deleted pods', async () => {
    await k('create', 'namespace', 'd1');
    kubelet.setAuto('d1', true);
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=3', '-n', 'd1');
    const rs = await waitFor('a ReplicaSet with 3 ready pods', async () => {
      const sets = await rsOf('d1', 'app=web');
      return sets.length === 1 && sets[0]!.status?.readyReplicas === 3 && sets[0];
    });
    const hash = rs.metadata!.labels!['pod-template-hash']!;
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs.metadata!.name, `web-${hash}`);
    assert.equal(rs.spec!.selector.matchLabels!['pod-template-hash'], hash);
    assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(rs.metadata!.ownerReferences![0]!.kind, 'Deployment');
    const pods = await activePods('d1', 'app=web');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.metadata!.labels!['pod-template-hash'], hash);
      assert.equal(p.metadata!.ownerReferences![0]!.name, rs.metadata!.name);
      assert.ok(p.metadata!.name!.startsWith(`web-${hash}-`));
    }
    await k('rollout', 'status', 'deployment/web', '-n', 'd1', '--timeout=60s');
    const d = await json<Deployment>('get', 'deploy', 'web', '-n', 'd1');
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(d.status!.observedGeneration, d.metadata!.generation);
    assert.deepEqual([d.status!.replicas, d.status!.updatedReplicas, d.status!.readyReplicas, d.status!.availableReplicas], [3, 3, 3, 3]);
    const conds = Object.fromEntries((d.status!.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
    assert.equal(conds.Available, 'True/MinimumReplicasAvailable');
    assert.equal(conds.Progressing, 'True/NewReplicaSetAvailable');

    await k('scale', 'deployment/web', '--replicas=5', '-n', 'd1');
    await waitFor('5 ready replicas', async () => (await json<Deployment>('get', 'deploy', 'web', '-n', 'd1')).status?.availableReplicas === 5);
    await k('scale', 'deployment/web', '--replicas=2', '-n', 'd1');
    await waitFor('2 pods', async () => (await activePods('d1', 'app=web')).length === 2);
    await k('rollout', 'status', 'deployment/web', '-n', 'd1', '--timeout=60s');
    const ev = await events('d1');
    assert.ok(ev.includes(`Deployment/web ScalingReplicaSet: Scaled up replica set web-${hash} to 3`), ev.join('\n'));
    assert.ok(ev.includes(`Deployment/web ScalingReplicaSet: Scaled up replica set web-${hash} to 5 from 3`), ev.join('\n'));
    assert.ok(ev.includes(`Deployment/web ScalingReplicaSet: Scaled down replica set web-${hash} to 2 from 5`), ev.join('\n'));
    assert.ok(ev.some((e) => e.startsWith(`ReplicaSet/web-${hash} SuccessfulCreate: Created pod: web-${hash}-`)), ev.join('\n'));
    assert.ok(ev.some((e) => e.startsWith(`ReplicaSet/web-${hash} SuccessfulDelete: Deleted pod: web-${hash}-`)), ev.join('\n'));

    const victim = (await activePods('d1', 'app=web'))[0]!.metadata!.name!;
    await k('delete', 'pod', victim, '-n', 'd1', '--wait=false');
    await waitFor('a replacement pod', async () => {
      const now = await activePods('d1', 'app=web');
      return now.length === 2 && !now.some((p) => p.metadata!.name === victim) && now.every(isReady);
    });
  });

  it('rolls out a new template within maxSurge/maxUnavailable, then rollout status, history and undo', async () => {
    await k('create', 'namespace', 'd2');
    kubelet.setAuto('d2', true);
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=4', '-n', 'd2');
    await k('patch', 'deployment', 'web', '-n', 'd2', '--type=merge', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":1}}}}');
    await k('rollout', 'status', 'deployment/web', '-n', 'd2', '--timeout=60s');
    const [first] = await rsOf('d2', 'app=web');

    // pods of the new template stay unready: the rollout must stop at the fenceposts
    kubelet.setAuto('d2', false);
    await k('set', 'image', 'deployment/web', 'busybox=busybox:1.36', '-n', 'd2');
    const [old, next] = await waitFor('the rollout to reach its fenceposts (old 3, new 2)', async () => {
      const sets = await rsOf('d2', 'app=web');
      return sets.length === 2 && sets[0]!.spec!.replicas === 3 && sets[1]!.spec!.replicas === 2 && sets[1]!.status?.replicas === 2 && sets;
    });
    assert.equal(old!.metadata!.name, first!.metadata!.name);
    assert.equal(next!.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    assert.equal(next!.spec!.template!.spec!.containers[0]!.image, 'busybox:1.36');
    // at most replicas+maxSurge pods, at least replicas-maxUnavailable available: it holds still
    await new Promise((r) => setTimeout(r, 1500));
    const still = await rsOf('d2', 'app=web');
    assert.deepEqual(still.map((s) => s.spec!.replicas), [3, 2]);
    const mid = await json<Deployment>('get', 'deploy', 'web', '-n', 'd2');
    assert.deepEqual([mid.status!.replicas, mid.status!.updatedReplicas, mid.status!.availableReplicas, mid.status!.unavailableReplicas], [5, 2, 3, 2]);

    kubelet.setAuto('d2', true);
    await k('rollout', 'status', 'deployment/web', '-n', 'd2', '--timeout=60s');
    const done = await rsOf('d2', 'app=web');
    assert.deepEqual(done.map((s) => s.spec!.replicas), [0, 4]);
    const ev = await events('d2');
    assert.ok(ev.includes(`Deployment/web ScalingReplicaSet: Scaled down replica set ${old!.metadata!.name} to 3 from 4`), ev.join('\n'));
    assert.ok(ev.includes(`Deployment/web ScalingReplicaSet: Scaled up replica set ${next!.metadata!.name} to 1`), ev.join('\n'));

    const history = await k('rollout', 'history', 'deployment/web', '-n', 'd2');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const rev1 = await k('rollout', 'history', 'deployment/web', '-n', 'd2', '--revision=1');
    assert.match(rev1, /Image:\s+busybox\n/);

    await k('rollout', 'undo', 'deployment/web', '-n', 'd2');
    await k('rollout', 'status', 'deployment/web', '-n', 'd2', '--timeout=60s');
    const d = await json<Deployment>('get', 'deploy', 'web', '-n', 'd2');
    assert.equal(d.spec!.template!.spec!.containers[0]!.image, 'busybox');
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    const after = await rsOf('d2', 'app=web');
    // the first ReplicaSet is back as revision 3 and remembers revision 1
    assert.equal(after.length, 2);
    const back = after.find((s) => s.metadata!.name === first!.metadata!.name)!;
    assert.equal(back.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(back.spec!.replicas, 4);
    assert.match(await k('rollout', 'history', 'deployment/web', '-n', 'd2'), /\n2\s+<none>\n3\s+<none>/);
  });

  it('pauses and resumes a rollout', async () => {
    await k('create', 'namespace', 'd3');
    kubelet.setAuto('d3', true);
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=2', '-n', 'd3');
    await k('rollout', 'status', 'deployment/web', '-n', 'd3', '--timeout=60s');
    await k('rollout', 'pause', 'deployment/web', '-n', 'd3');
    await k('set', 'image', 'deployment/web', 'busybox=busybox:1.36', '-n', 'd3');
    const paused = await waitFor('the Progressing condition DeploymentPaused', async () => {
      const d = await json<Deployment>('get', 'deploy', 'web', '-n', 'd3');
      const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'DeploymentPaused' && d.status?.observedGeneration === d.metadata?.generation && d;
    });
    assert.equal(paused.status!.conditions!.find((x) => x.type === 'Progressing')!.status, 'Unknown');
    assert.equal((await rsOf('d3', 'app=web')).length, 1, 'no new ReplicaSet while paused');
    await k('rollout', 'resume', 'deployment/web', '-n', 'd3');
    await k('rollout', 'status', 'deployment/web', '-n', 'd3', '--timeout=60s');
    const sets = await rsOf('d3', 'app=web');
    assert.deepEqual(sets.map((s) => s.spec!.replicas), [0, 2]);
    assert.equal(sets[1]!.spec!.template!.spec!.containers[0]!.image, 'busybox:1.36');
    // revisionHistoryLimit: idle old ReplicaSets beyond it are deleted
    await k('patch', 'deployment', 'web', '-n', 'd3', '--type=merge', '-p', '{"spec":{"revisionHistoryLimit":0}}');
    await waitFor('the old ReplicaSet cleaned up', async () => {
      const left = await rsOf('d3', 'app=web');
      return left.length === 1 && left[0]!.metadata!.name === sets[1]!.metadata!.name;
    });
  });

  it('Recreate scales the old ReplicaSet to zero before creating the new one', async () => {
    await k('create', 'namespace', 'd4');
    kubelet.setAuto('d4', true);
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=3', '-n', 'd4');
    await k('patch', 'deployment', 'web', '-n', 'd4', '--type=merge', '-p', '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}');
    await k('rollout', 'status', 'deployment/web', '-n', 'd4', '--timeout=60s');
    const [old] = await rsOf('d4', 'app=web');
    await k('set', 'image', 'deployment/web', 'busybox=busybox:1.36', '-n', 'd4');
    await k('rollout', 'status', 'deployment/web', '-n', 'd4', '--timeout=60s');
    const sets = await rsOf('d4', 'app=web');
    assert.deepEqual(sets.map((s) => s.spec!.replicas), [0, 3]);
    // the ScalingReplicaSet events in order: old down to 0 before the new one was created
    const ev = (await list<{ reason?: string; message?: string; firstTimestamp?: string; metadata?: { resourceVersion?: string } }>('events', 'd4'))
      .filter((e) => e.reason === 'ScalingReplicaSet')
      .sort((a, b) => Number(a.metadata!.resourceVersion) - Number(b.metadata!.resourceVersion))
      .map((e) => e.message);
    assert.deepEqual(ev, [
      `Scaled up replica set ${old!.metadata!.name} to 3`,
      `Scaled down replica set ${old!.metadata!.name} to 0 from 3`,
      `Scaled up replica set ${sets[1]!.metadata!.name} to 3`,
    ]);
  });

  it('scales proportionally when resized in the middle of a rollout', async () => {
    await k('create', 'namespace', 'd5');
    kubelet.setAuto('d5', true);
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=10', '-n', 'd5');
    await k('patch', 'deployment', 'web', '-n', 'd5', '--type=merge', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":3,"maxUnavailable":2}}}}');
    await k('rollout', 'status', 'deployment/web', '-n', 'd5', '--timeout=60s');
    kubelet.setAuto('d5', false);
    await k('set', 'image', 'deployment/web', 'busybox=busybox:1.36', '-n', 'd5');
    // 13 allowed: new 5 (surge 3 + 2 taken from old), old 8
    await waitFor('old 8 / new 5', async () => {
      const sets = await rsOf('d5', 'app=web');
      return sets.length === 2 && sets[0]!.spec!.replicas === 8 && sets[1]!.spec!.replicas === 5;
    });
    await k('scale', 'deployment/web', '--replicas=30', '-n', 'd5');
    // 33 allowed, 20 more shared 8:5 as the max-replicas annotation (13) says: old 8*33/13 ≈ 20, new the rest
    const sets = await waitFor('proportional shares', async () => {
      const s = await rsOf('d5', 'app=web');
      return s[0]!.spec!.replicas! + s[1]!.spec!.replicas! === 33 && s;
    });
    assert.deepEqual(sets.map((s) => s.spec!.replicas), [20, 13]);
    for (const s of sets) assert.equal(s.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '30');
    kubelet.setAuto('d5', true);
    await k('rollout', 'status', 'deployment/web', '-n', 'd5', '--timeout=90s');
    assert.deepEqual((await rsOf('d5', 'app=web')).map((s) => s.spec!.replicas), [0, 30]);
  });

  it('reports ProgressDeadlineExceeded when a rollout stalls, and re-adopts a released ReplicaSet', async () => {
    await k('create', 'namespace', 'd6');
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=2', '-n', 'd6');
    await k('patch', 'deployment', 'web', '-n', 'd6', '--type=merge', '-p', '{"spec":{"progressDeadlineSeconds":3}}');
    const d = await waitFor('ProgressDeadlineExceeded', async () => {
      const x = await json<Deployment>('get', 'deploy', 'web', '-n', 'd6');
      const c = x.status?.conditions?.find((y) => y.type === 'Progressing');
      return c?.reason === 'ProgressDeadlineExceeded' && x;
    }, 30000);
    const c = d.status!.conditions!.find((y) => y.type === 'Progressing')!;
    const [rs] = await rsOf('d6', 'app=web');
    assert.equal(c.status, 'False');
    assert.equal(c.message, `ReplicaSet "${rs!.metadata!.name}" has timed out progressing.`);
    const st = await kubectl(srv.kubeconfig, ['rollout', 'status', 'deployment/web', '-n', 'd6', '--timeout=20s']);
    assert.notEqual(st.code, 0);
    assert.match(st.stderr, /deployment "web" exceeded its progress deadline/);
    kubelet.setAuto('d6', true);
    await k('rollout', 'status', 'deployment/web', '-n', 'd6', '--timeout=60s');

    // a ReplicaSet that loses its controllerRef is adopted again (no new ReplicaSet, no new pods)
    const pods = (await activePods('d6', 'app=web')).map((p) => p.metadata!.name).sort();
    await k('patch', 'rs', rs!.metadata!.name!, '-n', 'd6', '--type=json', '-p', '[{"op":"remove","path":"/metadata/ownerReferences"}]');
    await waitFor('the ReplicaSet adopted again', async () => {
      const sets = await rsOf('d6', 'app=web');
      return sets.length === 1 && sets[0]!.metadata!.ownerReferences?.[0]?.uid === d.metadata!.uid;
    });
    assert.deepEqual((await activePods('d6', 'app=web')).map((p) => p.metadata!.name).sort(), pods);
  });

  it('a ReplicaSet adopts matching orphan pods and releases pods whose labels change', async () => {
    await k('create', 'namespace', 'r1');
    kubelet.setAuto('r1', true);
    await k('run', 'orphan', '--image=busybox', '--labels=app=adopt', '-n', 'r1');
    await waitFor('the orphan ready', async () => isReady(await json<Pod>('get', 'pod', 'orphan', '-n', 'r1')));
    const rsYaml = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'adopter' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await kc(srv.kubeconfig, ['create', '-n', 'r1', '-f', '-'], rsYaml);
    const rs = await waitFor('2 ready replicas', async () => {
      const r = await json<ReplicaSet>('get', 'rs', 'adopter', '-n', 'r1');
      return r.status?.readyReplicas === 2 && r.status?.fullyLabeledReplicas === 2 && r.status?.observedGeneration === r.metadata?.generation && r;
    });
    const orphan = await json<Pod>('get', 'pod', 'orphan', '-n', 'r1');
    assert.equal(orphan.metadata!.ownerReferences?.[0]?.uid, rs.metadata!.uid, 'the orphan was adopted');
    assert.equal(orphan.metadata!.ownerReferences?.[0]?.controller, true);
    assert.equal((await activePods('r1', 'app=adopt')).length, 2, 'only one pod was created');

    await k('label', 'pod', 'orphan', '-n', 'r1', 'app=gone', '--overwrite');
    await waitFor('the relabelled pod released and replaced', async () => {
      const p = await json<Pod>('get', 'pod', 'orphan', '-n', 'r1');
      return !p.metadata!.ownerReferences?.length && (await activePods('r1', 'app=adopt')).length === 2;
    });
  });

  it('a ReplicationController keeps its pods', async () => {
    await k('create', 'namespace', 'r2');
    kubelet.setAuto('r2', true);
    const rc = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: { replicas: 3, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await kc(srv.kubeconfig, ['create', '-n', 'r2', '-f', '-'], rc);
    await waitFor('3 ready', async () => (await json<{ status?: { readyReplicas?: number } }>('get', 'rc', 'rc', '-n', 'r2')).status?.readyReplicas === 3);
    const pods = await activePods('r2', 'app=rc');
    assert.equal(pods[0]!.metadata!.ownerReferences![0]!.kind, 'ReplicationController');
    await k('delete', 'pod', pods[0]!.metadata!.name!, '-n', 'r2', '--wait=false');
    await waitFor('a replacement', async () => {
      const now = await activePods('r2', 'app=rc');
      return now.length === 3 && !now.some((p) => p.metadata!.name === pods[0]!.metadata!.name);
    });
    await k('scale', 'rc/rc', '--replicas=1', '-n', 'r2');
    await waitFor('1 pod', async () => (await activePods('r2', 'app=rc')).length === 1);
    const ev = await events('r2');
    assert.ok(ev.some((e) => e.startsWith('ReplicationController/rc SuccessfulCreate: Created pod: rc-')), ev.join('\n'));
  });

  it('reports ReplicaFailure when pods cannot be created (quota) and availability after minReadySeconds', async () => {
    await k('create', 'namespace', 'r3');
    kubelet.setAuto('r3', true);
    await k('create', 'quota', 'q', '--hard=pods=2', '-n', 'r3');
    // the quota's status is the resourcequota controller's job, not running here
    await k('patch', 'quota', 'q', '-n', 'r3', '--subresource=status', '--type=merge', '-p', '{"status":{"hard":{"pods":"2"},"used":{"pods":"0"}}}');
    const rsYaml = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'limited' },
      spec: { replicas: 3, minReadySeconds: 2, selector: { matchLabels: { app: 'q' } }, template: { metadata: { labels: { app: 'q' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await kc(srv.kubeconfig, ['create', '-n', 'r3', '-f', '-'], rsYaml);
    const rs = await waitFor('ReplicaFailure', async () => {
      const r = await json<ReplicaSet>('get', 'rs', 'limited', '-n', 'r3');
      return r.status?.conditions?.some((c) => c.type === 'ReplicaFailure') && r;
    });
    const c = rs.status!.conditions!.find((x) => x.type === 'ReplicaFailure')!;
    assert.equal(c.status, 'True');
    assert.equal(c.reason, 'FailedCreate');
    assert.match(c.message!, /exceeded quota/);
    assert.ok((await events('r3')).some((e) => /ReplicaSet\/limited FailedCreate: Error creating: .*exceeded quota/.test(e)));
    // pods turn available only minReadySeconds after they turned ready
    await waitFor('2 available', async () => (await json<ReplicaSet>('get', 'rs', 'limited', '-n', 'r3')).status?.availableReplicas === 2);
    // room again: the failure condition goes once all pods exist
    await k('delete', 'quota', 'q', '-n', 'r3');
    // any change to the set syncs it at once (rather than at the end of its error backoff)
    await k('annotate', 'rs', 'limited', '-n', 'r3', 'touched=1');
    await waitFor('3 pods and no ReplicaFailure', async () => {
      const r = await json<ReplicaSet>('get', 'rs', 'limited', '-n', 'r3');
      return r.status?.replicas === 3 && !r.status?.conditions?.some((x) => x.type === 'ReplicaFailure');
    }, 90000);
  });
});
