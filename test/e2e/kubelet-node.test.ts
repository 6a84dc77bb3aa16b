// E2E: the kubelet's node side on a real containerd — registration (addresses, nodeInfo,
// capacity from this host, labels, podCIDR), Ready, Lease renewals, images in the node status,
// static pods with mirror pods (created, replaced on edit, deleted with their container when
// the file goes), a SIGKILLed kubelet restarting without touching running containers, and the
// start-up errors (cgroup driver mismatch, missing runtime socket).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
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
    if (c) assert.deepEqual(await c.runtime.leftovers(), [], 'nothing left: sandboxes, shims, mounts, netns, bridge, nat rules, dirs');
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

  it('serves healthz and its node metrics through the API server\'s node proxy', async () => {
    const health = await fetch(`http://127.0.0.1:${c.healthzPort}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const metrics = await c.kc(['get', '--raw', `/api/v1/nodes/${c.nodeName}/proxy/metrics`]);
    assert.match(metrics, new RegExp(`^kubelet_node_name\\{node="${c.nodeName}"\\} 1$`, 'm'));
    assert.match(metrics, /^kubelet_running_pods \d+$/m);
    assert.match(metrics, /^kubelet_node_startup_duration_seconds \d/m);
  });

  it('records node events: Starting, then the conditions taking their statuses', async () => {
    const reasons = await until(async () => {
      const events = JSON.parse(await c.kc(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.kind=Node,involvedObject.name=${c.nodeName}`, '-o', 'json'])).items as { reason: string; message: string; source: { component: string; host: string } }[];
      const r = events.map((e) => e.reason);
      return r.includes('Starting') && r.includes('NodeReady') ? events : undefined;
    }, 'node events', 30_000);
    const byReason = Object.fromEntries(reasons.map((e) => [e.reason, e]));
    assert.equal(byReason.Starting.message, 'Starting kubelet.');
    assert.equal(byReason.NodeReady.message, `Node ${c.nodeName} status is now: NodeReady`);
    assert.ok(byReason.NodeHasSufficientMemory && byReason.NodeHasNoDiskPressure && byReason.NodeHasSufficientPID);
    assert.deepEqual(byReason.NodeReady.source, { component: 'kubelet', host: c.nodeName });
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

/** Containers of a pod in the runtime (by the kubelet's pod name label), with their state. */
async function podContainers(c: KubeletCluster, podName: string): Promise<{ id: string; state: string; name: string }[]> {
  const r = await c.runtime.cri.listContainers({ filter: { labelSelector: { 'io.kubernetes.pod.name': podName } } });
  return r.containers.map((x) => ({ id: x.id, state: String(x.state), name: x.metadata?.name ?? '' }));
}

function manifest(args: string[]): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'static-web', labels: { app: 'static-web' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sleep', ...args] }] },
  });
}

describe('static pods and kubelet restarts on a real containerd', () => {
  let c: KubeletCluster;
  before(async () => {
    c = await startKubeletCluster();
  });
  after(async () => {
    await c?.stop();
    if (c) assert.deepEqual(await c.runtime.leftovers(), [], 'nothing left: sandboxes, shims, mounts, netns, bridge, nat rules, dirs');
  });

  it('runs a static pod file with a mirror pod, replaces it on edit, recreates a deleted mirror, and removes both with the file', async () => {
    const name = `static-web-${c.nodeName}`;
    const file = join(c.staticPodDir, 'static-web.yaml');
    writeFileSync(file, manifest(['3600']));
    const running = async () => (await podContainers(c, name)).filter((x) => x.state === 'CONTAINER_RUNNING');
    const mirror1 = await until(async () => {
      const r = await c.kubectl(['get', 'pod', '-n', 'default', name, '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 'the mirror pod', 60_000);
    assert.match(await c.kc(['get', 'pods', '-A']), new RegExp(`default\\s+${name}\\s`));
    assert.match(mirror1.metadata.annotations['kubernetes.io/config.mirror'], /^[0-9a-f]{32}$/);
    assert.equal(mirror1.metadata.annotations['kubernetes.io/config.source'], 'file');
    const node = JSON.parse(await c.kc(['get', 'node', c.nodeName, '-o', 'json']));
    assert.deepEqual(mirror1.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: c.nodeName, uid: node.metadata.uid, controller: true }]);
    const [first] = await until(async () => ((await running()).length === 1 ? running() : undefined), 'the static pod container running', 60_000);
    await until(async () => (await c.kc(['get', 'pod', '-n', 'default', name, '-o', 'jsonpath={.status.phase}'])) === 'Running', 'mirror pod status Running', 60_000);

    // A deleted mirror pod comes back; the static pod keeps running untouched.
    await c.kc(['delete', 'pod', '-n', 'default', name, '--wait=false']);
    await until(async () => {
      const r = await c.kubectl(['get', 'pod', '-n', 'default', name, '-o', 'jsonpath={.metadata.uid}']);
      return r.code === 0 && r.stdout && r.stdout !== mirror1.metadata.uid;
    }, 'the mirror pod recreated', 60_000);
    assert.deepEqual((await running()).map((x) => x.id), [first.id]);

    // An edit is a new pod: new hash, new mirror pod, new container; the old one stops.
    writeFileSync(file, manifest(['7200']));
    const mirror2 = await until(async () => {
      const r = await c.kubectl(['get', 'pod', '-n', 'default', name, '-o', 'json']);
      if (r.code !== 0) return undefined;
      const m = JSON.parse(r.stdout);
      return m.metadata.annotations['kubernetes.io/config.mirror'] !== mirror1.metadata.annotations['kubernetes.io/config.mirror'] ? m : undefined;
    }, 'the mirror pod replaced', 60_000);
    assert.deepEqual(mirror2.spec.containers[0].command, ['sleep', '7200']);
    const second = await until(async () => {
      const r = await running();
      return r.length === 1 && r[0].id !== first.id ? r[0] : undefined;
    }, 'the edited static pod running alone', 60_000);
    assert.notEqual(second.id, first.id);

    // The file goes: the mirror pod is deleted and no container of the pod runs.
    unlinkSync(file);
    await until(async () => (await c.kubectl(['get', 'pod', '-n', 'default', name])).code !== 0, 'the mirror pod deleted', 60_000);
    await until(async () => (await running()).length === 0, 'the static pod containers gone', 60_000);
  });

  it('keeps running containers untouched when the kubelet is SIGKILLed and restarted', async () => {
    await c.kc(['run', 'survivor', `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '--restart=Never', '--', 'sleep', '3600']);
    await until(async () => (await c.kc(['get', 'pod', 'survivor', '-o', 'jsonpath={.status.phase}'])) === 'Running', 'pod survivor Running', 60_000);
    const before = JSON.parse(await c.kc(['get', 'pod', 'survivor', '-o', 'json']));
    const nodeUID = await c.kc(['get', 'node', c.nodeName, '-o', 'jsonpath={.metadata.uid}']);
    const containersBefore = await podContainers(c, 'survivor');
    assert.equal(containersBefore.filter((x) => x.state === 'CONTAINER_RUNNING').length, 1);

    await c.restartKubelet({ signal: 'SIGKILL' });
    assert.equal(await c.kc(['get', 'node', c.nodeName, '-o', 'jsonpath={.metadata.uid}']), nodeUID, 'the same Node object');
    // Give the restarted kubelet a few sync rounds, then compare.
    await until(async () => /Successfully registered node/.test(c.kubelet().logs()), 'kubelet registered again', 30_000);
    await new Promise((r) => setTimeout(r, 5000));
    const after = JSON.parse(await c.kc(['get', 'pod', 'survivor', '-o', 'json']));
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.status.phase, 'Running');
    assert.equal(after.status.containerStatuses[0].containerID, before.status.containerStatuses[0].containerID);
    assert.equal(after.status.containerStatuses[0].restartCount, 0);
    assert.ok(after.status.containerStatuses[0].state.running, 'still running');
    assert.deepEqual(await podContainers(c, 'survivor'), containersBefore);
    await c.kc(['delete', 'pod', 'survivor', '--wait=false']);
  });

  it('cleans up a pod deleted while the kubelet was down: its containers and its pod directory', async () => {
    await c.kc(['run', 'goner', `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '--restart=Never', '--', 'sleep', '3600']);
    await until(async () => (await c.kc(['get', 'pod', 'goner', '-o', 'jsonpath={.status.phase}'])) === 'Running', 'pod goner Running', 60_000);
    const uid = await c.kc(['get', 'pod', 'goner', '-o', 'jsonpath={.metadata.uid}']);
    const podDir = join(c.kubeletDir, 'pods', uid);
    assert.ok(existsSync(podDir), `${podDir} exists while the pod runs`);
    await c.kubelet().stop('SIGKILL');
    await c.kc(['delete', 'pod', 'goner', '--grace-period=0', '--force']);
    assert.ok((await podContainers(c, 'goner')).some((x) => x.state === 'CONTAINER_RUNNING'), 'still running while the kubelet is down');
    await c.restartKubelet();
    await until(async () => !(await podContainers(c, 'goner')).some((x) => x.state === 'CONTAINER_RUNNING'), 'the orphaned container stopped', 90_000);
    await until(async () => !existsSync(podDir), 'the orphaned pod directory removed', 90_000);
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

