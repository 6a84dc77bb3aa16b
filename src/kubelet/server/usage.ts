// Per-container usage gathered from the runtime (CRI ListContainers + ListContainerStats), the
// one view /stats/summary, /metrics/resource and /metrics/cadvisor are written from.
import type { CriClient } from '../../cri/client.js';
import { ContainerNameLabel, PodNameLabel, PodNamespaceLabel, PodUIDLabel } from '../pods/labels.js';

export interface ContainerUsage {
  id: string;
  name: string;
  pod: string;
  namespace: string;
  podUid: string;
  image: string;
  /** ms since the epoch */
  createdAt: number;
  /** ms since the epoch of the stats sample */
  timestamp: number;
  cpuNanos?: number;
  usageNanoCores?: number;
  memoryWorkingSet?: number;
  memoryUsage?: number;
  memoryRss?: number;
  memoryAvailable?: number;
  pageFaults?: number;
  majorPageFaults?: number;
  rootfsUsed?: number;
  rootfsInodesUsed?: number;
}

const num = (v: { value: number } | null | undefined): number | undefined => (v ? Number(v.value) : undefined);
const nsToMs = (ns: number): number => Math.floor(Number(ns) / 1e6);

/** Running containers of pods this kubelet made (those with the kubelet's labels), with their stats. */
export async function containerUsage(cri: CriClient): Promise<ContainerUsage[]> {
  const [list, stats] = await Promise.all([cri.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } }), cri.listContainerStats({})]);
  const byId = new Map(stats.stats.map((s) => [s.attributes?.id ?? '', s]));
  const out: ContainerUsage[] = [];
  for (const c of list.containers) {
    const l = c.labels ?? {};
    if (!l[PodUIDLabel] || !l[ContainerNameLabel]) continue;
    const s = byId.get(c.id);
    out.push({
      id: c.id,
      name: l[ContainerNameLabel]!,
      pod: l[PodNameLabel] ?? '',
      namespace: l[PodNamespaceLabel] ?? '',
      podUid: l[PodUIDLabel]!,
      image: c.image?.image ?? c.imageRef,
      createdAt: nsToMs(c.createdAt),
      timestamp: s?.cpu?.timestamp ? nsToMs(s.cpu.timestamp) : Date.now(),
      cpuNanos: num(s?.cpu?.usageCoreNanoSeconds),
      usageNanoCores: num(s?.cpu?.usageNanoCores),
      memoryWorkingSet: num(s?.memory?.workingSetBytes),
      memoryUsage: num(s?.memory?.usageBytes),
      memoryRss: num(s?.memory?.rssBytes),
      memoryAvailable: num(s?.memory?.availableBytes),
      pageFaults: num(s?.memory?.pageFaults),
      majorPageFaults: num(s?.memory?.majorPageFaults),
      rootfsUsed: num(s?.writableLayer?.usedBytes),
      rootfsInodesUsed: num(s?.writableLayer?.inodesUsed),
    });
  }
  return out;
}

/** Containers grouped by pod uid. */
export function byPod(usage: ContainerUsage[]): Map<string, ContainerUsage[]> {
  const m = new Map<string, ContainerUsage[]>();
  for (const u of usage) {
    const list = m.get(u.podUid) ?? [];
    list.push(u);
    m.set(u.podUid, list);
  }
  return m;
}

export function sum(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}
