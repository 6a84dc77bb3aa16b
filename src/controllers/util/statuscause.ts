// apierrors.HasStatusCause for controllers: whether an API error carries a given cause — chiefly
// NamespaceTerminating, the create refused because its namespace is being deleted, which
// workload controllers treat as "nothing to do" rather than as a failure.

export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** A StatusCause's type travels as "reason" on the wire. */
export function hasStatusCause(err: unknown, cause: string): boolean {
  const causes = (err as { status?: { details?: { causes?: { reason?: string }[] } } })?.status?.details?.causes ?? [];
  return causes.some((c) => c.reason === cause);
}

export function namespaceTerminating(err: unknown): boolean {
  return hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE);
}
