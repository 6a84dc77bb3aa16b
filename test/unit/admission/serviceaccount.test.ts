import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_API_TOKEN_MOUNT_PATH, serviceAccountPlugin, tokenVolumeSource } from '../../../src/apiserver/admission/serviceaccount.js';
import { FakeObjects, pod, rejection, run, scope } from './helpers.js';

function sa(name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  return { kind: 'ServiceAccount', metadata: { name, namespace: 'ns', ...meta }, ...extra };
}

const podScope = () => scope('', 'pods', { namespace: 'ns' });

function setup(...accounts: ReturnType<typeof sa>[]) {
  const objects = new FakeObjects();
  for (const a of accounts) objects.put('', 'serviceaccounts', a);
  const sleeps: number[] = [];
  const plugin = serviceAccountPlugin(objects, { sleep: async (ms) => void sleeps.push(ms), suffix: () => 'x7k2q' });
  return { objects, plugin, sleeps };
}

describe('ServiceAccount', () => {
  test('defaults serviceAccountName and mounts kube-api-access-<suffix> everywhere', async () => {
    const { plugin } = setup(sa('default'));
    const p = pod('web', { initContainers: [{ name: 'init', image: 'busybox' }] });
    await run(plugin, 'CREATE', p, undefined, podScope());
    assert.equal(p.spec.serviceAccountName, 'default');
    assert.equal(p.spec.serviceAccount, 'default');
    assert.deepEqual(p.spec.volumes, [{ name: 'kube-api-access-x7k2q', projected: tokenVolumeSource() }]);
    const mount = { name: 'kube-api-access-x7k2q', readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH };
    assert.deepEqual(p.spec.containers[0].volumeMounts, [mount]);
    assert.deepEqual(p.spec.initContainers[0].volumeMounts, [mount]);
    assert.deepEqual(tokenVolumeSource(), {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
  });

  test('the deprecated serviceAccount field is honoured when serviceAccountName is empty', async () => {
    const { plugin } = setup(sa('builder'));
    const p = pod('web', { serviceAccount: 'builder' });
    await run(plugin, 'CREATE', p, undefined, podScope());
    assert.equal(p.spec.serviceAccountName, 'builder');
  });

  test('automountServiceAccountToken: pod wins over service account', async () => {
    const { plugin } = setup(sa('default', { automountServiceAccountToken: false }), sa('on'));
    const off = pod('a');
    await run(plugin, 'CREATE', off, undefined, podScope());
    assert.equal(off.spec.volumes, undefined);
    assert.equal(off.spec.containers[0].volumeMounts, undefined);
    const forced = pod('b', { automountServiceAccountToken: true });
    await run(plugin, 'CREATE', forced, undefined, podScope());
    assert.equal(forced.spec.volumes.length, 1);
    const podOff = pod('c', { serviceAccountName: 'on', automountServiceAccountToken: false });
    await run(plugin, 'CREATE', podOff, undefined, podScope());
    assert.equal(podOff.spec.volumes, undefined);
  });

  test('an existing mount at the token path or an existing kube-api-access volume is kept', async () => {
    const { plugin } = setup(sa('default'));
    const p = pod('web', {
      containers: [
        { name: 'a', image: 'i', volumeMounts: [{ name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }] },
        { name: 'b', image: 'i' },
      ],
      volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [] } }],
    });
    await run(plugin, 'CREATE', p, undefined, podScope());
    assert.deepEqual(p.spec.containers[0].volumeMounts, [{ name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }]);
    assert.deepEqual(p.spec.containers[1].volumeMounts, [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }]);
    assert.equal(p.spec.volumes.length, 1);
  });

  test('imagePullSecrets come from the service account when the pod has none', async () => {
    const { plugin } = setup(sa('default', { imagePullSecrets: [{ name: 'regcred' }] }));
    const p = pod('web');
    await run(plugin, 'CREATE', p, undefined, podScope());
    assert.deepEqual(p.spec.imagePullSecrets, [{ name: 'regcred' }]);
    const own = pod('own', { imagePullSecrets: [{ name: 'mine' }] });
    await run(plugin, 'CREATE', own, undefined, podScope());
    assert.deepEqual(own.spec.imagePullSecrets, [{ name: 'mine' }]);
  });

  test('a missing service account is rejected as upstream words it', async () => {
    const { plugin, sleeps } = setup(sa('default'));
    const err = await rejection(run(plugin, 'CREATE', pod('x', { serviceAccountName: 'builder' }), undefined, podScope()));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "x" is forbidden: error looking up service account ns/builder: serviceaccount "builder" not found');
    assert.equal(sleeps.length, 0);
  });

  test('the default service account is looked up live up to 10 times before giving up', async () => {
    const { plugin, sleeps, objects } = setup();
    const err = await rejection(run(plugin, 'CREATE', pod('x'), undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: error looking up service account ns/default: serviceaccount "default" not found');
    assert.equal(objects.liveCalls, 10);
    assert.equal(sleeps.length, 9);
    assert.ok(sleeps.every((ms) => ms >= 100 && ms < 200));
  });

  test('a service account not yet in the cache is found by the live look-up', async () => {
    const { plugin, objects } = setup();
    objects.put('', 'serviceaccounts', sa('default'), { liveOnly: true });
    const p = pod('x');
    await run(plugin, 'CREATE', p, undefined, podScope());
    assert.equal(p.spec.serviceAccountName, 'default');
  });

  test('mirror pods are not mutated and may not reference service accounts or secrets', async () => {
    const { plugin } = setup(sa('default'));
    const mirror = (spec: Record<string, unknown> = {}) => pod('static-web', spec, { annotations: { 'kubernetes.io/config.mirror': 'hash' } });
    const ok = mirror();
    await run(plugin, 'CREATE', ok, undefined, podScope());
    assert.equal(ok.spec.serviceAccountName, undefined);
    assert.equal(ok.spec.volumes, undefined);
    let err = await rejection(run(plugin, 'CREATE', mirror({ serviceAccountName: 'default' }), undefined, podScope()));
    assert.equal(err.message, 'pods "static-web" is forbidden: a mirror pod may not reference service accounts');
    err = await rejection(run(plugin, 'CREATE', mirror({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }), undefined, podScope()));
    assert.equal(err.message, 'pods "static-web" is forbidden: a mirror pod may not reference secrets');
    err = await rejection(run(plugin, 'CREATE', mirror({ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] }), undefined, podScope()));
    assert.equal(err.message, 'pods "static-web" is forbidden: a mirror pod may not use ServiceAccountToken volume projections');
  });

  test('enforce-mountable-secrets limits the secrets a pod may use', async () => {
    const { plugin } = setup(sa('default', { secrets: [{ name: 'allowed' }] }, { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }));
    await run(plugin, 'CREATE', pod('ok', { volumes: [{ name: 'v', secret: { secretName: 'allowed' } }] }), undefined, podScope());
    let err = await rejection(run(plugin, 'CREATE', pod('x', { volumes: [{ name: 'v', secret: { secretName: 'other' } }] }), undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: volume with secret.secretName="other" is not allowed because service account default does not reference that secret');
    err = await rejection(
      run(plugin, 'CREATE', pod('y', { containers: [{ name: 'c', image: 'i', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }] }] }), undefined, podScope()),
    );
    assert.equal(err.message, 'pods "y" is forbidden: container c with envVar PW referencing secret.secretName="other" is not allowed because service account default does not reference that secret');
    err = await rejection(run(plugin, 'CREATE', pod('z', { imagePullSecrets: [{ name: 'reg' }] }), undefined, podScope()));
    assert.equal(err.message, 'pods "z" is forbidden: imagePullSecrets[0].name="reg" is not allowed because service account default does not reference that imagePullSecret');
  });

  test('ephemeral containers are checked against mountable secrets', async () => {
    const { plugin } = setup(sa('default', { secrets: [] }, { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }));
    const p = pod('x', { serviceAccountName: 'default', ephemeralContainers: [{ name: 'dbg', image: 'busybox', envFrom: [{ secretRef: { name: 's' } }] }] });
    const err = await rejection(run(plugin, 'UPDATE', p, pod('x'), scope('', 'pods', { namespace: 'ns', name: 'x', subresource: 'ephemeralcontainers' })));
    assert.equal(err.message, 'pods "x" is forbidden: ephemeral container dbg with envFrom referencing secret.secretName="s" is not allowed because service account default does not reference that secret');
  });

  test('updates and other resources are ignored', async () => {
    const { plugin } = setup();
    await run(plugin, 'UPDATE', pod('x'), pod('x'), podScope());
    await run(plugin, 'CREATE', { metadata: { name: 'cm' } }, undefined, scope('', 'configmaps', { namespace: 'ns' }));
  });
});
