// emptyDir (upstream's kubernetes.io/empty-dir plugin): a 0777 directory on the kubelet's disk,
// or with medium Memory a tmpfs mounted on it, sized as upstream (the smallest of node allocatable
// memory, the pod's memory limit and the volume's sizeLimit). configMap volumes wrap a disk
// emptyDir; secret, downwardAPI and projected volumes wrap a Memory one (secrets never touch disk).
// A "ready" marker under <pod>/plugins/kubernetes.io~empty-dir/<volume> makes set-up idempotent.
import { chmod, lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { mountAt, mountTmpfs, readMounts } from './mount.js';
import { setVolumeOwnership } from './ownership.js';

const EMPTY_DIR_PERM = 0o777;
const READY_FILE = 'ready';

export interface EmptyDirOptions {
  /** '' (node disk) or 'Memory' (tmpfs) */
  medium: string;
  /** <pod>/plugins/kubernetes.io~empty-dir/<volume>: where the ready marker lives */
  metaDir: string;
  /** tmpfs size in bytes (Memory only; 0: the kernel's default) */
  sizeBytes?: number;
  fsGroup?: number;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** mkdir -p with 0777, chmod'ed explicitly since the umask applies at creation (setupDir). */
async function setupDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: EMPTY_DIR_PERM });
  const st = await lstat(dir);
  if ((st.mode & 0o777) !== EMPTY_DIR_PERM) await chmod(dir, EMPTY_DIR_PERM);
}

/** Set up an emptyDir at dir; a second call with the volume already in place does nothing. */
export async function setUpEmptyDir(dir: string, opts: EmptyDirOptions): Promise<void> {
  if (opts.medium !== '' && opts.medium !== 'Memory') {
    throw new Error(`emptyDir medium ${JSON.stringify(opts.medium)} is not supported by this kubelet (only "" and "Memory")`);
  }
  const mounted = opts.medium === 'Memory' ? mountAt(await readMounts(), dir)?.fsType === 'tmpfs' : false;
  if (await exists(join(opts.metaDir, READY_FILE))) {
    if (opts.medium === 'Memory' ? mounted : await exists(dir)) return;
  }
  await setupDir(dir);
  if (opts.medium === 'Memory' && !mounted) {
    await mountTmpfs(dir, opts.sizeBytes ? [`size=${opts.sizeBytes}`] : []);
  }
  if (opts.fsGroup !== undefined) await setVolumeOwnership(dir, opts.fsGroup, false);
  await mkdir(opts.metaDir, { recursive: true, mode: 0o750 });
  await writeFile(join(opts.metaDir, READY_FILE), '', { mode: 0o600 });
}

function bytesOf(q: string | undefined): number | undefined {
  if (q === undefined || q === '') return undefined;
  try {
    return parseQuantity(String(q)).value();
  } catch {
    return undefined;
  }
}

/**
 * The pod's memory limit as its cgroup gets it: the sum of the containers' limits (at least the
 * largest init container's); undefined unless every container has one.
 */
export function podMemoryLimit(pod: Pod): number | undefined {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const l = bytesOf(c.resources?.limits?.memory as string | undefined);
    if (l === undefined) return undefined;
    sum += l;
  }
  let initMax = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const l = bytesOf(c.resources?.limits?.memory as string | undefined);
    if (l === undefined) return undefined;
    initMax = Math.max(initMax, l);
  }
  return Math.max(sum, initMax);
}

/**
 * calculateEmptyDirMemorySize: node allocatable memory, lowered to the pod's memory limit and
 * then to the volume's sizeLimit when they are positive and smaller.
 */
export function emptyDirMemorySize(nodeAllocatableMemory: number, pod: Pod, sizeLimit: string | undefined): number {
  let size = nodeAllocatableMemory;
  const podLimit = podMemoryLimit(pod);
  if (podLimit !== undefined && podLimit > 0 && podLimit <= size) size = podLimit;
  const vol = bytesOf(sizeLimit);
  if (vol !== undefined && vol > 0 && vol <= size) size = vol;
  return size;
}
