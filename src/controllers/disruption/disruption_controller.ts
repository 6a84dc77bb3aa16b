// The disruption controller (upstream disruption.go): keeps every PodDisruptionBudget's status
// — the pods it selects, how many are healthy, how many must be, how many may be disrupted —
// for the eviction API to honour. Expected counts come from the pods' controllers: the known
// workload kinds (ReplicationController, ReplicaSet — its Deployment when it has one —,
// StatefulSet) from the informers, any other kind through its scale subresource. PDBs are
// queued on PDB and pod events and again when a disruptedPods entry expires; pods whose
// DisruptionTarget condition went stale (no deletion within 2 minutes) get it reset.

import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { EventRecorder, Informer, RateLimitingQueue, RestClient } from '../../client/index.js';
import { isConflict, isNotFound, metaNamespaceKeyFunc, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import { labelSelectorAsSelector } from '../../apimachinery/labels.js';
import { logger } from '../../util/klog.js';
import { every, runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import { controllerRefOf } from '../util/pods.js';
import type { Deployment, Pod, ReplicaSet, ReplicationController, StatefulSet } from '../util/types.js';
import { RESTMapper, discoverResources } from '../util/discovery.js';
import { unwrap } from '../endpoint/servicequeue.js';
import { countHealthyPods, disruptedPodMap, expectedAndDesired, failSafeStatus, needsControllerScale, nextStatus, DELETION_TIMEOUT_MS } from './status.js';
import { nowTimestamp } from '../../apimachinery/time.js';

const log = logger('disruption.go');
const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
const PDB_RESYNC_MS = 30_000;

export interface WorkloadInformers {
  rcs: Informer<ReplicationController>;
  rss: Informer<ReplicaSet>;
  deployments: Informer<Deployment>;
  statefulsets: Informer<StatefulSet>;
}

type Ref = NonNullable<ReturnType<typeof controllerRefOf>>;

export class DisruptionController {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('disruption');
  readonly staleQueue: RateLimitingQueue<string> = newRateLimitingQueue<string>('stale_pod_disruption');
  private workers: QueueWorkers[] = [];
  private mapper?: RESTMapper;

  constructor(
    private readonly pdbs: Informer<PodDisruptionBudget>,
    private readonly pods: Informer<Pod>,
    private readonly workloads: WorkloadInformers,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
  ) {
    const enqueuePdb = (p: PodDisruptionBudget) => this.queue.add(metaNamespaceKeyFunc(p));
    pdbs.addEventHandler({ onAdd: enqueuePdb, onUpdate: (_o, n) => enqueuePdb(n), onDelete: (p) => enqueuePdb(unwrap(p)) });
    const onPod = (pod: Pod) => {
      const pdb = this.getPdbForPod(pod);
      if (pdb) enqueuePdb(pdb);
      this.checkStaleDisruption(pod);
    };
    pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, n) => onPod(n), onDelete: (p) => onPod(unwrap(p)) });
  }

  run(signal: AbortSignal): void {
    log.info('Starting disruption controller');
    // every PDB again each 30s as upstream's resync: controller scale changes have no event here
    every(PDB_RESYNC_MS, signal, () => {
      for (const p of this.pdbs.lister().list()) this.queue.add(metaNamespaceKeyFunc(p));
    }, log);
    this.workers.push(runQueueWorkers(this.queue, 1, (key) => this.sync(key), log, 'PodDisruptionBudget'));
    this.workers.push(runQueueWorkers(this.staleQueue, 1, (key) => this.syncStalePodDisruption(key), log, 'pod'));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    log.info('Shutting down disruption controller');
  }

  /** The PDB covering a pod; with several, the first (and a warning event on the pod). */
  private getPdbForPod(pod: Pod): PodDisruptionBudget | undefined {
    if (!pod.metadata?.labels || !Object.keys(pod.metadata.labels).length) return undefined;
    const matching = this.pdbs
      .lister()
      .namespace(pod.metadata.namespace ?? '')
      .list()
      .filter((p) => labelSelectorAsSelector(p.spec?.selector).matches(pod.metadata!.labels!));
    if (!matching.length) return undefined;
    if (matching.length > 1) {
      const msg = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${matching[0]!.metadata!.name}" arbitrarily.`;
      log.warning(msg);
      this.recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    return matching[0];
  }

  async sync(key: string): Promise<void> {
    const start = Date.now();
    const { namespace, name } = splitMetaNamespaceKey(key);
    try {
      const pdb = this.pdbs.lister().namespace(namespace).get(name);
      if (!pdb) {
        log.v(4).info('pdb has been deleted', { key });
        return;
      }
      try {
        await this.trySync(pdb);
      } catch (err) {
        // a conflict just means a newer PDB is coming: retry without the fail-safe
        if (isConflict(err)) throw err;
        log.error('Failed to sync PDB', { podDisruptionBudget: key, err });
        await this.writeStatus({ ...pdb, status: failSafeStatus(pdb, err as Error) });
        throw err;
      }
    } finally {
      log.v(4).info('Finished syncing PodDisruptionBudget', { podDisruptionBudget: key, duration: `${Date.now() - start}ms` });
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    const sel = labelSelectorAsSelector(pdb.spec?.selector);
    const pods = this.pods.lister().namespace(pdb.metadata!.namespace!).list(sel);
    if (!pods.length) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let scale = 0;
    if (needsControllerScale(pdb)) {
      let unmanaged: string[];
      try {
        ({ scale, unmanaged } = await this.expectedScale(pods));
      } catch (err) {
        this.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
        throw err;
      }
      if (unmanaged.length) {
        log.v(4).info('Found unmanaged pods associated with this PDB', { pods: unmanaged });
        this.recorder.event(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${sel.toString()}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`);
      }
    }
    const { expected, desired } = expectedAndDesired(pdb, pods.length, scale);
    const now = Date.now();
    const { map, recheckAt, overdue } = disruptedPodMap(pdb, pods, now);
    for (const pod of overdue) {
      log.v(1).info("pod was expected to be deleted but it wasn't, updating PDB", { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, podDisruptionBudget: metaNamespaceKeyFunc(pdb) });
      this.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata!.namespace}/${pdb.metadata!.name} to be deleted but it wasn't`);
    }
    const healthy = countHealthyPods(pods, map, now);
    const status = nextStatus(pdb, healthy, desired, expected, map);
    if (status) await this.writeStatus({ ...pdb, status });
    if (recheckAt !== undefined) this.queue.addAfter(metaNamespaceKeyFunc(pdb), Math.max(0, recheckAt - now));
  }

  private async writeStatus(pdb: PodDisruptionBudget): Promise<void> {
    await this.client.update({ ...PDBS, namespace: pdb.metadata!.namespace, name: pdb.metadata!.name, subresource: 'status' }, pdb);
  }

  /** The sum of the replicas of the pods' controllers, and the pods without a controller. */
  private async expectedScale(pods: Pod[]): Promise<{ scale: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata!.name!);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = await this.findController(ref, pod.metadata!.namespace!);
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata!.name}"`);
      scales.set(found.uid, found.scale);
    }
    let scale = 0;
    for (const s of scales.values()) scale += s;
    return { scale, unmanaged };
  }

  private async findController(ref: Ref, namespace: string): Promise<{ uid: string; scale: number } | undefined> {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    if (ref.kind === 'ReplicationController' && group === '') {
      const rc = this.workloads.rcs.lister().namespace(namespace).get(ref.name);
      if (rc?.metadata?.uid === ref.uid) return { uid: ref.uid, scale: rc.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'ReplicaSet' && group === 'apps') {
      const rs = this.workloads.rss.lister().namespace(namespace).get(ref.name);
      if (rs?.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerRefOf(rs);
      if (owner?.kind === 'Deployment' && owner.apiVersion.startsWith('apps/')) {
        const d = this.workloads.deployments.lister().namespace(namespace).get(owner.name);
        if (d?.metadata?.uid === owner.uid) return { uid: owner.uid, scale: d.spec?.replicas ?? 1 };
        return undefined;
      }
      return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'StatefulSet' && group === 'apps') {
      const ss = this.workloads.statefulsets.lister().namespace(namespace).get(ref.name);
      if (ss?.metadata?.uid === ref.uid) return { uid: ref.uid, scale: ss.spec?.replicas ?? 1 };
    }
    return this.scaleOf(ref, namespace);
  }

  /** getScaleController: any kind with a scale subresource. */
  private async scaleOf(ref: Ref, namespace: string): Promise<{ uid: string; scale: number } | undefined> {
    if (!this.mapper) this.mapper = new RESTMapper((await discoverResources(this.client)).resources);
    const m = this.mapper.mapping(ref.apiVersion, ref.kind);
    if (!m) return undefined;
    try {
      const s = await this.client.get<{ metadata?: { uid?: string }; spec?: { replicas?: number } }>({ group: m.group, version: m.version, resource: m.resource, namespace, name: ref.name, subresource: 'scale' });
      if (s.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: s.spec?.replicas ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ----- stale DisruptionTarget conditions -----

  private checkStaleDisruption(pod: Pod): void {
    const c = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    if (c?.status !== 'True' || pod.metadata?.deletionTimestamp) return;
    const at = Date.parse(c.lastTransitionTime ?? '') || Date.now();
    this.staleQueue.addAfter(metaNamespaceKeyFunc(pod), Math.max(0, at + DELETION_TIMEOUT_MS - Date.now()));
  }

  private async syncStalePodDisruption(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.pods.lister().namespace(namespace).get(name);
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const c = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    if (c?.status !== 'True') return;
    const left = (Date.parse(c.lastTransitionTime ?? '') || 0) + DELETION_TIMEOUT_MS - Date.now();
    if (left > 0) {
      this.staleQueue.addAfter(key, left);
      return;
    }
    const now = nowTimestamp();
    await this.client.patch({ ...PODS, namespace, name, subresource: 'status' }, 'strategic', { status: { conditions: [{ type: 'DisruptionTarget', status: 'False', reason: null, message: null, lastTransitionTime: now }] } }, { fieldManager: 'DisruptionController' });
    log.v(2).info('Reset stale DisruptionTarget condition to False', { pod: key });
  }
}
