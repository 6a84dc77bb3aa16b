// A node's container runtime run by k8ts itself (as k3s does): containerd with everything under
// one directory (root, state, socket, config, CNI conf, host-local leases, network namespaces),
// the local pause/busybox images imported, and a CNI bridge either for a given pod CIDR or
// rendered by containerd when the kubelet reports the node's podCIDR (UpdateRuntimeConfig).
// stop() stops containerd only (containers keep running, like KillMode=process); teardown()
// removes every sandbox, shim, mount, netns, the bridge and its nat rules as well.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriClient } from '../cri/client.js';
import { logger } from '../util/klog.js';
import { bridgeConfTemplate, writeCniConfigs } from './cni.js';
import { runtimeAvailable, startContainerd, type RunningContainerd } from './daemon.js';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureTestImages } from './images.js';
import { cniNatRules, deleteLink, killShims, linkExists, mountsUnder, removeCniNatRules, removeNetns, shimsOf, unmountUnder } from './teardown.js';

const log = logger('containerd');

export interface NodeRuntimeOptions {
  /** Everything lives here (e.g. <data-dir>/containerd). */
  dir: string;
  cgroupDriver?: 'systemd' | 'cgroupfs';
  /** Write 10-bridge.conf for this subnet now; without it containerd waits for the kubelet's podCIDR. */
  podCIDR?: string;
  /** Default cni0, as upstream docs. */
  bridgeName?: string;
  /** With the template (no podCIDR): chain portmap after the bridge, for hostPort (default: when the plugin is installed). */
  portmap?: boolean;
  /** Default: the first of /opt/cni/bin, /usr/lib/cni, /usr/libexec/cni holding the plugins. */
  cniBinDir?: string;
  /** Build (cached) and import the pause and busybox images (default true). */
  importImages?: boolean;
  /** Cache for the built image archives (default <dir>/images). */
  imagesDir?: string;
  /** containerd's log file (default <dir>/containerd.log). */
  log?: string;
  timeoutMs?: number;
}

export interface NodeRuntime {
  /** unix:///…/containerd.sock — the kubelet's containerRuntimeEndpoint. */
  endpoint: string;
  address: string;
  root: string;
  state: string;
  cniConfDir: string;
  cniBinDir: string;
  bridgeName: string;
  /** The subnet given, or undefined until the kubelet reports one. */
  podCIDR?: string;
  images: { pause: string; busybox: string };
  containerd: RunningContainerd;
  /** Stops containerd; pods' containers keep running (they are the shims' children). */
  stop(): Promise<void>;
  /** Stops and removes every sandbox, then containerd, shims, mounts, netns, bridge, nat rules. */
  teardown(opts?: { removeDir?: boolean }): Promise<void>;
  /** What teardown would still find (shims, containerd, mounts, netns, bridge, nat rules, dir). */
  leftovers(): Promise<string[]>;
}

/** The pod CIDR containerd rendered from its template, if it has. */
function renderedSubnet(cniConfDir: string): string | undefined {
  const file = join(cniConfDir, '10-containerd-net.conflist');
  try {
    const conf = JSON.parse(readFileSync(file, 'utf8')) as { plugins?: { ipam?: { ranges?: { subnet: string }[][] } }[] };
    return conf.plugins?.[0]?.ipam?.ranges?.[0]?.[0]?.subnet;
  } catch {
    return undefined;
  }
}

export async function startNodeRuntime(o: NodeRuntimeOptions): Promise<NodeRuntime> {
  const found = runtimeAvailable();
  if (!found.ok) throw new Error(`cannot run a real node: ${found.reason}`);
  const cniBinDir = o.cniBinDir ?? found.binaries.cniBinDir;
  const bridgeName = o.bridgeName ?? 'cni0';
  const root = join(o.dir, 'root');
  const state = join(o.dir, 'state');
  const address = join(o.dir, 'containerd.sock');
  const cniConfDir = join(o.dir, 'cni', 'net.d');
  const ipamDataDir = join(o.dir, 'cni', 'networks');
  mkdirSync(cniConfDir, { recursive: true });
  let cniConfTemplate: string | undefined;
  if (o.podCIDR) {
    writeCniConfigs({ confDir: cniConfDir, binDir: cniBinDir, subnet: o.podCIDR, bridge: bridgeName, ipamDataDir });
  } else {
    cniConfTemplate = join(o.dir, 'cni', 'bridge.conf.tmpl');
    writeFileSync(cniConfTemplate, bridgeConfTemplate({ bridge: bridgeName, ipamDataDir, portmap: o.portmap ?? existsSync(join(cniBinDir, 'portmap')) }));
  }

  const containerd = await startContainerd({
    root,
    state,
    address,
    log: o.log ?? join(o.dir, 'containerd.log'),
    timeoutMs: o.timeoutMs,
    options: {
      cgroupDriver: o.cgroupDriver ?? 'cgroupfs',
      sandboxImage: PAUSE_IMAGE,
      cniBinDir,
      cniConfDir,
      cniConfTemplate,
      netnsMountsUnderStateDir: true,
    },
  });

  const netnsSeen = new Set<string>();
  const subnet = () => o.podCIDR ?? renderedSubnet(cniConfDir);
  const stop = () => containerd.stop(10_000);

  const teardown = async (t: { removeDir?: boolean } = {}): Promise<void> => {
    const warn = (what: string, err: unknown) => log.warning(`teardown: ${what}`, { err: (err as Error)?.message ?? String(err) });
    const podSubnet = subnet();
    if (existsSync(address)) {
      const cri = new CriClient(containerd.endpoint, { timeoutMs: 30_000 });
      try {
        const { items } = await cri.listPodSandbox({});
        for (const sb of items) {
          try {
            const st = await cri.podSandboxStatus({ podSandboxId: sb.id, verbose: true });
            const info = JSON.parse(st.info['info'] ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } } };
            for (const ns of info.runtimeSpec?.linux?.namespaces ?? []) if (ns.type === 'network' && ns.path) netnsSeen.add(ns.path);
          } catch {
            /* only used to double-check that its netns went away */
          }
          // Stop runs CNI DEL (bridge veth, host-local lease, nat rules); remove drops the rest.
          await cri.stopPodSandbox({ podSandboxId: sb.id }).catch((e) => warn(`stop sandbox ${sb.id}`, e));
          await cri.removePodSandbox({ podSandboxId: sb.id }).catch((e) => warn(`remove sandbox ${sb.id}`, e));
        }
      } catch (e) {
        warn('list sandboxes', e);
      } finally {
        cri.close();
      }
    }
    await containerd.stop(5000).catch((e) => warn('stop containerd', e));
    await killShims(address).catch((e) => warn('kill shims', e));
    await unmountUnder(o.dir).catch((e) => warn('unmount', e));
    await removeNetns([...netnsSeen]).catch((e) => warn('netns', e));
    await deleteLink(bridgeName).catch((e) => warn('bridge', e));
    if (podSubnet) await removeCniNatRules(podSubnet).catch((e) => warn('iptables', e));
    if (t.removeDir) {
      // A lazy unmount can hold files for a moment: retry the removal briefly.
      for (let i = 0; i < 20 && existsSync(o.dir); i++) {
        try {
          rmSync(o.dir, { recursive: true, force: true });
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  };

  const leftovers = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const pid of shimsOf(address)) out.push(`shim process ${pid}`);
    const stat = existsSync(`/proc/${containerd.pid}/stat`) ? readFileSync(`/proc/${containerd.pid}/stat`, 'utf8') : '';
    if (stat && !stat.includes(') Z ')) out.push(`containerd process ${containerd.pid}`);
    for (const m of mountsUnder(o.dir)) out.push(`mount ${m}`);
    for (const n of netnsSeen) if (existsSync(n)) out.push(`netns ${n}`);
    if (linkExists(bridgeName)) out.push(`bridge ${bridgeName}`);
    const podSubnet = subnet();
    if (podSubnet) {
      const nat = await cniNatRules(podSubnet).catch(() => ({ chains: [], postrouting: [] }));
      for (const c of nat.chains) out.push(`iptables nat chain ${c}`);
      for (const r of nat.postrouting) out.push(`iptables nat rule ${r.join(' ')}`);
    }
    return out;
  };

  const runtime: NodeRuntime = {
    endpoint: containerd.endpoint,
    address,
    root,
    state,
    cniConfDir,
    cniBinDir,
    bridgeName,
    podCIDR: o.podCIDR,
    images: { pause: PAUSE_IMAGE, busybox: BUSYBOX_IMAGE },
    containerd,
    stop,
    teardown,
    leftovers,
  };
  if (o.importImages ?? true) {
    try {
      await ensureTestImages({ address, endpoint: containerd.endpoint, outDir: o.imagesDir ?? join(o.dir, 'images') });
    } catch (err) {
      await teardown();
      throw err;
    }
  }
  return runtime;
}
