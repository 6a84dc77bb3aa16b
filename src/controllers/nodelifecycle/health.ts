// Node health bookkeeping of the node lifecycle controller (upstream's nodeHealthData and
// tryUpdateNodeHealth): when the controller last saw a sign of life from a node — a new Ready
// heartbeat or a renewed Lease in kube-node-lease — and, once that is older than the grace
// period, the node's conditions set to Unknown.

import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease, Node } from '../util/types.js';

export interface NodeHealth {
  /** the node status conditions last seen */
  conditions: NodeCondition[];
  /** local time (ms) of the last sign of life */
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  leaseRenewTime?: number;
}

/** Conditions the controller marks Unknown (NetworkUnavailable is managed by the control plane). */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function nodeCondition(conds: NodeCondition[] | undefined, type: string): NodeCondition | undefined {
  return conds?.find((c) => c.type === type);
}

function ts(s: string | undefined): number {
  return s ? Date.parse(s) : 0;
}

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface HealthUpdate {
  health: NodeHealth;
  gracePeriodMs: number;
  /** the Ready condition as read (a fake Unknown one when the kubelet never posted status) */
  observedReady: NodeCondition;
  /** the Ready condition after this pass (undefined when none and none was added) */
  currentReady?: NodeCondition;
  /** the new status conditions to write with UpdateStatus, when the node must go Unknown */
  newConditions?: NodeCondition[];
  /** how long since the last sign of life (for the log line) */
  silentForMs: number;
}

/** One tryUpdateNodeHealth pass over `node` with its saved health and lease, at `now`. */
export function computeNodeHealth(node: Node, saved: NodeHealth | undefined, lease: Lease | undefined, now: number, monitorGraceMs: number, startupGraceMs: number): HealthUpdate {
  const created = ts(node.metadata?.creationTimestamp);
  const conds = node.status?.conditions ?? [];
  const ready = nodeCondition(conds, 'Ready');
  let health = saved ? { ...saved } : undefined;
  let observedReady: NodeCondition;
  let grace: number;
  if (!ready) {
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: node.metadata?.creationTimestamp };
    grace = startupGraceMs;
    if (health) health.conditions = conds;
    else health = { conditions: conds, probeTimestamp: created, readyTransitionTimestamp: created };
  } else {
    observedReady = { ...ready };
    grace = monitorGraceMs;
  }
  const savedReady = saved ? nodeCondition(saved.conditions, 'Ready') : undefined;
  if (!health) {
    health = { conditions: conds, probeTimestamp: now, readyTransitionTimestamp: now };
  } else if (saved && !savedReady && ready) {
    health = { conditions: conds, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: saved.leaseRenewTime };
  } else if (savedReady && !ready) {
    health = { conditions: conds, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: saved?.leaseRenewTime };
  } else if (savedReady && ready && savedReady.lastHeartbeatTime !== ready.lastHeartbeatTime) {
    const transition = savedReady.lastTransitionTime !== ready.lastTransitionTime ? now : health.readyTransitionTimestamp;
    health = { conditions: conds, probeTimestamp: now, readyTransitionTimestamp: transition, leaseRenewTime: saved?.leaseRenewTime };
  }
  // a renewed Lease always counts as a sign of life
  const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime as unknown as string) : undefined;
  if (renew !== undefined && (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)) {
    health.leaseRenewTime = renew;
    health.probeTimestamp = now;
  }
  const out: HealthUpdate = { health, gracePeriodMs: grace, observedReady, currentReady: ready, silentForMs: now - health.probeTimestamp };
  if (now > health.probeTimestamp + grace) {
    const nowStr = rfc3339(now);
    const next = conds.map((c) => ({ ...c }));
    for (const type of MONITORED_CONDITIONS) {
      const c = nodeCondition(next, type);
      if (!c) {
        next.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: nowStr });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = nowStr;
      }
    }
    const cur = nodeCondition(next, 'Ready')!;
    out.currentReady = cur;
    if (JSON.stringify(cur) !== JSON.stringify(ready ?? null) && !(ready && sameCondition(cur, ready))) {
      out.newConditions = next;
    }
  }
  return out;
}

function sameCondition(a: NodeCondition, b: NodeCondition): boolean {
  return a.status === b.status && a.reason === b.reason && a.message === b.message && a.lastTransitionTime === b.lastTransitionTime && a.lastHeartbeatTime === b.lastHeartbeatTime;
}
