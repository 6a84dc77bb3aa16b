import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { taintNodesByConditionPlugin } from '../../../src/apiserver/admission/taintnodesbycondition.js';
import { run, scope } from './helpers.js';

describe('TaintNodesByCondition', () => {
  const p = taintNodesByConditionPlugin();

  test('new nodes get node.kubernetes.io/not-ready:NoSchedule', async () => {
    const n = { metadata: { name: 'n1' }, spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } };
    await run(p, 'CREATE', n, undefined, scope('', 'nodes'));
    assert.deepEqual(n.spec.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    const bare: Record<string, any> = { metadata: { name: 'n2' } };
    await run(p, 'CREATE', bare, undefined, scope('', 'nodes'));
    assert.deepEqual(bare.spec.taints, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
  });

  test('an existing not-ready NoSchedule taint is not duplicated (NoExecute is a different taint)', async () => {
    const n = { metadata: { name: 'n1' }, spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', value: 'x' }] } };
    await run(p, 'CREATE', n, undefined, scope('', 'nodes'));
    assert.equal(n.spec.taints.length, 1);
    const ne = { metadata: { name: 'n2' }, spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] } };
    await run(p, 'CREATE', ne, undefined, scope('', 'nodes'));
    assert.equal(ne.spec.taints.length, 2);
  });

  test('updates, status writes and other resources are untouched', async () => {
    const n: Record<string, any> = { metadata: { name: 'n1' }, spec: {} };
    await run(p, 'UPDATE', n, n, scope('', 'nodes', { name: 'n1' }));
    await run(p, 'CREATE', n, undefined, scope('', 'nodes', { subresource: 'status' }));
    assert.equal(n.spec.taints, undefined);
  });
});
