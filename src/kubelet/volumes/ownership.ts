// Volume ownership from the pod's securityContext (upstream's volume.SetVolumeOwnership and
// volumeutil.FsUserFrom): with fsGroup, every file and directory of a volume gets that group,
// files g+r (g+rw when writable), directories also setgid and g+x, symlinks are left alone.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/** Change one path's group and mode as changeFilePermission does. */
async function changeFilePermission(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  await lchown(path, -1, fsGroup);
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (st.isDirectory()) mask |= SETGID | EXEC_MASK;
  await chmod(path, (st.mode & 0o7777) | mask);
}

/** Apply fsGroup ownership to dir and everything below it (fsGroupChangePolicy Always). */
export async function setVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  await changeFilePermission(dir, fsGroup, readOnly);
  const st = await lstat(dir);
  if (!st.isDirectory()) return;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await setVolumeOwnership(p, fsGroup, readOnly);
    else await changeFilePermission(p, fsGroup, readOnly);
  }
}

/** pod.spec.securityContext.fsGroup, when set. */
export function fsGroupOf(pod: Pod): number | undefined {
  const g = pod.spec?.securityContext?.fsGroup;
  return typeof g === 'number' ? g : undefined;
}

/**
 * volumeutil.FsUserFrom: the uid every init and regular container runs as (its runAsUser, else
 * the pod's), when they all agree; undefined when any container has none or they differ.
 */
export function fsUserFrom(pod: Pod): number | undefined {
  const spec = pod.spec;
  if (!spec) return undefined;
  const podUser = spec.securityContext?.runAsUser;
  let uid: number | undefined;
  // ephemeral containers are left out: they may not have a securityContext
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const u = c.securityContext?.runAsUser ?? podUser;
    if (typeof u !== 'number') return undefined;
    if (uid === undefined) uid = u;
    else if (uid !== u) return undefined;
  }
  return uid;
}
