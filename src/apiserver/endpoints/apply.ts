// PATCH with application/apply-patch+yaml (server-side apply): the PatchOptions rules of
// apply (fieldManager required, force only for apply), the YAML/JSON body decoded and checked
// against the endpoint's type, and the mutation updateObject runs: the field manager's apply
// of the configuration onto the live object (or onto nothing: apply creates a missing object).

import { parse as parseYAML } from 'yaml';
import { StatusError, badRequest } from '../../apimachinery/errors.js';
import { applyConfig } from '../../apimachinery/managedfields/index.js';
import type { KObject } from '../registry/types.js';
import type { RequestScope } from './context.js';
import { checkFields, fieldValidationOf, typeError } from '../fieldvalidation.js';
import { fieldManagerScope } from './fieldmanager.js';
import { gvString } from './read.js';

function invalidPatchOptions(field: string, reason: string, detail: string, value?: string): StatusError {
  const body = value === undefined ? detail : `${detail}`;
  return new StatusError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${body}`, {
    group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason, message: body, field }],
  });
}

/** `force` of a PATCH: only apply patches may carry it; undefined when absent. */
export function checkPatchOptions(query: URLSearchParams, isApply: boolean): boolean {
  const f = query.get('force');
  if (!isApply) {
    if (f !== null) throw invalidPatchOptions('force', 'FieldValueForbidden', 'Forbidden: may not be specified for non-apply patch');
    return false;
  }
  if (!query.get('fieldManager')) throw invalidPatchOptions('fieldManager', 'FieldValueRequired', 'Required value: is required for apply patch');
  if (f !== null && f !== 'true' && f !== 'false') throw badRequest(`invalid boolean value for force: ${JSON.stringify(f)}`);
  return f === 'true';
}

/** Decode an apply body (YAML, of which JSON is a subset). */
export function decodeApplyBody(raw: Buffer): KObject {
  const text = raw.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    try {
      v = parseYAML(text, { maxAliasCount: 100 });
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (v === null || v === undefined) v = {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'string'} into Go value of type map[string]interface {}`);
  }
  return v as KObject;
}

/** The mutation of an apply request: the live object (or undefined) to the applied object. */
export function applyMutation(scope: RequestScope, raw: Buffer, warn: (w: string) => void): (current: KObject | undefined) => KObject {
  const { def } = scope;
  const force = checkPatchOptions(scope.query, true);
  const config = decodeApplyBody(raw);
  const gv = gvString(def);
  if (typeof config.apiVersion !== 'string' || config.apiVersion !== gv) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${typeof config.apiVersion === 'string' ? config.apiVersion : ''}, expected: ${gv}`);
  }
  if (config.kind !== def.kind) {
    throw badRequest(`the kind in the apply patch (${typeof config.kind === 'string' ? config.kind : ''}) does not match the expected kind (${def.kind})`);
  }
  if (config.metadata !== undefined && config.metadata !== null && config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) {
    throw badRequest(`metadata.managedFields must be nil`);
  }
  const te = typeError(config, gv, def.kind);
  if (te) throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${te}`);
  for (const w of checkFields(config, gv, def.kind, fieldValidationOf(scope.query))) warn(w);
  const fm = fieldManagerScope(def, scope.subresource);
  const manager = scope.query.get('fieldManager')!;
  return (current) => {
    const applied = applyConfig(fm, current, config, { manager, force });
    if (current && fm.subresource === 'status') return { ...current, status: applied.status, metadata: applied.metadata };
    return applied;
  };
}
