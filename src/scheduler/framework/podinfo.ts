// framework.PodInfo: a pod with what the plugins need precomputed once — its affinity terms
// compiled to selectors (namespaces resolved as upstream: none given and no namespaceSelector
// means the pod's own namespace), its requests and non-zero requests, and its host ports.

import { labelSelectorAsSelector, nothing } from '../../apimachinery/labels.js';
import type { Selector } from '../../apimachinery/labels.js';
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../types.js';
import { podRequests, Resource } from './resource.js';

export class AffinityTerm {
  constructor(
    public namespaces: Set<string>,
    readonly selector: Selector,
    readonly topologyKey: string,
    public namespaceSelector: Selector,
  ) {}

  /** Whether pod (in a namespace with nsLabels) matches this term's namespaces and selector. */
  matches(pod: Pod, nsLabels: Record<string, string> | undefined): boolean {
    if (this.namespaces.has(pod.metadata?.namespace ?? '') || this.namespaceSelector.matches(nsLabels)) {
      return this.selector.matches(pod.metadata?.labels);
    }
    return false;
  }
}

export interface WeightedAffinityTerm {
  term: AffinityTerm;
  weight: number;
}

function selectorOf(ls: PodAffinityTerm['labelSelector']): Selector {
  try {
    return labelSelectorAsSelector(ls ?? null);
  } catch {
    return nothing();
  }
}

export function newAffinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const ns = new Set(t.namespaces ?? []);
  let nsSel: Selector;
  if (t.namespaceSelector === undefined || t.namespaceSelector === null) {
    nsSel = nothing();
    if (ns.size === 0) ns.add(pod.metadata?.namespace ?? '');
  } else {
    nsSel = selectorOf(t.namespaceSelector);
  }
  return new AffinityTerm(ns, selectorOf(t.labelSelector), t.topologyKey, nsSel);
}

function terms(pod: Pod, ts: PodAffinityTerm[] | undefined): AffinityTerm[] {
  return ts?.length ? ts.map((t) => newAffinityTerm(pod, t)) : [];
}

function weighted(pod: Pod, ts: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return ts?.length ? ts.map((w) => ({ weight: w.weight, term: newAffinityTerm(pod, w.podAffinityTerm) })) : [];
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export class PodInfo {
  readonly requiredAffinityTerms: AffinityTerm[];
  readonly requiredAntiAffinityTerms: AffinityTerm[];
  readonly preferredAffinityTerms: WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: WeightedAffinityTerm[];
  readonly requests: Resource;
  readonly nonZeroRequests: Resource;
  readonly hostPorts: HostPort[];

  constructor(readonly pod: Pod) {
    const a = pod.spec.affinity;
    this.requiredAffinityTerms = terms(pod, a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.requiredAntiAffinityTerms = terms(pod, a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredAffinityTerms = weighted(pod, a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.preferredAntiAffinityTerms = weighted(pod, a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    this.requests = podRequests(pod);
    this.nonZeroRequests = podRequests(pod, true);
    this.hostPorts = podHostPorts(pod);
  }

  get hasAffinity(): boolean {
    return this.requiredAffinityTerms.length > 0 || this.requiredAntiAffinityTerms.length > 0 || this.preferredAffinityTerms.length > 0 || this.preferredAntiAffinityTerms.length > 0;
  }

  /** terms that make this pod score others (InterPodAffinity PreScore) */
  get hasScoringAffinity(): boolean {
    return this.requiredAffinityTerms.length > 0 || this.preferredAffinityTerms.length > 0 || this.preferredAntiAffinityTerms.length > 0;
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? '';
  }
}

/** The host ports a pod's containers ask for (hostIP default 0.0.0.0, protocol default TCP). */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const visit = (cs: Pod['spec']['containers'] | undefined) => {
    for (const c of cs ?? []) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort || p.hostPort <= 0) continue;
        out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
  };
  visit(pod.spec.containers);
  visit(pod.spec.initContainers?.filter((c) => c.restartPolicy === 'Always'));
  return out;
}
