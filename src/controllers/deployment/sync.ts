// The deployment sync machinery shared by every strategy (upstream sync.go): finding or
// creating the new ReplicaSet with its revision, scaling a ReplicaSet with the
// ScalingReplicaSet event, proportional scaling of a deployment resized mid-rollout, history
// cleanup beyond revisionHistoryLimit, the paused conditions, and status calculation.

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { isAlreadyExists, isNotFound } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { newControllerRef } from '../util/controllerref.js';
import { namespaceTerminating } from '../util/statuscause.js';
import type { Deployment, ReplicaSet } from '../util/types.js';
import type { DeploymentCondition, DeploymentStatus } from './conditions.js';
import {
  AVAILABLE, FAILED_RS_CREATE_REASON, FOUND_NEW_RS_REASON, MINIMUM_REPLICAS_AVAILABLE, MINIMUM_REPLICAS_UNAVAILABLE, NEW_RS_CREATED_REASON,
  PAUSED_DEPLOY_REASON, PROGRESSING, RESUMED_DEPLOY_REASON, TIMED_OUT_REASON, getCondition, hasProgressDeadline, newCondition, setCondition,
} from './conditions.js';
import {
  actualReplicaCount, availableReplicaCount, desiredReplicas, getProportion, isRollingUpdate, isSaturated, maxSurge, maxUnavailable,
  newRSNewReplicas, readyReplicaCount, replicaCount, replicas,
} from './fenceposts.js';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, canonicalJSON, computeHash } from './hash.js';
import { byRevision, bySizeNewer, bySizeOlder, equalIgnoreHash, filterActive, findActiveOrLatest, findNewReplicaSet, findOldReplicaSets } from './replicasets.js';
import {
  DEPRECATED_ROLLBACK_TO, DESIRED_REPLICAS_ANNOTATION, intAnnotation, maxRevision, replicasAnnotationsNeedUpdate, setDeploymentRevision,
  setNewReplicaSetAnnotations, setReplicasAnnotations,
} from './revision.js';

const log = logger('sync.go');

export const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
export const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets' };

export function objKey(o: { metadata?: { namespace?: string; name?: string } } | undefined): string {
  return `${o?.metadata?.namespace}/${o?.metadata?.name}`;
}

export function withRSKind(rs: ReplicaSet): ReplicaSet {
  return { ...rs, apiVersion: 'apps/v1', kind: 'ReplicaSet' };
}

export function withDeploymentKind(d: Deployment): Deployment {
  return { ...d, apiVersion: 'apps/v1', kind: 'Deployment' };
}

/** What a sync needs from the controller. */
export interface SyncDeps {
  client: RestClient;
  recorder: EventRecorder;
  replicaSets: Informer<ReplicaSet>;
  /** requeue the deployment after ms (a progress check) or rate-limited (ms undefined) */
  requeue(d: Deployment, ms?: number): void;
}

/** getRollbackTo: the revision of the deprecated rollback annotation, if any and valid. */
export function getRollbackTo(d: Deployment): number | undefined {
  const v = d.metadata?.annotations?.[DEPRECATED_ROLLBACK_TO];
  if (!v || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** UpdateStatus; the deployment object in hand takes the new resourceVersion. */
export async function updateDeploymentStatus(s: SyncDeps, d: Deployment): Promise<Deployment> {
  const out = await s.client.update<Deployment>({ ...DEPLOYMENTS, namespace: d.metadata!.namespace, name: d.metadata!.name, subresource: 'status' }, withDeploymentKind(d));
  (d.metadata as { resourceVersion?: string }).resourceVersion = out.metadata?.resourceVersion;
  return out;
}

export async function updateDeployment(s: SyncDeps, d: Deployment): Promise<Deployment> {
  const out = await s.client.update<Deployment>({ ...DEPLOYMENTS, namespace: d.metadata!.namespace, name: d.metadata!.name }, withDeploymentKind(d));
  (d.metadata as { resourceVersion?: string }).resourceVersion = out.metadata?.resourceVersion;
  return out;
}

export async function updateReplicaSet(s: SyncDeps, rs: ReplicaSet): Promise<ReplicaSet> {
  return s.client.update<ReplicaSet>({ ...REPLICASETS, namespace: rs.metadata!.namespace, name: rs.metadata!.name }, withRSKind(rs));
}

export interface AllReplicaSets {
  newRS?: ReplicaSet;
  oldRSs: ReplicaSet[];
}

/** getAllReplicaSetsAndSyncRevision: the new RS (created when asked) with its revision synced, and all old ones. */
export async function getAllReplicaSetsAndSyncRevision(s: SyncDeps, d: Deployment, rsList: ReplicaSet[], createIfNotExisted: boolean): Promise<AllReplicaSets> {
  const [, oldRSs] = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(s, d, rsList, oldRSs, createIfNotExisted);
  return { newRS, oldRSs };
}

/**
 * getNewReplicaSet: the RS matching the deployment's template with annotations, revision and
 * minReadySeconds synced; created (named <deployment>-<hash>) when missing and asked to.
 */
export async function getNewReplicaSet(s: SyncDeps, d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], createIfNotExisted: boolean): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1);
  if (existing) {
    const rsCopy = structuredClone(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true, maxSurge);
    const minReadyNeedsUpdate = (rsCopy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
    if (annotationsUpdated || minReadyNeedsUpdate) {
      rsCopy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
      const updated = await updateReplicaSet(s, rsCopy);
      // later steps of this sync start from the stored version (no conflict on a second write)
      const i = rsList.indexOf(existing);
      if (i >= 0) rsList[i] = updated;
      return updated;
    }
    let needsUpdate = setDeploymentRevision(d, rsCopy.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '');
    // a deployment that never recorded progress starts its clock at the new RS it finds
    if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', FOUND_NEW_RS_REASON, `Found new replica set ${JSON.stringify(rsCopy.metadata?.name)}`));
      needsUpdate = true;
    }
    if (needsUpdate) await updateDeploymentStatus(s, d);
    return rsCopy;
  }
  if (!createIfNotExisted) return undefined;

  const template = structuredClone(d.spec!.template);
  const hash = computeHash(d.spec!.template, d.status?.collisionCount);
  template.metadata ??= {};
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
  const selector = structuredClone(d.spec!.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata!.name}-${hash}`,
      namespace: d.metadata!.namespace,
      ownerReferences: [newControllerRef(withDeploymentKind(d) as Parameters<typeof newControllerRef>[0])],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  const newReplicasCount = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  newRS.spec!.replicas = newReplicasCount;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false, maxSurge);

  let created: ReplicaSet | undefined;
  let alreadyExists = false;
  try {
    created = await s.client.create<ReplicaSet>({ ...REPLICASETS, namespace: d.metadata!.namespace }, newRS);
  } catch (err) {
    if (isAlreadyExists(err)) {
      alreadyExists = true;
      const rs = s.replicaSets.lister().get(d.metadata!.namespace!, newRS.metadata!.name!);
      if (!rs) throw err;
      const ref = rs.metadata?.ownerReferences?.find((r) => r.controller);
      if (ref && ref.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        // our own RS, just not in the cache view the sync started from
        created = rs;
      } else {
        // another object owns the name: a hash collision, resolved by bumping collisionCount
        const pre = d.status?.collisionCount ?? 0;
        (d.status ??= {}).collisionCount = pre + 1;
        try {
          await updateDeploymentStatus(s, d);
          log.v(2).info('Found a hash collision for deployment - bumping collisionCount to resolve it', { deployment: objKey(d), oldCollisionCount: pre, newCollisionCount: pre + 1 });
        } catch {
          // retried on the next sync
        }
        throw err;
      }
    } else if (namespaceTerminating(err)) {
      // nothing to create into: the namespace is going away
      throw err;
    } else {
      const msg = `Failed to create new replica set ${JSON.stringify(newRS.metadata!.name)}: ${(err as Error).message}`;
      if (hasProgressDeadline(d)) {
        setCondition((d.status ??= {}), newCondition(PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg));
        await updateDeploymentStatus(s, d).catch(() => undefined);
      }
      s.recorder.event(withDeploymentKind(d), 'Warning', FAILED_RS_CREATE_REASON, msg);
      throw err;
    }
  }
  if (!alreadyExists && newReplicasCount > 0) {
    s.recorder.event(withDeploymentKind(d), 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created!.metadata!.name} to ${newReplicasCount}`);
  }
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (!alreadyExists && hasProgressDeadline(d)) {
    setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', NEW_RS_CREATED_REASON, `Created new replica set ${JSON.stringify(created!.metadata!.name)}`));
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(s, d);
  return created;
}

/** scaleReplicaSet: set the size and replicas annotations; event when the size changed. */
export async function scaleReplicaSet(s: SyncDeps, rs: ReplicaSet, newScale: number, d: Deployment): Promise<[boolean, ReplicaSet]> {
  const sizeNeedsUpdate = replicas(rs) !== newScale;
  const want = desiredReplicas(d);
  const annotationsNeedUpdate = replicasAnnotationsNeedUpdate(rs, want, want + maxSurge(d));
  if (!sizeNeedsUpdate && !annotationsNeedUpdate) return [false, rs];
  const oldScale = replicas(rs);
  const rsCopy = structuredClone(rs);
  rsCopy.spec!.replicas = newScale;
  setReplicasAnnotations(rsCopy, want, want + maxSurge(d));
  const updated = await updateReplicaSet(s, rsCopy);
  if (sizeNeedsUpdate) {
    const op = oldScale < newScale ? 'up' : 'down';
    s.recorder.event(withDeploymentKind(d), 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${updated.metadata!.name} to ${newScale} from ${oldScale}`);
  }
  return [sizeNeedsUpdate, updated];
}

/** scaleReplicaSetAndRecordEvent: a no-op when the size is already right. */
export async function scaleReplicaSetAndRecordEvent(s: SyncDeps, rs: ReplicaSet, newScale: number, d: Deployment): Promise<[boolean, ReplicaSet]> {
  if (replicas(rs) === newScale) return [false, rs];
  return scaleReplicaSet(s, rs, newScale, d);
}

/**
 * scale: a resized deployment. One active RS takes the whole size; a saturated new RS leaves
 * the old ones at zero; otherwise (a rolling update in progress) the change is spread over the
 * active RSes in proportion to their size, leftovers going to the largest.
 */
export async function scale(s: SyncDeps, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const want = desiredReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (replicas(activeOrLatest) === want) return;
    await scaleReplicaSetAndRecordEvent(s, activeOrLatest, want, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(s, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;
  for (const [rs, size] of proportionalSizes(d, [...oldRSs, newRS])) await scaleReplicaSet(s, rs, size, d);
}

/**
 * The sizes of the active RSes when a deployment of spec.replicas (+ maxSurge) is resized
 * mid-rollout: each takes a share of the difference in proportion to its size against the
 * max-replicas it was annotated with; rounding leftovers go to the largest (first) one.
 */
export function proportionalSizes(d: Deployment, sets: (ReplicaSet | undefined)[]): [ReplicaSet, number][] {
  const want = desiredReplicas(d);
  const all = filterActive(sets);
  const allowedSize = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return replicas(rs);
    const p = getProportion(rs, d, toAdd, added);
    added += p;
    return replicas(rs) + p;
  });
  if (all.length && toAdd !== 0) sizes[0] = Math.max(0, sizes[0]! + toAdd - added);
  return all.map((rs, i) => [rs, sizes[i]!]);
}

/** isScalingEvent: an active RS's desired-replicas annotation differs from spec.replicas. */
export async function isScalingEvent(s: SyncDeps, d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
    if (desired === undefined) continue;
    if (desired !== desiredReplicas(d)) return true;
  }
  return false;
}

/** sync: scaling or a paused deployment — resize, clean up history when paused, write status. */
export async function syncScaleOrPaused(s: SyncDeps, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, false);
  await scale(s, d, newRS, oldRSs);
  if (d.spec?.paused && getRollbackTo(d) === undefined) await cleanupDeployment(s, oldRSs, d);
  await syncDeploymentStatus(s, [...oldRSs, newRS], newRS, d);
}

/** syncStatusOnly: a deployment being deleted only has its status kept current. */
export async function syncStatusOnly(s: SyncDeps, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(s, d, rsList, false);
  await syncDeploymentStatus(s, [...oldRSs, newRS], newRS, d);
}

/** checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed. */
export async function checkPausedConditions(s: SyncDeps, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === TIMED_OUT_REASON) return;
  const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
  let needsUpdate = false;
  if (d.spec?.paused && !pausedCondExists) {
    setCondition((d.status ??= {}), newCondition(PROGRESSING, 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused'));
    needsUpdate = true;
  } else if (!d.spec?.paused && pausedCondExists) {
    setCondition((d.status ??= {}), newCondition(PROGRESSING, 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed'));
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(s, d);
}

/** cleanupDeployment: delete the oldest idle RSes beyond revisionHistoryLimit. */
export async function cleanupDeployment(s: SyncDeps, oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
  const limit = d.spec?.revisionHistoryLimit;
  if (typeof limit !== 'number' || limit === 2147483647) return;
  const cleanable = oldRSs.filter((rs) => rs && !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  log.v(4).info('Looking to cleanup old replica sets for deployment', { deployment: objKey(d) });
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i]!;
    // only idle ones: no pods, no size, spec observed, not already going
    if ((rs.status?.replicas ?? 0) !== 0 || replicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata?.deletionTimestamp) continue;
    log.v(4).info('Trying to cleanup replica set for deployment', { replicaSet: objKey(rs), deployment: objKey(d) });
    try {
      await s.client.delete({ ...REPLICASETS, namespace: rs.metadata!.namespace, name: rs.metadata!.name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** calculateStatus: the deployment status from its ReplicaSets (conditions copied, Available set). */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (typeof d.status?.collisionCount === 'number') status.collisionCount = d.status.collisionCount;
  const conds = (d.status?.conditions as DeploymentCondition[] | undefined) ?? [];
  if (conds.length) status.conditions = conds.map((c) => ({ ...c }));
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.'));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.'));
  }
  return status;
}

const STATUS_NUMBERS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;

/** reflect.DeepEqual of two statuses as they travel in JSON (omitted zeros are zeros). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const x = a ?? {};
  for (const f of STATUS_NUMBERS) if ((x[f] ?? 0) !== (b[f] ?? 0)) return false;
  if ((x.collisionCount ?? null) !== (b.collisionCount ?? null)) return false;
  return canonicalJSON(x.conditions ?? []) === canonicalJSON(b.conditions ?? []);
}

/** syncDeploymentStatus: write the calculated status when it differs. */
export async function syncDeploymentStatus(s: SyncDeps, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d);
  if (statusEqual(d.status, status)) return;
  d.status = status;
  await updateDeploymentStatus(s, d);
}
