import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue, isPodUpdated } from '../../../src/scheduler/queue/scheduling-queue.js';
import { ActionType } from '../../../src/scheduler/framework/interface.js';
import type { ClusterEventWithHint } from '../../../src/scheduler/framework/interface.js';
import { prioritySort } from '../../../src/scheduler/plugins/simple.js';
import { Status } from '../../../src/scheduler/framework/status.js';
import type { Pod } from '../../../src/scheduler/types.js';
import { pod } from './fixtures.js';

function queue(now: { t: number }, events = new Map<string, ClusterEventWithHint[]>()) {
  return new SchedulingQueue({
    less: prioritySort().less!,
    podInitialBackoffMs: 1000,
    podMaxBackoffMs: 10_000,
    preEnqueue: (p: Pod) => (p.spec.schedulingGates?.length ? Status.unresolvable('gated').withPlugin('SchedulingGates') : null),
    events: () => events,
    now: () => now.t,
  });
}

describe('scheduling queue', () => {
  it('pops by priority, then by queue time', async () => {
    const now = { t: 1000 };
    const q = queue(now);
    q.add(pod('low', { priority: 1 }));
    now.t++;
    q.add(pod('high', { priority: 10 }));
    now.t++;
    q.add(pod('low2', { priority: 1 }));
    const order: string[] = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.pod.metadata!.name!);
    assert.deepEqual(order, ['high', 'low', 'low2']);
  });

  it('a pop waits for an add', async () => {
    const q = queue({ t: 0 });
    const p = q.pop();
    q.add(pod('late'));
    assert.equal((await p)!.pod.metadata!.name, 'late');
    q.close();
    assert.equal(await q.pop(), undefined);
  });

  it('backs off exponentially from 1s to at most 10s', async () => {
    const now = { t: 0 };
    const q = queue(now);
    q.add(pod('p'));
    let qp = (await q.pop())!;
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      durations.push(q.backoffDuration(qp));
      qp.attempts++;
    }
    assert.deepEqual(durations, [1000, 2000, 4000, 8000, 10000, 10000]);
    // an error (no rejecting plugin) goes to backoffQ, flushed once the backoff passed
    q.add(pod('e'));
    qp = (await q.pop())!;
    q.addUnschedulableIfNotPresent(qp);
    assert.equal(q.backoffQ.length, 1);
    now.t += 999;
    q.flushBackoffQCompleted();
    assert.equal(q.activeQ.length, 0);
    now.t += 2;
    q.flushBackoffQCompleted();
    assert.equal(q.activeQ.length, 1);
  });

  it('moves unschedulable pods back only on events their rejecting plugins registered for', async () => {
    const now = { t: 0 };
    const events = new Map<string, ClusterEventWithHint[]>([
      ['NodeResourcesFit', [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable } }, { event: { resource: 'AssignedPod', actionType: ActionType.Delete } }]],
      ['TaintToleration', [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, hint: () => 'QueueSkip' }]],
    ]);
    const q = queue(now, events);
    q.add(pod('cpu'));
    q.add(pod('taint'));
    const a = (await q.pop())!;
    const b = (await q.pop())!;
    a.unschedulablePlugins.add('NodeResourcesFit');
    b.unschedulablePlugins.add('TaintToleration');
    q.addUnschedulableIfNotPresent(a);
    q.addUnschedulableIfNotPresent(b);
    assert.equal(q.unschedulablePods.size, 2);
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.UpdateNodeLabel });
    assert.equal(q.unschedulablePods.size, 2, 'a label change interests neither');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.UpdateNodeTaint });
    assert.equal(q.unschedulablePods.size, 2, 'the hint said QueueSkip');
    now.t += 5000;
    q.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', actionType: ActionType.Delete });
    assert.deepEqual([...q.unschedulablePods.keys()], ['default/taint']);
    assert.equal(q.activeQ.length, 1, 'backoff over: straight to activeQ');
    // after 5 minutes in unschedulablePods a pod is retried anyway
    now.t += 5 * 60_000 + 1;
    q.flushUnschedulablePodsLeftover();
    assert.equal(q.unschedulablePods.size, 0);
  });

  it('keeps gated pods out of activeQ until the gate is removed', async () => {
    const q = queue({ t: 0 });
    const gated = pod('g', { schedulingGates: [{ name: 'wait' }] });
    q.add(gated);
    assert.equal(q.activeQ.length, 0);
    assert.equal(q.unschedulablePods.get('default/g')!.gated, true);
    const open = { ...gated, spec: { ...gated.spec, schedulingGates: [] }, metadata: { ...gated.metadata, resourceVersion: '2' } };
    q.update(gated, open);
    assert.equal(q.activeQ.length, 1);
  });

  it('an update that only touches status does not requeue an unschedulable pod', async () => {
    const p = pod('p');
    assert.equal(isPodUpdated(p, { ...p, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] }, metadata: { ...p.metadata, resourceVersion: '9' } }), false);
    assert.equal(isPodUpdated(p, { ...p, metadata: { ...p.metadata, labels: { a: 'b' } } }), true);
  });

  it('tracks nominated pods per node', () => {
    const q = queue({ t: 0 });
    const p = pod('n', { priority: 5 });
    p.status = { nominatedNodeName: 'node-1' };
    q.add(p);
    assert.deepEqual(q.nominator.nominatedPodsForNode('node-1').map((x) => x.pod.metadata!.name), ['n']);
    q.delete(p);
    assert.deepEqual(q.nominator.nominatedPodsForNode('node-1'), []);
  });
});

describe('queueing hints', () => {
  it('InterPodAffinity requeues only for pods matching the pending pod terms', async () => {
    const { podChangeHint } = await import('../../../src/scheduler/plugins/interpodaffinity.js');
    const pending = pod('p', {
      affinity: {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] },
      },
    });
    assert.equal(podChangeHint(pending, undefined, pod('db', { labels: { app: 'db' }, nodeName: 'n' })), 'Queue');
    assert.equal(podChangeHint(pending, undefined, pod('other', { labels: { app: 'x' }, nodeName: 'n' })), 'QueueSkip');
    assert.equal(podChangeHint(pending, pod('web', { labels: { app: 'web' }, nodeName: 'n' }), undefined), 'Queue');
    assert.equal(podChangeHint(pending, pod('x', { labels: { app: 'x' }, nodeName: 'n' }), undefined), 'QueueSkip');
  });
});
