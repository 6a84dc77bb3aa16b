// Node-level housekeeping (upstream's cleanupOrphanedPodDirs): pod directories under
// <root-dir>/pods whose pod the kubelet no longer knows and that have no sandbox left in the
// runtime (a pod deleted while the kubelet was down) get their volumes torn down and go. It
// waits for the pod sources to have synced, never removes through a mount, and runs every 30 s.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CriClient } from '../cri/client.js';
import { mountsUnder } from '../containerd/teardown.js';
import type { Logger } from '../util/klog.js';
import type { VolumeManager } from './volumes/types.js';

export interface HousekeepingDeps {
  rootDir: string;
  cri: Pick<CriClient, 'listPodSandbox'>;
  volumes: Pick<VolumeManager, 'podsOnDisk' | 'tearDownPod'>;
  /** UIDs of every pod the kubelet manages (API and static) */
  knownPods: () => Set<string>;
  log: Logger;
}

/** One pass; returns the UIDs whose directories were removed. */
export async function cleanupOrphanedPodDirs(d: HousekeepingDeps): Promise<string[]> {
  const onDisk = await d.volumes.podsOnDisk();
  if (!onDisk.length) return [];
  const known = d.knownPods();
  const { items } = await d.cri.listPodSandbox({});
  const inRuntime = new Set(items.map((s) => s.metadata?.uid ?? s.labels?.['io.kubernetes.pod.uid']).filter(Boolean));
  const removed: string[] = [];
  for (const uid of onDisk) {
    if (known.has(uid) || inRuntime.has(uid)) continue;
    try {
      await d.volumes.tearDownPod(uid);
      const dir = join(d.rootDir, 'pods', uid);
      const mounted = mountsUnder(dir);
      if (mounted.length) {
        d.log.warning('Orphaned pod found, but its directory still has mounts', { podUID: uid, mounts: mounted });
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      d.log.v(2).info('Cleaned up orphaned pod directory', { podUID: uid });
      removed.push(uid);
    } catch (err) {
      d.log.error('Failed cleaning up orphaned pod directory', { podUID: uid, err: (err as Error).message });
    }
  }
  return removed;
}

/** Runs cleanupOrphanedPodDirs every periodMs once `ready` resolves; returns a stop function. */
export function startHousekeeping(d: HousekeepingDeps, ready: Promise<unknown>, periodMs = 30_000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    await cleanupOrphanedPodDirs(d).catch((err) => d.log.error('Pod housekeeping failed', { err: (err as Error).message }));
    if (!stopped) timer = setTimeout(() => void tick(), periodMs);
  };
  void ready.then(() => {
    if (!stopped) timer = setTimeout(() => void tick(), periodMs);
  });
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
