// apps/v1 ControllerRevision: validation (data required and immutable, revision ≥ 0) and
// the Table columns (NAME CONTROLLER REVISION AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateImmutableField, validateNonnegativeField } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, col, nameCol, num } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

/** "kind.group/name" (lower-cased kind.group) of the controlling owner, "<none>" without one. */
export function controllerName(obj: KObject): string {
  const ref = arr(obj.metadata?.ownerReferences).find((r) => r?.controller === true);
  if (!ref) return '<none>';
  const apiVersion = String(ref.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = String(ref.kind ?? '');
  if (!kind && !group) return String(ref.name ?? '');
  const gk = group ? `${kind}.${group}` : kind;
  return `${gk.toLowerCase()}/${ref.name ?? ''}`;
}

export const controllerRevisionDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  storageResource: 'controllerrevisions',
  defaults(obj) {
    if (obj.revision === undefined || obj.revision === null) obj.revision = 0;
  },
  validate(obj) {
    const errs: FieldError[] = [];
    if (obj.data === undefined || obj.data === null) errs.push(fieldErr.required('data', 'data is mandatory'));
    errs.push(...validateNonnegativeField(num(obj.revision), 'revision'));
    return errs;
  },
  validateUpdate(obj, old) {
    return validateImmutableField(obj.data, old.data, 'data');
  },
  table: {
    columns: [nameCol(), col('Controller', 'string', 'Controller of the object'), col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'), ageCol()],
    cells(obj, now) {
      return [obj.metadata?.name ?? '', controllerName(obj), num(obj.revision), ageOf(obj, now)];
    },
  },
};
