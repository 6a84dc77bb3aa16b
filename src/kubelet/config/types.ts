// KubeletConfiguration (kubelet.config.k8s.io/v1beta1) as the kubelet uses it after defaulting.
// Field names and meanings are upstream's; durations are kept as upstream strings ("15m", "10s")
// in the file and parsed where used.

export interface KubeletAuthentication {
  x509: { clientCAFile?: string };
  webhook: { enabled: boolean; cacheTTL: string };
  anonymous: { enabled: boolean };
}

export interface KubeletAuthorization {
  mode: 'AlwaysAllow' | 'Webhook';
  webhook: { cacheAuthorizedTTL: string; cacheUnauthorizedTTL: string };
}

export interface KubeletConfiguration {
  kind: 'KubeletConfiguration';
  apiVersion: 'kubelet.config.k8s.io/v1beta1';
  enableServer: boolean;
  staticPodPath?: string;
  podLogsDir: string;
  syncFrequency: string;
  fileCheckFrequency: string;
  address: string;
  port: number;
  readOnlyPort: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  tlsMinVersion?: string;
  tlsCipherSuites?: string[];
  rotateCertificates?: boolean;
  serverTLSBootstrap?: boolean;
  authentication: KubeletAuthentication;
  authorization: KubeletAuthorization;
  registryPullQPS: number;
  registryBurst: number;
  eventRecordQPS: number;
  eventBurst: number;
  enableDebuggingHandlers: boolean;
  healthzPort: number;
  healthzBindAddress: string;
  clusterDomain?: string;
  clusterDNS?: string[];
  streamingConnectionIdleTimeout: string;
  nodeStatusUpdateFrequency: string;
  nodeStatusReportFrequency: string;
  nodeLeaseDurationSeconds: number;
  imageMinimumGCAge: string;
  imageGCHighThresholdPercent: number;
  imageGCLowThresholdPercent: number;
  volumeStatsAggPeriod: string;
  cgroupsPerQOS: boolean;
  cgroupDriver: 'cgroupfs' | 'systemd';
  cgroupRoot?: string;
  runtimeRequestTimeout: string;
  hairpinMode: string;
  maxPods: number;
  podCIDR?: string;
  podPidsLimit: number;
  resolvConf: string;
  cpuCFSQuota: boolean;
  cpuCFSQuotaPeriod: string;
  maxOpenFiles: number;
  contentType: string;
  kubeAPIQPS: number;
  kubeAPIBurst: number;
  serializeImagePulls: boolean;
  maxParallelImagePulls?: number;
  evictionHard: Record<string, string>;
  evictionSoft?: Record<string, string>;
  evictionPressureTransitionPeriod: string;
  enableControllerAttachDetach: boolean;
  makeIPTablesUtilChains: boolean;
  failSwapOn: boolean;
  memorySwap: { swapBehavior?: string };
  containerLogMaxSize: string;
  containerLogMaxFiles: number;
  containerRuntimeEndpoint: string;
  imageServiceEndpoint?: string;
  systemReserved?: Record<string, string>;
  kubeReserved?: Record<string, string>;
  enforceNodeAllocatable: string[];
  registerNode: boolean;
  registerWithTaints?: Array<{ key: string; value?: string; effect: string }>;
  providerID?: string;
  shutdownGracePeriod?: string;
  localStorageCapacityIsolation: boolean;
  featureGates?: Record<string, boolean>;

  // Further upstream fields: accepted, defaulted and validated as upstream; most are read only
  // by the parts they tune (or have no effect here, which their users' docs say).
  httpCheckFrequency?: string;
  staticPodURL?: string;
  staticPodURLHeader?: Record<string, string[]>;
  oomScoreAdj?: number;
  nodeStatusMaxImages?: number;
  imageMaximumGCAge?: string;
  kubeletCgroups?: string;
  systemCgroups?: string;
  cpuManagerPolicy?: string;
  cpuManagerPolicyOptions?: Record<string, string>;
  cpuManagerReconcilePeriod?: string;
  memoryManagerPolicy?: string;
  topologyManagerPolicy?: string;
  topologyManagerScope?: string;
  topologyManagerPolicyOptions?: Record<string, string>;
  qosReserved?: Record<string, string>;
  podsPerCore?: number;
  evictionSoftGracePeriod?: Record<string, string>;
  evictionMaxPodGracePeriod?: number;
  evictionMinimumReclaim?: Record<string, string>;
  mergeDefaultEvictionSettings?: boolean;
  iptablesMasqueradeBit?: number;
  iptablesDropBit?: number;
  containerLogMaxWorkers?: number;
  containerLogMonitorInterval?: string;
  configMapAndSecretChangeDetectionStrategy?: string;
  systemReservedCgroup?: string;
  kubeReservedCgroup?: string;
  reservedSystemCPUs?: string;
  showHiddenMetricsForVersion?: string;
  allowedUnsafeSysctls?: string[];
  protectKernelDefaults?: boolean;
  volumePluginDir?: string;
  kernelMemcgNotification?: boolean;
  logging?: Record<string, unknown>;
  enableSystemLogHandler?: boolean;
  enableSystemLogQuery?: boolean;
  enableProfilingHandler?: boolean;
  enableDebugFlagsHandler?: boolean;
  enableContentionProfiling?: boolean;
  shutdownGracePeriodCriticalPods?: string;
  shutdownGracePeriodByPodPriority?: Array<{ priority: number; shutdownGracePeriodSeconds: number }>;
  reservedMemory?: Array<{ numaNode: number; limits: Record<string, string> }>;
  seccompDefault?: boolean;
  memoryThrottlingFactor?: number;
  tracing?: Record<string, unknown>;
  failCgroupV1?: boolean;
  podHousekeepingPeriod?: string;
  crashLoopBackOff?: { maxContainerRestartPeriod?: string };
  imagePullCredentialsVerificationPolicy?: string;
  preloadedImagesVerificationAllowlist?: string[];
  singleProcessOOMKill?: boolean;
  userNamespaces?: { idsPerPod?: number };
}
