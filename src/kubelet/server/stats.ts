// GET /stats/summary: statsapi.Summary (kubelet/pkg/apis/stats/v1alpha1) — the node's CPU,
// memory, network, filesystems and runtime image filesystem from the host, and every pod with
// its containers' CPU, memory and writable layer from CRI stats.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { CriClient } from '../../cri/client.js';
import { fsStats, networkInterfaces, nodeCpuNanos, nodeMemory, RateTracker } from './host.js';
import type { FsStats } from './host.js';
import { byPod, containerUsage, sum } from './usage.js';
import type { ContainerUsage } from './usage.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function cpu(time: string, nanos: number | undefined, nanoCores: number | undefined) {
  return { time, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}), ...(nanos !== undefined ? { usageCoreNanoSeconds: Math.round(nanos) } : {}) };
}

function fs(time: string, s: FsStats | undefined) {
  if (!s) return undefined;
  return { time, availableBytes: s.availableBytes, capacityBytes: s.capacityBytes, usedBytes: s.usedBytes, inodesFree: s.inodesFree, inodes: s.inodes, inodesUsed: s.inodesUsed };
}

export class SummaryProvider {
  private readonly rates = new RateTracker();
  private readonly bootTime = Date.now() - uptimeSeconds() * 1000;

  constructor(
    private readonly cri: CriClient,
    private readonly nodeName: string,
    private readonly rootDir: string,
    private readonly podLogsDir: string,
  ) {}

  async summary(): Promise<Record<string, unknown>> {
    const now = Date.now();
    const time = iso(now);
    const nodeNanos = nodeCpuNanos();
    const mem = nodeMemory();
    const ifaces = networkInterfaces();
    const [rootFs, logsFs, usage] = await Promise.all([fsStats(this.rootDir), fsStats(this.podLogsDir), containerUsage(this.cri).catch(() => [] as ContainerUsage[])]);
    const primary = ifaces.find((i) => i.name === 'eth0') ?? ifaces[0];
    const node = {
      nodeName: this.nodeName || hostname(),
      startTime: iso(this.bootTime),
      cpu: cpu(time, nodeNanos, this.rates.rate('node', nodeNanos, now)),
      memory: { time, availableBytes: mem.available, usageBytes: mem.usage, workingSetBytes: mem.workingSet },
      network: primary ? { time, ...primary, interfaces: ifaces } : { time, interfaces: [] },
      fs: fs(time, rootFs),
      runtime: { imageFs: fs(time, rootFs) },
    };
    const pods = [...byPod(usage).values()].map((cs) => {
      const first = cs[0]!;
      const containers = cs.map((c) => ({
        name: c.name,
        startTime: iso(c.createdAt),
        cpu: cpu(iso(c.timestamp), c.cpuNanos, c.usageNanoCores ?? (c.cpuNanos !== undefined ? this.rates.rate(c.id, c.cpuNanos, c.timestamp) : undefined)),
        memory: { time: iso(c.timestamp), availableBytes: c.memoryAvailable, usageBytes: c.memoryUsage, workingSetBytes: c.memoryWorkingSet, rssBytes: c.memoryRss, pageFaults: c.pageFaults, majorPageFaults: c.majorPageFaults },
        rootfs: rootFs ? { ...fs(time, rootFs), usedBytes: c.rootfsUsed ?? 0, inodesUsed: c.rootfsInodesUsed ?? 0 } : undefined,
        logs: fs(time, logsFs),
      }));
      return {
        podRef: { name: first.pod, namespace: first.namespace, uid: first.podUid },
        startTime: iso(Math.min(...cs.map((c) => c.createdAt))),
        containers,
        cpu: cpu(time, sum(cs.map((c) => c.cpuNanos)), sum(containers.map((c) => c.cpu.usageNanoCores))),
        memory: { time, usageBytes: sum(cs.map((c) => c.memoryUsage)), workingSetBytes: sum(cs.map((c) => c.memoryWorkingSet)), rssBytes: sum(cs.map((c) => c.memoryRss)) },
        'ephemeral-storage': rootFs ? { ...fs(time, rootFs), usedBytes: sum(cs.map((c) => c.rootfsUsed)) ?? 0 } : undefined,
      };
    });
    return { node, pods };
  }
}

/** Seconds since boot (/proc/uptime), 0 when unreadable. */
function uptimeSeconds(): number {
  try {
    return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) || 0;
  } catch {
    return 0;
  }
}
