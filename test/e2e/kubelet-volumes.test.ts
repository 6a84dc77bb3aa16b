// The kubelet's volume manager against a real control plane (`k8ts server`), as the node
// system:node:<node> with a client certificate signed by the cluster CA: a pod bound to the node
// with configMap, secret, downwardAPI, Memory emptyDir and the kube-api-access projected volume
// the ServiceAccount admission plugin injects. Files are checked on disk, a ConfigMap update
// swaps ..data in place, the token is a JWT bound to the pod that the API server accepts, the
// Memory emptyDir is a tmpfs, and tear-down unmounts and removes everything.
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
import { newVolumeManager } from '../../src/kubelet/volumes/index.js';
import type { PodVolume, VolumeManager } from '../../src/kubelet/volumes/index.js';
import { mountAt, mountsUnder, readMounts, unmount } from '../../src/kubelet/volumes/mount.js';
import { kc, kubectl, startServer, until, waitForNamespaceDefaults } from './harness.js';
import type { ServerProc } from './harness.js';

const NS = 'vol-e2e';
const NODE = 'vol-node';

describe('kubelet volume manager against the API server', () => {
  let srv: ServerProc;
  let work: string;
  let client: RestClient;
  let vm: VolumeManager;
  let pod: Pod;
  let volumes: Map<string, PodVolume>;

  before(async () => {
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
        containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] }],
        volumes: [
          { name: 'cfg', configMap: { name: 'app-config' } },
          { name: 'creds', secret: { secretName: 'app-secret' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
        ],
      },
    }));
    // the node's identity: CN=system:node:<node>, O=system:nodes, signed by the cluster CA
    const caCertPem = readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8');
    const ca = { certPem: caCertPem, keyPem: readFileSync(join(srv.dataDir, 'pki', 'ca.key'), 'utf8') };
    const leaf = await issueCert(ca, { commonName: `system:node:${NODE}`, organizations: ['system:nodes'], usages: ['client'], keyAlgorithm: 'ecdsa' });
    const kubeconfig = join(work, 'kubelet.kubeconfig');
    writeFileSync(kubeconfig, serializeKubeconfig(buildKubeconfig({ server: srv.url, caCertPem, clientCertPem: leaf.certPem, clientKeyPem: leaf.keyPem, userName: NODE })), { mode: 0o600 });
    client = await RestClient.fromKubeconfig(kubeconfig, { qps: 50, burst: 100 });
    vm = newVolumeManager({ rootDir: join(work, 'kubelet'), client, nodeName: NODE, log: logger('kubelet/volumes') });
    // the kubelet sees its pods through the API as the node
    pod = await client.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS, name: 'web' });
    // the Node authorizer learns about the pod asynchronously: retry as the kubelet does
    volumes = await until(() => vm.setUpPod(pod), 'the pod volumes to be set up', 20_000, 200);
  });

  after(async () => {
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

  it('a ConfigMap update reaches the file in place: ..data points to a new directory', async () => {
    const before = readlinkSync(join(dir('cfg'), '..data'));
    await kc(srv.kubeconfig, ['-n', NS, 'patch', 'configmap', 'app-config', '-p', JSON.stringify({ data: { 'app.yaml': 'version: 2' } })]);
    await until(async () => readFileSync(join(dir('cfg'), 'app.yaml'), 'utf8') === 'version: 2', 'the updated file', 15_000, 100);
    assert.notEqual(readlinkSync(join(dir('cfg'), '..data')), before);
    assert.equal(existsSync(join(dir('cfg'), before)), false, 'the old data directory is removed');
  });

  it('a label change is written to the downward API file by the next setUpPod', async () => {
    await kc(srv.kubeconfig, ['-n', NS, 'label', 'pod', 'web', 'tier=front']);
    pod = await client.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS, name: 'web' });
    await vm.setUpPod(pod);
    assert.equal(readFileSync(join(dir('info'), 'labels'), 'utf8'), 'app="web"\ntier="front"');
  });

  it('the Memory emptyDir is a tmpfs of its sizeLimit; tear-down unmounts it and removes the pod volumes', async () => {
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
});
