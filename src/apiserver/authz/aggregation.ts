// ClusterRole aggregation, as the clusterrole-aggregation controller does it: a ClusterRole
// with an aggregationRule gets as rules the union of the rules of every other ClusterRole
// matched by one of its clusterRoleSelectors — selectors in order, matching roles sorted by
// name, duplicate rules dropped. Pure functions: the server's controller loop calls them and
// writes the result back (admin ⊇ edit ⊇ view converge after repeated passes, as upstream).

import type { KObject } from '../registry/types.js';
import { labelSelectorAsSelector, type Selector } from '../../apimachinery/labels.js';
import type { PolicyRule } from './bootstrappolicy.js';

const RULE_FIELDS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;

/** Identity of a rule for deduplication (missing and empty lists are the same, order matters). */
export function ruleKey(r: PolicyRule): string {
  return JSON.stringify(RULE_FIELDS.map((f) => (Array.isArray(r[f]) ? r[f] : [])));
}

export function hasAggregationRule(role: KObject | undefined): boolean {
  return !!role?.aggregationRule && typeof role.aggregationRule === 'object';
}

function byName(a: KObject, b: KObject): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The rules `role` should have given the current ClusterRoles, or undefined when it has no
 * aggregationRule. Invalid selectors match nothing.
 */
export function aggregatedRules(role: KObject, allClusterRoles: readonly KObject[]): PolicyRule[] | undefined {
  if (!hasAggregationRule(role)) return undefined;
  const selectors: unknown[] = Array.isArray(role.aggregationRule.clusterRoleSelectors) ? role.aggregationRule.clusterRoleSelectors : [];
  const sortedRoles = [...allClusterRoles].sort(byName);
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const sel of selectors) {
    let selector: Selector;
    try {
      selector = labelSelectorAsSelector(sel as never);
    } catch {
      continue;
    }
    for (const other of sortedRoles) {
      if (other.metadata?.name === role.metadata?.name) continue;
      if (!selector.matches(other.metadata?.labels ?? {})) continue;
      for (const r of Array.isArray(other.rules) ? (other.rules as PolicyRule[]) : []) {
        const k = ruleKey(r);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(r);
      }
    }
  }
  return out;
}

/** Whether two rule lists are the same (missing == empty). */
export function sameRules(a: readonly PolicyRule[] | undefined, b: readonly PolicyRule[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (ruleKey(x[i]) !== ruleKey(y[i])) return false;
  return true;
}

/**
 * Run aggregation to a fixed point over a set of ClusterRoles (as the controller would over
 * successive passes). Returns new objects for the roles whose rules changed, by name; the
 * input objects are not modified.
 */
export function aggregateClusterRoles(clusterRoles: readonly KObject[], maxPasses = 10): Map<string, KObject> {
  const current = new Map<string, KObject>();
  for (const r of clusterRoles) current.set(r.metadata?.name ?? '', r);
  const changed = new Map<string, KObject>();
  for (let pass = 0; pass < maxPasses; pass++) {
    let any = false;
    const all = [...current.values()];
    for (const role of all) {
      const rules = aggregatedRules(role, all);
      if (!rules || sameRules(rules, role.rules)) continue;
      const updated = { ...role, rules: rules.map((r) => ({ ...r })) };
      current.set(role.metadata?.name ?? '', updated);
      changed.set(role.metadata?.name ?? '', updated);
      any = true;
    }
    if (!any) break;
  }
  return changed;
}
