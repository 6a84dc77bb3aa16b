// Endpoints and EndpointSlice computation from a Service and its pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../../src/controllers/util/types.js';
import { computeSubsets, truncateSubsets, capacityAnnotationSetCorrectly } from '../../../src/controllers/endpoint/endpoints.js';
import { findPort, rfc3339Nano, shouldPodBeInEndpoints, TriggerTimeTracker } from '../../../src/controllers/endpoint/podaddress.js';
import { desiredEndpoints } from '../../../src/controllers/endpointslice/desired.js';
import { reconcile } from '../../../src/controllers/endpointslice/reconciler.js';

const svc = (spec: Service['spec'] = {}): Service => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { selector: { app: 'web' }, clusterIP: '10.0.0.1', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
});

function pod(name: string, ip: string, ready: boolean, extra: Partial<Pod> = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `${name}-uid`, labels: { app: 'web' }, ...extra.metadata },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra.spec },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:01:00Z' }], ...extra.status },
  };
}

test('findPort: numbers as is, names against the containers with the protocol', () => {
  const p = pod('a', '1.1.1.1', true);
  assert.equal(findPort(p, { port: 80, targetPort: 'http' }), 8080);
  assert.equal(findPort(p, { port: 80, targetPort: 'http', protocol: 'UDP' }), undefined);
  assert.equal(findPort(p, { port: 80, targetPort: 9000 }), 9000);
  assert.equal(findPort(p, { port: 80 }), 80);
  assert.equal(findPort(p, { port: 80, targetPort: 'nope' }), undefined);
});

test('shouldPodBeInEndpoints: IP needed, terminating excluded unless asked, finished pods by restart policy', () => {
  assert.equal(shouldPodBeInEndpoints(pod('a', '', true, { status: { podIP: '', podIPs: [] } }), false), false);
  const term = pod('a', '1.1.1.1', true, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } });
  assert.equal(shouldPodBeInEndpoints(term, false), false);
  assert.equal(shouldPodBeInEndpoints(term, true), true);
  assert.equal(shouldPodBeInEndpoints(pod('a', '1.1.1.1', false, { spec: { restartPolicy: 'Never', containers: [] }, status: { phase: 'Failed', podIP: '1.1.1.1' } }), false), false);
  assert.equal(shouldPodBeInEndpoints(pod('a', '1.1.1.1', false, { spec: { restartPolicy: 'OnFailure', containers: [] }, status: { phase: 'Failed', podIP: '1.1.1.1' } }), false), true);
});

test('subsets: ready and notReady addresses, sorted, with the resolved ports', () => {
  const r = computeSubsets(svc(), [pod('b', '10.1.0.2', false), pod('a', '10.1.0.1', true), pod('c', '10.1.0.3', true)]);
  assert.equal(r.ready, 2);
  assert.equal(r.notReady, 1);
  assert.equal(r.subsets.length, 1);
  assert.deepEqual(r.subsets[0]!.addresses!.map((a) => a.ip), ['10.1.0.1', '10.1.0.3']);
  assert.deepEqual(r.subsets[0]!.notReadyAddresses!.map((a) => a.ip), ['10.1.0.2']);
  assert.deepEqual(r.subsets[0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(r.subsets[0]!.addresses![0]!.targetRef, { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'a-uid' });
});

test('subsets: pods serving different ports form separate subsets; publishNotReadyAddresses makes all ready', () => {
  const other = pod('x', '10.1.0.9', false, { spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9999 }] }] } });
  const r = computeSubsets(svc({ publishNotReadyAddresses: true }), [pod('a', '10.1.0.1', false), other]);
  assert.equal(r.subsets.length, 2);
  assert.ok(r.subsets.every((s) => s.addresses?.length === 1 && !s.notReadyAddresses));
});

test('headless services without ports list addresses; hostname when the subdomain is the service', () => {
  const p = pod('a', '10.1.0.1', true, { spec: { nodeName: 'n1', hostname: 'a', subdomain: 'web', containers: [] } });
  const r = computeSubsets(svc({ clusterIP: 'None', ports: [] }), [p]);
  assert.deepEqual(r.subsets, [{ addresses: [{ ip: '10.1.0.1', nodeName: 'n1', hostname: 'a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'a-uid' } }] }]);
});

test('truncation keeps 1000 addresses, not-ready ones dropped first', () => {
  const addrs = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ ip: `${p}.${i}` }));
  const subsets = [{ addresses: addrs(900, 'r'), notReadyAddresses: addrs(300, 'n') }];
  assert.equal(capacityAnnotationSetCorrectly(undefined, subsets), false);
  assert.equal(truncateSubsets(subsets), true);
  assert.equal(subsets[0]!.addresses.length, 900);
  assert.equal(subsets[0]!.notReadyAddresses.length, 100);
  assert.equal(capacityAnnotationSetCorrectly({}, subsets), true);
  const big = [{ addresses: addrs(1200, 'r'), notReadyAddresses: addrs(5, 'n') }];
  truncateSubsets(big);
  assert.equal(big[0]!.addresses.length, 1000);
  assert.equal(big[0]!.notReadyAddresses, undefined);
});

test('trigger time: the earliest change since the last sync', () => {
  const t = new TriggerTimeTracker();
  const s = svc();
  const first = t.compute('ns/web', s, [pod('a', '1.1.1.1', true)]);
  assert.equal(rfc3339Nano(first), '2026-01-01T00:00:00Z');
  assert.equal(t.compute('ns/web', s, [pod('a', '1.1.1.1', true)]), 0);
  const later = pod('a', '1.1.1.1', false, { status: { podIP: '1.1.1.1', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:05:00.5Z' }] } });
  assert.equal(rfc3339Nano(t.compute('ns/web', s, [later])), '2026-01-01T00:05:00.5Z');
});

test('endpointslices: conditions, zone, and at most maxEndpointsPerSlice per slice with little churn', () => {
  const node = { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } };
  const pods = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, `10.2.0.${i}`, i !== 0));
  const d = desiredEndpoints(svc(), pods, () => node);
  const group = [...d.byAddressType.get('IPv4')!.values()][0]!;
  assert.equal(group.endpoints.length, 5);
  assert.deepEqual(group.endpoints[0]!.conditions, { ready: false, serving: false, terminating: false });
  assert.equal(group.endpoints[1]!.zone, 'z1');
  const plan = reconcile(svc(), [], d, { maxEndpointsPerSlice: 2 });
  assert.equal(plan.create.length, 3);
  assert.deepEqual(plan.create.map((s) => s.endpoints.length), [2, 2, 1]);
  assert.equal(plan.create[0]!.metadata!.labels!['kubernetes.io/service-name'], 'web');
  // the created slices as the API returns them: a sync with the same pods changes nothing
  const existing = plan.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, uid: `s${i}` } }));
  const again = reconcile(svc(), existing, desiredEndpoints(svc(), pods, () => node), { maxEndpointsPerSlice: 2 });
  assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);
  // one pod more: it goes into the slice with room, nothing else is written
  const more = reconcile(svc(), existing, desiredEndpoints(svc(), [...pods, pod('p9', '10.2.0.9', true)], () => node), { maxEndpointsPerSlice: 2 });
  assert.deepEqual([more.create.length, more.update.length, more.delete.length], [0, 1, 0]);
  assert.equal(more.update[0]!.metadata!.name, 'web-2');
  // no pods: every slice goes but a placeholder is created
  const none = reconcile(svc(), existing, desiredEndpoints(svc(), [], () => node), { maxEndpointsPerSlice: 2 });
  assert.equal(none.delete.length, 3);
  assert.equal(none.create.length, 1);
  assert.deepEqual([none.create[0]!.endpoints, none.create[0]!.ports], [[], []]);
});

test('endpointslices skip pods whose node is unknown unless not-ready addresses are published', () => {
  const d = desiredEndpoints(svc(), [pod('a', '10.2.0.1', true)], () => undefined);
  assert.deepEqual(d.podsMissingNodes, ['a']);
  const p = desiredEndpoints(svc({ publishNotReadyAddresses: true }), [pod('a', '10.2.0.1', false)], () => undefined);
  assert.equal(p.podsMissingNodes.length, 0);
  assert.deepEqual([...p.byAddressType.get('IPv4')!.values()][0]!.endpoints[0]!.conditions, { ready: true, serving: true, terminating: false });
});

test('mirroring: Endpoints subsets become slice endpoints per address family', async () => {
  const { mirroredEndpoints } = await import('../../../src/controllers/endpointslice/mirroring.js');
  const d = mirroredEndpoints({ metadata: { name: 'ext', namespace: 'ns' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }, { ip: '2001:db8::1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ name: 'db', port: 5432 }] }] });
  const v4 = [...d.byAddressType.get('IPv4')!.values()][0]!;
  assert.deepEqual(v4.ports, [{ name: 'db', port: 5432, protocol: 'TCP' }]);
  assert.deepEqual(v4.endpoints.map((e) => [e.addresses[0], e.conditions!.ready]), [['192.0.2.1', true], ['192.0.2.2', false]]);
  assert.equal([...d.byAddressType.get('IPv6')!.values()][0]!.endpoints.length, 1);
});
