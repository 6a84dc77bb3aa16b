// The kubelet's volume manager against a real control plane (`k8ts server`), as the node
// system:node:<node> with a client certificate signed by the cluster CA: a pod bound to the node
// with configMap, secret, downwardAPI, Memory emptyDir and the kube-api-access projected volume
// the ServiceAccount admission plugin injects. Files are checked on disk, a ConfigMap update
// swaps ..data in place, the token is a JWT bound to the pod that the API server accepts, the
// Memory emptyDir is a tmpfs, and tear-down unmounts and removes everything. Then a busybox
// container on a private containerd (test/e2e/runtime.ts) mounts the volumes through the CRI
// mounts containerMounts builds and sees the ConfigMap update in place, except through a subPath.
// Last, the whole kubelet (startKubelet, as another node) runs a pod with these volumes: its
// container sees ConfigMap and label updates in place, and deleting the pod removes its volumes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { RestClient } from '../../src/client/rest.js';
import { issueCert } from '../../src/pki/certs.js';
import { buildKubeconfig, serializeKubeconfig } from '../../src/pki/kubeconfig.js';
import { logger } from '../../src/util/klog.js';
import { defaultKubeletConfiguration } from '../../src/kubelet/config/defaults.js';
import { startKubelet, type Kubelet } from '../../src/kubelet/index.js';
import { newVolumeManager } from '../../src/kubelet/volumes/index.js';
import type { PodVolume, VolumeManager } from '../../src/kubelet/volumes/index.js';
import { mountAt, mountsUnder, readMounts, unmount } from '../../src/kubelet/volumes/mount.js';
import type { MountPropagation, PodSandboxConfig } from '../../src/cri/types.js';
import { kc, kubectl, startServer, until, waitForNamespaceDefaults } from './harness.js';
import type { ServerProc } from './harness.js';
import { startTestRuntime } from './runtime.js';
import type { TestRuntime } from './runtime.js';

const NS = 'vol-e2e';
const NODE = 'vol-node';
const KUBELET_NODE = 'vol-kubelet-node';

describe('kubelet volume manager against the API server', () => {
  let srv: ServerProc;
  let work: string;
  let client: RestClient;
  let vm: VolumeManager;
  let pod: Pod;
  let volumes: Map<string, PodVolume>;
  let rt: TestRuntime | undefined;
  let sandboxId = '';
  let containerId = '';
  let kubelet: Kubelet | undefined;
  let kubeletClient: RestClient | undefined;

  /** A client for system:node:<node> with a certificate signed by the cluster CA. */
  const nodeClient = async (node: string): Promise<RestClient> => {
    const caCertPem = readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8');
    const ca = { certPem: caCertPem, keyPem: readFileSync(join(srv.dataDir, 'pki', 'ca.key'), 'utf8') };
    const leaf = await issueCert(ca, { commonName: `system:node:${node}`, organizations: ['system:nodes'], usages: ['client'], keyAlgorithm: 'ecdsa' });
    const kubeconfig = join(work, `${node}.kubeconfig`);
    writeFileSync(kubeconfig, serializeKubeconfig(buildKubeconfig({ server: srv.url, caCertPem, clientCertPem: leaf.certPem, clientKeyPem: leaf.keyPem, userName: node })), { mode: 0o600 });
    return RestClient.fromKubeconfig(kubeconfig, { qps: 50, burst: 100 });
  };

  before(async () => {
    rt = await startTestRuntime();
    srv = await startServer();
    work = mkdtempSync(join(tmpdir(), 'k8ts-vol-e2e-'));
    const admin = srv.kubeconfig;
    await kc(admin, ['create', 'namespace', NS]);
    await waitForNamespaceDefaults(admin, NS);
    await kc(admin, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } }));
    await kc(admin, ['-n', NS, 'create', 'configmap', 'app-config', '--from-literal=app.yaml=version: 1']);
    await kc(admin, ['-n', NS, 'create', 'secret', 'generic', 'app-secret', '--from-literal=password=hunter2']);
    await kc(admin, ['-n', NS, 'create', 'serviceaccount', 'runner']);
    await kc(admin, ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
      spec: {
        nodeName: NODE,
        serviceAccountName: 'runner',
        containers: [
          {
            name: 'c',
            image: 'busybox',
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/app' },
              { name: 'cfg', mountPath: '/etc/app-pinned.yaml', subPath: 'app.yaml' },
              { name: 'creds', mountPath: '/secrets' },
              { name: 'cache', mountPath: '/cache' },
              { name: 'cache', mountPath: '/logs', subPathExpr: '$(POD_NAME)' },
            ],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'app-config' } },
          { name: 'creds', secret: { secretName: 'app-secret' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        ],
      },
    }));
    // the node's identity: CN=system:node:<node>, O=system:nodes, signed by the cluster CA
    client = await nodeClient(NODE);
    vm = newVolumeManager({ rootDir: join(work, 'kubelet'), client, nodeName: NODE, log: logger('kubelet/volumes') });
    // the kubelet sees its pods through the API as the node
    pod = await client.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS, name: 'web' });
    // the Node authorizer learns about the pod asynchronously: retry as the kubelet does
    volumes = await until(() => vm.setUpPod(pod), 'the pod volumes to be set up', 20_000, 200);
  });

  after(async () => {
    if (kubelet) {
      await kubectl(srv.kubeconfig, ['-n', NS, 'delete', 'pods', '--all', '--grace-period=1', '--wait=false']);
      await until(async () => ((await rt!.cri.listPodSandbox({})).items ?? []).length === 0, 'the kubelet to remove every sandbox', 60_000, 500).catch(() => undefined);
      await kubelet.stop();
    }
    kubeletClient?.close();
    if (rt && sandboxId) {
      await rt.cri.stopPodSandbox({ podSandboxId: sandboxId }).catch(() => {});
      await rt.cri.removePodSandbox({ podSandboxId: sandboxId }).catch(() => {});
    }
    await rt?.cleanup();
    vm?.stop();
    client?.close();
    if (work) {
      for (const mp of mountsUnder(await readMounts(), work)) await unmount(mp);
      rmSync(work, { recursive: true, force: true });
    }
    await srv?.destroy();
  });

  const dir = (name: string) => volumes.get(name)!.hostPath;

  it('writes the configMap, secret and downward API files at upstream paths', () => {
    const uid = pod.metadata!.uid!;
    assert.equal(dir('cfg'), join(work, 'kubelet', 'pods', uid, 'volumes', 'kubernetes.io~configmap', 'cfg'));
    assert.equal(readFileSync(join(dir('cfg'), 'app.yaml'), 'utf8'), 'version: 1');
    assert.equal(readlinkSync(join(dir('cfg'), 'app.yaml')), '..data/app.yaml');
    assert.equal(readFileSync(join(dir('creds'), 'password'), 'utf8'), 'hunter2');
    assert.equal(statSync(join(dir('creds'), 'password')).mode & 0o777, 0o644);
    assert.equal(readFileSync(join(dir('info'), 'labels'), 'utf8'), 'app="web"');
    assert.deepEqual(
      [...volumes.values()].filter((v) => v.readOnly).map((v) => v.name).sort(),
      ['cfg', 'creds', 'info', ...[...volumes.keys()].filter((n) => n.startsWith('kube-api-access-'))].sort(),
    );
  });

  it('the injected kube-api-access volume has a bound token the API server accepts, ca.crt and namespace', async () => {
    const name = [...volumes.keys()].find((n) => n.startsWith('kube-api-access-'));
    assert.ok(name, `volumes: ${[...volumes.keys()]}`);
    const d = dir(name);
    assert.equal(readFileSync(join(d, 'namespace'), 'utf8'), NS);
    assert.equal(readFileSync(join(d, 'ca.crt'), 'utf8'), readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8'));
    const token = readFileSync(join(d, 'token'), 'utf8');
    const parts = token.split('.');
    assert.equal(parts.length, 3, 'a JWT');
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    assert.equal(claims.sub, `system:serviceaccount:${NS}:runner`);
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'web', uid: pod.metadata!.uid });
    assert.equal(claims['kubernetes.io'].namespace, NS);
    assert.ok(claims.exp - claims.iat >= 3600, `lifetime ${claims.exp - claims.iat}`);
    const who = await kubectl('/dev/null', [`--server=${srv.url}`, `--certificate-authority=${join(srv.dataDir, 'pki', 'ca.crt')}`, `--token=${token}`, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.stdout, `system:serviceaccount:${NS}:runner`, who.stderr);
  });

  const exec = async (cmd: string) => {
    const r = await rt!.cri.execSync({ containerId, cmd: ['sh', '-c', cmd], timeout: 10 });
    return { code: r.exitCode ?? 0, out: Buffer.from(r.stdout ?? '').toString('utf8'), err: Buffer.from(r.stderr ?? '').toString('utf8') };
  };

  it('a busybox container mounts the volumes through the CRI mounts containerMounts builds', async () => {
    const container = pod.spec!.containers[0]!;
    const mounts = vm.containerMounts(pod, container, volumes);
    assert.deepEqual(mounts.map((m) => [m.containerPath, m.readonly, m.propagation]), [
      ['/etc/app', true, 'PROPAGATION_PRIVATE'],
      ['/etc/app-pinned.yaml', true, 'PROPAGATION_PRIVATE'],
      ['/secrets', true, 'PROPAGATION_PRIVATE'],
      ['/cache', false, 'PROPAGATION_PRIVATE'],
      ['/logs', false, 'PROPAGATION_PRIVATE'],
      ['/var/run/secrets/kubernetes.io/serviceaccount', true, 'PROPAGATION_PRIVATE'],
    ]);
    const uid = pod.metadata!.uid!;
    assert.equal(mounts[1]!.hostPath, join(work, 'kubelet', 'pods', uid, 'volume-subpaths', 'cfg', 'c', '1'));
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', uid, namespace: NS, attempt: 0 },
      hostname: 'web',
      logDirectory: join(rt!.logDir, `${NS}_web_${uid}`),
      linux: {},
    };
    sandboxId = (await rt!.cri.runPodSandbox({ config: sandboxConfig })).podSandboxId;
    containerId = (
      await rt!.cri.createContainer({
        podSandboxId: sandboxId,
        sandboxConfig,
        config: {
          metadata: { name: 'c', attempt: 0 },
          image: { image: rt!.images.busybox },
          command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'],
          mounts: mounts.map((m) => ({ ...m, propagation: m.propagation as MountPropagation })),
          logPath: 'c/0.log',
        },
      })
    ).containerId;
    await rt!.cri.startContainer({ containerId });
    assert.deepEqual(await exec('cat /etc/app/app.yaml; echo; cat /etc/app-pinned.yaml; echo; cat /secrets/password'), { code: 0, out: 'version: 1\nversion: 1\nhunter2', err: '' });
    const sa = await exec('cd /var/run/secrets/kubernetes.io/serviceaccount && cat namespace && ls && stat -c %a . && head -c 3 token');
    assert.deepEqual(sa, { code: 0, out: `${NS}ca.crt\nnamespace\ntoken\n1777\neyJ`, err: '' });
    const ro = await exec('echo x > /etc/app/new');
    assert.notEqual(ro.code, 0);
    assert.match(ro.err, /Read-only file system/);
    assert.equal((await exec('echo hello > /logs/out && cat /cache/web/out')).out, 'hello\n');
    assert.equal(readFileSync(join(dir('cache'), 'web', 'out'), 'utf8'), 'hello\n');
  });

  it('a ConfigMap update reaches the file in place (..data swapped), inside the container too, but not through a subPath', async () => {
    const before = readlinkSync(join(dir('cfg'), '..data'));
    await kc(srv.kubeconfig, ['-n', NS, 'patch', 'configmap', 'app-config', '-p', JSON.stringify({ data: { 'app.yaml': 'version: 2' } })]);
    await until(async () => readFileSync(join(dir('cfg'), 'app.yaml'), 'utf8') === 'version: 2', 'the updated file', 15_000, 100);
    assert.notEqual(readlinkSync(join(dir('cfg'), '..data')), before);
    assert.equal(existsSync(join(dir('cfg'), before)), false, 'the old data directory is removed');
    assert.equal((await exec('cat /etc/app/app.yaml')).out, 'version: 2');
    // upstream behaviour: a subPath mount pins the file it was given and never sees updates
    assert.equal((await exec('cat /etc/app-pinned.yaml')).out, 'version: 1');
  });

  it('a label change is written to the downward API file by the next setUpPod', async () => {
    await kc(srv.kubeconfig, ['-n', NS, 'label', 'pod', 'web', 'tier=front']);
    pod = await client.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS, name: 'web' });
    await vm.setUpPod(pod);
    assert.equal(readFileSync(join(dir('info'), 'labels'), 'utf8'), 'app="web"\ntier="front"');
  });

  it('the Memory emptyDir is a tmpfs of its sizeLimit; tear-down unmounts it and removes the pod volumes', async () => {
    await rt!.cri.stopPodSandbox({ podSandboxId: sandboxId });
    await rt!.cri.removePodSandbox({ podSandboxId: sandboxId });
    sandboxId = '';
    const cache = dir('cache');
    const m = mountAt(await readMounts(), cache);
    assert.equal(m?.fsType, 'tmpfs');
    assert.match(m!.superOptions, /size=8192k/);
    assert.ok((await vm.podsOnDisk()).includes(pod.metadata!.uid!));
    await vm.tearDownPod(pod.metadata!.uid!);
    assert.deepEqual(mountsUnder(await readMounts(), join(work, 'kubelet')), []);
    assert.equal(existsSync(join(work, 'kubelet', 'pods', pod.metadata!.uid!)), false);
    assert.deepEqual(await vm.podsOnDisk(), []);
  });

  // ---- the whole kubelet ----

  const kpod = () => kubeletClient!.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS, name: 'reader' });
  let readerId = '';
  const kexec = async (cmd: string) => {
    const r = await rt!.cri.execSync({ containerId: readerId, cmd: ['sh', '-c', cmd], timeout: 10 });
    return Buffer.from(r.stdout ?? '').toString('utf8');
  };

  it('a kubelet runs a pod whose container reads its configMap, secret, downward API and token volumes', async () => {
    kubeletClient = await nodeClient(KUBELET_NODE);
    kubelet = await startKubelet({
      config: defaultKubeletConfiguration({
        containerRuntimeEndpoint: rt!.endpoint,
        cgroupDriver: 'cgroupfs',
        failSwapOn: false,
        enableServer: false,
        podLogsDir: rt!.logDir,
        podCIDR: rt!.podCIDR,
        clusterDomain: 'cluster.local',
        clusterDNS: ['10.32.0.10'],
        resolvConf: '/etc/resolv.conf',
        syncFrequency: '10s',
        healthzPort: 0,
      }),
      flags: { rootDir: join(work, 'kubelet-real'), hostnameOverride: KUBELET_NODE, nodeIPs: [], nodeLabels: {}, podInfraContainerImage: rt!.images.pause },
      client: kubeletClient,
      processMetrics: false,
    });
    await kc(srv.kubeconfig, ['-n', NS, 'create', 'configmap', 'reader-config', '--from-literal=greeting=hello']);
    await kc(srv.kubeconfig, ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader', namespace: NS, labels: { app: 'reader' } },
      spec: {
        nodeName: KUBELET_NODE,
        serviceAccountName: 'runner',
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'main',
          image: rt!.images.busybox,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'],
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/reader' },
            { name: 'creds', mountPath: '/secrets' },
            { name: 'info', mountPath: '/etc/podinfo' },
          ],
        }],
        volumes: [
          { name: 'cfg', configMap: { name: 'reader-config' } },
          { name: 'creds', secret: { secretName: 'app-secret' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
    }));
    const running = await until(async () => {
      const p = await kpod();
      return p.status?.phase === 'Running' ? p : undefined;
    }, 'the reader pod to run', 60_000, 500);
    const { containers } = await rt!.cri.listContainers({ filter: { labelSelector: { 'io.kubernetes.pod.uid': running.metadata!.uid!, 'io.kubernetes.container.name': 'main' } } });
    readerId = containers?.[0]?.id ?? '';
    assert.ok(readerId, 'the container is in the runtime');
    assert.equal(await kexec('cat /etc/reader/greeting; echo; cat /secrets/password; echo; cat /etc/podinfo/labels; echo; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace'), `hello\nhunter2\napp="reader"\n${NS}`);
    const token = await kexec('cat /var/run/secrets/kubernetes.io/serviceaccount/token');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'reader', uid: running.metadata!.uid });
    assert.equal(claims['kubernetes.io'].node?.name, KUBELET_NODE);
  });

  it('ConfigMap and label updates reach the running container in place', async () => {
    await kc(srv.kubeconfig, ['-n', NS, 'patch', 'configmap', 'reader-config', '-p', JSON.stringify({ data: { greeting: 'hello again' } })]);
    await until(async () => (await kexec('cat /etc/reader/greeting')) === 'hello again', 'the container to see the new greeting', 20_000, 250);
    await kc(srv.kubeconfig, ['-n', NS, 'label', 'pod', 'reader', 'tier=back']);
    await until(async () => (await kexec('cat /etc/podinfo/labels')) === 'app="reader"\ntier="back"', 'the container to see the new label', 30_000, 250);
  });

  it('deleting the pod unmounts and removes its volumes on the node', async () => {
    const uid = (await kpod()).metadata!.uid!;
    const podDir = join(work, 'kubelet-real', 'pods', uid);
    assert.ok(existsSync(join(podDir, 'volumes', 'kubernetes.io~configmap', 'cfg')));
    await kc(srv.kubeconfig, ['-n', NS, 'delete', 'pod', 'reader', '--grace-period=1', '--wait=false']);
    await until(async () => !existsSync(join(podDir, 'volumes')), 'the pod volumes to be removed', 60_000, 500);
    assert.deepEqual(mountsUnder(await readMounts(), podDir), []);
  });
});
