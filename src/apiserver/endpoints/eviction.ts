// pods/eviction (upstream's EvictionREST): a pod is deleted only when its PodDisruptionBudget
// allows it. Pods that are terminal, Pending or already terminating skip the check; more than
// one matching budget is a 500; a budget the disruption controller has not caught up with, or
// one without disruptions left, answers 429 with a DisruptionBudget cause; otherwise the
// budget's status is charged (disruptionsAllowed - 1, the pod in disruptedPods) with
// compare-and-swap before the pod gets the DisruptionTarget condition and is deleted.
// Unready pods follow unhealthyPodEvictionPolicy (IfHealthyBudget by default, or AlwaysAllow).

import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import type { LabelSelector } from '../../apimachinery/labels.js';
import type { KObject } from '../registry/types.js';
import type { ApiContext, RequestScope } from './context.js';
import { cacheFor } from './context.js';
import { updateObject } from './write.js';
import { nowTimestamp } from '../../apimachinery/time.js';

/** Upstream's MaxDisruptedPodSize. */
const MAX_DISRUPTED_PODS = 2000;

const tooMany = (cause: string) =>
  new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ type: 'DisruptionBudget', message: cause } as never] });

function isReady(pod: KObject): boolean {
  return (pod.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
}

/** Terminal, Pending or already terminating: evicted without consulting any budget. */
function canIgnorePDB(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !phase || !!pod.metadata?.deletionTimestamp;
}

async function matchingBudgets(ctx: ApiContext, pod: KObject): Promise<KObject[]> {
  const def = ctx.registry.lookup('policy', 'v1', 'poddisruptionbudgets');
  if (!def) return [];
  const cache = await cacheFor(ctx, def);
  const out: KObject[] = [];
  const labels = pod.metadata?.labels ?? {};
  for (const e of cache.items.values()) {
    if (e.namespace !== pod.metadata?.namespace) continue;
    const pdb = JSON.parse(e.raw) as KObject;
    const sel = pdb.spec?.selector as LabelSelector | undefined;
    // a budget with no or an empty selector matches nothing (policy/v1)
    if (!sel || (!sel.matchLabels && !sel.matchExpressions?.length)) continue;
    let selector;
    try {
      selector = labelSelectorAsSelector(sel);
    } catch {
      continue;
    }
    if (selector.matches(labels)) out.push(pdb);
  }
  return out;
}

/**
 * Check the pod's budget and charge it (unless dryRun). Resolves when the pod may be deleted;
 * throws the Status upstream answers otherwise.
 */
export async function admitEviction(ctx: ApiContext, scope: RequestScope, pod: KObject): Promise<void> {
  if (canIgnorePDB(pod)) return;
  const budgets = await matchingBudgets(ctx, pod);
  if (!budgets.length) return;
  if (budgets.length > 1) throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', {});
  const pdbName = budgets[0]!.metadata.name as string;
  const def = ctx.registry.lookup('policy', 'v1', 'poddisruptionbudgets')!;
  const pdbScope: RequestScope = { ...scope, def, name: pdbName, subresource: 'status' };
  // thrown out of the update to leave the budget unwritten (unready pod let through, dry run)
  const SKIP = new Error('eviction: budget not charged');
  await updateObject(
    ctx,
    pdbScope,
    (cur) => {
      if (!cur) throw new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {});
      const pdb = cur;
      const st = (pdb.status ??= {});
      const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
      const observed = (st.observedGeneration ?? 0) >= (pdb.metadata.generation ?? 0);
      if (!isReady(pod)) {
        if (policy === 'AlwaysAllow' || (observed && (st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0)) {
          throw SKIP;
        }
      }
      if (!observed) throw tooMany(`The disruption budget ${pdbName} is still being processed by the server.`);
      const allowed = st.disruptionsAllowed ?? 0;
      if (allowed < 0) throw new StatusError(403, 'Forbidden', 'pdb disruptions allowed is negative', {});
      if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw new StatusError(403, 'Forbidden', 'DisruptedPods map too big - too many evictions not confirmed by PDB controller', {});
      if (allowed === 0) throw tooMany(`The disruption budget ${pdbName} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`);
      st.disruptionsAllowed = allowed - 1;
      st.disruptedPods = { ...(st.disruptedPods ?? {}), [pod.metadata.name as string]: nowTimestamp() };
      if (scope.dryRun) throw SKIP;
      return pdb;
    },
    { mode: 'status', isPatch: true },
  ).catch((err) => {
    if (err !== SKIP) throw err;
  });
}

/** The DisruptionTarget condition the eviction API sets before deleting (unless terminal). */
export async function markDisruptionTarget(ctx: ApiContext, scope: RequestScope, pod: KObject): Promise<void> {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || scope.dryRun) return;
  await updateObject(
    ctx,
    { ...scope, subresource: 'status' },
    (cur) => {
      if (!cur) return pod;
      const conds = (cur.status?.conditions ?? []).filter((c: { type?: string }) => c.type !== 'DisruptionTarget');
      conds.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp(), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
      cur.status = { ...(cur.status ?? {}), conditions: conds };
      return cur;
    },
    { mode: 'status', isPatch: true },
  ).catch(() => undefined);
}
