// Tests for the remaining named-group declarations: storage classes (defaults, immutable
// fields, the "(default)" marker), events.k8s.io/v1 ↔ core/v1 conversion, priority
// classes, PDBs, CSRs (validation, approval strategy, CONDITION cell), endpoint slices,
// network policies, ingresses and classes, leases, runtime classes, and the group list.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupResources, builtinPriorityClasses, prepareForApprovalUpdate } from '../../../src/apiserver/registry/groups.js';
import { storageClassDef } from '../../../src/apiserver/registry/storage/storageclasses.js';
import { csiDriverDef } from '../../../src/apiserver/registry/storage/csidrivers.js';
import { volumeAttachmentDef } from '../../../src/apiserver/registry/storage/volumeattachments.js';
import { eventsV1Def, eventFromCore, eventToCore } from '../../../src/apiserver/registry/events/events.js';
import { priorityClassDef } from '../../../src/apiserver/registry/scheduling/priorityclasses.js';
import { podDisruptionBudgetDef } from '../../../src/apiserver/registry/policy/poddisruptionbudgets.js';
import { certificateSigningRequestDef } from '../../../src/apiserver/registry/certificates/certificatesigningrequests.js';
import { endpointSliceDef } from '../../../src/apiserver/registry/discovery/endpointslices.js';
import { networkPolicyDef } from '../../../src/apiserver/registry/networking/networkpolicies.js';
import { ingressDef } from '../../../src/apiserver/registry/networking/ingresses.js';
import { ingressClassDef } from '../../../src/apiserver/registry/networking/ingressclasses.js';
import { leaseDef } from '../../../src/apiserver/registry/coordination/leases.js';
import { runtimeClassDef } from '../../../src/apiserver/registry/node/runtimeclasses.js';
import { created, row, updated } from './groups-helpers.js';

const T0 = '2024-01-01T00:00:00Z';
const at = (s: string) => Date.parse(s);

test('StorageClass: defaults, (default) marker, immutable fields', () => {
  const { obj, errs } = created(storageClassDef, {
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
  }, T0);
  assert.deepEqual(errs, []);
  assert.equal(obj.reclaimPolicy, 'Delete');
  assert.equal(obj.volumeBindingMode, 'Immediate');
  assert.deepEqual(storageClassDef.table!.cells(obj, at('2024-01-03T00:00:00Z')), ['standard (default)', 'rancher.io/local-path', 'Delete', 'Immediate', false, '2d']);
  assert.deepEqual(storageClassDef.shortNames, ['sc']);

  assert.deepEqual(created(storageClassDef, { metadata: { name: 'x' } }).errs, ['provisioner: Required value']);
  assert.deepEqual(created(storageClassDef, { metadata: { name: 'x' }, provisioner: 'p', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }).errs, [
    'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
  ]);
  const next = structuredClone(obj);
  next.parameters = { type: 'ssd' };
  next.provisioner = 'other';
  next.volumeBindingMode = 'WaitForFirstConsumer';
  assert.deepEqual(updated(storageClassDef, next, obj).errs, [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'provisioner: Forbidden: updates to provisioner are forbidden.',
    'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
  ]);
});

test('CSIDriver defaults and VolumeAttachment rules', () => {
  const { obj, errs } = created(csiDriverDef, { metadata: { name: 'hostpath.csi.k8s.io' }, spec: {} });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.spec, {
    attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType',
    requiresRepublish: false, volumeLifecycleModes: ['Persistent'], seLinuxMount: false,
  });
  assert.deepEqual(csiDriverDef.table!.cells(obj, at(T0)).slice(0, 7), ['hostpath.csi.k8s.io', true, false, false, '<unset>', false, 'Persistent']);

  const va = created(volumeAttachmentDef, { metadata: { name: 'va' }, spec: { attacher: 'hostpath.csi.k8s.io', nodeName: 'n1', source: { persistentVolumeName: 'pv1' } } });
  assert.deepEqual(va.errs, []);
  assert.deepEqual(va.obj.status, { attached: false });
  assert.deepEqual(created(volumeAttachmentDef, { metadata: { name: 'va' }, spec: {} }).errs, [
    'spec.attacher: Required value',
    'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
    'spec.nodeName: Required value',
  ]);
});

test('events.k8s.io/v1 ↔ core/v1 conversion round trip', () => {
  const v1 = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'pod.1', namespace: 'default' },
    eventTime: '2024-01-01T00:00:00.000000Z',
    series: { count: 2, lastObservedTime: '2024-01-01T00:01:00.000000Z' },
    reportingController: 'default-scheduler',
    reportingInstance: 'default-scheduler-node1',
    action: 'Binding',
    reason: 'Scheduled',
    regarding: { kind: 'Pod', namespace: 'default', name: 'pod', uid: 'u', apiVersion: 'v1' },
    related: { kind: 'Node', name: 'node1' },
    note: 'Successfully assigned default/pod to node1',
    type: 'Normal',
    deprecatedSource: {},
    deprecatedFirstTimestamp: null,
    deprecatedLastTimestamp: null,
  };
  const core = eventToCore(v1);
  assert.deepEqual(core, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: v1.metadata,
    involvedObject: v1.regarding,
    reason: 'Scheduled',
    message: 'Successfully assigned default/pod to node1',
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: 'Normal',
    eventTime: v1.eventTime,
    series: v1.series,
    action: 'Binding',
    related: v1.related,
    reportingComponent: 'default-scheduler',
    reportingInstance: 'default-scheduler-node1',
  });
  assert.deepEqual(eventFromCore(core), v1);

  const legacy = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' }, reason: 'Pulled', message: 'pulled',
    source: { component: 'kubelet', host: 'node1' }, firstTimestamp: T0, lastTimestamp: T0, count: 3, type: 'Normal',
    eventTime: null, reportingComponent: '', reportingInstance: '',
  };
  const served = eventFromCore(legacy);
  assert.deepEqual(served, {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: legacy.metadata, eventTime: null, reason: 'Pulled',
    regarding: legacy.involvedObject, note: 'pulled', type: 'Normal', deprecatedSource: legacy.source,
    deprecatedFirstTimestamp: T0, deprecatedLastTimestamp: T0, deprecatedCount: 3,
  });
  assert.deepEqual(eventToCore(served), legacy);
  assert.equal(eventsV1Def.storageResource, 'events');
  // the table is the core event table, computed on the converted object
  assert.deepEqual(eventsV1Def.table!.cells(served, at('2024-01-01T00:02:00Z')).slice(0, 7), ['2m', 'Normal', 'Pulled', 'pod/x', '', 'kubelet, node1', 'pulled']);
});

test('events.k8s.io/v1: strict create validation', () => {
  const { errs } = created(eventsV1Def, {
    metadata: { name: 'e', namespace: 'default' },
    regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
    reason: 'R', note: 'n', type: 'Odd', deprecatedCount: 2,
  });
  assert.ok(errs.includes('eventTime: Required value'));
  assert.ok(errs.includes('type: Invalid value: "": has invalid value: Odd'));
  assert.ok(errs.includes('deprecatedCount: Invalid value: "": needs to be unset'));
});

test('PriorityClass: built-ins, reserved prefix, immutable value, table', () => {
  const [node, cluster] = builtinPriorityClasses();
  assert.equal(node.metadata.name, 'system-node-critical');
  assert.equal(node.value, 2000001000);
  assert.equal(cluster.metadata.name, 'system-cluster-critical');
  assert.equal(cluster.value, 2000000000);
  for (const pc of builtinPriorityClasses()) assert.deepEqual(created(priorityClassDef, pc).errs, []);

  assert.deepEqual(created(priorityClassDef, { metadata: { name: 'system-mine' }, value: 5 }).errs, [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
  ]);
  assert.deepEqual(created(priorityClassDef, { metadata: { name: 'huge' }, value: 2000000000 }).errs, ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  const { obj } = created(priorityClassDef, { metadata: { name: 'high' }, value: 1000 }, T0);
  assert.equal(obj.preemptionPolicy, 'PreemptLowerPriority');
  const next = { ...structuredClone(obj), value: 2000 };
  assert.deepEqual(updated(priorityClassDef, next, obj).errs, ['value: Forbidden: may not be changed in an update.']);
  assert.deepEqual(priorityClassDef.table!.cells(obj, at('2024-01-01T00:00:03Z')), ['high', 1000, false, '3s', 'PreemptLowerPriority']);
});

test('PodDisruptionBudget: minAvailable xor maxUnavailable, status, table', () => {
  const { obj, errs } = created(podDisruptionBudgetDef, { metadata: { name: 'p', namespace: 'default' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'a' } } } });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  assert.deepEqual(podDisruptionBudgetDef.table!.cells(obj, at('2024-01-01T00:00:01Z')), ['p', '2', 'N/A', 0, '1s']);
  const both = created(podDisruptionBudgetDef, { metadata: { name: 'p', namespace: 'default' }, spec: { minAvailable: '50%', maxUnavailable: 1 } });
  assert.equal(both.errs.length, 1);
  assert.match(both.errs[0], /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
  assert.deepEqual(created(podDisruptionBudgetDef, { metadata: { name: 'p', namespace: 'default' }, spec: { maxUnavailable: '150%' } }).errs, [
    'spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
  ]);
});

const CSR_REQUEST =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIYU1JR0JBZ0VBTUI4eERqQU1CZ05WQkFNTUJXRnNhV05sTVEwd0N3WURWUVFLREFSa1pYWnpNRmt3RXdZSApLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFVXVRdVYwZENiS1MyTHZtQ055Q0oxY051ZTgwMnVaY2ZyclVKCk9Pak9CWmNNZzF2bFA1MTBvR1h1dTBMcE5PWnlFSDNOZ2VYd2dvMVJobUErOEJodXZLQUFNQW9HQ0NxR1NNNDkKQkFNQ0EwZ0FNRVVDSUJvK3dwVnM0MVlMcExuNHl2ZnBVWXk0SGtGREQ5SUkwTG8zc0RDYzBXRjBBaUVBMnBHZwprTTFkOUs4Um04UUNtWFcrdllXVTlUK3FOa3VOdDNqZHhaeTN6K1E9Ci0tLS0tRU5EIENFUlRJRklDQVRFIFJFUVVFU1QtLS0tLQo=';

test('CertificateSigningRequest: validation, approval, CONDITION cell', () => {
  const csr = {
    metadata: { name: 'alice' },
    spec: { request: CSR_REQUEST, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 86400, username: 'admin' },
  };
  const { obj, errs } = created(certificateSigningRequestDef, csr, T0);
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.status, {});
  assert.equal(obj.spec.username, undefined); // the requester is filled in by the server
  obj.spec.username = 'admin';
  assert.deepEqual(certificateSigningRequestDef.table!.cells(obj, at('2024-01-01T00:00:05Z')), ['alice', '5s', 'kubernetes.io/kube-apiserver-client', 'admin', '24h', 'Pending']);
  assert.deepEqual(certificateSigningRequestDef.shortNames, ['csr']);
  assert.equal(certificateSigningRequestDef.approval, true);

  const bad = created(certificateSigningRequestDef, { metadata: { name: 'b' }, spec: { request: Buffer.from('nope').toString('base64'), signerName: 'nodomain', usages: ['client auth', 'flying', 'client auth'], expirationSeconds: 60 } }).errs;
  assert.deepEqual(bad, [
    'spec.request: Invalid value: "bm9wZQ==": PEM block type must be CERTIFICATE REQUEST',
    `spec.usages[1]: Unsupported value: "flying": supported values: ${['any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only', 'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping'].map((u) => JSON.stringify(u)).join(', ')}`,
    'spec.usages[2]: Duplicate value: "client auth"',
    "spec.signerName: Invalid value: \"nodomain\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
    'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
  ]);

  // the approval subresource only changes conditions
  const approve = structuredClone(obj);
  approve.spec.usages = ['server auth'];
  approve.metadata.labels = { x: 'y' };
  approve.status.conditions = [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok' }];
  prepareForApprovalUpdate(approve, obj);
  assert.deepEqual(approve.spec.usages, ['client auth']);
  assert.deepEqual(approve.metadata.labels, { x: 'y' });
  assert.equal(approve.status.conditions[0].type, 'Approved');
  assert.ok(approve.status.conditions[0].lastUpdateTime);
  assert.equal(certificateSigningRequestDef.table!.cells(approve, at(T0))[5], 'Approved');

  // spec never changes through the main resource; approval cannot be dropped via status
  const main = structuredClone(approve);
  main.spec.signerName = 'example.com/other';
  assert.equal(updated(certificateSigningRequestDef, main, approve).obj.spec.signerName, 'kubernetes.io/kube-apiserver-client');
  const st = structuredClone(approve);
  st.status = { conditions: [{ type: 'Failed', status: 'True' }], certificate: 'Y2VydA==' };
  st.status.conditions.unshift({ ...approve.status.conditions[0], message: 'tampered' });
  const su = updated(certificateSigningRequestDef, st, approve, 'status');
  assert.deepEqual(su.errs, []);
  assert.deepEqual(su.obj.status.conditions.map((c: any) => [c.type, c.message]), [['Approved', 'ok'], ['Failed', undefined]]);
  const drop = structuredClone(approve);
  drop.status = {};
  assert.deepEqual(updated(certificateSigningRequestDef, drop, approve, 'status').errs, ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
  assert.equal(certificateSigningRequestDef.table!.cells(su.obj, at(T0))[5], 'Approved,Failed,Issued');
});

test('EndpointSlice: defaults, validation, immutable addressType, table', () => {
  const es = {
    metadata: { name: 'web-abc', namespace: 'default' },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4'] }],
    ports: [{ port: 80 }, { name: 'https', port: 443 }],
  };
  const { obj, errs } = created(endpointSliceDef, es, T0);
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.ports, [{ port: 80, name: '', protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }]);
  assert.deepEqual(endpointSliceDef.table!.cells(obj, at('2024-01-01T00:00:02Z')), ['web-abc', 'IPv4', '80,443', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '2s']);
  assert.deepEqual(created(endpointSliceDef, { metadata: { name: 'x', namespace: 'default' }, endpoints: [] }).errs, ['addressType: Required value']);
  assert.deepEqual(created(endpointSliceDef, { metadata: { name: 'x', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }, { addresses: [] }] }).errs, [
    'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'endpoints[1].addresses: Required value: must contain at least 1 address',
  ]);
  const next = { ...structuredClone(obj), addressType: 'IPv6', endpoints: [] };
  assert.deepEqual(updated(endpointSliceDef, next, obj).errs, ['addressType: Invalid value: "IPv6": field is immutable']);
  assert.equal(row(endpointSliceDef, { metadata: { name: 'e' }, addressType: 'FQDN' }, 0).Ports, '<unset>');
});

test('NetworkPolicy: defaults, peers and ports, table', () => {
  const { obj, errs } = created(networkPolicyDef, {
    metadata: { name: 'np', namespace: 'default' },
    spec: { podSelector: { matchLabels: { app: 'db' } }, egress: [{ ports: [{ port: 5432 }] }], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] },
  });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(obj.spec.egress[0].ports[0].protocol, 'TCP');
  assert.deepEqual(networkPolicyDef.table!.cells(obj, at('2024-01-01T00:00:01Z')), ['np', 'app=db', '1s']);
  assert.deepEqual(networkPolicyDef.shortNames, ['netpol']);
  assert.deepEqual(created(networkPolicyDef, {
    metadata: { name: 'np', namespace: 'default' },
    spec: { podSelector: {}, ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/16', except: ['192.168.0.0/24'] }, podSelector: {} }], ports: [{ port: 'http', endPort: 90 }] }] },
  }).errs, [
    'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
    'spec.ingress[0].from[0]: Required value: must specify a peer',
    'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "192.168.0.0/24": must be a strict subset of `cidr`',
    'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
  ]);
  assert.equal(row(networkPolicyDef, { metadata: { name: 'all' }, spec: { podSelector: {} } }, 0)['Pod-Selector'], '<none>');
});

test('Ingress and IngressClass', () => {
  const ing = {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['a.example.com'] }],
      rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
  };
  const { obj, errs } = created(ingressDef, ing, T0);
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.status, { loadBalancer: {} });
  obj.status = { loadBalancer: { ingress: [{ ip: '172.18.0.2' }] } };
  assert.deepEqual(ingressDef.table!.cells(obj, at('2024-01-01T00:00:04Z')), ['web', 'nginx', 'a.example.com', '172.18.0.2', '80, 443', '4s']);
  assert.equal(ingressDef.storageResource, 'ingress');
  assert.deepEqual(created(ingressDef, { metadata: { name: 'x', namespace: 'default' }, spec: { rules: [{ host: '1.2.3.4', http: { paths: [{ path: 'a', pathType: 'Exact', backend: {} }] } }] } }).errs, [
    'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths[0].path: Invalid value: "a": must be an absolute path',
    'spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required',
  ]);

  const ic = created(ingressClassDef, { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Config', name: 'c' } } }, T0);
  assert.deepEqual(ic.errs, []);
  assert.equal(ic.obj.spec.parameters.scope, 'Cluster');
  assert.deepEqual(ingressClassDef.table!.cells(ic.obj, at(T0)), ['nginx', 'k8s.io/ingress-nginx', 'Config/c', '0s']);
  assert.deepEqual(created(ingressClassDef, { metadata: { name: 'x' }, spec: { controller: 'nginx' } }).errs, [
    'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
  ]);
  const next = structuredClone(ic.obj);
  next.spec.controller = 'example.com/other';
  assert.deepEqual(updated(ingressClassDef, next, ic.obj).errs, ['spec.controller: Invalid value: "example.com/other": field is immutable']);
});

test('Lease and RuntimeClass', () => {
  const l = created(leaseDef, { metadata: { name: 'node1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node1', leaseDurationSeconds: 40 } }, T0);
  assert.deepEqual(l.errs, []);
  assert.deepEqual(leaseDef.table!.cells(l.obj, at('2024-01-01T00:00:40Z')), ['node1', 'node1', '40s']);
  assert.deepEqual(created(leaseDef, { metadata: { name: 'x', namespace: 'y' }, spec: { leaseDurationSeconds: 0 } }).errs, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);

  const rc = created(runtimeClassDef, { metadata: { name: 'gvisor' }, handler: 'runsc' }, T0);
  assert.deepEqual(rc.errs, []);
  assert.deepEqual(runtimeClassDef.table!.cells(rc.obj, at(T0)), ['gvisor', 'runsc', '0s']);
  assert.match(created(runtimeClassDef, { metadata: { name: 'x' }, handler: 'Run_SC' }).errs[0], /^handler: Invalid value: "Run_SC": a lowercase RFC 1123 label/);
  assert.deepEqual(updated(runtimeClassDef, { ...rc.obj, handler: 'kata' }, rc.obj).errs, ['handler: Invalid value: "kata": field is immutable']);
});

test('groupResources: one entry per group/version/resource, upstream short names', () => {
  const seen = new Set<string>();
  for (const d of groupResources) {
    const k = `${d.group}/${d.version}/${d.plural}`;
    assert.ok(!seen.has(k), k);
    seen.add(k);
    if (d.table) for (const c of d.table.columns) assert.ok(c.priority === 0 || c.priority === 1);
  }
  const short = Object.fromEntries(groupResources.filter((d) => d.shortNames).map((d) => [`${d.plural}.${d.group}`, d.shortNames]));
  assert.deepEqual(short, {
    'daemonsets.apps': ['ds'],
    'deployments.apps': ['deploy'],
    'replicasets.apps': ['rs'],
    'statefulsets.apps': ['sts'],
    'horizontalpodautoscalers.autoscaling': ['hpa'],
    'cronjobs.batch': ['cj'],
    'certificatesigningrequests.certificates.k8s.io': ['csr'],
    'events.events.k8s.io': ['ev'],
    'ingresses.networking.k8s.io': ['ing'],
    'networkpolicies.networking.k8s.io': ['netpol'],
    'poddisruptionbudgets.policy': ['pdb'],
    'priorityclasses.scheduling.k8s.io': ['pc'],
    'storageclasses.storage.k8s.io': ['sc'],
  });
  const all = groupResources.filter((d) => d.categories?.includes('all')).map((d) => d.plural).sort();
  assert.deepEqual(all, ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'horizontalpodautoscalers', 'jobs', 'replicasets', 'statefulsets']);
});

test('EndpointSlice: a label change alone bumps the generation', () => {
  const { obj } = created(endpointSliceDef, { metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv4', endpoints: [] });
  const next = structuredClone(obj);
  next.metadata.labels = { 'kubernetes.io/service-name': 'web' };
  assert.equal(updated(endpointSliceDef, next, obj).obj.metadata.generation, 2);
  assert.equal(updated(endpointSliceDef, structuredClone(obj), obj).obj.metadata.generation, 1);
});
