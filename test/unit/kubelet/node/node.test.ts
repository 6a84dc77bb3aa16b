// The node side's pure parts: machine info from /proc and /sys fixtures, capacity and
// allocatable (reservations, hard eviction thresholds, hugepages), conditions with their
// transition times, runtime errors in the Ready message, images in the node status, labels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cpuinfoCores, hugepageSizeName, readMachineInfo, swapOn, pidStats } from '../../../../src/kubelet/node/host.js';
import { nodeResources, thresholdBytes } from '../../../../src/kubelet/node/resources.js';
import { conditionsChanged, nodeConditions, runtimeReadyErrors } from '../../../../src/kubelet/node/conditions.js';
import { initialNode, nodeImages, nodeStatus } from '../../../../src/kubelet/node/object.js';
import { defaultKubeletConfiguration } from '../../../../src/kubelet/config/defaults.js';

function fixtureRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kubelet-host-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const MEMINFO = 'MemTotal:        8048576 kB\nMemFree:          100000 kB\nMemAvailable:    4000000 kB\nHugePages_Total:       0\n';
const CPUINFO = ['processor\t: 0\nmodel name\t: x', 'processor\t: 1\nmodel name\t: x', 'processor\t: 2\nmodel name\t: x', 'processor\t: 3\nmodel name\t: x'].join('\n\n');

describe('machine info from the host', () => {
  it('reads cores, memory, hugepages, IDs, kernel and OS image', () => {
    const root = fixtureRoot({
      '/proc/meminfo': MEMINFO,
      '/proc/cpuinfo': CPUINFO,
      '/proc/sys/kernel/random/boot_id': 'b0a1c2d3-0000-4000-8000-000000000001\n',
      '/proc/sys/kernel/osrelease': '6.1.0-18-amd64\n',
      '/etc/machine-id': '0123456789abcdef0123456789abcdef\n',
      '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n',
      '/sys/class/dmi/id/product_uuid': 'EC2A1B2C-0000-1111-2222-333344445555\n',
      '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages': '512\n',
      '/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages': '0\n',
      '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n',
    });
    try {
      const m = readMachineInfo(root);
      assert.equal(m.numCores, 4);
      assert.equal(m.memoryCapacityBytes, 8048576 * 1024);
      assert.deepEqual(m.hugepages, { '2Mi': 512 * 2 * 1024 * 1024, '1Gi': 0 });
      assert.equal(m.machineID, '0123456789abcdef0123456789abcdef');
      assert.equal(m.systemUUID, 'EC2A1B2C-0000-1111-2222-333344445555');
      assert.equal(m.bootID, 'b0a1c2d3-0000-4000-8000-000000000001');
      assert.equal(m.kernelVersion, '6.1.0-18-amd64');
      assert.equal(m.osImage, 'Debian GNU/Linux 12 (bookworm)');
      assert.equal(swapOn(root), false);
      writeFileSync(join(root, '/proc/swaps'), 'Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1048572 0 -2\n');
      assert.equal(swapOn(root), true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('counts processors and names hugepage sizes as upstream', () => {
    assert.equal(cpuinfoCores(CPUINFO), 4);
    assert.equal(hugepageSizeName(2048), '2Mi');
    assert.equal(hugepageSizeName(1048576), '1Gi');
    assert.equal(hugepageSizeName(64), '64Ki');
    assert.ok(pidStats().max > 0);
  });
});

describe('capacity and allocatable', () => {
  const machine = { numCores: 4, memoryCapacityBytes: 8048576 * 1024, hugepages: { '2Mi': 0 }, machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: 'k', osImage: 'o' };
  const disk = 100 * 1024 * 1024 * 1024;

  it('subtracts the default hard eviction thresholds', () => {
    const r = nodeResources(machine, disk, defaultKubeletConfiguration({}));
    assert.deepEqual(r.capacity, { cpu: '4', 'ephemeral-storage': '100Gi', 'hugepages-2Mi': '0', memory: '8048576Ki', pods: '110' });
    assert.equal(r.allocatable.memory, `${8048576 - 100 * 1024}Ki`);
    assert.equal(r.allocatable['ephemeral-storage'], '90Gi');
    assert.equal(r.allocatable.cpu, '4');
  });

  it('subtracts kube and system reservations and hugepages, never below zero', () => {
    const cfg = defaultKubeletConfiguration({ maxPods: 16, kubeReserved: { cpu: '500m', memory: '1Gi' }, systemReserved: { cpu: '250m', 'ephemeral-storage': '10Gi' }, evictionHard: { 'memory.available': '10%' } });
    const r = nodeResources({ ...machine, hugepages: { '2Mi': 512 * 1024 * 1024 } }, disk, cfg);
    assert.equal(r.capacity.pods, '16');
    assert.equal(r.capacity['hugepages-2Mi'], '512Mi');
    assert.equal(r.allocatable.cpu, '3250m');
    const mem = 8048576 * 1024 - 1024 ** 3 - Math.floor(0.1 * 8048576 * 1024) - 512 * 1024 * 1024;
    assert.equal(r.allocatable.memory, String(mem));
    assert.equal(r.allocatable['ephemeral-storage'], '90Gi');
    const tiny = nodeResources({ ...machine, memoryCapacityBytes: 50 * 1024 * 1024 }, disk, defaultKubeletConfiguration({}));
    assert.equal(tiny.allocatable.memory, '0');
  });

  it('reads thresholds as quantities or percentages', () => {
    assert.equal(thresholdBytes('100Mi', 0), 100 * 1024 * 1024);
    assert.equal(thresholdBytes('10%', 1000), 100);
    assert.equal(thresholdBytes(undefined, 1000), 0);
  });
});

describe('node conditions', () => {
  const ok = { memoryPressure: false, diskPressure: false, pidPressure: false, readyErrors: [] };

  it('reports upstream reasons and messages in upstream order', () => {
    const c = nodeConditions(ok, undefined, Date.parse('2026-01-01T00:00:00.500Z'));
    assert.deepEqual(c.map((x) => [x.type, x.status, x.reason]), [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    assert.equal(c[3].message, 'kubelet is posting ready status');
    assert.equal(c[0].lastHeartbeatTime, '2026-01-01T00:00:00Z');
  });

  it('keeps transition times while a status holds, and moves them when it flips', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const first = nodeConditions(ok, undefined, t0);
    const same = nodeConditions(ok, first, t0 + 10_000);
    assert.equal(same[3].lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(same[3].lastHeartbeatTime, '2026-01-01T00:00:10Z');
    assert.equal(conditionsChanged(first, same), false);
    const down = nodeConditions({ ...ok, memoryPressure: true, readyErrors: ['container runtime is down: unavailable'] }, same, t0 + 20_000);
    assert.equal(down[0].status, 'True');
    assert.equal(down[0].reason, 'KubeletHasInsufficientMemory');
    assert.equal(down[3].status, 'False');
    assert.equal(down[3].reason, 'KubeletNotReady');
    assert.equal(down[3].message, 'container runtime is down: unavailable');
    assert.equal(down[3].lastTransitionTime, '2026-01-01T00:00:20Z');
    assert.equal(conditionsChanged(same, down), true);
  });

  it('turns CRI runtime conditions into the Ready message', () => {
    assert.deepEqual(runtimeReadyErrors({ conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: true }] }), []);
    assert.deepEqual(runtimeReadyErrors({ conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' }] }), [
      'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
    ]);
    assert.deepEqual(runtimeReadyErrors(undefined, 'connection refused'), ['container runtime is down: connection refused']);
    const two = nodeConditions({ ...ok, readyErrors: ['a', 'b'] }, undefined, 0);
    assert.equal(two[3].message, '[a, b]');
  });
});

describe('node object', () => {
  it('lists images largest first, capped, with at most five names', () => {
    const images = nodeImages(
      [
        { id: 'sha256:1', repoTags: ['k8ts.io/pause:3.9'], repoDigests: [], size: 300_000 },
        { id: 'sha256:2', repoTags: ['k8ts.io/busybox:latest', 'a:1', 'b:1', 'c:1'], repoDigests: ['k8ts.io/busybox@sha256:aa', 'x@sha256:bb'], size: 1_200_000 },
        { id: 'sha256:3', repoTags: [], repoDigests: [], size: 5 },
      ],
      50,
    );
    assert.deepEqual(images, [
      { names: ['k8ts.io/busybox@sha256:aa', 'x@sha256:bb', 'k8ts.io/busybox:latest', 'a:1', 'b:1'], sizeBytes: 1_200_000 },
      { names: ['k8ts.io/pause:3.9'], sizeBytes: 300_000 },
    ]);
    assert.equal(nodeImages([{ repoTags: ['a'], size: 1 }, { repoTags: ['b'], size: 2 }], 1).length, 1);
  });

  it('registers with the default labels, --node-labels, taints and providerID', () => {
    const config = defaultKubeletConfiguration({ registerWithTaints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }], providerID: 'k8ts://node-0' });
    const id = { nodeName: 'node-0', hostname: 'node-0', nodeIPs: ['10.240.0.20'], labels: { role: 'worker' }, config };
    const machine = { numCores: 1, memoryCapacityBytes: 1024 ** 3, hugepages: {}, machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian' };
    const status = nodeStatus(id, { resources: { capacity: {}, allocatable: {} }, machine, runtimeVersion: { runtimeName: 'containerd', runtimeVersion: '1.6.20' }, images: [], conditions: [], kubeletPort: 10250 });
    const node = initialNode(id, status);
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'node-0');
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(node.metadata.labels['beta.kubernetes.io/arch'], node.metadata.labels['kubernetes.io/arch']);
    assert.equal(node.metadata.labels.role, 'worker');
    assert.equal(node.metadata.annotations['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
    assert.deepEqual(node.spec, { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }], providerID: 'k8ts://node-0' });
    assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '10.240.0.20' }, { type: 'Hostname', address: 'node-0' }]);
    assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20');
    assert.deepEqual(node.status.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  });
});
