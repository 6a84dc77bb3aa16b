// PodTopologySpread: Filter on DoNotSchedule constraints (skew = matching pods in the node's
// domain + self − global minimum, with minDomains, nodeAffinityPolicy and nodeTaintsPolicy);
// Score on ScheduleAnyway constraints (fewer matching pods is better, weighted by log(domains+2)).
// Pods without constraints get the profile's default constraints (System: hostname 3, zone 5,
// ScheduleAnyway) with a selector built from the Services, ReplicationControllers, ReplicaSets and
// StatefulSets that select the pod.

import { labelSelectorAsSelector, selectorFromSet, newRequirement } from '../../apimachinery/labels.js';
import type { Selector } from '../../apimachinery/labels.js';
import type { Lister } from '../../client/informer.js';
import type { KubeObject } from '../../client/rest.js';
import type { Handle, Plugin } from '../framework/interface.js';
import { ActionType, MaxNodeScore } from '../framework/interface.js';
import { doNotScheduleTaintsFilter, findMatchingUntoleratedTaint, RequiredNodeAffinity } from '../framework/helpers.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';
import { SKIP, Status } from '../framework/status.js';
import type { PodTopologySpreadArgs } from '../config/types.js';
import { systemDefaultConstraints } from '../config/defaults.js';
import type { Node, Pod, TopologySpreadConstraint } from '../types.js';
import { LabelHostname } from '../types.js';

export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + ' (missing required label)';

const preFilterKey = 'PreFilterPodTopologySpread';
const preScoreKey = 'PreScorePodTopologySpread';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
}

function compile(cs: TopologySpreadConstraint[], pod: Pod, action: string, defaultSelector?: Selector): Constraint[] {
  const out: Constraint[] = [];
  for (const c of cs) {
    if (c.whenUnsatisfiable !== action) continue;
    let sel: Selector;
    if (defaultSelector) sel = defaultSelector;
    else {
      try {
        sel = labelSelectorAsSelector(c.labelSelector ?? null);
      } catch {
        continue;
      }
      const labels = pod.metadata?.labels ?? {};
      for (const k of c.matchLabelKeys ?? []) if (k in labels) sel = sel.add(newRequirement(k, 'in', [labels[k]!]));
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: sel,
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorNodeTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    });
  }
  return out;
}

function nodeHasAllKeys(node: Node, cs: Constraint[]): boolean {
  const l = node.metadata?.labels;
  if (!l) return cs.length === 0;
  for (const c of cs) if (!(c.topologyKey in l)) return false;
  return true;
}

function includes(c: Constraint, pod: Pod, node: Node, rna: RequiredNodeAffinity): boolean {
  if (c.honorNodeAffinity && !rna.match(node)) return false;
  if (c.honorNodeTaints && findMatchingUntoleratedTaint(node.spec?.taints, pod.spec.tolerations, doNotScheduleTaintsFilter)) return false;
  return true;
}

function countMatching(pods: PodInfo[], sel: Selector, ns: string | undefined): number {
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m?.namespace !== ns || m?.deletionTimestamp) continue;
    if (sel.matches(m?.labels)) n++;
  }
  return n;
}

/**
 * countMatching for every node at once, from the cache's label index when the selector has an
 * equality requirement (node name → matching pods); undefined when it has none.
 */
function matchingPerNode(h: Handle, sel: Selector, ns: string | undefined): Map<string, number> | undefined {
  const idx = h.snapshot().podsMatchingSelectorIndex?.(sel);
  if (!idx) return undefined;
  const m = new Map<string, number>();
  for (const p of idx) {
    const md = p.pod.metadata;
    if (md?.namespace !== ns || md?.deletionTimestamp || !sel.matches(md?.labels)) continue;
    const n = p.pod.spec.nodeName ?? '';
    m.set(n, (m.get(n) ?? 0) + 1);
  }
  return m;
}

class PreFilterState {
  constructor(
    readonly constraints: Constraint[],
    /** per constraint: topology value → matching pods */
    readonly counts: Map<string, number>[],
    readonly pod: Pod,
    readonly rna: RequiredNodeAffinity,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.counts.map((m) => new Map(m)), this.pod, this.rna);
  }
  /** the global minimum per constraint (criticalPaths), computed once and after updates */
  private mins: (number | undefined)[] = [];
  minMatch(i: number): number {
    const cached = this.mins[i];
    if (cached !== undefined) return cached;
    const m = this.counts[i]!;
    const c = this.constraints[i]!;
    let min = Infinity;
    if (c.minDomains > 1 && m.size < c.minDomains) min = 0;
    else for (const v of m.values()) if (v < min) min = v;
    if (min === Infinity) min = 0;
    this.mins[i] = min;
    return min;
  }
  update(pi: PodInfo, node: Node | undefined, delta: number): void {
    this.mins = [];
    if (!node || !nodeHasAllKeys(node, this.constraints)) return;
    if (pi.pod.metadata?.namespace !== this.pod.metadata?.namespace) return;
    for (const [i, c] of this.constraints.entries()) {
      if (!includes(c, this.pod, node, this.rna)) continue;
      if (!c.selector.matches(pi.pod.metadata?.labels)) continue;
      const v = node.metadata!.labels![c.topologyKey]!;
      this.counts[i]!.set(v, (this.counts[i]!.get(v) ?? 0) + delta);
    }
  }
}

class PreScoreState {
  ignored = new Set<string>();
  pairCounts = new Map<string, number>();
  weights: number[] = [];
  constructor(readonly constraints: Constraint[]) {}
}

export function podTopologySpread(rawArgs: unknown, h: Handle): Plugin {
  const args = rawArgs as PodTopologySpreadArgs;
  const systemDefaulted = args.defaultingType === 'System';
  const defaults = systemDefaulted ? systemDefaultConstraints : args.defaultConstraints ?? [];

  function defaultSelector(pod: Pod): Selector {
    const l = h.listers;
    const ns = pod.metadata?.namespace ?? '';
    const podLabels = pod.metadata?.labels ?? {};
    let set: Record<string, string> = {};
    for (const svc of l?.services?.namespace(ns).list() ?? []) {
      const sel = (svc as { spec?: { selector?: Record<string, string> } }).spec?.selector;
      if (!sel || !Object.keys(sel).length) continue;
      if (selectorFromSet(sel).matches(podLabels)) set = { ...set, ...sel };
    }
    let selector = selectorFromSet(set);
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
    if (!owner) return selector;
    const get = (lister?: Lister<KubeObject>) => lister?.get(ns, owner.name) as { spec?: { selector?: unknown } } | undefined;
    if (owner.kind === 'ReplicationController' && owner.apiVersion === 'v1') {
      const rc = get(l?.replicationControllers);
      const s = rc?.spec?.selector as Record<string, string> | undefined;
      if (s) selector = selectorFromSet({ ...set, ...s });
    } else if ((owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet') && owner.apiVersion === 'apps/v1') {
      const o = get(owner.kind === 'ReplicaSet' ? l?.replicaSets : l?.statefulSets);
      if (o?.spec?.selector) {
        try {
          selector = selector.add(...labelSelectorAsSelector(o.spec.selector as never).requirements);
        } catch {
          // ignore a bad selector as upstream does
        }
      }
    }
    return selector;
  }

  function constraintsFor(pod: Pod, action: string): Constraint[] {
    const own = pod.spec.topologySpreadConstraints;
    if (own?.length) return compile(own, pod, action);
    const relevant = defaults.filter((c) => c.whenUnsatisfiable === action);
    if (!relevant.length) return [];
    const sel = defaultSelector(pod);
    if (sel.empty) return [];
    return compile(relevant, pod, action, sel);
  }

  return {
    name: 'PodTopologySpread',
    preFilter(state, pod) {
      const cs = constraintsFor(pod, 'DoNotSchedule');
      if (!cs.length) return { status: SKIP };
      const rna = new RequiredNodeAffinity(pod);
      const counts = cs.map(() => new Map<string, number>());
      const ns = pod.metadata?.namespace;
      const perNode = cs.map((c) => matchingPerNode(h, c.selector, ns));
      for (const ni of h.snapshot().list()) {
        const node = ni.node;
        if (!node || !nodeHasAllKeys(node, cs)) continue;
        for (const [i, c] of cs.entries()) {
          if (!includes(c, pod, node, rna)) continue;
          const v = node.metadata!.labels![c.topologyKey]!;
          const pn = perNode[i];
          const n = pn ? pn.get(ni.name) ?? 0 : countMatching(ni.pods, c.selector, ns);
          counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + n);
        }
      }
      state.write(preFilterKey, new PreFilterState(cs, counts, pod, rna));
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
    filter(state, pod, ni) {
      const s = state.read<PreFilterState>(preFilterKey);
      if (!s) return null;
      const labels = ni.labels ?? {};
      for (const [i, c] of s.constraints.entries()) {
        const v = labels[c.topologyKey];
        if (v === undefined) return Status.unresolvable(ErrReasonNodeLabelNotMatch);
        const self = c.selector.matches(pod.metadata?.labels) ? 1 : 0;
        const skew = (s.counts[i]!.get(v) ?? 0) + self - s.minMatch(i);
        if (skew > c.maxSkew) return Status.unschedulable(ErrReasonConstraintsNotMatch);
      }
      return null;
    },
    preScore(state, pod, filtered: NodeInfo[]) {
      const cs = constraintsFor(pod, 'ScheduleAnyway');
      if (!cs.length) return SKIP;
      const s = new PreScoreState(cs);
      const requireAll = !!pod.spec.topologySpreadConstraints?.length || !systemDefaulted;
      const sizes = cs.map(() => 0);
      for (const ni of filtered) {
        const node = ni.node!;
        if (requireAll && !nodeHasAllKeys(node, cs)) {
          s.ignored.add(ni.name);
          continue;
        }
        for (const [i, c] of cs.entries()) {
          if (c.topologyKey === LabelHostname) continue;
          const k = `${c.topologyKey}\x00${node.metadata?.labels?.[c.topologyKey] ?? ''}`;
          if (!s.pairCounts.has(k)) {
            s.pairCounts.set(k, 0);
            sizes[i]!++;
          }
        }
      }
      s.weights = cs.map((c, i) => Math.log((c.topologyKey === LabelHostname ? filtered.length - s.ignored.size : sizes[i]!) + 2));
      const rna = new RequiredNodeAffinity(pod);
      const ns = pod.metadata?.namespace;
      const perNode = cs.map((c) => (c.topologyKey === LabelHostname ? undefined : matchingPerNode(h, c.selector, ns)));
      for (const ni of h.snapshot().list()) {
        const node = ni.node;
        if (!node || !nodeHasAllKeys(node, cs)) continue;
        for (const [i, c] of cs.entries()) {
          if (c.topologyKey === LabelHostname || !includes(c, pod, node, rna)) continue;
          const k = `${c.topologyKey}\x00${node.metadata!.labels![c.topologyKey]}`;
          const cur = s.pairCounts.get(k);
          if (cur === undefined) continue;
          const pn = perNode[i];
          s.pairCounts.set(k, cur + (pn ? pn.get(ni.name) ?? 0 : countMatching(ni.pods, c.selector, ns)));
        }
      }
      state.write(preScoreKey, s);
      return null;
    },
    score(state, pod, ni) {
      const s = state.read<PreScoreState>(preScoreKey);
      if (!s || s.ignored.has(ni.name)) return 0;
      const labels = ni.labels ?? {};
      let score = 0;
      for (const [i, c] of s.constraints.entries()) {
        const v = labels[c.topologyKey];
        if (v === undefined) continue;
        const cnt = c.topologyKey === LabelHostname ? countMatching(ni.pods, c.selector, pod.metadata?.namespace) : s.pairCounts.get(`${c.topologyKey}\x00${v}`) ?? 0;
        score += cnt * s.weights[i]! + (c.maxSkew - 1);
      }
      return Math.round(score);
    },
    normalizeScore(state, _pod, scores: number[], nodes: NodeInfo[]) {
      const s = state.read<PreScoreState>(preScoreKey);
      if (!s) return null;
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(nodes[i]!.name)) continue;
        const x = scores[i]!;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(nodes[i]!.name)) scores[i] = 0;
        else if (max === 0) scores[i] = MaxNodeScore;
        else scores[i] = Math.trunc((MaxNodeScore * (max + min - scores[i]!)) / max);
      }
      return null;
    },
    eventsToRegister: () => [
      {
        event: { resource: 'AssignedPod', actionType: ActionType.All },
        // only pods counted by one of the pending pod's constraints change the skew
        hint: (pod, oldObj, newObj) => {
          const own = pod.spec.topologySpreadConstraints;
          if (!own?.length) return 'Queue';
          for (const p of [oldObj as Pod | undefined, newObj as Pod | undefined]) {
            if (!p || p.metadata?.namespace !== pod.metadata?.namespace) continue;
            for (const c of compile(own, pod, 'DoNotSchedule').concat(compile(own, pod, 'ScheduleAnyway'))) if (c.selector.matches(p.metadata?.labels)) return 'Queue';
          }
          return 'QueueSkip';
        },
      },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
    ],
  };
}
