import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFields, parseJSONWithDuplicates, unknownFields } from '../../../src/apiserver/fieldvalidation.js';

test('unknown fields are found at any depth and pruned', () => {
  const pod: any = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', bogus: 1 },
    spec: { containers: [{ name: 'c', image: 'i', imagePullPolicy: 'Always', typo: true, resources: { limits: { cpu: '1' } } }], volumes: [{ name: 'v', emptyDir: {} , hostPath: { path: '/x', nope: 1 } }] },
    status: {},
  };
  assert.deepEqual(unknownFields(pod, 'v1', 'Pod', true).sort(), ['metadata.bogus', 'spec.containers[0].typo', 'spec.volumes[0].hostPath.nope']);
  assert.equal(pod.metadata.bogus, undefined);
  assert.equal(pod.spec.containers[0].typo, undefined);
  assert.deepEqual(pod.spec.volumes[0].hostPath, { path: '/x' });
  // known inline fields (VolumeSource inside Volume) and maps of quantities are fine
  assert.deepEqual(unknownFields(pod, 'v1', 'Pod', false), []);
});

test('Strict fails with the upstream message; Warn returns warnings; Ignore is silent', () => {
  const mk = () => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, foo: 'x' } });
  assert.throws(() => checkFields(mk(), 'apps/v1', 'Deployment', 'Strict'), (e: any) => e.code === 400 && e.message === 'strict decoding error: unknown field "spec.foo"');
  assert.deepEqual(checkFields(mk(), 'apps/v1', 'Deployment', 'Warn'), ['unknown field "spec.foo"']);
  assert.deepEqual(checkFields(mk(), 'apps/v1', 'Deployment', 'Ignore'), []);
});

test('duplicate members are reported', () => {
  const r = parseJSONWithDuplicates('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"}}');
  assert.equal((r.value as any).metadata.name, 'b');
  assert.deepEqual(r.duplicates, ['duplicate field "metadata.name"']);
  assert.throws(() => checkFields(r.value as any, 'v1', 'ConfigMap', 'Strict', r.duplicates), /strict decoding error: duplicate field "metadata.name"/);
});

test('embedded objects with TypeMeta accept apiVersion/kind; templates without it do not', () => {
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { apiVersion: 'v1', metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: {} }],
    },
  };
  assert.deepEqual(unknownFields(structuredClone(sts), 'apps/v1', 'StatefulSet', false), ['spec.template.apiVersion']);
});
