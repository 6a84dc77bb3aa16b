// Scheduling helpers from component-helpers: node selector matching (nodeSelector and
// required/preferred node affinity terms, matchExpressions and matchFields) and taint/toleration
// matching.

import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from '../types.js';

function parseInt64(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

function requirementMatches(r: NodeSelectorRequirement, has: boolean, v: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && vals.includes(v!);
    case 'NotIn':
      return !has || !vals.includes(v!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || vals.length !== 1) return false;
      const a = parseInt64(v!);
      const b = parseInt64(vals[0]!);
      if (a === undefined || b === undefined) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** One node selector term: every expression and field requirement holds (an empty term matches nothing). */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    if (!requirementMatches(r, has, labels[r.key])) return false;
  }
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (r.operator !== 'In' && r.operator !== 'NotIn') return false;
    if (!requirementMatches(r, true, node.metadata?.name ?? '')) return false;
  }
  return true;
}

/** A NodeSelector: any of its terms matches. */
export function nodeSelectorMatches(sel: NodeSelector, node: Node): boolean {
  for (const t of sel.nodeSelectorTerms ?? []) if (nodeSelectorTermMatches(t, node)) return true;
  return false;
}

/** nodeaffinity.RequiredNodeAffinity: spec.nodeSelector and the required node affinity. */
export class RequiredNodeAffinity {
  private readonly labelSelector?: [string, string][];
  private readonly required?: NodeSelector;

  constructor(pod: Pod) {
    const ns = pod.spec.nodeSelector;
    if (ns && Object.keys(ns).length) this.labelSelector = Object.entries(ns);
    this.required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  }

  get empty(): boolean {
    return !this.labelSelector && !this.required;
  }

  match(node: Node): boolean {
    if (this.labelSelector) {
      const labels = node.metadata?.labels;
      if (!labels) return false;
      for (const [k, v] of this.labelSelector) if (labels[k] !== v) return false;
    }
    if (this.required) return nodeSelectorMatches(this.required, node);
    return true;
  }
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator) {
    case undefined:
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(ts: Toleration[] | undefined, taint: Taint): boolean {
  if (!ts) return false;
  for (const t of ts) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint passing `filter` that no toleration tolerates. */
export function findMatchingUntoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

export const doNotScheduleTaintsFilter = (t: Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
