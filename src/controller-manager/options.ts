// kube-controller-manager flags with upstream names and defaults, and their typed form.

import { readFileSync } from 'node:fs';
import type { FlagDef, FlagValues } from '../util/flags.js';
import { FlagError } from '../util/flags.js';

export const controllerManagerFlags: FlagDef[] = [
  { name: 'kubeconfig', type: 'string', default: '', help: 'Path to kubeconfig file with authorization and master location information.' },
  { name: 'master', type: 'string', default: '', help: 'The address of the Kubernetes API server (overrides any value in kubeconfig).' },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'secure-port', type: 'int', default: 10257, help: 'The port on which to serve HTTPS with authentication and authorization. If 0, don\'t serve HTTPS at all.' },
  { name: 'controllers', type: 'stringSlice', default: ['*'], help: "A list of controllers to enable. '*' enables all on-by-default controllers, 'foo' enables the controller named 'foo', '-foo' disables the controller named 'foo'." },
  { name: 'cluster-name', type: 'string', default: 'kubernetes', help: 'The instance prefix for the cluster.' },
  { name: 'cluster-cidr', type: 'string', default: '', help: 'CIDR Range for Pods in cluster. Requires --allocate-node-cidrs to be true (k8ts: implied when --cluster-cidr is set and --allocate-node-cidrs is not given).' },
  { name: 'allocate-node-cidrs', type: 'bool', default: false, help: 'Should CIDRs for Pods be allocated and set on the cloud provider.' },
  { name: 'cidr-allocator-type', type: 'string', default: 'RangeAllocator', help: 'Type of CIDR allocator to use' },
  { name: 'node-cidr-mask-size', type: 'int', default: 0, help: 'Mask size for node cidr in cluster. Default is 24 for IPv4 and 64 for IPv6.' },
  { name: 'node-cidr-mask-size-ipv4', type: 'int', default: 0, help: 'Mask size for IPv4 node cidr in dual-stack cluster. Default is 24.' },
  { name: 'node-cidr-mask-size-ipv6', type: 'int', default: 0, help: 'Mask size for IPv6 node cidr in dual-stack cluster. Default is 64.' },
  { name: 'service-cluster-ip-range', type: 'string', default: '', help: 'CIDR Range for Services in cluster.' },
  { name: 'cluster-signing-cert-file', type: 'string', default: '', help: 'Filename containing a PEM-encoded X509 CA certificate used to issue cluster-scoped certificates.' },
  { name: 'cluster-signing-key-file', type: 'string', default: '', help: 'Filename containing a PEM-encoded RSA or ECDSA private key used to sign cluster-scoped certificates.' },
  { name: 'cluster-signing-kubelet-serving-cert-file', type: 'string', default: '', help: 'CA certificate for the kubernetes.io/kubelet-serving signer.' },
  { name: 'cluster-signing-kubelet-serving-key-file', type: 'string', default: '', help: 'CA key for the kubernetes.io/kubelet-serving signer.' },
  { name: 'cluster-signing-kubelet-client-cert-file', type: 'string', default: '', help: 'CA certificate for the kubernetes.io/kube-apiserver-client-kubelet signer.' },
  { name: 'cluster-signing-kubelet-client-key-file', type: 'string', default: '', help: 'CA key for the kubernetes.io/kube-apiserver-client-kubelet signer.' },
  { name: 'cluster-signing-kube-apiserver-client-cert-file', type: 'string', default: '', help: 'CA certificate for the kubernetes.io/kube-apiserver-client signer.' },
  { name: 'cluster-signing-kube-apiserver-client-key-file', type: 'string', default: '', help: 'CA key for the kubernetes.io/kube-apiserver-client signer.' },
  { name: 'cluster-signing-legacy-unknown-cert-file', type: 'string', default: '', help: 'CA certificate for the kubernetes.io/legacy-unknown signer.' },
  { name: 'cluster-signing-legacy-unknown-key-file', type: 'string', default: '', help: 'CA key for the kubernetes.io/legacy-unknown signer.' },
  { name: 'cluster-signing-duration', type: 'duration', default: 8760 * 3600_000, help: 'The max length of duration signed certificates will be given.' },
  { name: 'root-ca-file', type: 'string', default: '', help: "If set, this root certificate authority will be included in service account's token secret." },
  { name: 'service-account-private-key-file', type: 'string', default: '', help: 'Filename containing a PEM-encoded private RSA or ECDSA key used to sign service account tokens.' },
  { name: 'use-service-account-credentials', type: 'bool', default: false, help: 'If true, use individual service account credentials for each controller.' },
  { name: 'leader-elect', type: 'bool', default: true, help: 'Start a leader election client and gain leadership before executing the main loop.' },
  { name: 'leader-elect-lease-duration', type: 'duration', default: 15_000, help: 'The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership.' },
  { name: 'leader-elect-renew-deadline', type: 'duration', default: 10_000, help: 'The interval between attempts by the acting master to renew a leadership slot before it stops leading.' },
  { name: 'leader-elect-retry-period', type: 'duration', default: 2_000, help: 'The duration the clients should wait between attempting acquisition and renewal of a leadership.' },
  { name: 'leader-elect-resource-lock', type: 'string', default: 'leases', help: 'The type of resource object that is used for locking during leader election.' },
  { name: 'leader-elect-resource-name', type: 'string', default: 'kube-controller-manager', help: 'The name of resource object that is used for locking during leader election.' },
  { name: 'leader-elect-resource-namespace', type: 'string', default: 'kube-system', help: 'The namespace of resource object that is used for locking during leader election.' },
  { name: 'kube-api-qps', type: 'int', default: 20, help: 'QPS to use while talking with kubernetes apiserver.' },
  { name: 'kube-api-burst', type: 'int', default: 30, help: 'Burst to use while talking with kubernetes apiserver.' },
  { name: 'kube-api-content-type', type: 'string', default: 'application/vnd.kubernetes.protobuf', help: 'Content type of requests sent to apiserver (k8ts clients send JSON).' },
  { name: 'min-resync-period', type: 'duration', default: 12 * 3600_000, help: 'The resync period in reflectors will be random between MinResyncPeriod and 2*MinResyncPeriod.' },
  { name: 'controller-start-interval', type: 'duration', default: 0, help: 'Interval between starting controller managers.' },
  { name: 'concurrent-deployment-syncs', type: 'int', default: 5, help: 'The number of deployment objects that are allowed to sync concurrently.' },
  { name: 'concurrent-replicaset-syncs', type: 'int', default: 5, help: 'The number of replica sets that are allowed to sync concurrently.' },
  { name: 'concurrent-rc-syncs', type: 'int', default: 5, help: 'The number of replication controllers that are allowed to sync concurrently.' },
  { name: 'concurrent-statefulset-syncs', type: 'int', default: 5, help: 'The number of statefulset objects that are allowed to sync concurrently.' },
  { name: 'concurrent-daemonset-syncs', type: 'int', default: 2, help: 'The number of daemonset objects that are allowed to sync concurrently.' },
  { name: 'concurrent-job-syncs', type: 'int', default: 5, help: 'The number of job objects that are allowed to sync concurrently.' },
  { name: 'concurrent-cron-job-syncs', type: 'int', default: 5, help: 'The number of cron job objects that are allowed to sync concurrently.' },
  { name: 'concurrent-endpoint-syncs', type: 'int', default: 5, help: 'The number of endpoint syncing operations that will be done concurrently.' },
  { name: 'concurrent-service-endpoint-syncs', type: 'int', default: 5, help: 'The number of service endpoint syncing operations that will be done concurrently.' },
  { name: 'concurrent-gc-syncs', type: 'int', default: 20, help: 'The number of garbage collector workers that are allowed to sync concurrently.' },
  { name: 'concurrent-namespace-syncs', type: 'int', default: 10, help: 'The number of namespace objects that are allowed to sync concurrently.' },
  { name: 'concurrent-resource-quota-syncs', type: 'int', default: 5, help: 'The number of resource quotas that are allowed to sync concurrently.' },
  { name: 'concurrent-serviceaccount-token-syncs', type: 'int', default: 5, help: 'The number of service account token objects that are allowed to sync concurrently.' },
  { name: 'concurrent-ttl-after-finished-syncs', type: 'int', default: 5, help: 'The number of ttl-after-finished-controller workers that are allowed to sync concurrently.' },
  { name: 'concurrent-horizontal-pod-autoscaler-syncs', type: 'int', default: 5, help: 'The number of horizontal pod autoscaler objects that are allowed to sync concurrently.' },
  { name: 'enable-garbage-collector', type: 'bool', default: true, help: 'Enables the generic garbage collector.' },
  { name: 'terminated-pod-gc-threshold', type: 'int', default: 12500, help: 'Number of terminated pods that can exist before the terminated pod garbage collector starts deleting terminated pods.' },
  { name: 'node-monitor-period', type: 'duration', default: 5_000, help: 'The period for syncing NodeStatus in cloud-node-lifecycle-controller.' },
  { name: 'node-monitor-grace-period', type: 'duration', default: 40_000, help: 'Amount of time which we allow running Node to be unresponsive before marking it unhealthy.' },
  { name: 'node-startup-grace-period', type: 'duration', default: 60_000, help: 'Amount of time which we allow starting Node to be unresponsive before marking it unhealthy.' },
  { name: 'node-eviction-rate', type: 'string', default: '0.1', help: 'Number of nodes per second on which pods are deleted in case of node failure when a zone is healthy.' },
  { name: 'secondary-node-eviction-rate', type: 'string', default: '0.01', help: 'Number of nodes per second on which pods are deleted in case of node failure when a zone is unhealthy.' },
  { name: 'large-cluster-size-threshold', type: 'int', default: 50, help: 'Number of nodes from which node-lifecycle-controller treats the cluster as large for the eviction logic purposes.' },
  { name: 'unhealthy-zone-threshold', type: 'string', default: '0.55', help: 'Fraction of Nodes in a zone which needs to be not Ready (minimum 3) for zone to be treated as unhealthy.' },
  { name: 'horizontal-pod-autoscaler-sync-period', type: 'duration', default: 15_000, help: 'The period for syncing the number of pods in horizontal pod autoscaler.' },
  { name: 'horizontal-pod-autoscaler-downscale-stabilization', type: 'duration', default: 300_000, help: 'The period for which autoscaler will look backwards and not scale down below any recommendation it made during that period.' },
  { name: 'horizontal-pod-autoscaler-tolerance', type: 'string', default: '0.1', help: 'The minimum change (from 1.0) in the desired-to-actual metrics ratio for the horizontal pod autoscaler to consider scaling.' },
  { name: 'resource-quota-sync-period', type: 'duration', default: 300_000, help: 'The period for syncing quota usage status in the system.' },
  { name: 'namespace-sync-period', type: 'duration', default: 300_000, help: 'The period for syncing namespace life-cycle updates.' },
  { name: 'pvclaimbinder-sync-period', type: 'duration', default: 15_000, help: 'The period for syncing persistent volumes and persistent volume claims.' },
  { name: 'authentication-kubeconfig', type: 'string', default: '', help: 'kubeconfig file pointing at the core kubernetes server with enough rights to create tokenreviews.authentication.k8s.io.' },
  { name: 'authorization-kubeconfig', type: 'string', default: '', help: 'kubeconfig file pointing at the core kubernetes server with enough rights to create subjectaccessreviews.authorization.k8s.io.' },
  { name: 'client-ca-file', type: 'string', default: '', help: 'If set, any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated.' },
  { name: 'requestheader-client-ca-file', type: 'string', default: '', help: 'Root certificate bundle to use to verify client certificates on incoming requests before trusting usernames in headers.' },
  { name: 'tls-cert-file', type: 'string', default: '', help: 'File containing the default x509 Certificate for HTTPS.' },
  { name: 'tls-private-key-file', type: 'string', default: '', help: 'File containing the default x509 private key matching --tls-cert-file.' },
  { name: 'cloud-provider', type: 'string', default: '', help: 'The provider for cloud services. Empty string for no provider.', ignored: true },
  { name: 'configure-cloud-routes', type: 'bool', default: true, help: 'Should CIDRs allocated by allocate-node-cidrs be configured on the cloud provider.', ignored: true },
  { name: 'profiling', type: 'bool', default: true, help: 'Enable profiling via web interface host:port/debug/pprof/', ignored: true },
  { name: 'feature-gates', type: 'string', default: '', help: 'A set of key=value pairs that describe feature gates for alpha/experimental features.', ignored: true },
  { name: 'v', type: 'int', default: 0, help: 'number for the log level verbosity' },
];

export interface SigningPair {
  certFile: string;
  keyFile: string;
}

export interface ControllerManagerOptions {
  kubeconfig: string;
  master: string;
  bindAddress: string;
  securePort: number;
  controllers: string[];
  clusterName: string;
  clusterCIDRs: string[];
  allocateNodeCIDRs: boolean;
  nodeCIDRMaskSizeIPv4: number;
  nodeCIDRMaskSizeIPv6: number;
  serviceClusterIPRange: string;
  /** per signer name (kubernetes.io/kubelet-serving, ...): the CA pair, or undefined when none */
  signers: Record<string, SigningPair | undefined>;
  clusterSigningDurationMs: number;
  rootCAFile: string;
  /** the PEM of --root-ca-file ('' when not given) */
  rootCA: string;
  serviceAccountPrivateKeyFile: string;
  useServiceAccountCredentials: boolean;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  leaseName: string;
  leaseNamespace: string;
  kubeAPIQPS: number;
  kubeAPIBurst: number;
  minResyncPeriodMs: number;
  /** --concurrent-*-syncs by the flag's middle part (deployment, replicaset, rc, ...) */
  concurrency: Record<string, number>;
  enableGarbageCollector: boolean;
  terminatedPodGCThreshold: number;
  nodeMonitorPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeStartupGracePeriodMs: number;
  nodeEvictionRate: number;
  secondaryNodeEvictionRate: number;
  largeClusterSizeThreshold: number;
  unhealthyZoneThreshold: number;
  hpaSyncPeriodMs: number;
  hpaDownscaleStabilizationMs: number;
  hpaTolerance: number;
  resourceQuotaSyncPeriodMs: number;
  namespaceSyncPeriodMs: number;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  verbosity: number;
}

const SIGNERS: [string, string][] = [
  ['kubernetes.io/kubelet-serving', 'kubelet-serving'],
  ['kubernetes.io/kube-apiserver-client-kubelet', 'kubelet-client'],
  ['kubernetes.io/kube-apiserver-client', 'kube-apiserver-client'],
  ['kubernetes.io/legacy-unknown', 'legacy-unknown'],
];

function num(v: FlagValues, name: string): number {
  const raw = String(v[name]);
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new FlagError(`invalid argument "${raw}" for "--${name}" flag: strconv.ParseFloat: parsing "${raw}": invalid syntax`);
  return n;
}

/** Typed options from parsed flags; `set` holds the flags given on the command line. */
export function controllerManagerOptions(v: FlagValues, set: Set<string>): ControllerManagerOptions {
  const s = (n: string) => String(v[n] ?? '');
  const clusterCIDRs = s('cluster-cidr').split(',').map((x) => x.trim()).filter(Boolean);
  // Upstream only allocates with --allocate-node-cidrs=true; the Hard Way's unit file gives
  // --cluster-cidr alone and expects per-node ranges, so k8ts implies it unless set explicitly.
  const allocate = set.has('allocate-node-cidrs') ? Boolean(v['allocate-node-cidrs']) : clusterCIDRs.length > 0;
  if (allocate && !clusterCIDRs.length) throw new FlagError('--cluster-cidr is required when --allocate-node-cidrs is true');
  const mask = Number(v['node-cidr-mask-size']);
  const signers: Record<string, SigningPair | undefined> = {};
  const generic = s('cluster-signing-cert-file') || s('cluster-signing-key-file') ? { certFile: s('cluster-signing-cert-file'), keyFile: s('cluster-signing-key-file') } : undefined;
  if (generic && (!generic.certFile || !generic.keyFile)) throw new FlagError('--cluster-signing-cert-file and --cluster-signing-key-file must be given together');
  for (const [signer, flag] of SIGNERS) {
    const cert = s(`cluster-signing-${flag}-cert-file`);
    const key = s(`cluster-signing-${flag}-key-file`);
    if ((cert && !key) || (!cert && key)) throw new FlagError(`--cluster-signing-${flag}-cert-file and --cluster-signing-${flag}-key-file must be given together`);
    if (cert && generic) throw new FlagError(`cannot specify --cluster-signing-{cert,key}-file and other --cluster-signing-*-file flags at the same time`);
    signers[signer] = cert ? { certFile: cert, keyFile: key } : generic;
  }
  const rootCAFile = s('root-ca-file');
  let rootCA = '';
  if (rootCAFile) {
    try {
      rootCA = readFileSync(rootCAFile, 'utf8');
    } catch (e) {
      throw new FlagError(`error reading root-ca-file at ${rootCAFile}: ${(e as Error).message}`);
    }
  }
  const concurrency: Record<string, number> = {};
  for (const d of controllerManagerFlags) {
    const m = /^concurrent-(.+)-syncs$/.exec(d.name);
    if (m) concurrency[m[1]!] = Number(v[d.name]);
  }
  return {
    kubeconfig: s('kubeconfig'),
    master: s('master'),
    bindAddress: s('bind-address'),
    securePort: Number(v['secure-port']),
    controllers: (v.controllers as string[]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean),
    clusterName: s('cluster-name'),
    clusterCIDRs,
    allocateNodeCIDRs: allocate,
    nodeCIDRMaskSizeIPv4: Number(v['node-cidr-mask-size-ipv4']) || mask || 24,
    nodeCIDRMaskSizeIPv6: Number(v['node-cidr-mask-size-ipv6']) || mask || 64,
    serviceClusterIPRange: s('service-cluster-ip-range'),
    signers,
    clusterSigningDurationMs: Number(v['cluster-signing-duration']),
    rootCAFile,
    rootCA,
    serviceAccountPrivateKeyFile: s('service-account-private-key-file'),
    useServiceAccountCredentials: Boolean(v['use-service-account-credentials']),
    leaderElect: Boolean(v['leader-elect']),
    leaseDurationMs: Number(v['leader-elect-lease-duration']),
    renewDeadlineMs: Number(v['leader-elect-renew-deadline']),
    retryPeriodMs: Number(v['leader-elect-retry-period']),
    leaseName: s('leader-elect-resource-name'),
    leaseNamespace: s('leader-elect-resource-namespace'),
    kubeAPIQPS: Number(v['kube-api-qps']),
    kubeAPIBurst: Number(v['kube-api-burst']),
    minResyncPeriodMs: Number(v['min-resync-period']),
    concurrency,
    enableGarbageCollector: Boolean(v['enable-garbage-collector']),
    terminatedPodGCThreshold: Number(v['terminated-pod-gc-threshold']),
    nodeMonitorPeriodMs: Number(v['node-monitor-period']),
    nodeMonitorGracePeriodMs: Number(v['node-monitor-grace-period']),
    nodeStartupGracePeriodMs: Number(v['node-startup-grace-period']),
    nodeEvictionRate: num(v, 'node-eviction-rate'),
    secondaryNodeEvictionRate: num(v, 'secondary-node-eviction-rate'),
    largeClusterSizeThreshold: Number(v['large-cluster-size-threshold']),
    unhealthyZoneThreshold: num(v, 'unhealthy-zone-threshold'),
    hpaSyncPeriodMs: Number(v['horizontal-pod-autoscaler-sync-period']),
    hpaDownscaleStabilizationMs: Number(v['horizontal-pod-autoscaler-downscale-stabilization']),
    hpaTolerance: num(v, 'horizontal-pod-autoscaler-tolerance'),
    resourceQuotaSyncPeriodMs: Number(v['resource-quota-sync-period']),
    namespaceSyncPeriodMs: Number(v['namespace-sync-period']),
    tlsCertFile: s('tls-cert-file'),
    tlsPrivateKeyFile: s('tls-private-key-file'),
    verbosity: Number(v.v),
  };
}
