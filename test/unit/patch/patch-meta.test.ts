// Tests for the built-in strategic-merge metadata table (src/apimachinery/patch/patch-meta.ts): the
// patchStrategy/patchMergeKey tags of the upstream k8s.io/api types.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  builtinPatchMeta, lookupPatchMeta, splitPatchStrategy, strategicMergePatchSupported, type PatchMeta,
} from '../../../src/apimachinery/patch/patch-meta.js';

function at(meta: PatchMeta | undefined, path: string): PatchMeta | undefined {
  let m = meta;
  for (const seg of path.split('.')) {
    m = seg === '[]' ? m?.elem : lookupPatchMeta(m, seg);
  }
  return m;
}

function tag(meta: PatchMeta | undefined): string {
  if (!meta?.strategy) return '';
  return `${meta.strategy.join(',')}${meta.mergeKey ? `/${meta.mergeKey}` : ''}`;
}

test('ObjectMeta: finalizers set-merge, ownerReferences by uid, managedFields/labels untagged', () => {
  const pod = builtinPatchMeta('', 'Pod');
  assert.equal(tag(at(pod, 'metadata.finalizers')), 'merge');
  assert.equal(tag(at(pod, 'metadata.ownerReferences')), 'merge/uid');
  assert.equal(tag(at(pod, 'metadata.managedFields')), '');
  assert.equal(tag(at(pod, 'metadata.labels')), '');
});

test('PodSpec and Container tags', () => {
  const pod = builtinPatchMeta('', 'Pod');
  const cases: Record<string, string> = {
    'spec.containers': 'merge/name',
    'spec.initContainers': 'merge/name',
    'spec.ephemeralContainers': 'merge/name',
    'spec.volumes': 'merge,retainKeys/name',
    'spec.imagePullSecrets': 'merge/name',
    'spec.hostAliases': 'merge/ip',
    'spec.topologySpreadConstraints': 'merge/topologyKey',
    'spec.schedulingGates': 'merge/name',
    'spec.resourceClaims': 'merge,retainKeys/name',
    'spec.tolerations': '',
    'spec.readinessGates': '',
    'spec.containers.[].ports': 'merge/containerPort',
    'spec.containers.[].env': 'merge/name',
    'spec.containers.[].volumeMounts': 'merge/mountPath',
    'spec.containers.[].volumeDevices': 'merge/devicePath',
    'spec.containers.[].resizePolicy': '',
    'spec.containers.[].envFrom': '',
    'spec.containers.[].args': '',
    'spec.initContainers.[].env': 'merge/name',
    'spec.ephemeralContainers.[].volumeMounts': 'merge/mountPath',
    'status.conditions': 'merge/type',
    'status.podIPs': 'merge/ip',
    'status.hostIPs': 'merge/ip',
    'status.containerStatuses': '',
    'status.resourceClaimStatuses': 'merge,retainKeys/name',
  };
  for (const [path, want] of Object.entries(cases)) assert.equal(tag(at(pod, path)), want, path);
});

test('workloads reach the pod template; Deployment strategy is retainKeys', () => {
  assert.equal(tag(at(builtinPatchMeta('apps', 'Deployment'), 'spec.strategy')), 'retainKeys');
  assert.deepEqual(splitPatchStrategy(at(builtinPatchMeta('apps', 'Deployment'), 'spec.strategy')), { retainKeys: true, strategy: '' });
  for (const [g, k] of [['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'], ['batch', 'Job'], ['', 'ReplicationController']]) {
    const m = builtinPatchMeta(g, k);
    assert.equal(tag(at(m, 'spec.template.spec.containers')), 'merge/name', `${g}/${k}`);
    assert.equal(tag(at(m, 'spec.template.metadata.finalizers')), 'merge', `${g}/${k}`);
    assert.equal(tag(at(m, 'status.conditions')), 'merge/type', `${g}/${k}`);
  }
  assert.equal(tag(at(builtinPatchMeta('batch', 'CronJob'), 'spec.jobTemplate.spec.template.spec.containers.[].env')), 'merge/name');
  assert.equal(tag(at(builtinPatchMeta('', 'PodTemplate'), 'template.spec.volumes')), 'merge,retainKeys/name');
  assert.equal(tag(at(builtinPatchMeta('apps', 'StatefulSet'), 'spec.volumeClaimTemplates')), '');
  assert.equal(tag(at(builtinPatchMeta('apps', 'DaemonSet'), 'spec.updateStrategy')), '');
});

test('core kinds', () => {
  assert.equal(tag(at(builtinPatchMeta('', 'Service'), 'spec.ports')), 'merge/port');
  assert.equal(tag(at(builtinPatchMeta('', 'Service'), 'status.conditions')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('', 'Endpoints'), 'subsets')), '');
  assert.equal(tag(at(builtinPatchMeta('', 'Node'), 'spec.taints')), '');
  assert.equal(tag(at(builtinPatchMeta('', 'Node'), 'spec.podCIDRs')), 'merge');
  assert.equal(tag(at(builtinPatchMeta('', 'Node'), 'status.conditions')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('', 'Node'), 'status.addresses')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('', 'Node'), 'status.images')), '');
  assert.equal(tag(at(builtinPatchMeta('', 'Namespace'), 'spec.finalizers')), '');
  assert.equal(tag(at(builtinPatchMeta('', 'Namespace'), 'status.conditions')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('', 'PersistentVolumeClaim'), 'status.conditions')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('', 'ServiceAccount'), 'secrets')), 'merge/name');
  assert.equal(tag(at(builtinPatchMeta('', 'ServiceAccount'), 'imagePullSecrets')), '');
  assert.equal(tag(at(builtinPatchMeta('', 'ConfigMap'), 'data')), '');
  assert.equal(tag(at(builtinPatchMeta('', 'Secret'), 'metadata.finalizers')), 'merge');
});

test('other groups', () => {
  assert.equal(tag(at(builtinPatchMeta('rbac.authorization.k8s.io', 'ClusterRole'), 'rules')), '');
  assert.equal(tag(at(builtinPatchMeta('policy', 'PodDisruptionBudget'), 'status.conditions')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('autoscaling', 'HorizontalPodAutoscaler'), 'status.conditions')), 'merge/type');
  assert.equal(tag(at(builtinPatchMeta('admissionregistration.k8s.io', 'MutatingWebhookConfiguration'), 'webhooks')), 'merge/name');
  assert.equal(tag(at(builtinPatchMeta('storage.k8s.io', 'CSINode'), 'spec.drivers')), 'merge/name');
  assert.equal(tag(at(builtinPatchMeta('apiextensions.k8s.io', 'CustomResourceDefinition'), 'status.conditions')), '');
  assert.equal(tag(at(builtinPatchMeta('certificates.k8s.io', 'CertificateSigningRequest'), 'status.conditions')), '');
  for (const [g, k] of [['networking.k8s.io', 'Ingress'], ['networking.k8s.io', 'NetworkPolicy'], ['coordination.k8s.io', 'Lease'],
    ['discovery.k8s.io', 'EndpointSlice'], ['storage.k8s.io', 'StorageClass'], ['events.k8s.io', 'Event'], ['', 'Event'], ['autoscaling', 'Scale']]) {
    assert.ok(builtinPatchMeta(g, k), `${g}/${k}`);
  }
});

test('custom resources have no metadata and no strategic merge patch', () => {
  assert.equal(builtinPatchMeta('example.com', 'Widget'), undefined);
  assert.equal(builtinPatchMeta('apps', 'Widget'), undefined);
  assert.equal(builtinPatchMeta('', 'toString'), undefined);
  assert.equal(strategicMergePatchSupported('example.com', 'Widget'), false);
  assert.equal(strategicMergePatchSupported('apps', 'Deployment'), true);
});
