// E2E: the kubelet's node side on a real containerd — registration (addresses, nodeInfo,
// capacity from this host, labels, podCIDR), Ready, Lease renewals, images in the node status,
// static pods with mirror pods (created, replaced on edit, deleted with their container when
// the file goes), a SIGKILLed kubelet restarting without touching running containers, and the
// start-up errors (cgroup driver mismatch, missing runtime socket).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnK8ts, until } from './harness.js';
import { startKubeletCluster, harnessKubeletConfig } from './kubelet-harness.js';
import type { KubeletCluster } from './kubelet-harness.js';
import { startTestRuntime } from './runtime.js';
import YAML from 'yaml';

const BUSYBOX = 'k8ts.io/busybox:latest';

function memTotalKi(): string {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return `${m![1]}Ki`;
}

function osImage(): string {
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))![1];
}

describe('kubelet node on a real containerd', () => {
  let c: KubeletCluster;
  before(async () => {
    c = await startKubeletCluster();
  });
  after(async () => {
    await c?.stop();
  });

  it('registers the node with addresses, nodeInfo, capacity, labels and the pod CIDR, and is Ready', async () => {
    const node = JSON.parse(await c.kc(['get', 'node', c.nodeName, '-o', 'json']));
    assert.deepEqual(node.status.addresses, [
      { type: 'InternalIP', address: c.nodeIP },
      { type: 'Hostname', address: c.nodeName },
    ]);
    const info = node.status.nodeInfo;
    assert.match(info.containerRuntimeVersion, /^containerd:\/\/1\.6/);
    assert.match(info.kubeletVersion, /^v1\.32\./);
    assert.equal(info.osImage, osImage());
    assert.equal(info.operatingSystem, 'linux');
    assert.equal(info.bootID, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    assert.equal(node.status.capacity.cpu, String(cpus().length));
    assert.equal(node.status.capacity.memory, memTotalKi());
    assert.equal(node.status.capacity.pods, '110');
    assert.ok(node.status.capacity['ephemeral-storage']);
    // allocatable memory is capacity less the default memory.available<100Mi hard threshold
    assert.equal(BigInt(node.status.allocatable.memory.replace('Ki', '')), BigInt(memTotalKi().replace('Ki', '')) - 100n * 1024n);
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, c.kubeletPort);
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], c.nodeName);
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(node.spec.podCIDR, c.runtime.podCIDR);
    const ready = node.status.conditions.find((x: { type: string }) => x.type === 'Ready');
    assert.equal(ready.status, 'True');
    assert.equal(ready.reason, 'KubeletReady');
    assert.equal(ready.message, 'kubelet is posting ready status');
    assert.deepEqual(
      node.status.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`),
      ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'],
    );
  });

  it('lists the runtime images in the node status', async () => {
    const names: string[] = await until(async () => {
      const images = JSON.parse(await c.kc(['get', 'node', c.nodeName, '-o', 'jsonpath={.status.images}']) || '[]') as { names: string[] }[];
      const all = images.flatMap((i) => i.names);
      return all.includes(BUSYBOX) ? all : undefined;
    }, 'busybox in node status images', 30_000);
    assert.ok(names.includes(c.runtime.images.pause), `pause image listed: ${names.join(', ')}`);
  });

  it('renews its Lease in kube-node-lease every quarter of the lease duration', async () => {
    const lease = JSON.parse(await c.kc(['get', 'lease', '-n', 'kube-node-lease', c.nodeName, '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, c.nodeName);
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    const node = JSON.parse(await c.kc(['get', 'node', c.nodeName, '-o', 'json']));
    assert.deepEqual(lease.metadata.ownerReferences.map((o: { kind: string; uid: string }) => `${o.kind}/${o.uid}`), [`Node/${node.metadata.uid}`]);
    const first = lease.spec.renewTime;
    await until(async () => JSON.parse(await c.kc(['get', 'lease', '-n', 'kube-node-lease', c.nodeName, '-o', 'json'])).spec.renewTime !== first, 'a lease renewal', 25_000, 1000);
  });
});

describe('kubelet start-up errors', () => {
  it('refuses to start when its cgroupDriver differs from the runtime\'s, naming both', async () => {
    const rt = await startTestRuntime({ cgroupDriver: 'systemd' });
    const dir = mkdtempSync('/tmp/k8ts-kubelet-err-');
    try {
      const cfg = join(dir, 'kubelet-config.yaml');
      const base = harnessKubeletConfig({ caFile: '/nonexistent/ca.crt', certFile: '', keyFile: '', endpoint: rt.endpoint, port: 10250, healthzPort: 10248, staticPodDir: join(dir, 'manifests'), podLogsDir: join(dir, 'logs') });
      writeFileSync(cfg, YAML.stringify({ ...base, tlsCertFile: undefined, tlsPrivateKeyFile: undefined }));
      const k = spawnK8ts(['kubelet', `--config=${cfg}`, `--kubeconfig=${join(dir, 'kubeconfig')}`, `--root-dir=${join(dir, 'root')}`, '--hostname-override=errnode', '--node-ip=192.0.2.10']);
      const code = await new Promise<number | null>((r) => k.proc.once('exit', (x) => r(x)));
      assert.equal(code, 1);
      assert.match(k.logs(), /kubelet cgroup driver: "cgroupfs" is different from the container runtime's cgroup driver: "systemd"/);
      assert.ok(k.logs().includes(cfg), 'names the config file');
    } finally {
      await rt.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when the runtime socket is missing', async () => {
    const dir = mkdtempSync('/tmp/k8ts-kubelet-err-');
    try {
      const cfg = join(dir, 'kubelet-config.yaml');
      const sock = join(dir, 'missing.sock');
      writeFileSync(cfg, `kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\ncgroupDriver: cgroupfs\nfailSwapOn: false\ncontainerRuntimeEndpoint: unix://${sock}\npodLogsDir: ${join(dir, 'logs')}\n`);
      const k = spawnK8ts(['kubelet', `--config=${cfg}`, `--kubeconfig=${join(dir, 'kubeconfig')}`, `--root-dir=${join(dir, 'root')}`, '--hostname-override=errnode', '--node-ip=192.0.2.10']);
      const code = await new Promise<number | null>((r) => k.proc.once('exit', (x) => r(x)));
      assert.equal(code, 1);
      assert.ok(k.logs().includes(`containerRuntimeEndpoint unix://${sock}: ${sock}: no such file or directory`), k.logs());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

