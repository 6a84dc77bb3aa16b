// Deployment annotations (upstream deployment_util): the revision of each ReplicaSet
// (deployment.kubernetes.io/revision) and the revisions it had before a rollback brought it
// back (revision-history, capped at 2000 characters), desired-replicas / max-replicas for
// proportional scaling, and copying the deployment's own annotations onto its ReplicaSets.

import { logger } from '../../util/klog.js';
import type { Deployment, ReplicaSet } from '../util/types.js';

const log = logger('deployment_util.go');

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** upstream maxRevHistoryLengthInChars */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

export function skipCopyAnnotation(key: string): boolean {
  return ANNOTATIONS_TO_SKIP.has(key);
}

type Annotated = { metadata?: { annotations?: Record<string, string>; name?: string; namespace?: string } };

function annotationsOf(obj: Annotated): Record<string, string> {
  obj.metadata ??= {};
  return (obj.metadata.annotations ??= {});
}

/** An annotation parsed as an integer (strconv.Atoi), undefined when missing or not a number. */
export function intAnnotation(obj: Annotated, key: string): number | undefined {
  const v = obj.metadata?.annotations?.[key];
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v)) {
    log.v(2).info('Could not convert the value with annotation key for the replica set', { annotationValue: v, annotationKey: key, replicaSet: `${obj.metadata?.namespace}/${obj.metadata?.name}` });
    return undefined;
  }
  return Number(v);
}

/** Revision: 0 when unannotated; throws when the annotation is not an integer. */
export function revisionOf(obj: Annotated): number {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  if (!/^[+-]?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export function maxRevision(sets: ReplicaSet[]): number {
  let max = 0;
  for (const rs of sets) {
    try {
      max = Math.max(max, revisionOf(rs));
    } catch (err) {
      log.v(4).info("Couldn't parse revision for replica set, deployment controller will skip it when reconciling revisions", { replicaSet: `${rs.metadata?.namespace}/${rs.metadata?.name}`, err });
    }
  }
  return max;
}

/** LastRevision: the second-highest revision (the one before the current). */
export function lastRevision(sets: ReplicaSet[]): number {
  let max = 0;
  let second = 0;
  for (const rs of sets) {
    let v: number;
    try {
      v = revisionOf(rs);
    } catch {
      continue;
    }
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) second = v;
  }
  return second;
}

/** Copy the deployment's annotations (but the skipped ones) to the RS; true when any changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  const ann = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: desired-replicas and max-replicas; true when changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = annotationsOf(rs);
  let changed = false;
  if (ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    ann[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (ann[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    ann[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = rs.metadata?.annotations;
  if (!ann) return true;
  return ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || ann[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * SetNewReplicaSetAnnotations: copy the deployment's annotations, raise the revision to
 * newRevision (remembering the old one in revision-history when a rollback reuses this RS), and
 * for a RS about to be created set the replicas annotations. True when anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: string,
  exists: boolean,
  maxSurgeOf: (d: Deployment) => number,
  revHistoryLimitInChars = MAX_REV_HISTORY_LENGTH_IN_CHARS,
): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const ann = annotationsOf(rs);
  const had = REVISION_ANNOTATION in ann;
  const oldRevision = ann[REVISION_ANNOTATION] ?? '';
  let oldRev = 0;
  if (oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) {
      log.info('Updating replica set revision OldRevision not int', { err: `strconv.ParseInt: parsing ${JSON.stringify(oldRevision)}: invalid syntax` });
      return false;
    }
    oldRev = Number(oldRevision);
  }
  if (!/^[+-]?\d+$/.test(newRevision)) {
    log.info('Updating replica set revision NewRevision not int', { err: `strconv.ParseInt: parsing ${JSON.stringify(newRevision)}: invalid syntax` });
    return false;
  }
  const newRev = Number(newRevision);
  if (oldRev < newRev) {
    ann[REVISION_ANNOTATION] = newRevision;
    changed = true;
    log.v(4).info('Updating replica set revision', { replicaSet: `${rs.metadata?.namespace}/${rs.metadata?.name}`, newRevision });
  }
  // an existing revision raised: this RS is being rolled back to, keep its old revisions
  if (had && oldRev < newRev) {
    const history = ann[REVISION_HISTORY_ANNOTATION] ?? '';
    let old = history.split(',');
    if (old[0]!.length === 0) {
      ann[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > revHistoryLimitInChars && start < old.length) {
        total -= old[start]!.length + 1;
        start++;
      }
      if (total <= revHistoryLimitInChars) {
        old = [...old.slice(start), oldRevision];
        ann[REVISION_HISTORY_ANNOTATION] = old.join(',');
      } else {
        log.info('Not appending revision due to revision history length limit reached', { revisionHistoryLimit: revHistoryLimitInChars });
      }
    }
  }
  const want = d.spec?.replicas ?? 1;
  if (!exists && setReplicasAnnotations(rs, want, want + maxSurgeOf(d))) changed = true;
  return changed;
}

/** SetDeploymentRevision: true when the deployment's revision annotation changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const ann = annotationsOf(d);
  if (ann[REVISION_ANNOTATION] === revision) return false;
  ann[REVISION_ANNOTATION] = revision;
  return true;
}

/** SetDeploymentAnnotationsTo (rollback): the deployment's annotations become the RS's (but the skipped ones). */
export function setDeploymentAnnotationsTo(d: Deployment, rollbackTo: ReplicaSet): void {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (skipCopyAnnotation(k)) kept[k] = v;
  for (const [k, v] of Object.entries(rollbackTo.metadata?.annotations ?? {})) if (!skipCopyAnnotation(k)) kept[k] = v;
  d.metadata ??= {};
  d.metadata.annotations = kept;
}
