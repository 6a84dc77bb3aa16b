// Admission plugin "StorageObjectInUseProtection" (on by default upstream): new
// PersistentVolumes get the kubernetes.io/pv-protection finalizer and new
// PersistentVolumeClaims kubernetes.io/pvc-protection, so neither disappears while in use
// (the protection controllers remove the finalizers when it is safe).

import { arr, isResource, type Plugin } from './common.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

export function storageObjectInUseProtectionPlugin(): Plugin {
  return {
    name: 'StorageObjectInUseProtection',
    admit(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.subresource) return;
      let finalizer: string;
      if (isResource(scope, '', 'persistentvolumes')) finalizer = PV_PROTECTION_FINALIZER;
      else if (isResource(scope, '', 'persistentvolumeclaims')) finalizer = PVC_PROTECTION_FINALIZER;
      else return;
      const meta = (obj.metadata ??= {});
      const finalizers = arr<string>(meta.finalizers);
      if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
    },
  };
}
