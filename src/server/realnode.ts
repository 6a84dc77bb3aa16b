// The all-in-one's real node (see node.ts): containerd under DATA_DIR/containerd unless a
// runtime already answers at the endpoint, and the kubelet in this process with certificates
// from the server's CA and the Hard Way's kubelet configuration pointed at DATA_DIR.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultUserAgent, RestClient } from '../client/rest.js';
import { probeRuntime } from '../containerd/daemon.js';
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
import type { ServerNode, ServerNodeOptions } from './node.js';

const log = logger('server.go');

export async function startRealNode(o: ServerNodeOptions): Promise<ServerNode> {
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
