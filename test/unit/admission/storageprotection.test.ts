import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storageObjectInUseProtectionPlugin } from '../../../src/apiserver/admission/storageobjectinuseprotection.js';
import { persistentVolumeClaimResizePlugin } from '../../../src/apiserver/admission/persistentvolumeclaimresize.js';
import { FakeObjects, rejection, run, scope } from './helpers.js';

describe('StorageObjectInUseProtection', () => {
  const p = storageObjectInUseProtectionPlugin();
  test('new PVs and PVCs get their protection finalizer once', async () => {
    const pvc: Record<string, any> = { metadata: { name: 'data', namespace: 'ns', finalizers: ['example.com/x'] }, spec: {} };
    await run(p, 'CREATE', pvc, undefined, scope('', 'persistentvolumeclaims', { namespace: 'ns' }));
    assert.deepEqual(pvc.metadata.finalizers, ['example.com/x', 'kubernetes.io/pvc-protection']);
    await run(p, 'CREATE', pvc, undefined, scope('', 'persistentvolumeclaims', { namespace: 'ns' }));
    assert.equal(pvc.metadata.finalizers.length, 2);
    const pv: Record<string, any> = { metadata: { name: 'pv1' }, spec: {} };
    await run(p, 'CREATE', pv, undefined, scope('', 'persistentvolumes'));
    assert.deepEqual(pv.metadata.finalizers, ['kubernetes.io/pv-protection']);
    const upd: Record<string, any> = { metadata: { name: 'pv2' } };
    await run(p, 'UPDATE', upd, upd, scope('', 'persistentvolumes', { name: 'pv2' }));
    assert.equal(upd.metadata.finalizers, undefined);
  });
});

describe('PersistentVolumeClaimResize', () => {
  const objects = new FakeObjects()
    .put('storage.k8s.io', 'storageclasses', { metadata: { name: 'expandable' }, allowVolumeExpansion: true })
    .put('storage.k8s.io', 'storageclasses', { metadata: { name: 'fixed' } });
  const p = persistentVolumeClaimResizePlugin(objects);
  const claim = (size: string, storageClassName = 'expandable', phase = 'Bound') => ({
    metadata: { name: 'data', namespace: 'ns' },
    spec: { storageClassName, resources: { requests: { storage: size } } },
    status: { phase },
  });
  const s = () => scope('', 'persistentvolumeclaims', { namespace: 'ns', name: 'data' });

  test('growing a bound claim of an expandable class is allowed; shrinking is not this plugin\'s business', async () => {
    await run(p, 'UPDATE', claim('2Gi'), claim('1Gi'), s());
    await run(p, 'UPDATE', claim('1Gi', 'fixed'), claim('2Gi', 'fixed'), s());
  });

  test('unbound claims and classes without allowVolumeExpansion are refused', async () => {
    let err = await rejection(run(p, 'UPDATE', claim('2Gi'), claim('1Gi', 'expandable', 'Pending'), s()));
    assert.equal(err.message, 'persistentvolumeclaims "data" is forbidden: Only bound persistent volume claims can be expanded');
    err = await rejection(run(p, 'UPDATE', claim('2Gi', 'fixed'), claim('1Gi', 'fixed'), s()));
    assert.equal(err.message, 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    err = await rejection(run(p, 'UPDATE', claim('2Gi', ''), claim('1Gi', ''), s()));
    assert.match(err.message, /only dynamically provisioned pvc/);
  });
});
