// Finding a deployment's ReplicaSets (upstream deployment_util): the "new" one is the oldest
// whose template equals the deployment's (ignoring pod-template-hash), the others are old;
// the orderings used for scaling, cleanup and proportional scaling; active = spec.replicas > 0.

import type { Deployment, PodTemplateSpec, ReplicaSet } from '../util/types.js';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY } from './hash.js';
import { replicas } from './fenceposts.js';
import { revisionOf } from './revision.js';

function created(rs: ReplicaSet): string {
  return rs.metadata?.creationTimestamp ?? '';
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const ca = created(a);
  const cb = created(b);
  if (ca !== cb) return ca < cb ? -1 : 1;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first, then older. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (replicas(a) !== replicas(b)) return replicas(b) - replicas(a);
  return byCreationTimestamp(a, b);
}

/** ReplicaSetsBySizeNewer: larger first, then newer. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (replicas(a) !== replicas(b)) return replicas(b) - replicas(a);
  return byCreationTimestamp(b, a);
}

function safeRevision(rs: ReplicaSet): number {
  try {
    return revisionOf(rs);
  } catch {
    return 0;
  }
}

/** ReplicaSetsByRevision: lowest revision first, then older. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = safeRevision(a);
  const rb = safeRevision(b);
  if (ra === rb) return byCreationTimestamp(a, b);
  return ra - rb;
}

export function filterActive(sets: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return sets.filter((rs): rs is ReplicaSet => !!rs && replicas(rs) > 0);
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/** apiequality.Semantic.DeepEqual over JSON: missing, null and empty lists/maps are the same. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmpty(a) && isEmpty(b) && (typeof a === 'object' || a === undefined) && (typeof b === 'object' || b === undefined)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const c: PodTemplateSpec = { ...(t ?? {}), metadata: { ...(t?.metadata ?? {}) } };
  if (c.metadata!.labels) {
    const { [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: _hash, ...rest } = c.metadata!.labels;
    c.metadata!.labels = rest;
  }
  return c;
}

/** EqualIgnoreHash: the templates are equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

/** FindNewReplicaSet: the oldest RS whose template is the deployment's. */
export function findNewReplicaSet(d: Deployment, sets: ReplicaSet[]): ReplicaSet | undefined {
  return [...sets].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** FindOldReplicaSets: [old RSes with replicas, all old RSes]. */
export function findOldReplicaSets(d: Deployment, sets: ReplicaSet[]): [ReplicaSet[], ReplicaSet[]] {
  const newRS = findNewReplicaSet(d, sets);
  const all = sets.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
  return [all.filter((rs) => replicas(rs) !== 0), all];
}

/** FindActiveOrLatest: the only active RS, or the newest when none is active; none when several are. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && !oldRSs.length) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActive([...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}
