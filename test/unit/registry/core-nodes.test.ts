// Tests for core/v1 nodes and namespaces (src/apiserver/registry/core/nodes.ts,
// namespaces.ts): defaults, strategy, validation and the table cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodes } from '../../../src/apiserver/registry/core/nodes.js';
import { namespaces } from '../../../src/apiserver/registry/core/namespaces.js';
import { ago, cells, create, headers, update } from './core-helpers.js';

function readyNode(): any {
  return {
    metadata: {
      name: 'cp-1',
      creationTimestamp: ago(86400 * 3),
      labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'cp-1' },
    },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'cp-1' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.7.13' },
    },
  };
}

test('node defaults: podCIDRs, allocatable, always-serialized status structs', () => {
  const { obj, errors } = create(nodes, readyNode());
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.podCIDRs, ['10.244.0.0/24']);
  assert.deepEqual(obj.status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  assert.deepEqual(obj.status.daemonEndpoints, { kubeletEndpoint: { Port: 0 } });
  assert.equal(obj.status.nodeInfo.machineID, '');
  const bare = create(nodes, { metadata: { name: 'n' } }).obj;
  assert.deepEqual(bare.spec, {});
  assert.equal(bare.status.nodeInfo.kubeletVersion, '');
});

test('node table: Ready with control-plane role, NotReady, Unknown, SchedulingDisabled', () => {
  assert.deepEqual(headers(nodes), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  assert.deepEqual(headers(nodes, true).slice(5), ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
  const n = create(nodes, readyNode()).obj;
  assert.deepEqual(cells(nodes, n), ['cp-1', 'Ready', 'control-plane', '3d', 'v1.32.0', '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'containerd://1.7.13']);
  n.spec.unschedulable = true;
  assert.equal(cells(nodes, n)[1], 'Ready,SchedulingDisabled');
  n.status.conditions[1].status = 'Unknown';
  assert.equal(cells(nodes, n)[1], 'NotReady,SchedulingDisabled');
  const bare = create(nodes, { metadata: { name: 'w', labels: { 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/infra': '' } } }).obj;
  assert.deepEqual(cells(nodes, bare).slice(1, 3), ['Unknown', 'infra,worker']);
  assert.deepEqual(cells(nodes, bare).slice(7), ['<unknown>', '<unknown>', '<unknown>']);
  assert.equal(cells(nodes, create(nodes, { metadata: { name: 'x' } }).obj)[2], '<none>');
});

test('node validation: taints, podCIDRs', () => {
  const n = readyNode();
  n.spec.taints = [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'dedicated', value: 'other', effect: 'NoSchedule' },
    { key: 'x', effect: 'Sometimes' },
    { key: 'y' },
  ];
  assert.deepEqual(create(nodes, n).errors, [
    'spec.taints[1]: Duplicate value: {"key":"dedicated","value":"other","effect":"NoSchedule"}',
    'spec.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    'spec.taints[3].effect: Required value',
  ]);
  const bad = readyNode();
  bad.spec = { podCIDRs: ['10.244.0.0/24', '10.245.0.0/24'] };
  assert.deepEqual(create(nodes, bad).errors, ['spec.podCIDRs: Invalid value: ["10.244.0.0/24","10.245.0.0/24"]: may specify no more than one CIDR for each IP family']);
});

test('node updates: podCIDR immutable once set, status kept apart', () => {
  const old = create(nodes, readyNode()).obj;
  const cidr = JSON.parse(JSON.stringify(old));
  cidr.spec.podCIDR = '10.244.9.0/24';
  cidr.spec.podCIDRs = ['10.244.9.0/24'];
  assert.deepEqual(update(nodes, cidr, old).errors, ['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  const unset = create(nodes, { metadata: { name: 'n' } }).obj;
  const set = JSON.parse(JSON.stringify(unset));
  set.spec.podCIDR = '10.244.1.0/24';
  assert.deepEqual(update(nodes, set, unset).errors, []);
  const st = JSON.parse(JSON.stringify(old));
  st.status.conditions = [];
  assert.equal(update(nodes, st, old).obj.status.conditions.length, 2);
  st.spec.unschedulable = true;
  const viaStatus = update(nodes, st, old, 'status').obj;
  assert.equal(viaStatus.status.conditions.length, 0);
  assert.equal(viaStatus.spec.unschedulable, undefined);
});

test('node meta', () => {
  assert.equal(nodes.namespaced, false);
  assert.equal(nodes.storageResource, 'minions');
  assert.deepEqual(nodes.shortNames, ['no']);
  assert.deepEqual(nodes.selectableFields!(readyNode()), { 'spec.unschedulable': 'false' });
});

test('namespaces: finalizer, phase, name label, table', () => {
  const { obj, errors } = create(namespaces, { metadata: { name: 'team-a', creationTimestamp: ago(120) } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(obj.status, { phase: 'Active' });
  assert.equal(obj.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
  assert.deepEqual(headers(namespaces), ['NAME', 'STATUS', 'AGE']);
  assert.deepEqual(cells(namespaces, obj), ['team-a', 'Active', '2m']);
  // ordinary updates keep spec.finalizers and status
  const u = JSON.parse(JSON.stringify(obj));
  u.spec.finalizers = [];
  u.status.phase = 'Terminating';
  const r = update(namespaces, u, obj);
  assert.deepEqual(r.obj.spec.finalizers, ['kubernetes']);
  assert.equal(r.obj.status.phase, 'Active');
  const s = JSON.parse(JSON.stringify(obj));
  s.status.phase = 'Terminating';
  assert.deepEqual(update(namespaces, s, obj, 'status').errors, ["status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"]);
  assert.deepEqual(create(namespaces, { metadata: { name: 'x' }, spec: { finalizers: ['custom'] } }).errors, [
    'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
  assert.equal(namespaces.nameRule, 'label');
  assert.deepEqual(namespaces.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.deepEqual(namespaces.selectableFields!(obj), { 'status.phase': 'Active', name: 'team-a' });
});
