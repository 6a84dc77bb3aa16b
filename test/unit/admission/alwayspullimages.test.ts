import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alwaysPullImagesPlugin } from '../../../src/apiserver/admission/alwayspullimages.js';
import { pod, rejection, scope } from './helpers.js';

describe('AlwaysPullImages', () => {
  const p = alwaysPullImagesPlugin();
  const s = () => scope('', 'pods', { namespace: 'ns', name: 'x' });

  test('every container of a new pod pulls always', async () => {
    const obj = pod('x', { initContainers: [{ name: 'i', image: 'busybox', imagePullPolicy: 'IfNotPresent' }], containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }] });
    await p.admit!('CREATE', obj, undefined, s());
    assert.equal(obj.spec.initContainers[0].imagePullPolicy, 'Always');
    assert.equal(obj.spec.containers[0].imagePullPolicy, 'Always');
    await p.validate!('CREATE', obj, undefined, s());
  });

  test('updates only when they bring a new image; validation rejects other policies', async () => {
    const old = pod('x', { containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'IfNotPresent' }] });
    const same = structuredClone(old);
    await p.admit!('UPDATE', same, old, s());
    assert.equal(same.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    const bumped = structuredClone(old);
    bumped.spec.containers[0].image = 'nginx:2';
    const err = await rejection(Promise.resolve().then(() => p.validate!('UPDATE', bumped, old, s())));
    assert.equal(err.message, 'pods "x" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: "IfNotPresent": supported values: "Always"');
  });
});
