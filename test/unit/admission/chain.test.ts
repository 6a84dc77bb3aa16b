import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_ORDERED_PLUGINS,
  DEFAULT_ON_PLUGINS,
  NOOP_PLUGINS,
  buildAdmissionChain,
  enabledAdmissionPlugins,
  validateAdmissionFlags,
  type AdmissionDeps,
} from '../../../src/apiserver/admission/chain.js';
import type { ApiContext } from '../../../src/apiserver/endpoints/context.js';
import { FakeObjects, pod, rejection, scope } from './helpers.js';

const deps = (o: Partial<AdmissionDeps> = {}): AdmissionDeps => ({
  ctx: {} as ApiContext,
  objects: new FakeObjects(),
  quotas: { list: async () => [], updateStatus: async () => true },
  ...o,
});

// kube-apiserver -h (1.32): "admission plugins that should be enabled in addition to default enabled ones (...)"
const DEFAULT_ORDER = [
  'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'TaintNodesByCondition', 'PodSecurity', 'Priority',
  'DefaultTolerationSeconds', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'PersistentVolumeClaimResize',
  'RuntimeClass', 'CertificateApproval', 'CertificateSigning', 'ClusterTrustBundleAttest', 'CertificateSubjectRestriction',
  'DefaultIngressClass', 'MutatingAdmissionPolicy', 'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook', 'ResourceQuota',
];

describe('admission chain', () => {
  test('the default set, in upstream order', () => {
    assert.deepEqual(enabledAdmissionPlugins([], []), DEFAULT_ORDER);
    assert.deepEqual(buildAdmissionChain([], [], deps()).map((p) => p.name), DEFAULT_ORDER);
    assert.equal(DEFAULT_ON_PLUGINS.size, DEFAULT_ORDER.length);
  });

  test('the 35 plugin names of 1.32, webhooks, ResourceQuota and AlwaysDeny last', () => {
    assert.equal(ALL_ORDERED_PLUGINS.length, 35);
    assert.deepEqual(ALL_ORDERED_PLUGINS.slice(-6), ['MutatingAdmissionPolicy', 'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook', 'ResourceQuota', 'AlwaysDeny']);
    for (const n of NOOP_PLUGINS) assert.ok(ALL_ORDERED_PLUGINS.includes(n), n);
  });

  test('enabled plugins join in their fixed place, whatever the flag order', () => {
    const names = buildAdmissionChain(['AlwaysPullImages', 'NodeRestriction', 'NamespaceAutoProvision'], [], deps()).map((p) => p.name);
    assert.deepEqual(names.slice(0, 7), ['NamespaceAutoProvision', 'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'TaintNodesByCondition', 'AlwaysPullImages']);
    assert.equal(names.length, DEFAULT_ORDER.length + 3);
  });

  test('disabled plugins leave, default-on or not', () => {
    const names = enabledAdmissionPlugins(['NodeRestriction'], ['ResourceQuota', 'PodSecurity', 'ServiceAccount']);
    assert.ok(!names.includes('ResourceQuota') && !names.includes('PodSecurity') && !names.includes('ServiceAccount'));
    assert.ok(names.includes('NodeRestriction'));
    assert.equal(names[names.length - 1], 'ValidatingAdmissionWebhook');
  });

  test('unknown names are errors worded as upstream', () => {
    assert.throws(() => buildAdmissionChain(['Foo'], [], deps()), { message: 'enable-admission-plugins plugin "Foo" is unknown' });
    assert.throws(() => buildAdmissionChain([], ['Bar'], deps()), { message: 'disable-admission-plugins plugin "Bar" is unknown' });
    assert.throws(() => buildAdmissionChain(['Foo'], ['Bar'], deps()), {
      message: '[enable-admission-plugins plugin "Foo" is unknown, disable-admission-plugins plugin "Bar" is unknown]',
    });
    // names are case-sensitive
    assert.deepEqual(validateAdmissionFlags(['noderestriction'], []), ['enable-admission-plugins plugin "noderestriction" is unknown']);
  });

  test('a name both enabled and disabled is an error', () => {
    assert.deepEqual(validateAdmissionFlags(['NodeRestriction', 'AlwaysPullImages'], ['NodeRestriction', 'AlwaysPullImages']), [
      '[AlwaysPullImages NodeRestriction] in enable-admission-plugins and disable-admission-plugins overlapped',
    ]);
  });

  test('empty flag values are ignored', () => {
    assert.deepEqual(enabledAdmissionPlugins([''], ['']), DEFAULT_ORDER);
  });

  test('plugins keep their two phases: admit mutates, validate checks (the write path runs validation between them)', async () => {
    const p0 = buildAdmissionChain(['AlwaysPullImages'], [], deps()).find((p) => p.name === 'AlwaysPullImages')!;
    assert.equal(typeof p0.validate, 'function');
    const p = pod('a');
    p.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    // the validating phase alone refuses a pod the mutating phase has not fixed yet
    const err = await rejection((async () => p0.validate!('CREATE', p, undefined, scope('', 'pods', { namespace: 'ns' })))());
    assert.equal(err.code, 403);
    await p0.admit!('CREATE', p, undefined, scope('', 'pods', { namespace: 'ns' }));
    assert.equal(p.spec.containers[0].imagePullPolicy, 'Always');
    await p0.validate!('CREATE', p, undefined, scope('', 'pods', { namespace: 'ns' }));
  });

  test('AlwaysDeny denies every write', async () => {
    const deny = buildAdmissionChain(['AlwaysDeny'], [], deps()).find((p) => p.name === 'AlwaysDeny')!;
    const err = await rejection((async () => deny.admit!('CREATE', pod('p'), undefined, scope('', 'pods', { namespace: 'ns' })))());
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "p" is forbidden: admission control is denying all modifications');
  });
});
