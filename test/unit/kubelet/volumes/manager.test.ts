// The volume manager against a fake API client: upstream's directory layout, tmpfs for Memory
// emptyDirs and secret/downwardAPI/projected volumes, ConfigMap/Secret watches that update files
// in place, downward API refresh on setUpPod, bound token requests and refresh, FailedMount
// messages, and a tear-down that unmounts and removes everything.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Watcher } from '../../../../src/client/rest.js';
import type { RestClient, ResourceRef } from '../../../../src/client/rest.js';
import { ApiError } from '../../../../src/client/rest.js';
import { logger } from '../../../../src/util/klog.js';
import { newVolumeManager, VolumeSetupError } from '../../../../src/kubelet/volumes/index.js';
import type { VolumeManager } from '../../../../src/kubelet/volumes/index.js';
import { mountAt, mountsUnder, readMounts, unmount } from '../../../../src/kubelet/volumes/mount.js';

class FakeClient {
  objects = new Map<string, any>();
  watchers = new Map<string, Set<Watcher<any>>>();
  tokenRequests: { ref: ResourceRef; body: any }[] = [];
  tokenLifetimeS = 3600;
  tokenSerial = 0;
  key(ref: ResourceRef) {
    return `${ref.resource}/${ref.namespace}/${ref.name}`;
  }
  async get(ref: ResourceRef) {
    const o = this.objects.get(this.key(ref));
    if (!o) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: `${ref.resource} "${ref.name}" not found` });
    return structuredClone(o);
  }
  async watch(ref: ResourceRef) {
    const k = this.key(ref);
    let set = this.watchers.get(k);
    if (!set) this.watchers.set(k, (set = new Set()));
    const w: Watcher<any> = new Watcher(() => set!.delete(w));
    set.add(w);
    return w;
  }
  async create(ref: ResourceRef, body: any) {
    this.tokenRequests.push({ ref, body });
    const exp = new Date(Date.now() + this.tokenLifetimeS * 1000).toISOString();
    return { ...body, spec: { ...body.spec, expirationSeconds: body.spec.expirationSeconds ?? 3600 }, status: { token: `token-${++this.tokenSerial}`, expirationTimestamp: exp } };
  }
  put(resource: string, obj: any) {
    const k = `${resource}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const prev = this.objects.get(k);
    obj.metadata.resourceVersion = String(Number(prev?.metadata?.resourceVersion ?? 0) + 1);
    this.objects.set(k, obj);
    for (const w of this.watchers.get(k) ?? []) w.push({ type: prev ? 'MODIFIED' : 'ADDED', object: structuredClone(obj) });
  }
  activeWatches() {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }
}

const withUid = (p: Pod, uid: string): Pod => ({ ...p, metadata: { ...p.metadata, uid } });

async function until(fn: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('volume manager', () => {
  let root: string;
  let client: FakeClient;
  let vm: VolumeManager;
  const updates: string[] = [];
  const uid = 'a1b2c3d4-0000-4000-8000-000000000001';
  const pod = (labels: Record<string, string> = { app: 'web' }): Pod => ({
    metadata: { name: 'web', namespace: 'prod', uid, labels },
    spec: {
      nodeName: 'node-1',
      serviceAccountName: 'runner',
      securityContext: {},
      containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: '256Mi' } } }],
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'host', hostPath: { path: join(root, 'host-dir'), type: 'DirectoryOrCreate' } },
        { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'app.yaml', path: 'conf/app.yaml' }] } },
        { name: 'creds', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        {
          name: 'kube-api-access-x7k2p',
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
    },
  });
  const vdir = (plugin: string, name: string) => join(root, 'kubelet', 'pods', uid, 'volumes', `kubernetes.io~${plugin}`, name);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-vm-'));
    client = new FakeClient();
    client.put('configmaps', { metadata: { name: 'app-config', namespace: 'prod' }, data: { 'app.yaml': 'v: 1\n', other: 'x' } });
    client.put('configmaps', { metadata: { name: 'kube-root-ca.crt', namespace: 'prod' }, data: { 'ca.crt': 'CA PEM' } });
    client.put('secrets', { metadata: { name: 'app-secret', namespace: 'prod' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    vm = newVolumeManager({
      rootDir: join(root, 'kubelet'),
      client: client as unknown as RestClient,
      nodeName: 'node-1',
      log: logger('volumes-test'),
      onVolumeUpdated: (_uid, v) => updates.push(v),
      nodeAllocatable: () => ({ cpu: '2', memory: '2Gi' }),
    });
  });
  after(async () => {
    vm.stop();
    for (const mp of mountsUnder(await readMounts(), root)) await unmount(mp);
    rmSync(root, { recursive: true, force: true });
  });

  it('sets up every volume at upstream paths', async () => {
    const vols = await vm.setUpPod(pod());
    assert.deepEqual([...vols.keys()], ['scratch', 'mem', 'host', 'cfg', 'creds', 'info', 'kube-api-access-x7k2p']);
    assert.deepEqual(vols.get('scratch'), { name: 'scratch', hostPath: vdir('empty-dir', 'scratch'), readOnly: false });
    assert.equal(statSync(vdir('empty-dir', 'scratch')).mode & 0o777, 0o777);
    assert.deepEqual(vols.get('host'), { name: 'host', hostPath: join(root, 'host-dir'), readOnly: false });
    assert.ok(statSync(join(root, 'host-dir')).isDirectory());
    assert.deepEqual(vols.get('cfg'), { name: 'cfg', hostPath: vdir('configmap', 'cfg'), readOnly: true });
    assert.equal(readFileSync(join(vdir('configmap', 'cfg'), 'conf/app.yaml'), 'utf8'), 'v: 1\n');
    assert.equal(readlinkSync(join(vdir('configmap', 'cfg'), 'conf')), '..data/conf');
    assert.equal(readFileSync(join(vdir('secret', 'creds'), 'password'), 'utf8'), 'hunter2');
    assert.equal(statSync(join(vdir('secret', 'creds'), 'password')).mode & 0o777, 0o400);
    assert.equal(readFileSync(join(vdir('downward-api', 'info'), 'labels'), 'utf8'), 'app="web"');
    const sa = vdir('projected', 'kube-api-access-x7k2p');
    assert.equal(readFileSync(join(sa, 'token'), 'utf8'), 'token-1');
    assert.equal(readFileSync(join(sa, 'ca.crt'), 'utf8'), 'CA PEM');
    assert.equal(readFileSync(join(sa, 'namespace'), 'utf8'), 'prod');
    assert.ok(existsSync(join(root, 'kubelet', 'pods', uid, 'plugins', 'kubernetes.io~empty-dir', 'scratch', 'ready')));
  });

  it('Memory emptyDirs and secret/downwardAPI/projected volumes are tmpfs; configMap and disk emptyDir are not', async () => {
    const mounts = await readMounts();
    const mem = mountAt(mounts, vdir('empty-dir', 'mem'));
    assert.equal(mem?.fsType, 'tmpfs');
    assert.match(mem!.superOptions, /size=16384k/);
    for (const [p, n] of [['secret', 'creds'], ['downward-api', 'info'], ['projected', 'kube-api-access-x7k2p']]) {
      const m = mountAt(mounts, vdir(p!, n!));
      assert.equal(m?.fsType, 'tmpfs', `${p}/${n}`);
      assert.match(m!.superOptions, /size=262144k/, 'sized by the pod memory limit');
    }
    assert.equal(mountAt(mounts, vdir('configmap', 'cfg')), undefined);
    assert.equal(mountAt(mounts, vdir('empty-dir', 'scratch')), undefined);
  });

  it('requests the token bound to the pod, for its ServiceAccount, once', async () => {
    assert.equal(client.tokenRequests.length, 1);
    const { ref, body } = client.tokenRequests[0]!;
    assert.deepEqual([ref.resource, ref.namespace, ref.name, ref.subresource], ['serviceaccounts', 'prod', 'runner', 'token']);
    assert.deepEqual(body.spec, { audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid } });
    await vm.setUpPod(pod());
    assert.equal(client.tokenRequests.length, 1, 'a fresh token is reused');
  });

  it('a ConfigMap change reaches the file in place (..data swapped) without a setUpPod', async () => {
    const dir = vdir('configmap', 'cfg');
    const before = readlinkSync(join(dir, '..data'));
    client.put('configmaps', { metadata: { name: 'app-config', namespace: 'prod' }, data: { 'app.yaml': 'v: 2\n' } });
    await until(() => readFileSync(join(dir, 'conf/app.yaml'), 'utf8') === 'v: 2\n', 'the configmap update');
    assert.notEqual(readlinkSync(join(dir, '..data')), before);
    await until(() => updates.includes('cfg'), 'onVolumeUpdated for cfg');
    client.put('secrets', { metadata: { name: 'app-secret', namespace: 'prod' }, data: { password: Buffer.from('rotated').toString('base64') } });
    await until(() => readFileSync(join(vdir('secret', 'creds'), 'password'), 'utf8') === 'rotated', 'the secret update');
  });

  it('setUpPod with new labels rewrites the downward API file; an unchanged pod rewrites nothing', async () => {
    const info = vdir('downward-api', 'info');
    const ts = readlinkSync(join(info, '..data'));
    await vm.setUpPod(pod());
    assert.equal(readlinkSync(join(info, '..data')), ts);
    await vm.setUpPod(pod({ app: 'web', version: 'v2' }));
    assert.equal(readFileSync(join(info, 'labels'), 'utf8'), 'app="web"\nversion="v2"');
  });

  it('a missing ConfigMap fails with the FailedMount message; other volumes still set up', async () => {
    const p = withUid(pod(), 'uid-missing');
    p.spec!.volumes = [{ name: 'ok', emptyDir: {} }, { name: 'cfg', configMap: { name: 'nope' } }, { name: 'sec', secret: { secretName: 'gone' } }];
    await assert.rejects(vm.setUpPod(p), (err: unknown) => {
      assert.ok(err instanceof VolumeSetupError);
      assert.equal(err.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
      assert.equal(err.reason, 'FailedMount');
      assert.deepEqual(err.all.map((e) => e.message), [err.message, 'MountVolume.SetUp failed for volume "sec" : secret "gone" not found']);
      return true;
    });
    assert.ok(existsSync(join(root, 'kubelet', 'pods', 'uid-missing', 'volumes', 'kubernetes.io~empty-dir', 'ok')));
    // once the object exists the next set-up succeeds
    client.put('configmaps', { metadata: { name: 'nope', namespace: 'prod' }, data: { k: 'v' } });
    client.put('secrets', { metadata: { name: 'gone', namespace: 'prod' }, data: {} });
    await until(() => true, 'noop');
    const vols = await vm.setUpPod(p);
    assert.equal(readFileSync(join(vols.get('cfg')!.hostPath, 'k'), 'utf8'), 'v');
    await vm.tearDownPod('uid-missing');
  });

  it('fsGroup: files get the group and g+r, directories setgid; the token file is 0640; an emptyDir is group-writable', async () => {
    const base = pod();
    const p: Pod = {
      ...withUid(base, 'uid-fsgroup'),
      spec: { ...base.spec!, securityContext: { fsGroup: 4321 }, volumes: [base.spec!.volumes![0]!, base.spec!.volumes![4]!, base.spec!.volumes![6]!] },
    };
    try {
      const vols = await vm.setUpPod(p);
      const secretFile = statSync(join(vols.get('creds')!.hostPath, 'password'));
      assert.equal(secretFile.gid, 4321);
      assert.equal(secretFile.mode & 0o7777, 0o440, 'defaultMode 0400 plus g+r');
      const secretDir = statSync(vols.get('creds')!.hostPath);
      assert.equal(secretDir.gid, 4321);
      assert.equal(secretDir.mode & 0o2000, 0o2000, 'setgid');
      const token = statSync(join(vols.get('kube-api-access-x7k2p')!.hostPath, 'token'));
      assert.equal(token.mode & 0o777, 0o640);
      assert.equal(token.gid, 4321);
      const scratch = statSync(vols.get('scratch')!.hostPath);
      assert.equal(scratch.gid, 4321);
      assert.equal(scratch.mode & 0o7777, 0o2777);
    } finally {
      await vm.tearDownPod('uid-fsgroup');
    }
  });

  it('a token is requested again when 80% of its lifetime has passed', async () => {
    const p = withUid(pod(), 'uid-token');
    p.spec!.volumes = [p.spec!.volumes!.at(-1)!];
    client.tokenLifetimeS = 4; // refresh due after 3.2 s (timers wait at least 1 s)
    try {
      const vols = await vm.setUpPod(p);
      const file = join(vols.get('kube-api-access-x7k2p')!.hostPath, 'token');
      const first = readFileSync(file, 'utf8');
      await until(() => readFileSync(file, 'utf8') !== first, 'a refreshed token', 10_000);
    } finally {
      client.tokenLifetimeS = 3600;
      await vm.tearDownPod('uid-token');
    }
  });

  it('a restarted kubelet (a new manager on the same root dir) adopts the volumes: no second tmpfs, no rewrite', async () => {
    const cfgData = readlinkSync(join(vdir('configmap', 'cfg'), '..data'));
    const secretData = readlinkSync(join(vdir('secret', 'creds'), '..data'));
    const countMounts = async () => mountsUnder(await readMounts(), join(root, 'kubelet')).length;
    const before = await countMounts();
    const vm2 = newVolumeManager({ rootDir: join(root, 'kubelet'), client: client as unknown as RestClient, nodeName: 'node-1', log: logger('volumes-test'), nodeAllocatable: () => ({ cpu: '2', memory: '2Gi' }) });
    try {
      await vm2.setUpPod(pod({ app: 'web', version: 'v2' }));
      assert.equal(await countMounts(), before);
      const all = await readMounts();
      assert.equal(all.filter((m) => m.mountPoint === vdir('secret', 'creds')).length, 1);
      assert.equal(readlinkSync(join(vdir('configmap', 'cfg'), '..data')), cfgData);
      assert.equal(readlinkSync(join(vdir('secret', 'creds'), '..data')), secretData);
    } finally {
      vm2.stop();
    }
  });

  it('tear-down unmounts, removes the volumes and stops the watches', async () => {
    assert.ok((await vm.podsOnDisk()).includes(uid));
    assert.ok(client.activeWatches() > 0);
    await vm.tearDownPod(uid);
    assert.deepEqual(mountsUnder(await readMounts(), join(root, 'kubelet')), []);
    assert.equal(existsSync(join(root, 'kubelet', 'pods', uid)), false);
    assert.deepEqual(await vm.podsOnDisk(), []);
    await until(() => client.activeWatches() === 0, 'watches to stop');
    assert.ok(existsSync(join(root, 'host-dir')), 'hostPath volumes are left alone');
  });
});
