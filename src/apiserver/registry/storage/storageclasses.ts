// storage.k8s.io/v1 StorageClass: defaults (reclaimPolicy Delete, volumeBindingMode
// Immediate), validation (provisioner, parameters, policies, allowed topologies; parameters,
// provisioner, reclaimPolicy and volumeBindingMode fixed after create) and the Table columns
// with the "(default)" marker.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName, isValidLabelValue, validateImmutableField } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, col, isObj, nameCol, semanticEqual } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const MaxParameterCount = 512;
const MaxParameterSize = 256 * (1 << 10);

export const IsDefaultStorageClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
export const BetaIsDefaultStorageClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';

/** True when annotated as the default class (either annotation set to "true"). */
export function isDefaultStorageClass(obj: KObject): boolean {
  const a = obj.metadata?.annotations ?? {};
  return a[IsDefaultStorageClassAnnotation] === 'true' || a[BetaIsDefaultStorageClassAnnotation] === 'true';
}

function validateParameters(params: unknown, path: string): FieldError[] {
  if (!isObj(params)) return [];
  const keys = Object.keys(params);
  if (keys.length > MaxParameterCount) return [fieldErr.tooLong(path, 'Provisioner Parameters exceeded max allowed', MaxParameterCount)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const k of keys) {
    if (k.length < 1) errs.push(fieldErr.invalid(path, k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(params[k] ?? ''));
  }
  if (size > MaxParameterSize) errs.push(fieldErr.tooLong(path, '', MaxParameterSize));
  return errs;
}

function validateAllowedTopologies(terms: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen: unknown[] = [];
  terms.forEach((t: any, i) => {
    const tp = `${path}[${i}]`;
    const exprs = arr(t?.matchLabelExpressions);
    const exprMap: Record<string, string[]> = {};
    exprs.forEach((e: any, j) => {
      const ep = `${tp}.matchLabelExpressions[${j}]`;
      const key = String(e?.key ?? '');
      for (const m of isQualifiedName(key)) errs.push(fieldErr.invalid(`${ep}.key`, key, m));
      const values = arr<string>(e?.values);
      if (values.length === 0) errs.push(fieldErr.required(`${ep}.values`, 'must specify as least one value'));
      values.forEach((v, k) => {
        for (const m of isValidLabelValue(String(v))) errs.push(fieldErr.invalid(`${ep}.values[${k}]`, v, m));
      });
      if (key in exprMap) errs.push(fieldErr.duplicate(`${ep}.key`, key));
      exprMap[key] = [...values].sort();
    });
    if (seen.some((s) => semanticEqual(s, exprMap))) errs.push(fieldErr.duplicate(`${tp}.matchLabelExpressions`, ''));
    seen.push(exprMap);
  });
  return errs;
}

export const storageClassDef: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  storageResource: 'storageclasses',
  defaults(obj) {
    if (!obj.reclaimPolicy) obj.reclaimPolicy = 'Delete';
    if (!obj.volumeBindingMode) obj.volumeBindingMode = 'Immediate';
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const provisioner = typeof obj.provisioner === 'string' ? obj.provisioner : '';
    if (provisioner.length === 0) errs.push(fieldErr.required('provisioner', ''));
    else for (const m of isQualifiedName(provisioner.toLowerCase())) errs.push(fieldErr.invalid('provisioner', provisioner, m));
    errs.push(...validateParameters(obj.parameters, 'parameters'));
    if (obj.reclaimPolicy && obj.reclaimPolicy !== 'Delete' && obj.reclaimPolicy !== 'Retain') {
      errs.push(fieldErr.notSupported('reclaimPolicy', obj.reclaimPolicy, ['Delete', 'Retain']));
    }
    if (obj.volumeBindingMode === undefined || obj.volumeBindingMode === null) errs.push(fieldErr.required('volumeBindingMode', ''));
    else if (obj.volumeBindingMode !== 'Immediate' && obj.volumeBindingMode !== 'WaitForFirstConsumer') {
      errs.push(fieldErr.notSupported('volumeBindingMode', obj.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
    }
    errs.push(...validateAllowedTopologies(arr(obj.allowedTopologies), 'allowedTopologies'));
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (!semanticEqual(obj.parameters ?? {}, old.parameters ?? {})) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
    if ((obj.provisioner ?? '') !== (old.provisioner ?? '')) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if ((obj.reclaimPolicy ?? '') !== (old.reclaimPolicy ?? '')) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    errs.push(...validateImmutableField(obj.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
    return errs;
  },
  table: {
    columns: [
      nameCol(),
      col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
      col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
      col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      ageCol(),
    ],
    cells(obj, now) {
      let name = obj.metadata?.name ?? '';
      if (isDefaultStorageClass(obj)) name += ' (default)';
      return [
        name,
        obj.provisioner ?? '',
        obj.reclaimPolicy || 'Delete',
        obj.volumeBindingMode || 'Immediate',
        obj.allowVolumeExpansion === true,
        ageOf(obj, now),
      ];
    },
  },
};
