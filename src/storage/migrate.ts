// Storage migration (`k8ts migrate-storage`): copies every key under a prefix from one Store to
// another (embedded sqlite ⇄ etcd), keeping each key's modRevision — the resourceVersion clients
// hold — and ending at the source's revision, then checks that nothing was lost.
//  - sqlite target: SqliteStore.importKvs writes the kvs with their exact revisions (createRevision
//    and version too);
//  - etcd target: etcd gives each txn the next revision, so the keys are written one at a time in
//    modRevision order, each gap filled with writes to a scratch key outside the prefix
//    (EtcdStore.fillRevisions); afterwards that filler history is compacted away. createRevision
//    and version restart (= modRevision, 1): clients never see them;
//  - a target already past the first revision, or a non-empty one with force: plain writes in
//    modRevision order (relative order kept, resourceVersions shifted; reported).
// Keys whose TTL already passed are not copied; TTLs keep their remaining time.

import { EtcdStore } from './etcd.js';
import { SqliteStore } from './sqlite.js';
import { StorageError, type KeyValue, type Store } from './types.js';

/** Scratch key of the etcd revision fillers (outside any --etcd-prefix). */
export const FILLER_KEY = '/k8ts-migrate-storage/filler';
const PAGE = 1000;

export interface MigrateOptions {
  /** Only keys under this prefix ('/registry/'). */
  prefix: string;
  /** Write into a target that already holds keys under the prefix. */
  force?: boolean;
  /** Progress and report lines. */
  log: (line: string) => void;
}

export interface MigrateReport {
  keys: number;
  /** Keys per resource (the key segment after the prefix). */
  perResource: Map<string, number>;
  sourceRevision: number;
  targetRevision: number;
  /** Every key kept its modRevision (resourceVersion). */
  revisionsPreserved: boolean;
  /** Keys skipped because their TTL had passed. */
  expired: number;
}

export class MigrationError extends Error {}

/** Every live kv under prefix at the current revision (paged), and that revision. */
async function readAll(store: Store, prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
  const items: KeyValue[] = [];
  let revision = 0;
  let startKey: string | undefined;
  for (;;) {
    const page = await store.list(prefix, { startKey, limit: PAGE, revision: revision || undefined, skipCount: true });
    revision = page.revision;
    items.push(...page.items);
    if (!page.more || !page.items.length) break;
    startKey = page.items[page.items.length - 1].key + '\0';
  }
  return { items, revision };
}

function resourceOf(key: string, prefix: string): string {
  const rest = key.slice(prefix.length);
  const i = rest.indexOf('/');
  return i < 0 ? rest : rest.slice(0, i);
}

function ttlOf(kv: KeyValue, now: number): number | undefined {
  return kv.expiresAt === undefined ? undefined : Math.max(1, Math.ceil((kv.expiresAt - now) / 1000));
}

export async function migrate(from: Store, to: Store, opts: MigrateOptions): Promise<MigrateReport> {
  const { prefix, log } = opts;
  const src = await readAll(from, prefix);
  const now = Date.now();
  const live = src.items.filter((kv) => kv.expiresAt === undefined || kv.expiresAt > now + 1000);
  const expired = src.items.length - live.length;
  live.sort((a, b) => a.modRevision - b.modRevision);
  const perResource = new Map<string, number>();
  for (const kv of live) perResource.set(resourceOf(kv.key, prefix), (perResource.get(resourceOf(kv.key, prefix)) ?? 0) + 1);
  log(`source (${from.backend}): ${live.length} keys under ${prefix} at revision ${src.revision}${expired ? ` (${expired} with an expired TTL skipped)` : ''}`);

  const existing = await to.count(prefix);
  if (existing > 0 && !opts.force) {
    throw new MigrationError(`target (${to.backend}) already holds ${existing} keys under ${prefix}: refusing to write into it (pass --force to merge into it)`);
  }
  const targetRev = await to.currentRevision();
  const preserve = existing === 0 && (live.length === 0 || live[0].modRevision > targetRev) && (to instanceof SqliteStore || to instanceof EtcdStore);
  if (!preserve) {
    log(`target (${to.backend}) is at revision ${targetRev}${existing ? ` with ${existing} keys` : ''}: keys are written in their original order, but resourceVersions will change (clients must relist)`);
  }

  let done = 0;
  let lastLog = Date.now();
  const progress = (force = false) => {
    if (force || done % PAGE === 0 || Date.now() - lastLog > 1000) {
      lastLog = Date.now();
      log(`copied ${done}/${live.length} keys`);
    }
  };

  if (preserve && to instanceof SqliteStore) {
    for (let i = 0; i < live.length; i += PAGE) {
      const chunk = live.slice(i, i + PAGE);
      await to.importKvs(chunk, i + PAGE >= live.length ? src.revision : 0);
      done += chunk.length;
      progress(true);
    }
    if (!live.length) await to.importKvs([], src.revision);
  } else if (preserve && to instanceof EtcdStore) {
    let cur = targetRev;
    let filler = false;
    for (const kv of live) {
      filler = await to.fillRevisions(kv.modRevision - 1 - cur, FILLER_KEY, filler);
      const put = await to.create(kv.key, kv.value, { ttlSeconds: ttlOf(kv, Date.now()) });
      if (put.modRevision !== kv.modRevision) {
        throw new MigrationError(`${kv.key} was written at revision ${put.modRevision} instead of ${kv.modRevision}: is something else writing to the target etcd?`);
      }
      cur = put.modRevision;
      done++;
      progress();
    }
    filler = await to.fillRevisions(src.revision - cur, FILLER_KEY, filler);
    if (filler) await to.delete(FILLER_KEY);
    // the filler writes are the only history: compact it, so no watch replays them
    await to.compact(await to.currentRevision());
    progress(true);
  } else {
    for (const kv of live) {
      const ttlSeconds = ttlOf(kv, Date.now());
      try {
        await to.create(kv.key, kv.value, { ttlSeconds });
      } catch (e) {
        if (!(e instanceof StorageError && e.code === 'KeyExists')) throw e;
        await to.update(kv.key, kv.value, { ttlSeconds });
      }
      done++;
      progress();
    }
    progress(true);
  }

  // Check: every source key is in the target with the same bytes (and revision when preserved).
  const dst = await readAll(to, prefix);
  const byKey = new Map(dst.items.map((kv) => [kv.key, kv]));
  const problems: string[] = [];
  for (const kv of live) {
    const got = byKey.get(kv.key);
    if (!got) problems.push(`${kv.key}: missing`);
    else if (!got.value.equals(kv.value)) problems.push(`${kv.key}: value differs`);
    else if (preserve && got.modRevision !== kv.modRevision) problems.push(`${kv.key}: revision ${got.modRevision}, expected ${kv.modRevision}`);
  }
  const dstPer = new Map<string, number>();
  for (const kv of dst.items) dstPer.set(resourceOf(kv.key, prefix), (dstPer.get(resourceOf(kv.key, prefix)) ?? 0) + 1);
  for (const [res, n] of perResource) {
    const m = dstPer.get(res) ?? 0;
    if (m < n) problems.push(`${res}: ${m} keys in the target, ${n} in the source`);
  }
  if (problems.length) {
    throw new MigrationError(`verification failed (${problems.length} problems):\n  ${problems.slice(0, 20).join('\n  ')}`);
  }
  const report: MigrateReport = { keys: live.length, perResource, sourceRevision: src.revision, targetRevision: dst.revision, revisionsPreserved: preserve, expired };
  for (const [res, n] of [...perResource].sort((a, b) => a[0].localeCompare(b[0]))) log(`  ${res}: ${n}`);
  log(
    `verified: ${live.length} keys copied, counts match; ` +
      (preserve ? `every resourceVersion kept (target revision ${dst.revision}, source ${src.revision})` : `relative order kept, resourceVersions changed (target revision ${dst.revision})`),
  );
  return report;
}
