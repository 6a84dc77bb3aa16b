// containerd's config.toml (version 2) as k8ts writes it: the seeds' CRI section (overlayfs,
// runc v2 with SystemdCgroup from the kubelet's cgroup driver, CNI dirs) plus what a private,
// offline instance needs (own root/state/socket, a local sandbox image, no global paths).
import { stringify } from 'smol-toml';

/** The sandbox ("pause") image `k8ts images build-test` builds; used when none is given. */
export const DEFAULT_SANDBOX_IMAGE = 'k8ts.io/pause:3.9';

/**
 * Plugins a node never needs offline and that would otherwise probe the host (snapshotters for
 * filesystems we do not use, tracing) or write outside root/state (`io.containerd.internal.v1.opt`
 * creates /opt/containerd). The legacy io.containerd.runtime.v1.linux must stay: containerd 1.6's
 * tasks service, and with it the CRI plugin, refuses to load without it.
 */
export const DEFAULT_DISABLED_PLUGINS = [
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

export interface ContainerdConfigOptions {
  /** Persistent data (images, snapshots, metadata.db); upstream default /var/lib/containerd. */
  root: string;
  /** Runtime state (sockets, task bundles); upstream default /run/containerd. */
  state: string;
  /** gRPC socket path (not a URL); upstream default /run/containerd/containerd.sock. */
  address: string;
  /** Must match the kubelet's cgroupDriver (the seeds' pitfall). Default cgroupfs. */
  cgroupDriver?: 'systemd' | 'cgroupfs';
  sandboxImage?: string;
  /** Default /opt/cni/bin, as the seeds. */
  cniBinDir?: string;
  /** Default /etc/cni/net.d, as the seeds. */
  cniConfDir?: string;
  /**
   * A CNI config template containerd renders into cniConfDir once the kubelet sends the node's
   * pod CIDR (CRI UpdateRuntimeConfig); see bridgeConfTemplate in cni.ts.
   */
  cniConfTemplate?: string;
  /** Number of CNI config files loaded (containerd's max_conf_num, default 1). */
  cniMaxConfNum?: number;
  snapshotter?: string;
  /** Streaming server (exec/attach/port-forward URLs); default 127.0.0.1 on a random port. */
  streamServerAddress?: string;
  streamServerPort?: string;
  /**
   * Never set a negative oom_score_adj (needed where the kernel refuses it, e.g. unprivileged
   * or nested containers: runc otherwise fails "can't get final child's PID from pipe").
   */
  restrictOomScoreAdj?: boolean;
  /** Put pod network namespaces under <state>/…/netns instead of the host's /var/run/netns. */
  netnsMountsUnderStateDir?: boolean;
  disabledPlugins?: string[];
  /** containerd's own log level: trace, debug, info, warn, error. */
  logLevel?: string;
}

type Table = Record<string, unknown>;

/** The config as a plain object (what `renderContainerdConfig` serialises). */
export function containerdConfigObject(o: ContainerdConfigOptions): Table {
  const cri: Table = {
    sandbox_image: o.sandboxImage ?? DEFAULT_SANDBOX_IMAGE,
    restrict_oom_score_adj: o.restrictOomScoreAdj ?? true,
    stream_server_address: o.streamServerAddress ?? '127.0.0.1',
    stream_server_port: o.streamServerPort ?? '0',
    netns_mounts_under_state_dir: o.netnsMountsUnderStateDir ?? false,
    containerd: {
      snapshotter: o.snapshotter ?? 'overlayfs',
      default_runtime_name: 'runc',
      runtimes: {
        runc: {
          runtime_type: 'io.containerd.runc.v2',
          options: { SystemdCgroup: (o.cgroupDriver ?? 'cgroupfs') === 'systemd' },
        },
      },
    },
    cni: {
      bin_dir: o.cniBinDir ?? '/opt/cni/bin',
      conf_dir: o.cniConfDir ?? '/etc/cni/net.d',
      max_conf_num: o.cniMaxConfNum ?? 1,
      ...(o.cniConfTemplate ? { conf_template: o.cniConfTemplate } : {}),
    },
  };
  const config: Table = {
    version: 2,
    root: o.root,
    state: o.state,
    disabled_plugins: o.disabledPlugins ?? DEFAULT_DISABLED_PLUGINS,
    grpc: { address: o.address },
    // An explicit ttrpc socket next to the gRPC one, so two instances never share a default.
    ttrpc: { address: `${o.address}.ttrpc` },
    plugins: { 'io.containerd.grpc.v1.cri': cri },
  };
  if (o.logLevel) config['debug'] = { level: o.logLevel };
  return config;
}

/** containerd config.toml text for these options. */
export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  return `# Written by k8ts (src/containerd/config.ts).\n${stringify(containerdConfigObject(o))}\n`;
}
