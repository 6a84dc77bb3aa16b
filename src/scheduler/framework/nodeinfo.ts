// framework.NodeInfo: a node with its pods and what plugins need aggregated — requested and
// non-zero requested resources, allocatable, used host ports, pods with (anti-)affinity, image
// sizes with the number of nodes holding each image, and PVC reference counts. Mutated by the
// cache as pods are added, assumed and removed; `generation` changes with every mutation.

import type { Node, Pod } from '../types.js';
import type { HostPort } from './podinfo.js';
import { PodInfo } from './podinfo.js';
import { Resource } from './resource.js';

export interface ImageStateSummary {
  size: number;
  numNodes: number;
}

let generationCounter = 0;
export function nextGeneration(): number {
  return ++generationCounter;
}

/** Ports in use on a node: ip → set of "protocol/port" (framework.HostPortInfo). */
export class HostPortInfo {
  readonly byIP = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.byIP.get(p.ip);
    if (!m) this.byIP.set(p.ip, (m = new Map()));
    const k = `${p.protocol}/${p.port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.byIP.get(p.ip);
    if (!m) return;
    const k = `${p.protocol}/${p.port}`;
    const n = (m.get(k) ?? 0) - 1;
    if (n <= 0) m.delete(k);
    else m.set(k, n);
    if (!m.size) this.byIP.delete(p.ip);
  }

  /** 0.0.0.0 conflicts with every IP using the same protocol/port, and vice versa. */
  checkConflict(p: HostPort): boolean {
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === '0.0.0.0') {
      for (const m of this.byIP.values()) if (m.has(k)) return true;
      return false;
    }
    return !!this.byIP.get(p.ip)?.has(k) || !!this.byIP.get('0.0.0.0')?.has(k);
  }

  get size(): number {
    return this.byIP.size;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIP) c.byIP.set(ip, new Map(m));
    return c;
  }
}

export class NodeInfo {
  node?: Node;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  requested = new Resource();
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  imageStates = new Map<string, ImageStateSummary>();
  pvcRefCounts = new Map<string, number>();
  generation = nextGeneration();

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  /** the node's name and labels (kept as fields: read for every node in every cycle) */
  name = '';
  labels: Record<string, string> | undefined;

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels;
    this.allocatable = Resource.fromList(node.status?.allocatable);
    this.generation = nextGeneration();
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.update(pi, 1);
  }

  addPod(pod: Pod): PodInfo {
    const pi = new PodInfo(pod);
    this.addPodInfo(pi);
    return pi;
  }

  /** Remove the pod with pod's uid; false when it is not on this node. */
  removePod(pod: Pod): boolean {
    const uid = pod.metadata?.uid;
    const i = this.pods.findIndex((p) => p.pod.metadata?.uid === uid);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    if (pi.hasAffinity) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p !== pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p !== pi);
    this.update(pi, -1);
    return true;
  }

  private update(pi: PodInfo, sign: 1 | -1): void {
    this.requested.add(pi.requests, sign);
    this.nonZeroRequested.add(pi.nonZeroRequests, sign);
    for (const hp of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(hp);
      else this.usedPorts.remove(hp);
    }
    for (const v of pi.pod.spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const k = `${pi.pod.metadata?.namespace}/${claim}`;
      const n = (this.pvcRefCounts.get(k) ?? 0) + sign;
      if (n <= 0) this.pvcRefCounts.delete(k);
      else this.pvcRefCounts.set(k, n);
    }
    this.generation = nextGeneration();
  }

  /** A copy whose pod lists and aggregates can be changed without touching this one. */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.labels = this.labels;
    c.pods = this.pods.slice();
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.usedPorts = this.usedPorts.clone();
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable;
    c.imageStates = this.imageStates;
    c.pvcRefCounts = new Map(this.pvcRefCounts);
    c.generation = this.generation;
    return c;
  }
}
