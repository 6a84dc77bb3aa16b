// kube-apiserver flags, with upstream names and defaults. Flags that belong to capabilities
// not built yet are accepted (so upstream unit files run unchanged) and reported at start.

import type { FlagDef, FlagValues } from '../util/flags.js';
import { ENDPOINT_RECONCILER_TYPES, type EndpointReconcilerType } from './endpointreconciler/types.js';

export const apiserverFlags: FlagDef[] = [
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'secure-port', type: 'int', default: 6443, help: 'The port on which to serve HTTPS with authentication and authorization.' },
  { name: 'advertise-address', type: 'string', default: '', help: 'The IP address on which to advertise the apiserver to members of the cluster.' },
  { name: 'tls-cert-file', type: 'string', default: '', help: 'File containing the default x509 Certificate for HTTPS.' },
  { name: 'tls-private-key-file', type: 'string', default: '', help: 'File containing the default x509 private key matching --tls-cert-file.' },
  { name: 'client-ca-file', type: 'string', default: '', help: 'Any request presenting a client certificate signed by one of the authorities in the client-ca-file is authenticated with an identity corresponding to the CommonName of the client certificate.' },
  { name: 'etcd-servers', type: 'stringSlice', default: [], help: 'List of etcd servers to connect with (scheme://ip:port), comma separated. Empty: the embedded store under --data-dir.' },
  { name: 'etcd-prefix', type: 'string', default: '/registry', help: 'The prefix to prepend to all resource paths in etcd.' },
  { name: 'etcd-cafile', type: 'string', default: '', help: 'SSL Certificate Authority file used to secure etcd communication.' },
  { name: 'etcd-certfile', type: 'string', default: '', help: 'SSL certification file used to secure etcd communication.' },
  { name: 'etcd-keyfile', type: 'string', default: '', help: 'SSL key file used to secure etcd communication.' },
  { name: 'etcd-compaction-interval', type: 'duration', default: 300000, help: 'The interval of compaction requests. If 0, the compaction request from apiserver is disabled.' },
  { name: 'etcd-count-metric-poll-period', type: 'duration', default: 60000, help: 'Frequency of polling etcd for number of resources per type. 0 disables the metric collection.' },
  { name: 'storage-backend', type: 'string', default: '', help: 'The storage backend for persistence. Options: "sqlite" (embedded, default), "memory", "etcd3".' },
  { name: 'data-dir', type: 'string', default: '', help: 'Directory for the embedded store (k8ts).' },
  { name: 'service-cluster-ip-range', type: 'string', default: '10.0.0.0/24', help: 'A CIDR notation IP range from which to assign service cluster IPs.' },
  { name: 'service-node-port-range', type: 'string', default: '30000-32767', help: 'A port range to reserve for services with NodePort visibility.' },
  { name: 'event-ttl', type: 'duration', default: 3600000, help: 'Amount of time to retain events.' },
  { name: 'v', type: 'int', default: 0, help: 'number for the log level verbosity' },
  { name: 'allow-privileged', type: 'bool', default: false, help: 'If true, allow privileged containers.' },
  { name: 'apiserver-count', type: 'int', default: 1, help: 'The number of apiservers running in the cluster (deprecated).' },
  { name: 'endpoint-reconciler-type', type: 'string', default: 'lease', help: 'Use an endpoint reconciler (master-count, lease, none) master-count is deprecated, and will be removed in a future version.' },
  { name: 'runtime-config', type: 'string', default: '', help: 'A set of key=value pairs that enable or disable built-in APIs.' },
  { name: 'anonymous-auth', type: 'bool', default: true, help: 'Enables anonymous requests to the secure port of the API server.' },
  // Accepted now; enforced by the security work (authorization, admission, audit, encryption, SA tokens).
  { name: 'authorization-mode', type: 'stringSlice', default: ['AlwaysAllow'], help: 'Ordered list of plug-ins to do authorization on secure port.' },
  { name: 'enable-admission-plugins', type: 'stringSlice', default: [], help: 'admission plugins that should be enabled in addition to default enabled ones.' },
  { name: 'disable-admission-plugins', type: 'stringSlice', default: [], help: 'admission plugins that should be disabled although they are in the default enabled plugins list.' },
  { name: 'encryption-provider-config', type: 'string', default: '', help: 'The file containing configuration for encryption providers to be used for storing secrets in etcd.' },
  { name: 'audit-log-path', type: 'string', default: '', help: 'If set, all requests coming to the apiserver will be logged to this file.' },
  { name: 'audit-log-maxage', type: 'int', default: 0, help: 'The maximum number of days to retain old audit log files.' },
  { name: 'audit-log-maxbackup', type: 'int', default: 0, help: 'The maximum number of old audit log files to retain.' },
  { name: 'audit-log-maxsize', type: 'int', default: 0, help: 'The maximum size in megabytes of the audit log file before it gets rotated.' },
  { name: 'audit-policy-file', type: 'string', default: '', help: 'Path to the file that defines the audit policy configuration.' },
  { name: 'audit-log-format', type: 'string', default: 'json', help: 'Format of saved audits. "legacy" indicates 1-line text format for each event. "json" indicates structured json format.' },
  { name: 'service-account-key-file', type: 'stringSlice', default: [], help: 'File containing PEM-encoded x509 RSA or ECDSA private or public keys, used to verify ServiceAccount tokens.' },
  { name: 'service-account-signing-key-file', type: 'string', default: '', help: 'Path to the file that contains the current private key of the service account token issuer.' },
  { name: 'service-account-issuer', type: 'stringSlice', default: [], help: 'Identifier of the service account token issuer.' },
  { name: 'kubelet-certificate-authority', type: 'string', default: '', help: 'Path to a cert file for the certificate authority.' },
  { name: 'kubelet-client-certificate', type: 'string', default: '', help: 'Path to a client cert file for TLS.' },
  { name: 'kubelet-client-key', type: 'string', default: '', help: 'Path to a client key file for TLS.' },
  { name: 'kubelet-timeout', type: 'duration', default: 5000, help: 'Timeout for kubelet operations.' },
  { name: 'kubelet-preferred-address-types', type: 'stringSlice', default: ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'], help: 'List of the preferred NodeAddressTypes to use for kubelet connections.' },
  { name: 'api-audiences', type: 'stringSlice', default: [], help: 'Identifiers of the API. The service account token authenticator will validate that tokens used against the API are bound to at least one of these audiences.' },
  { name: 'service-account-max-token-expiration', type: 'duration', default: 0, help: 'The maximum validity duration of a token created by the service account token issuer.' },
  { name: 'service-account-extend-token-expiration', type: 'bool', default: true, help: 'Turns on projected service account expiration extension during token generation.' },
  { name: 'service-account-lookup', type: 'bool', default: true, help: 'If true, validate ServiceAccount tokens exist in etcd as part of authentication.' },
  { name: 'token-auth-file', type: 'string', default: '', help: 'If set, the file that will be used to secure the secure port of the API server via token authentication.' },
  { name: 'enable-bootstrap-token-auth', type: 'bool', default: false, help: 'Enable to allow secrets of type bootstrap.kubernetes.io/token in the kube-system namespace to be used for TLS bootstrapping authentication.' },
  { name: 'requestheader-client-ca-file', type: 'string', default: '', help: 'Root certificate bundle to use to verify client certificates on incoming requests before trusting usernames in headers.' },
  { name: 'requestheader-allowed-names', type: 'stringSlice', default: [], help: 'List of client certificate common names to allow to provide usernames in headers.' },
  { name: 'requestheader-extra-headers-prefix', type: 'stringSlice', default: [], help: 'List of request header prefixes to inspect.' },
  { name: 'requestheader-group-headers', type: 'stringSlice', default: [], help: 'List of request headers to inspect for groups.' },
  { name: 'requestheader-username-headers', type: 'stringSlice', default: [], help: 'List of request headers to inspect for usernames.' },
  { name: 'proxy-client-cert-file', type: 'string', default: '', help: 'Client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request.' },
  { name: 'proxy-client-key-file', type: 'string', default: '', help: 'Private key for the client certificate used to prove the identity of the aggregator or kube-apiserver when it must call out during a request.' },
  { name: 'enable-aggregator-routing', type: 'bool', default: true, help: 'Turns on aggregator routing requests to endpoints IP rather than cluster IP. (k8ts: default true, there is no kube-proxy on the API server host.)' },
  { name: 'min-request-timeout', type: 'int', default: 1800, help: 'An optional field indicating the minimum number of seconds a handler must keep a request open before timing it out.' },
  { name: 'profiling', type: 'bool', default: true, help: 'Enable profiling via web interface host:port/debug/pprof/' },
  { name: 'feature-gates', type: 'string', default: '', help: 'A set of key=value pairs that describe feature gates for alpha/experimental features.' },
  { name: 'logtostderr', type: 'bool', default: true, help: 'log to standard error instead of files (deprecated)' },
];

/** Flags accepted but not yet acted on, when set to a non-default value. */
export const NOT_YET_ENFORCED = new Set<string>([]);

export interface APIServerOptions {
  bindAddress: string;
  securePort: number;
  advertiseAddress: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCAFile: string;
  etcdServers: string[];
  etcdCAFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  etcdPrefix: string;
  etcdCompactionIntervalMs: number;
  /** --etcd-count-metric-poll-period in ms (apiserver_storage_objects; 0: off). Default 60000. */
  etcdCountMetricPollPeriodMs?: number;
  storageBackend: 'sqlite' | 'memory' | 'etcd3';
  dataDir: string;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
  eventTTLSeconds: number;
  anonymousAuth: boolean;
  authorizationModes: string[];
  serviceAccountKeyFiles: string[];
  serviceAccountSigningKeyFile: string;
  serviceAccountIssuers: string[];
  /** --endpoint-reconciler-type and --apiserver-count (endpointreconciler/). */
  endpointReconcilerType?: EndpointReconcilerType;
  apiserverCount?: number;
  /** --allow-privileged (upstream default false: privileged containers are rejected). */
  allowPrivileged?: boolean;
  enableAdmissionPlugins?: string[];
  disableAdmissionPlugins?: string[];
  tokenAuthFile?: string;
  enableBootstrapTokenAuth?: boolean;
  apiAudiences?: string[];
  serviceAccountMaxTokenExpirationSeconds?: number;
  serviceAccountExtendTokenExpiration?: boolean;
  serviceAccountLookup?: boolean;
  /** --encryption-provider-config */
  encryptionProviderConfig?: string;
  /** --kubelet-client-certificate / --kubelet-client-key: the identity presented to kubelets */
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  /** --kubelet-certificate-authority: verifies kubelets' serving certificates (unset: not verified, as upstream) */
  kubeletCertificateAuthority?: string;
  /** --kubelet-preferred-address-types (default Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP) */
  kubeletPreferredAddressTypes?: string[];
  /** --kubelet-timeout, in ms (default 5000) */
  kubeletTimeoutMs?: number;
  /** --proxy-client-cert-file / --proxy-client-key-file: presented by pods/services proxy to https targets */
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
  /** --requestheader-*: front-proxy (request-header) authentication; also published in kube-system/extension-apiserver-authentication */
  requestheaderClientCAFile?: string;
  requestheaderAllowedNames?: string[];
  requestheaderUsernameHeaders?: string[];
  requestheaderGroupHeaders?: string[];
  requestheaderExtraHeadersPrefix?: string[];
  /** --enable-aggregator-routing: aggregated APIs are reached at an endpoint address (k8ts default true) rather than the ClusterIP */
  enableAggregatorRouting?: boolean;
  audit?: { policyFile: string; logPath: string; maxAgeDays: number; maxBackups: number; maxSizeMB: number; format: 'json' | 'legacy' };
}

export type StorageOptions = Pick<
  APIServerOptions,
  'etcdServers' | 'etcdCAFile' | 'etcdCertFile' | 'etcdKeyFile' | 'etcdPrefix' | 'etcdCompactionIntervalMs' | 'etcdCountMetricPollPeriodMs' | 'storageBackend'
>;

/** The storage flags (shared by kube-apiserver and `k8ts server`): --etcd-servers picks etcd3 unless --storage-backend says otherwise. */
export function storageOptionsFromFlags(v: FlagValues): StorageOptions {
  const etcdServers = (v['etcd-servers'] as string[]) ?? [];
  let backend = (v['storage-backend'] as string) || '';
  if (!backend) backend = etcdServers.length ? 'etcd3' : 'sqlite';
  if (backend !== 'sqlite' && backend !== 'memory' && backend !== 'etcd3') {
    throw new Error(`invalid value "${backend}" for --storage-backend: must be one of sqlite, memory, etcd3`);
  }
  return {
    etcdServers,
    etcdCAFile: (v['etcd-cafile'] as string) || undefined,
    etcdCertFile: (v['etcd-certfile'] as string) || undefined,
    etcdKeyFile: (v['etcd-keyfile'] as string) || undefined,
    etcdPrefix: ((v['etcd-prefix'] as string) || '/registry').replace(/\/+$/, '') || '/registry',
    etcdCompactionIntervalMs: v['etcd-compaction-interval'] as number,
    etcdCountMetricPollPeriodMs: v['etcd-count-metric-poll-period'] as number,
    storageBackend: backend,
  };
}

export function optionsFromFlags(v: FlagValues): APIServerOptions {
  const storage = storageOptionsFromFlags(v);
  const reconciler = v['endpoint-reconciler-type'] as EndpointReconcilerType;
  if (!ENDPOINT_RECONCILER_TYPES.includes(reconciler)) {
    throw new Error(`invalid endpoint reconciler type: "${reconciler}" (must be one of ${ENDPOINT_RECONCILER_TYPES.join(', ')})`);
  }
  return {
    ...storage,
    endpointReconcilerType: reconciler,
    apiserverCount: v['apiserver-count'] as number,
    bindAddress: v['bind-address'] as string,
    securePort: v['secure-port'] as number,
    advertiseAddress: v['advertise-address'] as string,
    tlsCertFile: v['tls-cert-file'] as string,
    tlsPrivateKeyFile: v['tls-private-key-file'] as string,
    clientCAFile: v['client-ca-file'] as string,
    dataDir: v['data-dir'] as string,
    serviceClusterIPRange: v['service-cluster-ip-range'] as string,
    serviceNodePortRange: v['service-node-port-range'] as string,
    eventTTLSeconds: Math.round((v['event-ttl'] as number) / 1000),
    anonymousAuth: v['anonymous-auth'] as boolean,
    authorizationModes: v['authorization-mode'] as string[],
    serviceAccountKeyFiles: v['service-account-key-file'] as string[],
    serviceAccountSigningKeyFile: v['service-account-signing-key-file'] as string,
    serviceAccountIssuers: v['service-account-issuer'] as string[],
    encryptionProviderConfig: (v['encryption-provider-config'] as string) || undefined,
    allowPrivileged: v['allow-privileged'] as boolean,
    enableAdmissionPlugins: v['enable-admission-plugins'] as string[],
    disableAdmissionPlugins: v['disable-admission-plugins'] as string[],
    tokenAuthFile: (v['token-auth-file'] as string) || undefined,
    enableBootstrapTokenAuth: v['enable-bootstrap-token-auth'] as boolean,
    apiAudiences: v['api-audiences'] as string[],
    serviceAccountMaxTokenExpirationSeconds: Math.round((v['service-account-max-token-expiration'] as number) / 1000),
    serviceAccountExtendTokenExpiration: v['service-account-extend-token-expiration'] as boolean,
    serviceAccountLookup: v['service-account-lookup'] as boolean,
    kubeletClientCertificate: (v['kubelet-client-certificate'] as string) || undefined,
    kubeletClientKey: (v['kubelet-client-key'] as string) || undefined,
    kubeletCertificateAuthority: (v['kubelet-certificate-authority'] as string) || undefined,
    kubeletPreferredAddressTypes: v['kubelet-preferred-address-types'] as string[],
    kubeletTimeoutMs: v['kubelet-timeout'] as number,
    proxyClientCertFile: (v['proxy-client-cert-file'] as string) || undefined,
    proxyClientKeyFile: (v['proxy-client-key-file'] as string) || undefined,
    requestheaderClientCAFile: (v['requestheader-client-ca-file'] as string) || undefined,
    requestheaderAllowedNames: v['requestheader-allowed-names'] as string[],
    requestheaderUsernameHeaders: v['requestheader-username-headers'] as string[],
    requestheaderGroupHeaders: v['requestheader-group-headers'] as string[],
    requestheaderExtraHeadersPrefix: v['requestheader-extra-headers-prefix'] as string[],
    enableAggregatorRouting: v['enable-aggregator-routing'] as boolean,
    audit: {
      policyFile: v['audit-policy-file'] as string,
      logPath: v['audit-log-path'] as string,
      maxAgeDays: v['audit-log-maxage'] as number,
      maxBackups: v['audit-log-maxbackup'] as number,
      maxSizeMB: v['audit-log-maxsize'] as number,
      format: (v['audit-log-format'] as string) === 'legacy' ? 'legacy' : 'json',
    },
  };
}
