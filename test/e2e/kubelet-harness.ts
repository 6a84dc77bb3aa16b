// E2E harness for the real kubelet: a control plane (`k8ts server` with controller-manager and
// scheduler) whose pod range is the private containerd's CNI subnet, a private containerd
// (test/e2e/runtime.ts), the node's certificates signed by the cluster CA, a kubelet-config.yaml
// shaped like the Hard Way's (paths under temp dirs, cgroupfs, free ports), and `k8ts kubelet`
// as a child process, waited on until its Node is Ready. stop() leaves nothing behind: the
// kubelet, every pod sandbox and container (through the runtime's cleanup), mounts, the server
// and the temp dirs.
//
//   const c = await startKubeletCluster();
//   await c.kc(['run', 'x', '--image=k8ts.io/busybox:latest', '--', 'sleep', '3600']);
//   ...
//   await c.stop();
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import YAML from 'yaml';
import { ensureKubeletCerts } from '../../src/pki/kubelet-client.js';
import type { KubeletCertPaths } from '../../src/pki/kubelet-client.js';
import { buildKubeconfig, writeKubeconfig } from '../../src/pki/kubeconfig.js';
import { defaultRouteIPv4 } from '../../src/kubelet/node/host.js';
import { freePort, kubectl, spawnK8ts, startServer, until } from './harness.js';
import type { ComponentProc, Result, ServerProc } from './harness.js';
import { startTestRuntime } from './runtime.js';
import type { TestRuntime } from './runtime.js';

export interface KubeletClusterOptions {
  /** Default k8ts-node-<random>. */
  nodeName?: string;
  /** KubeletConfiguration fields laid over the harness's (e.g. { maxPods: 16 }); null deletes a field. */
  config?: Record<string, unknown>;
  /** Extra `k8ts kubelet` flags. */
  kubeletArgs?: string[];
  /** Extra `k8ts server` flags. */
  serverArgs?: string[];
  /** Wait until the Node is Ready (default true). */
  waitReady?: boolean;
  /** How long to wait for Ready (default 60 s). */
  readyTimeoutMs?: number;
}

export interface KubeletCluster {
  server: ServerProc;
  /** admin kubeconfig */
  kubeconfig: string;
  /** kubectl with the admin kubeconfig */
  kubectl(args: string[], input?: string, timeoutMs?: number): Promise<Result>;
  /** kubectl that must succeed; its stdout */
  kc(args: string[], input?: string): Promise<string>;
  nodeName: string;
  nodeIP: string;
  runtime: TestRuntime;
  /** the harness's own temp dir (config, certs, kubeconfig) */
  dir: string;
  /** kubelet --root-dir */
  kubeletDir: string;
  /** staticPodPath */
  staticPodDir: string;
  /** the kubelet API's HTTPS port (config.port) */
  kubeletPort: number;
  healthzPort: number;
  kubeletConfigPath: string;
  /** the kubelet's kubeconfig (CN=system:node:<name>, O=system:nodes) */
  kubeletKubeconfig: string;
  certs: KubeletCertPaths;
  /** the running kubelet process */
  kubelet(): ComponentProc;
  /** kubelet logs (all runs so far) */
  kubeletLogs(): string;
  /** Stop the kubelet with `signal` (default SIGTERM) and start it again; waits for Ready unless waitReady is false. */
  restartKubelet(opts?: { signal?: NodeJS.Signals; waitReady?: boolean }): Promise<void>;
  /** Wait until the Node's Ready condition is True. */
  waitNodeReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The kubelet-config.yaml the harness writes: the Hard Way's fields with this cluster's paths. */
export function harnessKubeletConfig(o: { caFile: string; certFile: string; keyFile: string; endpoint: string; port: number; healthzPort: number; staticPodDir: string; podLogsDir: string }): Record<string, unknown> {
  return {
    kind: 'KubeletConfiguration',
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    address: '0.0.0.0',
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: o.caFile } },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: o.endpoint,
    enableServer: true,
    failSwapOn: false,
    maxPods: 110,
    memorySwap: { swapBehavior: 'NoSwap' },
    port: o.port,
    healthzPort: o.healthzPort,
    resolvConf: '/etc/resolv.conf',
    registerNode: true,
    runtimeRequestTimeout: '15m',
    tlsCertFile: o.certFile,
    tlsPrivateKeyFile: o.keyFile,
    staticPodPath: o.staticPodDir,
    fileCheckFrequency: '5s',
    podLogsDir: o.podLogsDir,
    clusterDomain: 'cluster.local',
    clusterDNS: ['10.32.0.10'],
  };
}

export async function startKubeletCluster(opts: KubeletClusterOptions = {}): Promise<KubeletCluster> {
  const nodeName = opts.nodeName ?? `k8ts-node-${randomBytes(3).toString('hex')}`;
  const nodeIP = defaultRouteIPv4();
  if (!nodeIP) throw new Error('kubelet harness: this host has no default-route IPv4 address for --node-ip');
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const cleanupAll = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  };
  try {
    const runtime = await startTestRuntime();
    cleanups.push(() => runtime.cleanup());
    const dir = mkdtempSync('/tmp/k8ts-kubelet-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // The pod range: one node, one /24 — the runtime's CNI subnet, so pod IPs come from spec.podCIDR.
    const server = await startServer({ extraArgs: ['--container-runtime=none', `--cluster-cidr=${runtime.podCIDR}`, '--node-cidr-mask-size=24', ...(opts.serverArgs ?? [])], timeoutMs: 30_000 });
    cleanups.push(() => server.destroy());

    // Everything the kubelet mounts or writes lives under the runtime's dir, whose cleanup unmounts it.
    const kubeletDir = join(runtime.dir, 'kubelet');
    const staticPodDir = join(runtime.dir, 'manifests');
    mkdirSync(staticPodDir, { recursive: true });
    const certs = await ensureKubeletCerts({ caDir: join(server.dataDir, 'pki'), outDir: join(dir, 'pki'), nodeName, ipAddresses: [nodeIP] });
    const kubeletKubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(
      kubeletKubeconfig,
      buildKubeconfig({
        server: server.url,
        caCertPem: readFileSync(certs.caCertPath, 'utf8'),
        clientCertPem: readFileSync(certs.clientCertPath, 'utf8'),
        clientKeyPem: readFileSync(certs.clientKeyPath, 'utf8'),
        userName: `system:node:${nodeName}`,
      }),
    );
    const [kubeletPort, healthzPort] = [await freePort(), await freePort()];
    const config: Record<string, unknown> = {
      ...harnessKubeletConfig({ caFile: certs.caCertPath, certFile: certs.servingCertPath, keyFile: certs.servingKeyPath, endpoint: runtime.endpoint, port: kubeletPort, healthzPort, staticPodDir, podLogsDir: runtime.logDir }),
      ...(opts.config ?? {}),
    };
    for (const [k, v] of Object.entries(config)) if (v === null) delete config[k];
    const kubeletConfigPath = join(dir, 'kubelet-config.yaml');
    writeFileSync(kubeletConfigPath, YAML.stringify(config));

    const args = ['kubelet', `--config=${kubeletConfigPath}`, `--kubeconfig=${kubeletKubeconfig}`, `--root-dir=${kubeletDir}`, `--hostname-override=${nodeName}`, `--node-ip=${nodeIP}`, '--v=2', ...(opts.kubeletArgs ?? [])];
    let proc = spawnK8ts(args);
    let previousLogs = '';
    cleanups.push(() => proc.stop());

    const kc = async (a: string[], input?: string) => {
      const r = await kubectl(server.kubeconfig, a, input);
      if (r.code !== 0) throw new Error(`kubectl ${a.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const waitNodeReady = async (timeoutMs = opts.readyTimeoutMs ?? 60_000) => {
      await until(
        async () => {
          if (proc.proc.exitCode !== null || proc.proc.signalCode !== null) throw new Error(`kubelet exited (${proc.proc.exitCode ?? proc.proc.signalCode}):\n${proc.logs()}`);
          const r = await kubectl(server.kubeconfig, ['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
          return r.code === 0 && r.stdout === 'True';
        },
        `node ${nodeName} Ready`,
        timeoutMs,
        250,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nkubelet logs:\n${proc.logs().slice(-5000)}`);
      });
    };
    if (opts.waitReady !== false) await waitNodeReady();

    return {
      server,
      kubeconfig: server.kubeconfig,
      kubectl: (a, input, timeoutMs) => kubectl(server.kubeconfig, a, input, timeoutMs),
      kc,
      nodeName,
      nodeIP,
      runtime,
      dir,
      kubeletDir,
      staticPodDir,
      kubeletPort,
      healthzPort,
      kubeletConfigPath,
      kubeletKubeconfig,
      certs,
      kubelet: () => proc,
      kubeletLogs: () => previousLogs + proc.logs(),
      waitNodeReady,
      async restartKubelet(o = {}) {
        await proc.stop(o.signal ?? 'SIGTERM');
        previousLogs += proc.logs();
        proc = spawnK8ts(args);
        if (o.waitReady !== false) {
          await proc.waitForLog(/Successfully registered node/, 60_000);
          await waitNodeReady();
        }
      },
      stop: cleanupAll,
    };
  } catch (err) {
    await cleanupAll();
    throw err;
  }
}
