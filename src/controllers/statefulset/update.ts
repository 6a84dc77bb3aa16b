// The StatefulSet update algorithm (upstream stateful_set_control.go updateStatefulSet): sort pods
// into the ordinals the set wants and the condemned rest; create missing pods (claims first),
// recreate failed ones, fix identities; with OrderedReady wait at the first pod that is not
// Running+Ready (+Available) and scale down from the highest ordinal one at a time; then roll
// pods to the update revision from the highest ordinal down to the partition (OnDelete: never).

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { isAlreadyExists, isNotFound } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '../util/types.js';
import {
  claimOwnerRefs, claimsFor, identityMatches, isCreated, isFailed, isHealthy, isPending, isRunningAndAvailable, isRunningAndReady, isSucceeded,
  isMemberOf, isTerminating, isUnavailable, newStatefulSetPod, ordinalInRange, ordinalOf, podRevision, startOrdinal, updateIdentity,
} from './identity.js';

const log = logger('stateful_set_control.go');
const PODS = { group: '', version: 'v1', resource: 'pods' };
const PVCS = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

export type StatefulSetStatus = NonNullable<StatefulSet['status']>;

export interface StatefulSetDeps {
  client: RestClient;
  recorder: EventRecorder;
  pvcs: Informer<PersistentVolumeClaim>;
}

/** The set with the template a revision recorded (applyRevision). */
export function applyRevision(set: StatefulSet, rev: ControllerRevision): StatefulSet {
  const out = structuredClone(set);
  const t = structuredClone(((rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<string, unknown>);
  delete t.$patch;
  out.spec!.template = t as unknown as NonNullable<StatefulSet['spec']>['template'];
  return out;
}

/** Counts over pods (computeReplicaStatus). */
export function replicaStatus(pods: Pod[], minReadySeconds: number, currentRevision: string, updateRevision: string, now = Date.now()) {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    if (isCreated(p)) s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(p, minReadySeconds, now)) s.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      const r = podRevision(p);
      if (r === currentRevision) s.currentReplicas++;
      if (r === updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

/** Which revision a new pod of `ordinal` gets: the current one below the partition. */
export function useCurrentRevision(set: StatefulSet, ordinal: number): boolean {
  const us = set.spec?.updateStrategy;
  if (us?.type !== 'RollingUpdate') return false;
  const start = startOrdinal(set);
  if (!us.rollingUpdate) return ordinal < start + (set.status?.currentReplicas ?? 0);
  return ordinal < start + (us.rollingUpdate.partition ?? 0);
}

function scaledIntOrPercent(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.floor((Number(m[1]) * total) / 100) : Number(v) || 0;
}

interface Slots {
  replicas: Pod[];
  condemned: Pod[];
}

/** Put pods into their ordinal slots; missing slots get new pods (not created yet: no phase). */
export function arrangePods(set: StatefulSet, currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, pods: Pod[]): Slots {
  const start = startOrdinal(set);
  const count = set.spec?.replicas ?? 1;
  const replicas: (Pod | undefined)[] = new Array(count).fill(undefined);
  const condemned: Pod[] = [];
  for (const p of pods) {
    if (!isMemberOf(set, p)) continue;
    const ord = ordinalOf(p);
    if (ordinalInRange(set, ord)) replicas[ord - start] = p;
    else if (ord >= 0) condemned.push(p);
  }
  for (let i = 0; i < count; i++) {
    if (replicas[i]) continue;
    const ord = i + start;
    replicas[i] = useCurrentRevision(set, ord) ? newStatefulSetPod(set, currentSet, currentRevision, ord) : newStatefulSetPod(set, updateSet, updateRevision, ord);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  return { replicas: replicas as Pod[], condemned };
}

class StatefulPodControl {
  constructor(
    readonly d: StatefulSetDeps,
    readonly set: StatefulSet,
  ) {}

  private event(type: 'Normal' | 'Warning', verb: string, pod: Pod, err?: unknown): void {
    const set = this.set.metadata!.name;
    if (err) this.d.recorder.event(this.set, 'Warning', `Failed${verb}`, `${verb.toLowerCase()} Pod ${pod.metadata!.name} in StatefulSet ${set} failed error: ${(err as Error).message}`);
    else this.d.recorder.event(this.set, type, `Successful${verb}`, `${verb.toLowerCase()} Pod ${pod.metadata!.name} in StatefulSet ${set} successful`);
  }

  /** Create the ordinal's missing claims (an existing claim being deleted is an error). */
  async createMissingClaims(pod: Pod): Promise<void> {
    const ordinal = ordinalOf(pod);
    for (const claim of claimsFor(this.set, ordinal).values()) {
      const name = claim.metadata!.name!;
      const cached = this.d.pvcs.lister().get(this.set.metadata!.namespace!, name);
      if (cached) {
        if (cached.metadata?.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
        continue;
      }
      const refs = claimOwnerRefs(this.set, pod, false);
      if (refs.length) claim.metadata!.ownerReferences = refs;
      try {
        await this.d.client.create({ ...PVCS, namespace: this.set.metadata!.namespace }, claim);
        this.d.recorder.event(this.set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod.metadata!.name} in StatefulSet ${this.set.metadata!.name} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.d.recorder.event(this.set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod.metadata!.name} in StatefulSet ${this.set.metadata!.name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  async create(pod: Pod): Promise<Pod> {
    await this.createMissingClaims(pod);
    try {
      const created = await this.d.client.create<Pod>({ ...PODS, namespace: this.set.metadata!.namespace }, pod);
      this.event('Normal', 'Create', pod);
      return created;
    } catch (err) {
      if (!isAlreadyExists(err)) this.event('Warning', 'Create', pod, err);
      throw err;
    }
  }

  async delete(pod: Pod): Promise<void> {
    try {
      await this.d.client.delete({ ...PODS, namespace: pod.metadata!.namespace, name: pod.metadata!.name }, { preconditions: { uid: pod.metadata!.uid } });
      this.event('Normal', 'Delete', pod);
    } catch (err) {
      if (isNotFound(err)) return;
      this.event('Warning', 'Delete', pod, err);
      throw err;
    }
  }

  async updateIdentity(pod: Pod): Promise<void> {
    const copy = structuredClone(pod);
    updateIdentity(this.set, copy, ordinalOf(pod));
    try {
      await this.d.client.update({ ...PODS, namespace: pod.metadata!.namespace, name: pod.metadata!.name }, copy);
      this.event('Normal', 'Update', pod);
    } catch (err) {
      this.event('Warning', 'Update', pod, err);
      throw err;
    }
  }

  /** whenScaled=Delete: the claims of a pod being scaled away get the pod as owner. */
  async claimsFollowPod(pod: Pod): Promise<void> {
    if (this.set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    for (const claim of claimsFor(this.set, ordinalOf(pod)).values()) {
      const cached = this.d.pvcs.lister().get(this.set.metadata!.namespace!, claim.metadata!.name!);
      if (!cached || cached.metadata?.ownerReferences?.some((r) => r.uid === pod.metadata?.uid)) continue;
      const refs = [...(cached.metadata?.ownerReferences ?? []), ...claimOwnerRefs(this.set, pod, true).filter((r) => r.kind === 'Pod')];
      await this.d.client.patch({ ...PVCS, namespace: cached.metadata!.namespace, name: cached.metadata!.name }, 'merge', { metadata: { ownerReferences: refs, resourceVersion: cached.metadata?.resourceVersion } });
    }
  }
}

/** Run fn over items: one by one stopping at the first "exit" (monotonic), or all at once. */
async function runForAll(n: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < n; i++) if (await fn(i)) return true;
    return false;
  }
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => fn(i)));
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
  return results.some((r) => r.status === 'fulfilled' && r.value);
}

/** One pass over a set; returns the status to record. */
export async function updateStatefulSet(d: StatefulSetDeps, set: StatefulSet, currentRev: ControllerRevision, updateRev: ControllerRevision, collisionCount: number, pods: Pod[]): Promise<StatefulSetStatus> {
  const key = `${set.metadata!.namespace}/${set.metadata!.name}`;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const current = currentRev.metadata!.name!;
  const update = updateRev.metadata!.name!;
  const currentSet = applyRevision(set, currentRev);
  const updateSet = applyRevision(set, updateRev);
  const status: StatefulSetStatus = {
    ...replicaStatus(pods, minReady, current, update),
    observedGeneration: set.metadata?.generation,
    currentRevision: current,
    updateRevision: update,
    collisionCount,
  };
  const { replicas, condemned } = arrangePods(set, currentSet, updateSet, current, update, pods);
  const finish = () => Object.assign(status, replicaStatus([...replicas, ...condemned], minReady, current, update));
  let firstUnhealthy: Pod | undefined;
  for (const p of replicas) if (!firstUnhealthy && isUnavailable(p, minReady)) firstUnhealthy = p;
  for (let i = condemned.length - 1; i >= 0; i--) if (!firstUnhealthy && isUnavailable(condemned[i]!, minReady)) firstUnhealthy = condemned[i];

  if (set.metadata?.deletionTimestamp) return status;
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const ctl = new StatefulPodControl(d, set);

  const processReplica = async (i: number): Promise<boolean> => {
    const pod = replicas[i]!;
    const name = pod.metadata!.name;
    if (isFailed(pod) || isSucceeded(pod)) {
      if (isFailed(pod)) d.recorder.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${key} is recreating failed Pod ${name}`);
      else d.recorder.event(set, 'Warning', 'RecreatingTerminatedPod', `StatefulSet ${key} is recreating terminated Pod ${name}`);
      if (!isTerminating(pod)) await ctl.delete(pod);
      return true;
    }
    if (!isCreated(pod)) {
      replicas[i] = await ctl.create(pod);
      return monotonic;
    }
    if (isPending(pod)) await ctl.createMissingClaims(pod);
    if (isTerminating(pod) && monotonic) {
      log.v(4).info('StatefulSet is waiting for Pod to Terminate', { statefulSet: key, pod: name });
      return true;
    }
    if (!isRunningAndReady(pod) && monotonic) {
      log.v(4).info('StatefulSet is waiting for Pod to be Running and Ready', { statefulSet: key, pod: name });
      return true;
    }
    if (!isRunningAndAvailable(pod, minReady) && monotonic) {
      log.v(4).info('StatefulSet is waiting for Pod to be Available', { statefulSet: key, pod: name });
      return true;
    }
    if (!identityMatches(set, pod)) await ctl.updateIdentity(pod);
    return false;
  };
  if (await runForAll(replicas.length, processReplica, monotonic)) return finish();

  const processCondemned = async (i: number): Promise<boolean> => {
    const pod = condemned[i]!;
    const name = pod.metadata!.name;
    if (isTerminating(pod)) {
      if (monotonic) log.v(4).info('StatefulSet is waiting for Pod to Terminate prior to scale down', { statefulSet: key, pod: name });
      return monotonic;
    }
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) {
      log.v(4).info('StatefulSet is waiting for Pod to be Running and Ready prior to scale down', { statefulSet: key, pod: name });
      return true;
    }
    if (!isRunningAndAvailable(pod, minReady) && monotonic && pod !== firstUnhealthy) {
      log.v(4).info('StatefulSet is waiting for Pod to be Available prior to scale down', { statefulSet: key, pod: name });
      return true;
    }
    log.v(2).info('Pod of StatefulSet is terminating for scale down', { statefulSet: key, pod: name });
    await ctl.claimsFollowPod(pod);
    await ctl.delete(pod);
    condemned[i] = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() } };
    return monotonic;
  };
  if (await runForAll(condemned.length, processCondemned, monotonic)) return finish();
  finish();

  if (set.spec?.updateStrategy?.type === 'OnDelete') return status;
  const ru = set.spec?.updateStrategy?.rollingUpdate;
  const updateMin = ru?.partition ?? 0;
  if (ru?.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
    // (upstream's MaxUnavailableStatefulSet behaviour) several pods at a time
    const maxUnavailable = Math.max(1, scaledIntOrPercent(ru.maxUnavailable, set.spec?.replicas ?? 1));
    const unavailable = replicas.filter((p) => isUnavailable(p, minReady)).length;
    if (unavailable >= maxUnavailable) {
      log.v(4).info('StatefulSet found unavailablePods, more than or equal to allowed maxUnavailable', { statefulSet: key, unavailablePods: unavailable, maxUnavailable });
      return status;
    }
    let budget = maxUnavailable - unavailable;
    for (let t = replicas.length - 1; t >= updateMin && budget > 0; t--) {
      const p = replicas[t]!;
      if (podRevision(p) !== update && !isTerminating(p)) {
        log.v(2).info('StatefulSet terminating Pod for update', { statefulSet: key, pod: p.metadata!.name });
        await ctl.delete(p);
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        budget--;
      }
    }
    return status;
  }
  for (let t = replicas.length - 1; t >= updateMin; t--) {
    const p = replicas[t]!;
    if (podRevision(p) !== update && !isTerminating(p)) {
      log.v(2).info('Pod of StatefulSet is terminating for update', { statefulSet: key, pod: p.metadata!.name });
      await ctl.delete(p);
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
      return status;
    }
    if (!isHealthy(p)) {
      log.v(4).info('StatefulSet is waiting for Pod to update', { statefulSet: key, pod: p.metadata!.name });
      return status;
    }
  }
  return status;
}

/** completeRollingUpdate: once every pod is updated and ready, the update revision is current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}
