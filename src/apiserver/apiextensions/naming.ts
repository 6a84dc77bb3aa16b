// The naming check of upstream's NamingConditionController: a CRD's requested names are
// accepted unless another CRD of the same group has already accepted them (plural, singular
// and shortNames share one namespace; kind and listKind another). Returns the accepted names
// and the NamesAccepted condition (reason/message as upstream).

import type { KObject } from '../registry/types.js';

export interface AcceptedNames {
  plural: string;
  singular?: string;
  shortNames?: string[];
  kind: string;
  listKind?: string;
  categories?: string[];
}

export interface NamingResult {
  names: AcceptedNames;
  accepted: boolean;
  reason: string;
  message: string;
}

export function calculateNames(crd: KObject, all: KObject[]): NamingResult {
  const group = crd.spec?.group;
  const requested = crd.spec?.names ?? {};
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of all) {
    if (other === crd || other.metadata?.name === crd.metadata?.name || other.spec?.group !== group) continue;
    const a = other.status?.acceptedNames ?? {};
    for (const r of [a.plural, a.singular, ...(a.shortNames ?? [])]) if (r) resources.add(r);
    for (const k of [a.kind, a.listKind]) if (k) kinds.add(k);
  }
  const prev: AcceptedNames = structuredClone(crd.status?.acceptedNames ?? { plural: '', kind: '' });
  const names: AcceptedNames = { ...prev };
  let reason = '';
  let message = '';
  const fail = (r: string, m: string) => {
    if (!reason) {
      reason = r;
      message = m;
    }
  };
  if (resources.has(requested.plural)) fail('PluralConflict', `"${requested.plural}" is already in use`);
  else names.plural = requested.plural;
  if (resources.has(requested.singular)) fail('SingularConflict', `"${requested.singular}" is already in use`);
  else names.singular = requested.singular;
  const shortConflict = (requested.shortNames ?? []).find((s: string) => resources.has(s));
  if (shortConflict) fail('ShortNamesConflict', `"${shortConflict}" is already in use`);
  else names.shortNames = requested.shortNames;
  if (kinds.has(requested.kind)) fail('KindConflict', `"${requested.kind}" is already in use`);
  else names.kind = requested.kind;
  if (kinds.has(requested.listKind)) fail('ListKindConflict', `"${requested.listKind}" is already in use`);
  else names.listKind = requested.listKind;
  names.categories = requested.categories;
  for (const k of ['singular', 'shortNames', 'listKind', 'categories'] as const) if (names[k] === undefined || (Array.isArray(names[k]) && !(names[k] as string[]).length)) delete names[k];
  if (reason) return { names, accepted: false, reason, message };
  return { names, accepted: true, reason: 'NoConflicts', message: 'no conflicts found' };
}
