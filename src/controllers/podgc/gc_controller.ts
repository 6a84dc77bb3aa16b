// The pod garbage collector (upstream podgc/gc_controller.go), every 20s over the informer
// caches:
//  - terminated pods (phase neither Pending, Running nor Unknown) above
//    --terminated-pod-gc-threshold are deleted, evicted ones first, then oldest first;
//  - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service are deleted;
//  - orphaned pods, bound to a node that does not exist, are deleted once the node has been
//    missing for a 40s quarantine and a live read confirms it is gone — marked Failed with the
//    DisruptionTarget condition (reason DeletionByPodGC) first;
//  - terminating pods never scheduled are deleted.
// Deletions are forced (grace period 0); pods not yet terminal are patched to phase Failed
// before.

import type { Informer, RestClient } from '../../client/index.js';
import { DelayingQueue, isNotFound, sleep } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { Node, Pod, PodCondition } from '../util/types.js';
import { nowTimestamp } from '../../apimachinery/time.js';

const log = logger('gc_controller.go');
const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };

export const GC_CHECK_PERIOD_MS = 20_000;
export const QUARANTINE_MS = 40_000;
const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

function created(p: Pod): number {
  return Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
}

/** byEvictionAndCreationTimestamp: evicted pods first, then the oldest. */
export function compareForGC(a: Pod, b: Pod): number {
  const ae = a.status?.reason === 'Evicted' ? 0 : 1;
  const be = b.status?.reason === 'Evicted' ? 0 : 1;
  if (ae !== be) return ae - be;
  return created(a) - created(b);
}

/** The terminated pods to delete so that at most `threshold` remain (none when threshold <= 0). */
export function terminatedPodsToDelete(pods: Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const n = terminated.length - threshold;
  if (n <= 0) return [];
  return terminated.sort(compareForGC).slice(0, n);
}


export class PodGCController {
  /** node names waiting out their quarantine */
  private nodeQueue = new DelayingQueue<string>({ name: 'orphaned_pods_nodes' });

  constructor(
    private readonly pods: Informer<Pod>,
    private readonly nodes: Informer<Node>,
    private readonly client: RestClient,
    private readonly terminatedPodThreshold: number,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    log.info('Starting GC controller');
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (err) {
        log.error('pod garbage collection failed', { err });
      }
      try {
        await sleep(GC_CHECK_PERIOD_MS, signal);
      } catch {
        break;
      }
    }
    this.nodeQueue.shutDown();
    log.info('Shutting down GC controller');
  }

  async gc(): Promise<void> {
    const pods = this.pods.lister().list();
    const nodes = this.nodes.lister().list();
    if (this.terminatedPodThreshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods, nodes);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const doomed = terminatedPodsToDelete(pods, this.terminatedPodThreshold);
    if (!doomed.length) return;
    log.info('Garbage collecting pods', { numPods: doomed.length });
    await Promise.all(doomed.map((p) => this.markFailedAndDeletePod(p).catch((err) => log.error('failed to delete pod', { pod: key(p), err }))));
  }

  private async gcTerminating(pods: Pod[], nodes: Node[]): Promise<void> {
    log.v(4).info('GC\'ing terminating pods that are on out-of-service nodes');
    const outOfService = new Set(
      nodes
        .filter((n) => (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT) && n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
        .map((n) => n.metadata!.name!),
    );
    if (!outOfService.size) return;
    const doomed = pods.filter((p) => p.metadata?.deletionTimestamp && !isPodTerminated(p) && outOfService.has(p.spec?.nodeName ?? '')).sort((a, b) => created(a) - created(b));
    if (!doomed.length) return;
    log.info('Garbage collecting pods that are terminating on node tainted with node.kubernetes.io/out-of-service', { numPods: doomed.length });
    for (const p of doomed) await this.markFailedAndDeletePod(p).catch((err) => log.error('failed to delete pod', { pod: key(p), err }));
  }

  private async gcOrphaned(pods: Pod[], nodes: Node[]): Promise<void> {
    log.v(4).info('GC\'ing orphaned');
    const existing = new Set(nodes.map((n) => n.metadata!.name!));
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (node && !existing.has(node)) this.nodeQueue.addAfter(node, QUARANTINE_MS);
    }
    const deleted = await this.discoverDeletedNodes(existing);
    for (const p of pods) {
      if (!deleted.has(p.spec?.nodeName ?? '')) continue;
      log.v(2).info('Found orphaned Pod assigned to the Node, deleting', { pod: key(p), node: p.spec!.nodeName });
      const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: nowTimestamp() };
      try {
        await this.markFailedAndDeletePod(p, condition);
        log.info('Forced deletion of orphaned Pod succeeded', { pod: key(p) });
      } catch (err) {
        log.error('failed to delete orphaned pod', { pod: key(p), err });
      }
    }
  }

  /** Nodes out of quarantine that a live read confirms are gone. */
  private async discoverDeletedNodes(existing: Set<string>): Promise<Set<string>> {
    const deleted = new Set<string>();
    while (this.nodeQueue.len() > 0) {
      const [name, quit] = await this.nodeQueue.get();
      if (quit) break;
      this.nodeQueue.done(name);
      if (existing.has(name)) continue;
      try {
        await this.client.get({ ...NODES, name });
      } catch (err) {
        if (isNotFound(err)) deleted.add(name);
        else log.error('Error while getting node', { node: name, err });
      }
    }
    return deleted;
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    log.v(4).info('GC\'ing unscheduled pods which are terminating');
    for (const p of pods) {
      if (!p.metadata?.deletionTimestamp || p.spec?.nodeName) continue;
      log.v(2).info('Found unscheduled terminating Pod not assigned to any Node, deleting', { pod: key(p) });
      await this.markFailedAndDeletePod(p).catch((err) => log.error('failed to delete pod', { pod: key(p), err }));
    }
  }

  /** Phase Failed (with `condition`) unless already terminal, then a forced delete. */
  private async markFailedAndDeletePod(pod: Pod, condition?: PodCondition): Promise<void> {
    log.info('PodGC is force deleting Pod', { pod: key(pod) });
    const ref = { ...PODS, namespace: pod.metadata!.namespace, name: pod.metadata!.name };
    try {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        await this.client.patch({ ...ref, subresource: 'status' }, 'strategic', { status: { phase: 'Failed', ...(condition ? { conditions: [condition] } : {}) } }, { fieldManager: 'PodGC' });
      }
      await this.client.delete(ref, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

function key(p: Pod): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}
