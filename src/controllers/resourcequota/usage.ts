// What a ResourceQuota's status becomes (upstream resource_quota_controller.go
// syncResourceQuota, pure part): status.hard = spec.hard; status.used = the recomputed usage
// of every resource the quota limits (usage the evaluators cannot compute keeps its last
// observed value), masked to the limited names; written only when something changed.

import type { ResourceQuota } from '../util/types.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import type { Quantity } from '../../apimachinery/quantity.js';

export interface GroupResource {
  group: string;
  resource: string;
}

/** Resources with their own evaluators or legacy names, always evaluated. */
export const CORE_RESOURCES: GroupResource[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'services' },
  { group: '', resource: 'persistentvolumeclaims' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'secrets' },
  { group: '', resource: 'replicationcontrollers' },
  { group: '', resource: 'resourcequotas' },
];

/** The resources whose objects a quota's hard names count (count/<resource>[.<group>] beyond the core ones). */
export function resourcesToEvaluate(hard: Record<string, string> | undefined): GroupResource[] {
  const out = [...CORE_RESOURCES];
  const seen = new Set(out.map((r) => `${r.group}/${r.resource}`));
  for (const name of Object.keys(hard ?? {})) {
    const m = /^count\/([^.]+)(?:\.(.+))?$/.exec(name);
    if (!m) continue;
    const gr = { group: m[2] ?? '', resource: m[1]! };
    const k = `${gr.group}/${gr.resource}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(gr);
  }
  return out;
}

function q(v: string): Quantity | undefined {
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

/** quota.Equals over JSON resource lists (same names, equal quantities). */
export function resourceListsEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!(k in (b ?? {}))) return false;
    const x = q(a![k]!);
    const y = q(b![k]!);
    if (!x || !y ? a![k] !== b![k] : x.cmp(y) !== 0) return false;
  }
  return true;
}

/** The status to write, or undefined when it is current. `usage` holds the recomputed values by resource name. */
export function nextQuotaStatus(quota: ResourceQuota, usage: Map<string, Quantity>): ResourceQuota['status'] | undefined {
  const hard = { ...(quota.spec?.hard ?? {}) } as Record<string, string>;
  const prevUsed = (quota.status?.used ?? {}) as Record<string, string>;
  const used: Record<string, string> = {};
  for (const name of Object.keys(hard)) {
    const u = usage.get(name);
    if (u) used[name] = u.toString();
    else if (name in prevUsed) used[name] = prevUsed[name]!;
  }
  const dirty = !quota.status?.hard || !quota.status?.used || !resourceListsEqual(hard, quota.status.hard as Record<string, string>) || !resourceListsEqual(used, prevUsed);
  return dirty ? { hard, used } : undefined;
}
