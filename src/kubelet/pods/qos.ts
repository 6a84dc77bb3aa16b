// Per-QoS placement and limits of a pod's containers: the cgroup parent of the pod
// (kubepods[/burstable|/besteffort]/pod<uid> with cgroupfs, kubepods-…-pod<uid>.slice with
// systemd), CPU shares/quota, memory limit and the OOM score adjustment (pkg/kubelet/qos, cm).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { podQOSClass } from '../../apiserver/registry/core/pods.js';
import type { KObject } from '../../apiserver/registry/types.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import type { LinuxContainerResources } from './cri.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export const qosClassOf = (pod: Pod): QOSClass => podQOSClass(pod as KObject);

export const minShares = 2;
export const maxShares = 262144;
export const minQuotaPeriod = 1000;
export const guaranteedOOMScoreAdj = -997;
export const besteffortOOMScoreAdj = 1000;

export interface CgroupSettings {
  cgroupsPerQOS: boolean;
  cgroupDriver: 'cgroupfs' | 'systemd';
  cgroupRoot?: string;
}

/** The pod-level cgroup parent handed to the sandbox (and, through it, its containers). */
export function podCgroupParent(pod: Pod, s: CgroupSettings): string {
  const root = s.cgroupRoot && s.cgroupRoot !== '/' ? s.cgroupRoot.replace(/\/$/, '') : '';
  if (!s.cgroupsPerQOS) return root;
  const qos = qosClassOf(pod);
  const uid = pod.metadata!.uid!;
  const parts = ['kubepods', ...(qos === 'Guaranteed' ? [] : [qos.toLowerCase()]), `pod${uid}`];
  if (s.cgroupDriver === 'systemd') {
    // systemd slice naming: each level's name repeats its parents, dashes in the UID become underscores
    const escaped = parts.map((p) => p.replace(/-/g, '_'));
    return `${escaped.join('-')}.slice`;
  }
  return `${root}/${parts.join('/')}`;
}

export function milliCPUToShares(milli: number): number {
  if (milli === 0) return minShares;
  const shares = Math.floor((milli * 1024) / 1000);
  return Math.min(maxShares, Math.max(minShares, shares));
}

export function milliCPUToQuota(milli: number, periodUs: number): number {
  if (milli === 0) return 0;
  return Math.max(minQuotaPeriod, Math.floor((milli * periodUs) / 1000));
}

function qty(v: unknown): ReturnType<typeof parseQuantity> | undefined {
  return v === undefined || v === null ? undefined : parseQuantity(String(v));
}

/** GetContainerOOMScoreAdjust. */
export function oomScoreAdj(pod: Pod, container: Container, memoryCapacity: number): number {
  if (pod.spec?.priority !== undefined && pod.spec.priority >= 2000000000) return guaranteedOOMScoreAdj;
  const qos = qosClassOf(pod);
  if (qos === 'Guaranteed') return guaranteedOOMScoreAdj;
  if (qos === 'BestEffort') return besteffortOOMScoreAdj;
  const req = qty(container.resources?.requests?.memory)?.value() ?? 0;
  const adj = 1000 - Math.floor((1000 * req) / memoryCapacity);
  if (adj < 1000 + guaranteedOOMScoreAdj) return 1000 + guaranteedOOMScoreAdj;
  if (adj === besteffortOOMScoreAdj) return adj - 1;
  return adj;
}

/** The container's runtime.v1 LinuxContainerResources. */
export function containerResources(pod: Pod, container: Container, opts: { memoryCapacity: number; cpuCFSQuota: boolean; cpuPeriodUs: number }): LinuxContainerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const cpuReq = qty(requests.cpu ?? limits.cpu)?.milliValue() ?? 0;
  const cpuLim = qty(limits.cpu)?.milliValue() ?? 0;
  const mem = qty(limits.memory)?.value() ?? 0;
  const r: LinuxContainerResources = {
    cpuShares: milliCPUToShares(cpuReq),
    cpuPeriod: 0,
    cpuQuota: 0,
    memoryLimitInBytes: mem,
    oomScoreAdj: oomScoreAdj(pod, container, opts.memoryCapacity),
  };
  if (opts.cpuCFSQuota && cpuLim > 0) {
    r.cpuPeriod = opts.cpuPeriodUs;
    r.cpuQuota = milliCPUToQuota(cpuLim, opts.cpuPeriodUs);
  }
  return r;
}
