// Job status math: completion indexes, wanted active pods, success/failure decisions, the pod
// failure backoff, conditions, and the pods an (Indexed) job creates.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndexes, indexesToCreate, matchSuccessPolicy, parseIndexes } from '../../../src/controllers/job/indexes.js';
import {
  completionsReached, exceedsBackoffLimit, failureBackoffMs, isPodFailedForJob, remainingBackoffMs, setCondition, timeToDeadline,
  updateBackoffRecord, wantActiveNonIndexed,
} from '../../../src/controllers/job/status.js';
import { newJobPod } from '../../../src/controllers/job/podtemplate.js';

const job = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): any => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', uid: 'uid-1' },
  spec: { template: { metadata: { labels: { 'job-name': 'j' } }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } }, ...spec },
  status,
});

describe('completion indexes', () => {
  it('formats and parses the interval form', () => {
    assert.equal(formatIndexes([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
    assert.equal(formatIndexes([3, 1]), '1,3');
    assert.equal(formatIndexes([]), '');
    assert.deepEqual([...parseIndexes('0-2,5,7-8', 8)].sort(), [0, 1, 2, 5, 7]);
    assert.deepEqual([...parseIndexes('x,2', 5)], [2]);
  });
  it('success policy rules', () => {
    const done = new Set([0, 2, 3]);
    assert.equal(matchSuccessPolicy([{ succeededIndexes: '0-1' }, { succeededIndexes: '2-3' }], 5, done), 1);
    assert.equal(matchSuccessPolicy([{ succeededIndexes: '0-1', succeededCount: 1 }], 5, done), 0);
    assert.equal(matchSuccessPolicy([{ succeededCount: 4 }], 5, done), undefined);
    assert.equal(matchSuccessPolicy([{ succeededCount: 3 }], 5, done), 0);
    assert.equal(matchSuccessPolicy(undefined, 5, done), undefined);
  });
  it('picks the lowest missing indexes', () => {
    assert.deepEqual(indexesToCreate(5, new Set([0]), new Set([1, 3]), 2), [2, 4]);
    assert.deepEqual(indexesToCreate(3, new Set([0, 1, 2]), new Set(), 2), []);
  });
});

describe('job decisions', () => {
  it('wanted active pods', () => {
    assert.equal(wantActiveNonIndexed(job({ completions: 3, parallelism: 2 }), 0, 0), 2);
    assert.equal(wantActiveNonIndexed(job({ completions: 3, parallelism: 2 }), 2, 2), 1);
    assert.equal(wantActiveNonIndexed(job({ completions: 3, parallelism: 2 }), 0, 3), 0);
    // work queue (no completions): no new pods once one succeeded
    assert.equal(wantActiveNonIndexed(job({ parallelism: 3 }), 0, 0), 3);
    assert.equal(wantActiveNonIndexed(job({ parallelism: 3 }), 2, 1), 2);
  });
  it('success and failure', () => {
    assert.equal(completionsReached(job({ completions: 3 }), 1, 3), true);
    assert.equal(completionsReached(job({ completions: 3 }), 1, 2), false);
    assert.equal(completionsReached(job({}), 1, 1), false);
    assert.equal(completionsReached(job({}), 0, 1), true);
    assert.equal(exceedsBackoffLimit(job({ backoffLimit: 1 }), 1), false);
    assert.equal(exceedsBackoffLimit(job({ backoffLimit: 1 }), 2), true);
    assert.equal(exceedsBackoffLimit(job({}), 7), true);
  });
  it('active deadline', () => {
    const j = job({ activeDeadlineSeconds: 10 }, { startTime: '2026-01-01T00:00:00Z' });
    assert.equal(timeToDeadline(j, Date.parse('2026-01-01T00:00:04Z')), 6000);
    assert.ok(timeToDeadline(j, Date.parse('2026-01-01T00:00:11Z'))! < 0);
    assert.equal(timeToDeadline(job({}), Date.now()), undefined);
  });
  it('deleted pods count as failed unless podReplacementPolicy is Failed', () => {
    const deleting = { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } };
    assert.equal(isPodFailedForJob(deleting, job({})), true);
    assert.equal(isPodFailedForJob(deleting, job({ podReplacementPolicy: 'Failed' })), false);
    assert.equal(isPodFailedForJob({ status: { phase: 'Failed' } }, job({ podReplacementPolicy: 'Failed' })), true);
  });
});

describe('pod failure backoff', () => {
  it('10s doubling, capped at 6 minutes', () => {
    assert.deepEqual([0, 1, 2, 3, 6, 7, 20].map(failureBackoffMs), [0, 10_000, 20_000, 40_000, 320_000, 360_000, 360_000]);
  });
  it('failures accumulate; a later success resets', () => {
    const failedAt = (iso: string) => ({ status: { phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, finishedAt: iso } } }] } }) as any;
    const okAt = (iso: string) => ({ status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, finishedAt: iso } } }] } }) as any;
    let r = updateBackoffRecord({ failuresAfterLastSuccess: 0, lastFailureTimeMs: 0 }, [failedAt('2026-01-01T00:00:00Z')], []);
    assert.equal(r.failuresAfterLastSuccess, 1);
    assert.equal(remainingBackoffMs(r, Date.parse('2026-01-01T00:00:04Z')), 6000);
    r = updateBackoffRecord(r, [failedAt('2026-01-01T00:00:20Z')], []);
    assert.equal(r.failuresAfterLastSuccess, 2);
    assert.equal(remainingBackoffMs(r, Date.parse('2026-01-01T00:00:30Z')), 10_000);
    r = updateBackoffRecord(r, [], [okAt('2026-01-01T00:01:00Z')]);
    assert.deepEqual(r, { failuresAfterLastSuccess: 0, lastFailureTimeMs: 0 });
  });
});

describe('conditions', () => {
  it('appends, then changes the transition time only when the status flips', () => {
    const j = job({});
    assert.equal(setCondition(j, 'Suspended', 'False', 'JobResumed', 'Job resumed', 't0'), false);
    assert.equal(setCondition(j, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 't1'), true);
    assert.equal(setCondition(j, 'Suspended', 'True', 'JobSuspended', 'Job suspended', 't2'), false);
    assert.equal(setCondition(j, 'Suspended', 'False', 'JobResumed', 'Job resumed', 't3'), true);
    assert.deepEqual(j.status.conditions, [{ type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: 't3', lastTransitionTime: 't3' }]);
  });
});

describe('job pods', () => {
  it('NonIndexed: generateName, finalizer, controllerRef', () => {
    const p = newJobPod(job({}));
    assert.equal(p.metadata!.generateName, 'j-');
    assert.deepEqual(p.metadata!.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
  });
  it('Indexed: index annotation, label, env var and hostname', () => {
    const p = newJobPod(job({ completionMode: 'Indexed', completions: 3 }), 2);
    assert.equal(p.metadata!.generateName, 'j-2-');
    assert.equal(p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.metadata!.labels!['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.spec!.hostname, 'j-2');
    assert.deepEqual(p.spec!.containers[0]!.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
  });
});

import { matchPodFailurePolicy, pastBackoffLimitOnFailure } from '../../../src/controllers/job/podfailurepolicy.js';

describe('pod failure policy', () => {
  const policyJob = job({
    podFailurePolicy: {
      rules: [
        { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'Count', onExitCodes: { operator: 'NotIn', values: [0] } },
      ],
    },
  });
  const failed = (code: number, conditions: any[] = []): any => ({
    metadata: { namespace: 'ns', name: 'p' },
    status: { phase: 'Failed', conditions, containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: code } } }] },
  });
  it('matches exit codes and conditions in rule order', () => {
    assert.deepEqual(matchPodFailurePolicy(policyJob, failed(42)), { action: 'FailJob', message: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 0' });
    assert.deepEqual(matchPodFailurePolicy(policyJob, failed(137, [{ type: 'DisruptionTarget', status: 'True' }])), { action: 'Ignore', message: 'Pod ns/p has condition DisruptionTarget matching Ignore rule at index 1' });
    assert.equal(matchPodFailurePolicy(policyJob, failed(1))?.action, 'Count');
    assert.equal(matchPodFailurePolicy(job({}), failed(42)), undefined);
  });
  it('restartPolicy OnFailure: container restarts count against backoffLimit', () => {
    const j = job({ backoffLimit: 2 });
    j.spec.template.spec.restartPolicy = 'OnFailure';
    const running = (restarts: number): any => ({ status: { phase: 'Running', containerStatuses: [{ name: 'c', restartCount: restarts }] } });
    assert.equal(pastBackoffLimitOnFailure(j, [running(1)]), false);
    assert.equal(pastBackoffLimitOnFailure(j, [running(1), running(1)]), true);
    assert.equal(pastBackoffLimitOnFailure(job({ backoffLimit: 0 }), [running(5)]), false);
  });
});

import { indexBackoffLeftMs, indexFailures } from '../../../src/controllers/job/perindex.js';

describe('backoff limit per index', () => {
  it('counts failures per index from the pods\' annotations and backs off per index', () => {
    const p = (ix: number, count: number, phase: string, finishedAt = '2026-01-01T00:00:00Z'): any => ({
      metadata: { annotations: { 'batch.kubernetes.io/job-completion-index': String(ix), 'batch.kubernetes.io/job-index-failure-count': String(count) } },
      status: { phase, containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, finishedAt } } }] },
    });
    const f = indexFailures([p(0, 0, 'Failed'), p(0, 1, 'Failed', '2026-01-01T00:01:00Z'), p(1, 0, 'Running')], (x) => x.status?.phase === 'Failed');
    assert.deepEqual(f.get(0), { count: 2, lastFailureMs: Date.parse('2026-01-01T00:01:00Z') });
    assert.deepEqual(f.get(1), { count: 0, lastFailureMs: 0 });
    assert.equal(indexBackoffLeftMs(f.get(0), Date.parse('2026-01-01T00:01:05Z')), 15_000);
    assert.equal(indexBackoffLeftMs(f.get(1)), 0);
  });
});
