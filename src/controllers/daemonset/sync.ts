// One DaemonSet reconcile (upstream syncDaemonSet, manage, rollingUpdate, cleanupHistory and
// updateDaemonSetStatus): find the current ControllerRevision (its hash labels the pods), put
// one pod on every node that should run it and remove pods from nodes that should not (failed
// pods are deleted with a per-node backoff), roll pods to the current revision, trim history and
// record status.

import { isConflict, isNotFound, metaNamespaceKeyFunc, splitMetaNamespaceKey } from '../../client/index.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import { claimObjects, newControllerRef, recheckOwner } from '../util/controllerref.js';
import { isPodAvailable, isPodReady } from '../util/pods.js';
import type { ControllerRevision, DaemonSet, Node, Pod } from '../util/types.js';
import { ControllerRevisionHashLabel, REVISIONS, deleteControllerRevision, ensureUpdateRevision, newControllerRevision, revisionsToPrune, templatePatch } from '../history/revision.js';
import { DaemonSetsController, DAEMONSETS, PODS, log } from './controller.js';
import { isPodUpdated, newDaemonPod, nodeShouldRunDaemonPod, targetNodeName, templateGeneration } from './eligibility.js';
import { planRollingUpdate } from './rollingupdate.js';

type DaemonSetStatus = NonNullable<DaemonSet['status']>;

const ownerInfo = (ds: DaemonSet) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata });

export function newDaemonSetRevision(ds: DaemonSet, revision: number, collisionCount: number): ControllerRevision {
  return newControllerRevision(ds, newControllerRef(ownerInfo(ds)), ds.spec?.template?.metadata?.labels, templatePatch(ds.spec?.template), revision, collisionCount);
}

/** Oldest first; among equals Running before Pending (podByCreationTimestampAndPhase). */
function byCreationAndPhase(a: Pod, b: Pod): number {
  const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  const rank = (p: Pod) => (p.status?.phase === 'Running' ? 0 : 1);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

function nodeToDaemonPods(pods: Pod[], includeDeleting: boolean): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) {
    if (!includeDeleting && p.metadata?.deletionTimestamp) continue;
    const n = targetNodeName(p);
    if (!n) continue;
    m.set(n, [...(m.get(n) ?? []), p]);
  }
  return m;
}

/** What manage does per node: pods to create (node names) and pods to delete. */
function podsShouldBeOnNodes(c: DaemonSetsController, ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string): { create: string[]; remove: Pod[] } {
  const create: string[] = [];
  const remove: Pod[] = [];
  const surge = (() => {
    const ru = ds.spec?.updateStrategy;
    const v = ru?.type === 'RollingUpdate' ? ru.rollingUpdate?.maxSurge : undefined;
    return v !== undefined && v !== null && v !== 0 && v !== '0%';
  })();
  const key = metaNamespaceKeyFunc(ds);
  for (const node of nodes) {
    const name = node.metadata!.name!;
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = byNode.get(name) ?? [];
    if (shouldRun && !daemonPods.length) {
      create.push(name);
    } else if (shouldContinueRunning) {
      const running: Pod[] = [];
      for (const p of daemonPods) {
        if (p.metadata?.deletionTimestamp) continue;
        if (p.status?.phase === 'Failed') {
          const wait = c.failedPodsBackoff.next(`${key}/${ds.metadata?.generation}/${name}`);
          if (wait > 0) {
            log.v(4).info('Deleting failed pod on node has been limited by backoff', { pod: metaNamespaceKeyFunc(p), node: name, currentDelay: `${wait}ms` });
            c.enqueue(ds, wait);
            continue;
          }
          const msg = `Found failed daemon pod ${p.metadata!.namespace}/${p.metadata!.name} on node ${name}, will try to kill it`;
          log.v(2).info('Found failed daemon pod on node, will try to kill it', { pod: metaNamespaceKeyFunc(p), node: name });
          c.recorder.event(ds, 'Warning', 'FailedDaemonPod', msg);
          remove.push(p);
        } else if (p.status?.phase === 'Succeeded') {
          log.v(2).info('Pod has succeeded, will delete it', { pod: metaNamespaceKeyFunc(p), node: name });
          remove.push(p);
        } else running.push(p);
      }
      if (running.length > 1 && !surge) {
        // more than one: keep the oldest
        remove.push(...[...running].sort(byCreationAndPhase).slice(1));
      } else if (running.length > 1) {
        // surging: at most the oldest new and the oldest old pod; the old one goes once it is
        // not ready or the new one is available
        let oldestNew: Pod | undefined;
        let oldestOld: Pod | undefined;
        for (const p of [...running].sort(byCreationAndPhase)) {
          const isNew = isPodUpdated(p, hash, templateGeneration(ds));
          if (isNew && !oldestNew) oldestNew = p;
          else if (!isNew && !oldestOld) oldestOld = p;
          else remove.push(p);
        }
        if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0))) remove.push(oldestOld);
      }
    } else if (daemonPods.length) {
      for (const p of daemonPods) if (!p.metadata?.deletionTimestamp) remove.push(p);
    }
  }
  // pods for nodes that no longer exist and were never scheduled
  const known = new Set(nodes.map((n) => n.metadata!.name));
  for (const [n, l] of byNode) {
    if (known.has(n)) continue;
    for (const p of l) if (!p.spec?.nodeName && !p.metadata?.deletionTimestamp) remove.push(p);
  }
  return { create, remove };
}

/** syncNodes: delete, then create in slow-start batches, with expectations. */
async function syncNodes(c: DaemonSetsController, ds: DaemonSet, remove: Pod[], create: string[], hash: string): Promise<void> {
  const key = metaNamespaceKeyFunc(ds);
  c.expectations.expectDeletionsOf(key, remove.map((p) => metaNamespaceKeyFunc(p)));
  c.expectations.raiseExpectations(key, create.length, 0);
  log.v(4).info('Nodes needing daemon pods for daemon set, creating', { daemonset: key, needCount: create.length, deleteCount: remove.length });
  let firstErr: unknown;
  let batch = 1;
  let i = 0;
  while (i < create.length && !firstErr) {
    const chunk = create.slice(i, i + batch);
    i += chunk.length;
    await Promise.all(
      chunk.map(async (node) => {
        try {
          await c.podControl.createPod(ds, newDaemonPod(ds, node, hash));
        } catch (err) {
          c.expectations.creationObserved(key);
          firstErr ??= err;
        }
      }),
    );
    batch *= 2;
  }
  for (let k = i; k < create.length; k++) c.expectations.creationObserved(key);
  await Promise.all(
    remove.map(async (p) => {
      try {
        await c.podControl.deletePod(ds, p);
      } catch (err) {
        c.expectations.deletionObservedOf(key, metaNamespaceKeyFunc(p));
        firstErr ??= err;
      }
    }),
  );
  if (firstErr) throw firstErr;
}

export function daemonSetStatus(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string, nowMs = Date.now()): DaemonSetStatus {
  const s = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, numberAvailable: 0, updatedNumberScheduled: 0 };
  const gen = templateGeneration(ds);
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(node.metadata!.name!) ?? [];
    if (shouldRun) {
      s.desiredNumberScheduled++;
      if (!pods.length) continue;
      s.currentNumberScheduled++;
      const pod = [...pods].sort(byCreationAndPhase)[0]!;
      if (isPodReady(pod)) {
        s.numberReady++;
        if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, nowMs)) s.numberAvailable++;
      }
      if (isPodUpdated(pod, hash, gen)) s.updatedNumberScheduled++;
    } else if (pods.length) s.numberMisscheduled++;
  }
  const out: DaemonSetStatus = { ...s, numberUnavailable: s.desiredNumberScheduled - s.numberAvailable };
  // omitempty fields
  for (const k of ['numberAvailable', 'updatedNumberScheduled', 'numberUnavailable'] as const) if (!out[k]) delete out[k];
  return out;
}

/** A status without the counts daemonSetStatus recomputes (so omitted zeros do not linger). */
function withoutCounts(st: DaemonSetStatus | undefined): DaemonSetStatus {
  const out = { ...(st ?? ({} as DaemonSetStatus)) };
  for (const k of ['numberAvailable', 'updatedNumberScheduled', 'numberUnavailable'] as const) delete out[k];
  return out;
}

export async function syncDaemonSet(c: DaemonSetsController, key: string): Promise<void> {
  const started = Date.now();
  const { namespace, name } = splitMetaNamespaceKey(key);
  const cached = c.daemonSets.lister().get(namespace, name);
  if (!cached) {
    log.v(3).info('Daemon set has been deleted', { daemonset: key });
    c.expectations.deleteExpectations(key);
    return;
  }
  const ds = structuredClone(cached);
  const selector = labelSelectorAsSelector(ds.spec?.selector);
  if (selector.empty) {
    c.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
    return;
  }
  if (ds.metadata?.deletionTimestamp) return;
  const owner = ownerInfo(ds);
  const canAdopt = recheckOwner(c.client, DAEMONSETS, owner);
  const revisions = await claimObjects<ControllerRevision>(c.revisions.lister().namespace(namespace).list(), { client: c.client, gvr: REVISIONS, owner, selector, canAdopt });
  const { update: cur, collisionCount } = await ensureUpdateRevision(c.client, ds, revisions, (rev, cc) => newDaemonSetRevision(ds, rev, cc), ds.status?.collisionCount ?? 0);
  const hash = cur.metadata?.labels?.[ControllerRevisionHashLabel] ?? '';
  const pods = await claimObjects<Pod>(c.pods.lister().namespace(namespace).list(), { client: c.client, gvr: PODS, owner, selector, canAdopt });
  const nodes = c.nodes.lister().list();

  let processed = false;
  if (c.expectations.satisfiedExpectations(key)) {
    processed = true;
    const byNode = nodeToDaemonPods(pods, true);
    const { create, remove } = podsShouldBeOnNodes(c, ds, nodes, byNode, hash);
    if (create.length || remove.length) await syncNodes(c, ds, remove, create, hash);
    else if (ds.spec?.updateStrategy?.type === 'RollingUpdate') {
      const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
      const shouldRun = (n: string) => {
        const node = nodes.find((x) => x.metadata?.name === n);
        return !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
      };
      const plan = planRollingUpdate(ds, byNode, hash, desired, shouldRun);
      if (plan.deletePods.length || plan.createOnNodes.length) {
        log.v(4).info('Rolling update', { daemonset: key, deleting: plan.deletePods.map((p) => p.metadata?.name), creatingOn: plan.createOnNodes });
        await syncNodes(c, ds, plan.deletePods, plan.createOnNodes, hash);
      }
    }
    // history: revisions no live pod uses (and not the current one) beyond the limit
    const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[ControllerRevisionHashLabel]).filter(Boolean));
    const all = revisions.some((r) => r.metadata?.name === cur.metadata?.name) ? revisions : [...revisions, cur];
    const live = new Set(all.filter((r) => r.metadata?.name === cur.metadata?.name || liveHashes.has(r.metadata?.labels?.[ControllerRevisionHashLabel])).map((r) => r.metadata!.name!));
    for (const r of revisionsToPrune(all, live, ds.spec?.revisionHistoryLimit ?? 10)) await deleteControllerRevision(c.client, r);
  }

  const status = daemonSetStatus(ds, nodes, nodeToDaemonPods(pods, false), hash);
  // collisionCount appears once a hash collision happened
  const cc = collisionCount || ds.status?.collisionCount !== undefined ? { collisionCount } : {};
  const next: DaemonSetStatus = { ...withoutCounts(ds.status), ...status, ...cc };
  if (processed) next.observedGeneration = ds.metadata?.generation;
  const prev = (ds.status ?? {}) as Record<string, unknown>;
  const changed = Object.entries(next).some(([k, v]) => k !== 'conditions' && (prev[k] ?? 0) !== (v ?? 0));
  if (changed) {
    const ref = { ...DAEMONSETS, namespace, name, subresource: 'status' };
    try {
      await c.client.update(ref, { ...ds, status: next });
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      // the cache was stale: once more on a fresh copy
      const fresh = await c.client.get<DaemonSet>({ ...DAEMONSETS, namespace, name });
      const retry: DaemonSetStatus = { ...withoutCounts(fresh.status), ...status, ...cc };
      if (processed) retry.observedGeneration = ds.metadata?.generation;
      await c.client.update(ref, { ...fresh, status: retry });
    }
  }
  const mrs = ds.spec?.minReadySeconds ?? 0;
  if (mrs > 0 && status.numberReady !== status.numberAvailable) c.enqueue(ds, mrs * 1000 + 100);
  log.v(4).info('Finished syncing daemon set', { daemonset: key, elapsed: `${Date.now() - started}ms` });
}
