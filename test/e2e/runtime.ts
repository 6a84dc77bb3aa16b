// Shared test helper: a private, real containerd (with runc and CNI) for e2e tests.
//
//   requireRuntime()                   throws a clear error when containerd, runc, ctr or the CNI
//                                      plugins are missing, or when not root (tests never skip).
//   startTestRuntime({ podCIDR?, bridgeName?, cgroupDriver?, cniFromKubelet? }) → TestRuntime
//       Starts containerd (src/containerd/node.ts) with its own temp root/state/socket/config
//       (nothing under /run or /var/lib is shared), a CNI conf dir with a bridge named
//       k8tsbr<random> on a /24 of 10.244.0.0/16 reserved through lock dirs in
//       /tmp/k8ts-test-runtimes (concurrent runs never collide; a lock whose owner died is taken
//       over), host-local leases and network namespaces in the temp dir. Imports
//       k8ts.io/pause:3.9 (the sandbox image) and k8ts.io/busybox:latest, built once per machine
//       into /tmp/k8ts-test-images. With cniFromKubelet the subnet is reserved but no CNI config
//       is written: containerd renders its template once someone (the kubelet) sends
//       UpdateRuntimeConfig with podCIDR — until then NetworkReady is false, as on a fresh node.
//   TestRuntime: { endpoint, address, cri, podCIDR, bridgeName, cniConfDir, cniBinDir, root,
//       state, dir, logDir, images: { pause, busybox }, containerd, cleanup(), leftovers() }
//       cleanup() leaves nothing behind: it stops and removes every pod sandbox through CRI (so
//       CNI DEL runs), stops containerd, kills this instance's leftover shims and the processes
//       they run (matched by the -address of our socket), unmounts everything under its dir,
//       removes leftover netns files, deletes the bridge and the nat rules/chains for its
//       subnet, releases the reservations and deletes the temp dir. It never throws and may be
//       called twice; leftovers() lists anything still present (tests assert it is []).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { CriClient } from '../../src/cri/client.js';
import { runtimeAvailable, type RunningContainerd } from '../../src/containerd/daemon.js';
import { startNodeRuntime } from '../../src/containerd/node.js';
import { linkExists } from '../../src/containerd/teardown.js';

export const TEST_IMAGES_DIR = '/tmp/k8ts-test-images';
export const LOCK_DIR = '/tmp/k8ts-test-runtimes';

export interface TestRuntime {
  /** unix:///…/containerd.sock — what a kubelet's containerRuntimeEndpoint takes. */
  endpoint: string;
  /** The socket path. */
  address: string;
  /** A CRI client on endpoint (closed by cleanup). */
  cri: CriClient;
  podCIDR: string;
  bridgeName: string;
  cniConfDir: string;
  cniBinDir: string;
  root: string;
  state: string;
  /** The temp dir holding everything (root, state, cni, logs). */
  dir: string;
  /** A directory for pod logs (LogDirectory) that cleanup removes. */
  logDir: string;
  images: { pause: string; busybox: string };
  containerd: RunningContainerd;
  cleanup(): Promise<void>;
  leftovers(): Promise<string[]>;
}

/** Throws unless this machine can run a real containerd (what CI installs). */
export function requireRuntime(): void {
  const r = runtimeAvailable();
  if (!r.ok) throw new Error(`a real container runtime is required for this test: ${r.reason} (install containerd, runc, containernetworking-plugins and busybox-static)`);
  if (!existsSync('/bin/busybox')) throw new Error('a real container runtime is required for this test: /bin/busybox missing (install busybox-static)');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reserves a name in the lock dir (mkdir is atomic); a lock held by a dead process is taken over. */
function tryLock(name: string): string | undefined {
  mkdirSync(LOCK_DIR, { recursive: true });
  const path = join(LOCK_DIR, name);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return path;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(path, 'pid'), 'utf8'));
      } catch {
        /* being created right now */
      }
      if (Number.isFinite(owner) && owner > 0 && !pidAlive(owner)) rmSync(path, { recursive: true, force: true });
      else return undefined;
    }
  }
  return undefined;
}

function reserveSubnet(podCIDR?: string): { podCIDR: string; lock: string } {
  const key = (cidr: string) => 'subnet-' + cidr.replace(/\//g, '_');
  if (podCIDR) {
    const lock = tryLock(key(podCIDR));
    if (!lock) throw new Error(`test runtime: pod CIDR ${podCIDR} is in use by another test runtime`);
    return { podCIDR, lock };
  }
  for (let i = 0; i < 200; i++) {
    const cidr = `10.244.${randomInt(1, 255)}.0/24`;
    const lock = tryLock(key(cidr));
    if (lock) return { podCIDR: cidr, lock };
  }
  throw new Error('test runtime: no free /24 in 10.244.0.0/16');
}

function reserveBridge(name?: string): { bridgeName: string; lock: string } {
  for (let i = 0; i < 50; i++) {
    const n = name ?? `k8tsbr${randomBytes(3).toString('hex')}`;
    if (n.length > 15) throw new Error(`test runtime: bridge name ${n} is longer than 15 characters`);
    const lock = !linkExists(n) ? tryLock('bridge-' + n) : undefined;
    if (lock) return { bridgeName: n, lock };
    if (name) throw new Error(`test runtime: bridge ${name} exists or is reserved`);
  }
  throw new Error('test runtime: could not pick a free bridge name');
}

export interface TestRuntimeOptions {
  podCIDR?: string;
  bridgeName?: string;
  cgroupDriver?: 'cgroupfs' | 'systemd';
  /** Leave the CNI config to containerd's template and the kubelet's UpdateRuntimeConfig. */
  cniFromKubelet?: boolean;
}

export async function startTestRuntime(opts: TestRuntimeOptions = {}): Promise<TestRuntime> {
  requireRuntime();
  const subnet = reserveSubnet(opts.podCIDR);
  const bridge = reserveBridge(opts.bridgeName);
  const dir = mkdtempSync('/tmp/k8ts-rt-');
  const release = () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(subnet.lock, { recursive: true, force: true });
    rmSync(bridge.lock, { recursive: true, force: true });
  };
  let node;
  try {
    node = await startNodeRuntime({
      dir,
      podCIDR: opts.cniFromKubelet ? undefined : subnet.podCIDR,
      bridgeName: bridge.bridgeName,
      cgroupDriver: opts.cgroupDriver ?? 'cgroupfs',
      imagesDir: TEST_IMAGES_DIR,
    });
  } catch (err) {
    release();
    throw err;
  }
  const logDir = join(dir, 'pods');
  mkdirSync(logDir, { recursive: true });
  const cri = new CriClient(node.endpoint, { timeoutMs: 60_000 });
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      cri.close();
      await node.teardown({ removeDir: true });
      release();
    })());
  const leftovers = async () => {
    const out = await node.leftovers();
    if (existsSync(dir)) out.push(`dir ${dir}`);
    for (const l of [subnet.lock, bridge.lock]) if (existsSync(l)) out.push(`lock ${l}`);
    return out;
  };
  return {
    endpoint: node.endpoint,
    address: node.address,
    cri,
    podCIDR: subnet.podCIDR,
    bridgeName: bridge.bridgeName,
    cniConfDir: node.cniConfDir,
    cniBinDir: node.cniBinDir,
    root: node.root,
    state: node.state,
    dir,
    logDir,
    images: node.images,
    containerd: node.containerd,
    cleanup,
    leftovers,
  };
}
