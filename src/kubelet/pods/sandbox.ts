// The CRI PodSandboxConfig of a pod (kuberuntime's generatePodSandboxConfig): metadata with the
// attempt, hostname, log directory <podLogsDir>/<ns>_<name>_<uid>, DNS, port mappings of every
// container port, labels/annotations, the per-QoS cgroup parent, namespace modes and the
// pod-level security context.
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NamespaceOption, PodSandboxConfig, PortMapping } from './cri.js';
import { podDNSConfig, type DnsSettings } from './dns.js';
import { podHostnameAndDomain } from './hosts.js';
import { sandboxLabels } from './labels.js';
import { podCgroupParent, type CgroupSettings } from './qos.js';

export interface SandboxSettings {
  podLogsDir: string;
  dns: DnsSettings;
  cgroups: CgroupSettings;
}

export function podLogsDirectory(podLogsDir: string, pod: Pod): string {
  const m = pod.metadata!;
  return join(podLogsDir, `${m.namespace ?? 'default'}_${m.name}_${m.uid}`);
}

/** Namespace modes of the pod (hostNetwork/hostPID/hostIPC, shareProcessNamespace). */
export function namespaceOptions(pod: Pod): NamespaceOption {
  const s = pod.spec ?? { containers: [] };
  return {
    network: s.hostNetwork ? 'NODE' : 'POD',
    pid: s.hostPID ? 'NODE' : s.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: s.hostIPC ? 'NODE' : 'POD',
  };
}

export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      out.push({ protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: p.hostIP ?? '' });
    }
  }
  return out;
}

/** The hostname the kernel gets (GetNodenameForKernel); "" for hostNetwork pods (the node's). */
export function sandboxHostname(pod: Pod, clusterDomain: string): string {
  if (pod.spec?.hostNetwork) return '';
  const { hostname, domain } = podHostnameAndDomain(pod, clusterDomain);
  if (pod.spec?.setHostnameAsFQDN && domain) return `${hostname}.${domain}`.slice(0, 64);
  return hostname;
}

export function sandboxConfig(pod: Pod, attempt: number, s: SandboxSettings): PodSandboxConfig {
  const m = pod.metadata!;
  const sc = pod.spec?.securityContext ?? {};
  const privileged = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.securityContext?.privileged);
  const sysctls: Record<string, string> = {};
  for (const x of sc.sysctls ?? []) sysctls[x.name] = x.value;
  return {
    metadata: { name: m.name!, namespace: m.namespace ?? 'default', uid: m.uid!, attempt },
    hostname: sandboxHostname(pod, s.dns.clusterDomain),
    logDirectory: podLogsDirectory(s.podLogsDir, pod),
    dnsConfig: podDNSConfig(pod, s.dns),
    portMappings: portMappings(pod),
    labels: sandboxLabels(pod),
    annotations: { ...(m.annotations ?? {}) },
    linux: {
      cgroupParent: podCgroupParent(pod, s.cgroups),
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        ...(sc.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
        ...(sc.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
        supplementalGroups: [...(sc.supplementalGroups ?? []), ...(sc.fsGroup !== undefined ? [sc.fsGroup] : [])],
        privileged,
        seccomp: { profileType: sc.seccompProfile?.type === 'RuntimeDefault' ? 'RuntimeDefault' : sc.seccompProfile?.type === 'Localhost' ? 'Localhost' : 'Unconfined', localhostRef: sc.seccompProfile?.localhostProfile },
      },
      sysctls,
    },
  };
}
