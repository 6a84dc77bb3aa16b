// The garbage collector's dependency graph (upstream graph.go + the event processing of
// graph_builder.go): one node per object uid, with its owner references and the set of nodes
// that name it as owner. Owners referenced but never observed are "virtual" nodes until an
// informer reports them (or attemptToDelete finds them absent). Processing an add/update/delete
// keeps the graph exact and tells the collector what to look at: dependents of a vanished owner
// (attemptToDelete), owners being deleted with the orphan finalizer (attemptToOrphan), owners
// being deleted in the foreground together with their dependents (attemptToDelete).

import type { OwnerReference } from '../../client/index.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export function identityString(id: ObjectIdentity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`;
}

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  /** an owner reference pointed here, but no informer has reported the object */
  virtual: boolean;
  /** deletionTimestamp set */
  beingDeleted = false;
  /** deletionTimestamp set and the foregroundDeletion finalizer present */
  deletingDependents = false;

  constructor(
    public identity: ObjectIdentity,
    virtual = false,
  ) {
    this.virtual = virtual;
  }

  /** dependents whose reference to this node has blockOwnerDeletion */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((d) => d.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion === true));
  }
}

/** The parts of an object the graph looks at. */
export interface GraphObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
  };
}

export interface GraphCallbacks {
  attemptToDelete(n: GraphNode): void;
  attemptToOrphan(n: GraphNode): void;
}

function hasFinalizer(o: GraphObject | undefined, f: string): boolean {
  return !!o?.metadata?.finalizers?.includes(f);
}

/** The object's deletion began with finalizer f in this event (upstream deletionStartsWithFinalizer). */
function deletionStartsWithFinalizer(oldObj: GraphObject | undefined, newObj: GraphObject, f: string): boolean {
  if (!newObj.metadata?.deletionTimestamp || !hasFinalizer(newObj, f)) return false;
  if (!oldObj) return true;
  return !oldObj.metadata?.deletionTimestamp || !hasFinalizer(oldObj, f);
}

interface RefDiff {
  added: OwnerReference[];
  removed: OwnerReference[];
  changed: { old: OwnerReference; cur: OwnerReference }[];
}

function referencesDiffs(old: OwnerReference[], cur: OwnerReference[]): RefDiff {
  const oldByUID = new Map(old.map((r) => [r.uid, r]));
  const out: RefDiff = { added: [], removed: [], changed: [] };
  for (const r of cur) {
    const o = oldByUID.get(r.uid);
    if (!o) out.added.push(r);
    else {
      if (JSON.stringify(o) !== JSON.stringify(r)) out.changed.push({ old: o, cur: r });
      oldByUID.delete(r.uid);
    }
  }
  out.removed = [...oldByUID.values()];
  return out;
}

export class DependencyGraph {
  readonly nodes = new Map<string, GraphNode>();

  constructor(private readonly cb: GraphCallbacks) {}

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** An informer saw `obj` (added or updated); apiVersion/kind are those of its monitor. */
  observe(obj: GraphObject, oldObj?: GraphObject): void {
    const m = obj.metadata;
    if (!m?.uid) return;
    const identity: ObjectIdentity = { apiVersion: obj.apiVersion ?? '', kind: obj.kind ?? '', namespace: m.namespace ?? '', name: m.name ?? '', uid: m.uid };
    const owners = [...(m.ownerReferences ?? [])];
    let node = this.nodes.get(m.uid);
    if (!node) {
      node = new GraphNode(identity);
      node.owners = owners;
      node.beingDeleted = !!m.deletionTimestamp;
      node.deletingDependents = node.beingDeleted && hasFinalizer(obj, FINALIZER_FOREGROUND);
      this.insertNode(node);
      this.processTransitions(undefined, obj, node);
      return;
    }
    if (node.virtual) {
      // the owner someone pointed at turned up: it is real now (with its true coordinates)
      node.virtual = false;
      node.identity = identity;
    }
    const diff = referencesDiffs(node.owners, owners);
    if (diff.added.length || diff.removed.length || diff.changed.length) {
      // owners that lost a blocking dependent may now be able to finish a foreground deletion
      this.addUnblockedOwnersToDeleteQueue(diff);
      node.owners = owners;
      for (const r of diff.added) this.linkOwner(node, r);
      for (const r of diff.removed) this.nodes.get(r.uid)?.dependents.delete(node);
    }
    node.beingDeleted = !!m.deletionTimestamp;
    node.deletingDependents = node.beingDeleted && hasFinalizer(obj, FINALIZER_FOREGROUND);
    this.processTransitions(oldObj, obj, node);
  }

  /** The object is gone (an informer delete, or attemptToDelete found it absent: a virtual delete). */
  remove(uid: string): void {
    const node = this.nodes.get(uid);
    if (!node) return;
    this.nodes.delete(uid);
    for (const r of node.owners) this.nodes.get(r.uid)?.dependents.delete(node);
    for (const dep of node.dependents) this.cb.attemptToDelete(dep);
    for (const r of node.owners) {
      const owner = this.nodes.get(r.uid);
      if (owner?.deletingDependents) this.cb.attemptToDelete(owner);
    }
  }

  private insertNode(n: GraphNode): void {
    this.nodes.set(n.identity.uid, n);
    for (const r of n.owners) this.linkOwner(n, r);
  }

  /** Make `n` a dependent of the owner `r` names; an owner never seen becomes a virtual node to verify. */
  private linkOwner(n: GraphNode, r: OwnerReference): void {
    let owner = this.nodes.get(r.uid);
    if (!owner) {
      owner = new GraphNode({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid, namespace: n.identity.namespace }, true);
      this.nodes.set(r.uid, owner);
      this.cb.attemptToDelete(owner);
    }
    owner.dependents.add(n);
  }

  private addUnblockedOwnersToDeleteQueue(diff: RefDiff): void {
    const unblocked = [...diff.removed.filter((r) => r.blockOwnerDeletion), ...diff.changed.filter((c) => c.old.blockOwnerDeletion && !c.cur.blockOwnerDeletion).map((c) => c.cur)];
    for (const r of unblocked) {
      const owner = this.nodes.get(r.uid);
      if (owner?.deletingDependents) this.cb.attemptToDelete(owner);
    }
  }

  private processTransitions(oldObj: GraphObject | undefined, obj: GraphObject, n: GraphNode): void {
    if (deletionStartsWithFinalizer(oldObj, obj, FINALIZER_ORPHAN)) {
      this.cb.attemptToOrphan(n);
      return;
    }
    if (deletionStartsWithFinalizer(oldObj, obj, FINALIZER_FOREGROUND)) {
      n.deletingDependents = true;
      for (const dep of n.dependents) this.cb.attemptToDelete(dep);
      this.cb.attemptToDelete(n);
    }
  }
}
