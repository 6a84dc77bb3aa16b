// ControllerRefManager (upstream controller_ref_manager): a controller claims the objects it
// should own — adopting orphans whose labels match its selector (a strategic merge patch adding
// its controllerRef) and releasing owned objects that no longer match (a patch deleting the
// ref) — so ownership converges even when labels or selectors change.

import type { GroupVersionResource, KubeObject, OwnerReference, RestClient } from '../../client/index.js';
import { isNotFound, isInvalid } from '../../client/index.js';
import type { Selector } from '../../apimachinery/labels.js';
import { logger } from '../../util/klog.js';

const log = logger('controller_ref_manager.go');

export interface OwnerInfo {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; uid?: string; deletionTimestamp?: string; namespace?: string };
}

/** The controllerRef an owner puts on what it creates. */
export function newControllerRef(owner: OwnerInfo): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export interface ClaimOptions<T extends KubeObject> {
  client: RestClient;
  gvr: GroupVersionResource;
  owner: OwnerInfo;
  selector: Selector;
  /** extra condition for adoption (e.g. the pod is active) */
  filter?: (obj: T) => boolean;
  /** recheck before the first adoption that the owner still exists and is not being deleted */
  canAdopt?: () => Promise<boolean>;
}

/**
 * Of `objs` (the namespace's candidates), the ones the owner controls after adopting matching
 * orphans and releasing non-matching ones.
 */
export async function claimObjects<T extends KubeObject>(objs: T[], o: ClaimOptions<T>): Promise<T[]> {
  const uid = o.owner.metadata!.uid!;
  const claimed: T[] = [];
  let adoptChecked: boolean | undefined;
  for (const obj of objs) {
    const ref = controllerOf(obj);
    const matches = o.selector.matches(obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (o.owner.metadata?.deletionTimestamp) continue;
      await release(obj, o);
      continue;
    }
    if (!matches || o.owner.metadata?.deletionTimestamp || obj.metadata?.deletionTimestamp) continue;
    if (o.filter && !o.filter(obj)) continue;
    if (adoptChecked === undefined) adoptChecked = o.canAdopt ? await o.canAdopt() : true;
    if (!adoptChecked) continue;
    try {
      const adopted = await o.client.patch<T>({ ...o.gvr, namespace: obj.metadata!.namespace, name: obj.metadata!.name }, 'strategic', {
        metadata: { ownerReferences: [newControllerRef(o.owner)], uid: obj.metadata!.uid },
      });
      claimed.push(adopted);
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) continue;
      throw err;
    }
  }
  return claimed;
}

async function release<T extends KubeObject>(obj: T, o: ClaimOptions<T>): Promise<void> {
  log.v(2).info('Patching object to remove its controllerRef', { kind: o.gvr.resource, object: `${obj.metadata?.namespace}/${obj.metadata?.name}`, controller: o.owner.metadata?.name });
  try {
    await o.client.patch({ ...o.gvr, namespace: obj.metadata!.namespace, name: obj.metadata!.name }, 'strategic', {
      metadata: { ownerReferences: [{ $patch: 'delete', uid: o.owner.metadata!.uid }], uid: obj.metadata!.uid },
    });
  } catch (err) {
    // gone, or the uid precondition failed (a new object of that name): nothing to release
    if (isNotFound(err) || isInvalid(err)) return;
    throw err;
  }
}

/** canAdopt for claimObjects: a fresh read of the owner must show the same uid and no deletion. */
export function recheckOwner(client: RestClient, gvr: GroupVersionResource, owner: OwnerInfo): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await client.get({ ...gvr, namespace: owner.metadata?.namespace, name: owner.metadata!.name });
      return fresh.metadata?.uid === owner.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
}
