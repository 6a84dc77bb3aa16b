// Admission plugin "PersistentVolumeClaimResize" (on by default upstream): a claim's storage
// request may only grow when the claim is Bound and its StorageClass (unchanged, not "")
// has allowVolumeExpansion: true.

import type { KObject } from '../registry/types.js';
import { admissionForbidden, isResource, resourceList, str, type Objects, type Plugin } from './common.js';

function claimClass(pvc: KObject | undefined): string {
  const beta = pvc?.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (typeof beta === 'string') return beta;
  return str(pvc?.spec?.storageClassName);
}

export function persistentVolumeClaimResizePlugin(objects: Objects): Plugin {
  return {
    name: 'PersistentVolumeClaimResize',
    async validate(op, obj, old, scope) {
      if (op !== 'UPDATE' || !obj || !old || scope.subresource || !isResource(scope, '', 'persistentvolumeclaims')) return;
      const newSize = resourceList(obj.spec?.resources?.requests).get('storage');
      const oldSize = resourceList(old.spec?.resources?.requests).get('storage');
      if (!newSize) return;
      if (oldSize ? newSize.cmp(oldSize) <= 0 : newSize.sign() <= 0) return;
      if (old.status?.phase !== 'Bound') throw admissionForbidden(scope, obj, 'Only bound persistent volume claims can be expanded');
      const cls = claimClass(obj);
      const oldCls = claimClass(old);
      let allowed = false;
      if (cls && oldCls && cls === oldCls) {
        const sc = await objects.get('storage.k8s.io', 'storageclasses', '', cls);
        allowed = sc?.allowVolumeExpansion === true;
      }
      if (!allowed) {
        throw admissionForbidden(scope, obj, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
      }
    },
  };
}
