// The Endpoints a Service's pods make (upstream endpoints_controller.go syncService, pure
// part): one address per pod in the endpoints (ready, or notReady unless the service
// publishes not-ready addresses), one port per service port the pod serves, repacked so that
// addresses with identical ports share a subset, sorted; and the truncation to 1000 addresses
// behind the endpoints.kubernetes.io/over-capacity annotation.

import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';
import type { Pod, Service } from '../util/types.js';
import { endpointsFamily, findPort, isServiceIPSet, podIPOfFamily, shouldPodBeInEndpoints, shouldSetHostname } from './podaddress.js';

export const MAX_CAPACITY = 1000;
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

export interface ComputedSubsets {
  subsets: EndpointSubset[];
  ready: number;
  notReady: number;
}

/** The pod's address for the service (podToEndpointAddressForService), or undefined without an IP of its family. */
export function podAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ip = podIPOfFamily(pod, endpointsFamily(svc, pod));
  if (!ip) return undefined;
  const a: EndpointAddress = {
    ip,
    nodeName: pod.spec?.nodeName ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (shouldSetHostname(pod, svc)) a.hostname = pod.spec!.hostname;
  return a;
}

/** The subsets of a selector service over its selected pods. */
export function computeSubsets(svc: Service, pods: Pod[]): ComputedSubsets {
  const publish = !!svc.spec?.publishNotReadyAddresses;
  const raw: { addr: EndpointAddress; ready: boolean; port?: EndpointPort }[] = [];
  let ready = 0;
  let notReady = 0;
  const add = (addr: EndpointAddress, isReady: boolean, port?: EndpointPort) => {
    raw.push({ addr, ready: isReady, port });
    if (isReady) ready++;
    else notReady++;
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publish)) continue;
    const addr = podAddress(svc, pod);
    if (!addr) continue;
    const isReady = publish || pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    const ports = svc.spec?.ports ?? [];
    if (!ports.length) {
      // a headless service may have no ports
      if (svc.spec?.clusterIP === 'None') add(addr, isReady);
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === undefined) continue;
      const epp: EndpointPort = { port: num, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) epp.name = sp.name;
      if (sp.appProtocol) epp.appProtocol = sp.appProtocol;
      add(addr, isReady, epp);
    }
  }
  return { subsets: repack(raw), ready, notReady };
}

const addrKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => `${p.name ?? ''}/${p.port}/${p.protocol ?? ''}/${p.appProtocol ?? ''}`;

function compareAddr(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const au = a.targetRef?.uid ?? '';
  const bu = b.targetRef?.uid ?? '';
  return au < bu ? -1 : au > bu ? 1 : 0;
}

/** RepackSubsets: addresses offering the same set of ports form one subset. */
function repack(raw: { addr: EndpointAddress; ready: boolean; port?: EndpointPort }[]): EndpointSubset[] {
  // address → its ports and readiness
  const byAddr = new Map<string, { addr: EndpointAddress; ready: boolean; ports: Map<string, EndpointPort> }>();
  for (const r of raw) {
    const k = addrKey(r.addr);
    let e = byAddr.get(k);
    if (!e) byAddr.set(k, (e = { addr: r.addr, ready: r.ready, ports: new Map() }));
    if (r.port) e.ports.set(portKey(r.port), r.port);
  }
  // port set → addresses
  const bySet = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const e of byAddr.values()) {
    const ports = [...e.ports.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
    const k = ports.map(portKey).join('|');
    let s = bySet.get(k);
    if (!s) bySet.set(k, (s = { ports, ready: [], notReady: [] }));
    (e.ready ? s.ready : s.notReady).push(e.addr);
  }
  return [...bySet.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => {
      const sub: EndpointSubset = {};
      if (s.ready.length) sub.addresses = s.ready.sort(compareAddr);
      if (s.notReady.length) sub.notReadyAddresses = s.notReady.sort(compareAddr);
      if (s.ports.length) sub.ports = s.ports;
      return sub;
    });
}

function count(subsets: EndpointSubset[]): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

/**
 * truncateEndpoints: over MAX_CAPACITY addresses, not-ready addresses go first (each subset
 * keeping its proportion, rounded up); with more than MAX_CAPACITY ready ones, only ready ones
 * stay. Returns true when it truncated.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_CAPACITY): boolean {
  const { ready, notReady } = count(subsets);
  if (ready + notReady <= max) return false;
  const truncateReady = ready > max;
  const budget = truncateReady ? max : max - ready;
  const total = truncateReady ? ready : notReady;
  let left = budget;
  for (const s of subsets) {
    const n = truncateReady ? s.addresses?.length ?? 0 : s.notReadyAddresses?.length ?? 0;
    const take = Math.min(Math.ceil((n / total) * budget), left);
    if (truncateReady) {
      s.addresses = (s.addresses ?? []).slice(0, take);
      delete s.notReadyAddresses;
      left -= s.addresses.length;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, take);
      left -= s.notReadyAddresses.length;
    }
  }
  return true;
}

/** capacityAnnotationSetCorrectly: under capacity and without the over-capacity annotation. */
export function capacityAnnotationSetCorrectly(annotations: Record<string, string> | undefined, subsets: EndpointSubset[]): boolean {
  const { ready, notReady } = count(subsets);
  if (ready + notReady > MAX_CAPACITY) return false;
  return !(annotations && OVER_CAPACITY in annotations);
}

/** Labels of the Endpoints: the service's, plus the headless label when it has no cluster IP. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels = { ...(svc.metadata?.labels ?? {}) };
  if (!isServiceIPSet(svc)) labels['service.kubernetes.io/headless'] = '';
  else delete labels['service.kubernetes.io/headless'];
  return labels;
}

/** A comparable form: keys sorted, empty values (undefined, "", [], {}) dropped. */
export function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) {
      const a = x.map(norm).filter((e) => e !== undefined);
      return a.length ? a : undefined;
    }
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const e = norm((x as Record<string, unknown>)[k]);
        if (e !== undefined) out[k] = e;
      }
      return Object.keys(out).length ? out : undefined;
    }
    return x === '' || x === null ? undefined : x;
  };
  return JSON.stringify(norm(v) ?? null);
}

/** Subsets equal, ignoring the pods' resourceVersions in targetRefs. */
export function subsetsEqual(a: EndpointSubset[] | undefined, b: EndpointSubset[]): boolean {
  const strip = (l: EndpointSubset[] | undefined) =>
    canonical(
      (l ?? []).map((s) => ({
        addresses: (s.addresses ?? []).map((x) => ({ ...x, targetRef: x.targetRef ? { ...x.targetRef, resourceVersion: undefined } : undefined })),
        notReadyAddresses: (s.notReadyAddresses ?? []).map((x) => ({ ...x, targetRef: x.targetRef ? { ...x.targetRef, resourceVersion: undefined } : undefined })),
        ports: s.ports ?? [],
      })),
    );
  return strip(a) === strip(b);
}
