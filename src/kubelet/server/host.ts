// Node-level usage read from the host, for /stats/summary and /metrics/resource: CPU time from
// /proc/stat, memory from /proc/meminfo (working set = used minus inactive file pages, as
// cAdvisor computes it for the root cgroup), network from /proc/net/dev, filesystems by statfs.
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';

const USER_HZ = 100;

/** Total busy CPU time of the host, nanoseconds. */
export function nodeCpuNanos(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) / USER_HZ) * 1e9;
}

export interface NodeMemory {
  capacity: number;
  available: number;
  usage: number;
  workingSet: number;
}

export function nodeMemory(): NodeMemory {
  const m: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const r = /^([^:]+):\s+(\d+)/.exec(line);
    if (r) m[r[1]!] = Number(r[2]) * 1024;
  }
  const capacity = m.MemTotal ?? 0;
  const usage = capacity - (m.MemFree ?? 0);
  const workingSet = Math.max(0, usage - (m['Inactive(file)'] ?? 0));
  return { capacity, available: m.MemAvailable ?? capacity - workingSet, usage, workingSet };
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

export function networkInterfaces(): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest) continue;
    const f = rest.trim().split(/\s+/).map(Number);
    out.push({ name: name!.trim(), rxBytes: f[0]!, rxErrors: f[2]!, txBytes: f[8]!, txErrors: f[10]! });
  }
  return out.filter((i) => i.name !== 'lo');
}

export interface FsStats {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
  inodesUsed: number;
}

export async function fsStats(path: string): Promise<FsStats | undefined> {
  try {
    const s = await statfs(path);
    const capacityBytes = s.blocks * s.bsize;
    const availableBytes = s.bavail * s.bsize;
    return { capacityBytes, availableBytes, usedBytes: capacityBytes - s.bfree * s.bsize, inodes: s.files, inodesFree: s.ffree, inodesUsed: s.files - s.ffree };
  } catch {
    return undefined;
  }
}

/** CPU usage rate (nano-cores) from two cumulative samples. */
export class RateTracker {
  private last = new Map<string, { t: number; v: number }>();

  rate(key: string, cumulativeNanos: number, nowMs = Date.now()): number | undefined {
    const prev = this.last.get(key);
    this.last.set(key, { t: nowMs, v: cumulativeNanos });
    if (!prev || nowMs <= prev.t || cumulativeNanos < prev.v) return undefined;
    return Math.round(((cumulativeNanos - prev.v) / (nowMs - prev.t)) * 1e3);
  }
}
