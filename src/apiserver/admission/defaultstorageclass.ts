// Admission plugin "DefaultStorageClass" (on by default upstream): a PersistentVolumeClaim
// created without a class (no spec.storageClassName and no
// volume.beta.kubernetes.io/storage-class annotation) gets the default StorageClass, the
// one annotated storageclass.kubernetes.io/is-default-class: "true" (or the beta
// annotation); among several defaults the newest wins, then the first by name.

import type { KObject } from '../registry/types.js';
import { isResource, type Objects, type Plugin } from './common.js';

export const IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function isDefault(sc: KObject): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || a[BETA_IS_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}

function created(o: KObject): number {
  const t = Date.parse(o.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first, then by name ascending (upstream's sort of several defaults). */
export function newestDefault<T extends KObject>(candidates: T[]): T | undefined {
  return [...candidates].sort((a, b) => {
    const d = created(b) - created(a);
    if (d !== 0) return d;
    const an = String(a.metadata?.name ?? '');
    const bn = String(b.metadata?.name ?? '');
    return an < bn ? -1 : an > bn ? 1 : 0;
  })[0];
}

/** util.GetDefaultClass. */
export async function defaultStorageClass(objects: Objects): Promise<KObject | undefined> {
  return newestDefault((await objects.list('storage.k8s.io', 'storageclasses')).filter(isDefault));
}

export function defaultStorageClassPlugin(objects: Objects): Plugin {
  return {
    name: 'DefaultStorageClass',
    async admit(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.subresource || !isResource(scope, '', 'persistentvolumeclaims')) return;
      const spec = (obj.spec ??= {});
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      if (obj.metadata?.annotations && BETA_STORAGE_CLASS_ANNOTATION in obj.metadata.annotations) return;
      const def = await defaultStorageClass(objects);
      if (def) spec.storageClassName = def.metadata.name;
    },
  };
}
