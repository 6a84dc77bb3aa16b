// The all-in-one's node (as k3s' agent): with --container-runtime=auto|containerd, a real node —
// containerd started as a child under DATA_DIR/containerd when nothing answers at the runtime
// endpoint (its CNI bridge rendered for the node's podCIDR, the local pause/busybox images
// imported), and the kubelet in this process with its own certificates from the server's CA.
// Without containerd, runc, the CNI plugins or root, auto says so in one line and falls back to
// one simulated node. Stopping stops the kubelet, then containerd; containers keep running (as
// k3s leaves them) unless --teardown-node-on-exit removes every pod, shim, mount and the bridge.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultUserAgent, RestClient } from '../client/rest.js';
import { probeRuntime, runtimeAvailable } from '../containerd/daemon.js';
import { PAUSE_IMAGE } from '../containerd/images.js';
import { startNodeRuntime } from '../containerd/node.js';
import { unmountUnder } from '../containerd/teardown.js';
import type { NodeRuntime } from '../containerd/node.js';
import { kubeletFlagDefs, resolveKubeletOptions } from '../kubelet/config/flags.js';
import { startKubelet, nodeNameFor, nodeIPsFor } from '../kubelet/index.js';
import type { Kubelet } from '../kubelet/index.js';
import { systemdRunning } from '../kubelet/node/host.js';
import { ensureKubeletCerts } from '../pki/kubelet-client.js';
import { buildKubeconfig, writeKubeconfig } from '../pki/kubeconfig.js';
import { parseFlags } from '../util/flags.js';
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
  return startRealNode(o);
}

async function startRealNode(o: ServerNodeOptions): Promise<ServerNode> {
  const nodeName = nodeNameFor(o.nodeName);
  const nodeIPs = nodeIPsFor(o.nodeIP ? o.nodeIP.split(',') : []);
  const cgroupDriver = systemdRunning() ? 'systemd' : 'cgroupfs';
  const ctdDir = join(o.dataDir, 'containerd');
  let endpoint = o.endpoint || `unix://${join(ctdDir, 'containerd.sock')}`;
  let runtime: NodeRuntime | undefined;
  const existing = await probeRuntime(endpoint);
  if (existing) {
    log.info('Using the container runtime already answering', { endpoint, runtime: `${existing.runtimeName} ${existing.runtimeVersion}` });
  } else {
    if (o.endpoint && o.endpoint !== `unix://${join(ctdDir, 'containerd.sock')}`) {
      throw new Error(`no container runtime answers at --container-runtime-endpoint ${o.endpoint} (leave it unset to have k8ts start containerd under ${ctdDir})`);
    }
    log.info('Starting containerd', { dir: ctdDir, cgroupDriver });
    runtime = await startNodeRuntime({ dir: ctdDir, cgroupDriver, bridgeName: o.bridgeName });
    endpoint = runtime.endpoint;
  }
  const kubeletDir = join(o.dataDir, 'kubelet');
  const stopRuntime = async () => {
    if (!runtime) return;
    if (!o.teardownOnExit) return runtime.stop();
    await runtime.teardown();
    // The pods' volume mounts (tmpfs for secrets, tokens, memory emptyDirs) go with the pods.
    await unmountUnder(kubeletDir);
  };

  let kubelet: Kubelet;
  let client: RestClient | undefined;
  try {
    mkdirSync(kubeletDir, { recursive: true, mode: 0o700 });
    const certs = await ensureKubeletCerts({ caDir: join(o.dataDir, 'pki'), outDir: join(kubeletDir, 'pki'), nodeName, ipAddresses: nodeIPs });
    const kubeconfig = join(o.dataDir, 'kubelet.kubeconfig');
    await writeKubeconfig(
      kubeconfig,
      buildKubeconfig({ server: o.serverURL, caCertPem: o.caCertPem, clientCertPem: readFileSync(certs.clientCertPath, 'utf8'), clientKeyPem: readFileSync(certs.clientKeyPath, 'utf8'), userName: `system:node:${nodeName}` }),
    );
    // The kubelet's configuration: the Hard Way's kubelet-config.yaml pointed at DATA_DIR, then
    // the user's --kubelet-arg flags (k3s' way to tune its kubelet).
    const args = [
      `--container-runtime-endpoint=${endpoint}`,
      `--cgroup-driver=${cgroupDriver}`,
      '--anonymous-auth=false',
      '--authentication-token-webhook=true',
      '--authorization-mode=Webhook',
      `--client-ca-file=${certs.caCertPath}`,
      `--tls-cert-file=${certs.servingCertPath}`,
      `--tls-private-key-file=${certs.servingKeyPath}`,
      '--fail-swap-on=false',
      '--runtime-request-timeout=15m',
      `--pod-manifest-path=${join(o.dataDir, 'manifests')}`,
      `--root-dir=${kubeletDir}`,
      `--pod-infra-container-image=${PAUSE_IMAGE}`,
      ...o.kubeletArgs.map((a) => (a.startsWith('--') ? a : `--${a}`)),
    ];
    mkdirSync(join(o.dataDir, 'manifests'), { recursive: true });
    const parsed = parseFlags(kubeletFlagDefs, args);
    const { config, flags } = resolveKubeletOptions(parsed.values, parsed.set);
    config.podLogsDir = join(o.dataDir, 'pod-logs');
    client = await RestClient.fromKubeconfig(kubeconfig, { qps: config.kubeAPIQPS, burst: config.kubeAPIBurst, userAgent: defaultUserAgent('kubelet') });
    kubelet = await startKubelet({ config, flags: { ...flags, hostnameOverride: nodeName, nodeIPs }, client, processMetrics: false });
  } catch (err) {
    client?.close();
    await stopRuntime().catch(() => undefined);
    throw err;
  }
  return {
    kind: 'real',
    nodeName,
    stop: async () => {
      await kubelet.stop().catch((err) => log.error('Stopping the kubelet failed', { err: (err as Error).message }));
      client?.close();
      await stopRuntime();
    },
  };
}
