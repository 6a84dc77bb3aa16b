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
}
