// Host state a containerd instance leaves behind, found and removed precisely: its shims (by the
// -address in their command line) and their containers' processes, mounts under its directories,
// netns files, the CNI bridge, and the nat rules the bridge plugin added for its subnet.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function pids(): string[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n));
}

/** PIDs of processes running `binary` (by name) with `flag value` in their command line. */
function processesWith(binary: string, flag: string, value: string): number[] {
  const out: number[] = [];
  for (const pid of pids()) {
    const argv = readProc(pid, 'cmdline')?.split('\0') ?? [];
    if (basename(argv[0] ?? '') !== binary) continue;
    const i = argv.indexOf(flag);
    if (i >= 0 && argv[i + 1] === value) out.push(Number(pid));
  }
  return out;
}

/** PIDs of containerd-shim-runc-v2 processes serving the containerd at `address` (a socket path). */
export function shimsOf(address: string): number[] {
  return processesWith('containerd-shim-runc-v2', '-address', address);
}

/** PIDs of containerd daemons started with `--address <address>` (e.g. left by a killed test). */
export function containerdsOf(address: string): number[] {
  return processesWith('containerd', '--address', address);
}

/** Direct children of a process (a shim's children are its containers' init processes). */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const pid of pids()) {
    const m = /^PPid:\s+(\d+)$/m.exec(readProc(pid, 'status') ?? '');
    if (m && Number(m[1]) === ppid) out.push(Number(pid));
  }
  return out;
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** SIGKILLs the shims of `address` and the processes they run; waits until they are gone. */
export async function killShims(address: string, timeoutMs = 5000): Promise<number[]> {
  const shims = shimsOf(address);
  for (const shim of shims) {
    for (const child of childrenOf(shim)) kill(child, 'SIGKILL');
    kill(shim, 'SIGKILL');
  }
  const deadline = Date.now() + timeoutMs;
  while (shims.some((p) => existsSync(`/proc/${p}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return shims;
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.replace(/\/+$/, '');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((p) => p === prefix || p.startsWith(prefix + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir` (lazily if busy); returns what was mounted. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const points = mountsUnder(dir);
  for (const p of points) {
    await execFileP('umount', [p]).catch(() => execFileP('umount', ['-l', p]).catch(() => undefined));
  }
  return points;
}

/** Unmounts and removes network namespace files (bind mounts of nsfs) still present. */
export async function removeNetns(paths: string[]): Promise<void> {
  for (const p of paths) {
    if (!existsSync(p)) continue;
    await execFileP('umount', [p]).catch(() => execFileP('umount', ['-l', p]).catch(() => undefined));
    rmSync(p, { force: true });
  }
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Deletes a network link (the CNI bridge) if it exists. */
export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  await execFileP('ip', ['link', 'delete', name]).catch(() => undefined);
}

/** Splits an `iptables -S` line into arguments (double quotes with \" escapes, as it prints them). */
export function splitIptablesRule(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inQuote = false;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inQuote) {
      if (c === '\\' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') inQuote = false;
      else cur += c;
    } else if (c === '"') {
      inQuote = true;
      any = true;
    } else if (c === ' ') {
      if (cur || any) args.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (cur || any) args.push(cur);
  return args;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether an address or CIDR (a.b.c.d[/n]) lies inside `subnet`. */
export function inSubnet(addr: string, subnet: string): boolean {
  const [net, bitsS] = subnet.split('/');
  const [ip, ipBitsS] = addr.split('/');
  if (!net || !ip || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const bits = Number(bitsS ?? 32);
  if (Number(ipBitsS ?? 32) < bits) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(net) & mask) >>> 0);
}

/**
 * The nat-table state the bridge plugin's ipMasq made for `subnet`: CNI-* chains holding a rule
 * for that subnet, and POSTROUTING rules whose source is inside it or that jump to those chains.
 */
export async function cniNatRules(subnet: string): Promise<{ chains: string[]; postrouting: string[][] }> {
  const { stdout } = await execFileP('iptables', ['-w', '-t', 'nat', '-S']);
  const rules = stdout.split('\n').filter((l) => l.startsWith('-A ')).map(splitIptablesRule);
  const valueOf = (r: string[], flag: string) => (r.indexOf(flag) >= 0 ? r[r.indexOf(flag) + 1] : undefined);
  const chains = new Set<string>();
  for (const r of rules) {
    const chain = r[1]!;
    const d = valueOf(r, '-d');
    if (chain.startsWith('CNI-') && d && inSubnet(d, subnet)) chains.add(chain);
  }
  const postrouting = rules.filter((r) => {
    if (r[1] !== 'POSTROUTING') return false;
    const s = valueOf(r, '-s');
    const j = valueOf(r, '-j') ?? '';
    return (s !== undefined && inSubnet(s, subnet) && j.startsWith('CNI-')) || chains.has(j);
  });
  return { chains: [...chains], postrouting };
}

/** Removes the nat rules and chains above. */
export async function removeCniNatRules(subnet: string): Promise<void> {
  const { chains, postrouting } = await cniNatRules(subnet);
  for (const r of postrouting) {
    await execFileP('iptables', ['-w', '-t', 'nat', '-D', ...r.slice(1)]).catch(() => undefined);
  }
  for (const c of chains) {
    await execFileP('iptables', ['-w', '-t', 'nat', '-F', c]).catch(() => undefined);
    await execFileP('iptables', ['-w', '-t', 'nat', '-X', c]).catch(() => undefined);
  }
}
