// The APIService availability controller, as upstream's: the Available condition of every
// APIService — Local ("Local APIServices are always available"), ServiceNotFound,
// ServicePortError, EndpointsNotFound, MissingEndpoints, ServiceAccessError,
// FailedDiscoveryCheck (the extension server's /apis/<group>/<version> did not answer 200,
// 401 or 403) or Passed — rechecked when APIServices, Services or Endpoints change, every 30
// seconds, and when a proxied request could not reach the service.

import type { KObject } from '../registry/types.js';
import { logger } from '../../util/klog.js';
import { APIREGISTRATION_GROUP, availableCondition } from './apiservice.js';
import type { ServiceLookups } from './resolve.js';
import { nowTimestamp } from '../../apimachinery/time.js';

const log = logger('available_controller.go');

export interface AvailableStatus {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** The discovery probe: undefined when it passed, else the error text. Also hands back the body. */
export type DiscoveryProbe = (apiService: KObject) => Promise<{ error?: string; body?: string }>;

/** Decide an APIService's Available condition (upstream's sync, one discovery attempt). */
export async function checkAvailability(apiService: KObject, lookups: ServiceLookups, probe: DiscoveryProbe): Promise<AvailableStatus & { body?: string }> {
  const ref = apiService.spec?.service;
  if (!ref) return { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
  const { namespace, name } = ref;
  const port = Number(ref.port ?? 443);
  let svc: KObject | undefined;
  try {
    svc = lookups.service(namespace, name);
  } catch (err) {
    return { status: 'Unknown', reason: 'ServiceAccessError', message: `service/${name} in ${JSON.stringify(namespace)} cannot be checked due to: ${String(err)}` };
  }
  if (!svc) return { status: 'False', reason: 'ServiceNotFound', message: `service/${name} in ${JSON.stringify(namespace)} is not present` };
  if ((svc.spec?.type ?? 'ClusterIP') === 'ClusterIP') {
    const sp = (svc.spec?.ports ?? []).find((p: KObject) => Number(p.port) === port);
    if (!sp) return { status: 'False', reason: 'ServicePortError', message: `service/${name} in ${JSON.stringify(namespace)} is not listening on port ${port}` };
    const portName = sp.name ?? '';
    const eps = lookups.endpoints(namespace, name);
    const slices = lookups.endpointSlices(namespace, name);
    if (!eps && !slices.length) return { status: 'False', reason: 'EndpointsNotFound', message: `cannot find endpoints for service/${name} in ${JSON.stringify(namespace)}` };
    const active = eps
      ? (eps.subsets ?? []).some((ss: KObject) => (ss.addresses ?? []).length && (ss.ports ?? []).some((p: KObject) => (p.name ?? '') === portName))
      : slices.some((s) => (s.ports ?? []).some((p: KObject) => (p.name ?? '') === portName) && (s.endpoints ?? []).some((e: KObject) => e.conditions?.ready !== false && (e.addresses ?? []).length));
    if (!active) return { status: 'False', reason: 'MissingEndpoints', message: `endpoints for service/${name} in ${JSON.stringify(namespace)} have no addresses with port name ${JSON.stringify(portName)}` };
  }
  const r = await probe(apiService);
  if (r.error !== undefined) return { status: 'False', reason: 'FailedDiscoveryCheck', message: r.error };
  return { status: 'True', reason: 'Passed', message: 'all checks passed', body: r.body };
}

export interface AvailabilityWriter {
  list(): KObject[];
  get(name: string): KObject | undefined;
  writeCondition(name: string, mutate: (obj: KObject) => boolean): Promise<void>;
}

/** The condition as stored, with lastTransitionTime kept unless the status changes. */
export function nextCondition(obj: KObject, s: AvailableStatus, now: string): KObject | undefined {
  const cur = availableCondition(obj);
  if (cur && cur.status === s.status && cur.reason === s.reason && cur.message === s.message) return undefined;
  return { type: 'Available', status: s.status, lastTransitionTime: cur && cur.status === s.status ? cur.lastTransitionTime : now, reason: s.reason, message: s.message };
}

export class AvailabilityController {
  private pending = new Set<string>();
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(
    private readonly store: AvailabilityWriter,
    private readonly lookups: ServiceLookups,
    private readonly probe: DiscoveryProbe,
    private readonly onChecked: (apiService: KObject, result: AvailableStatus & { body?: string }) => void,
    private readonly resyncMs = 30_000,
  ) {}

  start(): void {
    this.queueAll();
    const tick = () => {
      this.queueAll();
      this.resync = setTimeout(tick, this.resyncMs);
      this.resync.unref();
    };
    this.resync = setTimeout(tick, this.resyncMs);
    this.resync.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resync) clearTimeout(this.resync);
  }

  queueAll(): void {
    for (const a of this.store.list()) this.queue(a.metadata?.name);
  }

  /** Re-check the APIServices that use this service (after a Service/Endpoints change). */
  queueService(namespace: string, name: string): void {
    for (const a of this.store.list()) if (a.spec?.service?.namespace === namespace && a.spec?.service?.name === name) this.queue(a.metadata.name);
  }

  queue(name: string | undefined): void {
    if (!name || this.stopped) return;
    this.pending.add(name);
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => void this.drain(), 10);
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    try {
      while (this.pending.size && !this.stopped) {
        const names = [...this.pending];
        this.pending.clear();
        await Promise.all(names.map((n) => this.sync(n)));
      }
    } finally {
      this.running = false;
    }
  }

  private async sync(name: string): Promise<void> {
    const obj = this.store.get(name);
    if (!obj) return;
    try {
      const result = await checkAvailability(obj, this.lookups, this.probe);
      this.onChecked(obj, result);
      await this.store.writeCondition(name, (o) => {
        const c = nextCondition(o, result, nowTimestamp());
        if (!c) return false;
        const conds: KObject[] = (o.status ??= {}).conditions ?? [];
        o.status.conditions = [...conds.filter((x) => x?.type !== 'Available'), c];
        return true;
      });
    } catch (err) {
      log.warning('availability check failed', { apiService: name, group: APIREGISTRATION_GROUP, err: String(err) });
    }
  }
}
