import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deploymentComplete, deploymentProgressing, getProportion, isSaturated, maxSurge, maxUnavailable, newRSNewReplicas, resolveFenceposts, roundHalfAway,
} from '../../../src/controllers/deployment/fenceposts.js';
import { scaledValue } from '../../../src/controllers/util/intstr.js';
import { deployment, replicaSet } from './helpers.js';

describe('maxSurge / maxUnavailable', () => {
  test('percentages: surge rounds up, unavailable rounds down', () => {
    assert.equal(scaledValue('25%', 10, true), 3);
    assert.equal(scaledValue('25%', 10, false), 2);
    assert.equal(scaledValue(4, 10, true), 4);
    assert.deepEqual(resolveFenceposts('25%', '25%', 1), [1, 0]);
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), [1, 1]);
    assert.deepEqual(resolveFenceposts('10%', '10%', 25), [3, 2]);
  });

  test('both resolving to zero give one unavailable pod', () => {
    assert.deepEqual(resolveFenceposts('0%', '10%', 3), [0, 1]);
    assert.deepEqual(resolveFenceposts(0, '1%', 50), [0, 1]);
  });

  test('non-percent strings are refused', () => {
    assert.throws(() => scaledValue('abc', 10, true), /string is not a percentage/);
  });

  test('per deployment: capped by replicas, zero for Recreate or no replicas', () => {
    assert.equal(maxUnavailable(deployment(3, { maxUnavailable: 5 })), 3);
    assert.equal(maxUnavailable(deployment(0)), 0);
    assert.equal(maxSurge(deployment(10, { recreate: true })), 0);
    assert.equal(maxUnavailable(deployment(10, { recreate: true })), 0);
    assert.equal(maxSurge(deployment(10)), 3);
  });
});

describe('the new ReplicaSet size', () => {
  test('rolling update grows within replicas + maxSurge', () => {
    const d = deployment(10, { maxSurge: 3, maxUnavailable: 2 });
    const old = replicaSet('old', 10);
    const fresh = replicaSet('new', 0);
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
    const old8 = replicaSet('old', 8);
    const new3 = replicaSet('new', 3);
    assert.equal(newRSNewReplicas(d, [old8, new3], new3), 5);
    // already at the limit
    assert.equal(newRSNewReplicas(d, [replicaSet('old', 10), new3], new3), 3);
    // never beyond spec.replicas
    assert.equal(newRSNewReplicas(d, [replicaSet('old', 0), replicaSet('new', 9)], replicaSet('new', 9)), 10);
  });

  test('Recreate takes all replicas at once', () => {
    assert.equal(newRSNewReplicas(deployment(7, { recreate: true }), [], replicaSet('new', 0)), 7);
  });
});

describe('proportions', () => {
  test('math.Round halves away from zero', () => {
    assert.equal(roundHalfAway(2.5), 3);
    assert.equal(roundHalfAway(-2.5), -3);
    assert.equal(roundHalfAway(-2.4), -2);
  });

  test('a share follows the max-replicas annotation, bounded by what is left', () => {
    const d = deployment(30, { maxSurge: 3, maxUnavailable: 2 });
    const old = replicaSet('old', 8, { annotations: { 'deployment.kubernetes.io/max-replicas': '13' } });
    assert.equal(getProportion(old, d, 20, 0), 12);
    assert.equal(getProportion(old, d, 20, 15), 5);
    assert.equal(getProportion(old, d, 0, 0), 0);
    assert.equal(getProportion(replicaSet('empty', 0), d, 20, 0), 0);
    // scaling down: the most negative of share and what is left
    const down = deployment(5, { maxSurge: 1, maxUnavailable: 1 });
    assert.equal(getProportion(old, down, -7, 0), -4); // 8·6/13 ≈ 4
    // a deployment scaled to zero takes everything away
    assert.equal(getProportion(old, deployment(0), -13, 0), -8);
  });

  test('without the annotation the deployment status size stands in', () => {
    const d = deployment(20, { maxSurge: 0, maxUnavailable: 1, status: { replicas: 10 } });
    assert.equal(getProportion(replicaSet('old', 5), d, 10, 0), 5);
  });
});

describe('rollout predicates', () => {
  test('saturated: size, desired annotation and availability all equal spec.replicas', () => {
    const d = deployment(3);
    assert.equal(isSaturated(d, replicaSet('n', 3, { annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } })), true);
    assert.equal(isSaturated(d, replicaSet('n', 3)), false);
    assert.equal(isSaturated(d, replicaSet('n', 3, { available: 2, annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } })), false);
    assert.equal(isSaturated(d, undefined), false);
  });

  test('complete needs the spec observed', () => {
    const d = deployment(2, { generation: 3 });
    assert.equal(deploymentComplete(d, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 3 }), true);
    assert.equal(deploymentComplete(d, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 2 }), false);
    assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 3 }), false);
  });

  test('progressing: more updated/ready/available or fewer old replicas', () => {
    const d = deployment(4, { status: { replicas: 5, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4 } });
    assert.equal(deploymentProgressing(d, { replicas: 5, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4 }), true);
    assert.equal(deploymentProgressing(d, { replicas: 4, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4 }), true);
    assert.equal(deploymentProgressing(d, { replicas: 5, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4 }), false);
  });
});
