// The status manager: keeps the status the kubelet generated for each pod and writes it to the
// API server (PATCH pods/status, strategic merge, with the pod's UID as precondition) only when it
// differs from what the API server holds. Static pods write to their mirror pod. It also ends a
// deleted pod's life: DELETE with gracePeriodSeconds=0 once nothing of it runs.
import { isDeepStrictEqual } from 'node:util';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import { carryTransitionTimes } from './generate.js';

export const MirrorAnnotation = 'kubernetes.io/config.mirror';

const podsRef = (ns: string, name?: string, subresource?: string) => ({ group: '', version: 'v1', resource: 'pods', namespace: ns, name, subresource });

interface Entry {
  pod: Pod;
  isStatic: boolean;
  /** the status the API server holds, as far as we know */
  apiStatus?: PodStatus;
  wanted?: PodStatus;
  writing?: Promise<void>;
  again: boolean;
}

export interface StatusManagerDeps {
  client: RestClient;
  log: Logger;
  /** called when a write failed and should be retried by a later sync */
  onRetry?: (uid: string) => void;
}

export class StatusManager {
  private entries = new Map<string, Entry>();

  constructor(private readonly deps: StatusManagerDeps) {}

  /** The API's latest copy of the pod (from the informer or a static file). */
  observePod(pod: Pod, isStatic: boolean): void {
    const uid = pod.metadata!.uid!;
    const e = this.entries.get(uid);
    if (e) {
      e.pod = pod;
      if (!isStatic && pod.status) e.apiStatus = pod.status;
    } else this.entries.set(uid, { pod, isStatic, apiStatus: isStatic ? undefined : pod.status, again: false });
  }

  /** The status last generated (or known) for a pod. */
  getStatus(uid: string): PodStatus | undefined {
    const e = this.entries.get(uid);
    return e?.wanted ?? e?.apiStatus;
  }

  /** Records a freshly generated status; writes it when it differs from the API's. */
  setStatus(uid: string, status: PodStatus): void {
    const e = this.entries.get(uid);
    if (!e) return;
    carryTransitionTimes(status, e.wanted ?? e.apiStatus, new Date());
    e.wanted = status;
    if (isDeepStrictEqual(comparable(status), comparable(e.apiStatus))) return;
    this.write(uid, e);
  }

  private write(uid: string, e: Entry): void {
    if (e.writing) {
      e.again = true;
      return;
    }
    e.writing = this.patch(e)
      .catch((err) => {
        if (isNotFound(err)) return;
        this.deps.log.warning('Failed to update status for pod', { pod: podKey(e.pod), err: String((err as Error).message ?? err) });
        setTimeout(() => this.deps.onRetry?.(uid), 1000).unref();
      })
      .finally(() => {
        e.writing = undefined;
        if (e.again && this.entries.get(uid) === e) {
          e.again = false;
          if (!isDeepStrictEqual(comparable(e.wanted), comparable(e.apiStatus))) this.write(uid, e);
        }
      });
  }

  private async patch(e: Entry): Promise<void> {
    const m = e.pod.metadata!;
    const ns = m.namespace ?? 'default';
    let uid = m.uid!;
    if (e.isStatic) {
      // the mirror pod may not exist yet (the static pod source creates it): try again shortly
      const mirror = await this.deps.client.get<Pod>(podsRef(ns, m.name)).catch((err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (!mirror?.metadata?.annotations?.[MirrorAnnotation]) {
        setTimeout(() => this.deps.onRetry?.(m.uid!), 2000).unref();
        return;
      }
      uid = mirror.metadata.uid!;
    }
    const status = e.wanted!;
    const body = { metadata: { uid }, status };
    try {
      const updated = await this.deps.client.patch<Pod>(podsRef(ns, m.name, 'status'), 'strategic', body);
      e.apiStatus = updated.status;
      this.deps.log.v(3).info('Patch status for pod', { pod: podKey(e.pod), phase: status.phase });
    } catch (err) {
      if (isConflict(err)) return; // the pod was replaced by another of the same name
      throw err;
    }
  }

  /** Waits for writes in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.writing));
  }

  /** A deleted pod has stopped: remove it from the API for good (as upstream, grace 0, UID precondition). */
  async deletePod(pod: Pod): Promise<void> {
    const m = pod.metadata!;
    const e = this.entries.get(m.uid!);
    if (e?.writing) await e.writing;
    try {
      await this.deps.client.delete(podsRef(m.namespace ?? 'default', m.name), { gracePeriodSeconds: 0, preconditions: { uid: m.uid } });
      this.deps.log.v(2).info('Pod fully terminated and removed from etcd', { pod: podKey(pod) });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  forget(uid: string): void {
    this.entries.delete(uid);
  }
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`;
}

/** Status without the probe times (they do not warrant a write on their own). */
function comparable(s: PodStatus | undefined): unknown {
  if (!s) return undefined;
  const c = structuredClone(s) as PodStatus;
  for (const x of c.conditions ?? []) delete (x as { lastProbeTime?: unknown }).lastProbeTime;
  // fields the kubelet does not write
  delete c.nominatedNodeName;
  delete (c as { resize?: unknown }).resize;
  return JSON.parse(JSON.stringify(c));
}
