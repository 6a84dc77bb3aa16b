// Rolling-update arithmetic (upstream deployment_util): maxSurge/maxUnavailable resolved from
// ints or percentages of spec.replicas (surge rounds up, unavailable rounds down, both 0 → 1
// unavailable), the new ReplicaSet's next size, proportional-scaling shares, and the
// saturated/complete/progressing/timed-out predicates the sync and progress checks use.

import type { IntOrString } from '../util/intstr.js';
import { scaledValue } from '../util/intstr.js';
import type { Deployment, ReplicaSet } from '../util/types.js';
import { MAX_REPLICAS_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, intAnnotation } from './revision.js';

export function replicas(obj: { spec?: { replicas?: number } } | undefined): number {
  return obj?.spec?.replicas ?? 0;
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** ResolveFenceposts: [maxSurge, maxUnavailable] for `desired` replicas. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  // both resolving to zero would block the rollout: allow one unavailable pod
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

function rollingParams(d: Deployment): [IntOrString | undefined, IntOrString | undefined] {
  const ru = d.spec?.strategy?.rollingUpdate;
  return [ru?.maxSurge as IntOrString | undefined, ru?.maxUnavailable as IntOrString | undefined];
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const [s, u] = rollingParams(d);
  return resolveFenceposts(s, u, desiredReplicas(d))[0];
}

export function maxUnavailable(d: Deployment): number {
  const want = desiredReplicas(d);
  if (!isRollingUpdate(d) || want === 0) return 0;
  const [s, u] = rollingParams(d);
  return Math.min(resolveFenceposts(s, u, want)[1], want);
}

export function replicaCount(sets: (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs ? replicas(rs) : 0), 0);
}

export function actualReplicaCount(sets: (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(sets: (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(sets: (ReplicaSet | undefined)[]): number {
  return sets.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newRSNewReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const want = desiredReplicas(d);
  switch (d.spec?.strategy?.type ?? 'RollingUpdate') {
    case 'RollingUpdate': {
      const surge = scaledValue(rollingParams(d)[0], want, true);
      const current = replicaCount(allRSs);
      const maxTotal = want + surge;
      if (current >= maxTotal) return replicas(newRS);
      const up = Math.min(maxTotal - current, want - replicas(newRS));
      return replicas(newRS) + up;
    }
    case 'Recreate':
      return want;
    default:
      throw new Error(`deployment type ${d.spec?.strategy?.type} isn't supported`);
  }
}

/** math.Round: halves away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** getReplicaSetFraction: the change of rs's size that scales it with the deployment. */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const want = desiredReplicas(d);
  if (want === 0) return -replicas(rs);
  const deploymentReplicas = want + maxSurge(d);
  let annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
  // without the annotation, the deployment's current size stands in (within the min/max bounds)
  if (annotated === undefined) annotated = d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const size = (replicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAway(size) - replicas(rs);
}

/** GetProportion: rs's share of the replicas still to add (or remove). */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || replicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** IsSaturated: the new RS has all the deployment's replicas, annotated and available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
  if (desired === undefined) return false;
  const want = desiredReplicas(d);
  return replicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

type DStatus = NonNullable<Deployment['status']>;

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DStatus): boolean {
  const want = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** DeploymentProgressing: more updated/ready/available pods, or fewer old ones, than last time. */
export function deploymentProgressing(d: Deployment, s: DStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}
