import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultStorageClassPlugin } from '../../../src/apiserver/admission/defaultstorageclass.js';
import { FakeObjects, run, scope } from './helpers.js';

function sc(name: string, created: string, isDefault?: string, beta = false) {
  const key = beta ? 'storageclass.beta.kubernetes.io/is-default-class' : 'storageclass.kubernetes.io/is-default-class';
  return { kind: 'StorageClass', metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { [key]: isDefault } } : {}) }, provisioner: 'p' };
}

function claim(spec: Record<string, unknown> = {}, annotations?: Record<string, string>): Record<string, any> {
  return { kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns', ...(annotations ? { annotations } : {}) }, spec: { accessModes: ['ReadWriteOnce'], ...spec } };
}

const pvcScope = () => scope('', 'persistentvolumeclaims', { namespace: 'ns' });

function setup(...classes: ReturnType<typeof sc>[]) {
  const objects = new FakeObjects();
  for (const c of classes) objects.put('storage.k8s.io', 'storageclasses', c);
  return defaultStorageClassPlugin(objects);
}

describe('DefaultStorageClass', () => {
  test('a claim without a class gets the default one', async () => {
    const p = setup(sc('slow', '2024-01-01T00:00:00Z'), sc('standard', '2024-01-01T00:00:00Z', 'true'), sc('off', '2024-01-03T00:00:00Z', 'false'));
    const c = claim();
    await run(p, 'CREATE', c, undefined, pvcScope());
    assert.equal(c.spec.storageClassName, 'standard');
  });

  test('the beta annotation marks a default too', async () => {
    const c = claim();
    await run(setup(sc('old', '2024-01-01T00:00:00Z', 'true', true)), 'CREATE', c, undefined, pvcScope());
    assert.equal(c.spec.storageClassName, 'old');
  });

  test('among several defaults the newest wins, then the first name', async () => {
    const p = setup(sc('a', '2024-01-01T00:00:00Z', 'true'), sc('b', '2024-02-01T00:00:00Z', 'true'), sc('c', '2024-02-01T00:00:00Z', 'true'));
    const c = claim();
    await run(p, 'CREATE', c, undefined, pvcScope());
    assert.equal(c.spec.storageClassName, 'b');
  });

  test('an explicit class (even "") or the beta class annotation is kept', async () => {
    const p = setup(sc('standard', '2024-01-01T00:00:00Z', 'true'));
    const empty = claim({ storageClassName: '' });
    await run(p, 'CREATE', empty, undefined, pvcScope());
    assert.equal(empty.spec.storageClassName, '');
    const named = claim({ storageClassName: 'fast' });
    await run(p, 'CREATE', named, undefined, pvcScope());
    assert.equal(named.spec.storageClassName, 'fast');
    const beta = claim({}, { 'volume.beta.kubernetes.io/storage-class': 'gold' });
    await run(p, 'CREATE', beta, undefined, pvcScope());
    assert.equal(beta.spec.storageClassName, undefined);
  });

  test('no default class: the claim stays without one; updates are not defaulted', async () => {
    const none = claim();
    await run(setup(sc('slow', '2024-01-01T00:00:00Z')), 'CREATE', none, undefined, pvcScope());
    assert.equal(none.spec.storageClassName, undefined);
    const upd = claim();
    await run(setup(sc('standard', '2024-01-01T00:00:00Z', 'true')), 'UPDATE', upd, claim(), pvcScope());
    assert.equal(upd.spec.storageClassName, undefined);
  });
});
