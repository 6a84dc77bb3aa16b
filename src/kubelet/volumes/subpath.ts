// subPath safety (upstream's kubelet makeMounts + mount-utils subpath): a subPath is relative and
// has no '..'; a missing one is created inside the volume without following symlinks out of it;
// then it is bind-mounted at <pod>/volume-subpaths/<volume>/<container>/<index> and the mount is
// checked to hold the very inode the path resolves to inside the volume, so that a container
// swapping a directory for a symlink between check and use cannot escape (CVE-2017-1002101).
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { bindMountSync, mountAt, readMountsSync, unmountSync } from './mount.js';

/** makeMounts' checks on the (expanded) subPath, with upstream's messages. */
export function validateSubPath(subPath: string): void {
  if (isAbsolute(subPath)) throw new Error(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new Error(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
}

function within(base: string, p: string): boolean {
  return p === base || p.startsWith(base.endsWith(sep) ? base : base + sep);
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * SafeMakeDir: create base/subPath component by component with mode perm; existing symlinks
 * are followed only while they stay inside base.
 */
export function safeMakeDir(base: string, subPath: string, perm: number): void {
  const realBase = realpathSync(base);
  let cur = realBase;
  for (const comp of subPath.split('/').filter((c) => c !== '' && c !== '.')) {
    const next = join(cur, comp);
    const st = lstatOrUndefined(next);
    if (!st) {
      mkdirSync(next, { mode: perm });
      chmodSync(next, perm);
      cur = next;
      continue;
    }
    const resolved = st.isSymbolicLink() ? realpathSync(next) : next;
    if (!within(realBase, resolved)) throw new Error(`path ${next} is outside of allowed base ${realBase}`);
    if (!statSync(resolved).isDirectory()) throw new Error(`path ${next} is not a directory`);
    cur = resolved;
  }
}

/** Resolve base/subPath and check it stays inside base. */
function resolveInside(base: string, subPath: string): string {
  const realBase = realpathSync(base);
  const real = realpathSync(join(base, subPath));
  if (!within(realBase, real)) throw new Error(`subpath ${JSON.stringify(real)} not within volume path ${JSON.stringify(realBase)}`);
  return real;
}

/**
 * PrepareSafeSubpath: bind-mount base/subPath at target and return target. Throws when the path
 * leaves the volume.
 */
export function prepareSafeSubpath(base: string, subPath: string, target: string): string {
  const real = resolveInside(base, subPath);
  const existing = mountAt(readMountsSync(), target);
  if (existing) {
    // a container restart: reuse the mount when it still holds the same file, else mount again
    // (a configMap key updated since is seen by the new container, as upstream)
    if (sameFile(target, real)) return target;
    unmountSync(target);
  }
  const isDir = statSync(real).isDirectory();
  mkdirSync(isDir ? target : dirname(target), { recursive: true, mode: 0o750 });
  if (!isDir) closeSync(openSync(target, 'a', 0o640));
  bindMountSync(real, target);
  // the mount pins what the path named at mount time: it must be what the path names now, inside the volume
  let ok = false;
  try {
    ok = sameFile(target, resolveInside(base, subPath));
  } catch {
    ok = false;
  }
  if (!ok) {
    unmountSync(target);
    throw new Error(`subpath ${JSON.stringify(join(base, subPath))} changed while it was being mounted`);
  }
  return target;
}

function sameFile(a: string, b: string): boolean {
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}
