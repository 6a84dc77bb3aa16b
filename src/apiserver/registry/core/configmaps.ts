// core/v1 ConfigMap: key validation across data and binaryData, the 1 MiB size limit,
// `immutable` enforcement on update, and the NAME / DATA / AGE table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isConfigMapKey } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, nameColumn } from './columns.js';
import { check, keyPath, obj, semanticEqual, str } from './helpers.js';

/** Upstream's MaxSecretSize, shared by secrets and config maps. */
export const maxDataSize = 1024 * 1024;

/** Size of a base64-encoded JSON value once decoded. */
export function decodedLength(v: unknown): number {
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

function validate(cm: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  let total = 0;
  for (const k of Object.keys(data)) {
    errs.push(...check(isConfigMapKey(k), keyPath('data', k), k));
    if (k in binary) errs.push(fieldErr.invalid(keyPath('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(data[k]), 'utf8');
  }
  for (const k of Object.keys(binary)) {
    errs.push(...check(isConfigMapKey(k), keyPath('binaryData', k), k));
    if (k in data) errs.push(fieldErr.invalid(keyPath('binaryData', k), k, 'duplicate of key present in data'));
    total += decodedLength(binary[k]);
  }
  if (total > maxDataSize) errs.push(fieldErr.tooLong('[]', '', maxDataSize));
  return errs;
}

function validateUpdate(cm: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(obj(cm.data), obj(old.data))) errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(obj(cm.binaryData), obj(old.binaryData))) errs.push(fieldErr.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const configmaps: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  validate,
  validateUpdate,
  nameRule: 'subdomain',
  table: {
    columns: [nameColumn, col('Data', 'string', docs.configMapData), ageColumn],
    cells: (cm, now) => [str(obj(cm.metadata).name), Object.keys(obj(cm.data)).length + Object.keys(obj(cm.binaryData)).length, ageCell(cm, now)],
  },
};
