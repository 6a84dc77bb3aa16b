// Shared test helper: a private, real containerd (with runc and CNI) for e2e tests.
//
//   requireRuntime()                   throws a clear error when containerd, runc, ctr or the CNI
//                                      plugins are missing, or when not root (tests never skip).
//   startTestRuntime({ podCIDR?, bridgeName?, cgroupDriver?, cniFromKubelet? }) → TestRuntime
//       Starts containerd (src/containerd/node.ts) with its own temp root/state/socket/config
//       (nothing under /run or /var/lib is shared), a CNI conf dir with a bridge named
//       k8tsbr<random> on a /24 of 10.244.0.0/16 reserved through lock dirs in
//       /tmp/k8ts-test-runtimes (concurrent runs never collide), host-local leases and network
//       namespaces in the temp dir. A runtime whose test process died without cleanup (killed by
//       a timeout) is torn down by the next startTestRuntime: its lock records what it made. Imports
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
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { CriClient } from '../../src/cri/client.js';
import { runtimeAvailable, type RunningContainerd } from '../../src/containerd/daemon.js';
import { startNodeRuntime } from '../../src/containerd/node.js';
import { containerdsOf, deleteLink, killShims, linkExists, removeCniNatRules, unmountUnder } from '../../src/containerd/teardown.js';

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

/** What a runtime's subnet lock records, so a runtime left by a dead process can be torn down. */
interface LockInfo {
  pid: number;
  dir?: string;
  address?: string;
  podCIDR?: string;
  bridgeName?: string;
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(path, 'info.json'), 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Tears down what a dead test process's runtime left (containerd, shims, mounts, bridge, nat, dir). */
async function reap(info: LockInfo): Promise<void> {
  if (info.address) {
    for (const pid of containerdsOf(info.address)) process.kill(pid, 'SIGKILL');
    await killShims(info.address);
  }
  if (info.dir) await unmountUnder(info.dir);
  if (info.bridgeName) await deleteLink(info.bridgeName);
  if (info.podCIDR) await removeCniNatRules(info.podCIDR).catch(() => undefined);
  if (info.dir) rmSync(info.dir, { recursive: true, force: true });
}

/** Removes locks (and what their runtimes made) whose owner process is gone. */
async function reapStale(): Promise<void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (const name of readdirSync(LOCK_DIR)) {
    const path = join(LOCK_DIR, name);
    const info = readLock(path);
    if (!info || pidAlive(info.pid)) continue; // no info yet: being created right now
    await reap(info).catch((e) => process.stderr.write(`test runtime: reaping ${path}: ${(e as Error).message}\n`));
    rmSync(path, { recursive: true, force: true });
  }
}

/** Reserves a name in the lock dir (mkdir is atomic) and records what it is for. */
function tryLock(name: string, info: Omit<LockInfo, 'pid'>): string | undefined {
  const path = join(LOCK_DIR, name);
  try {
    mkdirSync(path);
  } catch {
    return undefined;
  }
  writeFileSync(join(path, 'info.json'), JSON.stringify({ pid: process.pid, ...info }));
  return path;
}

function reserveSubnet(info: Omit<LockInfo, 'pid' | 'podCIDR'>, podCIDR?: string): { podCIDR: string; lock: string } {
  const key = (cidr: string) => 'subnet-' + cidr.replace(/\//g, '_');
  if (podCIDR) {
    const lock = tryLock(key(podCIDR), { ...info, podCIDR });
    if (!lock) throw new Error(`test runtime: pod CIDR ${podCIDR} is in use by another test runtime`);
    return { podCIDR, lock };
  }
  for (let i = 0; i < 200; i++) {
    const cidr = `10.244.${randomInt(1, 255)}.0/24`;
    const lock = tryLock(key(cidr), { ...info, podCIDR: cidr });
    if (lock) return { podCIDR: cidr, lock };
  }
  throw new Error('test runtime: no free /24 in 10.244.0.0/16');
}

function reserveBridge(name?: string): { bridgeName: string; lock: string } {
  for (let i = 0; i < 50; i++) {
    const n = name ?? `k8tsbr${randomBytes(3).toString('hex')}`;
    if (n.length > 15) throw new Error(`test runtime: bridge name ${n} is longer than 15 characters`);
    const lock = !linkExists(n) ? tryLock('bridge-' + n, { bridgeName: n }) : undefined;
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
  await reapStale();
  const bridge = reserveBridge(opts.bridgeName);
  const dir = mkdtempSync('/tmp/k8ts-rt-');
  const subnet = reserveSubnet({ dir, address: join(dir, 'containerd.sock'), bridgeName: bridge.bridgeName }, opts.podCIDR);
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
