import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../../src/scheduler/framework/interface.js';
import { FitError } from '../../../src/scheduler/framework/fiterror.js';
import { PodInfo } from '../../../src/scheduler/framework/podinfo.js';
import { filterPodsWithPDBViolation, moreImportantPod, pickOneNodeForPreemption } from '../../../src/scheduler/plugins/defaultpreemption.js';
import type { Pod } from '../../../src/scheduler/types.js';
import { node, pod, schedulerWith } from './fixtures.js';

function preempt(s: ReturnType<typeof schedulerWith>, p: Pod) {
  const fwk = s.profiles.get('default-scheduler')!;
  const state = new CycleState();
  try {
    s.schedulePod(fwk, state, p);
    assert.fail('expected no fit');
  } catch (e) {
    assert.ok(e instanceof FitError);
    const r = fwk.runPostFilter(state, p, e.statuses);
    return { nominated: r.result?.nominatedNodeName, msg: r.status.message() };
  }
}

describe('DefaultPreemption', () => {
  it('nominates the node where evicting lower-priority pods makes room', () => {
    const s = schedulerWith([node('a', { cpu: '2' }), node('b', { cpu: '2' })], [
      pod('low-a', { cpu: '1500m', priority: 1, nodeName: 'a' }),
      pod('mid-b', { cpu: '1500m', priority: 50, nodeName: 'b' }),
    ]);
    assert.deepEqual(preempt(s, pod('high', { cpu: '1', priority: 100 })), { nominated: 'a', msg: '' });
  });

  it('does not preempt with preemptionPolicy Never or without lower-priority pods', () => {
    const s = schedulerWith([node('a', { cpu: '2' })], [pod('x', { cpu: '1500m', priority: 100, nodeName: 'a' })]);
    assert.equal(preempt(s, pod('n', { cpu: '1', priority: 1000, preemptionPolicy: 'Never' })).msg, 'preemption: not eligible due to preemptionPolicy=Never.');
    assert.equal(preempt(s, pod('eq', { cpu: '1', priority: 100 })).msg, 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  });

  it('dry runs work on copies: the cache keeps every pod', () => {
    const s = schedulerWith([node('a', { cpu: '3' })], [
      pod('v1', { cpu: '1', priority: 1, nodeName: 'a' }),
      pod('v2', { cpu: '1', priority: 2, nodeName: 'a' }),
      pod('v3', { cpu: '1', priority: 3, nodeName: 'a' }),
    ]);
    const fwk = s.profiles.get('default-scheduler')!;
    const ni = s.cache.get('a')!;
    assert.equal(preempt(s, pod('h', { cpu: '1', priority: 10 })).nominated, 'a');
    // the cache itself is untouched by the dry run
    assert.equal(ni.pods.length, 3);
    void fwk;
  });

  it('orders candidates as upstream: PDB violations, highest victim priority, priority sum, count, start time', () => {
    const v = (prio: number, start = '2024-01-01T00:00:00Z') => pod(`v${prio}`, { priority: prio, startTime: start });
    const c = (name: string, pods: Pod[], numPDBViolations = 0) => ({ name, victims: { pods, numPDBViolations } });
    assert.equal(pickOneNodeForPreemption([c('a', [v(1)], 1), c('b', [v(5)], 0)])!.name, 'b');
    assert.equal(pickOneNodeForPreemption([c('a', [v(5)]), c('b', [v(3), v(2)])])!.name, 'b');
    assert.equal(pickOneNodeForPreemption([c('a', [v(3), v(3)]), c('b', [v(3), v(1)])])!.name, 'b');
    assert.equal(pickOneNodeForPreemption([c('a', [v(3), v(0), v(0)]), c('b', [v(3), v(0)])])!.name, 'b');
    assert.equal(pickOneNodeForPreemption([c('a', [v(3, '2024-01-01T00:00:00Z')]), c('b', [v(3, '2024-06-01T00:00:00Z')])])!.name, 'b');
    assert.equal(pickOneNodeForPreemption([c('a', [v(3)]), c('b', [])])!.name, 'b');
  });

  it('splits victims by PodDisruptionBudget violations', () => {
    const pods = [pod('a', { labels: { app: 'x' } }), pod('b', { labels: { app: 'x' } }), pod('c', { labels: { app: 'y' } })].map((p) => new PodInfo(p));
    const pdb = { metadata: { name: 'x', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'x' } } }, status: { disruptionsAllowed: 1 } };
    const [violating, ok] = filterPodsWithPDBViolation(pods, [pdb]);
    assert.deepEqual(violating.map((p) => p.pod.metadata!.name), ['b']);
    assert.deepEqual(ok.map((p) => p.pod.metadata!.name), ['a', 'c']);
  });

  it('MoreImportantPod: priority first, then the earlier start', () => {
    assert.equal(moreImportantPod(pod('a', { priority: 2 }), pod('b', { priority: 1 })), true);
    assert.equal(moreImportantPod(pod('a', { priority: 1, startTime: '2024-01-02T00:00:00Z' }), pod('b', { priority: 1, startTime: '2024-01-01T00:00:00Z' })), false);
  });
});
