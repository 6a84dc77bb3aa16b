// ControllerRevision helpers (upstream pkg/controller/history) shared by the StatefulSet and
// DaemonSet controllers: the controller-revision-hash (FNV-32a of the revision data and the
// collision count, encoded with the "safe" alphabet), building a revision from a patch,
// finding revisions equal to a new one, ordering them, creating one (bumping collisionCount on
// a hash collision) and truncating history.

import type { RestClient } from '../../client/index.js';
import { isAlreadyExists } from '../../client/index.js';
import type { ControllerRevision } from '../util/types.js';
import type { OwnerReference } from '../util/types.js';

export const ControllerRevisionHashLabel = 'controller-revision-hash';
export const REVISIONS = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: every character mapped into an alphabet without vowels or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** FNV-32a over bytes, continuing from `h`. */
export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The hash of a revision's data (and the collision count when given). */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(JSON.stringify(data ?? null)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const probe = Buffer.alloc(4);
    probe.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(probe, h);
  }
  return safeEncodeString(String(h));
}

/** `<prefix>-<hash>`, the prefix cut so that the name stays within 253 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  const p = prefix.length > 223 ? prefix.slice(0, 223) : prefix;
  return `${p}-${hash}`;
}

export interface RevisionParent {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
}

/** NewControllerRevision: labels of the template, owner ref, data, revision and the hash label/name. */
export function newControllerRevision(parent: RevisionParent, ownerRef: OwnerReference, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  const labels: Record<string, string> = { ...(templateLabels ?? {}), [ControllerRevisionHashLabel]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata!.name!, hash),
      namespace: parent.metadata!.namespace,
      labels,
      ownerReferences: [ownerRef],
    },
    data: data as ControllerRevision['data'],
    revision,
  };
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val) => (val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val));
}

/** Revisions are equal when their data is (semantically, key order aside). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonical(a.data ?? null) === canonical(b.data ?? null);
}

export function findEqualRevisions(revisions: ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** Ascending by revision number, then creation time, then name. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    if ((a.revision ?? 0) !== (b.revision ?? 0)) return (a.revision ?? 0) - (b.revision ?? 0);
    const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    if (at !== bt) return at - bt;
    return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  });
}

export function nextRevision(revisions: ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) max = Math.max(max, r.revision ?? 0);
  return max + 1;
}

/**
 * Create the revision; on a name collision with different data, bump the collision count and
 * retry with the new hash. Returns the stored revision (an existing equal one is reused) and the
 * collision count to record in the parent's status.
 */
export async function createControllerRevision(
  client: RestClient,
  parent: RevisionParent,
  make: (collisionCount: number) => ControllerRevision,
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  let count = collisionCount;
  for (;;) {
    const rev = make(count);
    try {
      const created = await client.create<ControllerRevision>({ ...REVISIONS, namespace: parent.metadata!.namespace }, rev);
      return { revision: created, collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await client.get<ControllerRevision>({ ...REVISIONS, namespace: parent.metadata!.namespace, name: rev.metadata!.name });
      const owned = existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === parent.metadata?.uid);
      if (owned && equalRevision(existing, rev)) return { revision: existing, collisionCount: count };
      count++;
    }
  }
}

/** Update the revision number of an existing revision (the current template went back to it). */
export async function updateRevisionNumber(client: RestClient, rev: ControllerRevision, revision: number): Promise<ControllerRevision> {
  if (rev.revision === revision) return rev;
  return client.patch<ControllerRevision>({ ...REVISIONS, namespace: rev.metadata!.namespace, name: rev.metadata!.name }, 'merge', { revision });
}

export async function deleteControllerRevision(client: RestClient, rev: ControllerRevision): Promise<void> {
  try {
    await client.delete({ ...REVISIONS, namespace: rev.metadata!.namespace, name: rev.metadata!.name });
  } catch (err) {
    if ((err as { status?: { code?: number } })?.status?.code !== 404) throw err;
  }
}

/** The spec.template patch both controllers store as revision data ($patch: replace). */
export function templatePatch(template: unknown): { spec: { template: Record<string, unknown> } } {
  const t = structuredClone((template ?? {}) as Record<string, unknown>);
  t.$patch = 'replace';
  return { spec: { template: t } };
}

/**
 * Revisions no live pod uses, not current or update: the oldest are deleted until at most
 * `limit` such revisions remain.
 */
export function revisionsToPrune(revisions: ControllerRevision[], live: Set<string>, limit: number): ControllerRevision[] {
  const unused = sortRevisions(revisions).filter((r) => !live.has(r.metadata!.name!));
  const excess = unused.length - Math.max(0, limit);
  return excess > 0 ? unused.slice(0, excess) : [];
}

/**
 * The revision of the parent's current template (upstream getStatefulSetRevisions /
 * constructHistory): the newest revision when it already holds this data; an older equal one
 * renumbered to be the newest (a rollback); else a newly created one.
 */
export async function ensureUpdateRevision(
  client: RestClient,
  parent: RevisionParent,
  revisions: ControllerRevision[],
  make: (revision: number, collisionCount: number) => ControllerRevision,
  collisionCount: number,
): Promise<{ update: ControllerRevision; collisionCount: number }> {
  const sorted = sortRevisions(revisions);
  const next = nextRevision(sorted);
  const candidate = make(next, collisionCount);
  const equal = findEqualRevisions(sorted, candidate);
  const newest = sorted[sorted.length - 1];
  if (equal.length && newest && equalRevision(newest, equal[equal.length - 1]!)) return { update: newest, collisionCount };
  if (equal.length) return { update: await updateRevisionNumber(client, equal[equal.length - 1]!, next), collisionCount };
  const r = await createControllerRevision(client, parent, (cc) => make(next, cc), collisionCount);
  return { update: r.revision, collisionCount: r.collisionCount };
}
