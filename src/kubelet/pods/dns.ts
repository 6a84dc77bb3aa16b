// The sandbox's DNS configuration from the pod's dnsPolicy (pkg/kubelet/network/dns):
// ClusterFirst → the kubelet's clusterDNS, searches <ns>.svc.<domain> svc.<domain> <domain> plus
// the host's, options ndots:5; Default → the kubelet's resolvConf; None → only spec.dnsConfig,
// which is merged into every policy's result. hostNetwork pods use Default unless
// ClusterFirstWithHostNet.
import { readFileSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DNSConfig } from './cri.js';

/** A DNS config with every list present. */
export type ResolvedDNS = Required<DNSConfig>;

export const maxDNSSearchPaths = 32;
export const maxDNSSearchListChars = 2048;
export const maxNameservers = 3;

/** nameserver / search / options lines of a resolv.conf. */
export function parseResolvConf(text: string): ResolvedDNS {
  const out: ResolvedDNS = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const f = line.split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.servers.push(f[1]);
    else if (f[0] === 'search' || f[0] === 'domain') out.searches = f.slice(1).filter((s) => s !== '.');
    else if (f[0] === 'options') out.options.push(...f.slice(1));
  }
  return out;
}

export interface DnsSettings {
  clusterDNS: string[];
  clusterDomain: string;
  /** kubelet resolvConf ("" = none) */
  resolvConf: string;
  readFile?: (path: string) => string;
}

export type EffectivePolicy = 'ClusterFirst' | 'Default' | 'None';

/** The policy actually applied (hostNetwork and a missing clusterDNS fall back to Default). */
export function effectiveDnsPolicy(pod: Pod, s: DnsSettings): { policy: EffectivePolicy; missingClusterDNS: boolean } {
  const p = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (p === 'None') return { policy: 'None', missingClusterDNS: false };
  if (p === 'Default') return { policy: 'Default', missingClusterDNS: false };
  if (p === 'ClusterFirst' && pod.spec?.hostNetwork) return { policy: 'Default', missingClusterDNS: false };
  if (s.clusterDNS.length === 0) return { policy: 'Default', missingClusterDNS: true };
  return { policy: 'ClusterFirst', missingClusterDNS: false };
}

function dedup(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Options merged by name: name or name:value, later ones win (mergeDNSOptions). */
function mergeOptions(base: string[], extra: Array<{ name?: string; value?: string }>): string[] {
  const m = new Map<string, string | undefined>();
  for (const o of base) {
    const [n, v] = o.split(':', 2);
    m.set(n, v);
  }
  for (const o of extra) if (o.name) m.set(o.name, o.value);
  return [...m].map(([n, v]) => (v !== undefined ? `${n}:${v}` : n));
}

function trimSearches(searches: string[]): string[] {
  let out = searches.slice(0, maxDNSSearchPaths);
  while (out.join(' ').length > maxDNSSearchListChars) out = out.slice(0, -1);
  return out;
}

export function podDNSConfig(pod: Pod, s: DnsSettings): ResolvedDNS {
  const { policy } = effectiveDnsPolicy(pod, s);
  const read = s.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let host: ResolvedDNS = { servers: [], searches: [], options: [] };
  if (policy !== 'None' && s.resolvConf) {
    try {
      host = parseResolvConf(read(s.resolvConf));
    } catch {
      host = { servers: [], searches: [], options: [] };
    }
  }
  let cfg: ResolvedDNS;
  if (policy === 'ClusterFirst') {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = s.clusterDomain;
    const own = d ? [`${ns}.svc.${d}`, `svc.${d}`, d] : [];
    cfg = { servers: [...s.clusterDNS], searches: dedup([...own, ...host.searches]), options: ['ndots:5'] };
  } else if (policy === 'Default') cfg = host;
  else cfg = { servers: [], searches: [], options: [] };
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg = {
      servers: dedup([...cfg.servers, ...(extra.nameservers ?? [])]),
      searches: dedup([...cfg.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(cfg.options, extra.options ?? []),
    };
  }
  return { servers: cfg.servers.slice(0, maxNameservers), searches: trimSearches(cfg.searches), options: cfg.options };
}
