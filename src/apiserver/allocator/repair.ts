// The repair loops of the Service ClusterIP and NodePort ranges, as upstream's bootstrap
// controller runs them in every API server: at start (before the server reports ready) and
// every 3 minutes, list every Service from storage and rebuild each range's bitmap from what
// the Services hold, then write it back in one compare-and-swap (creating the RangeAllocation
// under <prefix>/ranges/serviceips and .../servicenodeports when absent).
//  - an IP or port a Service holds but the range does not: allocated again, with a Warning
//    event on the Service (ClusterIPNotAllocated / PortNotAllocated);
//  - held by two Services: kept, with ClusterIPAlreadyAllocated / PortAlreadyAllocated on the
//    later one; outside the range: ClusterIPOutOfRange / PortOutOfRange;
//  - allocated in the range but held by no Service: a leak only after it was seen so in 3
//    runs in a row (a create may have allocated it and not stored its Service yet), then freed.

import { logger } from '../../util/klog.js';
import type { KObject } from '../registry/types.js';
import { parseIP, type ServiceIPAllocator } from './ipallocator.js';
import type { NodePortAllocator } from './portallocator.js';
import { Bitmap } from './rangeallocator.js';

const log = logger('repair.go');

/** Upstream's repair interval and leak threshold. */
export const REPAIR_INTERVAL_MS = 3 * 60 * 1000;
export const REPAIRS_BEFORE_LEAK_CLEANUP = 3;

export interface RepairEvent {
  service: KObject;
  reason: string;
  action: string;
  note: string;
  /** Which controller reports it (the event's reportingController). */
  controller: 'ipallocator-repair-controller' | 'portallocator-repair-controller';
}

export interface RepairDeps {
  /** Every Service, read from storage. */
  listServices(): Promise<KObject[]>;
  ips: ServiceIPAllocator;
  ports: NodePortAllocator;
  /** Record a Warning event about a Service (errors are the caller's to log). */
  warn(ev: RepairEvent): Promise<void>;
}

/** One range's rebuild: the indices Services hold, the events to send, the leak counters. */
class RangeRepair {
  private leaks = new Map<number, number>();

  constructor(
    private readonly size: number,
    private readonly name: string,
    private readonly describe: (i: number) => string,
  ) {}

  /**
   * The new bitmap from the stored one and the indices in use: in-use ones set, leaked ones
   * kept until seen REPAIRS_BEFORE_LEAK_CLEANUP times. Reports the in-use indices the stored
   * bitmap lacked. Pure in `stored`; updates the leak counters only through commitLeaks.
   */
  rebuild(stored: Bitmap, inUse: Map<number, KObject>): { next: Bitmap; notAllocated: number[]; leaks: Map<number, number>; freed: number[] } {
    const next = new Bitmap(this.size);
    const notAllocated: number[] = [];
    for (const i of inUse.keys()) {
      if (!stored.has(i)) notAllocated.push(i);
      next.set(i);
    }
    const leaks = new Map<number, number>();
    const freed: number[] = [];
    for (const i of stored.indices()) {
      if (inUse.has(i)) continue;
      const seen = (this.leaks.get(i) ?? 0) + 1;
      if (seen < REPAIRS_BEFORE_LEAK_CLEANUP) {
        leaks.set(i, seen);
        next.set(i);
      } else freed.push(i);
    }
    return { next, notAllocated, leaks, freed };
  }

  /**
   * Rebuild the range from inUse and store it through `reconcile` (the allocator's
   * compare-and-swap); then keep the leak counters and log what was freed. Returns the in-use
   * indices the stored range lacked.
   */
  async repair(reconcile: (fn: (stored: Bitmap) => Bitmap) => Promise<void>, inUse: Map<number, KObject>): Promise<number[]> {
    let result: ReturnType<RangeRepair['rebuild']> | undefined;
    await reconcile((stored) => (result = this.rebuild(stored, inUse)).next);
    const r = result as ReturnType<RangeRepair['rebuild']> | undefined;
    if (!r) return [];
    this.leaks = r.leaks;
    for (const i of r.freed) log.info(`the ${this.name} ${this.describe(i)} appears to have leaked: cleaning up`);
    return r.notAllocated;
  }
}

export class ServiceRangeRepair {
  private readonly ipRepair: RangeRepair;
  private readonly portRepair: RangeRepair;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: RepairDeps) {
    this.ipRepair = new RangeRepair(deps.ips.size, 'cluster IP', (i) => deps.ips.ipAtIndex(i));
    this.portRepair = new RangeRepair(deps.ports.size, 'node port', (i) => String(deps.ports.base + i));
  }

  /** Run once now, then every intervalMs until stop(). Resolves after the first run. */
  async start(intervalMs = REPAIR_INTERVAL_MS): Promise<void> {
    await this.runOnce();
    this.timer = setInterval(() => {
      this.runOnce().catch((err) => log.error('unable to repair the service ranges', { err: String(err) }));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over both ranges (passes never overlap). */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const services = await this.deps.listServices();
    services.sort((a, b) => String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')));
    const events: RepairEvent[] = [];
    await this.repairIPs(services, events);
    await this.repairPorts(services, events);
    for (const ev of events) {
      await this.deps.warn(ev).catch((err) => log.error('unable to record a repair event', { reason: ev.reason, err: String(err) }));
    }
  }

  private async repairIPs(services: KObject[], events: RepairEvent[]): Promise<void> {
    const { ips } = this.deps;
    const family = ips.family;
    const inUse = new Map<number, KObject>();
    const ev = (service: KObject, reason: string, note: string) => events.push({ service, reason, action: 'ClusterIPAllocation', note, controller: 'ipallocator-repair-controller' });
    for (const svc of services) {
      for (const ip of clusterIPsOf(svc)) {
        const parsed = parseIP(ip);
        if (parsed && parsed.family !== family) continue; // the other family's range is not this allocator's
        const i = ips.indexOfIP(ip);
        if (i === undefined) {
          ev(svc, 'ClusterIPOutOfRange', `Cluster IP [${family}]:${ip} is not within the configured Service CIDR ${ips.cidr}; please recreate service`);
          continue;
        }
        if (inUse.has(i)) {
          ev(svc, 'ClusterIPAlreadyAllocated', `Cluster IP [${family}]:${ip} was assigned to multiple services; please recreate service`);
          continue;
        }
        inUse.set(i, svc);
      }
    }
    for (const i of await this.ipRepair.repair((fn) => ips.reconcile(fn), inUse)) ev(inUse.get(i)!, 'ClusterIPNotAllocated', `Cluster IP [${family}]:${ips.ipAtIndex(i)} is not allocated; repairing`);
  }

  private async repairPorts(services: KObject[], events: RepairEvent[]): Promise<void> {
    const { ports } = this.deps;
    const inUse = new Map<number, KObject>();
    const ev = (service: KObject, reason: string, note: string) => events.push({ service, reason, action: 'PortAllocation', note, controller: 'portallocator-repair-controller' });
    for (const svc of services) {
      for (const port of nodePortsOf(svc)) {
        if (!ports.contains(port)) {
          ev(svc, 'PortOutOfRange', `Port ${port} is not within the port range ${ports.range}; please recreate service`);
          continue;
        }
        const i = port - ports.base;
        if (inUse.has(i)) {
          ev(svc, 'PortAlreadyAllocated', `Port ${port} was assigned to multiple services; please recreate service`);
          continue;
        }
        inUse.set(i, svc);
      }
    }
    for (const i of await this.portRepair.repair((fn) => ports.reconcile(fn), inUse)) ev(inUse.get(i)!, 'PortNotAllocated', `Port ${ports.base + i} is not allocated; repairing`);
  }
}

/** The ClusterIPs a Service holds (none for headless and ExternalName Services). */
function clusterIPsOf(svc: KObject): string[] {
  const spec = svc.spec ?? {};
  const list: unknown[] = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length ? spec.clusterIPs : [spec.clusterIP];
  return list.filter((ip): ip is string => typeof ip === 'string' && ip !== '' && ip !== 'None');
}

/** The node ports a Service holds, each once: its ports' nodePorts and healthCheckNodePort. */
function nodePortsOf(svc: KObject): number[] {
  const spec = svc.spec ?? {};
  const out = new Set<number>();
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (Number.isInteger(p?.nodePort) && p.nodePort > 0) out.add(p.nodePort);
  if (Number.isInteger(spec.healthCheckNodePort) && spec.healthCheckNodePort > 0) out.add(spec.healthCheckNodePort);
  return [...out];
}

