// The scheduler cache: NodeInfos for every node with the pods bound (or assumed) to it, in a
// node tree order that interleaves zones (round-robin across zones, as upstream's nodeTree),
// assumed pods (added at Reserve, confirmed when the informer sees the binding, forgotten when
// binding fails), and image states shared by nodes. A scheduling cycle runs to completion
// without yielding to the event loop, so the cache itself serves as the cycle's snapshot:
// nothing can change it mid-cycle, which is what upstream's per-cycle snapshot copy ensures.

import type { IndexedTerm, SharedLister } from '../framework/interface.js';
import type { AffinityTerm, PodInfo } from '../framework/podinfo.js';
import type { Selector } from '../../apimachinery/labels.js';
import type { ImageStateSummary } from '../framework/nodeinfo.js';
import { NodeInfo } from '../framework/nodeinfo.js';
import { normalizedImageName } from '../plugins/simple.js';
import type { Node, Pod } from '../types.js';
import { LabelTopologyRegion, LabelTopologyZone } from '../types.js';
import { logger } from '../../util/klog.js';

const log = logger('cache.go');

interface PodState {
  pod: Pod;
  assumed: boolean;
  bindingFinished: boolean;
}

function zoneOf(n: Node): string {
  const l = n.metadata?.labels ?? {};
  const region = l[LabelTopologyRegion] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l[LabelTopologyZone] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region || zone ? `${region}:\x00:${zone}` : '';
}

export class Cache implements SharedLister {
  private nodes = new Map<string, NodeInfo>();
  private pods = new Map<string, PodState>();
  private images = new Map<string, ImageStateSummary & { nodes: Set<string> }>();
  /** zone → node names */
  private tree = new Map<string, string[]>();
  private zoneOfNode = new Map<string, string>();
  private ordered?: NodeInfo[];
  private withAffinity?: NodeInfo[];
  private withAntiAffinity?: NodeInfo[];

  // ----- SharedLister

  list(): NodeInfo[] {
    if (!this.ordered) {
      const zones = [...this.tree.values()];
      const out: NodeInfo[] = [];
      const idx = zones.map(() => 0);
      let left = true;
      while (left) {
        left = false;
        for (let z = 0; z < zones.length; z++) {
          const names = zones[z]!;
          if (idx[z]! < names.length) {
            const ni = this.nodes.get(names[idx[z]!++]!);
            if (ni?.node) out.push(ni);
            left = true;
          }
        }
      }
      this.ordered = out;
    }
    return this.ordered;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.nodes.get(name);
    return ni?.node ? ni : undefined;
  }

  size(): number {
    return this.list().length;
  }

  havePodsWithAffinityList(): NodeInfo[] {
    if (!this.withAffinity) this.withAffinity = this.list().filter((n) => n.podsWithAffinity.length > 0);
    return this.withAffinity;
  }

  havePodsWithRequiredAntiAffinityList(): NodeInfo[] {
    if (!this.withAntiAffinity) this.withAntiAffinity = this.list().filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    return this.withAntiAffinity;
  }

  private affinityChanged(): void {
    this.withAffinity = undefined;
    this.withAntiAffinity = undefined;
  }

  // ----- nodes

  private nodeInfoFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo();
      this.nodes.set(name, ni);
    }
    return ni;
  }

  private treeAdd(n: Node): void {
    const name = n.metadata!.name!;
    const z = zoneOf(n);
    const cur = this.zoneOfNode.get(name);
    if (cur === z) return;
    if (cur !== undefined) this.treeRemove(name);
    this.zoneOfNode.set(name, z);
    const l = this.tree.get(z) ?? [];
    l.push(name);
    this.tree.set(z, l);
    this.ordered = undefined;
    this.affinityChanged();
  }

  private treeRemove(name: string): void {
    const z = this.zoneOfNode.get(name);
    if (z === undefined) return;
    this.zoneOfNode.delete(name);
    const l = (this.tree.get(z) ?? []).filter((n) => n !== name);
    if (l.length) this.tree.set(z, l);
    else this.tree.delete(z);
    this.ordered = undefined;
    this.affinityChanged();
  }

  private setImages(ni: NodeInfo, n: Node | undefined): void {
    const name = n?.metadata?.name ?? ni.name;
    for (const [img, st] of this.images) {
      if (st.nodes.delete(name)) {
        st.numNodes = st.nodes.size;
        if (!st.nodes.size) this.images.delete(img);
      }
    }
    const states = new Map<string, ImageStateSummary>();
    for (const im of n?.status?.images ?? []) {
      for (const raw of im.names ?? []) {
        const nm = normalizedImageName(raw);
        let st = this.images.get(nm);
        if (!st) this.images.set(nm, (st = { size: im.sizeBytes ?? 0, numNodes: 0, nodes: new Set() }));
        st.nodes.add(name);
        st.numNodes = st.nodes.size;
        states.set(nm, st);
      }
    }
    ni.imageStates = states;
  }

  addNode(n: Node): NodeInfo {
    const ni = this.nodeInfoFor(n.metadata!.name!);
    this.treeAdd(n);
    if (ni.node?.status?.images?.length || n.status?.images?.length) this.setImages(ni, n);
    ni.setNode(n);
    this.ordered = undefined;
    return ni;
  }

  updateNode(_old: Node, n: Node): NodeInfo {
    return this.addNode(n);
  }

  removeNode(n: Node): void {
    const name = n.metadata!.name!;
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.setImages(ni, undefined);
    this.treeRemove(name);
    // pods still on it stay (a ghost NodeInfo) until they are deleted, as upstream
    if (ni.pods.length) ni.node = undefined;
    else this.nodes.delete(name);
    this.ordered = undefined;
  }

  nodeCount(): number {
    return this.zoneOfNode.size;
  }

  // ----- pods

  private scoringAffinity = 0;
  /** assigned pods by label "key NUL value" */
  private byLabel = new Map<string, Set<PodInfo>>();
  /** required anti-affinity terms by an equality requirement "key NUL value", and those without one */
  private antiByKey = new Map<string, Set<IndexedTerm>>();
  private antiGeneric = new Set<IndexedTerm>();
  private termsOf = new WeakMap<PodInfo, { key?: string; t: IndexedTerm }[]>();

  private index(pi: PodInfo, add: boolean): void {
    for (const [k, v] of Object.entries(pi.pod.metadata?.labels ?? {})) {
      const key = `${k}\x00${v}`;
      let set = this.byLabel.get(key);
      if (add) {
        if (!set) this.byLabel.set(key, (set = new Set()));
        set.add(pi);
      } else if (set) {
        set.delete(pi);
        if (!set.size) this.byLabel.delete(key);
      }
    }
    if (!pi.requiredAntiAffinityTerms.length) return;
    if (add) {
      const entries = pi.requiredAntiAffinityTerms.map((term) => ({ key: exactKey(term.selector), t: { pi, term } }));
      this.termsOf.set(pi, entries);
      for (const e of entries) {
        if (e.key === undefined) this.antiGeneric.add(e.t);
        else {
          let set = this.antiByKey.get(e.key);
          if (!set) this.antiByKey.set(e.key, (set = new Set()));
          set.add(e.t);
        }
      }
    } else {
      for (const e of this.termsOf.get(pi) ?? []) {
        if (e.key === undefined) this.antiGeneric.delete(e.t);
        else {
          const set = this.antiByKey.get(e.key);
          set?.delete(e.t);
          if (set && !set.size) this.antiByKey.delete(e.key);
        }
      }
      this.termsOf.delete(pi);
    }
  }

  podsMatchingTermIndex(term: AffinityTerm): Iterable<PodInfo> | undefined {
    return this.podsMatchingSelectorIndex(term.selector);
  }

  podsMatchingSelectorIndex(selector: Selector): Iterable<PodInfo> | undefined {
    const k = exactKey(selector);
    if (k === undefined) return undefined;
    return this.byLabel.get(k) ?? [];
  }

  *antiAffinityTermsFor(labels: Record<string, string> | undefined): Iterable<IndexedTerm> {
    yield* this.antiGeneric;
    for (const [k, v] of Object.entries(labels ?? {})) {
      const set = this.antiByKey.get(`${k}\x00${v}`);
      if (set) yield* set;
    }
  }

  podsWithScoringAffinity(): number {
    return this.scoringAffinity;
  }

  private addToNode(pod: Pod): void {
    const ni = this.nodeInfoFor(pod.spec.nodeName!);
    const pi = ni.addPod(pod);
    if (pi.hasAffinity) this.affinityChanged();
    if (pi.hasScoringAffinity) this.scoringAffinity++;
    this.index(pi, true);
  }

  private removeFromNode(pod: Pod): void {
    const name = pod.spec.nodeName!;
    const ni = this.nodes.get(name);
    if (!ni) return;
    const pi = ni.pods.find((p) => p.pod.metadata?.uid === pod.metadata?.uid);
    if (pi?.hasScoringAffinity) this.scoringAffinity--;
    if (pi) this.index(pi, false);
    if (!ni.removePod(pod)) log.error('Failed to remove pod from node info', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, node: name });
    if (pod.spec.affinity?.podAffinity || pod.spec.affinity?.podAntiAffinity) this.affinityChanged();
    if (!ni.node && !ni.pods.length) this.nodes.delete(name);
  }

  isAssumed(pod: Pod): boolean {
    return !!this.pods.get(pod.metadata?.uid ?? '')?.assumed;
  }

  /** Assume pod (with spec.nodeName set) is on its node until the binding is seen or fails. */
  assumePod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    if (this.pods.has(uid)) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${uid}) is in the cache, so can't be assumed`);
    this.addToNode(pod);
    this.pods.set(uid, { pod, assumed: true, bindingFinished: false });
  }

  finishBinding(pod: Pod): void {
    const ps = this.pods.get(pod.metadata?.uid ?? '');
    if (ps?.assumed) ps.bindingFinished = true;
  }

  forgetPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const ps = this.pods.get(uid);
    if (!ps) return;
    if (ps.pod.spec.nodeName !== pod.spec.nodeName) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${uid}) was assumed on ${pod.spec.nodeName} but assigned to ${ps.pod.spec.nodeName}`);
    if (!ps.assumed) throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${uid}) wasn't assumed so cannot be forgotten`);
    this.removeFromNode(ps.pod);
    this.pods.delete(uid);
  }

  /** An assigned pod seen by the informer (confirms an assumed one). */
  addPod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const ps = this.pods.get(uid);
    if (ps?.assumed) {
      if (ps.pod.spec.nodeName !== pod.spec.nodeName) {
        log.info('Pod was added to a different node than it was assumed', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, assumedNode: ps.pod.spec.nodeName, currentNode: pod.spec.nodeName });
        this.removeFromNode(ps.pod);
        this.addToNode(pod);
      } else {
        this.replaceOnNode(ps.pod, pod);
      }
      this.pods.set(uid, { pod, assumed: false, bindingFinished: true });
      return;
    }
    if (ps) {
      this.updatePod(ps.pod, pod);
      return;
    }
    this.addToNode(pod);
    this.pods.set(uid, { pod, assumed: false, bindingFinished: true });
  }

  private replaceOnNode(oldPod: Pod, newPod: Pod): void {
    this.removeFromNode(oldPod);
    this.addToNode(newPod);
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    const uid = newPod.metadata!.uid!;
    const ps = this.pods.get(uid);
    if (!ps) {
      this.addPod(newPod);
      return;
    }
    if (ps.assumed) {
      this.addPod(newPod);
      return;
    }
    this.replaceOnNode(ps.pod, newPod);
    ps.pod = newPod;
    void oldPod;
  }

  removePod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const ps = this.pods.get(uid);
    if (!ps) return;
    this.removeFromNode(ps.pod);
    this.pods.delete(uid);
  }

  podCount(): number {
    return this.pods.size;
  }

  assumedCount(): number {
    let n = 0;
    for (const p of this.pods.values()) if (p.assumed) n++;
    return n;
  }
}

/** An equality requirement of the selector ("key NUL value"), if it has one. */
function exactKey(selector: Selector): string | undefined {
  for (const r of selector.requirements) {
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return `${r.key}\x00${r.values[0]}`;
  }
  return undefined;
}
