import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT_RANGER_ANNOTATION, limitRangerPlugin } from '../../../src/apiserver/admission/limitranger.js';
import { FakeObjects, pod, rejection, run, scope } from './helpers.js';

function lr(name: string, limits: Record<string, unknown>[]) {
  return { kind: 'LimitRange', metadata: { name, namespace: 'ns' }, spec: { limits } };
}

function setup(...ranges: ReturnType<typeof lr>[]) {
  const objects = new FakeObjects();
  for (const r of ranges) objects.put('', 'limitranges', r);
  return limitRangerPlugin(objects);
}

const podScope = () => scope('', 'pods', { namespace: 'ns' });
const pvcScope = () => scope('', 'persistentvolumeclaims', { namespace: 'ns' });

function container(name: string, requests?: Record<string, string>, limits?: Record<string, string>) {
  return { name, image: 'nginx', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
}

describe('LimitRanger', () => {
  test('defaults missing requests and limits and records them in the annotation', async () => {
    const p = setup(lr('limits', [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }]));
    const obj = pod('web', { containers: [container('app'), container('side', { cpu: '50m' })], initContainers: [container('init', undefined, { memory: '64Mi' })] });
    await run(p, 'CREATE', obj, undefined, podScope());
    assert.deepEqual(obj.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.deepEqual(obj.spec.containers[1].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '50m', memory: '128Mi' } });
    assert.deepEqual(obj.spec.initContainers[0].resources, { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.equal(
      obj.metadata.annotations[LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; cpu, memory limit for container side; cpu, memory request for init container init; cpu limit for init container init',
    );
  });

  test('no annotation when nothing was defaulted', async () => {
    const p = setup(lr('limits', [{ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }]));
    const obj = pod('web', { containers: [container('app', { cpu: '1' }, { cpu: '1' })] });
    await run(p, 'CREATE', obj, undefined, podScope());
    assert.equal(obj.metadata.annotations, undefined);
  });

  test('Container min: `minimum cpu usage per Container is 100m, but request is 50m`', async () => {
    const p = setup(lr('limits', [{ type: 'Container', min: { cpu: '100m' } }]));
    const err = await rejection(run(p, 'CREATE', pod('x', { containers: [container('c', { cpu: '50m' })] }), undefined, podScope()));
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'pods "x" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
    assert.deepEqual(err.details, { name: 'x', group: undefined, kind: 'pods' });
  });

  test('several violations are aggregated in brackets', async () => {
    const p = setup(lr('limits', [{ type: 'Container', min: { cpu: '100m', memory: '64Mi' }, max: { cpu: '1' } }]));
    const err = await rejection(run(p, 'CREATE', pod('x', { containers: [container('c', { cpu: '50m' }, { cpu: '2' })] }), undefined, podScope()));
    assert.equal(
      err.message,
      'pods "x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, minimum memory usage per Container is 64Mi.  No request is specified, maximum cpu usage per Container is 1, but limit is 2]',
    );
  });

  test('max requires a limit', async () => {
    const p = setup(lr('limits', [{ type: 'Container', max: { memory: '1Gi' } }]));
    const err = await rejection(run(p, 'CREATE', pod('x'), undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: maximum memory usage per Container is 1Gi.  No limit is specified');
  });

  test('defaults are applied before the checks (a default satisfying max passes)', async () => {
    const p = setup(lr('limits', [{ type: 'Container', max: { cpu: '2' }, default: { cpu: '2' }, defaultRequest: { cpu: '2' } }]));
    const obj = pod('ok');
    await run(p, 'CREATE', obj, undefined, podScope());
    assert.deepEqual(obj.spec.containers[0].resources.limits, { cpu: '2' });
  });

  test('maxLimitRequestRatio', async () => {
    const p = setup(lr('limits', [{ type: 'Container', maxLimitRequestRatio: { cpu: '3' } }]));
    let err = await rejection(run(p, 'CREATE', pod('x', { containers: [container('c', { cpu: '500m' }, { cpu: '2' })] }), undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: cpu max limit to request ratio per Container is 3, but provided ratio is 4.000000');
    err = await rejection(run(p, 'CREATE', pod('y', { containers: [container('c', undefined, { cpu: '2' })] }), undefined, podScope()));
    assert.equal(err.message, 'pods "y" is forbidden: cpu max limit to request ratio per Container is 3, but no request is specified or request is 0');
    await run(p, 'CREATE', pod('z', { containers: [container('c', { cpu: '1' }, { cpu: '3' })] }), undefined, podScope());
  });

  test('Pod items sum the containers', async () => {
    const p = setup(lr('limits', [{ type: 'Pod', max: { memory: '1Gi' } }]));
    const two = pod('x', { containers: [container('a', { memory: '512Mi' }, { memory: '512Mi' }), container('b', { memory: '600Mi' }, { memory: '600Mi' })] });
    const err = await rejection(run(p, 'CREATE', two, undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1112Mi');
  });

  test('Pod items take the largest init container (sidecars add up)', async () => {
    const p = setup(lr('limits', [{ type: 'Pod', min: { cpu: '1' } }]));
    const obj = pod('x', {
      containers: [container('a', { cpu: '200m' })],
      initContainers: [container('big', { cpu: '1' }), container('side', { cpu: '100m' })],
    });
    obj.spec.initContainers[1].restartPolicy = 'Always';
    // containers 200m + sidecar 100m = 300m < init max 1 → 1
    await run(p, 'CREATE', obj, undefined, podScope());
  });

  test('pod updates are not checked; objects being deleted are ignored', async () => {
    const p = setup(lr('limits', [{ type: 'Container', min: { cpu: '100m' } }]));
    const small = pod('x', { containers: [container('c', { cpu: '1m' })] });
    await run(p, 'UPDATE', small, pod('x'), podScope());
    const pvcRange = setup(lr('s', [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' } }]));
    const pvc = { metadata: { name: 'data', namespace: 'ns' }, spec: { resources: { requests: { storage: '1Mi' } } } };
    await run(pvcRange, 'UPDATE', pvc, { metadata: { name: 'data', deletionTimestamp: '2024-01-01T00:00:00Z' } }, pvcScope());
  });

  test('PersistentVolumeClaim min and max storage', async () => {
    const p = setup(lr('storage', [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]));
    const claim = (storage?: string) => ({ metadata: { name: 'data', namespace: 'ns' }, spec: { resources: storage ? { requests: { storage } } : {} } });
    let err = await rejection(run(p, 'CREATE', claim('500Mi'), undefined, pvcScope()));
    assert.equal(err.message, 'persistentvolumeclaims "data" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
    err = await rejection(run(p, 'UPDATE', claim('20Gi'), claim('5Gi'), pvcScope()));
    assert.equal(err.message, 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
    err = await rejection(run(p, 'CREATE', claim(), undefined, pvcScope()));
    assert.equal(
      err.message,
      'persistentvolumeclaims "data" is forbidden: [minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified, maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified]',
    );
    await run(p, 'CREATE', claim('5Gi'), undefined, pvcScope());
  });

  test('other resources and subresources are left alone', async () => {
    const p = setup(lr('limits', [{ type: 'Container', min: { cpu: '100m' } }]));
    await run(p, 'CREATE', pod('x'), undefined, scope('', 'pods', { namespace: 'ns', subresource: 'status' }));
    await run(p, 'CREATE', { metadata: { name: 'cm' } }, undefined, scope('', 'configmaps', { namespace: 'ns' }));
  });
});
