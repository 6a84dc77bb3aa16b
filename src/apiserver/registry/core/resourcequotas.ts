// core/v1 ResourceQuota: status kept apart from spec, validation of hard limits (resource
// names, quantities) and scopes, and the NAME / AGE / REQUEST / LIMIT table with
// "resource: used/hard" pairs.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, nameColumn } from './columns.js';
import { arr, check, clone, isObj, keyPath, obj, quantityString, str, validateQuantityValue } from './helpers.js';

const quotaResources = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu',
  'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);
const scopes = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];

function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = check(isQualifiedName(name), path, name);
  if (errs.length) return errs;
  if (!name.includes('/') && !quotaResources.has(name) && !/^(requests\.)?hugepages-/.test(name)) {
    errs.push(fieldErr.invalid(path, name, 'must be a standard resource for quota'));
  }
  return errs;
}

function validateList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(list))) {
    const p = keyPath(path, k);
    errs.push(...validateQuotaResourceName(k, p));
    errs.push(...validateQuantityValue(k, v, p).errs);
  }
  return errs;
}

/** ValidateResourceQuota: spec.hard, scopes and scope selector, status lists. */
export function validateResourceQuota(rq: KObject): FieldError[] {
  const spec = obj(rq.spec);
  const errs = validateList(spec.hard, 'spec.hard');
  const sc = arr<string>(spec.scopes);
  for (const s of sc) {
    if (!scopes.includes(str(s))) errs.push(fieldErr.invalid('spec.scopes', sc, 'unsupported scope'));
  }
  const has = (s: string) => sc.includes(s);
  if ((has('Terminating') && has('NotTerminating')) || (has('BestEffort') && has('NotBestEffort'))) {
    errs.push(fieldErr.invalid('spec.scopes', sc, 'conflicting scopes'));
  }
  arr(obj(spec.scopeSelector).matchExpressions).forEach((raw, i) => {
    const e = obj(raw);
    const p = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!scopes.includes(str(e.scopeName))) errs.push(fieldErr.invalid(`${p}.scopeName`, str(e.scopeName), 'unsupported scope'));
    const op = str(e.operator);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) errs.push(fieldErr.invalid(`${p}.operator`, op, 'not a valid selector operator'));
  });
  errs.push(...validateList(obj(rq.status).hard, 'status.hard'));
  errs.push(...validateList(obj(rq.status).used, 'status.used'));
  return errs;
}

function sortResourceNames(names: string[]): string[] {
  return [...names].sort();
}

function quotaCells(rq: KObject, now: number): unknown[] {
  // as upstream's printer: the rows come from status.hard (empty until the quota controller syncs)
  const status = obj(rq.status);
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of sortResourceNames(Object.keys(obj(status.hard)))) {
    const used = quantityString(obj(status.used)[r]);
    const hard = quantityString(obj(status.hard)[r]);
    const pieces = r.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(`${r}: ${used}/${hard}`);
  }
  return [str(obj(rq.metadata).name), ageCell(rq, now), request.join(', '), limit.join(', ')];
}

export const resourcequotas: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  subresources: { status: true },
  defaults(rq) {
    if (!isObj(rq.spec)) rq.spec = {};
    if (!isObj(rq.status)) rq.status = {};
  },
  prepareForCreate(rq) {
    rq.status = {};
  },
  prepareForUpdate(rq, old) {
    rq.status = clone(old.status) ?? {};
  },
  prepareForStatusUpdate(rq, old) {
    rq.spec = clone(old.spec);
  },
  validate: (rq) => validateResourceQuota(rq),
  nameRule: 'subdomain',
  table: {
    columns: [
      nameColumn,
      ageColumn,
      col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    cells: quotaCells,
  },
};
