// The namespace deletion conditions upstream's deleter reports on a Terminating namespace
// (namespace_deleter.go status_condition_utils): all five condition types on every pass, True
// with a failure reason and message when something went wrong or remains, else False with the
// "all good" reason; a condition keeps its lastTransitionTime while status, reason and message
// are unchanged.

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export const NamespaceDeletionDiscoveryFailure = 'NamespaceDeletionDiscoveryFailure';
export const NamespaceDeletionGVParsingFailure = 'NamespaceDeletionGroupVersionParsingFailure';
export const NamespaceDeletionContentFailure = 'NamespaceDeletionContentFailure';
export const NamespaceContentRemaining = 'NamespaceContentRemaining';
export const NamespaceFinalizersRemaining = 'NamespaceFinalizersRemaining';

const CONDITION_TYPES = [NamespaceDeletionDiscoveryFailure, NamespaceDeletionGVParsingFailure, NamespaceDeletionContentFailure, NamespaceContentRemaining, NamespaceFinalizersRemaining];

const OK: Record<string, { reason: string; message: string }> = {
  [NamespaceDeletionDiscoveryFailure]: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  [NamespaceDeletionGVParsingFailure]: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  [NamespaceDeletionContentFailure]: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  [NamespaceContentRemaining]: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  [NamespaceFinalizersRemaining]: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** What one deletion pass found; each field left empty means "all good" for its condition. */
export interface DeletionReport {
  /** groupVersion → error message */
  discoveryFailures: Map<string, string>;
  gvParseFailures: string[];
  /** per resource: error messages from deleting its content */
  contentFailures: string[];
  /** "<resource>.<group>" → instances still present */
  remaining: Map<string, number>;
  /** finalizer → instances carrying it */
  finalizers: Map<string, number>;
}

export function emptyReport(): DeletionReport {
  return { discoveryFailures: new Map(), gvParseFailures: [], contentFailures: [], remaining: new Map(), finalizers: new Map() };
}

/** The conditions a pass reports (without transition times). */
export function desiredConditions(r: DeletionReport): NamespaceCondition[] {
  const failing = new Map<string, NamespaceCondition>();
  if (r.discoveryFailures.size) {
    const errs = [...r.discoveryFailures].map(([gv, e]) => `${gv}: ${e}`).sort();
    failing.set(NamespaceDeletionDiscoveryFailure, { type: NamespaceDeletionDiscoveryFailure, status: 'True', reason: 'DiscoveryFailed', message: `Discovery failed for some groups, ${errs.length} failing: ${aggregate(errs)}` });
  }
  if (r.gvParseFailures.length) {
    failing.set(NamespaceDeletionGVParsingFailure, { type: NamespaceDeletionGVParsingFailure, status: 'True', reason: 'GroupVersionParsingFailed', message: `Failed to parse some group versions, ${r.gvParseFailures.length} failing: ${aggregate(r.gvParseFailures)}` });
  }
  if (r.contentFailures.length) {
    failing.set(NamespaceDeletionContentFailure, { type: NamespaceDeletionContentFailure, status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${r.contentFailures.length} remaining: ${aggregate(r.contentFailures)}` });
  }
  if (r.remaining.size) {
    const parts = [...r.remaining].map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
    failing.set(NamespaceContentRemaining, { type: NamespaceContentRemaining, status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${parts.join(', ')}` });
  }
  if (r.finalizers.size) {
    const parts = [...r.finalizers].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    failing.set(NamespaceFinalizersRemaining, { type: NamespaceFinalizersRemaining, status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${parts.join(', ')}` });
  }
  return CONDITION_TYPES.map((t) => failing.get(t) ?? { type: t, status: 'False', ...OK[t] });
}

/** utilerrors.NewAggregate(...).Error(): one error as is, several in brackets. */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]`;
}

/**
 * The namespace's conditions after a pass: deletion conditions replaced by `want` (keeping
 * lastTransitionTime when nothing changed), other conditions untouched. `changed` says
 * whether a status write is needed.
 */
export function mergeConditions(existing: NamespaceCondition[], want: NamespaceCondition[], now: string): { conditions: NamespaceCondition[]; changed: boolean } {
  const out = existing.filter((c) => !CONDITION_TYPES.includes(c.type));
  let changed = false;
  for (const w of want) {
    const old = existing.find((c) => c.type === w.type);
    if (old && old.status === w.status && old.reason === w.reason && old.message === w.message) {
      out.push(old);
      continue;
    }
    changed = true;
    out.push({ ...w, lastTransitionTime: now });
  }
  return { conditions: out, changed };
}
