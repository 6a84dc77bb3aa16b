// core/v1 Secret: type defaulting (Opaque) and stringData folded into data, validation of
// keys, size and the per-type required keys (service-account-token, dockercfg,
// dockerconfigjson, basic-auth, ssh-auth, tls), immutable type and `immutable` data on
// update, the `type` field selector and the NAME / TYPE / DATA / AGE table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isConfigMapKey, validateImmutableField } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, nameColumn } from './columns.js';
import { decodedLength, maxDataSize } from './configmaps.js';
import { check, isObj, keyPath, obj, semanticEqual, str } from './helpers.js';

function defaults(secret: KObject): void {
  if (!secret.type) secret.type = 'Opaque';
  // stringData is write-only: it is merged into data (as base64) and never stored.
  if (isObj(secret.stringData)) {
    const data = isObj(secret.data) ? secret.data : {};
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
    secret.data = data;
  }
  delete secret.stringData;
}

function redactedJSONCheck(data: Record<string, any>, key: string): FieldError[] {
  try {
    const parsed = JSON.parse(Buffer.from(str(data[key]), 'base64').toString('utf8'));
    if (!isObj(parsed)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
    return [];
  } catch (e) {
    return [fieldErr.invalid(keyPath('data', key), '<secret contents redacted>', (e as Error).message)];
  }
}

/** ValidateSecret. */
export function validateSecret(secret: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(secret.data);
  let total = 0;
  for (const k of Object.keys(data)) {
    errs.push(...check(isConfigMapKey(k), keyPath('data', k), k));
    total += decodedLength(data[k]);
  }
  if (total > maxDataSize) errs.push(fieldErr.tooLong('data', '', maxDataSize));
  switch (str(secret.type)) {
    case 'kubernetes.io/service-account-token':
      if (!str(obj(obj(secret.metadata).annotations)['kubernetes.io/service-account.name'])) {
        errs.push(fieldErr.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
      if (!('.dockercfg' in data)) errs.push(fieldErr.required(keyPath('data', '.dockercfg'), ''));
      else errs.push(...redactedJSONCheck(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!('.dockerconfigjson' in data)) errs.push(fieldErr.required(keyPath('data', '.dockerconfigjson'), ''));
      else errs.push(...redactedJSONCheck(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        errs.push(fieldErr.required(keyPath('data', 'username'), ''));
        errs.push(fieldErr.required(keyPath('data', 'password'), ''));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (decodedLength(data['ssh-privatekey']) === 0) errs.push(fieldErr.required(keyPath('data', 'ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!('tls.crt' in data)) errs.push(fieldErr.required(keyPath('data', 'tls.crt'), ''));
      if (!('tls.key' in data)) errs.push(fieldErr.required(keyPath('data', 'tls.key'), ''));
      break;
  }
  return errs;
}

function validateUpdate(secret: KObject, old: KObject): FieldError[] {
  const errs = validateImmutableField(str(secret.type), str(old.type), 'type');
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!semanticEqual(obj(secret.data), obj(old.data))) errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const secrets: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  defaults,
  validate: (s) => validateSecret(s),
  validateUpdate,
  nameRule: 'subdomain',
  selectableFields: (s) => ({ type: str(s.type) }),
  table: {
    columns: [nameColumn, col('Type', 'string', docs.secretType), col('Data', 'string', docs.secretData), ageColumn],
    cells: (s, now) => [str(obj(s.metadata).name), str(s.type), Object.keys(obj(s.data)).length, ageCell(s, now)],
  },
};
