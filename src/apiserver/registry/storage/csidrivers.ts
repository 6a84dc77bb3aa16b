// storage.k8s.io/v1 CSIDriver: defaults (attachRequired, podInfoOnMount, fsGroupPolicy,
// storageCapacity, requiresRepublish, volumeLifecycleModes, seLinuxMount), validation
// (driver name, required flags, token requests, immutable fields) and the Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Subdomain, validateImmutableField } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, col, ensureObj, isObj, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

/** ValidateCSIDriverName. */
export function validateCSIDriverName(name: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(fieldErr.required(path, ''));
  if (name.length > 63) errs.push(fieldErr.tooLong(path, name, 63));
  for (const m of isDNS1123Subdomain(name.toLowerCase())) errs.push(fieldErr.invalid(path, name, m));
  return errs;
}

const isSet = (v: unknown) => v !== undefined && v !== null;

export const csiDriverDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSIDriver',
  plural: 'csidrivers',
  singular: 'csidriver',
  namespaced: false,
  nameRule: 'none',
  storageResource: 'csidrivers',
  defaults(obj) {
    const spec = ensureObj(obj, 'spec');
    if (!isSet(spec.attachRequired)) spec.attachRequired = true;
    if (!isSet(spec.podInfoOnMount)) spec.podInfoOnMount = false;
    if (!isSet(spec.storageCapacity)) spec.storageCapacity = false;
    if (!isSet(spec.fsGroupPolicy)) spec.fsGroupPolicy = 'ReadWriteOnceWithFSType';
    if (!isSet(spec.requiresRepublish)) spec.requiresRepublish = false;
    if (arr(spec.volumeLifecycleModes).length === 0) spec.volumeLifecycleModes = ['Persistent'];
    if (!isSet(spec.seLinuxMount)) spec.seLinuxMount = false;
  },
  validate(obj) {
    const errs: FieldError[] = [];
    errs.push(...validateCSIDriverName(String(obj.metadata?.name ?? ''), 'name'));
    const spec: KObject = isObj(obj.spec) ? obj.spec : {};
    if (!isSet(spec.attachRequired)) errs.push(fieldErr.required('spec.attachedRequired', ''));
    if (!isSet(spec.podInfoOnMount)) errs.push(fieldErr.required('spec.podInfoOnMount', ''));
    if (!isSet(spec.storageCapacity)) errs.push(fieldErr.required('spec.storageCapacity', ''));
    if (!isSet(spec.fsGroupPolicy)) errs.push(fieldErr.required('spec.fsGroupPolicy', ''));
    else if (!['File', 'None', 'ReadWriteOnceWithFSType'].includes(String(spec.fsGroupPolicy))) {
      errs.push(fieldErr.notSupported('spec.fsGroupPolicy', spec.fsGroupPolicy, ['File', 'None', 'ReadWriteOnceWithFSType']));
    }
    const audiences = new Set<string>();
    arr(spec.tokenRequests).forEach((t: any, i) => {
      const p = `spec.tokenRequests[${i}]`;
      const aud = String(t?.audience ?? '');
      if (audiences.has(aud)) errs.push(fieldErr.duplicate(`${p}.audience`, aud));
      audiences.add(aud);
      if (typeof t?.expirationSeconds === 'number') {
        if (t.expirationSeconds < 600) errs.push(fieldErr.invalid(`${p}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
        if (t.expirationSeconds > 2 ** 32) errs.push(fieldErr.invalid(`${p}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
      }
    });
    arr(spec.volumeLifecycleModes).forEach((m, i) => {
      if (m !== 'Persistent' && m !== 'Ephemeral') errs.push(fieldErr.notSupported(`spec.volumeLifecycleModes[${i}]`, m, ['Ephemeral', 'Persistent']));
    });
    if (!isSet(spec.seLinuxMount)) errs.push(fieldErr.required('spec.seLinuxMount', ''));
    return errs;
  },
  validateUpdate(obj, old) {
    return [
      ...validateImmutableField(obj.spec?.attachRequired, old.spec?.attachRequired, 'spec.attachedRequired'),
      ...validateImmutableField(obj.spec?.fsGroupPolicy, old.spec?.fsGroupPolicy, 'spec.fsGroupPolicy'),
      ...validateImmutableField(obj.spec?.volumeLifecycleModes, old.spec?.volumeLifecycleModes, 'spec.volumeLifecycleModes'),
    ];
  },
  table: {
    columns: [
      nameCol(),
      col('AttachRequired', 'boolean', 'attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. The CSI external-attacher coordinates with CSI volume driver and updates the volumeattachment status when the attach operation is complete. If the CSIDriverRegistry feature gate is enabled and the value is specified to false, the attach operation will be skipped. Otherwise the attach operation will be called.\n\nThis field is immutable.'),
      col('PodInfoOnMount', 'boolean', 'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. If set to false, pod information will not be passed on mount. Default is false.'),
      col('StorageCapacity', 'boolean', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.'),
      col('TokenRequests', 'string', "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication."),
      col('RequiresRepublish', 'boolean', 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.'),
      col('Modes', 'string', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.'),
      ageCol(),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const modes = arr<string>(spec.volumeLifecycleModes).join(',');
      const tokens = Array.isArray(spec.tokenRequests) ? spec.tokenRequests.map((t: any) => String(t?.audience ?? '')).join(',') : '<unset>';
      return [
        obj.metadata?.name ?? '',
        spec.attachRequired === undefined || spec.attachRequired === null ? true : spec.attachRequired === true,
        spec.podInfoOnMount === true,
        spec.storageCapacity === true,
        tokens,
        spec.requiresRepublish === true,
        modes || '<none>',
        ageOf(obj, now),
      ];
    },
  },
};
