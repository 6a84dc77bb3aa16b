// Which requests an admission webhook or policy sees: upstream's rule matching (operations,
// apiGroups, apiVersions, resources with "*", "*/*", "x/*", "*/status", scope), the
// namespaceSelector (labels of the request's namespace; of the object itself for namespaces),
// the objectSelector (labels of the new or the old object) and the exemption of the admission
// configuration resources themselves.

import { labelSelectorAsSelector } from '../../../apimachinery/labels.js';
import type { RequestScope } from '../../endpoints/context.js';
import type { KObject } from '../../registry/types.js';
import type { Objects, Operation } from '../common.js';

/** What a request looks like to the matchers. */
export interface Attributes {
  operation: Operation | 'CONNECT';
  group: string;
  version: string;
  kind: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  namespaced: boolean;
  object: KObject | undefined;
  oldObject: KObject | undefined;
  scope: RequestScope;
}

export function attributesOf(op: Operation, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope): Attributes {
  const { def } = scope;
  return {
    operation: op,
    group: def.group,
    version: def.version,
    kind: def.kind,
    resource: def.plural,
    subresource: scope.subresource ?? '',
    namespace: def.namespaced ? scope.namespace || obj?.metadata?.namespace || old?.metadata?.namespace || '' : '',
    name: scope.name || obj?.metadata?.name || old?.metadata?.name || '',
    namespaced: def.namespaced,
    object: obj,
    oldObject: old,
    scope,
  };
}

const EXEMPT = new Set([
  'mutatingwebhookconfigurations', 'validatingwebhookconfigurations',
  'validatingadmissionpolicies', 'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings',
]);

/** Upstream never calls webhooks or policies for their own configuration objects. */
export function isExemptResource(a: Attributes): boolean {
  return a.group === 'admissionregistration.k8s.io' && EXEMPT.has(a.resource);
}

function listOf(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : [];
}

function resourceMatches(patterns: string[], resource: string, subresource: string): boolean {
  const full = subresource ? `${resource}/${subresource}` : resource;
  for (const p of patterns) {
    if (p === '*/*' || p === full) return true;
    if (p === '*' && !subresource) return true;
    const i = p.indexOf('/');
    if (i < 0) continue;
    const [pr, ps] = [p.slice(0, i), p.slice(i + 1)];
    if (!subresource) continue;
    if ((pr === '*' || pr === resource) && (ps === '*' || ps === subresource)) return true;
  }
  return false;
}

/** A RuleWithOperations against the request. */
export function ruleMatches(rule: KObject, a: Attributes, checkOperation = true): boolean {
  if (checkOperation) {
    const ops = listOf(rule.operations);
    if (!ops.includes('*') && !ops.includes(a.operation)) return false;
  }
  const groups = listOf(rule.apiGroups);
  if (!groups.includes('*') && !groups.includes(a.group)) return false;
  const versions = listOf(rule.apiVersions);
  if (!versions.includes('*') && !versions.includes(a.version)) return false;
  if (!resourceMatches(listOf(rule.resources), a.resource, a.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.namespaced) return false;
  if (scope === 'Namespaced' && (!a.namespaced || a.resource === 'namespaces')) return false;
  return true;
}

export function anyRuleMatches(rules: unknown, a: Attributes): boolean {
  return Array.isArray(rules) && rules.some((r) => ruleMatches(r as KObject, a));
}

function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (!sel || typeof sel !== 'object') return true;
  return labelSelectorAsSelector(sel as any).matches(labels ?? {});
}

function emptySelector(sel: unknown): boolean {
  if (!sel || typeof sel !== 'object') return true;
  const s = sel as KObject;
  return !(s.matchLabels && Object.keys(s.matchLabels).length) && !(Array.isArray(s.matchExpressions) && s.matchExpressions.length);
}

/** The request's Namespace object (for namespaces: the object itself), or undefined. */
export async function namespaceObjectOf(a: Attributes, objects: Objects): Promise<KObject | undefined> {
  if (a.group === '' && a.resource === 'namespaces') return a.object ?? a.oldObject;
  if (!a.namespaced || !a.namespace) return undefined;
  return (await objects.get('', 'namespaces', '', a.namespace)) ?? (await objects.getLive?.('', 'namespaces', '', a.namespace));
}

/**
 * namespaceSelector: cluster-scoped objects other than namespaces always match; otherwise the
 * labels of the namespace (an unknown namespace matches only an empty selector).
 */
export async function namespaceSelectorMatches(sel: unknown, a: Attributes, objects: Objects): Promise<boolean> {
  if (emptySelector(sel)) return true;
  if (!a.namespaced && !(a.group === '' && a.resource === 'namespaces')) return true;
  const ns = await namespaceObjectOf(a, objects);
  if (!ns) return false;
  return selectorMatches(sel, ns.metadata?.labels);
}

/** objectSelector: the labels of the new object or of the old one. */
export function objectSelectorMatches(sel: unknown, a: Attributes): boolean {
  if (emptySelector(sel)) return true;
  return (a.object !== undefined && selectorMatches(sel, a.object?.metadata?.labels)) || (a.oldObject !== undefined && selectorMatches(sel, a.oldObject?.metadata?.labels));
}
