// The RBAC authorizer: decides from the ClusterRoles, ClusterRoleBindings, Roles and
// RoleBindings of an ObjectSource, as upstream's RBAC authorizer does — ClusterRoleBindings
// first, then the RoleBindings of the request's namespace; a binding applies when one of its
// subjects is the user, one of the user's groups, or the user's service account; the rules of
// the referenced role (a RoleBinding may reference a ClusterRole, scoped to its namespace)
// allow the request when verb, API group, resource (with "*" and "*/subresource"), resource
// name and non-resource URL (exact or trailing "*") match. Missing roles are skipped and
// reported in the reason. Decisions are Allow or NoOpinion.
//
// Speed: bindings are indexed by subject (user, group, service account) when a version of the
// four resources changes (lazily, on the next decision). The rules of the bindings that apply
// to a (user, groups) pair are compiled on its first request into a lookup by API group and
// resource (and URL), memoized until the next change; a decision is then a few map lookups.

import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import type { Attributes, AuthorizationResult, Authorizer, NonResourceRule, ObjectSource, ResourceRule, RuleResolver } from './types.js';
import { RBAC_GROUP, type PolicyRule } from './bootstrappolicy.js';

export type { PolicyRule } from './bootstrappolicy.js';

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

const SA_PREFIX = 'system:serviceaccount:';

/** The username of a service account: system:serviceaccount:<ns>:<name>. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

// ---------------------------------------------------------------------------------------
// Rule matching (upstream's RuleAllows), usable on plain PolicyRules
// ---------------------------------------------------------------------------------------

function has(list: readonly string[] | undefined, v: string): boolean {
  return !!list && list.includes(v);
}

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, '*') || has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, '*') || has(rule.apiGroups, group);
}

/** `combined` is "resource" or "resource/subresource". */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return !rule.resourceNames?.length || rule.resourceNames.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (a.isResourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.apiGroup) && resourceMatches(rule, combined, a.subresource) && resourceNameMatches(rule, a.name);
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path);
}

export function rulesAllow(a: Attributes, rules: readonly PolicyRule[]): boolean {
  for (const r of rules) if (ruleAllows(a, r)) return true;
  return false;
}

/** Whether `subject` denotes the user (a ServiceAccount subject's namespace defaults to the binding's). */
export function subjectAppliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      if (!ns) return false;
      return user.username === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

// ---------------------------------------------------------------------------------------
// Index
// ---------------------------------------------------------------------------------------

interface BindingEntry {
  ord: number;
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace: string;
  roleRef: RoleRef;
  subjects: Subject[];
  /** The referenced role's rules; undefined when it cannot be resolved. */
  rules: PolicyRule[] | undefined;
  /** Why the role could not be resolved (when rules is undefined). */
  error: string;
}

/** One rule of one binding, as looked up by the per-user index. */
interface Grant {
  ord: number;
  allVerbs: boolean;
  verbs: readonly string[];
  names: Set<string> | null;
}

/**
 * The compiled permissions of a set of bindings within one binding index: grants by API group
 * then resource ("*" keys for wildcards), each list in binding order. Shared by every user the
 * same bindings apply to.
 */
interface PolicyCore {
  entries: BindingEntry[];
  res: Map<string, Map<string, Grant[]>>;
  urlExact: Map<string, Grant[]>;
  urlPrefixes: { prefix: string; grant: Grant }[];
  urlAll: Grant[];
  errors: string[];
}

/** One (user, groups) pair's view: the shared core and the "allowed by" texts (which name the user's subject). */
interface UserPolicy {
  core: PolicyCore;
  reasons: Map<number, string>;
}

interface BindingIndex {
  entries: BindingEntry[];
  byUser: Map<string, number[]>;
  byGroup: Map<string, number[]>;
  /** user key → policy */
  memo: Map<string, UserPolicy>;
  /** binding ordinals ("1,5,9") → compiled core */
  shared: Map<string, PolicyCore>;
}

const MEMO_LIMIT = 10_000;

function newIndex(): BindingIndex {
  return { entries: [], byUser: new Map(), byGroup: new Map(), memo: new Map(), shared: new Map() };
}

function push(m: Map<string, number[]>, k: string, ord: number): void {
  const l = m.get(k);
  if (!l) m.set(k, [ord]);
  else if (l[l.length - 1] !== ord) l.push(ord);
}

function addBinding(idx: BindingIndex, e: Omit<BindingEntry, 'ord'>): void {
  const ord = idx.entries.length;
  const entry: BindingEntry = { ...e, ord };
  idx.entries.push(entry);
  for (const s of e.subjects) {
    if (!s || typeof s.name !== 'string') continue;
    switch (s.kind) {
      case 'User':
        push(idx.byUser, s.name, ord);
        break;
      case 'Group':
        push(idx.byGroup, s.name, ord);
        break;
      case 'ServiceAccount': {
        const ns = s.namespace || e.namespace;
        if (ns) push(idx.byUser, serviceAccountUsername(ns, s.name), ord);
        break;
      }
    }
  }
}

function pushGrant(m: Map<string, Grant[]>, k: string, g: Grant): void {
  const l = m.get(k);
  if (!l) m.set(k, [g]);
  else if (l[l.length - 1] !== g) l.push(g);
}

function compileCore(idx: BindingIndex, ords: readonly number[]): PolicyCore {
  const p: PolicyCore = { entries: [], res: new Map(), urlExact: new Map(), urlPrefixes: [], urlAll: [], errors: [] };
  for (const ord of ords) {
    const e = idx.entries[ord];
    p.entries.push(e);
    if (!e.rules) {
      p.errors.push(e.error);
      continue;
    }
    for (const r of e.rules) {
      const verbs = Array.isArray(r.verbs) ? r.verbs : [];
      const grant: Grant = { ord, allVerbs: verbs.includes('*'), verbs, names: r.resourceNames?.length ? new Set(r.resourceNames) : null };
      const resources = Array.isArray(r.resources) ? r.resources : [];
      if (resources.length) {
        for (const g of Array.isArray(r.apiGroups) ? r.apiGroups : []) {
          let m = p.res.get(g);
          if (!m) p.res.set(g, (m = new Map()));
          for (const res of resources) pushGrant(m, res, grant);
        }
      }
      for (const url of Array.isArray(r.nonResourceURLs) ? r.nonResourceURLs : []) {
        if (url === '*') p.urlAll.push(grant);
        else if (url.endsWith('*')) p.urlPrefixes.push({ prefix: url.slice(0, -1), grant });
        else pushGrant(p.urlExact, url, grant);
      }
    }
  }
  return p;
}

function userPolicy(idx: BindingIndex, user: UserInfo, key: string): UserPolicy {
  let p = idx.memo.get(key);
  if (p) return p;
  const lists: number[][] = [];
  const u = idx.byUser.get(user.username);
  if (u) lists.push(u);
  for (const g of user.groups) {
    const l = idx.byGroup.get(g);
    if (l) lists.push(l);
  }
  const ords = lists.length === 0 ? [] : lists.length === 1 ? lists[0] : [...new Set(lists.flat())].sort((a, b) => a - b);
  const ordsKey = ords.join(',');
  let core = idx.shared.get(ordsKey);
  if (!core) {
    core = compileCore(idx, ords);
    if (idx.shared.size >= MEMO_LIMIT) idx.shared.clear();
    idx.shared.set(ordsKey, core);
  }
  p = { core, reasons: new Map() };
  if (idx.memo.size >= MEMO_LIMIT) idx.memo.clear();
  idx.memo.set(key, p);
  return p;
}

/** The first (lowest binding order) grant of the list that allows verb and name, if below `best`. */
function firstGrant(list: Grant[] | undefined, verb: string, name: string | null, best: Grant | undefined): Grant | undefined {
  if (!list) return best;
  for (const g of list) {
    if (best && g.ord >= best.ord) return best;
    if (!g.allVerbs && !g.verbs.includes(verb)) continue;
    if (name !== null && g.names !== null && !g.names.has(name)) continue;
    return g;
  }
  return best;
}

/** The grant allowing the request with the lowest binding order, if any. */
function match(p: PolicyCore, a: Attributes): Grant | undefined {
  let best: Grant | undefined;
  if (a.isResourceRequest) {
    const sub = a.subresource;
    const combined = sub ? `${a.resource}/${sub}` : a.resource;
    const scale = sub ? `*/${sub}` : '';
    let m = p.res.get(a.apiGroup);
    for (let pass = 0; pass < 2; pass++) {
      if (m) {
        best = firstGrant(m.get(combined), a.verb, a.name, best);
        if (combined !== '*') best = firstGrant(m.get('*'), a.verb, a.name, best);
        if (scale && scale !== combined) best = firstGrant(m.get(scale), a.verb, a.name, best);
      }
      if (a.apiGroup === '*') break;
      m = p.res.get('*');
    }
    return best;
  }
  best = firstGrant(p.urlExact.get(a.path), a.verb, null, best);
  if (p.urlAll.length) best = firstGrant(p.urlAll, a.verb, null, best);
  for (const { prefix, grant } of p.urlPrefixes) {
    if (best && grant.ord >= best.ord) break;
    if (a.path.startsWith(prefix) && (grant.allVerbs || grant.verbs.includes(a.verb))) best = grant;
  }
  return best;
}

function byName(a: KObject, b: KObject): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Error texts for a role that cannot be found: the informer's (authorizer) or the registry's (escalation checks). */
function notFoundText(kind: string, name: string, registry: boolean): string {
  if (kind === 'ClusterRole') return `${registry ? 'clusterroles' : 'clusterrole'}.${RBAC_GROUP} ${JSON.stringify(name)} not found`;
  return `${registry ? 'roles' : 'role'}.${RBAC_GROUP} ${JSON.stringify(name)} not found`;
}

/** Go's %q of a []string: ["a" "b"]. */
export function goQuoteList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/** utilerrors.NewAggregate(...).Error(): deduplicated, bracketed when more than one. */
export function aggregateErrors(errs: readonly string[]): string {
  const seen = [...new Set(errs)];
  if (seen.length === 1) return seen[0];
  return `[${seen.join(', ')}]`;
}

export class RBACError extends Error {}

export class RBACAuthorizer implements Authorizer, RuleResolver {
  private versions = [-1, -1, -1, -1];
  private clusterRoles = new Map<string, PolicyRule[]>();
  private cluster: BindingIndex = newIndex();
  private namespaces = new Map<string, BindingIndex>();
  /** namespace → role name → rules */
  private nsRoles = new Map<string, Map<string, PolicyRule[]>>();

  constructor(private readonly source: ObjectSource) {}

  // ---- index maintenance ----

  private ensureFresh(): void {
    const s = this.source;
    const v = this.versions;
    const a = s.version(RBAC_GROUP, 'clusterroles');
    const b = s.version(RBAC_GROUP, 'clusterrolebindings');
    const c = s.version(RBAC_GROUP, 'roles');
    const d = s.version(RBAC_GROUP, 'rolebindings');
    if (a === v[0] && b === v[1] && c === v[2] && d === v[3]) return;
    this.versions = [a, b, c, d];
    this.rebuild();
  }

  private static rulesOf(obj: KObject): PolicyRule[] {
    return Array.isArray(obj.rules) ? obj.rules.filter((r: unknown) => r && typeof r === 'object') : [];
  }

  private rebuild(): void {
    this.clusterRoles = new Map();
    for (const cr of this.source.list(RBAC_GROUP, 'clusterroles')) {
      const name = cr.metadata?.name;
      if (typeof name === 'string') this.clusterRoles.set(name, RBACAuthorizer.rulesOf(cr));
    }
    this.nsRoles = new Map();
    for (const r of this.source.list(RBAC_GROUP, 'roles')) {
      const ns = r.metadata?.namespace ?? '';
      let m = this.nsRoles.get(ns);
      if (!m) this.nsRoles.set(ns, (m = new Map()));
      m.set(r.metadata?.name ?? '', RBACAuthorizer.rulesOf(r));
    }
    this.cluster = newIndex();
    for (const b of this.source.list(RBAC_GROUP, 'clusterrolebindings').sort(byName)) {
      const roleRef: RoleRef = b.roleRef ?? { kind: '', name: '' };
      const { rules, error } = this.resolve(roleRef, '', false);
      addBinding(this.cluster, {
        kind: 'ClusterRoleBinding',
        name: b.metadata?.name ?? '',
        namespace: '',
        roleRef,
        subjects: Array.isArray(b.subjects) ? b.subjects : [],
        rules,
        error,
      });
    }
    this.namespaces = new Map();
    for (const b of this.source.list(RBAC_GROUP, 'rolebindings').sort(byName)) {
      const ns: string = b.metadata?.namespace ?? '';
      let idx = this.namespaces.get(ns);
      if (!idx) this.namespaces.set(ns, (idx = newIndex()));
      const roleRef: RoleRef = b.roleRef ?? { kind: '', name: '' };
      const { rules, error } = this.resolve(roleRef, ns, false);
      addBinding(idx, {
        kind: 'RoleBinding',
        name: b.metadata?.name ?? '',
        namespace: ns,
        roleRef,
        subjects: Array.isArray(b.subjects) ? b.subjects : [],
        rules,
        error,
      });
    }
  }

  /** The rules a roleRef points to, or the error text. */
  private resolve(ref: RoleRef, namespace: string, registry: boolean): { rules: PolicyRule[] | undefined; error: string } {
    switch (ref.kind) {
      case 'ClusterRole': {
        const rules = this.clusterRoles.get(ref.name);
        return rules ? { rules, error: '' } : { rules: undefined, error: notFoundText('ClusterRole', ref.name, registry) };
      }
      case 'Role': {
        const rules = namespace ? this.nsRoles.get(namespace)?.get(ref.name) : undefined;
        return rules ? { rules, error: '' } : { rules: undefined, error: notFoundText('Role', ref.name, registry) };
      }
      default:
        return { rules: undefined, error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
    }
  }

  /** The compiled policies that apply to the user: cluster-wide, then the namespace's. */
  private policies(user: UserInfo, namespace: string): UserPolicy[] {
    this.ensureFresh();
    const key = `${user.username}\x00${user.groups.join('\x00')}`;
    const out = [userPolicy(this.cluster, user, key)];
    if (namespace) {
      const n = this.namespaces.get(namespace);
      if (n) out.push(userPolicy(n, user, key));
    }
    return out;
  }

  authorize(a: Attributes): AuthorizationResult {
    const ps = this.policies(a.user, a.isResourceRequest ? a.namespace : '');
    let errors: string[] | undefined;
    for (const p of ps) {
      const g = match(p.core, a);
      if (g) {
        let reason = p.reasons.get(g.ord);
        if (reason === undefined) p.reasons.set(g.ord, (reason = `RBAC: allowed by ${this.describe(this.entryOf(p.core, g.ord), a.user)}`));
        return { decision: 'Allow', reason };
      }
      if (p.core.errors.length) (errors ??= []).push(...p.core.errors);
    }
    return { decision: 'NoOpinion', reason: errors ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  private entryOf(p: PolicyCore, ord: number): BindingEntry {
    return p.entries.find((e) => e.ord === ord)!;
  }

  private describe(e: BindingEntry, user: UserInfo): string {
    const subject = e.subjects.find((s) => s && subjectAppliesTo(user, s, e.namespace)) ?? e.subjects[0];
    const who = subject ? describeSubject(subject, e.namespace) : '';
    if (e.kind === 'ClusterRoleBinding') return `ClusterRoleBinding ${JSON.stringify(e.name)} of ${e.roleRef.kind} ${JSON.stringify(e.roleRef.name)} to ${who}`;
    return `RoleBinding ${JSON.stringify(`${e.name}/${e.namespace}`)} of ${e.roleRef.kind} ${JSON.stringify(e.roleRef.name)} to ${who}`;
  }

  /**
   * All rules that apply to the user in the namespace (cluster-wide ones included), with the
   * errors of bindings whose role is missing. `registry` words the errors as the registry does
   * (escalation checks) rather than as the informer-backed authorizer does.
   */
  policyRulesFor(user: UserInfo, namespace: string, opts: { registry?: boolean } = {}): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const p of this.policies(user, namespace)) {
      for (const e of p.core.entries) {
        if (e.rules) rules.push(...e.rules);
        else errors.push(opts.registry ? this.resolve(e.roleRef, e.namespace, true).error : e.error);
      }
    }
    return { rules, errors };
  }

  /** SelfSubjectRulesReview: the rules, split; an evaluation error when some roles are missing. */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string } {
    const { rules, errors } = this.policyRulesFor(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if (r.resources?.length) {
        const rr: ResourceRule = { verbs: [...(r.verbs ?? [])] };
        if (r.apiGroups?.length) rr.apiGroups = [...r.apiGroups];
        rr.resources = [...r.resources];
        if (r.resourceNames?.length) rr.resourceNames = [...r.resourceNames];
        resourceRules.push(rr);
      }
      if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...(r.verbs ?? [])], nonResourceURLs: [...r.nonResourceURLs] });
    }
    const out: { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string } = {
      resourceRules,
      nonResourceRules,
      incomplete: false,
    };
    if (errors.length) out.evaluationError = aggregateErrors(errors);
    return out;
  }

  /**
   * The rules of the role a binding references (a RoleBinding's namespace scopes a Role
   * reference). Throws RBACError with the registry's NotFound text when the role is missing.
   */
  roleReferenceRules(roleRef: RoleRef, bindingNamespace: string): PolicyRule[] {
    this.ensureFresh();
    const { rules, error } = this.resolve(roleRef, bindingNamespace, true);
    if (!rules) throw new RBACError(error);
    return rules;
  }
}
