// SetDefaults_KubeletConfiguration: upstream's v1beta1 defaults for every field the kubelet
// reads, applied to a decoded (possibly partial) configuration.
import type { KubeletConfiguration } from './types.js';

/** The hard eviction thresholds upstream applies when evictionHard is not set. */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
  'imagefs.inodesFree': '5%',
};

export const DEFAULT_ROOT_DIR = '/var/lib/kubelet';
export const DEFAULT_POD_LOGS_DIR = '/var/log/pods';
export const DEFAULT_RUNTIME_ENDPOINT = 'unix:///run/containerd/containerd.sock';

type Raw = Record<string, any>;

const setIfUnset = (o: Raw, key: string, value: unknown): void => {
  if (o[key] === undefined || o[key] === null) o[key] = value;
};
/** For fields whose Go zero value ("" / 0 / 0s) means "use the default". */
const setIfZero = (o: Raw, key: string, value: unknown): void => {
  const v = o[key];
  if (v === undefined || v === null || v === '' || v === 0 || v === '0' || v === '0s') o[key] = value;
};

/** A new object with upstream's defaults filled in (the input is not modified). */
export function defaultKubeletConfiguration(input: Raw = {}): KubeletConfiguration {
  const c: Raw = structuredClone(input);
  c.kind = 'KubeletConfiguration';
  c.apiVersion = 'kubelet.config.k8s.io/v1beta1';
  setIfUnset(c, 'enableServer', true);
  setIfZero(c, 'syncFrequency', '1m');
  setIfZero(c, 'fileCheckFrequency', '20s');
  setIfZero(c, 'httpCheckFrequency', '20s');
  setIfZero(c, 'address', '0.0.0.0');
  setIfZero(c, 'port', 10250);
  setIfUnset(c, 'readOnlyPort', 0);
  c.authentication = { ...(c.authentication ?? {}) };
  c.authentication.x509 = { ...(c.authentication.x509 ?? {}) };
  c.authentication.webhook = { ...(c.authentication.webhook ?? {}) };
  c.authentication.anonymous = { ...(c.authentication.anonymous ?? {}) };
  setIfUnset(c.authentication.anonymous, 'enabled', false);
  setIfUnset(c.authentication.webhook, 'enabled', true);
  setIfZero(c.authentication.webhook, 'cacheTTL', '2m');
  c.authorization = { ...(c.authorization ?? {}) };
  c.authorization.webhook = { ...(c.authorization.webhook ?? {}) };
  setIfZero(c.authorization, 'mode', 'Webhook');
  setIfZero(c.authorization.webhook, 'cacheAuthorizedTTL', '5m');
  setIfZero(c.authorization.webhook, 'cacheUnauthorizedTTL', '30s');
  setIfUnset(c, 'registryPullQPS', 5);
  setIfZero(c, 'registryBurst', 10);
  setIfUnset(c, 'eventRecordQPS', 50);
  setIfZero(c, 'eventBurst', 100);
  setIfUnset(c, 'enableDebuggingHandlers', true);
  setIfUnset(c, 'healthzPort', 10248);
  setIfZero(c, 'healthzBindAddress', '127.0.0.1');
  setIfUnset(c, 'oomScoreAdj', -999);
  setIfZero(c, 'streamingConnectionIdleTimeout', '4h');
  // For backward compatibility the report frequency follows an explicitly set update frequency.
  if (c.nodeStatusReportFrequency === undefined || c.nodeStatusReportFrequency === '' || c.nodeStatusReportFrequency === '0s') {
    c.nodeStatusReportFrequency = c.nodeStatusUpdateFrequency ? c.nodeStatusUpdateFrequency : '5m';
  }
  setIfZero(c, 'nodeStatusUpdateFrequency', '10s');
  setIfZero(c, 'nodeLeaseDurationSeconds', 40);
  setIfZero(c, 'imageMinimumGCAge', '2m');
  setIfUnset(c, 'imageMaximumGCAge', '0s');
  setIfUnset(c, 'imageGCHighThresholdPercent', 85);
  setIfUnset(c, 'imageGCLowThresholdPercent', 80);
  setIfZero(c, 'volumeStatsAggPeriod', '1m');
  setIfUnset(c, 'cgroupsPerQOS', true);
  setIfZero(c, 'cgroupDriver', 'cgroupfs');
  setIfZero(c, 'cpuManagerPolicy', 'none');
  setIfZero(c, 'cpuManagerReconcilePeriod', '10s');
  setIfZero(c, 'memoryManagerPolicy', 'None');
  setIfZero(c, 'topologyManagerPolicy', 'none');
  setIfZero(c, 'topologyManagerScope', 'container');
  setIfZero(c, 'runtimeRequestTimeout', '2m');
  setIfZero(c, 'hairpinMode', 'promiscuous-bridge');
  setIfZero(c, 'maxPods', 110);
  if (c.podPidsLimit === undefined || c.podPidsLimit === null || c.podPidsLimit < 0) c.podPidsLimit = -1;
  setIfUnset(c, 'resolvConf', '/etc/resolv.conf');
  setIfUnset(c, 'cpuCFSQuota', true);
  setIfUnset(c, 'cpuCFSQuotaPeriod', '100ms');
  setIfUnset(c, 'nodeStatusMaxImages', 50);
  setIfZero(c, 'maxOpenFiles', 1000000);
  setIfZero(c, 'contentType', 'application/vnd.kubernetes.protobuf');
  setIfUnset(c, 'kubeAPIQPS', 50);
  setIfZero(c, 'kubeAPIBurst', 100);
  if (c.serializeImagePulls === undefined || c.serializeImagePulls === null) c.serializeImagePulls = c.maxParallelImagePulls === undefined || c.maxParallelImagePulls < 2;
  if (c.evictionHard === undefined || c.evictionHard === null) c.evictionHard = { ...DEFAULT_EVICTION_HARD };
  setIfZero(c, 'evictionPressureTransitionPeriod', '5m');
  setIfUnset(c, 'mergeDefaultEvictionSettings', false);
  setIfUnset(c, 'enableControllerAttachDetach', true);
  setIfUnset(c, 'makeIPTablesUtilChains', true);
  setIfUnset(c, 'iptablesMasqueradeBit', 14);
  setIfUnset(c, 'iptablesDropBit', 15);
  setIfUnset(c, 'failSwapOn', true);
  c.memorySwap = { ...(c.memorySwap ?? {}) };
  setIfZero(c, 'containerLogMaxSize', '10Mi');
  setIfUnset(c, 'containerLogMaxFiles', 5);
  setIfUnset(c, 'containerLogMaxWorkers', 1);
  setIfUnset(c, 'containerLogMonitorInterval', '10s');
  setIfZero(c, 'configMapAndSecretChangeDetectionStrategy', 'Watch');
  setIfUnset(c, 'enforceNodeAllocatable', ['pods']);
  setIfZero(c, 'volumePluginDir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec/');
  setIfUnset(c, 'logging', { format: 'text', flushFrequency: '5s', verbosity: 0, options: { json: { infoBufferSize: '0' } } });
  setIfUnset(c, 'enableSystemLogHandler', true);
  setIfUnset(c, 'enableProfilingHandler', true);
  setIfUnset(c, 'enableDebugFlagsHandler', true);
  setIfUnset(c, 'seccompDefault', false);
  setIfUnset(c, 'failCgroupV1', false);
  setIfUnset(c, 'memoryThrottlingFactor', 0.9);
  setIfUnset(c, 'registerNode', true);
  setIfUnset(c, 'localStorageCapacityIsolation', true);
  setIfZero(c, 'containerRuntimeEndpoint', DEFAULT_RUNTIME_ENDPOINT);
  setIfZero(c, 'podLogsDir', DEFAULT_POD_LOGS_DIR);
  setIfUnset(c, 'podHousekeepingPeriod', '2s');
  return c as KubeletConfiguration;
}
