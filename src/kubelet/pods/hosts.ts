// Files the kubelet writes for a pod under <rootDir>/pods/<uid>: the managed /etc/hosts
// (etc-hosts, with the pod's IPs, hostname, FQDN and hostAliases; the node's hosts file for
// hostNetwork pods) and each container's termination-log file (containers/<name>/<id>).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostAlias, Pod } from 'kubernetes-types/core/v1.js';

export const managedHostsHeader = '# Kubernetes-managed hosts file.\n';
export const managedHostsHeaderWithHostNetwork = '# Kubernetes-managed hosts file (host network).\n';

export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

/** Hostname and domain of a pod (GeneratePodHostNameAndDomain): spec.hostname or the pod name (63 chars), FQDN from subdomain. */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  let hostname = pod.spec?.hostname || pod.metadata!.name!;
  if (hostname.length > 63) hostname = hostname.slice(0, 63).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  const domain = sub && clusterDomain ? `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

function hostAliasLines(aliases: HostAlias[] | undefined): string {
  if (!aliases?.length) return '';
  let s = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) s += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return s;
}

export function managedHostsFileContent(podIPs: string[], hostname: string, domain: string, aliases?: HostAlias[]): string {
  let s = managedHostsHeader;
  s += '127.0.0.1\tlocalhost\n';
  s += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  s += 'fe00::0\tip6-localnet\n';
  s += 'fe00::0\tip6-mcastprefix\n';
  s += 'fe00::1\tip6-allnodes\n';
  s += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) s += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return s + hostAliasLines(aliases);
}

export function nodeHostsFileContent(hostsFile: string, aliases?: HostAlias[]): string {
  let host = '';
  try {
    host = readFileSync(hostsFile, 'utf8');
  } catch {
    host = '';
  }
  return managedHostsHeaderWithHostNetwork + host + hostAliasLines(aliases);
}

/** Writes <podDir>/etc-hosts and returns its path. */
export function ensureHostsFile(rootDir: string, pod: Pod, podIPs: string[], clusterDomain: string): string {
  const dir = podDir(rootDir, pod.metadata!.uid!);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'etc-hosts');
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  const content = pod.spec?.hostNetwork ? nodeHostsFileContent('/etc/hosts', pod.spec.hostAliases) : managedHostsFileContent(podIPs, hostname, domain, pod.spec?.hostAliases);
  writeFileSync(file, content, { mode: 0o644 });
  return file;
}

/** Creates an empty termination-log file for a new container (containers/<name>/<8 hex>). */
export function newTerminationLogFile(rootDir: string, podUid: string, container: string): string {
  const dir = join(podDir(rootDir, podUid), 'containers', container);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, randomBytes(4).toString('hex'));
  writeFileSync(file, '', { mode: 0o666 });
  return file;
}
