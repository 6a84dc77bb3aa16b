// The all-in-one's node (as k3s' agent): with --container-runtime=auto|containerd, a real node —
// containerd started as a child under DATA_DIR/containerd when nothing answers at the runtime
// endpoint (its CNI bridge rendered for the node's podCIDR, the local pause/busybox images
// imported), and the kubelet in this process with its own certificates from the server's CA.
// Without containerd, runc, the CNI plugins or root, auto says so in one line and falls back to
// one simulated node. Stopping stops the kubelet, then containerd; containers keep running (as
// k3s leaves them) unless --teardown-node-on-exit removes every pod, shim, mount and the bridge.
// The real node's code (kubelet, CRI client, containerd) is in realnode.ts, loaded only when a
// real node starts, so a control-plane-only or simulated server does not pay for it at start-up.
import { runtimeAvailable } from '../containerd/daemon.js';
import { logger } from '../util/klog.js';

const log = logger('server.go');

export type ContainerRuntimeMode = 'auto' | 'containerd' | 'sim' | 'none';

export interface ServerNodeOptions {
  mode: ContainerRuntimeMode;
  dataDir: string;
  serverURL: string;
  caCertPem: string;
  /** --container-runtime-endpoint ('' = DATA_DIR/containerd/containerd.sock) */
  endpoint: string;
  /** --node-name ('' = the host name) */
  nodeName: string;
  /** --node-ip ('' = the default route's address) */
  nodeIP: string;
  /** --cni-bridge-name for the containerd k8ts starts */
  bridgeName: string;
  /** --kubelet-arg: kubelet flags over the all-in-one's */
  kubeletArgs: string[];
  teardownOnExit: boolean;
}

export interface ServerNode {
  /** 'real' with a kubelet, 'sim' when the simulated runtime must run instead, 'none' */
  kind: 'real' | 'sim' | 'none';
  nodeName?: string;
  stop(): Promise<void>;
}

/** Whether a real node can run here; undefined when it can, else the reason (one line). */
export function realNodeUnavailable(): string | undefined {
  const r = runtimeAvailable();
  return r.ok ? undefined : r.reason;
}

/** Decide what the server runs for a node and start it. */
export async function startServerNode(o: ServerNodeOptions): Promise<ServerNode> {
  if (o.mode === 'none') return { kind: 'none', stop: async () => undefined };
  if (o.mode === 'sim') return { kind: 'sim', stop: async () => undefined };
  const missing = realNodeUnavailable();
  if (missing) {
    if (o.mode === 'containerd') throw new Error(`--container-runtime=containerd: cannot run a real node: ${missing}`);
    log.warning(`no container runtime: ${missing}; running the simulated runtime`);
    return { kind: 'sim', stop: async () => undefined };
  }
  const { startRealNode } = await import('./realnode.js');
  return startRealNode(o);
}
