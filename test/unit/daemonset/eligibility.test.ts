// DaemonSet node eligibility (taints vs tolerations, node selector, node affinity, nodeName),
// daemon pods, status counts and the rolling-update plan.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newDaemonPod, nodeShouldRunDaemonPod, targetNodeName, toleratesTaint } from '../../../src/controllers/daemonset/eligibility.js';
import { planRollingUpdate, surgeAndUnavailable } from '../../../src/controllers/daemonset/rollingupdate.js';
import { daemonSetStatus } from '../../../src/controllers/daemonset/sync.js';

const ds = (podSpec: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): any => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ns', uid: 'u', generation: 1 },
  spec: {
    selector: { matchLabels: { app: 'a' } },
    template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...podSpec } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    ...spec,
  },
});
const node = (name: string, labels: Record<string, string> = {}, taints: any[] = []): any => ({ metadata: { name, labels }, spec: { taints } });

describe('daemonset node eligibility', () => {
  it('taints: NoSchedule stops new pods, NoExecute also evicts; default tolerations apply', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('n'), ds()), { shouldRun: true, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('n', {}, [{ key: 'k', effect: 'NoSchedule' }]), ds()), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('n', {}, [{ key: 'k', effect: 'NoExecute' }]), ds()), { shouldRun: false, shouldContinueRunning: false });
    // tolerated by the defaults every daemon pod gets
    for (const t of [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }]) {
      assert.equal(nodeShouldRunDaemonPod(node('n', {}, [t]), ds()).shouldRun, true, t.key);
    }
    // network-unavailable only for hostNetwork pods
    const netTaint = [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }];
    assert.equal(nodeShouldRunDaemonPod(node('n', {}, netTaint), ds()).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('n', {}, netTaint), ds({ hostNetwork: true })).shouldRun, true);
    // a matching toleration in the template
    const tol = ds({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] });
    assert.equal(nodeShouldRunDaemonPod(node('n', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), tol).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('n', {}, [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }]), tol).shouldRun, false);
  });
  it('toleration matching', () => {
    assert.equal(toleratesTaint({ operator: 'Exists' }, { key: 'any', effect: 'NoSchedule' }), true);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, { key: 'k', effect: 'NoSchedule' }), false);
    assert.equal(toleratesTaint({ key: 'k', value: 'v' }, { key: 'k', value: 'v', effect: 'NoSchedule' }), true);
  });
  it('node selector, required node affinity and nodeName', () => {
    assert.equal(nodeShouldRunDaemonPod(node('n', { disk: 'ssd' }), ds({ nodeSelector: { disk: 'ssd' } })).shouldRun, true);
    assert.deepEqual(nodeShouldRunDaemonPod(node('n', { disk: 'hdd' }), ds({ nodeSelector: { disk: 'ssd' } })), { shouldRun: false, shouldContinueRunning: false });
    const aff = ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] }] } } } });
    assert.equal(nodeShouldRunDaemonPod(node('n', { zone: 'b' }), aff).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('n', { zone: 'c' }), aff).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('special', {}), aff).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('n'), ds({ nodeName: 'other' })).shouldRun, false);
  });
  it('daemon pods are pinned to their node by affinity', () => {
    const p = newDaemonPod(ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } } } }), 'n1', 'h1');
    assert.deepEqual(p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    assert.equal(p.metadata!.labels!['controller-revision-hash'], 'h1');
    assert.equal(p.metadata!.generateName, 'agent-');
    assert.equal(targetNodeName(p), 'n1');
    assert.equal(targetNodeName({ spec: { nodeName: 'x', containers: [] } }), 'x');
  });
});

const dpod = (name: string, hash: string, ready = true): any => ({
  metadata: { name, labels: { 'controller-revision-hash': hash }, creationTimestamp: '2026-01-01T00:00:00Z' },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
});

describe('daemonset status and rolling update', () => {
  it('status counts', () => {
    const nodes = [node('a'), node('b'), node('c', {}, [{ key: 'k', effect: 'NoSchedule' }])];
    const byNode = new Map([['a', [dpod('p1', 'new')]], ['b', [dpod('p2', 'old', false)]], ['c', [dpod('p3', 'new')]]]);
    assert.deepEqual(daemonSetStatus(ds(), nodes, byNode, 'new'), {
      desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 1, numberUnavailable: 1,
    });
  });
  it('maxUnavailable: replaces unavailable old pods and deletes more only within the budget', () => {
    const byNode = new Map([['a', [dpod('a1', 'old')]], ['b', [dpod('b1', 'old')]], ['c', [dpod('c1', 'old', false)]]]);
    const plan = planRollingUpdate(ds(), byNode, 'new', 3, () => true);
    assert.deepEqual(plan.deletePods.map((p) => p.metadata!.name), ['c1', 'a1']);
    assert.deepEqual(plan.createOnNodes, []);
    const busy = new Map([['a', [dpod('a2', 'new', false)]], ['b', [dpod('b1', 'old')]]]);
    assert.deepEqual(planRollingUpdate(ds(), busy, 'new', 2, () => true).deletePods, []);
  });
  it('maxSurge: a new pod next to the old one, then the old one goes', () => {
    const surge = ds({}, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    assert.deepEqual(surgeAndUnavailable(surge, 3), { maxSurge: 1, maxUnavailable: 0 });
    const byNode = new Map([['a', [dpod('a1', 'old')]], ['b', [dpod('b1', 'old')]]]);
    assert.deepEqual(planRollingUpdate(surge, byNode, 'new', 2, () => true), { deletePods: [], createOnNodes: ['a'] });
    const surged = new Map([['a', [dpod('a1', 'old'), dpod('a2', 'new')]], ['b', [dpod('b1', 'old')]]]);
    const plan = planRollingUpdate(surge, surged, 'new', 2, () => true);
    assert.deepEqual(plan.deletePods.map((p) => p.metadata!.name), ['a1']);
    assert.deepEqual(plan.createOnNodes, ['b']);
  });
});
