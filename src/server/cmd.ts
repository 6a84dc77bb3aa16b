// `k8ts server`: the all-in-one cluster. Keeps all state under --data-dir (PKI, store,
// logs), generates certificates on first start, writes DIR/admin.kubeconfig, and runs the
// control plane in this process: the API server, and (unless disabled) kube-controller-manager,
// kube-scheduler and simulated nodes, which talk to it over HTTPS with their own kubeconfigs.
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FlagError, flagUsage, parseFlags } from '../util/flags.js';
import type { FlagDef, FlagValues } from '../util/flags.js';
import { apiserverFlags, storageOptionsFromFlags, type StorageOptions } from '../apiserver/options.js';
import { logger, setSink, setVerbosity } from '../util/klog.js';
import { APIServer } from '../apiserver/server.js';
import { firstServiceIP } from '../apiserver/allocator/ipallocator.js';
import { ensureServerPKI } from '../pki/server-pki.js';
import { ensureAPIServerKubeletClientCert } from '../pki/kubelet-client.js';
import { ensureFrontProxyPKI, FRONT_PROXY_CLIENT_CN } from '../pki/front-proxy.js';
import { startComponents } from './components.js';
import { startServerNode } from './node.js';
import type { ContainerRuntimeMode } from './node.js';
import { buildKubeconfig, writeKubeconfig } from '../pki/kubeconfig.js';

const log = logger('server.go');

const serverFlags: FlagDef[] = [
  { name: 'data-dir', type: 'string', default: '/var/lib/k8ts', help: 'Directory holding all cluster state (certificates, store, logs)' },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which the API server listens' },
  { name: 'secure-port', type: 'int', default: 6443, help: 'The port on which the API server serves HTTPS' },
  { name: 'advertise-address', type: 'string', default: '', help: 'The address written to kubeconfigs and the kubernetes Endpoints (default: the bind address, or 127.0.0.1)' },
  { name: 'service-cluster-ip-range', type: 'string', default: '10.32.0.0/24', help: 'CIDR from which Service ClusterIPs are allocated' },
  { name: 'service-node-port-range', type: 'string', default: '30000-32767', help: 'Port range for NodePort Services' },
  { name: 'storage-backend', type: 'string', default: '', help: 'sqlite (embedded, on disk; the default), memory, or etcd3 (the default with --etcd-servers)' },
  { name: 'etcd-servers', type: 'stringSlice', default: [], help: 'Store the cluster in this external etcd (scheme://ip:port, comma separated) instead of the embedded store' },
  { name: 'etcd-cafile', type: 'string', default: '', help: 'SSL Certificate Authority file used to secure etcd communication' },
  { name: 'etcd-certfile', type: 'string', default: '', help: 'SSL certification file used to secure etcd communication' },
  { name: 'etcd-keyfile', type: 'string', default: '', help: 'SSL key file used to secure etcd communication' },
  { name: 'etcd-prefix', type: 'string', default: '/registry', help: 'The prefix to prepend to all resource paths in etcd' },
  { name: 'etcd-compaction-interval', type: 'duration', default: 300000, help: 'The interval of compaction requests. If 0, the compaction request from apiserver is disabled' },
  { name: 'etcd-count-metric-poll-period', type: 'duration', default: 60000, help: 'Frequency of polling etcd for number of resources per type. 0 disables the metric collection' },
  { name: 'tls-san', type: 'stringSlice', default: [], help: 'Extra DNS names or IPs for the API server certificate' },
  { name: 'event-ttl', type: 'duration', default: 3600000, help: 'Amount of time to retain events' },
  { name: 'cluster-cidr', type: 'string', default: '10.200.0.0/16', help: 'CIDR for pod IPs; each node gets a range of it (--node-cidr-mask-size)' },
  { name: 'node-cidr-mask-size', type: 'int', default: 24, help: 'Mask size of the pod CIDR given to each node' },
  { name: 'disable-scheduler', type: 'bool', default: false, help: 'Do not run the kube-scheduler in this process' },
  { name: 'disable-controller-manager', type: 'bool', default: false, help: 'Do not run the kube-controller-manager in this process' },
  { name: 'kube-controller-manager-arg', type: 'stringArray', default: [], help: 'A kube-controller-manager flag for the in-process controller-manager, e.g. --kube-controller-manager-arg=--controllers=*,-nodelifecycle (repeatable)' },
  { name: 'sim-nodes', type: 'int', default: 0, help: 'Run this many simulated nodes (kwok-like) in this process' },
  // Default none for now: the e2e harness starts many servers at once and must first ask for
  // none explicitly before auto can be the default (then: default 'auto', as k3s runs its agent).
  { name: 'container-runtime', type: 'string', default: 'auto', help: 'The node this server runs: auto (a real node on containerd when containerd, runc and the CNI plugins are installed and this is root, else one simulated node; no node of its own when --sim-nodes is given), containerd, sim (one simulated node), or none (control plane only)' },
  { name: 'container-runtime-endpoint', type: 'string', default: '', help: 'CRI endpoint of the real node (default unix://DATA_DIR/containerd/containerd.sock; k8ts starts containerd there when nothing answers)' },
  { name: 'node-name', type: 'string', default: '', help: 'Name of the real node (default: the host name)' },
  { name: 'node-ip', type: 'string', default: '', help: "IP address of the real node (default: the default route's address)" },
  { name: 'cni-bridge-name', type: 'string', default: 'cni0', help: 'Linux bridge of the pod network when k8ts starts containerd' },
  { name: 'kubelet-arg', type: 'stringArray', default: [], help: 'A kubelet flag for the in-process kubelet, e.g. --kubelet-arg=--max-pods=50 (repeatable)' },
  { name: 'teardown-node-on-exit', type: 'bool', default: false, help: 'On exit, remove every pod of the real node (sandboxes, shims, mounts, the bridge) instead of leaving containers running' },
  { name: 'kubelet-preferred-address-types', type: 'stringSlice', default: ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'], help: 'The node address types the API server uses, in order, to reach kubelets' },
  // kube-apiserver's audit flags, with this server's defaults (see auditOptions)
  ...apiserverFlags
    .filter((d) => d.name.startsWith('audit-'))
    .map((d): FlagDef => {
      const own: Record<string, Partial<FlagDef>> = {
        'audit-policy-file': { help: `${d.help} (default DATA_DIR/audit-policy.yaml, written with every request at Metadata level when absent)` },
        'audit-log-path': { help: `${d.help} "-" means standard out; an empty value (--audit-log-path=) turns the audit log off (default DATA_DIR/logs/audit.log)` },
        'audit-log-maxage': { default: 30 },
        'audit-log-maxbackup': { default: 3 },
        'audit-log-maxsize': { default: 100 },
      };
      return { ...d, ...own[d.name] };
    }),
  { name: 'v', type: 'int', default: 0, help: 'log level verbosity' },
];

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `Runs a whole cluster in one process: the control plane (API server, scheduler, controller-manager) on the embedded store or an external etcd, and a node (real on containerd, or simulated). All state lives under --data-dir; the admin kubeconfig is DATA_DIR/admin.kubeconfig.\n\nUsage:\n  k8ts server [flags]\n\nFlags:\n${flagUsage(serverFlags)}\n`,
    );
    return;
  }
  let parsed;
  try {
    parsed = parseFlags(serverFlags, args);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const v = parsed.values;
  setVerbosity(v.v as number);
  const dataDir = resolve(v['data-dir'] as string);
  mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = createWriteStream(join(dataDir, 'logs', 'k8ts.log'), { flags: 'a' });
  setSink((line) => {
    process.stderr.write(line);
    logFile.write(line);
  });

  const bindAddress = v['bind-address'] as string;
  const port = v['secure-port'] as number;
  const serviceCIDR = v['service-cluster-ip-range'] as string;
  const advertise = (v['advertise-address'] as string) || (bindAddress && bindAddress !== '0.0.0.0' && bindAddress !== '::' ? bindAddress : '127.0.0.1');
  const pki = await ensureServerPKI(dataDir, {
    serviceIP: firstServiceIP(serviceCIDR),
    bindAddress,
    hostnames: [...(v['tls-san'] as string[]), ...(advertise !== bindAddress ? [advertise] : [])],
    log: (line) => log.info(line),
  });
  // The API server's identity towards kubelets (logs, exec, port-forward), and the CA that signs
  // kubelets' serving certificates (the server's CA: `k8ts server`'s node and harness nodes use it).
  const kubeletClient = await ensureAPIServerKubeletClientCert(join(dataDir, 'pki'));
  // API aggregation: the front-proxy CA (request-header authentication) and client certificate, as kubeadm's
  const frontProxy = await ensureFrontProxyPKI(join(dataDir, 'pki'), (line) => log.info(line));
  const encryptionConfig = ensureEncryptionConfig(dataDir);
  const audit = auditOptions(v, parsed.set, dataDir);
  const storage = storageOptions(v);
  const server = await APIServer.start({
    bindAddress,
    securePort: port,
    advertiseAddress: advertise,
    tlsCertFile: pki.serverCertPath,
    tlsPrivateKeyFile: pki.serverKeyPath,
    clientCAFile: pki.caCertPath,
    ...storage,
    dataDir,
    serviceClusterIPRange: serviceCIDR,
    serviceNodePortRange: v['service-node-port-range'] as string,
    eventTTLSeconds: Math.round((v['event-ttl'] as number) / 1000),
    anonymousAuth: true,
    authorizationModes: ['Node', 'RBAC'],
    serviceAccountKeyFiles: [pki.saPubPath],
    serviceAccountSigningKeyFile: pki.saKeyPath,
    serviceAccountIssuers: ['https://kubernetes.default.svc.cluster.local'],
    enableBootstrapTokenAuth: true,
    enableAdmissionPlugins: ['NodeRestriction'],
    allowPrivileged: true,
    encryptionProviderConfig: encryptionConfig,
    kubeletClientCertificate: kubeletClient.certPath,
    kubeletClientKey: kubeletClient.keyPath,
    kubeletCertificateAuthority: pki.caCertPath,
    kubeletPreferredAddressTypes: v['kubelet-preferred-address-types'] as string[],
    proxyClientCertFile: frontProxy.clientCertPath,
    proxyClientKeyFile: frontProxy.clientKeyPath,
    requestheaderClientCAFile: frontProxy.caCertPath,
    requestheaderAllowedNames: [FRONT_PROXY_CLIENT_CN],
    requestheaderUsernameHeaders: ['X-Remote-User'],
    requestheaderGroupHeaders: ['X-Remote-Group'],
    requestheaderExtraHeadersPrefix: ['X-Remote-Extra-'],
    enableAggregatorRouting: true,
    audit,
  });
  const kubeconfigPath = join(dataDir, 'admin.kubeconfig');
  const [caCertPem, clientCertPem, clientKeyPem] = await Promise.all([
    readFile(pki.caCertPath, 'utf8'),
    readFile(pki.adminCertPath, 'utf8'),
    readFile(pki.adminKeyPath, 'utf8'),
  ]);
  await writeKubeconfig(kubeconfigPath, buildKubeconfig({ server: server.url, caCertPem, clientCertPem, clientKeyPem }));
  log.info('wrote admin kubeconfig', { path: kubeconfigPath });
  const mode = v['container-runtime'] as string;
  if (!['auto', 'containerd', 'sim', 'none'].includes(mode)) {
    process.stderr.write(`Error: invalid argument "${mode}" for "--container-runtime" flag: must be one of auto, containerd, sim, none\n`);
    process.exit(1);
  }
  // --sim-nodes asks for a simulated fleet: auto then adds no node of its own (containerd still can).
  const simAsked = (v['sim-nodes'] as number) > 0;
  if (mode === 'auto' && simAsked) log.info('--sim-nodes given: running only the simulated nodes (pass --container-runtime=containerd for a real node too)');
  const node = await startServerNode({
    mode: (mode === 'auto' && simAsked ? 'none' : mode) as ContainerRuntimeMode,
    dataDir,
    serverURL: server.url,
    caCertPem,
    endpoint: v['container-runtime-endpoint'] as string,
    nodeName: v['node-name'] as string,
    nodeIP: v['node-ip'] as string,
    bridgeName: v['cni-bridge-name'] as string,
    kubeletArgs: v['kubelet-arg'] as string[],
    teardownOnExit: v['teardown-node-on-exit'] as boolean,
  }).catch(async (err: Error) => {
    log.error(`cannot start the node: ${err.message}`);
    await server.close();
    process.exit(1);
  });
  const simNodes = Math.max(v['sim-nodes'] as number, node.kind === 'sim' ? 1 : 0);
  const components = await startComponents({
    dataDir,
    serverURL: server.url,
    caCertPem,
    pki,
    clusterCIDR: v['cluster-cidr'] as string,
    nodeCIDRMaskSize: v['node-cidr-mask-size'] as number,
    serviceCIDR,
    controllerManager: !v['disable-controller-manager'],
    scheduler: !v['disable-scheduler'],
    simNodes,
    adminKubeconfig: kubeconfigPath,
    controllerManagerArgs: v['kube-controller-manager-arg'] as string[],
  });
  process.stdout.write(`k8ts is running at ${server.url}\nTo use kubectl:\n  export KUBECONFIG=${kubeconfigPath}\n  kubectl get namespaces\n`);

  const stop = async (sig: string) => {
    log.info('received signal, shutting down', { signal: sig });
    await node.stop();
    await components.stop();
    await server.close();
    logFile.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** The storage flags, as kube-apiserver reads them; a bad value ends the process with its message. */
function storageOptions(v: FlagValues): StorageOptions {
  try {
    return storageOptionsFromFlags(v);
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * DIR/encryption-config.yaml: Secrets encrypted with aescbc under a key generated on the first
 * start (the Kubernetes-the-Hard-Way layout), identity to read what was stored before.
 */
function ensureEncryptionConfig(dataDir: string): string {
  const path = join(dataDir, 'encryption-config.yaml');
  if (!existsSync(path)) {
    const key = randomBytes(32).toString('base64');
    writeFileSync(path, `kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${key}
      - identity: {}
`, { mode: 0o600 });
    log.info('wrote encryption config', { path });
  }
  return path;
}

/**
 * The audit flags, as kube-apiserver's, with k8ts server's defaults: the policy at
 * DATA_DIR/audit-policy.yaml (written when absent) and the log at DATA_DIR/logs/audit.log.
 */
function auditOptions(v: FlagValues, set: Set<string>, dataDir: string) {
  const format = v['audit-log-format'] as string;
  if (format !== 'json' && format !== 'legacy') {
    process.stderr.write(`Error: invalid argument "${format}" for "--audit-log-format" flag: must be one of json, legacy\n`);
    process.exit(1);
  }
  const policy = v['audit-policy-file'] as string;
  return {
    policyFile: policy || ensureAuditPolicy(dataDir),
    logPath: set.has('audit-log-path') ? (v['audit-log-path'] as string) : join(dataDir, 'logs', 'audit.log'),
    maxAgeDays: v['audit-log-maxage'] as number,
    maxBackups: v['audit-log-maxbackup'] as number,
    maxSizeMB: v['audit-log-maxsize'] as number,
    format: format as 'json' | 'legacy',
  };
}

/** DIR/audit-policy.yaml: every request at Metadata level (no bodies), as a starting point. */
function ensureAuditPolicy(dataDir: string): string {
  const path = join(dataDir, 'audit-policy.yaml');
  if (!existsSync(path)) {
    writeFileSync(path, `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  - level: None
    nonResourceURLs:
      - /healthz*
      - /livez*
      - /readyz*
      - /version
  - level: Metadata
`, { mode: 0o600 });
    log.info('wrote audit policy', { path });
  }
  return path;
}

