// Zones and eviction rate limiting of the node lifecycle controller: the zone key of a node
// (region + zone labels), a zone's state from its nodes' Ready conditions (Normal,
// PartialDisruption, FullDisruption) and the per-zone token bucket that paces NoExecute
// tainting (--node-eviction-rate, --secondary-node-eviction-rate, burst 1).

import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Node } from '../util/types.js';

export type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

/** nodetopology.GetZoneKey: "<region>:\x00:<zone>", '' when the node has neither label. */
export function zoneKey(node: Node): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  if (!region && !zone) return '';
  return `${region}:\x00:${zone}`;
}

/** Nodes labelled node.kubernetes.io/exclude-disruption are left out of zone states. */
export function excludedFromDisruptionChecks(node: Node): boolean {
  return 'node.kubernetes.io/exclude-disruption' in (node.metadata?.labels ?? {});
}

/** ComputeZoneState: [not-ready count, state]. */
export function computeZoneState(conditions: (NodeCondition | undefined)[], unhealthyZoneThreshold: number): [number, ZoneState] {
  let ready = 0;
  let notReady = 0;
  for (const c of conditions) {
    if (c?.status === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return [notReady, 'FullDisruption'];
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return [notReady, 'PartialDisruption'];
  return [notReady, 'Normal'];
}

/** The tainting rate of a zone in a state (setLimiterInZone with ReducedQPSFunc/HealthyQPSFunc). */
export function zoneRate(state: ZoneState, zoneSize: number, o: { evictionRate: number; secondaryEvictionRate: number; largeClusterThreshold: number }): number {
  switch (state) {
    case 'Normal':
      return o.evictionRate;
    case 'PartialDisruption':
      return zoneSize > o.largeClusterThreshold ? o.secondaryEvictionRate : 0;
    case 'FullDisruption':
      return o.evictionRate;
    default:
      return o.evictionRate;
  }
}

/** flowcontrol's token bucket with burst 1 (TryAccept); qps 0 never accepts. */
export class TokenBucket {
  private tokens = 1;
  private last = Date.now();

  constructor(private qps: number) {}

  setRate(qps: number): void {
    this.refill();
    this.qps = qps;
    if (qps <= 0) this.tokens = 0;
  }

  get rate(): number {
    return this.qps;
  }

  private refill(): void {
    const now = Date.now();
    if (this.qps > 0) this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

/** RateLimitedTimedQueue: unique node names waiting to be tainted, processed at the zone's rate. */
export class RateLimitedQueue {
  private items = new Map<string, { uid: string; processAt: number }>();
  readonly limiter: TokenBucket;

  constructor(qps: number) {
    this.limiter = new TokenBucket(qps);
  }

  add(name: string, uid: string): boolean {
    if (this.items.has(name)) return false;
    this.items.set(name, { uid, processAt: Date.now() });
    return true;
  }

  remove(name: string): boolean {
    return this.items.delete(name);
  }

  clear(): void {
    this.items.clear();
  }

  /** Try: hand each due item to fn while the limiter allows; fn returns [done, retryAfterMs]. */
  async try(fn: (name: string, uid: string) => Promise<[boolean, number]>): Promise<void> {
    const now = Date.now();
    for (const [name, v] of [...this.items]) {
      if (v.processAt > now) continue;
      if (!this.limiter.tryAccept()) return;
      const [done, wait] = await fn(name, v.uid);
      if (done) this.items.delete(name);
      else v.processAt = Date.now() + wait;
    }
  }
}
