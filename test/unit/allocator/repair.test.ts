// Tests for the Service range repair loops (src/apiserver/allocator/repair.ts): ranges created
// when absent, addresses Services hold but the range lost are allocated again (with upstream's
// events), leaks freed only on the third pass, duplicates and out-of-range values reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceIPAllocator } from '../../../src/apiserver/allocator/ipallocator.js';
import { NodePortAllocator } from '../../../src/apiserver/allocator/portallocator.js';
import { ServiceRangeRepair, type RepairEvent } from '../../../src/apiserver/allocator/repair.js';
import type { KObject } from '../../../src/apiserver/registry/types.js';
import { FakeStore } from './fakestore.js';

function svc(name: string, spec: KObject, created = '2026-11-28T10:00:00Z'): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: created }, spec };
}

function setup(services: KObject[]) {
  const store = new FakeStore();
  const ips = new ServiceIPAllocator({ store, cidr: '10.32.0.0/24' });
  const ports = new NodePortAllocator({ store, range: '30000-30099' });
  const events: RepairEvent[] = [];
  const repair = new ServiceRangeRepair({
    ips,
    ports,
    listServices: async () => services,
    warn: async (ev) => void events.push(ev),
  });
  return { store, ips, ports, events, repair };
}

test('the first pass creates both range objects, even with nothing allocated', async () => {
  const { store, ips, ports, events, repair } = setup([]);
  assert.equal(await store.get('/registry/ranges/servicenodeports'), undefined);
  await repair.runOnce();
  const nodePorts = await store.get('/registry/ranges/servicenodeports');
  assert.ok(nodePorts, 'servicenodeports is stored');
  assert.deepEqual(JSON.parse(nodePorts.value.toString()), { kind: 'RangeAllocation', apiVersion: 'v1', metadata: { creationTimestamp: null }, range: '30000-30099', data: '' });
  assert.ok(await store.get('/registry/ranges/serviceips'));
  assert.deepEqual(await ips.allocated(), []);
  assert.deepEqual(await ports.allocated(), []);
  assert.deepEqual(events, []);
  // a second pass with nothing to change writes nothing
  const rev = (await store.get('/registry/ranges/servicenodeports'))!.modRevision;
  await repair.runOnce();
  assert.equal((await store.get('/registry/ranges/servicenodeports'))!.modRevision, rev);
});

test('what Services hold is allocated again, with ClusterIPNotAllocated / PortNotAllocated events', async () => {
  const services = [
    svc('web', { type: 'NodePort', clusterIP: '10.32.0.10', clusterIPs: ['10.32.0.10'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 80, protocol: 'UDP', nodePort: 30080 }] }),
    svc('lb', { type: 'LoadBalancer', clusterIP: '10.32.0.11', ports: [{ port: 443, nodePort: 30043 }], externalTrafficPolicy: 'Local', healthCheckNodePort: 30001 }),
    svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
    svc('ext', { type: 'ExternalName', externalName: 'example.com' }),
  ];
  const { ips, ports, events, repair } = setup(services);
  await ips.allocate('10.32.0.10'); // the range knows web's IP, not lb's
  await repair.runOnce();
  assert.deepEqual(await ips.allocated(), ['10.32.0.10', '10.32.0.11']);
  assert.deepEqual(await ports.allocated(), [30001, 30043, 30080]);
  assert.deepEqual(
    events.map((e) => [e.service.metadata.name, e.reason, e.action, e.note, e.controller]),
    [
      ['lb', 'ClusterIPNotAllocated', 'ClusterIPAllocation', 'Cluster IP [IPv4]:10.32.0.11 is not allocated; repairing', 'ipallocator-repair-controller'],
      ['web', 'PortNotAllocated', 'PortAllocation', 'Port 30080 is not allocated; repairing', 'portallocator-repair-controller'],
      ['lb', 'PortNotAllocated', 'PortAllocation', 'Port 30043 is not allocated; repairing', 'portallocator-repair-controller'],
      ['lb', 'PortNotAllocated', 'PortAllocation', 'Port 30001 is not allocated; repairing', 'portallocator-repair-controller'],
    ],
  );
});

test('a leaked IP or port is freed on the third pass that finds no Service holding it', async () => {
  const { ips, ports, repair } = setup([]);
  await ips.allocate('10.32.0.50');
  await ports.allocate(30050);
  await repair.runOnce();
  await repair.runOnce();
  assert.deepEqual(await ips.allocated(), ['10.32.0.50'], 'kept after two passes: its Service may not be stored yet');
  assert.deepEqual(await ports.allocated(), [30050]);
  await repair.runOnce();
  assert.deepEqual(await ips.allocated(), []);
  assert.deepEqual(await ports.allocated(), []);
});

test('a Service showing up again resets its leak count', async () => {
  const services: KObject[] = [];
  const { ips, repair } = setup(services);
  await ips.allocate('10.32.0.60');
  await repair.runOnce();
  await repair.runOnce();
  services.push(svc('late', { clusterIP: '10.32.0.60', ports: [{ port: 80 }] }));
  await repair.runOnce();
  services.pop();
  await repair.runOnce();
  await repair.runOnce();
  assert.deepEqual(await ips.allocated(), ['10.32.0.60'], 'two passes since it was last held');
});

test('duplicates and values outside the ranges are reported, the first holder keeps the value', async () => {
  const services = [
    svc('first', { type: 'NodePort', clusterIP: '10.32.0.20', ports: [{ port: 80, nodePort: 30020 }] }, '2026-11-28T10:00:00Z'),
    svc('second', { type: 'NodePort', clusterIP: '10.32.0.20', ports: [{ port: 80, nodePort: 30020 }] }, '2026-11-28T11:00:00Z'),
    svc('outside', { type: 'NodePort', clusterIP: '10.99.0.1', ports: [{ port: 80, nodePort: 31000 }] }, '2026-11-28T12:00:00Z'),
    svc('v6', { clusterIP: 'fd00::1', ports: [{ port: 80 }] }),
  ];
  const { ips, ports, events, repair } = setup(services);
  await ips.allocate('10.32.0.20');
  await ports.allocate(30020);
  await repair.runOnce();
  assert.deepEqual(await ips.allocated(), ['10.32.0.20']);
  assert.deepEqual(await ports.allocated(), [30020]);
  assert.deepEqual(
    events.map((e) => [e.service.metadata.name, e.reason, e.note]),
    [
      ['second', 'ClusterIPAlreadyAllocated', 'Cluster IP [IPv4]:10.32.0.20 was assigned to multiple services; please recreate service'],
      ['outside', 'ClusterIPOutOfRange', 'Cluster IP [IPv4]:10.99.0.1 is not within the configured Service CIDR 10.32.0.0/24; please recreate service'],
      ['second', 'PortAlreadyAllocated', 'Port 30020 was assigned to multiple services; please recreate service'],
      ['outside', 'PortOutOfRange', 'Port 31000 is not within the port range 30000-30099; please recreate service'],
    ],
  );
});
