import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeTolerations, runtimeClassPlugin } from '../../../src/apiserver/admission/runtimeclass.js';
import { FakeObjects, pod, rejection, run, scope } from './helpers.js';

describe('RuntimeClass', () => {
  const objects = new FakeObjects()
    .put('node.k8s.io', 'runtimeclasses', { metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m', memory: '120Mi' } }, scheduling: { nodeSelector: { sandbox: 'kata' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] } })
    .put('node.k8s.io', 'runtimeclasses', { metadata: { name: 'runc' }, handler: 'runc' });
  const p = runtimeClassPlugin(objects);
  const s = () => scope('', 'pods', { namespace: 'ns' });

  test('overhead and scheduling come from the RuntimeClass', async () => {
    const obj = pod('x', { runtimeClassName: 'kata', nodeSelector: { disk: 'ssd' } });
    await run(p, 'CREATE', obj, undefined, s());
    assert.deepEqual(obj.spec.overhead, { cpu: '250m', memory: '120Mi' });
    assert.deepEqual(obj.spec.nodeSelector, { disk: 'ssd', sandbox: 'kata' });
    assert.deepEqual(obj.spec.tolerations, [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('a missing RuntimeClass, a conflicting selector or a different overhead is refused', async () => {
    let err = await rejection(run(p, 'CREATE', pod('x', { runtimeClassName: 'gvisor' }), undefined, s()));
    assert.equal(err.message, 'pods "x" is forbidden: pod rejected: RuntimeClass "gvisor" not found');
    err = await rejection(run(p, 'CREATE', pod('y', { runtimeClassName: 'kata', nodeSelector: { sandbox: 'other' } }), undefined, s()));
    assert.equal(err.message, 'pods "y" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = kata; pod.spec.nodeSelector[sandbox] = other');
    err = await rejection(run(p, 'CREATE', pod('z', { runtimeClassName: 'kata', overhead: { cpu: '1' } }), undefined, s()));
    assert.equal(err.message, "pods \"z\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    err = await rejection(run(p, 'CREATE', pod('w', { overhead: { cpu: '1' } }), undefined, s()));
    assert.equal(err.message, 'pods "w" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  });

  test('a RuntimeClass without overhead or scheduling changes nothing', async () => {
    const obj = pod('x', { runtimeClassName: 'runc' });
    await run(p, 'CREATE', obj, undefined, s());
    assert.equal(obj.spec.overhead, undefined);
    assert.equal(obj.spec.tolerations, undefined);
  });

  test('mergeTolerations drops tolerations another one covers', () => {
    const wildcard = { operator: 'Exists' };
    const keyed = { key: 'a', operator: 'Equal', value: 'x', effect: 'NoSchedule' };
    assert.deepEqual(mergeTolerations([keyed], [keyed]), [keyed]);
    assert.deepEqual(mergeTolerations([keyed], [wildcard]), [wildcard]);
  });
});
