// InterPodAffinity: Filter on the incoming pod's required affinity and anti-affinity and on
// existing pods' required anti-affinity (counts per topology pair computed in PreFilter, kept
// right for nominated pods through AddPod/RemovePod); Score from preferred terms both ways and
// existing pods' required affinity (hardPodAffinityWeight), min-max normalized.

import type { CycleState, Handle, Plugin } from '../framework/interface.js';
import { ActionType, MaxNodeScore } from '../framework/interface.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { AffinityTerm, WeightedAffinityTerm } from '../framework/podinfo.js';
import { PodInfo } from '../framework/podinfo.js';
import { SKIP, Status } from '../framework/status.js';
import type { InterPodAffinityArgs } from '../config/types.js';
import type { Node, Pod } from '../types.js';
import { namespaceLabels } from './util.js';
import { nothing } from '../../apimachinery/labels.js';

export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

const preFilterKey = 'PreFilterInterPodAffinity';
const preScoreKey = 'PreScoreInterPodAffinity';

/** topologyKey → topology value → count */
type Counts = Map<string, Map<string, number>>;

function addCount(m: Counts, key: string, value: string, d: number): void {
  let byVal = m.get(key);
  if (!byVal) m.set(key, (byVal = new Map()));
  const n = (byVal.get(value) ?? 0) + d;
  if (n === 0) {
    byVal.delete(value);
    if (!byVal.size) m.delete(key);
  } else byVal.set(value, n);
}

const countOf = (m: Counts, key: string, value: string): number => m.get(key)?.get(value) ?? 0;

const cloneCounts = (m: Counts): Counts => new Map([...m].map(([k, v]) => [k, new Map(v)]));

class PreFilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly nsLabels: Record<string, string> | undefined,
    public existingAntiAffinityCounts: Counts,
    public affinityCounts: Counts,
    public antiAffinityCounts: Counts,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.podInfo, this.nsLabels, cloneCounts(this.existingAntiAffinityCounts), cloneCounts(this.affinityCounts), cloneCounts(this.antiAffinityCounts));
  }

  /** updateWithPod: account for pod (with its node) being added (+1) or removed (-1). */
  update(pi: PodInfo, node: Node | undefined, multiplier: number): void {
    if (!node) return;
    const labels = node.metadata?.labels ?? {};
    for (const t of pi.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && t.matches(this.podInfo.pod, this.nsLabels)) addCount(this.existingAntiAffinityCounts, t.topologyKey, v, multiplier);
    }
    if (podMatchesAllAffinityTerms(this.podInfo.requiredAffinityTerms, pi.pod)) {
      for (const t of this.podInfo.requiredAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined) addCount(this.affinityCounts, t.topologyKey, v, multiplier);
      }
    }
    for (const t of this.podInfo.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && t.matches(pi.pod, undefined)) addCount(this.antiAffinityCounts, t.topologyKey, v, multiplier);
    }
  }
}

function podMatchesAllAffinityTerms(terms: AffinityTerm[], pod: Pod): boolean {
  if (!terms.length) return false;
  for (const t of terms) if (!t.matches(pod, undefined)) return false;
  return true;
}

/** Resolve namespaceSelectors of the incoming pod's terms into namespace names (mergeAffinityTermNamespacesIfNotEmpty). */
function mergeNamespaces(h: Handle, terms: AffinityTerm[]): void {
  for (const t of terms) {
    if (!t.namespaceSelector.selectable) continue;
    for (const ns of h.listers?.namespaces.list() ?? []) if (t.namespaceSelector.matches(ns.metadata?.labels)) t.namespaces.add(ns.metadata!.name!);
    t.namespaceSelector = nothing();
  }
}

function scoreTerm(m: Map<string, Map<string, number>>, t: AffinityTerm, weight: number, pod: Pod, nsLabels: Record<string, string> | undefined, node: Node, mult: number): void {
  if (!t.matches(pod, nsLabels)) return;
  const v = node.metadata?.labels?.[t.topologyKey];
  if (v === undefined) return;
  let byVal = m.get(t.topologyKey);
  if (!byVal) m.set(t.topologyKey, (byVal = new Map()));
  byVal.set(v, (byVal.get(v) ?? 0) + weight * mult);
}

function scoreTerms(m: Map<string, Map<string, number>>, ts: WeightedAffinityTerm[], pod: Pod, nsLabels: Record<string, string> | undefined, node: Node, mult: number): void {
  for (const w of ts) scoreTerm(m, w.term, w.weight, pod, nsLabels, node, mult);
}

/**
 * isSchedulableAfterPodChange: an added/updated assigned pod helps only if it matches the
 * pending pod's required affinity; a deleted one only if it matched the pending pod's
 * anti-affinity or its own anti-affinity matched the pending pod.
 */
export function podChangeHint(pod: Pod, oldObj: unknown, newObj: unknown): 'Queue' | 'QueueSkip' {
  const pi = new PodInfo(pod);
  const added = newObj as Pod | undefined;
  if (added) {
    if (!added.spec?.nodeName) return 'QueueSkip';
    if (pi.requiredAffinityTerms.length && pi.requiredAffinityTerms.some((t) => t.matches(added, undefined))) return 'Queue';
    // a label change may also stop a match with anti-affinity
    if (oldObj && pi.requiredAntiAffinityTerms.some((t) => t.matches(oldObj as Pod, undefined))) return 'Queue';
    return 'QueueSkip';
  }
  const deleted = oldObj as Pod | undefined;
  if (!deleted?.spec?.nodeName) return 'QueueSkip';
  if (pi.requiredAntiAffinityTerms.some((t) => t.matches(deleted, undefined))) return 'Queue';
  const dpi = new PodInfo(deleted);
  if (dpi.requiredAntiAffinityTerms.some((t) => t.matches(pod, undefined))) return 'Queue';
  return 'QueueSkip';
}

export function interPodAffinity(rawArgs: unknown, h: Handle): Plugin {
  const args = rawArgs as InterPodAffinityArgs;
  return {
    name: 'InterPodAffinity',
    preFilter(state: CycleState, pod: Pod, _nodes: NodeInfo[]) {
      const snap = h.snapshot();
      const withAnti = snap.havePodsWithRequiredAntiAffinityList();
      const spec = pod.spec.affinity;
      const hasRequired = !!(spec?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length || spec?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length);
      if (!hasRequired && withAnti.length === 0) return { status: SKIP };
      const pi = new PodInfo(pod);
      mergeNamespaces(h, pi.requiredAffinityTerms);
      mergeNamespaces(h, pi.requiredAntiAffinityTerms);
      const nsLabels = namespaceLabels(h, pod.metadata?.namespace);
      const s = new PreFilterState(pi, nsLabels, new Map(), new Map(), new Map());
      // existing pods' anti-affinity against the incoming pod
      if (snap.antiAffinityTermsFor) {
        for (const { pi: ep, term: t } of snap.antiAffinityTermsFor(pod.metadata?.labels)) {
          const v = snap.get(ep.pod.spec.nodeName ?? '')?.labels?.[t.topologyKey];
          if (v !== undefined && t.matches(pod, nsLabels)) addCount(s.existingAntiAffinityCounts, t.topologyKey, v, 1);
        }
      } else {
        for (const ni of withAnti) {
          const labels = ni.labels ?? {};
          for (const ep of ni.podsWithRequiredAntiAffinity) {
            for (const t of ep.requiredAntiAffinityTerms) {
              const v = labels[t.topologyKey];
              if (v !== undefined && t.matches(pod, nsLabels)) addCount(s.existingAntiAffinityCounts, t.topologyKey, v, 1);
            }
          }
        }
      }
      // the incoming pod's terms against existing pods (candidates from the label index when a
      // term has an equality requirement)
      const candidates = (t: AffinityTerm, fn: (ep: PodInfo, labels: Record<string, string>) => void) => {
        const idx = snap.podsMatchingTermIndex?.(t);
        if (idx) {
          for (const ep of idx) {
            const ni = snap.get(ep.pod.spec.nodeName ?? '');
            if (ni) fn(ep, ni.labels ?? {});
          }
          return;
        }
        for (const ni of snap.list()) {
          const labels = ni.labels ?? {};
          for (const ep of ni.pods) fn(ep, labels);
        }
      };
      if (pi.requiredAffinityTerms.length) {
        candidates(pi.requiredAffinityTerms[0]!, (ep, labels) => {
          if (!podMatchesAllAffinityTerms(pi.requiredAffinityTerms, ep.pod)) return;
          for (const t of pi.requiredAffinityTerms) {
            const v = labels[t.topologyKey];
            if (v !== undefined) addCount(s.affinityCounts, t.topologyKey, v, 1);
          }
        });
      }
      for (const t of pi.requiredAntiAffinityTerms) {
        candidates(t, (ep, labels) => {
          const v = labels[t.topologyKey];
          if (v !== undefined && t.matches(ep.pod, undefined)) addCount(s.antiAffinityCounts, t.topologyKey, v, 1);
        });
      }
      state.write(preFilterKey, s);
      return { status: null };
    },
    addPod(state, _pod, toAdd, ni) {
      state.read<PreFilterState>(preFilterKey)?.update(toAdd, ni.node, 1);
      return null;
    },
    removePod(state, _pod, toRemove, ni) {
      state.read<PreFilterState>(preFilterKey)?.update(toRemove, ni.node, -1);
      return null;
    },
    filter(state, _pod, ni) {
      const s = state.read<PreFilterState>(preFilterKey);
      if (!s) return null;
      const labels = ni.labels ?? {};
      // satisfyPodAffinity
      let podsExist = true;
      for (const t of s.podInfo.requiredAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v === undefined) return Status.unresolvable(ErrReasonAffinityRulesNotMatch);
        if (countOf(s.affinityCounts, t.topologyKey, v) <= 0) podsExist = false;
      }
      if (!podsExist && !(s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.podInfo.requiredAffinityTerms, s.podInfo.pod))) {
        return Status.unresolvable(ErrReasonAffinityRulesNotMatch);
      }
      for (const t of s.podInfo.requiredAntiAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined && countOf(s.antiAffinityCounts, t.topologyKey, v) > 0) return Status.unschedulable(ErrReasonAntiAffinityRulesNotMatch);
      }
      for (const [key, byVal] of s.existingAntiAffinityCounts) {
        const v = labels[key];
        if (v !== undefined && (byVal.get(v) ?? 0) > 0) return Status.unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch);
      }
      return null;
    },
    preScore(state, pod, nodes) {
      const a = pod.spec.affinity;
      const hasConstraints = !!(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length || a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length);
      if (args.ignorePreferredTermsOfExistingPods && !hasConstraints) return SKIP;
      const snap = h.snapshot();
      if (!hasConstraints && snap.podsWithScoringAffinity?.() === 0) return SKIP;
      const candidates = hasConstraints ? snap.list() : snap.havePodsWithAffinityList();
      if (!candidates.length) return SKIP;
      const pi = new PodInfo(pod);
      if (hasConstraints) {
        mergeNamespaces(h, pi.preferredAffinityTerms.map((w) => w.term));
        mergeNamespaces(h, pi.preferredAntiAffinityTerms.map((w) => w.term));
      }
      const nsLabels = namespaceLabels(h, pod.metadata?.namespace);
      const topo = new Map<string, Map<string, number>>();
      for (const ni of candidates) {
        const node = ni.node;
        if (!node?.metadata?.labels || !Object.keys(node.metadata.labels).length) continue;
        for (const ep of hasConstraints ? ni.pods : ni.podsWithAffinity) {
          scoreTerms(topo, pi.preferredAffinityTerms, ep.pod, undefined, node, 1);
          scoreTerms(topo, pi.preferredAntiAffinityTerms, ep.pod, undefined, node, -1);
          if (args.hardPodAffinityWeight > 0) for (const t of ep.requiredAffinityTerms) scoreTerm(topo, t, args.hardPodAffinityWeight, pod, nsLabels, node, 1);
          scoreTerms(topo, ep.preferredAffinityTerms, pod, nsLabels, node, 1);
          scoreTerms(topo, ep.preferredAntiAffinityTerms, pod, nsLabels, node, -1);
        }
      }
      void nodes;
      if (!topo.size) return SKIP;
      state.write(preScoreKey, topo);
      return null;
    },
    score(state, _pod, ni) {
      const topo = state.read<Map<string, Map<string, number>>>(preScoreKey);
      if (!topo) return 0;
      const labels = ni.labels ?? {};
      let score = 0;
      for (const [k, byVal] of topo) {
        const v = labels[k];
        if (v !== undefined) score += byVal.get(v) ?? 0;
      }
      return score;
    },
    normalizeScore(state, _pod, scores: number[]) {
      const topo = state.read<Map<string, Map<string, number>>>(preScoreKey);
      if (!topo?.size) return null;
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        if (s > max) max = s;
        if (s < min) min = s;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MaxNodeScore * ((scores[i]! - min) / diff)) : 0;
      return null;
    },
    eventsToRegister: () => [
      { event: { resource: 'AssignedPod', actionType: ActionType.All }, hint: podChangeHint },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
    ],
  };
}

