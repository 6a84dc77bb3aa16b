// core/v1 PersistentVolumeClaim: volume mode and phase defaults, status apart from spec,
// claim spec validation (access modes, storage request, selector, class, mode), the update
// rules (volumeName set once, storage only grows, the rest immutable) and the kubectl get
// table (STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS...).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Subdomain, validateImmutableField, validateLabelSelector } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, nameColumn } from './columns.js';
import { check, clone, describeDiff, isObj, obj, quantityString, semanticEqual, str, tryQuantity, validateQuantityValue } from './helpers.js';
import { accessModesString, storageClassOf, validateAccessModes, volumeModes } from './persistentvolumes.js';
import { defaultPVCSpec } from './podspec.js';

function defaults(pvc: KObject): void {
  if (!isObj(pvc.spec)) pvc.spec = {};
  defaultPVCSpec(pvc.spec);
  // VolumeResourceRequirements is a struct: it always serializes.
  if (!isObj(pvc.spec.resources)) pvc.spec.resources = {};
  if (!isObj(pvc.status)) pvc.status = {};
  if (!pvc.status.phase) pvc.status.phase = 'Pending';
}

/** ValidatePersistentVolumeClaimSpec (also used for ephemeral volume claim templates). */
export function validatePVCSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = obj(spec);
  errs.push(...validateAccessModes(s.accessModes, `${path}.accessModes`, 'at least 1 access mode is required'));
  if (isObj(s.selector)) errs.push(...validateLabelSelector(s.selector, `${path}.selector`));
  const requests = obj(obj(s.resources).requests);
  const storagePath = `${path}.resources[storage]`;
  if (!('storage' in requests)) {
    errs.push(fieldErr.required(storagePath, ''));
  } else {
    const q = tryQuantity(requests.storage);
    if (q && q.sign() <= 0) errs.push(fieldErr.invalid(storagePath, q.toString(), 'must be greater than zero'));
    else errs.push(...validateQuantityValue('storage', requests.storage, storagePath).errs);
  }
  if (typeof s.storageClassName === 'string' && s.storageClassName) {
    errs.push(...check(isDNS1123Subdomain(s.storageClassName), `${path}.storageClassName`, s.storageClassName));
  }
  if (s.volumeMode !== undefined && s.volumeMode !== null && !volumeModes.includes(str(s.volumeMode))) {
    errs.push(fieldErr.notSupported(`${path}.volumeMode`, s.volumeMode, volumeModes));
  }
  return errs;
}

function validate(pvc: KObject): FieldError[] {
  const errs = validatePVCSpec(pvc.spec, 'spec');
  const phase = str(obj(pvc.status).phase);
  if (phase && !['Bound', 'Lost', 'Pending'].includes(phase)) errs.push(fieldErr.notSupported('status.phase', phase, ['Bound', 'Lost', 'Pending']));
  return errs;
}

/** ValidatePersistentVolumeClaimUpdate. */
export function validatePVCUpdate(pvc: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const newSpec: Record<string, any> = clone(obj(pvc.spec));
  const oldSpec: Record<string, any> = clone(obj(old.spec));
  // The binder sets volumeName once.
  if (!str(oldSpec.volumeName)) oldSpec.volumeName = newSpec.volumeName;
  // Bound claims may change their storage request (expansion).
  if (str(obj(pvc.status).phase) === 'Bound' && isObj(obj(newSpec.resources).requests)) {
    newSpec.resources.requests.storage = obj(obj(oldSpec.resources).requests).storage;
    if (newSpec.resources.requests.storage === undefined) delete newSpec.resources.requests.storage;
  }
  if (str(obj(pvc.status).phase) === 'Bound') newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  // A class may be set once when none was given (upgrade from nil).
  if ((oldSpec.storageClassName === undefined || oldSpec.storageClassName === null) && !str(obj(obj(old.metadata).annotations)['volume.beta.kubernetes.io/storage-class'])) {
    oldSpec.storageClassName = newSpec.storageClassName;
  }
  if (!semanticEqual(newSpec, oldSpec)) {
    errs.push(fieldErr.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeDiff(oldSpec, newSpec)}`));
  }
  const newSize = tryQuantity(obj(obj(obj(pvc.spec).resources).requests).storage);
  const oldSize = tryQuantity(obj(obj(obj(old.spec).resources).requests).storage);
  if (newSize && oldSize && newSize.cmp(oldSize) < 0) {
    errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  errs.push(...validateImmutableField(obj(pvc.spec).volumeMode ?? null, obj(old.spec).volumeMode ?? null, 'volumeMode'));
  return errs;
}

function pvcCells(pvc: KObject, now: number): unknown[] {
  const spec = obj(pvc.spec);
  const status = obj(pvc.status);
  const phase = obj(pvc.metadata).deletionTimestamp ? 'Terminating' : str(status.phase);
  let capacity = '';
  let modes = '';
  if (str(spec.volumeName)) {
    modes = accessModesString(status.accessModes);
    capacity = quantityString(obj(status.capacity).storage);
  }
  return [
    str(obj(pvc.metadata).name),
    phase,
    str(spec.volumeName),
    capacity,
    modes,
    storageClassOf(pvc, spec.storageClassName),
    typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
    ageCell(pvc, now),
    typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
  ];
}

export const persistentvolumeclaims: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  subresources: { status: true },
  defaults,
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },
  prepareForUpdate(pvc, old) {
    pvc.status = clone(old.status);
  },
  prepareForStatusUpdate(pvc, old) {
    pvc.spec = clone(old.spec);
  },
  validate: (pvc) => validate(pvc),
  validateUpdate: (pvc, old, ctx) => (ctx.subresource === '' ? validatePVCUpdate(pvc, old) : []),
  nameRule: 'subdomain',
  selectableFields: (pvc) => ({ name: str(obj(pvc.metadata).name) }),
  table: {
    columns: [
      nameColumn,
      col('Status', 'string', docs.pvcStatusPhase),
      col('Volume', 'string', docs.pvcSpecVolumeName),
      col('Capacity', 'string', docs.pvcStatusCapacity),
      col('Access Modes', 'string', docs.pvcStatusAccessModes),
      col('StorageClass', 'string', 'StorageClass of the pvc'),
      col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
      ageColumn,
      col('VolumeMode', 'string', docs.pvcSpecVolumeMode, 1),
    ],
    cells: pvcCells,
  },
};
