// ValidateKubeletConfiguration: upstream's checks and messages ("invalid configuration:
// <field> (--<flag>) <value> must ..."), plus the eviction threshold parsing and the cgroup
// driver, authorization mode and swap behaviour checks upstream does while starting.
import { isIP } from 'node:net';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { durationMs } from './duration.js';
import type { KubeletConfiguration } from './types.js';

/** Eviction signals upstream knows (pkg/kubelet/eviction/api). */
export const EVICTION_SIGNALS = [
  'memory.available',
  'allocatableMemory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'containerfs.available',
  'containerfs.inodesFree',
  'pid.available',
];

const ENFORCEMENT_KEYS = ['pods', 'system-reserved', 'system-reserved-compressible', 'kube-reserved', 'kube-reserved-compressible', 'none'];
const RESERVABLE = ['cpu', 'memory', 'ephemeral-storage', 'pid'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

const inRange = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
const q = (v: string): string => JSON.stringify(v);

/** One eviction threshold value: a percentage ("10%") or a quantity ("100Mi"). Returns an error text or undefined. */
export function evictionThresholdProblem(signal: string, value: string): string | undefined {
  if (!EVICTION_SIGNALS.includes(signal)) return `unsupported eviction signal ${signal}`;
  if (value.endsWith('%')) {
    const pct = Number(value.slice(0, -1));
    if (!Number.isFinite(pct) || value.length === 1) return `invalid percentage ${q(value)} for eviction signal ${signal}`;
    if (pct < 0 || pct > 100) return `eviction percentage threshold ${signal} must be in range [0, 100]: ${value}`;
    return undefined;
  }
  try {
    const v = parseQuantity(value);
    if (v.sign() < 0) return `eviction threshold ${signal} must be positive: ${value}`;
  } catch (err) {
    return `invalid value ${q(value)} for eviction signal ${signal}: ${(err as Error).message}`;
  }
  return undefined;
}

function validateThresholds(field: string, m: Record<string, string> | undefined, errs: string[]): void {
  for (const [k, v] of Object.entries(m ?? {})) {
    const p = evictionThresholdProblem(k, v);
    if (p) errs.push(`invalid configuration: ${field}: ${p}`);
  }
}

function validateReserved(field: string, flag: string, m: Record<string, string> | undefined, errs: string[]): void {
  for (const [k, v] of Object.entries(m ?? {})) {
    if (!RESERVABLE.includes(k)) {
      errs.push(`invalid configuration: ${field} (--${flag}) key ${q(k)} is not one of ${RESERVABLE.map(q).join(', ')}`);
      continue;
    }
    try {
      if (parseQuantity(v).sign() < 0) errs.push(`invalid configuration: ${field} (--${flag}) ${k}=${v} must not be negative`);
    } catch (err) {
      errs.push(`invalid configuration: ${field} (--${flag}) ${k}=${q(v)}: ${(err as Error).message}`);
    }
  }
}

/** Every problem of a defaulted configuration, in upstream's words (empty when valid). */
export function validateKubeletConfiguration(kc: KubeletConfiguration): string[] {
  const errs: string[] = [];
  const bad = (msg: string) => errs.push(`invalid configuration: ${msg}`);
  if (kc.nodeLeaseDurationSeconds <= 0) bad('nodeLeaseDurationSeconds must be greater than 0');
  if (kc.systemCgroups && !kc.cgroupRoot) bad('systemCgroups (--system-cgroups) was specified and cgroupRoot (--cgroup-root) was not specified');
  if (kc.eventBurst < 0) bad(`eventBurst (--event-burst) ${kc.eventBurst} must not be a negative number`);
  if (kc.eventRecordQPS < 0) bad(`eventRecordQPS (--event-qps) ${kc.eventRecordQPS} must not be a negative number`);
  if (kc.healthzPort !== 0 && !inRange(kc.healthzPort, 1, 65535)) bad(`healthzPort (--healthz-port) ${kc.healthzPort} must be between 1 and 65535, inclusive`);
  if (!inRange(kc.imageGCHighThresholdPercent, 0, 100)) bad(`imageGCHighThresholdPercent (--image-gc-high-threshold) ${kc.imageGCHighThresholdPercent} must be between 0 and 100, inclusive`);
  if (!inRange(kc.imageGCLowThresholdPercent, 0, 100)) bad(`imageGCLowThresholdPercent (--image-gc-low-threshold) ${kc.imageGCLowThresholdPercent} must be between 0 and 100, inclusive`);
  if (kc.imageGCLowThresholdPercent >= kc.imageGCHighThresholdPercent) {
    bad(`imageGCLowThresholdPercent (--image-gc-low-threshold) ${kc.imageGCLowThresholdPercent} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${kc.imageGCHighThresholdPercent}`);
  }
  if (durationMs(kc.imageMinimumGCAge) < 0) bad(`imageMinimumGCAge ${kc.imageMinimumGCAge} must not be negative`);
  if (kc.iptablesDropBit !== undefined && !inRange(kc.iptablesDropBit, 0, 31)) bad(`iptablesDropBit (--iptables-drop-bit) ${kc.iptablesDropBit} must be between 0 and 31, inclusive`);
  if (kc.iptablesMasqueradeBit !== undefined && !inRange(kc.iptablesMasqueradeBit, 0, 31)) bad(`iptablesMasqueradeBit (--iptables-masquerade-bit) ${kc.iptablesMasqueradeBit} must be between 0 and 31, inclusive`);
  if (kc.kubeAPIBurst < 0) bad(`kubeAPIBurst (--kube-api-burst) ${kc.kubeAPIBurst} must not be a negative number`);
  if (kc.kubeAPIQPS < 0) bad(`kubeAPIQPS (--kube-api-qps) ${kc.kubeAPIQPS} must not be a negative number`);
  if ((kc.nodeStatusMaxImages ?? 50) < -1) bad(`nodeStatusMaxImages (--node-status-max-images) ${kc.nodeStatusMaxImages} must be -1 or greater`);
  if (kc.maxOpenFiles < 0) bad(`maxOpenFiles (--max-open-files) ${kc.maxOpenFiles} must not be a negative number`);
  if (kc.maxPods < 0) bad(`maxPods (--max-pods) ${kc.maxPods} must not be a negative number`);
  if (kc.oomScoreAdj !== undefined && !inRange(kc.oomScoreAdj, -1000, 1000)) bad(`oomScoreAdj (--oom-score-adj) ${kc.oomScoreAdj} must be between -1000 and 1000, inclusive`);
  if ((kc.podsPerCore ?? 0) < 0) bad(`podsPerCore (--pods-per-core) ${kc.podsPerCore} must not be a negative number`);
  if (!inRange(kc.port, 1, 65535)) bad(`port (--port) ${kc.port} must be between 1 and 65535, inclusive`);
  if (kc.readOnlyPort !== 0 && !inRange(kc.readOnlyPort, 1, 65535)) bad(`readOnlyPort (--read-only-port) ${kc.readOnlyPort} must be between 0 and 65535, inclusive`);
  if (kc.registryBurst < 0) bad(`registryBurst (--registry-burst) ${kc.registryBurst} must not be a negative number`);
  if (kc.registryPullQPS < 0) bad(`registryPullQPS (--registry-qps) ${kc.registryPullQPS} must not be a negative number`);
  if (kc.maxParallelImagePulls !== undefined && kc.maxParallelImagePulls < 1) bad(`maxParallelImagePulls ${kc.maxParallelImagePulls} must be a positive number`);
  if (kc.serializeImagePulls && kc.maxParallelImagePulls !== undefined && kc.maxParallelImagePulls > 1) {
    bad('maxParallelImagePulls cannot be larger than 1 unless SerializeImagePulls (--serialize-image-pulls) is set to false');
  }
  if (!isIP(kc.address)) bad(`address (--address) ${q(kc.address)} must be a valid IP address`);
  if (!isIP(kc.healthzBindAddress)) bad(`healthzBindAddress (--healthz-bind-address) ${q(kc.healthzBindAddress)} must be a valid IP address`);
  if (kc.cgroupDriver !== 'cgroupfs' && kc.cgroupDriver !== 'systemd') bad(`cgroupDriver (--cgroup-driver) ${q(kc.cgroupDriver)} must be one of: "cgroupfs", "systemd"`);
  if (kc.authorization.mode !== 'AlwaysAllow' && kc.authorization.mode !== 'Webhook') bad(`authorization.mode (--authorization-mode) ${q(kc.authorization.mode)} must be one of: "AlwaysAllow", "Webhook"`);
  const swap = kc.memorySwap?.swapBehavior ?? '';
  if (!['', 'NoSwap', 'LimitedSwap'].includes(swap)) bad(`memorySwap.swapBehavior ${q(swap)} must be one of: "", "LimitedSwap" or "NoSwap"`);
  if (!['promiscuous-bridge', 'hairpin-veth', 'none'].includes(kc.hairpinMode)) bad(`hairpinMode (--hairpin-mode) ${q(kc.hairpinMode)} must be one of: "promiscuous-bridge", "hairpin-veth", "none"`);
  for (const t of kc.registerWithTaints ?? []) {
    if (!t.key || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(t.key) || !TAINT_EFFECTS.includes(t.effect)) {
      errs.push(`invalid taint: ${JSON.stringify(t)}`);
    }
  }
  for (const v of kc.enforceNodeAllocatable) {
    if (!ENFORCEMENT_KEYS.includes(v)) bad(`option ${q(v)} specified for enforceNodeAllocatable (--enforce-node-allocatable). Valid options are "pods", "system-reserved", "kube-reserved", or "none"`);
  }
  if (kc.enforceNodeAllocatable.length > 1 && kc.enforceNodeAllocatable.includes('none')) bad('enforceNodeAllocatable (--enforce-node-allocatable) may not contain additional enforcements when "none" is specified');
  validateThresholds('evictionHard (--eviction-hard)', kc.evictionHard, errs);
  validateThresholds('evictionSoft (--eviction-soft)', kc.evictionSoft, errs);
  validateReserved('systemReserved', 'system-reserved', kc.systemReserved, errs);
  validateReserved('kubeReserved', 'kube-reserved', kc.kubeReserved, errs);
  if (kc.podCIDR && !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(kc.podCIDR)) bad(`podCIDR (--pod-cidr) ${q(kc.podCIDR)} must be a CIDR`);
  if (!/^(unix|npipe|tcp):\/\//.test(kc.containerRuntimeEndpoint) && !kc.containerRuntimeEndpoint.startsWith('/')) {
    bad(`containerRuntimeEndpoint (--container-runtime-endpoint) ${q(kc.containerRuntimeEndpoint)} must be a unix:// endpoint`);
  }
  try {
    parseQuantity(kc.containerLogMaxSize);
  } catch {
    bad(`containerLogMaxSize (--container-log-max-size) ${q(kc.containerLogMaxSize)} must be a quantity`);
  }
  if (kc.containerLogMaxFiles < 2) bad(`containerLogMaxFiles (--container-log-max-files) ${kc.containerLogMaxFiles} must be greater than 1`);
  return errs;
}
