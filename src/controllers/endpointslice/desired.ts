// The EndpointSlice endpoints a Service's pods make (upstream endpointslice reconciler's
// desired state, utils.go podToEndpoint/getEndpointPorts): per address family the service
// uses, one endpoint per pod address with conditions ready/serving/terminating, nodeName,
// zone (the node's topology.kubernetes.io/zone), hostname and targetRef, grouped by the set
// of ports the pod serves for the service.

import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import type { Node, Pod, Service } from '../util/types.js';
import { findPort, ipFamilyOf, isServiceIPSet, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoint/podaddress.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Endpoints of one address type that share a port set. */
export interface PortGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export interface DesiredState {
  /** addressType → port-set key → group */
  byAddressType: Map<string, Map<string, PortGroup>>;
  /** pods skipped because their node is not (yet) known */
  podsMissingNodes: string[];
}

/** The address types (IPv4/IPv6) of a service's slices. */
export function addressTypesForService(svc: Service): string[] {
  if (svc.spec?.ipFamilies?.length) return [...svc.spec.ipFamilies];
  if (isServiceIPSet(svc)) return [ipFamilyOf(svc.spec!.clusterIP!)];
  return ['IPv4'];
}

export function portsKey(ports: EndpointPort[] | undefined): string {
  return (ports ?? [])
    .map((p) => `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? ''}/${p.appProtocol ?? ''}`)
    .sort()
    .join('|');
}

/** The identity of an endpoint across syncs (its addresses and the pod it stands for). */
export function endpointKey(ep: Endpoint): string {
  return `${[...ep.addresses].sort().join(',')}/${ep.hostname ?? ''}/${ep.targetRef?.namespace ?? ''}/${ep.targetRef?.name ?? ''}/${ep.targetRef?.uid ?? ''}`;
}

function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean) as string[];
  return ips.length ? ips : pod.status?.podIP ? [pod.status.podIP] : [];
}

function isTopologyAuto(svc: Service): boolean {
  const a = svc.metadata?.annotations ?? {};
  const mode = a['service.kubernetes.io/topology-mode'] ?? a['service.kubernetes.io/topology-aware-hints'];
  return mode === 'Auto' || mode === 'auto';
}

export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addressType: string): Endpoint {
  const publish = !!svc.spec?.publishNotReadyAddresses;
  const serving = publish || pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  const terminating = !!pod.metadata?.deletionTimestamp;
  // never ready while terminating, unless not-ready addresses are published
  const ready = publish || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => ipFamilyOf(ip) === addressType),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return ep;
}

export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** The desired endpoints of a selector service over its selected pods. */
export function desiredEndpoints(svc: Service, pods: Pod[], nodeByName: (name: string) => Node | undefined): DesiredState {
  const byAddressType = new Map<string, Map<string, PortGroup>>();
  const podsMissingNodes: string[] = [];
  const types = addressTypesForService(svc);
  for (const t of types) byAddressType.set(t, new Map());
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const node = pod.spec?.nodeName ? nodeByName(pod.spec.nodeName) : undefined;
    if (!node && !svc.spec?.publishNotReadyAddresses) {
      podsMissingNodes.push(pod.metadata!.name!);
      continue;
    }
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    for (const t of types) {
      const ep = podToEndpoint(pod, node, svc, t);
      if (!ep.addresses.length) continue;
      const groups = byAddressType.get(t)!;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      g.endpoints.push(ep);
    }
  }
  if (isTopologyAuto(svc)) {
    // hints basics: each endpoint serves its own zone when every endpoint has one
    for (const groups of byAddressType.values()) {
      const all = [...groups.values()].flatMap((g) => g.endpoints);
      if (!all.length || all.some((e) => !e.zone)) continue;
      for (const e of all) e.hints = { forZones: [{ name: e.zone! }] };
    }
  }
  return { byAddressType, podsMissingNodes };
}
