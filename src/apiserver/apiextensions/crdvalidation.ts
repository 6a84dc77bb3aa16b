// Validation of a CustomResourceDefinition (apiextensions.k8s.io/v1) as upstream's
// ValidateCustomResourceDefinition: the `<plural>.<group>` name, group, names (plural,
// singular, kind, listKind, shortNames, categories), scope, versions (names unique, exactly
// one storage version, schemas structural), subresources, printer columns, conversion, and on
// update the immutable fields and status.storedVersions.

import type { FieldError } from '../../apimachinery/errors.js';
import { fieldErr } from '../../apimachinery/errors.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../../apimachinery/validation.js';
import type { KObject } from '../registry/types.js';
import { parseSimpleJSONPath } from './printer.js';
import { validateStructural } from './structural.js';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const COLUMN_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'];

export function validateNames(names: KObject, path: string, errs: FieldError[]): void {
  const plural = str(names.plural);
  const singular = str(names.singular);
  const kind = str(names.kind);
  const listKind = str(names.listKind);
  if (!plural) errs.push(fieldErr.required(`${path}.plural`, ''));
  else { const e = isDNS1035Label(plural); if (e.length) errs.push(fieldErr.invalid(`${path}.plural`, plural, e.join(','))); }
  if (!singular) errs.push(fieldErr.required(`${path}.singular`, ''));
  else { const e = isDNS1035Label(singular); if (e.length) errs.push(fieldErr.invalid(`${path}.singular`, singular, e.join(','))); }
  if (!kind) errs.push(fieldErr.required(`${path}.kind`, ''));
  else { const e = isDNS1035Label(kind.toLowerCase()); if (e.length) errs.push(fieldErr.invalid(`${path}.kind`, kind, 'may have mixed case, but should otherwise match: ' + e.join(','))); }
  if (!listKind) errs.push(fieldErr.required(`${path}.listKind`, ''));
  else { const e = isDNS1035Label(listKind.toLowerCase()); if (e.length) errs.push(fieldErr.invalid(`${path}.listKind`, listKind, 'may have mixed case, but should otherwise match: ' + e.join(','))); }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s: unknown, i: number) => {
    const e = isDNS1035Label(str(s));
    if (e.length) errs.push(fieldErr.invalid(`${path}.shortNames[${i}]`, s, e.join(',')));
  });
  if (kind && kind === listKind) errs.push(fieldErr.invalid(`${path}.listKind`, listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c: unknown, i: number) => {
    const e = isDNS1035Label(str(c));
    if (e.length) errs.push(fieldErr.invalid(`${path}.categories[${i}]`, c, e.join(',')));
  });
}

function validateSubresources(sub: unknown, path: string, errs: FieldError[]): void {
  if (!isObj(sub)) return;
  const scale = sub.scale;
  if (isObj(scale)) {
    const sp = `${path}.scale`;
    const spec = str(scale.specReplicasPath);
    if (!spec) errs.push(fieldErr.required(`${sp}.specReplicasPath`, ''));
    else if (!spec.startsWith('.spec.') || !parseSimpleJSONPath(spec)) errs.push(fieldErr.invalid(`${sp}.specReplicasPath`, spec, 'should be a json path under .spec'));
    const status = str(scale.statusReplicasPath);
    if (!status) errs.push(fieldErr.required(`${sp}.statusReplicasPath`, ''));
    else if (!status.startsWith('.status.') || !parseSimpleJSONPath(status)) errs.push(fieldErr.invalid(`${sp}.statusReplicasPath`, status, 'should be a json path under .status'));
    const sel = scale.labelSelectorPath;
    if (typeof sel === 'string' && sel && ((!sel.startsWith('.spec.') && !sel.startsWith('.status.')) || !parseSimpleJSONPath(sel))) {
      errs.push(fieldErr.invalid(`${sp}.labelSelectorPath`, sel, 'should be a json path under either .spec or .status'));
    }
  }
}

function validateColumns(cols: unknown, path: string, errs: FieldError[]): void {
  if (!Array.isArray(cols)) return;
  const seen = new Set<string>();
  cols.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return;
    if (!str(c.name)) errs.push(fieldErr.required(`${p}.name`, ''));
    else if (seen.has(c.name)) errs.push(fieldErr.duplicate(`${p}.name`, c.name));
    seen.add(c.name);
    if (!str(c.type)) errs.push(fieldErr.required(`${p}.type`, ''));
    else if (!COLUMN_TYPES.includes(c.type)) errs.push(fieldErr.notSupported(`${p}.type`, c.type, COLUMN_TYPES));
    if (c.format && !COLUMN_FORMATS.includes(c.format)) errs.push(fieldErr.notSupported(`${p}.format`, c.format, COLUMN_FORMATS));
    if (!str(c.jsonPath)) errs.push(fieldErr.required(`${p}.jsonPath`, ''));
    else if (!parseSimpleJSONPath(c.jsonPath)) errs.push(fieldErr.invalid(`${p}.jsonPath`, c.jsonPath, 'must be a simple json path starting with .'));
  });
}

/** The storage version's name ('' when there is not exactly one). */
export function storageVersion(crd: KObject): string {
  const vs = (crd.spec?.versions ?? []).filter((v: any) => v?.storage === true);
  return vs.length === 1 ? vs[0].name : '';
}

export function validateCRD(crd: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const group = str(spec.group);
  const name = str(crd.metadata?.name);
  if (name && name !== `${str(names.plural)}.${group}`) errs.push(fieldErr.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!group) errs.push(fieldErr.required('spec.group', ''));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length) errs.push(fieldErr.invalid('spec.group', group, e.join(',')));
    if (group.split('.').length < 2) errs.push(fieldErr.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) errs.push(fieldErr.required('spec.scope', ''));
  else if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push(fieldErr.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  validateNames(names, 'spec.names', errs);

  const versions: any[] = Array.isArray(spec.versions) ? spec.versions : [];
  if (!versions.length) errs.push(fieldErr.required('spec.versions', 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  let storage = 0;
  let served = 0;
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!isObj(v)) return;
    const vn = str(v.name);
    if (!vn) errs.push(fieldErr.required(`${p}.name`, ''));
    else {
      const e = isDNS1035Label(vn);
      if (e.length) errs.push(fieldErr.invalid(`${p}.name`, vn, e.join(',')));
      if (seen.has(vn)) errs.push(fieldErr.duplicate(`${p}.name`, vn));
    }
    seen.add(vn);
    if (v.storage === true) storage++;
    if (v.served === true) served++;
    if (typeof v.served !== 'boolean') errs.push(fieldErr.required(`${p}.served`, ''));
    if (typeof v.storage !== 'boolean') errs.push(fieldErr.required(`${p}.storage`, ''));
    const schema = v.schema?.openAPIV3Schema;
    if (schema === undefined) errs.push(fieldErr.required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
    else errs.push(...validateStructural(schema, `${p}.schema.openAPIV3Schema`));
    validateSubresources(v.subresources, `${p}.subresources`, errs);
    validateColumns(v.additionalPrinterColumns, `${p}.additionalPrinterColumns`, errs);
    if (v.deprecationWarning !== undefined && !v.deprecated) errs.push(fieldErr.forbidden(`${p}.deprecationWarning`, 'can only be set for deprecated versions'));
  });
  if (versions.length && storage !== 1) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.versions', valueText: goVersions(versions), detail: 'must have exactly one version marked as storage version' });
  }
  if (versions.length && !served) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.versions', valueText: goVersions(versions), detail: 'must have at least one version marked as served' });
  }
  const conv = isObj(spec.conversion) ? spec.conversion : {};
  const strategy = conv.strategy ?? 'None';
  if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fieldErr.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  if (strategy === 'None' && conv.webhook !== undefined) errs.push(fieldErr.forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
  if (strategy === 'Webhook') {
    if (!isObj(conv.webhook)) errs.push(fieldErr.required('spec.conversion.webhook', 'required when strategy is set to Webhook'));
    else {
      const rv = conv.webhook.conversionReviewVersions;
      if (!Array.isArray(rv) || !rv.length) errs.push(fieldErr.required('spec.conversion.webhook.conversionReviewVersions', 'must include at least one of v1, v1beta1'));
      const cc = conv.webhook.clientConfig;
      if (!isObj(cc) || (!cc.url && !cc.service)) errs.push(fieldErr.required('spec.conversion.webhook.clientConfig', 'exactly one of url or service is required'));
    }
  }
  if (spec.preserveUnknownFields === true) errs.push(fieldErr.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  return errs;
}

function goVersions(versions: any[]): string {
  return `[]apiextensions.CustomResourceDefinitionVersion{${versions.map((v) => `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(v?.name ?? '')}, Served:${!!v?.served}, Storage:${!!v?.storage}, ...}`).join(', ')}}`;
}

export function validateCRDUpdate(crd: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (crd.spec?.group !== old.spec?.group) errs.push(fieldErr.invalid('spec.group', crd.spec?.group, 'field is immutable'));
  if (crd.spec?.names?.plural !== old.spec?.names?.plural && old.status?.acceptedNames?.plural) {
    errs.push(fieldErr.invalid('spec.names.plural', crd.spec?.names?.plural, 'field is immutable'));
  }
  if (crd.spec?.scope !== old.spec?.scope && (old.status?.storedVersions ?? []).length) {
    errs.push(fieldErr.invalid('spec.scope', crd.spec?.scope, 'field is immutable'));
  }
  validateStoredVersions(crd, errs);
  return errs;
}

/** status.storedVersions: every entry a version of the spec, the storage version among them. */
export function validateStoredVersions(crd: KObject, errs: FieldError[]): void {
  const stored: unknown[] = crd.status?.storedVersions ?? [];
  if (!stored.length) return;
  const names = new Set((crd.spec?.versions ?? []).map((v: any) => v?.name));
  stored.forEach((v, i) => {
    if (!names.has(v)) errs.push(fieldErr.invalid(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'));
  });
  const sv = storageVersion(crd);
  if (sv && !stored.includes(sv)) {
    errs.push({ type: 'FieldValueInvalid', field: 'status.storedVersions', valueText: `[]string{${stored.map((s) => JSON.stringify(s)).join(', ')}}`, detail: `must have the storage version ${sv}` });
  }
}
