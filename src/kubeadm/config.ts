// kubeadm's init configuration as the certs / kubeconfig phases see it: the flag values
// (--cert-dir, --apiserver-advertise-address, --service-cidr, ...) with kubeadm 1.32's
// static and dynamic defaults (advertise address from the default route, node name from
// the hostname), plus the helpers those phases share: the apiserver and etcd SAN lists
// (GetAPIServerAltNames / GetEtcdAltNames), the control-plane and local API endpoint URLs
// (GetControlPlaneEndpoint / GetLocalAPIEndpoint) and the kubernetes Service VIP.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { parseCIDR } from '../apiserver/allocator/ipallocator.js';
import { canonicalIP, ipv6FromBigInt, type KeyAlgorithm } from '../pki/certs.js';

export const DEFAULT_CERT_DIR = '/etc/kubernetes/pki';
export const DEFAULT_KUBECONFIG_DIR = '/etc/kubernetes';
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/12';
export const DEFAULT_DNS_DOMAIN = 'cluster.local';
export const DEFAULT_BIND_PORT = 6443;
export const DEFAULT_CLUSTER_NAME = 'kubernetes';
/** kubeadm's DefaultAPIServerBindAddress, used when no default route exists. */
const DEFAULT_API_SERVER_BIND_ADDRESS = '0.0.0.0';

/** Options of the init phases (the flags `kubeadm init phase certs|kubeconfig` accept). */
export interface InitOptions {
  /** --cert-dir (default /etc/kubernetes/pki). */
  certDir?: string;
  /** --kubeconfig-dir (default /etc/kubernetes). */
  kubeconfigDir?: string;
  /** --apiserver-advertise-address (default: the IP of the default-route interface). */
  advertiseAddress?: string;
  /** --apiserver-bind-port (default 6443). */
  bindPort?: number;
  /** --control-plane-endpoint: "host" or "host:port". */
  controlPlaneEndpoint?: string;
  /** --apiserver-cert-extra-sans. */
  certSANs?: string[];
  /** --service-cidr (default 10.96.0.0/12; a comma-separated dual-stack list is accepted). */
  serviceSubnet?: string;
  /** --service-dns-domain (default cluster.local). */
  dnsDomain?: string;
  /** --node-name (default: the hostname, lower case). */
  nodeName?: string;
  /** ClusterConfiguration.clusterName (default "kubernetes"). */
  clusterName?: string;
  /** Default 'rsa' (2048 bits), as kubeadm's default encryptionAlgorithm RSA-2048. */
  keyAlgorithm?: KeyAlgorithm;
  /** Where the phases' stdout lines go (without a trailing newline). Default: process.stdout. */
  out?: (line: string) => void;
  /** Where klog warnings go. Default: a klog-style line on process.stderr. */
  warn?: (msg: string) => void;
}

/** InitOptions with every default applied (the advertise address resolved lazily). */
export interface InitConfig {
  certDir: string;
  kubeconfigDir: string;
  bindPort: number;
  controlPlaneEndpoint: string;
  certSANs: string[];
  serviceSubnet: string;
  dnsDomain: string;
  nodeName: string;
  clusterName: string;
  keyAlgorithm: KeyAlgorithm;
  out: (line: string) => void;
  warn: (msg: string) => void;
  /** The resolved --apiserver-advertise-address (throws as kubeadm does when it cannot be used). */
  advertiseAddress(): string;
}

/** A klog warning line ("W0102 15:04:05.000000    1234 file.go] msg\n"). */
export function klogWarningLine(source: string, msg: string): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `W${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)} ${String(process.pid).padStart(7)} ${source}] ${msg}\n`;
}

/** Write a klog warning line on stderr. */
export function klogWarning(source: string, msg: string): void {
  process.stderr.write(klogWarningLine(source, msg));
}

/** Apply kubeadm's defaults. */
export function resolveInitConfig(o: InitOptions = {}): InitConfig {
  const warn = o.warn ?? ((m: string) => klogWarning('initconfiguration.go', m));
  let advertise: string | undefined;
  return {
    certDir: o.certDir || DEFAULT_CERT_DIR,
    kubeconfigDir: o.kubeconfigDir || DEFAULT_KUBECONFIG_DIR,
    bindPort: o.bindPort ?? DEFAULT_BIND_PORT,
    controlPlaneEndpoint: o.controlPlaneEndpoint ?? '',
    certSANs: o.certSANs ?? [],
    serviceSubnet: o.serviceSubnet || DEFAULT_SERVICE_SUBNET,
    dnsDomain: o.dnsDomain || DEFAULT_DNS_DOMAIN,
    nodeName: (o.nodeName || hostname()).trim().toLowerCase(),
    clusterName: o.clusterName || DEFAULT_CLUSTER_NAME,
    keyAlgorithm: o.keyAlgorithm ?? 'rsa',
    out: o.out ?? ((line: string) => process.stdout.write(line + '\n')),
    warn,
    advertiseAddress() {
      advertise ??= resolveAdvertiseAddress(o.advertiseAddress ?? '', warn);
      return advertise;
    },
  };
}

// ---------------------------------------------------------------- advertise address

function isGlobalUnicast(ip: string): boolean {
  const fam = isIP(ip);
  if (fam === 4) {
    const [a, b] = ip.split('.').map(Number);
    if (a === 0 || a === 127 || a >= 224) return false; // unspecified/this-net, loopback, multicast/broadcast
    if (a === 169 && b === 254) return false; // link-local
    return true;
  }
  if (fam === 6) {
    const s = ip.toLowerCase();
    if (s === '::' || s === '::1') return false;
    if (/^fe[89ab]/.test(s) || s.startsWith('ff')) return false; // link-local, multicast
    return true;
  }
  return false;
}

/** The interface names of the IPv4 default routes in /proc/net/route (empty when none or unreadable). */
function defaultRouteInterfaces(): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const flags = parseInt(f[3], 16);
    if (f[1] === '00000000' && (flags & 0x1) !== 0) out.push(f[0]);
  }
  return out;
}

/** The first global-unicast address of the interface in the family (4 or 6). */
function interfaceAddress(name: string, family: 4 | 6): string | undefined {
  for (const a of networkInterfaces()[name] ?? []) {
    if ((family === 4 ? a.family === 'IPv4' : a.family === 'IPv6') && isGlobalUnicast(a.address)) return canonicalIP(a.address);
  }
  return undefined;
}

/**
 * kubeadm's SetAPIEndpointDynamicDefaults: an explicit address must be an IP; a loopback one
 * selects a global unicast address configured on the loopback interface; none selects the
 * address of the default-route interface (ChooseHostInterface), falling back with a warning
 * to 0.0.0.0 when there is no default route.
 */
export function resolveAdvertiseAddress(addr: string, warn: (m: string) => void = () => {}): string {
  const trimmed = addr.trim();
  if (trimmed !== '' && !isIP(trimmed)) {
    throw new Error(`couldn't use "${addr}" as "apiserver-advertise-address", must be ipv4 or ipv6 address`);
  }
  if (trimmed !== '') {
    const ip = canonicalIP(trimmed);
    const loopback = ip === '::1' || ip.startsWith('127.');
    if (loopback) {
      const lo = interfaceAddress('lo', 4) ?? interfaceAddress('lo', 6);
      if (lo) return lo;
      throw new Error('unable to resolve link-local addresses');
    }
    if (ip !== '0.0.0.0' && ip !== '::') return ip;
  }
  for (const iface of defaultRouteInterfaces()) {
    const ip = interfaceAddress(iface, 4);
    if (ip) return ip;
  }
  warn(`WARNING: could not obtain a bind address for the API Server: no default routes found in "/proc/net/route" or "/proc/net/ipv6_route"; using: ${DEFAULT_API_SERVER_BIND_ADDRESS}`);
  return DEFAULT_API_SERVER_BIND_ADDRESS;
}

// ---------------------------------------------------------------- names and endpoints

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
const WILDCARD_DNS1123_SUBDOMAIN_RE = new RegExp(`^\\*\\.${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

export function isDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN_RE.test(s);
}

function isWildcardDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && WILDCARD_DNS1123_SUBDOMAIN_RE.test(s);
}

/** Go's net.SplitHostPort (undefined on error). */
function splitHostPort(hp: string): { host: string; port: string } | undefined {
  if (hp.startsWith('[')) {
    const m = /^\[([^\]]*)\]:([^:]*)$/.exec(hp);
    return m ? { host: m[1], port: m[2] } : undefined;
  }
  const i = hp.lastIndexOf(':');
  if (i < 0 || hp.indexOf(':') !== i) return undefined;
  return { host: hp.slice(0, i), port: hp.slice(i + 1) };
}

/** kubeadm's ParseHostPort: "host", "host:port" or "[v6]:port"; host an IP or a DNS-1123 subdomain. */
export function parseHostPort(hostport: string): { host: string; port: string } {
  const split = splitHostPort(hostport);
  const host = split ? split.host : hostport;
  const port = split ? split.port : '';
  if (port !== '' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new Error(`hostport ${hostport}: port ${port} must be a valid number between 1 and 65535, inclusive`);
  }
  if (isIP(host)) return { host, port };
  if (isDNS1123Subdomain(host)) return { host, port };
  throw new Error(`hostport ${hostport}: host '${host}' must be a valid IP address or a valid RFC-1123 DNS subdomain`);
}

function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function checkBindPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid value "${port}" given for api.bindPort: must be a valid number between 1 and 65535, inclusive`);
  }
}

/** https://<advertise-address>:<bind-port> (kubeadm's GetLocalAPIEndpoint). */
export function localAPIEndpoint(cfg: InitConfig): string {
  checkBindPort(cfg.bindPort);
  return `https://${joinHostPort(cfg.advertiseAddress(), cfg.bindPort)}`;
}

/** The --control-plane-endpoint URL (its port, else the bind port), else the local endpoint. */
export function controlPlaneEndpointURL(cfg: InitConfig): string {
  const local = localAPIEndpoint(cfg);
  if (!cfg.controlPlaneEndpoint) return local;
  let hp: { host: string; port: string };
  try {
    hp = parseHostPort(cfg.controlPlaneEndpoint);
  } catch (e) {
    throw new Error(`invalid value "${cfg.controlPlaneEndpoint}" given for controlPlaneEndpoint: ${(e as Error).message}`);
  }
  let port = hp.port;
  if (port === '') port = String(cfg.bindPort);
  else if (port !== String(cfg.bindPort)) {
    cfg.warn('[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address');
  }
  const host = isIP(hp.host) ? canonicalIP(hp.host) : hp.host;
  return `https://${joinHostPort(host, port)}`;
}

/** The first address of the first --service-cidr subnet: the kubernetes Service's ClusterIP. */
export function apiServerVirtualIP(serviceSubnet: string): string {
  const first = serviceSubnet.split(',')[0].trim();
  try {
    const c = parseCIDR(first);
    const bits = c.family === 'IPv6' ? 128 : 32;
    if (bits - c.prefixLength < 1) throw new Error(`can't generate IP with index 1 from subnet. subnet too small. subnet: "${c.text}"`);
    const v = c.network + 1n;
    if (c.family === 'IPv6') return ipv6FromBigInt(v);
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  } catch (e) {
    throw new Error(`unable to get first IP address from the given CIDR: ${serviceSubnet}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- SANs

export interface AltNames {
  dnsNames: string[];
  ips: string[];
}

function appendSANs(alt: AltNames, sans: string[], certName: string, warn: (m: string) => void): void {
  for (const san of sans) {
    if (isIP(san)) alt.ips.push(canonicalIP(san));
    else if (isDNS1123Subdomain(san) || isWildcardDNS1123Subdomain(san)) alt.dnsNames.push(san);
    else warn(`[certificates] WARNING: '${san}' was not added to the '${certName}' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`);
  }
}

/**
 * pkiutil.RemoveDuplicateAltNames: DNS names become a sorted set (sets.List), IPs are
 * de-duplicated keeping their order. This is why kubeadm prints (and encodes) the DNS names
 * sorted while the service VIP stays the first IP.
 */
export function dedupeAltNames(alt: AltNames): AltNames {
  const dns = [...new Set(alt.dnsNames)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ips: string[] = [];
  for (const ip of alt.ips.map(canonicalIP)) if (!ips.includes(ip)) ips.push(ip);
  return { dnsNames: dns, ips };
}

function advertiseIP(cfg: InitConfig): string {
  const a = cfg.advertiseAddress();
  if (!isIP(a)) {
    throw new Error(`error parsing LocalAPIEndpoint AdvertiseAddress ${a}: is not a valid textual representation of an IP address`);
  }
  return canonicalIP(a);
}

/** The apiserver serving certificate's SANs (kubeadm's GetAPIServerAltNames), de-duplicated. */
export function apiServerAltNames(cfg: InitConfig): AltNames {
  const adv = advertiseIP(cfg);
  const vip = apiServerVirtualIP(cfg.serviceSubnet);
  const alt: AltNames = {
    dnsNames: [cfg.nodeName, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${cfg.dnsDomain}`],
    ips: [vip, adv],
  };
  if (cfg.controlPlaneEndpoint) {
    let host: string;
    try {
      host = parseHostPort(cfg.controlPlaneEndpoint).host;
    } catch (e) {
      throw new Error(`error parsing cluster controlPlaneEndpoint "${cfg.controlPlaneEndpoint}": ${(e as Error).message}`);
    }
    if (isIP(host)) alt.ips.push(canonicalIP(host));
    else alt.dnsNames.push(host);
  }
  appendSANs(alt, cfg.certSANs, 'apiserver', cfg.warn);
  return dedupeAltNames(alt);
}

/** etcd/server and etcd/peer SANs (GetEtcdAltNames / GetEtcdPeerAltNames): node name, localhost, advertise address, loopbacks. */
export function etcdAltNames(cfg: InitConfig): AltNames {
  const adv = advertiseIP(cfg);
  return dedupeAltNames({ dnsNames: [cfg.nodeName, 'localhost'], ips: [adv, '127.0.0.1', '::1'] });
}

/** Go's fmt %v of a string slice: "[a b c]". */
export function goList(xs: string[]): string {
  return `[${xs.join(' ')}]`;
}

/** Go's %q of a plain string (ASCII paths/names). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
