// What the endpoints and endpointslice controllers share about a Service's pods (upstream
// endpointslice util and podutil.FindPort): which pods belong in the endpoints, the pod IP of
// the service's address family, the container port a service port targets (by number or by
// name), the hostname a pod publishes, and the last-change trigger time tracker behind the
// endpoints.kubernetes.io/last-change-trigger-time annotation.

import type { Pod, Service } from '../util/types.js';
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../apimachinery/labels.js';

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** ShouldPodBeInEndpoints: the pod has an IP, is not terminating (unless included) and may still run. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded';
    case 'OnFailure':
      return phase !== 'Succeeded';
    default:
      return true;
  }
}

/** ShouldSetHostname: the pod's hostname, when its subdomain is the service's name. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

export function ipFamilyOf(ip: string): 'IPv4' | 'IPv6' {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean) as string[];
  return ips.length ? ips : pod.status?.podIP ? [pod.status.podIP] : [];
}

/** The pod IP of `family`, or undefined. */
export function podIPOfFamily(pod: Pod, family: string): string | undefined {
  return podIPs(pod).find((ip) => ipFamilyOf(ip) === family);
}

/** The address family the Endpoints of a service use (its first ipFamily; else its clusterIP's or the pod's). */
export function endpointsFamily(svc: Service, pod: Pod): string {
  if (svc.spec?.ipFamilies?.length) return svc.spec.ipFamilies[0]!;
  if (isServiceIPSet(svc)) return ipFamilyOf(svc.spec!.clusterIP!);
  const first = podIPs(pod)[0];
  return first ? ipFamilyOf(first) : 'IPv4';
}

/** podutil.FindPort: the container port a service port targets on this pod, or undefined. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The pods a service selects (a nil or empty selector selects none here: callers skip those services). */
export function selectedPods(svc: Service, pods: Pod[]): Pod[] {
  const sel = selectorFromSet(svc.spec?.selector ?? {});
  return pods.filter((p) => sel.matches(p.metadata?.labels ?? {}));
}

/** Services of a namespace selecting a pod with these labels. */
export function servicesSelecting(services: Service[], labels: Record<string, string> | undefined): Service[] {
  return services.filter((s) => s.spec?.selector && selectorFromSet(s.spec.selector).matches(labels ?? {}));
}

function ms(ts: string | undefined): number {
  const t = ts ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** Go's time.RFC3339Nano for a UTC time: fractional seconds without trailing zeros. */
export function rfc3339Nano(t: number): string {
  return new Date(t).toISOString().replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : 'Z'));
}

/**
 * TriggerTimeTracker: per service, the pods' Ready-condition transition times and the
 * service's creation time seen at the last sync; the trigger time of a sync is the earliest of
 * those that changed since (0 when none did).
 */
export class TriggerTimeTracker {
  private states = new Map<string, { pods: Map<string, number>; service: number }>();

  compute(key: string, svc: Service, pods: Pod[]): number {
    const old = this.states.get(key);
    const next = { pods: new Map<string, number>(), service: ms(svc.metadata?.creationTimestamp) };
    let min = 0;
    const consider = (t: number) => {
      if (!min || t < min) min = t;
    };
    for (const pod of pods) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const t = ms(ready?.lastTransitionTime);
      if (!t) continue;
      next.pods.set(pod.metadata!.name!, t);
      if (t > (old?.pods.get(pod.metadata!.name!) ?? 0)) consider(t);
    }
    if (next.service > (old?.service ?? 0)) consider(next.service);
    this.states.set(key, next);
    return min;
  }

  delete(key: string): void {
    this.states.delete(key);
  }
}
