// The pod index by controller UID (upstream controller_utils' PodControllerUIDIndex): pods
// with a controllerRef are indexed under the owner's UID, orphans under a per-namespace key,
// so a workload controller finds "its pods and the orphans it might adopt" without scanning
// every pod of the namespace.

import type { Indexer, Informer } from '../../client/index.js';
import type { Pod } from './types.js';
import { controllerRefOf } from './pods.js';

export const POD_CONTROLLER_UID_INDEX = 'podControllerUID';

/** The index key of a namespace's orphan pods. */
export function orphanPodIndexKey(namespace: string): string {
  return `_ORPHAN_POD/${namespace}`;
}

export function podControllerUIDIndexFunc(pod: Pod): string[] {
  const ref = controllerRefOf(pod);
  return [ref ? ref.uid : orphanPodIndexKey(pod.metadata?.namespace ?? '')];
}

/** Add the index to the shared pod informer (a no-op when present). */
export function addPodControllerUIDIndexer(pods: Informer<Pod>): void {
  if (POD_CONTROLLER_UID_INDEX in pods.getIndexer().getIndexers()) return;
  pods.addIndexers({ [POD_CONTROLLER_UID_INDEX]: podControllerUIDIndexFunc });
}

/** The pods controlled by owner (same namespace), plus the namespace's orphans when asked (FilterPodsByOwner). */
export function filterPodsByOwner(indexer: Indexer<Pod>, owner: { namespace?: string; uid?: string }, includeOrphans: boolean): Pod[] {
  const ns = owner.namespace ?? '';
  const owned = indexer.byIndex(POD_CONTROLLER_UID_INDEX, owner.uid ?? '').filter((p) => (p.metadata?.namespace ?? '') === ns);
  if (!includeOrphans) return owned;
  return owned.concat(indexer.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKey(ns)));
}
