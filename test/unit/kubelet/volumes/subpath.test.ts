// subPath safety and container mounts: validation messages, creation inside the volume, symlink
// escapes refused, bind mounts under volume-subpaths, subPathExpr expansion, readOnly and
// mount propagation. Bind mounts made here are unmounted in after().
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { logger } from '../../../../src/util/klog.js';
import { expand, expandSubPathExpr, simpleContainerEnv } from '../../../../src/kubelet/volumes/expansion.js';
import { makeMounts, translateMountPropagation } from '../../../../src/kubelet/volumes/mounts.js';
import { mountsUnder, readMounts, unmount } from '../../../../src/kubelet/volumes/mount.js';
import { PodPaths } from '../../../../src/kubelet/volumes/paths.js';
import { safeMakeDir, validateSubPath } from '../../../../src/kubelet/volumes/subpath.js';
import type { PodVolume } from '../../../../src/kubelet/volumes/types.js';

const log = logger('test');

describe('subPath and container mounts', () => {
  let root: string;
  let paths: PodPaths;
  let vol: string;
  let outside: string;
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns1', uid: 'uid-1', labels: { app: 'x' } }, spec: { nodeName: 'node-a', containers: [] } };
  let volumes: Map<string, PodVolume>;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-subpath-'));
    paths = new PodPaths(join(root, 'kubelet'));
    vol = join(root, 'vol');
    outside = join(root, 'outside');
    mkdirSync(vol, { mode: 0o777 });
    chmodSync(vol, 0o777);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'host secret');
    mkdirSync(join(vol, 'data'));
    writeFileSync(join(vol, 'data', 'f'), 'in volume');
    writeFileSync(join(vol, 'file.txt'), 'a file');
    symlinkSync(outside, join(vol, 'escape'));
    symlinkSync('data', join(vol, 'inside-link'));
    volumes = new Map([
      ['work', { name: 'work', hostPath: vol, readOnly: false }],
      ['cfg', { name: 'cfg', hostPath: vol, readOnly: true }],
    ]);
  });
  after(async () => {
    for (const mp of mountsUnder(await readMounts(), root)) await unmount(mp);
    rmSync(root, { recursive: true, force: true });
  });

  const container = (mounts: Container['volumeMounts'], extra: Partial<Container> = {}): Container => ({ name: 'c', image: 'busybox', volumeMounts: mounts, ...extra });

  it('validates subPaths with upstream messages', () => {
    assert.throws(() => validateSubPath('/etc'), { message: 'error SubPath `/etc` must not be an absolute path' });
    assert.throws(() => validateSubPath('a/../../b'), { message: "unable to provision SubPath `a/../../b`: must not contain '..'" });
    validateSubPath('a/..b/c');
  });

  it('plain mounts: readOnly from the mount or forced by the volume, propagation translated', () => {
    const m = makeMounts(paths, log, pod, container([
      { name: 'work', mountPath: '/work' },
      { name: 'work', mountPath: '/ro', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'cfg', mountPath: '/cfg' },
    ]), volumes);
    assert.deepEqual(m, [
      { hostPath: vol, containerPath: '/work', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
      { hostPath: vol, containerPath: '/ro', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
      { hostPath: vol, containerPath: '/cfg', readonly: true, propagation: 'PROPAGATION_PRIVATE' },
    ]);
    assert.equal(translateMountPropagation('Bidirectional'), 'PROPAGATION_BIDIRECTIONAL');
    assert.throws(() => makeMounts(paths, log, pod, container([{ name: 'work', mountPath: '/b', mountPropagation: 'Bidirectional' }]), volumes), /only to privileged containers/);
    assert.equal(makeMounts(paths, log, pod, container([{ name: 'work', mountPath: '/b', mountPropagation: 'Bidirectional' }], { securityContext: { privileged: true } }), volumes)[0]!.propagation, 'PROPAGATION_BIDIRECTIONAL');
    assert.throws(() => makeMounts(paths, log, pod, container([{ name: 'nope', mountPath: '/x' }]), volumes), { message: 'cannot find volume "nope" to mount into container "c"' });
  });

  it('a subPath is bind-mounted under volume-subpaths and shows the volume content', () => {
    const [m] = makeMounts(paths, log, pod, container([{ name: 'work', mountPath: '/d', subPath: 'data' }]), volumes);
    assert.equal(m!.hostPath, paths.subpathDir('uid-1', 'work', 'c', 0));
    assert.equal(readFileSync(join(m!.hostPath, 'f'), 'utf8'), 'in volume');
    // a second call (container restart) reuses the mount
    const [again] = makeMounts(paths, log, pod, container([{ name: 'work', mountPath: '/d', subPath: 'data' }]), volumes);
    assert.equal(again!.hostPath, m!.hostPath);
    // a file subPath is bind-mounted onto a file
    const [f] = makeMounts(paths, log, pod, container([{ name: 'work', mountPath: '/x' }, { name: 'work', mountPath: '/f.txt', subPath: 'file.txt' }]), volumes).slice(1);
    assert.equal(readFileSync(f!.hostPath, 'utf8'), 'a file');
    // a restarted container whose subPath now names another file gets a fresh mount of it
    const versioned = (v: string) => {
      mkdirSync(join(vol, `..v${v}`));
      writeFileSync(join(vol, `..v${v}`, 'key'), `value ${v}`);
      rmSync(join(vol, 'key'), { force: true });
      symlinkSync(`..v${v}/key`, join(vol, 'key'));
    };
    versioned('1');
    const k = container([{ name: 'work', mountPath: '/k', subPath: 'key' }]);
    const c10 = { ...k, name: 'c10' };
    assert.equal(readFileSync(makeMounts(paths, log, pod, c10, volumes)[0]!.hostPath, 'utf8'), 'value 1');
    versioned('2');
    assert.equal(readFileSync(makeMounts(paths, log, pod, c10, volumes)[0]!.hostPath, 'utf8'), 'value 2');
    // a symlink that stays inside the volume is fine
    const [l] = makeMounts(paths, log, pod, { ...container([{ name: 'work', mountPath: '/l', subPath: 'inside-link' }]), name: 'c2' }, volumes);
    assert.equal(readFileSync(join(l!.hostPath, 'f'), 'utf8'), 'in volume');
  });

  it('a missing subPath is created with the volume mode; a symlink out of the volume is refused', () => {
    makeMounts(paths, log, pod, { ...container([{ name: 'work', mountPath: '/n', subPath: 'new/dir' }]), name: 'c3' }, volumes);
    assert.ok(statSync(join(vol, 'new/dir')).isDirectory());
    assert.equal(statSync(join(vol, 'new/dir')).mode & 0o777, 0o777);
    assert.throws(
      () => makeMounts(paths, log, pod, { ...container([{ name: 'work', mountPath: '/e', subPath: 'escape' }]), name: 'c4' }, volumes),
      { message: 'failed to prepare subPath for volumeMount "work" of container "c4"' },
    );
    assert.throws(
      () => makeMounts(paths, log, pod, { ...container([{ name: 'work', mountPath: '/e', subPath: 'escape/newdir' }]), name: 'c5' }, volumes),
      { message: 'failed to create subPath directory for volumeMount "work" of container "c5"' },
    );
    assert.throws(() => statSync(join(outside, 'newdir')), /ENOENT/);
    assert.throws(() => safeMakeDir(vol, 'escape/x', 0o755), /outside of allowed base/);
  });

  it('subPathExpr: $(VAR) from literal and fieldRef env, or the env the caller resolved', () => {
    const c = container([{ name: 'work', mountPath: '/s', subPathExpr: '$(POD_NAME)/$(SUB)' }], {
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'BASE', value: 'logs' },
        { name: 'SUB', value: '$(BASE)-x' },
      ],
      name: 'c6',
    });
    assert.deepEqual(Object.fromEntries(simpleContainerEnv(pod, c)), { POD_NAME: 'p', BASE: 'logs', SUB: 'logs-x' });
    const [m] = makeMounts(paths, log, pod, c, volumes);
    assert.ok(statSync(join(vol, 'p/logs-x')).isDirectory());
    assert.equal(statSync(m!.hostPath).ino, statSync(join(vol, 'p/logs-x')).ino);
    const [m2] = makeMounts(paths, log, pod, { ...c, name: 'c7' }, volumes, { POD_NAME: 'q', SUB: 'z' });
    assert.equal(statSync(m2!.hostPath).ino, statSync(join(vol, 'q/z')).ino);
    assert.throws(() => makeMounts(paths, log, pod, { ...c, name: 'c8', env: [] }, volumes), { message: 'missing value for POD_NAME, SUB' });
    assert.throws(() => makeMounts(paths, log, pod, { ...c, name: 'c9' }, volumes, { POD_NAME: '..', SUB: 'x' }), /must not contain '\.\.'/);
  });

  it('expansion follows upstream: $$ escapes, unknown and unclosed references stay', () => {
    const env = new Map([['A', 'a']]);
    assert.equal(expand('$(A)-$$(A)-$(B)-$(A', (n) => env.get(n) ?? `$(${n})`), 'a-$(A)-$(B)-$(A');
    assert.equal(expand('x$y$', () => ''), 'x$y$');
    assert.equal(expandSubPathExpr('$(A)/static', env), 'a/static');
  });
});
