// Node taints the node controllers own (upstream's taint templates, taintutils and
// controller/util/node taint helpers): the NoExecute not-ready/unreachable pair, the
// NoSchedule taints that mirror node conditions (TaintNodesByCondition), matching and patching.

import type { RestClient } from '../../client/index.js';
import { isConflict, isNotFound } from '../../client/index.js';
import type { Node } from '../util/types.js';
import type { Taint } from 'kubernetes-types/core/v1.js';
import { nowTimestamp } from '../../apimachinery/time.js';

export type { Taint };

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

export const UnreachableTaintTemplate: Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' };
export const NotReadyTaintTemplate: Taint = { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' };

/** nodeConditionToTaintKeyStatusMap: condition type → status → NoSchedule taint key. */
export const nodeConditionToTaintKey: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};

const conditionTaintKeys = new Set([...Object.values(nodeConditionToTaintKey).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);

/** Taint.MatchTaint: same key and effect. */
export function matchTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: Taint[] | undefined, t: Taint): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/** The NoSchedule taints a node's conditions and spec.unschedulable call for (doNoScheduleTaintingPass). */
export function desiredNoScheduleTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = nodeConditionToTaintKey[c.type]?.[c.status];
    if (key) out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/** The node's taints with the controller-owned NoSchedule ones replaced by `desired`, or undefined when nothing changes. */
export function reconcileNoScheduleTaints(node: Node, desired: Taint[]): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const owned = current.filter((t) => t.effect === 'NoSchedule' && conditionTaintKeys.has(t.key));
  const toAdd = desired.filter((d) => !owned.some((o) => matchTaint(o, d)));
  const toDel = owned.filter((o) => !desired.some((d) => matchTaint(o, d)));
  if (!toAdd.length && !toDel.length) return undefined;
  return [...current.filter((t) => !toDel.some((d) => matchTaint(t, d))), ...toAdd];
}

/**
 * SwapNodeControllerTaint / AddOrUpdateTaintOnNode / RemoveTaintOffNode: add `add` (stamped with
 * timeAdded when NoExecute) and remove `remove` from the node's taints with an optimistic-
 * concurrency patch, re-reading the node on conflict. False when it could not be done.
 */
export async function updateNodeTaints(client: RestClient, node: Node, add: Taint[], remove: Taint[], retries = 5): Promise<boolean> {
  let cur: Node | undefined = node;
  const name = node.metadata!.name!;
  for (let i = 0; i < retries; i++) {
    if (!cur) {
      try {
        cur = await client.get<Node>({ group: '', version: 'v1', resource: 'nodes', name });
      } catch (err) {
        if (isNotFound(err)) return false;
        continue;
      }
    }
    const now = nowTimestamp();
    let taints = (cur.spec?.taints ?? []).filter((t) => !remove.some((r) => matchTaint(t, r)));
    let changed = taints.length !== (cur.spec?.taints ?? []).length;
    for (const a of add) {
      const existing = taints.find((t) => matchTaint(t, a));
      if (existing && existing.value === a.value) continue;
      taints = taints.filter((t) => !matchTaint(t, a));
      taints.push(a.effect === 'NoExecute' ? { ...a, timeAdded: now } : { ...a });
      changed = true;
    }
    if (!changed) return true;
    try {
      await client.patch({ group: '', version: 'v1', resource: 'nodes', name }, 'merge', { metadata: { resourceVersion: cur.metadata?.resourceVersion }, spec: { taints: taints.length ? taints : null } });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err) && i === retries - 1) return false;
      cur = undefined;
    }
  }
  return false;
}
