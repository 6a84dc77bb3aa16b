// Where a connect request goes, as upstream's registry computes it: the kubelet of a pod's
// node (address by --kubelet-preferred-address-types, port from daemonEndpoints), the
// container (defaulted or validated), a node's, pod's or service endpoint's host:port for the
// proxy subresources, and the "address not allowed" checks on proxy targets.

import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { lookup } from 'node:dns/promises';
import { StatusError, badRequest } from '../../apimachinery/errors.js';
import { canonicalIP } from '../../pki/certs.js';

/** Which TLS/transport settings a location is reached with. */
export type TransportKind = 'kubelet' | 'kubelet-insecure' | 'proxy';

export interface Location {
  scheme: 'http' | 'https';
  host: string;
  port: string;
  /** escaped path ('' for none) */
  path: string;
  /** encoded query, without '?' */
  query: string;
  transport: TransportKind;
  /** TLS settings of this location alone, instead of its transport's (aggregated APIs: caBundle, server name). */
  tls?: ConnectionOptions;
  /** Headers set on an upgrade request, replacing the client's of the same names (aggregated APIs: X-Remote-*). */
  headers?: Record<string, string | string[]>;
}

export interface KubeletConnectionConfig {
  /** --kubelet-preferred-address-types */
  preferredAddressTypes: string[];
  /** the kubelet port when the Node reports none (upstream: 10250) */
  defaultPort: number;
}

export const DEFAULT_KUBELET_PORT = 10250;

/** A plain (non-Status) error: upstream answers it as 500 with the error's text. */
export class ProxyError extends Error {}

/** host:port, IPv6 in brackets (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function locationURL(loc: Location): string {
  return `${loc.scheme}://${joinHostPort(loc.host, loc.port)}${loc.path || ''}${loc.query ? `?${loc.query}` : ''}`;
}

/** The node address of the first preferred type present (upstream's GetPreferredNodeAddress). */
export function preferredNodeAddress(node: any, preferred: string[]): string {
  const addrs: { type: string; address: string }[] = node?.status?.addresses ?? [];
  for (const t of preferred) {
    const a = addrs.find((x) => x.type === t);
    if (a) return a.address;
  }
  throw new ProxyError(`no preferred addresses found; known addresses: [${addrs.map((a) => `{${a.type} ${a.address}}`).join(' ')}]`);
}

/** The kubelet's scheme, host and port for a Node. */
export function kubeletConnectionInfo(node: any, cfg: KubeletConnectionConfig): { host: string; port: string } {
  const host = preferredNodeAddress(node, cfg.preferredAddressTypes);
  const reported = Number(node?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
  return { host, port: String(reported > 0 ? reported : cfg.defaultPort) };
}

interface ContainerLike {
  name: string;
}

/** Init, regular and ephemeral containers' names, in upstream's VisitContainers order. */
function allContainerNames(pod: any): string[] {
  const spec = pod?.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: ContainerLike) => c.name);
}

/** The container a log/exec/attach request is for: the one given (must exist) or the only one. */
export function validateContainer(pod: any, container: string): string {
  const name = pod?.metadata?.name ?? '';
  if (!container) {
    const containers: ContainerLike[] = pod?.spec?.containers ?? [];
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${allContainerNames(pod).join(' ')}]`);
  }
  if (!allContainerNames(pod).includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** Path segment escaping as Go's url.URL does for paths (keeps sub-delims and ':' '@'). */
export function escapePathSegment(s: string): string {
  return encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%40/g, '@').replace(/%2C/gi, ',').replace(/%3D/gi, '=').replace(/%2B/gi, '+').replace(/%24/g, '$').replace(/%26/g, '&');
}

/** The kubelet location of /containerLogs, /exec, /attach (ns/pod/container) or /portForward (ns/pod). */
export function kubeletLocation(node: any, cfg: KubeletConnectionConfig, segments: string[], query: string, insecure = false): Location {
  const { host, port } = kubeletConnectionInfo(node, cfg);
  return { scheme: 'https', host, port, path: `/${segments.map(escapePathSegment).join('/')}`, query, transport: insecure ? 'kubelet-insecure' : 'kubelet' };
}

/** "name", "name:port" or "scheme:name:port" (upstream's SplitSchemeNamePort). */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name = '';
  let port = '';
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return undefined;
  if (!name || !['', 'http', 'https'].includes(scheme)) return undefined;
  return { scheme, name, port };
}

// ---------------------------------------------------------------- proxy target checks

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** First 16-bit group of an IPv6 address (enough for the prefixes checked here). */
function ipv6FirstGroup(ip: string): number {
  const head = ip.toLowerCase().split(':')[0];
  return head === '' ? 0 : parseInt(head, 16);
}

function isIPv4Mapped(ip: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1];
}

/** Go's IP.IsLoopback || IsLinkLocalUnicast || IsLinkLocalMulticast || IsInterfaceLocalMulticast. */
export function isNonProxyableIP(ip: string): boolean {
  const v4 = isIP(ip) === 4 ? ip : isIPv4Mapped(ip);
  if (v4) {
    const [a, b, c] = ipv4Octets(v4);
    return a === 127 || (a === 169 && b === 254) || (a === 224 && b === 0 && c === 0);
  }
  if (isIP(ip) !== 6) return true;
  const g = ipv6FirstGroup(ip);
  return canonicalIP(ip) === '::1' || (g & 0xffc0) === 0xfe80 || g === 0xff02 || g === 0xff01;
}

/** Go's IP.IsGlobalUnicast (pod proxy targets must be). */
export function isGlobalUnicast(ip: string): boolean {
  const v4 = isIP(ip) === 4 ? ip : isIPv4Mapped(ip);
  if (v4) {
    const [a, b] = ipv4Octets(v4);
    if (v4 === '255.255.255.255' || v4 === '0.0.0.0') return false;
    return !(a === 127 || a >= 224 || (a === 169 && b === 254));
  }
  if (isIP(ip) !== 6) return false;
  const g = ipv6FirstGroup(ip);
  const c = canonicalIP(ip);
  if (c === '::' || c === '::1') return false;
  return (g & 0xff00) !== 0xff00 && (g & 0xffc0) !== 0xfe80;
}

/** Every address the host name resolves to must be proxyable (upstream's isProxyableHostname). */
export async function checkProxyableHostname(host: string): Promise<void> {
  let ips: string[];
  if (isIP(host)) ips = [host];
  else {
    try {
      ips = (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      throw badRequest(`lookup ${host}: no such host`);
    }
  }
  if (!ips.length) throw badRequest('no addresses for hostname');
  if (ips.some(isNonProxyableIP)) throw badRequest('address not allowed');
}

// ---------------------------------------------------------------- proxy locations

/**
 * nodes/{scheme:name:port}/proxy: the kubelet (its transport) when no port or the kubelet's
 * port is asked, else the requested scheme and port with the proxy transport.
 */
export async function nodeProxyLocation(node: any, cfg: KubeletConnectionConfig, portReq: string, schemeReq: string, path: string, query: string): Promise<Location> {
  const { host, port } = kubeletConnectionInfo(node, cfg);
  await checkProxyableHostname(host);
  if (!portReq || portReq === port) return { scheme: 'https', host, port, path, query, transport: 'kubelet' };
  return { scheme: schemeReq === 'https' ? 'https' : 'http', host, port: portReq, path, query, transport: 'proxy' };
}

/** pods/{scheme:name:port}/proxy: the pod IP, port defaulted to the first declared container port. */
export function podProxyLocation(pod: any, schemeReq: string, portReq: string, path: string, query: string): Location {
  let port = portReq;
  if (!port) {
    for (const c of pod?.spec?.containers ?? []) {
      if (c.ports?.length) {
        port = String(c.ports[0].containerPort);
        break;
      }
    }
  }
  const podIP: string = pod?.status?.podIPs?.[0]?.ip ?? pod?.status?.podIP ?? '';
  if (!podIP || !isIP(podIP) || !isGlobalUnicast(podIP)) throw badRequest('address not allowed');
  return { scheme: schemeReq === 'https' ? 'https' : 'http', host: podIP, port: port || (schemeReq === 'https' ? '443' : '80'), path, query, transport: 'proxy' };
}

/**
 * services/{scheme:name:port}/proxy: a random ready endpoint address (backed by a pod whose IPs
 * include it) of the service port named (or numbered) in the request, as upstream.
 */
export function serviceProxyLocation(
  svc: any,
  endpoints: any,
  id: { scheme: string; name: string; port: string; raw: string },
  podIPs: (namespace: string, name: string) => string[] | undefined,
  path: string,
  query: string,
  random: (n: number) => number = (n) => Math.floor(Math.random() * n),
): Location {
  let portName = id.port;
  if (/^\d+$/.test(id.port)) {
    const p = (svc?.spec?.ports ?? []).find((sp: any) => Number(sp.port) === Number(id.port));
    if (!p) throw new StatusError(503, 'ServiceUnavailable', `no service port ${id.port} found for service ${JSON.stringify(id.name)}`);
    portName = p.name ?? '';
  }
  const subsets: any[] = endpoints?.subsets ?? [];
  const unavailable = (what: string) => new StatusError(503, 'ServiceUnavailable', `no endpoints available for service ${JSON.stringify(what)}`);
  if (!subsets.length) throw unavailable(id.name);
  const ns = endpoints?.metadata?.namespace ?? '';
  const seed = random(subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(seed + i) % subsets.length];
    const addrs: any[] = ss.addresses ?? [];
    if (!addrs.length) continue;
    for (const p of ss.ports ?? []) {
      if ((p.name ?? '') !== portName) continue;
      const aseed = random(addrs.length);
      for (let t = 0; t < addrs.length; t++) {
        const a = addrs[(aseed + t) % addrs.length];
        const ref = a.targetRef;
        if (!ref || ref.namespace !== ns) continue;
        if (!(podIPs(ref.namespace, ref.name) ?? []).includes(a.ip)) continue;
        return { scheme: id.scheme === 'https' ? 'https' : 'http', host: a.ip, port: String(p.port), path, query, transport: 'proxy' };
      }
    }
  }
  throw unavailable(id.raw);
}
