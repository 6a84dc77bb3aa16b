// Where an APIService's service is reached, as upstream's service resolvers: with
// --enable-aggregator-routing (k8ts' default: no kube-proxy on the API server host) a random
// ready endpoint address and the endpoint port behind the service port (Endpoints, else the
// service's EndpointSlices); without it the ClusterIP and service port. ExternalName services
// resolve to their external name. Errors carry upstream's texts.

import type { KObject } from '../registry/types.js';

export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

export interface ServiceLookups {
  service(namespace: string, name: string): KObject | undefined;
  endpoints(namespace: string, name: string): KObject | undefined;
  endpointSlices(namespace: string, service: string): KObject[];
}

export class ResolveError extends Error {}

export function joinHost(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The host:port behind a service port (upstream's ResolveEndpoint / ResolveCluster). */
export function resolveService(ref: ServiceRef, lookups: ServiceLookups, endpointRouting: boolean, random: (n: number) => number = (n) => Math.floor(Math.random() * n)): string {
  const svc = lookups.service(ref.namespace, ref.name);
  if (!svc) throw new ResolveError(`service "${ref.name}" not found`);
  if (svc.spec?.type === 'ExternalName') return joinHost(String(svc.spec.externalName ?? ''), ref.port);
  const svcPort = (svc.spec?.ports ?? []).find((p: KObject) => Number(p.port) === ref.port);
  if (!svcPort) throw new ResolveError(`no service port ${ref.port} found for service "${ref.name}"`);
  if (!endpointRouting) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') throw new ResolveError(`invalid service type "${svc.spec?.type ?? ''}" or cluster IP "${ip ?? ''}"`);
    return joinHost(ip, ref.port);
  }
  const portName = svcPort.name ?? '';
  const candidates: string[] = [];
  const eps = lookups.endpoints(ref.namespace, ref.name);
  if (eps) {
    for (const ss of eps.subsets ?? []) {
      const port = (ss.ports ?? []).find((p: KObject) => (p.name ?? '') === portName);
      if (!port) continue;
      for (const a of ss.addresses ?? []) candidates.push(joinHost(a.ip, port.port));
    }
  } else {
    for (const slice of lookups.endpointSlices(ref.namespace, ref.name)) {
      const port = (slice.ports ?? []).find((p: KObject) => (p.name ?? '') === portName);
      if (!port) continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const addr of (ep.addresses ?? []).slice(0, 1)) candidates.push(joinHost(addr, port.port));
      }
    }
  }
  if (!candidates.length) throw new ResolveError(`no endpoints available for service "${ref.name}"`);
  return candidates[random(candidates.length)];
}
