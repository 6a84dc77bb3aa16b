// The garbage collector's workers (upstream garbagecollector.go): attemptToDelete verifies a
// node against the API server (a virtual owner that does not exist, or an object whose owners
// are all gone, is removed: virtual delete / background, foreground or orphan deletion of the
// dependent), finishes foreground deletions (the foregroundDeletion finalizer is removed once
// no dependent with blockOwnerDeletion remains) and attemptToOrphan strips the owner reference
// from every dependent before removing the orphan finalizer.

import type { RestClient, ResourceRef, OwnerReference, KubeObject, RateLimitingQueue } from '../../client/index.js';
import { isNotFound, isConflict, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { RESTMapper } from '../util/discovery.js';
import { parseAPIVersion } from '../util/discovery.js';
import type { GraphNode, ObjectIdentity } from './graph.js';
import { DependencyGraph, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, identityString } from './graph.js';

const log = logger('garbagecollector.go');

/** attemptToDelete found the object gone and removed it from the graph (nothing to retry). */
class VirtualDeleteEnqueued extends Error {}

/** A small LRU of owner uids known to be absent (upstream's absentOwnerCache). */
class UIDCache {
  private m = new Map<string, true>();
  constructor(private readonly max = 500) {}
  add(key: string): void {
    this.m.delete(key);
    this.m.set(key, true);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
  }
  has(key: string): boolean {
    return this.m.has(key);
  }
}

export class GarbageCollector {
  readonly graph: DependencyGraph;
  readonly attemptToDelete: RateLimitingQueue<GraphNode> = newRateLimitingQueue<GraphNode>('garbage_collector_attempt_to_delete');
  readonly attemptToOrphan: RateLimitingQueue<GraphNode> = newRateLimitingQueue<GraphNode>('garbage_collector_attempt_to_orphan');
  private absentOwners = new UIDCache();
  private workers: Promise<void>[] = [];

  constructor(
    private readonly client: RestClient,
    private readonly mapper: RESTMapper,
  ) {
    this.graph = new DependencyGraph({
      attemptToDelete: (n) => this.attemptToDelete.add(n),
      attemptToOrphan: (n) => this.attemptToOrphan.add(n),
    });
  }

  run(workers: number): void {
    log.info('Starting controller', { controller: 'garbagecollector' });
    for (let i = 0; i < workers; i++) {
      this.workers.push(this.loop(this.attemptToDelete, (n) => this.attemptToDeleteWorker(n)));
      this.workers.push(this.loop(this.attemptToOrphan, (n) => this.attemptToOrphanWorker(n)));
    }
  }

  async stop(): Promise<void> {
    this.attemptToDelete.shutDown();
    this.attemptToOrphan.shutDown();
    await Promise.all(this.workers);
  }

  private async loop(q: RateLimitingQueue<GraphNode>, work: (n: GraphNode) => Promise<void>): Promise<void> {
    for (;;) {
      const [n, shutdown] = await q.get();
      if (shutdown) return;
      try {
        await work(n);
      } finally {
        q.done(n);
      }
    }
  }

  // ----- mapping -----

  private refFor(id: ObjectIdentity): ResourceRef {
    const m = this.mapper.mapping(id.apiVersion, id.kind);
    if (!m) {
      const { group, version } = parseAPIVersion(id.apiVersion);
      throw new Error(`unable to get REST mapping for ${id.kind}.${version}.${group}`);
    }
    return { group: m.group, version: m.version, resource: m.resource, namespace: m.namespaced ? id.namespace || undefined : undefined, name: id.name };
  }

  private async getObject(id: ObjectIdentity): Promise<KubeObject> {
    return this.client.get(this.refFor(id));
  }

  // ----- attemptToDelete -----

  private async attemptToDeleteWorker(n: GraphNode): Promise<void> {
    if (n.virtual) {
      const inGraph = this.graph.get(n.identity.uid);
      if (!inGraph) {
        this.attemptToDelete.forget(n);
        return;
      }
      if (!inGraph.virtual) {
        // observed by an informer since: the real node is processed instead
        this.attemptToDelete.forget(n);
        return;
      }
    }
    try {
      await this.attemptToDeleteItem(n);
    } catch (err) {
      if (err instanceof VirtualDeleteEnqueued) {
        this.attemptToDelete.forget(n);
        return;
      }
      log.error('error syncing item', { item: identityString(n.identity), err });
      this.attemptToDelete.addRateLimited(n);
      return;
    }
    if (n.virtual) {
      // the owner exists but no informer reported it yet: look again later
      log.v(5).info("item hasn't been observed via informer yet", { item: identityString(n.identity) });
      this.attemptToDelete.addRateLimited(n);
      return;
    }
    this.attemptToDelete.forget(n);
  }

  private async attemptToDeleteItem(item: GraphNode): Promise<void> {
    log.v(2).info('Processing item', { item: identityString(item.identity), virtual: item.virtual });
    if (item.beingDeleted && !item.deletingDependents) {
      log.v(5).info('processing item returned at once, because its DeletionTimestamp is non-nil', { item: identityString(item.identity) });
      return;
    }
    let latest: KubeObject;
    try {
      latest = await this.getObject(item.identity);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      log.v(5).info('item not found, generating a virtual delete event', { item: identityString(item.identity) });
      this.graph.remove(item.identity.uid);
      throw new VirtualDeleteEnqueued();
    }
    if (latest.metadata?.uid !== item.identity.uid) {
      log.v(5).info('UID does not match, generating a virtual delete event', { item: identityString(item.identity) });
      this.graph.remove(item.identity.uid);
      throw new VirtualDeleteEnqueued();
    }
    if (item.deletingDependents) return this.processDeletingDependentsItem(item);
    const refs = latest.metadata?.ownerReferences ?? [];
    if (!refs.length) {
      log.v(2).info("item doesn't have an owner, continue on next item", { item: identityString(item.identity) });
      return;
    }
    const { solid, dangling, waiting } = await this.classifyReferences(item, refs);
    log.v(5).info('classify references', { item: identityString(item.identity), solid: solid.map((r) => r.uid), dangling: dangling.map((r) => r.uid), waitingForDependentsDeletion: waiting.map((r) => r.uid) });
    if (solid.length) {
      if (!dangling.length && !waiting.length) return;
      // other owners remain: only drop the references to the ones that are gone or going
      const gone = new Set([...dangling, ...waiting].map((r) => r.uid));
      log.v(2).info('item has at least one existing owner, will not garbage collect', { item: identityString(item.identity), owner: solid.map((r) => r.uid) });
      await this.updateOwnerReferences(item.identity, (list) => list.filter((r) => !gone.has(r.uid)));
      return;
    }
    if (waiting.length && item.dependents.size) {
      for (const dep of item.dependents) {
        if (dep.deletingDependents) {
          // a cycle through an owner waiting on us: stop blocking it
          log.v(2).info('processing object, some of its owners and its dependent have FinalizerDeletingDependents, to prevent potential cycle, its ownerReferences are going to be modified to be non-blocking, then the object is going to be deleted with Foreground', { item: identityString(item.identity), dependent: identityString(dep.identity) });
          const waitingUIDs = new Set(waiting.map((r) => r.uid));
          await this.updateOwnerReferences(item.identity, (list) => list.map((r) => (waitingUIDs.has(r.uid) && r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r)));
          break;
        }
      }
      log.v(2).info('at least one owner of item has FinalizerDeletingDependents, and the item itself has dependents, so it is going to be deleted in Foreground', { item: identityString(item.identity) });
      await this.deleteObject(item.identity, 'Foreground');
      return;
    }
    const finalizers = latest.metadata?.finalizers ?? [];
    const policy = finalizers.includes(FINALIZER_ORPHAN) ? 'Orphan' : finalizers.includes(FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
    log.v(2).info('Deleting item', { item: identityString(item.identity), propagationPolicy: policy });
    await this.deleteObject(item.identity, policy);
  }

  /** Each owner reference: solid (the owner exists), dangling (gone, or another object of that name), or waiting (owner deleting its dependents). */
  private async classifyReferences(item: GraphNode, refs: OwnerReference[]): Promise<{ solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] }> {
    const out = { solid: [] as OwnerReference[], dangling: [] as OwnerReference[], waiting: [] as OwnerReference[] };
    for (const r of refs) {
      const owner = await this.isDangling(r, item);
      if (!owner) out.dangling.push(r);
      else if (owner.metadata?.deletionTimestamp && owner.metadata.finalizers?.includes(FINALIZER_FOREGROUND)) out.waiting.push(r);
      else out.solid.push(r);
    }
    return out;
  }

  /** The owner named by `r` (verified by uid with a live read), or undefined when it is absent. */
  private async isDangling(r: OwnerReference, item: GraphNode): Promise<KubeObject | undefined> {
    const m = this.mapper.mapping(r.apiVersion, r.kind);
    if (!m) {
      const { group, version } = parseAPIVersion(r.apiVersion);
      throw new Error(`unable to get REST mapping for ${r.kind}.${version}.${group}`);
    }
    const namespace = m.namespaced ? item.identity.namespace : '';
    const key = `${namespace}/${r.uid}`;
    if (this.absentOwners.has(key)) {
      log.v(5).info('according to the absentOwnerCache, item\'s owner does not exist', { item: identityString(item.identity), owner: r.uid });
      return undefined;
    }
    try {
      const owner = await this.client.get({ group: m.group, version: m.version, resource: m.resource, namespace: namespace || undefined, name: r.name });
      if (owner.metadata?.uid !== r.uid) {
        log.v(5).info("item's owner is not found, UID mismatch", { item: identityString(item.identity), owner: r.uid, foundUID: owner.metadata?.uid });
        this.absentOwners.add(key);
        return undefined;
      }
      return owner;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      log.v(5).info("item's owner is not found", { item: identityString(item.identity), owner: r.uid });
      this.absentOwners.add(key);
      return undefined;
    }
  }

  /** Foreground deletion of `item`: done once no dependent blocks it; meanwhile its blocking dependents are deleted. */
  private async processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (!blocking.length) {
      log.v(2).info('remove DeleteDependents finalizer for item', { item: identityString(item.identity) });
      await this.removeFinalizer(item.identity, FINALIZER_FOREGROUND);
      return;
    }
    for (const dep of blocking) {
      if (!dep.deletingDependents) {
        log.v(2).info('adding dependent to attemptToDelete, because its owner is deletingDependents', { item: identityString(item.identity), dependent: identityString(dep.identity) });
        this.attemptToDelete.add(dep);
      }
    }
  }

  private async deleteObject(id: ObjectIdentity, policy: 'Orphan' | 'Background' | 'Foreground'): Promise<void> {
    try {
      await this.client.delete(this.refFor(id), { propagationPolicy: policy, preconditions: { uid: id.uid } });
    } catch (err) {
      // gone already, or replaced by another object of that name (uid precondition)
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  // ----- attemptToOrphan -----

  private async attemptToOrphanWorker(owner: GraphNode): Promise<void> {
    try {
      const dependents = [...owner.dependents];
      await Promise.all(dependents.map((d) => this.updateOwnerReferences(d.identity, (list) => list.filter((r) => r.uid !== owner.identity.uid))));
      log.v(5).info('successfully updated all dependents', { owner: identityString(owner.identity) });
      await this.removeFinalizer(owner.identity, FINALIZER_ORPHAN);
      this.attemptToOrphan.forget(owner);
    } catch (err) {
      log.error('orphanDependents for owner failed', { owner: identityString(owner.identity), err });
      this.attemptToOrphan.addRateLimited(owner);
    }
  }

  // ----- writes -----

  /** Rewrite the object's ownerReferences (a merge patch guarded by resourceVersion). */
  private updateOwnerReferences(id: ObjectIdentity, edit: (refs: OwnerReference[]) => OwnerReference[]): Promise<void> {
    return this.patchMetadata(id, (meta) => {
      const cur = meta.ownerReferences ?? [];
      const next = edit(cur);
      return JSON.stringify(next) === JSON.stringify(cur) ? undefined : { ownerReferences: next.length ? next : null };
    });
  }

  private removeFinalizer(id: ObjectIdentity, finalizer: string): Promise<void> {
    return this.patchMetadata(id, (meta) => {
      const cur = meta.finalizers ?? [];
      if (!cur.includes(finalizer)) return undefined;
      const next = cur.filter((f) => f !== finalizer);
      return { finalizers: next.length ? next : null };
    });
  }

  /**
   * Read the object and merge-patch the metadata `change` computes (undefined: nothing to do),
   * guarded by its resourceVersion and retried on conflict; an object gone or replaced by
   * another of that name is left alone.
   */
  private async patchMetadata(id: ObjectIdentity, change: (meta: NonNullable<KubeObject['metadata']>) => Record<string, unknown> | undefined): Promise<void> {
    const ref = this.refFor(id);
    for (let attempt = 0; ; attempt++) {
      let obj: KubeObject;
      try {
        obj = await this.client.get(ref);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (obj.metadata?.uid !== id.uid) return;
      const patch = change(obj.metadata);
      if (!patch) return;
      try {
        await this.client.patch(ref, 'merge', { metadata: { ...patch, resourceVersion: obj.metadata.resourceVersion } });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (isConflict(err) && attempt < 5) continue;
        throw err;
      }
    }
  }
}
