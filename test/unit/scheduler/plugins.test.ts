import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../../src/scheduler/framework/interface.js';
import type { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { Pod } from '../../../src/scheduler/types.js';
import { FitError } from '../../../src/scheduler/framework/fiterror.js';
import { node, pod, schedulerWith } from './fixtures.js';

/** The status each node gets from the filter phase: node name → "Plugin: reason, ..." or "ok". */
function filterAll(s: Scheduler, p: Pod): Record<string, string> {
  const fwk = s.profiles.get(p.spec.schedulerName!)!;
  const state = new CycleState();
  const out: Record<string, string> = {};
  const pf = fwk.runPreFilter(state, p, s.cache.list());
  if (pf.status) {
    for (const ni of s.cache.list()) out[ni.name] = `${pf.status.plugin}: ${pf.status.message()}`;
    return out;
  }
  for (const ni of s.cache.list()) {
    const st = fwk.runFilterPluginsWithNominatedPods(state, p, ni);
    out[ni.name] = st ? `${st.plugin}: ${st.message()}` : 'ok';
  }
  return out;
}

function scheduleMessage(s: Scheduler, p: Pod): string {
  const fwk = s.profiles.get(p.spec.schedulerName!)!;
  try {
    const r = s.schedulePod(fwk, new CycleState(), p);
    return `-> ${r.host}`;
  } catch (e) {
    assert.ok(e instanceof FitError, String(e));
    return e.message;
  }
}

describe('scheduler plugins: filters', () => {
  it('NodeResourcesFit: Insufficient cpu / memory / extended resources and Too many pods', () => {
    const s = schedulerWith([node('a', { cpu: '1', memory: '1Gi', pods: '1' }), node('b', { cpu: '4', memory: '1Gi' })], [pod('x', { cpu: '500m', nodeName: 'a' })]);
    assert.deepEqual(filterAll(s, pod('p', { cpu: '1', memory: '2Gi' })), {
      a: 'NodeResourcesFit: Too many pods, Insufficient cpu, Insufficient memory',
      b: 'NodeResourcesFit: Insufficient memory',
    });
    const ext = pod('e', { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '1' } } }] });
    assert.deepEqual(filterAll(s, ext), { a: 'NodeResourcesFit: Too many pods, Insufficient example.com/gpu', b: 'NodeResourcesFit: Insufficient example.com/gpu' });
  });

  it('NodeResourcesFit counts init containers, sidecars and overhead', () => {
    const s = schedulerWith([node('a', { cpu: '2' })]);
    const init = pod('i', { cpu: '500m', initContainers: [{ name: 'init', resources: { requests: { cpu: '3' } } }] });
    assert.deepEqual(filterAll(s, init), { a: 'NodeResourcesFit: Insufficient cpu' });
    const over = pod('o', { cpu: '1500m', overhead: { cpu: '600m' } });
    assert.deepEqual(filterAll(s, over), { a: 'NodeResourcesFit: Insufficient cpu' });
    const sidecar = pod('s', { cpu: '1', initContainers: [{ name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } }] });
    assert.deepEqual(filterAll(s, sidecar), { a: 'ok' });
  });

  it('TaintToleration, NodeUnschedulable and NodeName', () => {
    const s = schedulerWith([
      node('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
      node('gpu', { taints: [{ key: 'gpu', value: 'true', effect: 'NoExecute' }, { key: 'soft', effect: 'PreferNoSchedule' }] }),
      node('cordoned', { unschedulable: true }),
      node('ok'),
    ]);
    assert.deepEqual(filterAll(s, pod('p')), {
      cp: 'TaintToleration: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
      gpu: 'TaintToleration: node(s) had untolerated taint {gpu: true}',
      cordoned: 'NodeUnschedulable: node(s) were unschedulable',
      ok: 'ok',
    });
    const tol = pod('t', { tolerations: [{ key: 'gpu', operator: 'Exists' }, { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    assert.equal(filterAll(s, tol).gpu, 'ok');
    assert.equal(filterAll(s, tol).cordoned, 'ok');
    assert.equal(filterAll(s, pod('n', { nodeName: 'ok' })).cp, "NodeName: node(s) didn't match the requested node name");
  });

  it('NodeAffinity: nodeSelector, required terms, matchFields, addedAffinity', () => {
    const s = schedulerWith([node('a', { labels: { disk: 'ssd', zone: 'z1' } }), node('b', { labels: { disk: 'hdd', size: '10' } })]);
    assert.deepEqual(filterAll(s, pod('p', { nodeSelector: { disk: 'ssd' } })), { a: 'ok', b: "NodeAffinity: node(s) didn't match Pod's node affinity/selector" });
    const gt = pod('g', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'size', operator: 'Gt', values: ['5'] }] }] } } } });
    assert.deepEqual(filterAll(s, gt), { a: "NodeAffinity: node(s) didn't match Pod's node affinity/selector", b: 'ok' });
    const f = pod('f', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }] } } } });
    assert.deepEqual(filterAll(s, f), { a: 'ok', b: "NodeAffinity: node(s) didn't match Pod's node affinity/selector" });
    const added = schedulerWith([node('a', { labels: { pool: 'x' } }), node('b')], [], {
      profiles: [{ schedulerName: 'default-scheduler', pluginConfig: [{ name: 'NodeAffinity', args: { addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'Exists' }] }] } } } }] }],
    });
    assert.deepEqual(filterAll(added, pod('p')), { a: 'ok', b: "NodeAffinity: node(s) didn't match scheduler-enforced node affinity" });
  });

  it('NodePorts', () => {
    const hp = (name: string, port: number, ip?: string, nodeName?: string) => pod(name, { nodeName, containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, hostIP: ip }] }] });
    const s = schedulerWith([node('a'), node('b')], [hp('x', 8080, '10.0.0.1', 'a')]);
    assert.deepEqual(filterAll(s, hp('p', 8080)), { a: "NodePorts: node(s) didn't have free ports for the requested pod ports", b: 'ok' });
    assert.deepEqual(filterAll(s, hp('q', 8080, '10.0.0.2')), { a: 'ok', b: 'ok' });
  });

  it('InterPodAffinity: affinity, anti-affinity and existing pods anti-affinity', () => {
    const web = pod('web', { labels: { app: 'web' }, nodeName: 'a' });
    const db = pod('db', {
      labels: { app: 'db' },
      nodeName: 'c',
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    });
    const s = schedulerWith([node('a'), node('b'), node('c')], [web, db]);
    const anti = pod('p', { labels: { app: 'web' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
    assert.deepEqual(filterAll(s, anti), { a: "InterPodAffinity: node(s) didn't match pod anti-affinity rules", b: 'ok', c: 'ok' });
    const aff = pod('q', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
    assert.deepEqual(filterAll(s, aff), { a: 'ok', b: "InterPodAffinity: node(s) didn't match pod affinity rules", c: "InterPodAffinity: node(s) didn't match pod affinity rules" });
    assert.deepEqual(filterAll(s, pod('cache', { labels: { app: 'cache' } })), { a: 'ok', b: 'ok', c: "InterPodAffinity: node(s) didn't satisfy existing pods anti-affinity rules" });
    // selectors without an equality requirement (no label index): every pod is a candidate
    const notIn = pod('n', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db', 'cache'] }] }, topologyKey: 'kubernetes.io/hostname' }] } } });
    assert.deepEqual(filterAll(s, notIn), { a: "InterPodAffinity: node(s) didn't match pod anti-affinity rules", b: 'ok', c: 'ok' });
    const dbAnti = pod('d2', { labels: { tier: 'x' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, topologyKey: 'kubernetes.io/hostname' }] } } });
    assert.deepEqual(filterAll(s, dbAnti), { a: "InterPodAffinity: node(s) didn't match pod anti-affinity rules", b: 'ok', c: "InterPodAffinity: node(s) didn't match pod anti-affinity rules" });
    // the first pod of a self-affine group may go anywhere
    const self = pod('s1', { labels: { app: 'new' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'new' } }, topologyKey: 'kubernetes.io/hostname' }] } } });
    assert.deepEqual(filterAll(s, self), { a: 'ok', b: 'ok', c: 'ok' });
  });

  it('PodTopologySpread: skew, missing label, minDomains', () => {
    const z = (n: string, zone?: string) => node(n, { labels: zone ? { zone } : {} });
    const bound = [pod('x1', { labels: { app: 'a' }, nodeName: 'n1' }), pod('x2', { labels: { app: 'a' }, nodeName: 'n1' })];
    const s = schedulerWith([z('n1', 'z1'), z('n2', 'z2'), z('n3')], bound);
    const spread = (name: string, extra: Record<string, unknown> = {}) => pod(name, { labels: { app: 'a' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'a' } }, ...extra }] });
    assert.deepEqual(filterAll(s, spread('p')), {
      n1: "PodTopologySpread: node(s) didn't match pod topology spread constraints",
      n2: 'ok',
      n3: "PodTopologySpread: node(s) didn't match pod topology spread constraints (missing required label)",
    });
    // with minDomains 3 and only 2 domains the global minimum is 0
    assert.equal(filterAll(schedulerWith([z('n1', 'z1'), z('n2', 'z2')], [pod('y', { labels: { app: 'a' }, nodeName: 'n2' })]), spread('q', { minDomains: 3 })).n2, "PodTopologySpread: node(s) didn't match pod topology spread constraints");
  });

  it('VolumeBinding: PreFilter rejects missing PVCs (no listers: skipped)', () => {
    const s = schedulerWith([node('a')]);
    assert.deepEqual(filterAll(s, pod('p', { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] })), { a: 'ok' });
  });
});

describe('scheduler: FitError messages', () => {
  it('aggregates reasons sorted as upstream, with the preemption message', () => {
    const s = schedulerWith([
      node('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
      node('w1', { cpu: '2' }),
      node('w2', { cpu: '2' }),
    ], [pod('x', { cpu: '1500m', nodeName: 'w1' }), pod('y', { cpu: '1500m', nodeName: 'w2' })]);
    assert.equal(scheduleMessage(s, pod('p', { cpu: '1' })), '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.');
    const fwk = s.profiles.get('default-scheduler')!;
    const p = pod('p2', { cpu: '1' });
    const state = new CycleState();
    let fe: FitError | undefined;
    try {
      s.schedulePod(fwk, state, p);
    } catch (e) {
      fe = e as FitError;
    }
    const r = fwk.runPostFilter(state, p, fe!.statuses);
    fe!.postFilterMsg = r.status.message();
    assert.equal(fe!.message, '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..');
    // more than the node's allocatable: unresolvable, so preemption cannot help anywhere
    assert.match(scheduleMessage(s, pod('huge', { cpu: '3' })), /^0\/3 nodes are available: 1 node\(s\) had untolerated taint \{node-role.kubernetes.io\/control-plane: \}, 2 Insufficient cpu\.$/);
  });

  it('reports PreFilter rejections once', () => {
    const s = schedulerWith([node('a'), node('b')]);
    const fwk = s.profiles.get('default-scheduler')!;
    // a scheduling gate is a PreEnqueue matter; an impossible node name list is a PreFilter one
    const p = pod('p', { nodeSelector: { x: 'y' } });
    assert.equal(scheduleMessage(s, p), "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
    void fwk;
  });

  it('scores: prefers less allocated nodes and preferred affinity', () => {
    const s = schedulerWith([node('busy', { cpu: '4' }), node('idle', { cpu: '4' })], [pod('x', { cpu: '3', nodeName: 'busy' })]);
    assert.equal(scheduleMessage(s, pod('p', { cpu: '100m' })), '-> idle');
    const pref = pod('q', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['busy'] }] } }] } } });
    assert.equal(scheduleMessage(s, pref), '-> busy');
    const t = schedulerWith([node('soft', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }), node('clean')]);
    for (let i = 0; i < 5; i++) assert.equal(scheduleMessage(t, pod(`t${i}`)), '-> clean');
  });
});
