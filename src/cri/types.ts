// TypeScript shapes of the CRI runtime.v1 messages (src/cri/api.proto) as @grpc/proto-loader hands
// them over with { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true }:
// camelCase fields, int64 as number, enums as their names, maps as plain objects, bytes as Buffer.
//
// Convention: messages the kubelet SENDS (requests, configs) have optional fields — unset fields
// take proto3 defaults on the wire. Messages it RECEIVES (responses, statuses) have every field
// present (defaults: true), except sub-messages, which are null when the runtime left them unset.

export type StringMap = Record<string, string>;

// ---- enums ----
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type SupplementalGroupsPolicy = 'Merge' | 'Strict';
export type ProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';
export type CgroupDriver = 'SYSTEMD' | 'CGROUPFS';

// ---- small shared types ----
export interface Int64Value { value: number }
export interface UInt64Value { value: number }
export interface KeyValue { key: string; value: string }
export interface DNSConfig { servers?: string[]; searches?: string[]; options?: string[] }
export interface PortMapping { protocol?: Protocol; containerPort?: number; hostPort?: number; hostIp?: string }
export interface IDMapping { hostId: number; containerId: number; length: number }
export interface ImageSpec {
  image: string;
  annotations?: StringMap;
  userSpecifiedImage?: string;
  runtimeHandler?: string;
}
export interface Mount {
  containerPath: string;
  hostPath?: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: MountPropagation;
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  recursiveReadOnly?: boolean;
  image?: ImageSpec | null;
}
export interface UserNamespace { mode?: NamespaceMode; uids?: IDMapping[]; gids?: IDMapping[] }
export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
  usernsOptions?: UserNamespace | null;
}
export interface SELinuxOption { user?: string; role?: string; type?: string; level?: string }
export interface SecurityProfile { profileType?: ProfileType; localhostRef?: string }

// ---- resources and security ----
export interface HugepageLimit { pageSize: string; limit: number }
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  hugepageLimits?: HugepageLimit[];
  unified?: StringMap;
  memorySwapLimitInBytes?: number;
}
export interface WindowsCpuGroupAffinity { cpuMask: number; cpuGroup: number }
export interface WindowsContainerResources {
  cpuShares?: number;
  cpuCount?: number;
  cpuMaximum?: number;
  memoryLimitInBytes?: number;
  rootfsSizeInBytes?: number;
  affinityCpus?: WindowsCpuGroupAffinity[];
}
export interface Capability { addCapabilities?: string[]; dropCapabilities?: string[]; addAmbientCapabilities?: string[] }
export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption | null;
  selinuxOptions?: SELinuxOption | null;
  runAsUser?: Int64Value | null;
  runAsGroup?: Int64Value | null;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: SupplementalGroupsPolicy;
  privileged?: boolean;
  seccomp?: SecurityProfile | null;
  apparmor?: SecurityProfile | null;
  /** @deprecated use seccomp */
  seccompProfilePath?: string;
}
export interface LinuxContainerSecurityContext {
  capabilities?: Capability | null;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption | null;
  selinuxOptions?: SELinuxOption | null;
  runAsUser?: Int64Value | null;
  runAsGroup?: Int64Value | null;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: SupplementalGroupsPolicy;
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SecurityProfile | null;
  apparmor?: SecurityProfile | null;
  /** @deprecated use apparmor */
  apparmorProfile?: string;
  /** @deprecated use seccomp */
  seccompProfilePath?: string;
}

// ---- pod sandboxes ----
export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext | null;
  sysctls?: StringMap;
  overhead?: LinuxContainerResources | null;
  resources?: LinuxContainerResources | null;
}
export interface WindowsNamespaceOption { network?: NamespaceMode }
export interface WindowsSandboxSecurityContext {
  runAsUsername?: string;
  credentialSpec?: string;
  hostProcess?: boolean;
  namespaceOptions?: WindowsNamespaceOption | null;
}
export interface WindowsPodSandboxConfig { securityContext?: WindowsSandboxSecurityContext | null }
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** /var/log/pods/<namespace>_<name>_<uid> */
  logDirectory?: string;
  dnsConfig?: DNSConfig | null;
  portMappings?: PortMapping[];
  labels?: StringMap;
  annotations?: StringMap;
  linux?: LinuxPodSandboxConfig | null;
  windows?: WindowsPodSandboxConfig | null;
}
export interface RunPodSandboxRequest { config: PodSandboxConfig; runtimeHandler?: string }
export interface RunPodSandboxResponse { podSandboxId: string }
export interface StopPodSandboxRequest { podSandboxId: string }
export interface StopPodSandboxResponse {}
export interface RemovePodSandboxRequest { podSandboxId: string }
export interface RemovePodSandboxResponse {}
export interface PodSandboxStatusRequest { podSandboxId: string; verbose?: boolean }
export interface PodIP { ip: string }
export interface PodSandboxNetworkStatus { ip: string; additionalIps: PodIP[] }
export interface LinuxPodSandboxStatus { namespaces: { options: NamespaceOption | null } | null }
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  /** nanoseconds since the epoch */
  createdAt: number;
  network: PodSandboxNetworkStatus | null;
  linux: LinuxPodSandboxStatus | null;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}
export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  /** verbose only; values are JSON documents */
  info: StringMap;
  containersStatuses: ContainerStatus[];
  timestamp: number;
}
export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState } | null;
  labelSelector?: StringMap;
}
export interface ListPodSandboxRequest { filter?: PodSandboxFilter | null }
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}
export interface ListPodSandboxResponse { items: PodSandbox[] }

// ---- containers ----
export interface ContainerMetadata { name: string; attempt: number }
export interface Device { containerPath: string; hostPath: string; permissions: string }
export interface CDIDevice { name: string }
export interface LinuxContainerConfig {
  resources?: LinuxContainerResources | null;
  securityContext?: LinuxContainerSecurityContext | null;
}
export interface WindowsContainerConfig {
  resources?: WindowsContainerResources | null;
  securityContext?: { runAsUsername?: string; credentialSpec?: string; hostProcess?: boolean } | null;
}
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  /** replaces the image's ENTRYPOINT */
  command?: string[];
  /** replaces the image's CMD */
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  devices?: Device[];
  labels?: StringMap;
  annotations?: StringMap;
  /** relative to PodSandboxConfig.logDirectory, e.g. "<container>/<restartCount>.log" */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig | null;
  windows?: WindowsContainerConfig | null;
  CDIDevices?: CDIDevice[];
}
export interface CreateContainerRequest {
  podSandboxId: string;
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig;
}
export interface CreateContainerResponse { containerId: string }
export interface StartContainerRequest { containerId: string }
export interface StartContainerResponse {}
export interface StopContainerRequest {
  containerId: string;
  /** seconds before SIGKILL; 0 kills at once */
  timeout?: number;
}
export interface StopContainerResponse {}
export interface RemoveContainerRequest { containerId: string }
export interface RemoveContainerResponse {}
export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState } | null;
  podSandboxId?: string;
  labelSelector?: StringMap;
}
export interface ListContainersRequest { filter?: ContainerFilter | null }
export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  imageId: string;
}
export interface ListContainersResponse { containers: Container[] }
export interface ContainerStatusRequest { containerId: string; verbose?: boolean }
export interface ContainerResources {
  linux: LinuxContainerResources | null;
  windows: WindowsContainerResources | null;
}
export interface LinuxContainerUser { uid: number; gid: number; supplementalGroups: number[] }
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  /** nanoseconds since the epoch; startedAt/finishedAt are 0 when not yet */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: ImageSpec | null;
  imageRef: string;
  /** e.g. "OOMKilled", "Completed", "Error" */
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount[];
  logPath: string;
  resources: ContainerResources | null;
  imageId: string;
  user: { linux: LinuxContainerUser | null } | null;
  imageSource: string;
}
export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  /** verbose only; values are JSON documents (containerd: "info" with pid, runtimeSpec…) */
  info: StringMap;
}
export interface UpdateContainerResourcesRequest {
  containerId: string;
  linux?: LinuxContainerResources | null;
  windows?: WindowsContainerResources | null;
  annotations?: StringMap;
}
export interface UpdateContainerResourcesResponse {}
export interface ReopenContainerLogRequest { containerId: string }
export interface ReopenContainerLogResponse {}

// ---- exec / attach / port-forward ----
export interface ExecSyncRequest {
  containerId: string;
  cmd: string[];
  /** seconds; 0 = no limit */
  timeout?: number;
}
export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exitCode: number }
export interface ExecRequest {
  containerId: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}
export interface ExecResponse { url: string }
export interface AttachRequest {
  containerId: string;
  stdin?: boolean;
  tty?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}
export interface AttachResponse { url: string }
export interface PortForwardRequest { podSandboxId: string; port?: number[] }
export interface PortForwardResponse { url: string }

// ---- stats ----
export interface CpuUsage { timestamp: number; usageCoreNanoSeconds: UInt64Value | null; usageNanoCores: UInt64Value | null }
export interface MemoryUsage {
  timestamp: number;
  workingSetBytes: UInt64Value | null;
  availableBytes: UInt64Value | null;
  usageBytes: UInt64Value | null;
  rssBytes: UInt64Value | null;
  pageFaults: UInt64Value | null;
  majorPageFaults: UInt64Value | null;
}
export interface SwapUsage { timestamp: number; swapAvailableBytes: UInt64Value | null; swapUsageBytes: UInt64Value | null }
export interface FilesystemIdentifier { mountpoint: string }
export interface FilesystemUsage {
  timestamp: number;
  fsId: FilesystemIdentifier | null;
  usedBytes: UInt64Value | null;
  inodesUsed: UInt64Value | null;
}
export interface NetworkInterfaceUsage {
  name: string;
  rxBytes: UInt64Value | null;
  rxErrors: UInt64Value | null;
  txBytes: UInt64Value | null;
  txErrors: UInt64Value | null;
}
export interface NetworkUsage { timestamp: number; defaultInterface: NetworkInterfaceUsage | null; interfaces: NetworkInterfaceUsage[] }
export interface ProcessUsage { timestamp: number; processCount: UInt64Value | null }
export interface ContainerAttributes {
  id: string;
  metadata: ContainerMetadata | null;
  labels: StringMap;
  annotations: StringMap;
}
export interface ContainerStats {
  attributes: ContainerAttributes | null;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writableLayer: FilesystemUsage | null;
  swap: SwapUsage | null;
}
export interface ContainerStatsRequest { containerId: string }
export interface ContainerStatsResponse { stats: ContainerStats | null }
export interface ContainerStatsFilter { id?: string; podSandboxId?: string; labelSelector?: StringMap }
export interface ListContainerStatsRequest { filter?: ContainerStatsFilter | null }
export interface ListContainerStatsResponse { stats: ContainerStats[] }
export interface PodSandboxAttributes {
  id: string;
  metadata: PodSandboxMetadata | null;
  labels: StringMap;
  annotations: StringMap;
}
export interface LinuxPodSandboxStats {
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  network: NetworkUsage | null;
  process: ProcessUsage | null;
  containers: ContainerStats[];
}
export interface PodSandboxStats {
  attributes: PodSandboxAttributes | null;
  linux: LinuxPodSandboxStats | null;
  /** Windows stats are not used on Linux nodes */
  windows: unknown;
}
export interface PodSandboxStatsRequest { podSandboxId: string }
export interface PodSandboxStatsResponse { stats: PodSandboxStats | null }
export interface PodSandboxStatsFilter { id?: string; labelSelector?: StringMap }
export interface ListPodSandboxStatsRequest { filter?: PodSandboxStatsFilter | null }
export interface ListPodSandboxStatsResponse { stats: PodSandboxStats[] }

// ---- images ----
export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: Int64Value | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
  imageSource: string;
}
export interface ListImagesRequest { filter?: { image?: ImageSpec | null } | null }
export interface ListImagesResponse { images: Image[] }
export interface ImageStatusRequest { image: ImageSpec; verbose?: boolean }
/** image is null when the runtime does not have it */
export interface ImageStatusResponse { image: Image | null; info: StringMap }
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}
export interface PullImageRequest { image: ImageSpec; auth?: AuthConfig | null; sandboxConfig?: PodSandboxConfig | null }
export interface PullImageResponse { imageRef: string }
export interface RemoveImageRequest { image: ImageSpec }
export interface RemoveImageResponse {}
export interface ImageFsInfoRequest {}
export interface ImageFsInfoResponse { imageFilesystems: FilesystemUsage[]; containerFilesystems: FilesystemUsage[] }

// ---- runtime ----
export interface VersionRequest { version?: string }
export interface VersionResponse { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }
export interface UpdateRuntimeConfigRequest { runtimeConfig: { networkConfig: { podCidr: string } } }
export interface UpdateRuntimeConfigResponse {}
/** RuntimeReady and NetworkReady are required by the kubelet */
export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
export interface StatusRequest { verbose?: boolean }
export interface RuntimeHandler { name: string; features: { recursiveReadOnlyMounts: boolean; userNamespaces: boolean } | null }
export interface StatusResponse {
  status: { conditions: RuntimeCondition[] } | null;
  /** verbose only; values are JSON documents (containerd: "config", "cniconfig", "golang"…) */
  info: StringMap;
  runtimeHandlers: RuntimeHandler[];
  features: { supplementalGroupsPolicy: boolean } | null;
}
export interface RuntimeConfigRequest {}
export interface RuntimeConfigResponse { linux: { cgroupDriver: CgroupDriver } | null }
export interface CheckpointContainerRequest { containerId: string; location?: string; timeout?: number }
export interface CheckpointContainerResponse {}
