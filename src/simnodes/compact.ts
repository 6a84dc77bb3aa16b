// What the fleet's informers keep of Pods and Nodes (their transform): only the fields a
// simulated kubelet reads, so that 150,000 pods cost a few hundred bytes each. Pods on nodes
// that are not the fleet's are kept as bare stubs; of pods the fleet already runs, only the
// status fields it still reads (the rest seeds a run after a restart of the fleet); strings
// that repeat across pods (namespace, node, images, times) are shared.
import type { KubeObject } from '../client/rest.js';
import { SIM_ANNOTATIONS } from './control.js';

export interface SimContainer {
  name: string;
  image: string;
  /** init containers: "Always" makes it a sidecar */
  restartPolicy?: string;
}

export interface SimPod extends KubeObject {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  spec: {
    nodeName: string;
    restartPolicy?: string;
    hostNetwork?: boolean;
    containers?: SimContainer[];
    initContainers?: SimContainer[];
    /** condition types of spec.readinessGates */
    readinessGates?: string[];
  };
  status?: {
    phase?: string;
    podIPs?: string[];
    startTime?: string;
    /** PodScheduled is True */
    scheduled?: boolean;
    ready?: { status: string; lastTransitionTime?: string };
    /** status of the conditions named by readiness gates (absent: no such condition) */
    gates?: Record<string, string>;
    restartCount?: number;
    /** state.running.startedAt of the first container */
    runningSince?: string;
  };
}

export interface SimNodeObj extends KubeObject {
  metadata: { name: string; uid: string; resourceVersion?: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec: { podCIDRs?: string[] };
  /** status of each condition type, as the API has it */
  status?: { conditions?: Record<string, string> };
}

type Any = Record<string, any>;

const interned = new Map<string, string>();

/** One copy of a string that many pods repeat (the table starts over when it grows large). */
function intern(v: string): string {
  const have = interned.get(v);
  if (have !== undefined) return have;
  if (interned.size >= 100_000) interned.clear();
  interned.set(v, v);
  return v;
}

function simAnnotations(a: Any | undefined): Record<string, string> | undefined {
  if (!a) return undefined;
  let out: Record<string, string> | undefined;
  for (const k of SIM_ANNOTATIONS) if (typeof a[k] === 'string') (out ??= {})[k] = a[k];
  return out;
}

function containers(list: unknown, init: boolean): SimContainer[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((c: Any) => {
    const out: SimContainer = { name: intern(String(c?.name ?? '')), image: intern(String(c?.image ?? '')) };
    if (init && typeof c?.restartPolicy === 'string') out.restartPolicy = intern(c.restartPolicy);
    return out;
  });
}

/**
 * The informer transform of Pods: ours(nodeName) says whether a node belongs to the fleet,
 * running(namespace, name, uid) whether the fleet runs the pod already.
 */
export function compactPod(raw: KubeObject, ours: (nodeName: string) => boolean, running: (namespace: string, name: string, uid: string) => boolean = () => false): SimPod {
  const o = raw as Any;
  const m = o.metadata ?? {};
  const spec = o.spec ?? {};
  const nodeName = intern(String(spec.nodeName ?? ''));
  const meta: SimPod['metadata'] = { name: m.name, namespace: intern(String(m.namespace ?? '')), uid: m.uid, resourceVersion: m.resourceVersion };
  if (!ours(nodeName)) return { metadata: meta, spec: { nodeName } };
  if (m.deletionTimestamp) meta.deletionTimestamp = m.deletionTimestamp;
  const ann = simAnnotations(m.annotations);
  if (ann) meta.annotations = ann;
  const s: SimPod['spec'] = { nodeName };
  if (spec.restartPolicy) s.restartPolicy = intern(spec.restartPolicy);
  if (spec.hostNetwork) s.hostNetwork = true;
  const cs = containers(spec.containers, false);
  if (cs) s.containers = cs;
  const ics = containers(spec.initContainers, true);
  if (ics) s.initContainers = ics;
  const gates: string[] = Array.isArray(spec.readinessGates) ? spec.readinessGates.map((g: Any) => intern(String(g?.conditionType ?? ''))) : [];
  if (gates.length) s.readinessGates = gates;
  const st = o.status ?? {};
  const status: NonNullable<SimPod['status']> = {};
  if (st.phase) status.phase = intern(st.phase);
  for (const c of Array.isArray(st.conditions) ? st.conditions : []) {
    if (c?.type === 'PodScheduled' && c.status === 'True') status.scheduled = true;
    if (gates.includes(c?.type)) (status.gates ??= {})[c.type] = intern(String(c.status));
  }
  if (running(meta.namespace, meta.name, meta.uid)) return { metadata: meta, spec: s, status };
  // what a fleet that starts over picks the pod up from
  if (Array.isArray(st.podIPs) && st.podIPs.length) status.podIPs = st.podIPs.map((p: Any) => String(p?.ip ?? ''));
  else if (st.podIP) status.podIPs = [String(st.podIP)];
  if (st.startTime) status.startTime = intern(st.startTime);
  const ready = Array.isArray(st.conditions) ? st.conditions.find((c: Any) => c?.type === 'Ready') : undefined;
  if (ready) status.ready = { status: intern(String(ready.status)), lastTransitionTime: ready.lastTransitionTime ? intern(ready.lastTransitionTime) : undefined };
  const first = Array.isArray(st.containerStatuses) ? st.containerStatuses[0] : undefined;
  if (first) {
    if (typeof first.restartCount === 'number') status.restartCount = first.restartCount;
    if (first.state?.running?.startedAt) status.runningSince = intern(first.state.running.startedAt);
  }
  return { metadata: meta, spec: s, status };
}

/** The informer transform of Nodes. */
export function compactNode(raw: KubeObject): SimNodeObj {
  const o = raw as Any;
  const m = o.metadata ?? {};
  const meta: SimNodeObj['metadata'] = { name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
  const ann = simAnnotations(m.annotations);
  if (ann) meta.annotations = ann;
  if (m.deletionTimestamp) meta.deletionTimestamp = m.deletionTimestamp;
  const spec: SimNodeObj['spec'] = {};
  const cidrs: string[] = Array.isArray(o.spec?.podCIDRs) && o.spec.podCIDRs.length ? o.spec.podCIDRs : o.spec?.podCIDR ? [o.spec.podCIDR] : [];
  if (cidrs.length) spec.podCIDRs = cidrs.map(String);
  const out: SimNodeObj = { metadata: meta, spec };
  for (const c of Array.isArray(o.status?.conditions) ? o.status.conditions : []) {
    if (typeof c?.type === 'string') ((out.status ??= {}).conditions ??= {})[c.type] = String(c.status);
  }
  return out;
}
