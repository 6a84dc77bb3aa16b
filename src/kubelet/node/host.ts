// What the kubelet learns about its host (cadvisor's MachineInfo, upstream): CPU count,
// memory and hugepages from /proc and /sys, filesystem capacity by statfs, machine and boot
// IDs, kernel and OS image, swap and systemd presence. Readers take a root so tests can point
// them at fixture files.
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, release } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  numCores: number;
  memoryCapacityBytes: number;
  /** page size label ("2Mi", "1Gi") → bytes reserved for hugepages of that size */
  hugepages: Record<string, number>;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
}

export interface FsStats {
  capacityBytes: number;
  availableBytes: number;
  inodes: number;
  inodesFree: number;
}

const readTrim = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Bytes of a /proc/meminfo key ("MemTotal", "MemAvailable"), or undefined. */
export function meminfoBytes(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Logical CPUs from /proc/cpuinfo ("processor" entries), as cadvisor counts them. */
export function cpuinfoCores(text: string): number {
  return (text.match(/^processor\s*:/gm) ?? []).length;
}

/** PRETTY_NAME of an os-release file ("Debian GNU/Linux 12 (bookworm)"). */
export function osReleasePrettyName(text: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!m) return 'Linux';
  return m[1].trim().replace(/^["']|["']$/g, '');
}

/** "2048kB" directory suffix → the resource name's size ("2Mi"), as upstream names hugepages-<size>. */
export function hugepageSizeName(kb: number): string {
  const bytes = kb * 1024;
  for (const [unit, n] of [['Gi', 1 << 30], ['Mi', 1 << 20], ['Ki', 1 << 10]] as const) {
    if (bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes}`;
}

/** Hugepage pools under a sysfs root: size name → nr_hugepages × size bytes. */
export function readHugepages(sysRoot = '/sys'): Record<string, number> {
  const dir = join(sysRoot, 'kernel/mm/hugepages');
  const out: Record<string, number> = {};
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const m = /^hugepages-(\d+)kB$/.exec(e);
    if (!m) continue;
    const kb = Number(m[1]);
    const nr = Number(readTrim(join(dir, e, 'nr_hugepages')) || '0');
    out[hugepageSizeName(kb)] = nr * kb * 1024;
  }
  return out;
}

/** The machine as upstream's cadvisor describes it. `root` prefixes /proc, /sys and /etc (tests). */
export function readMachineInfo(root = ''): MachineInfo {
  const p = (path: string) => (root ? join(root, path) : path);
  const meminfo = readTrim(p('/proc/meminfo'));
  const cores = cpuinfoCores(readTrim(p('/proc/cpuinfo'))) || cpus().length;
  const machineID = readTrim(p('/etc/machine-id')) || readTrim(p('/var/lib/dbus/machine-id'));
  const bootID = readTrim(p('/proc/sys/kernel/random/boot_id'));
  const systemUUID = readTrim(p('/sys/class/dmi/id/product_uuid')) || readTrim(p('/sys/devices/virtual/dmi/id/product_uuid')) || machineUUID(machineID);
  return {
    numCores: cores,
    memoryCapacityBytes: meminfoBytes(meminfo, 'MemTotal') ?? 0,
    hugepages: readHugepages(p('/sys')),
    machineID,
    systemUUID,
    bootID,
    kernelVersion: root ? readTrim(p('/proc/sys/kernel/osrelease')) : release(),
    osImage: osReleasePrettyName(readTrim(p('/etc/os-release')) || readTrim(p('/usr/lib/os-release'))),
  };
}

/** A UUID-shaped ID from the machine-id when the DMI product UUID is unreadable (containers, VMs without DMI). */
function machineUUID(machineID: string): string {
  const h = (machineID || hostname()).replace(/[^0-9a-f]/gi, '').padEnd(32, '0').slice(0, 32).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** statfs of a path (the kubelet root dir is its nodefs). */
export function fsStats(path: string): FsStats {
  const s = statfsSync(path);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, inodes: s.files, inodesFree: s.ffree };
}

/** Memory the host can still give (MemAvailable), for the memory.available eviction signal. */
export function memoryAvailableBytes(root = ''): number {
  const text = readTrim(root ? join(root, '/proc/meminfo') : '/proc/meminfo');
  return meminfoBytes(text, 'MemAvailable') ?? meminfoBytes(text, 'MemFree') ?? 0;
}

/** Whether any swap device is active (/proc/swaps lists more than its header). */
export function swapOn(root = ''): boolean {
  const lines = readTrim(root ? join(root, '/proc/swaps') : '/proc/swaps').split('\n').filter((l) => l.trim());
  return lines.length > 1;
}

/** Whether systemd is the init system (sd_booted: /run/systemd/system exists). */
export function systemdRunning(root = ''): boolean {
  return existsSync(root ? join(root, '/run/systemd/system') : '/run/systemd/system');
}

/** pid_max and the number of processes running now (for the pid.available signal). */
export function pidStats(root = ''): { max: number; running: number } {
  const p = (path: string) => (root ? join(root, path) : path);
  const max = Number(readTrim(p('/proc/sys/kernel/pid_max')) || '32768');
  let running = 0;
  try {
    running = readdirSync(p('/proc')).filter((e) => /^\d+$/.test(e)).length;
  } catch {
    running = 0;
  }
  return { max, running };
}

/** The IPv4 address of the interface holding the default route (upstream's fallback node IP), or undefined. */
export function defaultRouteIPv4(root = ''): string | undefined {
  const lines = readTrim(root ? join(root, '/proc/net/route') : '/proc/net/route').split('\n').slice(1);
  const iface = lines.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000' && f[7] === '00000000')?.[0];
  const candidates = iface ? networkInterfaces()[iface] ?? [] : Object.values(networkInterfaces()).flat();
  return candidates.find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}
