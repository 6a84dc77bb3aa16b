// The kubelet's command line as upstream has it: the flags that only exist on the command line
// (--config, --kubeconfig, --node-ip, --root-dir, ...) and the deprecated flags that mirror a
// KubeletConfiguration field (--port, --cgroup-driver, ...), which override the file when set.
import type { FlagDef, FlagValues } from '../../util/flags.js';
import { DEFAULT_ROOT_DIR } from './defaults.js';
import { KubeletConfigError, loadKubeletConfigFile, parseKubeletConfig } from './load.js';
import type { KubeletConfiguration } from './types.js';

/** Options that live only on the command line (upstream's KubeletFlags). */
export interface KubeletFlags {
  config: string;
  kubeconfig: string;
  bootstrapKubeconfig: string;
  certDir: string;
  rootDir: string;
  hostnameOverride: string;
  nodeIPs: string[];
  nodeLabels: Record<string, string>;
  podInfraContainerImage: string;
  imageServiceEndpoint: string;
  v: number;
}

/** The sandbox image when --pod-infra-container-image is not given (upstream's default pause image). */
export const DEFAULT_POD_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';

type Kind = 'str' | 'int' | 'bool' | 'dur' | 'list' | 'kv' | 'eviction' | 'taints' | 'gates';
/** A deprecated flag: its config path and how its value is written there. */
interface ConfigFlag {
  flag: string;
  path: string;
  kind: Kind;
  help: string;
}

const cf = (flag: string, path: string, kind: Kind, help: string): ConfigFlag => ({ flag, path, kind, help });

/** Deprecated flags that set a KubeletConfiguration field ("This parameter should be set via the config file"). */
export const CONFIG_FLAGS: ConfigFlag[] = [
  cf('address', 'address', 'str', 'The IP address for the Kubelet to serve on'),
  cf('port', 'port', 'int', 'The port for the Kubelet to serve on'),
  cf('read-only-port', 'readOnlyPort', 'int', 'The read-only port for the Kubelet to serve on with no authentication/authorization (0 to disable)'),
  cf('healthz-port', 'healthzPort', 'int', 'The port of the localhost healthz endpoint (0 to disable)'),
  cf('healthz-bind-address', 'healthzBindAddress', 'str', 'The IP address for the healthz server to serve on'),
  cf('enable-server', 'enableServer', 'bool', "Enable the Kubelet's server"),
  cf('enable-debugging-handlers', 'enableDebuggingHandlers', 'bool', 'Enables server endpoints for log collection and local running of containers and commands'),
  cf('anonymous-auth', 'authentication.anonymous.enabled', 'bool', 'Enables anonymous requests to the Kubelet server'),
  cf('authentication-token-webhook', 'authentication.webhook.enabled', 'bool', 'Use the TokenReview API to determine authentication for bearer tokens'),
  cf('authentication-token-webhook-cache-ttl', 'authentication.webhook.cacheTTL', 'dur', 'The duration to cache responses from the webhook token authenticator'),
  cf('authorization-mode', 'authorization.mode', 'str', 'Authorization mode for Kubelet server (AlwaysAllow or Webhook)'),
  cf('authorization-webhook-cache-authorized-ttl', 'authorization.webhook.cacheAuthorizedTTL', 'dur', "The duration to cache 'authorized' responses from the webhook authorizer"),
  cf('authorization-webhook-cache-unauthorized-ttl', 'authorization.webhook.cacheUnauthorizedTTL', 'dur', "The duration to cache 'unauthorized' responses from the webhook authorizer"),
  cf('client-ca-file', 'authentication.x509.clientCAFile', 'str', 'Client certificates signed by this CA are authenticated'),
  cf('tls-cert-file', 'tlsCertFile', 'str', 'File containing x509 Certificate used for serving HTTPS'),
  cf('tls-private-key-file', 'tlsPrivateKeyFile', 'str', 'File containing x509 private key matching --tls-cert-file'),
  cf('tls-min-version', 'tlsMinVersion', 'str', 'Minimum TLS version supported'),
  cf('tls-cipher-suites', 'tlsCipherSuites', 'list', 'Comma-separated list of cipher suites for the server'),
  cf('rotate-certificates', 'rotateCertificates', 'bool', 'Auto rotate the kubelet client certificates'),
  cf('cgroup-driver', 'cgroupDriver', 'str', 'Driver that the kubelet uses to manipulate cgroups on the host (cgroupfs or systemd)'),
  cf('cgroup-root', 'cgroupRoot', 'str', 'Optional root cgroup to use for pods'),
  cf('cgroups-per-qos', 'cgroupsPerQOS', 'bool', 'Enable creation of QoS cgroup hierarchy'),
  cf('container-runtime-endpoint', 'containerRuntimeEndpoint', 'str', 'The endpoint of the container runtime service (unix:// socket)'),
  cf('image-service-endpoint', 'imageServiceEndpoint', 'str', 'The endpoint of the container image service (default: the runtime endpoint)'),
  cf('runtime-request-timeout', 'runtimeRequestTimeout', 'dur', 'Timeout of all runtime requests except long running ones'),
  cf('max-pods', 'maxPods', 'int', 'Number of Pods that can run on this Kubelet'),
  cf('pods-per-core', 'podsPerCore', 'int', 'Number of Pods per core that can run on this Kubelet'),
  cf('pod-cidr', 'podCIDR', 'str', 'The CIDR to use for pod IP addresses (standalone mode; in cluster mode it comes from the control plane)'),
  cf('pod-manifest-path', 'staticPodPath', 'str', 'Path to the directory containing static pod files to run'),
  cf('pod-max-pids', 'podPidsLimit', 'int', 'Set the maximum number of processes per pod (-1: the node allocatable pid capacity)'),
  cf('sync-frequency', 'syncFrequency', 'dur', 'Max period between synchronizing running containers and config'),
  cf('file-check-frequency', 'fileCheckFrequency', 'dur', 'Duration between checking config files for new data'),
  cf('node-status-update-frequency', 'nodeStatusUpdateFrequency', 'dur', 'How often kubelet computes node status'),
  cf('node-status-max-images', 'nodeStatusMaxImages', 'int', 'The maximum number of images to report in Node.Status.Images (-1: no cap)'),
  cf('cluster-dns', 'clusterDNS', 'list', 'Comma-separated list of DNS server IP addresses for pods'),
  cf('cluster-domain', 'clusterDomain', 'str', 'Domain for this cluster'),
  cf('resolv-conf', 'resolvConf', 'str', 'Resolver configuration file used as the basis for the container DNS resolution configuration'),
  cf('fail-swap-on', 'failSwapOn', 'bool', 'Makes the Kubelet fail to start if swap is enabled on the node'),
  cf('serialize-image-pulls', 'serializeImagePulls', 'bool', 'Pull images one at a time'),
  cf('max-parallel-image-pulls', 'maxParallelImagePulls', 'int', 'Maximum number of image pulls in parallel'),
  cf('registry-qps', 'registryPullQPS', 'int', 'Limit of registry pulls per second (0: unlimited)'),
  cf('registry-burst', 'registryBurst', 'int', 'Maximum size of a bursty pulls'),
  cf('event-qps', 'eventRecordQPS', 'int', 'QPS to limit event creations'),
  cf('event-burst', 'eventBurst', 'int', 'Maximum size of a bursty event records'),
  cf('kube-api-qps', 'kubeAPIQPS', 'int', 'QPS to use while talking with kubernetes apiserver'),
  cf('kube-api-burst', 'kubeAPIBurst', 'int', 'Burst to use while talking with kubernetes apiserver'),
  cf('kube-api-content-type', 'contentType', 'str', 'Content type of requests sent to apiserver'),
  cf('eviction-hard', 'evictionHard', 'eviction', 'A set of eviction thresholds (e.g. memory.available<1Gi)'),
  cf('eviction-soft', 'evictionSoft', 'eviction', 'A set of soft eviction thresholds'),
  cf('eviction-pressure-transition-period', 'evictionPressureTransitionPeriod', 'dur', 'Duration for which the kubelet has to wait before transitioning out of an eviction pressure condition'),
  cf('system-reserved', 'systemReserved', 'kv', 'A set of ResourceName=ResourceQuantity pairs reserved for non-kubernetes components'),
  cf('kube-reserved', 'kubeReserved', 'kv', 'A set of ResourceName=ResourceQuantity pairs reserved for kubernetes system components'),
  cf('enforce-node-allocatable', 'enforceNodeAllocatable', 'list', 'Node allocatable enforcement levels (pods, system-reserved, kube-reserved, none)'),
  cf('register-node', 'registerNode', 'bool', 'Register the node with the apiserver'),
  cf('register-with-taints', 'registerWithTaints', 'taints', 'Register the node with the given list of taints (<key>=<value>:<effect>)'),
  cf('provider-id', 'providerID', 'str', 'Unique identifier for identifying the node in a machine database'),
  cf('image-gc-high-threshold', 'imageGCHighThresholdPercent', 'int', 'The percent of disk usage after which image garbage collection is always run'),
  cf('image-gc-low-threshold', 'imageGCLowThresholdPercent', 'int', 'The percent of disk usage before which image garbage collection is never run'),
  cf('minimum-image-ttl-duration', 'imageMinimumGCAge', 'dur', 'Minimum age for an unused image before it is garbage collected'),
  cf('volume-stats-agg-period', 'volumeStatsAggPeriod', 'dur', 'How often the kubelet calculates disk usage of all pods and volumes'),
  cf('streaming-connection-idle-timeout', 'streamingConnectionIdleTimeout', 'dur', 'Maximum time a streaming connection can be idle before it is closed'),
  cf('container-log-max-size', 'containerLogMaxSize', 'str', 'Maximum size of a container log file before it is rotated'),
  cf('container-log-max-files', 'containerLogMaxFiles', 'int', 'Maximum number of container log files for a container'),
  cf('hairpin-mode', 'hairpinMode', 'str', 'How the kubelet sets up hairpin NAT (promiscuous-bridge, hairpin-veth, none)'),
  cf('max-open-files', 'maxOpenFiles', 'int', 'Number of files that can be opened by the Kubelet process'),
  cf('oom-score-adj', 'oomScoreAdj', 'int', 'The oom-score-adj value for the kubelet process'),
  cf('make-iptables-util-chains', 'makeIPTablesUtilChains', 'bool', 'Make sure iptables utility rules exist on the host'),
  cf('protect-kernel-defaults', 'protectKernelDefaults', 'bool', 'Default kubelet behaviour for kernel tuning'),
  cf('local-storage-capacity-isolation', 'localStorageCapacityIsolation', 'bool', 'Enable local ephemeral storage isolation'),
  cf('feature-gates', 'featureGates', 'gates', 'A set of key=value pairs that describe feature gates'),
];

const cliDurationFlag = (name: string, help: string): FlagDef => ({ name, type: 'string', default: '', help });

/** Every flag `k8ts kubelet` accepts. Config-file mirrors carry no default: only set ones override. */
export const kubeletFlagDefs: FlagDef[] = [
  { name: 'config', type: 'string', default: '', help: 'The Kubelet will load its initial configuration from this file (KubeletConfiguration v1beta1); flags override it.' },
  { name: 'kubeconfig', type: 'string', default: '', help: 'Path to a kubeconfig file, specifying how to connect to the API server.' },
  { name: 'bootstrap-kubeconfig', type: 'string', default: '', help: 'Path to a kubeconfig file used when --kubeconfig does not exist. k8ts uses it as the kubelet\'s credentials as they are (no CSR client certificate bootstrap).' },
  { name: 'cert-dir', type: 'string', default: '', help: 'The directory where the TLS certs are located (default <root-dir>/pki).' },
  { name: 'root-dir', type: 'string', default: DEFAULT_ROOT_DIR, help: 'Directory path for managing kubelet files (volume mounts, etc).' },
  { name: 'hostname-override', type: 'string', default: '', help: 'If non-empty, will use this string as identification instead of the actual hostname.' },
  { name: 'node-ip', type: 'string', default: '', help: 'IP address (or comma-separated dual-stack IP addresses) of the node.' },
  { name: 'node-labels', type: 'stringSlice', default: [], help: 'Labels to add when registering the node in the cluster (key=value pairs separated by commas).' },
  { name: 'pod-infra-container-image', type: 'string', default: DEFAULT_POD_SANDBOX_IMAGE, help: 'The image whose network/ipc namespaces containers in each pod will use (the sandbox image).' },
  { name: 'v', type: 'int', default: 0, help: 'number for the log level verbosity' },
  { name: 'vmodule', type: 'string', help: 'accepted', ignored: true },
  { name: 'log-flush-frequency', type: 'string', help: 'accepted', ignored: true },
  { name: 'cloud-provider', type: 'string', help: 'accepted (only "" / external)', ignored: true },
  { name: 'lock-file', type: 'string', help: 'accepted', ignored: true },
  { name: 'exit-on-lock-contention', type: 'bool', help: 'accepted', ignored: true },
  { name: 'seccomp-default', type: 'bool', help: 'accepted', ignored: true },
  { name: 'minimum-container-ttl-duration', type: 'string', help: 'accepted', ignored: true },
  { name: 'maximum-dead-containers-per-container', type: 'int', help: 'accepted', ignored: true },
  { name: 'maximum-dead-containers', type: 'int', help: 'accepted', ignored: true },
  ...CONFIG_FLAGS.map((f): FlagDef => {
    const type = f.kind === 'int' ? 'int' : f.kind === 'bool' ? 'bool' : f.kind === 'list' || f.kind === 'kv' || f.kind === 'eviction' || f.kind === 'taints' || f.kind === 'gates' ? 'stringSlice' : 'string';
    if (f.kind === 'dur') return cliDurationFlag(f.flag, `${f.help} (DEPRECATED: set via the config file)`);
    return { name: f.flag, type, help: `${f.help} (DEPRECATED: This parameter should be set via the config file specified by the Kubelet's --config flag)` };
  }),
];

function setPath(o: Record<string, any>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
  cur[keys[keys.length - 1]] = value;
}

/** "a=1,b=2" (already split on commas) → map; `what` names the flag in errors. */
function keyValues(items: string[], flag: string, sep = '='): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const i = it.indexOf(sep);
    if (i <= 0) throw new KubeletConfigError(`invalid argument ${JSON.stringify(it)} for "--${flag}" flag: expected key${sep}value`);
    out[it.slice(0, i).trim()] = it.slice(i + 1).trim();
  }
  return out;
}

/** "key=value:Effect" or "key:Effect" → Taint. */
export function parseTaint(spec: string): { key: string; value?: string; effect: string } {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) throw new KubeletConfigError(`invalid taint spec: ${spec}`);
  const kv = spec.slice(0, colon);
  const effect = spec.slice(colon + 1);
  const eq = kv.indexOf('=');
  return eq >= 0 ? { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect } : { key: kv, effect };
}

/** The overrides the set deprecated flags make to the configuration file. */
export function configOverridesFromFlags(values: FlagValues, set: Set<string>): Record<string, unknown> {
  const over: Record<string, unknown> = {};
  for (const f of CONFIG_FLAGS) {
    if (!set.has(f.flag)) continue;
    const v = values[f.flag];
    switch (f.kind) {
      case 'kv':
        setPath(over, f.path, keyValues(v as string[], f.flag));
        break;
      case 'eviction':
        setPath(over, f.path, keyValues(v as string[], f.flag, '<'));
        break;
      case 'taints':
        setPath(over, f.path, (v as string[]).map(parseTaint));
        break;
      case 'gates':
        setPath(over, f.path, Object.fromEntries(Object.entries(keyValues(v as string[], f.flag)).map(([k, b]) => [k, b === 'true'])));
        break;
      default:
        setPath(over, f.path, v);
    }
  }
  return over;
}

/** Labels in the kubernetes.io / k8s.io namespaces a kubelet may set on its Node (upstream's set). */
const KUBELET_LABELS = [
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
];
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/** Whether a kubelet may set this label on its own Node (the NodeRestriction rule, checked at start as upstream). */
export function kubeletMaySetLabel(key: string): boolean {
  const slash = key.indexOf('/');
  const ns = slash < 0 ? '' : key.slice(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some((d) => ns === d || ns.endsWith(`.${d}`));
  if (!restricted || KUBELET_LABELS.includes(key)) return true;
  return KUBELET_LABEL_NAMESPACES.some((n) => ns === n || ns.endsWith(`.${n}`));
}

/** --node-labels "a=b,c=d" → labels; labels a kubelet may not set in the kubernetes.io namespaces are refused as upstream. */
export function parseNodeLabels(items: string[]): Record<string, string> {
  const labels = keyValues(items, 'node-labels');
  const bad = Object.keys(labels).filter((k) => !kubeletMaySetLabel(k)).sort();
  if (bad.length) {
    throw new KubeletConfigError(
      `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [${bad.join(' ')}]; --node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (${KUBELET_LABEL_NAMESPACES.join(', ')}) or be in the specifically allowed set (${KUBELET_LABELS.join(', ')})`,
    );
  }
  return labels;
}

/** The effective configuration and command-line options from parsed flags. */
export function resolveKubeletOptions(values: FlagValues, set: Set<string>): { config: KubeletConfiguration; flags: KubeletFlags } {
  const overrides = configOverridesFromFlags(values, set);
  const configPath = (values.config as string) || '';
  const { config } = configPath
    ? loadKubeletConfigFile(configPath, overrides)
    : parseKubeletConfig('kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\n', '(defaults and flags)', overrides);
  const rootDir = (values['root-dir'] as string) || DEFAULT_ROOT_DIR;
  const flags: KubeletFlags = {
    config: configPath,
    kubeconfig: (values.kubeconfig as string) || '',
    bootstrapKubeconfig: (values['bootstrap-kubeconfig'] as string) || '',
    certDir: (values['cert-dir'] as string) || `${rootDir}/pki`,
    rootDir,
    hostnameOverride: (values['hostname-override'] as string) || '',
    nodeIPs: ((values['node-ip'] as string) || '').split(',').map((s) => s.trim()).filter(Boolean),
    nodeLabels: parseNodeLabels((values['node-labels'] as string[]) ?? []),
    podInfraContainerImage: (values['pod-infra-container-image'] as string) || DEFAULT_POD_SANDBOX_IMAGE,
    imageServiceEndpoint: config.imageServiceEndpoint ?? '',
    v: (values.v as number) ?? 0,
  };
  return { config, flags };
}
