// RBAC escalation prevention, as upstream's RBAC registry enforces on writes:
//
// - Roles/ClusterRoles: a user may create or update a role only when they already hold every
//   permission in it (in the role's namespace), unless they are in system:masters or are
//   authorized to `escalate` on roles/clusterroles. Setting or changing a ClusterRole's
//   aggregationRule needs full authority (cluster-admin).
// - RoleBindings/ClusterRoleBindings: a user may bind a role only when they hold all of its
//   permissions (in the binding's namespace), unless they are in system:masters or are
//   authorized to `bind` that role.
//
// Updates that only touch garbage-collection fields (ownerReferences, finalizers) are exempt.
// Failures are 403 Forbidden with upstream's message:
//   clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "bob" (groups=["system:authenticated"])
//   is attempting to grant RBAC permissions not currently held:
//   {APIGroups:[""], Resources:["pods"], Verbs:["get"]}

import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Authorizer, RuleResolver } from './types.js';
import { RBAC_GROUP, SYSTEM_MASTERS, type PolicyRule } from './bootstrappolicy.js';
import { aggregateErrors, goQuoteList, type RoleRef } from './rbac.js';
import { hasAggregationRule } from './aggregation.js';

export type EscalationOp = 'CREATE' | 'UPDATE';

/** What the escalation checks need to know about rules; RBACAuthorizer implements it. */
export interface EscalationRuleResolver {
  /** The rules the user holds in namespace, and the texts of roles that could not be resolved. */
  policyRulesFor(user: UserInfo, namespace: string, opts?: { registry?: boolean }): { rules: PolicyRule[]; errors: string[] };
  /** The rules of a referenced role; throws an Error whose message is the NotFound text when missing. */
  roleReferenceRules(roleRef: RoleRef, bindingNamespace: string): PolicyRule[];
}

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

// ---------------------------------------------------------------------------------------
// Covers: does a set of owner rules include every permission of the servant rules?
// ---------------------------------------------------------------------------------------

/** Split a rule into one rule per (group, resource, verb[, name]) and per (URL, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function hasAll(set: readonly string[] | undefined, items: readonly string[] | undefined): boolean {
  for (const i of items ?? []) if (!(set ?? []).includes(i)) return false;
  return true;
}

function resourceCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  const s = set ?? [];
  if (s.includes('*') || hasAll(s, covers)) return true;
  for (const path of covers ?? []) {
    if (s.includes(path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!s.includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  return owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, ''));
}

function nonResourceURLsCoverAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  for (const path of covers ?? []) {
    if (!(set ?? []).some((o) => nonResourceURLCovers(o, path))) return false;
  }
  return true;
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = (owner.verbs ?? []).includes('*') || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const names = sub.resourceNames?.length ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames) : !owner.resourceNames?.length;
  return verbs && groups && resources && names && urls;
}

/** Whether owner covers servant; the uncovered pieces (broken down) otherwise. */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const s of servant) {
    for (const sub of breakdownRule(s)) {
      if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/** Merge broken-down rules that differ only by verb (single group, resource, at most one name). */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  const order: string[] = [];
  for (const r of rules) {
    const isSimple =
      !(r.resourceNames && r.resourceNames.length > 1) &&
      !r.nonResourceURLs?.length &&
      r.apiGroups?.length === 1 &&
      r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.length ? r.resourceNames[0] : null]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...(r.verbs ?? [])];
    else {
      simple.set(key, { ...r, verbs: [...(r.verbs ?? [])] });
      order.push(key);
    }
  }
  for (const k of order) out.push(simple.get(k)!);
  return out;
}

/** The compact rule text of escalation errors: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * ConfirmNoEscalation: throws Error (the message upstream puts after "is forbidden: ") when
 * the user does not hold all of `rules` in namespace.
 */
export function confirmNoEscalation(user: UserInfo, namespace: string, rules: readonly PolicyRule[], resolver: EscalationRuleResolver): void {
  const held = resolver.policyRulesFor(user, namespace, { registry: true });
  const { covered, missing } = covers(held.rules, rules);
  if (covered) return;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (held.errors.length) msg += `; resolution errors: [${aggregateErrors(held.errors)}]`;
  throw new Error(msg);
}

// ---------------------------------------------------------------------------------------
// The admission entry point
// ---------------------------------------------------------------------------------------

const RESOURCE_OF_KIND: Record<string, string> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

function forbiddenError(resource: string, name: string, why: string): StatusError {
  const qualified = `${resource}.${RBAC_GROUP}`;
  const message = name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new StatusError(403, 'Forbidden', message, { name: name || undefined, group: RBAC_GROUP, kind: resource });
}

function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_MASTERS);
}

function stripForGC(o: KObject): unknown {
  const meta = { ...(o.metadata ?? {}) };
  for (const k of ['ownerReferences', 'finalizers', 'selfLink', 'managedFields', 'resourceVersion']) delete meta[k];
  const copy: KObject = { ...o, metadata: meta };
  return copy;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(canonical) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined && !(c && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0)) out[k] = c;
    }
    return out;
  }
  return v === null ? undefined : v;
}

/** Whether an update changes only what the garbage collector needs to change. */
export function isOnlyMutatingGCFields(obj: KObject, old: KObject | undefined): boolean {
  if (!old) return false;
  return JSON.stringify(canonical(stripForGC(obj))) === JSON.stringify(canonical(stripForGC(old)));
}

/**
 * Escalation check for a write of a Role, ClusterRole, RoleBinding or ClusterRoleBinding (other
 * kinds are ignored). `authorizer` answers the `escalate`/`bind` checks (the server's full
 * authorizer chain, as upstream); `resolver` (RBACAuthorizer) tells which rules the user holds.
 * Throws a 403 StatusError when the write would escalate.
 */
export function checkEscalation(
  op: EscalationOp,
  obj: KObject,
  oldObj: KObject | undefined,
  user: UserInfo,
  authorizer: Authorizer,
  resolver: EscalationRuleResolver & Partial<RuleResolver>,
): void {
  const kind: string = obj?.kind ?? oldObj?.kind ?? '';
  const resource = RESOURCE_OF_KIND[kind];
  if (!resource) return;
  const name: string = obj.metadata?.name ?? '';
  const namespace: string = kind === 'Role' || kind === 'RoleBinding' ? obj.metadata?.namespace ?? '' : '';

  if (escalationAllowed(user)) return;
  if (op === 'UPDATE' && isOnlyMutatingGCFields(obj, oldObj)) return;

  if (kind === 'Role' || kind === 'ClusterRole') {
    // authorized to escalate on this resource (the request's name: none on create)
    const escalate = authorizer.authorize({
      user,
      verb: 'escalate',
      isResourceRequest: true,
      path: '',
      namespace,
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource,
      subresource: '',
      name: op === 'CREATE' ? '' : name,
    });
    if (escalate.decision === 'Allow') return;
    const rules: PolicyRule[] = Array.isArray(obj.rules) ? obj.rules : [];
    try {
      confirmNoEscalation(user, namespace, rules, resolver);
    } catch (e) {
      throw forbiddenError(resource, name, (e as Error).message);
    }
    if (kind === 'ClusterRole' && (hasAggregationRule(obj) || (op === 'UPDATE' && hasAggregationRule(oldObj)))) {
      try {
        confirmNoEscalation(user, '', FULL_AUTHORITY, resolver);
      } catch {
        throw forbiddenError(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
    }
    return;
  }

  // RoleBinding / ClusterRoleBinding
  const roleRef: RoleRef = obj.roleRef ?? { kind: '', name: '' };
  if (roleRef.kind === 'ClusterRole' || roleRef.kind === 'Role') {
    const bind = authorizer.authorize({
      user,
      verb: 'bind',
      isResourceRequest: true,
      path: '',
      namespace,
      apiGroup: roleRef.apiGroup ?? RBAC_GROUP,
      apiVersion: '',
      resource: roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
      subresource: '',
      name: roleRef.name,
    });
    if (bind.decision === 'Allow') return;
  }
  let rules: PolicyRule[];
  try {
    rules = resolver.roleReferenceRules(roleRef, namespace);
  } catch (e) {
    throw forbiddenError(resource, name, (e as Error).message);
  }
  try {
    confirmNoEscalation(user, namespace, rules, resolver);
  } catch (e) {
    throw forbiddenError(resource, name, (e as Error).message);
  }
}
