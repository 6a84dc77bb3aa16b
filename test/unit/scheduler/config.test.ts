import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from '../../../src/scheduler/config/load.js';
import { numFeasibleNodesToFind } from '../../../src/scheduler/scheduler.js';
import { Framework } from '../../../src/scheduler/framework/runtime.js';
import { inTreeRegistry } from '../../../src/scheduler/plugins/registry.js';
import { schedulerWith } from './fixtures.js';

const seed = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: "/var/lib/kubernetes/kube-scheduler.kubeconfig"
leaderElection:
  leaderElect: true
`;

function err(text: string): string {
  try {
    parseConfig(text, 'config file "x.yaml"');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('expected an error');
}

describe('scheduler config: decoding and defaults', () => {
  it('defaults the seed configuration as upstream', () => {
    const c = parseConfig(seed);
    assert.equal(c.clientConnection.kubeconfig, '/var/lib/kubernetes/kube-scheduler.kubeconfig');
    assert.equal(c.clientConnection.qps, 50);
    assert.equal(c.clientConnection.burst, 100);
    assert.equal(c.clientConnection.contentType, 'application/vnd.kubernetes.protobuf');
    assert.deepEqual(c.leaderElection, { leaderElect: true, leaseDurationMs: 15000, renewDeadlineMs: 10000, retryPeriodMs: 2000, resourceLock: 'leases', resourceName: 'kube-scheduler', resourceNamespace: 'kube-system' });
    assert.equal(c.parallelism, 16);
    assert.equal(c.percentageOfNodesToScore, 0);
    assert.equal(c.podInitialBackoffSeconds, 1);
    assert.equal(c.podMaxBackoffSeconds, 10);
    assert.equal(c.profiles.length, 1);
    assert.equal(c.profiles[0]!.schedulerName, 'default-scheduler');
    const mp = c.profiles[0]!.plugins.multiPoint.enabled;
    assert.deepEqual(mp.find((p) => p.name === 'TaintToleration'), { name: 'TaintToleration', weight: 3 });
    assert.equal(mp.length, 18);
    const fit = c.profiles[0]!.pluginConfig.find((p) => p.name === 'NodeResourcesFit')!;
    assert.deepEqual((fit.args as any).scoringStrategy, { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] });
    const pre = c.profiles[0]!.pluginConfig.find((p) => p.name === 'DefaultPreemption')!;
    assert.equal((pre.args as any).minCandidateNodesPercentage, 10);
    assert.equal((pre.args as any).minCandidateNodesAbsolute, 100);
    const spread = c.profiles[0]!.pluginConfig.find((p) => p.name === 'PodTopologySpread')!;
    assert.equal((spread.args as any).defaultingType, 'System');
  });

  it('reads durations and plugin args', () => {
    const c = parseConfig(`${seed}  leaseDuration: 30s
  renewDeadline: 20s
percentageOfNodesToScore: 40
profiles:
- schedulerName: a
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
  - name: InterPodAffinity
    args: {hardPodAffinityWeight: 5}
- schedulerName: b
`);
    assert.equal(c.leaderElection.leaseDurationMs, 30000);
    assert.equal(c.leaderElection.renewDeadlineMs, 20000);
    assert.equal(c.percentageOfNodesToScore, 40);
    assert.deepEqual(c.profiles.map((p) => p.schedulerName), ['a', 'b']);
    assert.equal((c.profiles[0]!.pluginConfig.find((p) => p.name === 'NodeResourcesFit')!.args as any).scoringStrategy.type, 'MostAllocated');
    assert.equal((c.profiles[0]!.pluginConfig.find((p) => p.name === 'InterPodAffinity')!.args as any).hardPodAffinityWeight, 5);
  });

  it('rejects unknown fields naming their path (strict decoding)', () => {
    assert.equal(err(`${seed}foo: 1\n`), 'failed to decode config file "x.yaml": strict decoding error: unknown field "foo"');
    assert.match(err(`${seed}  leaderElekt: true\n`), /unknown field "leaderElection.leaderElekt"/);
    assert.match(err(`${seed}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: NodeResourcesFit\n    args: {bogus: 1}\n`), /unknown field "profiles\[0\]\.pluginConfig\[0\]\.args\.bogus"/);
  });

  it('reports type errors and bad durations', () => {
    assert.match(err(`${seed}parallelism: "x"\n`), /cannot unmarshal string into Go struct field KubeSchedulerConfiguration.parallelism of type int32/);
    assert.match(err(`${seed}  leaseDuration: forever\n`), /time: invalid duration "forever"/);
    assert.match(err(`apiVersion: kubescheduler.config.k8s.io/v1beta9\nkind: KubeSchedulerConfiguration\n`), /no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io\/v1beta9"/);
  });

  it('validates values with upstream field paths and messages', () => {
    assert.equal(err(`${seed}parallelism: 0\n`), 'invalid configuration in config file "x.yaml": parallelism: Invalid value: 0: should be an integer value greater than zero');
    assert.match(err(`${seed}percentageOfNodesToScore: 120\n`), /percentageOfNodesToScore: Invalid value: 120: not in valid range \[0-100\]/);
    assert.match(err(`${seed}  leaseDuration: 5s\n`), /leaderElection.leaseDuration: Invalid value: "10s": LeaseDuration must be greater than RenewDeadline/);
    assert.match(err(`${seed}podInitialBackoffSeconds: 20\n`), /podMaxBackoffSeconds: Invalid value: 10: must be greater than or equal to PodInitialBackoffSeconds/);
    assert.match(err(`${seed}profiles:\n- schedulerName: a\n- schedulerName: a\n`), /profiles\[1\]\.schedulerName: Duplicate value: "a"/);
    assert.match(err(`${seed}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Balanced}}\n`), /profiles\[0\]\.pluginConfig\[0\]\.args\.scoringStrategy\.type: Unsupported value: "Balanced": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"/);
    assert.match(err(`${seed}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: DefaultPreemption\n    args: {minCandidateNodesPercentage: 101}\n`), /minCandidateNodesPercentage: Invalid value: 101: not in valid range \[0, 100\]/);
    assert.match(err(`${seed}profiles:\n- schedulerName: a\n  pluginConfig:\n  - name: PodTopologySpread\n    args:\n      defaultingType: System\n      defaultConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n`), /defaultConstraints: Invalid value: .*when \.defaultingType is "System"/);
    const two = err(`${seed}parallelism: 0\npodInitialBackoffSeconds: 0\n`);
    assert.match(two, /^invalid configuration in config file "x\.yaml": \[parallelism: .*, podInitialBackoffSeconds: Invalid value: 0: must be greater than 0\]$/);
  });

  it('merges plugin sets: disabling a default, "*" and re-configured weights', () => {
    const c = parseConfig(`${seed}profiles:
- schedulerName: a
  plugins:
    multiPoint:
      enabled:
      - name: TaintToleration
        weight: 7
      disabled:
      - name: ImageLocality
    score:
      disabled:
      - name: '*'
      enabled:
      - name: NodeResourcesFit
        weight: 4
`);
    const p = c.profiles[0]!;
    const mp = p.plugins.multiPoint.enabled;
    assert.deepEqual(mp.find((x) => x.name === 'TaintToleration'), { name: 'TaintToleration', weight: 7 });
    assert.ok(!mp.some((x) => x.name === 'ImageLocality'));
    const fwk = new Framework(p, inTreeRegistry, schedulerWith([]).profiles.get('default-scheduler')!.handle);
    assert.deepEqual(fwk.lists.score.map((x) => x.name), ['NodeResourcesFit']);
    assert.equal(fwk.weights.get('NodeResourcesFit'), 4);
    assert.deepEqual(fwk.lists.filter.map((x) => x.name), ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'NodeVolumeLimits', 'VolumeBinding', 'VolumeZone', 'PodTopologySpread', 'InterPodAffinity']);
  });

  it('fails on unknown plugins and missing bind/queueSort as the framework does', () => {
    const bad = parseConfig(`${seed}profiles:\n- schedulerName: a\n  plugins:\n    filter:\n      enabled: [{name: Foo}]\n`);
    assert.throws(() => schedulerWith([], [], { profiles: bad.profiles.map((p) => ({ ...p, plugins: { filter: { enabled: [{ name: 'Foo' }] } } })) }), /creating profile for scheduler name a: FilterPlugin "Foo" does not exist/);
    assert.throws(() => schedulerWith([], [], { profiles: [{ schedulerName: 'a', plugins: { multiPoint: { disabled: [{ name: '*' }] } } }] }), /no queue sort plugin is enabled/);
    assert.throws(() => schedulerWith([], [], { profiles: [{ schedulerName: 'a', plugins: { multiPoint: { disabled: [{ name: 'DefaultBinder' }] } } }] }), /at least one bind plugin is needed/);
  });

  it('computes the number of nodes to score adaptively', () => {
    assert.equal(numFeasibleNodesToFind(0, 50), 50);
    assert.equal(numFeasibleNodesToFind(0, 100), 100);
    assert.equal(numFeasibleNodesToFind(0, 1000), 420);
    assert.equal(numFeasibleNodesToFind(0, 5000), 500);
    assert.equal(numFeasibleNodesToFind(0, 6000), 300);
    assert.equal(numFeasibleNodesToFind(0, 10000), 500);
    assert.equal(numFeasibleNodesToFind(10, 500), 100);
    assert.equal(numFeasibleNodesToFind(30, 1000), 300);
  });
});

describe('scheduler config: v1 output', () => {
  it('round-trips through toV1 (what --write-config-to writes)', async () => {
    const { toV1 } = await import('../../../src/scheduler/config/defaults.js');
    const YAML = (await import('yaml')).default;
    const c = parseConfig(seed);
    const text = YAML.stringify(toV1(c));
    assert.match(text, /leaseDuration: 15s/);
    assert.deepEqual(parseConfig(text), c);
  });
});
