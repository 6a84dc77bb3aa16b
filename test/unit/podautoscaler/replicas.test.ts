import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stabilizer, convertDesiredReplicasWithRules, resourceReplicas, type PodSample } from '../../../src/controllers/podautoscaler/replica_calculator.js';
import { setCondition } from '../../../src/controllers/podautoscaler/horizontal.js';

const pod = (name: string, usage: number | undefined, request = 100, ready = true): PodSample => ({ name, usage, request, ready });

test('utilization against requests with the tolerance', () => {
  // 2 pods at 90% of request, target 50% -> ceil(1.8 * 2) = 4
  assert.equal(resourceReplicas(2, 50, [pod('a', 90), pod('b', 90)], 0.1, 'cpu').replicas, 4);
  // within 10% of the target: no change
  assert.equal(resourceReplicas(2, 50, [pod('a', 54), pod('b', 52)], 0.1, 'cpu').replicas, 2);
  // scale down
  assert.equal(resourceReplicas(4, 50, [pod('a', 10), pod('b', 10), pod('c', 10), pod('d', 10)], 0.1, 'cpu').replicas, 1);
  assert.equal(resourceReplicas(2, 50, [pod('a', 90), pod('b', 90)], 0.1, 'cpu').utilization, 90);
  assert.throws(() => resourceReplicas(1, 50, [pod('a', 10, 0)], 0.1, 'cpu'), /missing request/);
  assert.throws(() => resourceReplicas(1, 50, [], 0.1, 'cpu'), /no pods/);
});

test('missing pods: 100% on scale-down, 0% on scale-up; unready cpu pods count as 0 on scale-up', () => {
  // one pod at 200%, one missing: scale-up with the missing one at 0 -> ratio 1.0/0.5 = 2 -> ceil(2*2)=4
  assert.equal(resourceReplicas(2, 50, [pod('a', 200), pod('b', undefined)], 0.1, 'cpu').replicas, 4);
  // scale-down with a missing pod treated as using all of its request: (30+100)/400 -> 32.5% against 50%, ratio 0.65 -> 3
  assert.equal(resourceReplicas(4, 50, [pod('a', 10), pod('b', 10), pod('c', 10), pod('d', undefined)], 0.1, 'cpu').replicas, 3);
  // unready pod holds scale-up back
  assert.equal(resourceReplicas(2, 50, [pod('a', 60), pod('b', 60, 100, false)], 0.1, 'cpu').replicas, 2);
});

test('min/max/scale-up-limit clamps and their ScalingLimited reasons', () => {
  assert.deepEqual(convertDesiredReplicasWithRules(2, 3, 1, 10), [3, 'DesiredWithinRange', 'the desired count is within the acceptable range']);
  assert.deepEqual(convertDesiredReplicasWithRules(2, 20, 1, 10), [4, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']);
  assert.deepEqual(convertDesiredReplicasWithRules(8, 20, 1, 10), [10, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count']);
  assert.deepEqual(convertDesiredReplicasWithRules(3, 1, 2, 10), [2, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count']);
});

test('downscale stabilization keeps the highest recommendation within the window', () => {
  const s = new Stabilizer(300_000);
  const t = 1_000_000;
  assert.equal(s.stabilize(5, t), 5);
  assert.equal(s.stabilize(2, t + 60_000), 5);
  assert.equal(s.stabilize(2, t + 400_000), 2);
  assert.equal(s.stabilize(7, t + 401_000), 7);
});

test('conditions keep their transition time while the status holds', () => {
  const hpa: Parameters<typeof setCondition>[0] = { spec: { maxReplicas: 3, scaleTargetRef: { kind: 'Deployment', name: 'x' } } };
  setCondition(hpa, 'ScalingActive', 'False', 'FailedGetResourceMetric', 'm1');
  const t = hpa.status!.conditions![0]!.lastTransitionTime;
  setCondition(hpa, 'ScalingActive', 'False', 'FailedGetResourceMetric', 'm2');
  assert.equal(hpa.status!.conditions!.length, 1);
  assert.equal(hpa.status!.conditions![0]!.message, 'm2');
  assert.equal(hpa.status!.conditions![0]!.lastTransitionTime, t);
});

test('spec.behavior: stabilization windows and rate policies', async () => {
  const { stabilizeWithBehaviors, convertDesiredReplicasWithBehaviorRate, withDefaultRules, scaleUpLimitWithRules, scaleDownLimitWithRules } = await import('../../../src/controllers/podautoscaler/replica_calculator.js');
  const up = withDefaultRules(undefined, true);
  const down = { ...withDefaultRules(undefined, false), stabilizationWindowSeconds: 300 };
  assert.deepEqual(up.policies, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]);
  const t = 1_000_000;
  // default scale-up: max(current+4, 2*current) per 15s
  assert.equal(scaleUpLimitWithRules(3, [], up, t), 7);
  assert.equal(scaleUpLimitWithRules(10, [], up, t), 20);
  assert.equal(scaleUpLimitWithRules(10, [{ replicaChange: 5, at: t - 5000 }], up, t), 10);
  assert.equal(scaleDownLimitWithRules(10, [], down, t), 0);
  assert.equal(scaleDownLimitWithRules(10, [], { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }, t), 8);
  assert.equal(scaleUpLimitWithRules(10, [], { selectPolicy: 'Disabled' }, t), 10);
  // a high recommendation within the scale-down window holds the count up
  const recs: { replicas: number; at: number }[] = [];
  assert.deepEqual(stabilizeWithBehaviors(recs, 5, 8, up, down, t)[0], 8);
  assert.deepEqual(stabilizeWithBehaviors(recs, 8, 3, up, down, t + 60_000), [8, 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation']);
  assert.equal(stabilizeWithBehaviors(recs, 8, 3, up, down, t + 400_000)[0], 3);
  const limited = convertDesiredReplicasWithBehaviorRate(2, 30, 1, 50, { rules: up, events: [] }, { rules: down, events: [] }, t);
  assert.deepEqual(limited, [6, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']);
  const slow = convertDesiredReplicasWithBehaviorRate(10, 2, 1, 50, { rules: up, events: [] }, { rules: { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }, events: [] }, t);
  assert.deepEqual(slow, [8, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']);
});
