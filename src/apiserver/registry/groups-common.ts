// Shared helpers for the non-core API group resource declarations (apps, batch, rbac, ...):
// Table column builders with upstream's column descriptions, small object accessors,
// int-or-percent validation, pod-template defaulting/validation glue and the
// "created/updated/status" strategy helpers the workload types have in common.

import { fieldErr, type FieldError } from '../../apimachinery/errors.js';
import { age } from '../../apimachinery/duration.js';
import { isPercent } from '../../apimachinery/validation.js';
import { formatLabelSelector, formatLabels as labelsString, labelSelectorAsSelector, labelSelectorToString } from '../../apimachinery/labels.js';
import { defaultPodTemplateSpec, podTemplateContainersImages, validatePodTemplateSpec } from './core/podspec.js';
import type { KObject, TableColumn } from './types.js';

// ---------------------------------------------------------------------------------------
// table columns
// ---------------------------------------------------------------------------------------

export const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATED_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
export const CONTAINERS_DESC = 'Names of each container in the template.';
export const IMAGES_DESC = 'Images referenced by each container in the template.';

export function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumn {
  return { name, type, format, description, priority };
}
export const nameCol = (): TableColumn => col('Name', 'string', NAME_DESC, 0, 'name');
export const ageCol = (): TableColumn => col('Age', 'string', CREATED_DESC);
export const containersCol = (): TableColumn => col('Containers', 'string', CONTAINERS_DESC, 1);
export const imagesCol = (): TableColumn => col('Images', 'string', IMAGES_DESC, 1);

/** The AGE cell of an object. */
export function ageOf(obj: KObject, now: number): string {
  return age(obj?.metadata?.creationTimestamp, now);
}

/** CONTAINERS and IMAGES cells for a pod template. */
export function templateCells(template: KObject | undefined): [string, string] {
  return podTemplateContainersImages(template ?? {});
}

/** metav1.FormatLabelSelector: the canonical selector string, "<none>" when absent or empty. */
export function formatSelector(sel: KObject | undefined | null): string {
  return formatLabelSelector(sel as any);
}

/** Deployment's wide SELECTOR: LabelSelectorAsSelector(...).String(), "" for everything. */
export function selectorString(sel: KObject | undefined | null): string {
  if (!sel) return '';
  try {
    return labelSelectorToString(sel as any);
  } catch {
    return '<invalid>';
  }
}

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, "<none>" when empty. */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  const s = labelsString(isObj(m) ? m : null);
  return s === '' ? '<none>' : s;
}

// ---------------------------------------------------------------------------------------
// accessors
// ---------------------------------------------------------------------------------------

export function isObj(v: unknown): v is KObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns obj[key], creating an empty object there when missing. */
export function ensureObj(obj: KObject, key: string): KObject {
  if (!isObj(obj[key])) obj[key] = {};
  return obj[key];
}

export function num(v: unknown, dflt = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function arr<T = any>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Deep equality of JSON values where absent, null, '' and empty objects/arrays are alike. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown): boolean =>
    v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).every((k) => empty(v[k])));
  if (empty(a) && empty(b)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as KObject;
  const bo = b as KObject;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// selectors
// ---------------------------------------------------------------------------------------

/** True when the label selector selects the given labels (an empty selector selects everything). */
export function selectorMatches(sel: KObject | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  try {
    return labelSelectorAsSelector((sel ?? {}) as any).matches(labels ?? {});
  } catch {
    return false;
  }
}

export function selectorIsEmpty(sel: KObject | undefined | null): boolean {
  if (!sel) return true;
  return Object.keys(sel.matchLabels ?? {}).length + arr(sel.matchExpressions).length === 0;
}

// ---------------------------------------------------------------------------------------
// int-or-percent (intstr.IntOrString)
// ---------------------------------------------------------------------------------------

export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isPercent(v).map((m) => fieldErr.invalid(path, v, m));
  if (typeof v === 'number' && Number.isInteger(v)) return v < 0 ? [fieldErr.invalid(path, v, 'must be greater than or equal to 0')] : [];
  return [fieldErr.invalid(path, v, "must be an integer or percentage (e.g '5%')")];
}

/** The integer value of an int-or-percent, percentages read as their number; -1 when unparseable. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^([0-9]+)%$/.exec(v);
    if (m) return parseInt(m[1], 10);
    return -1;
  }
  return -1;
}

export function isNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) return [];
  return intOrPercentValue(v) > 100 ? [fieldErr.invalid(path, v, 'must not be greater than 100%')] : [];
}

// ---------------------------------------------------------------------------------------
// pod templates
// ---------------------------------------------------------------------------------------

/** Defaults a PodTemplateSpec in place (metadata as upstream serializes it, the pod spec defaults). */
export function defaultPodTemplate(template: KObject | undefined): void {
  defaultPodTemplateSpec(template);
}

/** ValidatePodTemplateSpec: template metadata labels/annotations and the pod spec. */
export function validatePodTemplate(template: KObject | undefined, path: string): FieldError[] {
  return validatePodTemplateSpec(template ?? {}, path);
}

/**
 * ValidatePodTemplateSpecForReplicaSet (deployments, replica sets, stateful sets, daemon
 * sets): labels must match the selector, restartPolicy Always, no activeDeadlineSeconds.
 */
export function validateReplicatedTemplate(
  template: KObject | undefined,
  selector: KObject | undefined | null,
  path: string,
  owner = 'ReplicaSet',
): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(template)) return [fieldErr.required(path, '')];
  const labels = template.metadata?.labels;
  // An absent selector selects nothing (so never matches); an empty one is not checked.
  if (!isObj(selector) || (!selectorIsEmpty(selector) && !selectorMatches(selector, labels))) {
    errs.push(fieldErr.invalid(`${path}.metadata.labels`, labels ?? null, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplate(template, path));
  const spec = isObj(template.spec) ? template.spec : {};
  if (spec.restartPolicy !== 'Always') {
    errs.push(fieldErr.notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------
// strategies
// ---------------------------------------------------------------------------------------

/** Create: reset status to the given initial value. */
export function resetStatus(obj: KObject, initial: KObject = {}): void {
  obj.status = clone(initial);
}

/** Update of the main resource: the status stays what it was. */
export function keepOldStatus(obj: KObject, old: KObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

/** Update of the status subresource: the spec stays what it was. */
export function keepOldSpec(obj: KObject, old: KObject): void {
  if (old.spec === undefined) delete obj.spec;
  else obj.spec = clone(old.spec);
}

/**
 * Status subresource updates: the spec stays what it was, and so do the metadata fields a
 * status writer may not change (upstream's ResetObjectMetaForStatus: labels, annotations,
 * finalizers, owner references, deletion timestamp).
 */
export function statusOnlyUpdate(obj: KObject, old: KObject): void {
  keepOldSpec(obj, old);
  const meta = ensureObj(obj, 'metadata');
  const om = isObj(old.metadata) ? old.metadata : {};
  for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'deletionTimestamp']) {
    if (om[k] === undefined) delete meta[k];
    else meta[k] = clone(om[k]);
  }
}

/** True when the object carries a condition of the given type with status "True". */
export function hasTrueCondition(obj: KObject, type: string): boolean {
  for (const c of arr(obj?.status?.conditions)) {
    if (c?.type === type) return c.status === 'True';
  }
  return false;
}

/** Status updates may not decrement status.collisionCount. */
export function validateCollisionCountUpdate(obj: KObject, old: KObject): FieldError[] {
  const n = obj.status?.collisionCount;
  const o = old.status?.collisionCount;
  if (typeof o !== 'number') return [];
  if (typeof n === 'number' && n >= o) return [];
  return [fieldErr.invalid('status.collisionCount', typeof n === 'number' ? n : 0, 'cannot be decremented')];
}
