// Shared test helper: a private, real containerd (with runc and CNI) for e2e tests.
//
//   requireRuntime()                   throws a clear error when containerd, runc, ctr or the CNI
//                                      plugins are missing, or when not root (tests never skip).
//   startTestRuntime({ podCIDR?, bridgeName?, cgroupDriver? }) → TestRuntime
//       Starts containerd with its own temp root/state/socket/config (nothing under /run or
//       /var/lib is shared), a CNI conf dir with a bridge named k8tsbr<random> on a /24 of
//       10.244.0.0/16 reserved through lock dirs in /tmp/k8ts-test-runtimes (so concurrent runs
//       never collide; a lock whose owner died is taken over), host-local leases kept in the temp
//       dir, network namespaces under its state dir. Imports k8ts.io/pause:3.9 (the sandbox
//       image) and k8ts.io/busybox:latest, built once per machine into /tmp/k8ts-test-images.
//   TestRuntime: { endpoint, address, cri, podCIDR, bridgeName, cniConfDir, cniBinDir, root,
//       state, dir, logDir, images: { pause, busybox }, containerd, cleanup(), leftovers() }
//       cleanup() leaves nothing behind: it stops and removes every pod sandbox through CRI (so
//       CNI DEL runs), stops containerd, kills this instance's leftover shims and their
//       processes, unmounts everything under its dirs, removes leftover netns files, deletes the
//       bridge and the nat rules/chains for its subnet, releases the subnet and deletes the temp
//       dir. It never throws; leftovers() lists anything still present (tests assert it is []).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { CriClient } from '../../src/cri/client.js';
import { writeCniConfigs } from '../../src/containerd/cni.js';
import { runtimeAvailable, startContainerd, type RunningContainerd } from '../../src/containerd/daemon.js';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureTestImages } from '../../src/containerd/images.js';
import { cniNatRules, deleteLink, killShims, linkExists, mountsUnder, removeCniNatRules, removeNetns, shimsOf, unmountUnder } from '../../src/containerd/teardown.js';

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

/** Reserves a name in the lock dir; a lock held by a dead process is taken over. */
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
        /* being created right now, or stale without pid */
      }
      if (Number.isFinite(owner) && owner > 0 && !pidAlive(owner)) rmSync(path, { recursive: true, force: true });
      else return undefined;
    }
  }
  return undefined;
}

function reserveSubnet(podCIDR?: string): { podCIDR: string; lock: string } {
  if (podCIDR) {
    const lock = tryLock('subnet-' + podCIDR.replace(/\//g, '_'));
    if (!lock) throw new Error(`test runtime: pod CIDR ${podCIDR} is in use by another test runtime`);
    return { podCIDR, lock };
  }
  for (let i = 0; i < 200; i++) {
    const cidr = `10.244.${randomInt(1, 255)}.0/24`;
    const lock = tryLock('subnet-' + cidr.replace(/\//g, '_'));
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

export async function startTestRuntime(opts: { podCIDR?: string; bridgeName?: string; cgroupDriver?: 'cgroupfs' | 'systemd' } = {}): Promise<TestRuntime> {
  requireRuntime();
  const found = runtimeAvailable();
  if (!found.ok) throw new Error(found.reason);
  const cniBinDir = found.binaries.cniBinDir;
  const subnet = reserveSubnet(opts.podCIDR);
  const bridge = reserveBridge(opts.bridgeName);
  const dir = mkdtempSync('/tmp/k8ts-rt-');
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const address = join(dir, 'containerd.sock');
  const cniConfDir = join(dir, 'cni', 'net.d');
  const logDir = join(dir, 'pods');
  mkdirSync(logDir, { recursive: true });
  writeCniConfigs({ confDir: cniConfDir, binDir: cniBinDir, subnet: subnet.podCIDR, bridge: bridge.bridgeName, ipamDataDir: join(dir, 'cni', 'networks') });

  let containerd: RunningContainerd | undefined;
  let cri: CriClient | undefined;
  const netnsSeen = new Set<string>();
  let cleaned = false;

  const leftovers = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const pid of shimsOf(address)) out.push(`shim process ${pid}`);
    if (containerd && existsSync(`/proc/${containerd.pid}`) && !readFileSync(`/proc/${containerd.pid}/stat`, 'utf8').includes(') Z ')) out.push(`containerd process ${containerd.pid}`);
    for (const m of mountsUnder(dir)) out.push(`mount ${m}`);
    for (const n of netnsSeen) if (existsSync(n)) out.push(`netns ${n}`);
    if (linkExists(bridge.bridgeName)) out.push(`bridge ${bridge.bridgeName}`);
    const nat = await cniNatRules(subnet.podCIDR).catch(() => ({ chains: [], postrouting: [] }));
    for (const c of nat.chains) out.push(`iptables nat chain ${c}`);
    for (const r of nat.postrouting) out.push(`iptables nat rule ${r.join(' ')}`);
    if (existsSync(dir)) out.push(`dir ${dir}`);
    if (existsSync(subnet.lock)) out.push(`lock ${subnet.lock}`);
    return out;
  };

  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    const warn = (what: string, err: unknown) => process.stderr.write(`test runtime cleanup: ${what}: ${(err as Error)?.message ?? err}\n`);
    if (cri && containerd) {
      try {
        const { items } = await cri.listPodSandbox({});
        for (const sb of items) {
          try {
            const st = await cri.podSandboxStatus({ podSandboxId: sb.id, verbose: true });
            const spec = JSON.parse(st.info['info'] ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } } };
            for (const ns of spec.runtimeSpec?.linux?.namespaces ?? []) if (ns.type === 'network' && ns.path) netnsSeen.add(ns.path);
          } catch {
            /* best effort: only used to double-check netns removal */
          }
          await cri.stopPodSandbox({ podSandboxId: sb.id }).catch((e) => warn(`stop sandbox ${sb.id}`, e));
          await cri.removePodSandbox({ podSandboxId: sb.id }).catch((e) => warn(`remove sandbox ${sb.id}`, e));
        }
      } catch (e) {
        warn('list sandboxes', e);
      }
    }
    cri?.close();
    await containerd?.stop(5000).catch((e) => warn('stop containerd', e));
    await killShims(address).catch((e) => warn('kill shims', e));
    await unmountUnder(dir).catch((e) => warn('unmount', e));
    await removeNetns([...netnsSeen]).catch((e) => warn('netns', e));
    await deleteLink(bridge.bridgeName).catch((e) => warn('bridge', e));
    await removeCniNatRules(subnet.podCIDR).catch((e) => warn('iptables', e));
    // Unmounted now; a busy lazy unmount can still hold files for a moment, so retry the removal.
    for (let i = 0; i < 20 && existsSync(dir); i++) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    rmSync(subnet.lock, { recursive: true, force: true });
    rmSync(bridge.lock, { recursive: true, force: true });
  };

  try {
    containerd = await startContainerd({
      root,
      state,
      address,
      log: join(dir, 'containerd.log'),
      options: {
        cgroupDriver: opts.cgroupDriver ?? 'cgroupfs',
        sandboxImage: PAUSE_IMAGE,
        cniBinDir,
        cniConfDir,
        netnsMountsUnderStateDir: true,
      },
    });
    cri = new CriClient(containerd.endpoint, { timeoutMs: 60_000 });
    await ensureTestImages({ address, endpoint: containerd.endpoint, outDir: TEST_IMAGES_DIR });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    endpoint: containerd.endpoint,
    address,
    cri,
    podCIDR: subnet.podCIDR,
    bridgeName: bridge.bridgeName,
    cniConfDir,
    cniBinDir,
    root,
    state,
    dir,
    logDir,
    images: { pause: PAUSE_IMAGE, busybox: BUSYBOX_IMAGE },
    containerd,
    cleanup,
    leftovers,
  };
}
