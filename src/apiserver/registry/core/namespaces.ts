// core/v1 Namespace: the kubernetes.io/metadata.name label and phase defaults, the
// "kubernetes" spec finalizer and Active phase on create, spec finalizers and status
// kept apart from ordinary updates, and the NAME / STATUS / AGE table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, nameColumn } from './columns.js';
import { arr, check, clone, isObj, obj, str } from './helpers.js';

export const namespaceNameLabel = 'kubernetes.io/metadata.name';

function defaults(ns: KObject): void {
  if (!isObj(ns.metadata)) ns.metadata = {};
  const name = str(ns.metadata.name);
  // Upstream labels every namespace with its own name (only when the name is known).
  if (name) {
    if (!isObj(ns.metadata.labels)) ns.metadata.labels = {};
    ns.metadata.labels[namespaceNameLabel] = name;
  }
  if (!isObj(ns.spec)) ns.spec = {};
  if (!isObj(ns.status)) ns.status = {};
  if (!ns.status.phase) ns.status.phase = 'Active';
}

function prepareForCreate(ns: KObject): void {
  // Upstream re-applies the name label after name generation (Canonicalize); doing it
  // here covers generateName when the server has filled in the name by now.
  const name = str(obj(ns.metadata).name);
  if (name && isObj(ns.metadata)) ns.metadata.labels = { ...obj(ns.metadata.labels), [namespaceNameLabel]: name };
  if (!isObj(ns.spec)) ns.spec = {};
  const finalizers = arr<string>(ns.spec.finalizers);
  if (!finalizers.includes('kubernetes')) ns.spec.finalizers = [...finalizers, 'kubernetes'];
  ns.status = { phase: 'Active' };
}

function prepareForUpdate(ns: KObject, old: KObject): void {
  // Spec finalizers only change through the finalize subresource.
  if (!isObj(ns.spec)) ns.spec = {};
  const oldFinalizers = obj(old.spec).finalizers;
  if (oldFinalizers === undefined) delete ns.spec.finalizers;
  else ns.spec.finalizers = clone(oldFinalizers);
  ns.status = clone(old.status);
}

function prepareForStatusUpdate(ns: KObject, old: KObject): void {
  ns.spec = clone(old.spec);
}

/** validateFinalizerName for spec.finalizers: qualified names; "kubernetes" is the standard one. */
export function validateNamespaceFinalizers(finalizers: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers) {
    const name = str(f);
    errs.push(...check(isQualifiedName(name), path, name));
    if (!name.includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion'].includes(name)) {
      errs.push(fieldErr.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

function validate(ns: KObject): FieldError[] {
  return validateNamespaceFinalizers(arr(obj(ns.spec).finalizers), 'spec.finalizers');
}

function validateUpdate(ns: KObject, _old: KObject, ctx: { subresource: string }): FieldError[] {
  if (ctx.subresource !== 'status') return [];
  const phase = str(obj(ns.status).phase);
  if (!obj(ns.metadata).deletionTimestamp) {
    if (phase !== 'Active') return [fieldErr.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty")];
  } else if (phase !== 'Terminating') {
    return [fieldErr.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
  }
  return [];
}

export const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: { status: true },
  defaults,
  prepareForCreate,
  prepareForUpdate,
  prepareForStatusUpdate,
  validate,
  validateUpdate,
  nameRule: 'label',
  selectableFields(ns) {
    return { 'status.phase': str(obj(ns.status).phase), name: str(obj(ns.metadata).name) };
  },
  table: {
    columns: [nameColumn, col('Status', 'string', 'The status of the namespace'), ageColumn],
    cells: (ns, now) => [str(obj(ns.metadata).name), str(obj(ns.status).phase), ageCell(ns, now)],
  },
};
