// Mount helpers for the volume manager (upstream's mount-utils, Linux only): reading
// /proc/self/mountinfo, mounting tmpfs for memory-backed volumes, and unmounting. Mounts are
// made with the host's mount(8)/umount(8), as upstream's Mounter does.
import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MountInfo {
  id: number;
  parent: number;
  /** major:minor of the mounted filesystem */
  dev: string;
  /** the path, inside its filesystem, that is the root of this mount */
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/<pid>/mountinfo text (proc(5)). */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      dev: f[2]!,
      root: unescapeOctal(f[3]!),
      mountPoint: unescapeOctal(f[4]!),
      options: f[5]!,
      fsType: f[sep + 1] ?? '',
      source: unescapeOctal(f[sep + 2] ?? ''),
      superOptions: f[sep + 3] ?? '',
    });
  }
  return out;
}

export async function readMounts(): Promise<MountInfo[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export function readMountsSync(): MountInfo[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The topmost mount at exactly `path` (undefined when it is not a mount point). */
export function mountAt(mounts: MountInfo[], path: string): MountInfo | undefined {
  let found: MountInfo | undefined;
  for (const m of mounts) if (m.mountPoint === path) found = m;
  return found;
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(mounts: MountInfo[], dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const set = new Set<string>();
  for (const m of mounts) if (m.mountPoint === dir || m.mountPoint.startsWith(prefix)) set.add(m.mountPoint);
  return [...set].sort((a, b) => b.length - a.length);
}

/** mount -t tmpfs -o <options> tmpfs <dir> */
export async function mountTmpfs(dir: string, options: string[]): Promise<void> {
  const args = ['-t', 'tmpfs'];
  if (options.length) args.push('-o', options.join(','));
  args.push('tmpfs', dir);
  try {
    await run('mount', args);
  } catch (err) {
    throw new Error(`mount failed: ${mountError(err)}\nMounting command: mount\nMounting arguments: ${args.join(' ')}`);
  }
}

/** mount --bind <source> <target> (synchronous: used while building a container's mounts). */
export function bindMountSync(source: string, target: string): void {
  try {
    execFileSync('mount', ['--bind', source, target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`bind mount of ${source} at ${target} failed: ${mountError(err)}`);
  }
}

/** umount <dir> synchronously (lazily when busy): the failure path of a synchronous set-up. */
export function unmountSync(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}

/** umount <dir>; a busy mount is detached lazily (umount -l) so that clean-up always finishes. */
export async function unmount(dir: string): Promise<void> {
  try {
    await run('umount', [dir]);
  } catch (err) {
    const msg = mountError(err);
    if (/not mounted|no mount point/i.test(msg)) return;
    if (/busy/i.test(msg)) {
      await run('umount', ['-l', dir]);
      return;
    }
    throw new Error(`unmount of ${dir} failed: ${msg}`);
  }
}

function mountError(err: unknown): string {
  const e = err as { stderr?: string | Buffer; message?: string };
  const stderr = e.stderr ? String(e.stderr).trim() : '';
  return stderr || e.message || String(err);
}
