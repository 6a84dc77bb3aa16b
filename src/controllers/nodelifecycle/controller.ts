// The node lifecycle controller (upstream's nodelifecycle/node_lifecycle_controller.go):
// every --node-monitor-period it checks each node's signs of life (Ready heartbeat, Lease in
// kube-node-lease); after the grace period it marks the node's conditions Unknown, records
// NodeNotReady and marks the node's pods NotReady. NoExecute taints (not-ready/unreachable)
// are queued per zone and added at the zone's eviction rate; NoSchedule taints mirror the
// conditions (TaintNodesByCondition); a Ready node loses them again. Zone states (Normal,
// PartialDisruption, FullDisruption) set the rates, and with every zone fully disrupted the
// controller stops tainting (master disruption mode).

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Lease, Node, Pod } from '../util/types.js';
import { runQueueWorkers, every, type QueueWorkers } from '../util/queueworkers.js';
import { recordNodeEvent, recordNodeStatusChange } from '../nodeipam/events.js';
import { computeNodeHealth, nodeCondition, rfc3339, type NodeHealth } from './health.js';
import { NotReadyTaintTemplate, UnreachableTaintTemplate, desiredNoScheduleTaints, reconcileNoScheduleTaints, taintExists, updateNodeTaints } from './taints.js';
import { RateLimitedQueue, computeZoneState, excludedFromDisruptionChecks, zoneKey, zoneRate, type ZoneState } from './zones.js';
import { podsOnNode, podsByNodeIndexer } from './podindex.js';

const log = logger('node_lifecycle_controller.go');

/** scheduler.NodeEvictionPeriod: how often the NoExecute tainting queues are worked. */
const NODE_EVICTION_PERIOD_MS = 100;
/** nodeUpdateWorkerSize */
const NODE_UPDATE_WORKERS = 8;

export class NodeLifecycleController implements ControllerInstance {
  private nodes: Informer<Node>;
  private pods: Informer<Pod>;
  private leases: Informer<Lease>;
  private health = new Map<string, NodeHealth>();
  /** knownNodeSet: name → uid */
  private knownNodes = new Map<string, string | undefined>();
  private zoneStates = new Map<string, ZoneState>();
  private tainters = new Map<string, RateLimitedQueue>();
  private nodesToRetry = new Set<string>();
  private nodeQueue = newRateLimitingQueue<string>('node_lifecycle_controller');
  private podQueue = newRateLimitingQueue<string>('node_lifecycle_controller_pods');
  private workers: QueueWorkers[] = [];
  private ctl = new AbortController();

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly ctx: ControllerContext,
  ) {
    const inf = ctx.informers;
    this.nodes = inf.forResource<Node>({ group: '', version: 'v1', resource: 'nodes' });
    this.pods = inf.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' }, { indexers: podsByNodeIndexer });
    this.leases = inf.forResource<Lease>({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases' });
    this.nodes.addEventHandler({
      onAdd: (n) => this.nodeQueue.add(n.metadata!.name!),
      onUpdate: (_o, n) => this.nodeQueue.add(n.metadata!.name!),
      onDelete: (obj) => {
        const n = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (n) this.nodesToRetry.delete(n.metadata!.name!);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.podUpdated(undefined, p),
      onUpdate: (o, p) => this.podUpdated(o, p),
    });
  }

  private podUpdated(old: Pod | undefined, pod: Pod): void {
    const node = pod.spec?.nodeName;
    if (node && (!old || old.spec?.nodeName !== node)) this.podQueue.add(`${pod.metadata!.namespace}/${pod.metadata!.name}`);
  }

  private get o() {
    return this.ctx.options;
  }

  run(): void {
    log.info('Starting node controller');
    this.workers.push(runQueueWorkers(this.nodeQueue, 8, (k) => this.doNoScheduleTaintingPass(k), log, 'node'));
    this.workers.push(runQueueWorkers(this.podQueue, 4, (k) => this.processPod(k), log, 'pod'));
    every(NODE_EVICTION_PERIOD_MS, this.ctl.signal, () => this.doNoExecuteTaintingPass(), log);
    every(this.o.nodeMonitorPeriodMs, this.ctl.signal, () => this.monitorNodeHealth(), log);
  }

  async stop(): Promise<void> {
    log.info('Shutting down node controller');
    this.ctl.abort();
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  // ---- NoSchedule taints from conditions

  /** doNodeProcessingPassWorker: NoSchedule taints from conditions, then the beta os/arch labels. */
  private async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodes.indexer.getByKey(name);
    if (!node) return;
    const taints = reconcileNoScheduleTaints(node, desiredNoScheduleTaints(node));
    if (taints) {
      const desired = desiredNoScheduleTaints(node);
      const remove = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && !taints.some((x) => x.key === t.key && x.effect === t.effect));
      if (!(await updateNodeTaints(this.client, node, desired, remove))) throw new Error(`failed to swap taints of node ${name}`);
    }
    await this.reconcileNodeLabels(node);
  }

  /** reconcileNodeLabels: beta.kubernetes.io/os and /arch mirror kubernetes.io/os and /arch. */
  private async reconcileNodeLabels(node: Node): Promise<void> {
    const labels = node.metadata?.labels ?? {};
    const toUpdate: Record<string, string> = {};
    for (const [primary, secondary] of [['kubernetes.io/os', 'beta.kubernetes.io/os'], ['kubernetes.io/arch', 'beta.kubernetes.io/arch']] as const) {
      const v = labels[primary];
      if (v !== undefined && labels[secondary] !== v) toUpdate[secondary] = v;
    }
    if (!Object.keys(toUpdate).length) return;
    await this.client.patch({ group: '', version: 'v1', resource: 'nodes', name: node.metadata!.name! }, 'strategic', { metadata: { labels: toUpdate } });
  }

  // ---- pods on unhealthy nodes

  private async processPod(key: string): Promise<void> {
    const pod = this.pods.indexer.getByKey(key);
    if (!pod) return;
    const nodeName = pod.spec?.nodeName ?? '';
    const h = this.health.get(nodeName);
    if (!h || !this.nodes.indexer.getByKey(nodeName)) return;
    const ready = nodeCondition(h.conditions, 'Ready');
    if (!ready) return;
    if (ready.status !== 'True') await this.markPodsNotReady([pod], nodeName);
  }

  /** MarkPodsNotReady: the pods' Ready condition False, and a NodeNotReady event per pod. */
  private async markPodsNotReady(pods: Pod[], nodeName: string): Promise<void> {
    log.v(2).info('Update ready status of pods on node', { node: nodeName });
    const errs: unknown[] = [];
    for (const pod of pods) {
      if (pod.spec?.nodeName !== nodeName) continue;
      const cond = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (!cond || cond.status === 'False') continue;
      const updated = { ...cond, status: 'False', lastTransitionTime: rfc3339(Date.now()) };
      log.v(2).info('Updating ready status of pod to false', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
      try {
        await this.client.patch({ group: '', version: 'v1', resource: 'pods', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, subresource: 'status' }, 'strategic', { metadata: { uid: pod.metadata!.uid }, status: { conditions: [updated] } });
      } catch (err) {
        if (isNotFound(err)) continue;
        log.info('Failed to update status for pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: (err as Error).message });
        errs.push(err);
        continue;
      }
      this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (errs.length) throw errs[0];
  }

  // ---- health monitoring

  private async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.indexer.list();
    const names = new Set(nodes.map((n) => n.metadata!.name!));
    const zoneConditions = new Map<string, (ReturnType<typeof nodeCondition>)[]>();
    for (const n of nodes) {
      const name = n.metadata!.name!;
      if (this.knownNodes.has(name)) continue;
      log.v(1).info('Controller observed a new Node', { node: name });
      recordNodeEvent(this.recorder, name, n.metadata?.uid, 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`);
      this.knownNodes.set(name, n.metadata?.uid);
      this.addZone(n);
      await this.markNodeAsReachable(n);
    }
    for (const [name, uid] of [...this.knownNodes]) {
      if (names.has(name)) continue;
      log.v(1).info('Controller observed a Node deletion', { node: name });
      recordNodeEvent(this.recorder, name, uid, 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`);
      this.knownNodes.delete(name);
      this.health.delete(name);
      for (const q of this.tainters.values()) q.remove(name);
    }
    const updateNode = async (cached: Node): Promise<void> => {
      let node = cached;
      const name = node.metadata!.name!;
      let result;
      for (let attempt = 0; ; attempt++) {
        try {
          result = await this.tryUpdateNodeHealth(node);
          break;
        } catch (err) {
          if (attempt >= 4) {
            log.error('Update health of Node from Controller error, Skipping - no pods will be evicted', { node: name, err: (err as Error).message });
            break;
          }
          try {
            node = await this.client.get<Node>({ group: '', version: 'v1', resource: 'nodes', name });
          } catch (e) {
            if (isNotFound(e)) break;
          }
        }
      }
      if (!result) return;
      const { observedReady, currentReady } = result;
      if (!excludedFromDisruptionChecks(node)) {
        const z = zoneKey(node);
        zoneConditions.set(z, [...(zoneConditions.get(z) ?? []), currentReady]);
      }
      if (currentReady) {
        const pods = podsOnNode(this.pods, name);
        await this.processTaintBaseEviction(node, observedReady.status);
        const needsRetry = this.nodesToRetry.has(name);
        const becameNotReady = currentReady.status !== 'True' && observedReady.status === 'True';
        if (becameNotReady) recordNodeStatusChange(this.recorder, node, 'NodeNotReady');
        if (becameNotReady || (needsRetry && observedReady.status !== 'True')) {
          try {
            await this.markPodsNotReady(pods, name);
          } catch (err) {
            log.error(`unable to mark all pods NotReady on node ${name}: ${(err as Error).message}; queuing for retry`);
            this.nodesToRetry.add(name);
            return;
          }
        }
      }
      this.nodesToRetry.delete(name);
    };
    // nodeUpdateWorkerSize: nodes are processed with bounded concurrency
    const queue = [...nodes];
    await Promise.all(Array.from({ length: Math.min(NODE_UPDATE_WORKERS, queue.length) }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await updateNode(n);
    }));
    await this.handleDisruption(zoneConditions, nodes);
  }

  private async tryUpdateNodeHealth(node: Node) {
    const name = node.metadata!.name!;
    const lease = this.leases.indexer.getByKey(`kube-node-lease/${name}`);
    const now = Date.now();
    const r = computeNodeHealth(node, this.health.get(name), lease, now, this.o.nodeMonitorGracePeriodMs, this.o.nodeStartupGracePeriodMs);
    this.health.set(name, r.health);
    if (r.newConditions) {
      const prev = nodeCondition(node.status?.conditions, 'Ready');
      log.v(2).info("Node hasn't been updated", { node: name, duration: `${(r.silentForMs / 1000).toFixed(3)}s`, nodeConditionType: 'Ready', currentCondition: prev });
      const updated = { ...node, status: { ...node.status, conditions: r.newConditions } };
      try {
        await this.client.update({ group: '', version: 'v1', resource: 'nodes', name, subresource: 'status' }, updated);
      } catch (err) {
        log.error('Error updating node', { node: name, err: (err as Error).message });
        throw err;
      }
      this.health.set(name, { ...r.health, conditions: r.newConditions, readyTransitionTimestamp: Date.now() });
    }
    return r;
  }

  private addZone(node: Node): void {
    const z = zoneKey(node);
    if (!this.zoneStates.has(z)) {
      this.zoneStates.set(z, 'Initial');
      this.tainters.set(z, new RateLimitedQueue(this.o.nodeEvictionRate));
    }
  }

  private async processTaintBaseEviction(node: Node, observed: string): Promise<void> {
    const name = node.metadata!.name!;
    const taints = node.spec?.taints;
    if (observed === 'False') {
      if (taintExists(taints, UnreachableTaintTemplate)) {
        if (!(await updateNodeTaints(this.client, node, [NotReadyTaintTemplate], [UnreachableTaintTemplate]))) log.error('Failed to instantly swap UnreachableTaint to NotReadyTaint. Will try again in the next cycle');
      } else if (this.markNodeForTainting(node)) {
        log.v(2).info('Node is NotReady. Adding it to the Taint queue', { node: name, timeStamp: new Date().toISOString() });
      }
    } else if (observed === 'Unknown') {
      if (taintExists(taints, NotReadyTaintTemplate)) {
        if (!(await updateNodeTaints(this.client, node, [UnreachableTaintTemplate], [NotReadyTaintTemplate]))) log.error('Failed to instantly swap NotReadyTaint to UnreachableTaint. Will try again in the next cycle');
      } else if (this.markNodeForTainting(node)) {
        log.v(2).info('Node is unresponsive. Adding it to the Taint queue', { node: name, timeStamp: new Date().toISOString() });
      }
    } else if (observed === 'True') {
      if (await this.markNodeAsReachable(node)) log.v(2).info('Node is healthy again, removed all taints', { node: name });
    }
  }

  private markNodeForTainting(node: Node): boolean {
    this.addZone(node);
    return this.tainters.get(zoneKey(node))!.add(node.metadata!.name!, node.metadata!.uid ?? '');
  }

  /** Remove the NoExecute taints; true when there were any. */
  private async markNodeAsReachable(node: Node): Promise<boolean> {
    this.tainters.get(zoneKey(node))?.remove(node.metadata!.name!);
    const had = taintExists(node.spec?.taints, UnreachableTaintTemplate) || taintExists(node.spec?.taints, NotReadyTaintTemplate);
    if (!had) return false;
    if (!(await updateNodeTaints(this.client, node, [], [UnreachableTaintTemplate, NotReadyTaintTemplate]))) {
      log.error('Failed to remove taints from node. Will retry in next iteration', { node: node.metadata?.name });
      return false;
    }
    return true;
  }

  private async doNoExecuteTaintingPass(): Promise<void> {
    for (const q of this.tainters.values()) {
      await q.try(async (name) => {
        const node = this.nodes.indexer.getByKey(name);
        if (!node) {
          log.info('Node no longer present in nodeLister', { node: name });
          return [true, 0];
        }
        const ready = nodeCondition(node.status?.conditions, 'Ready');
        if (!ready) {
          log.info('Failed to get NodeCondition from the node status', { node: name });
          return [false, 50];
        }
        let add, opposite;
        if (ready.status === 'False') [add, opposite] = [NotReadyTaintTemplate, UnreachableTaintTemplate];
        else if (ready.status === 'Unknown') [add, opposite] = [UnreachableTaintTemplate, NotReadyTaintTemplate];
        else {
          log.v(4).info("Node was in a taint queue, but it's ready now. Ignoring taint request", { node: name });
          return [true, 0];
        }
        return [await updateNodeTaints(this.client, node, [add], [opposite]), 0];
      });
    }
  }

  private async handleDisruption(zoneConditions: Map<string, (ReturnType<typeof nodeCondition>)[]>, nodes: Node[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [z, conds] of zoneConditions) {
      const [, state] = computeZoneState(conds, this.o.unhealthyZoneThreshold);
      newStates.set(z, state);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      if (!this.zoneStates.has(z)) {
        this.zoneStates.set(z, 'Initial');
        this.tainters.set(z, new RateLimitedQueue(this.o.nodeEvictionRate));
      }
    }
    if (zoneConditions.size === 0) allAreFullyDisrupted = false;
    let allWasFullyDisrupted = true;
    for (const [z, s] of this.zoneStates) {
      if (!zoneConditions.has(z)) {
        this.zoneStates.delete(z);
        this.tainters.delete(z);
        continue;
      }
      if (s !== 'FullDisruption') allWasFullyDisrupted = false;
    }
    if (this.zoneStates.size === 0) allWasFullyDisrupted = false;
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    const rates = { evictionRate: this.o.nodeEvictionRate, secondaryEvictionRate: this.o.secondaryNodeEvictionRate, largeClusterThreshold: this.o.largeClusterSizeThreshold };
    if (allAreFullyDisrupted) {
      log.info('Controller detected that all Nodes are not-Ready. Entering master disruption mode');
      for (const n of nodes) await this.markNodeAsReachable(n);
      for (const z of this.zoneStates.keys()) {
        this.tainters.get(z)?.limiter.setRate(0);
        this.zoneStates.set(z, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      log.info('Controller detected that some Nodes are Ready. Exiting master disruption mode');
      const now = Date.now();
      for (const n of nodes) {
        const h = this.health.get(n.metadata!.name!);
        if (h) this.health.set(n.metadata!.name!, { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
      for (const z of this.zoneStates.keys()) {
        const s = newStates.get(z) ?? 'Normal';
        this.tainters.get(z)?.limiter.setRate(zoneRate(s, zoneConditions.get(z)?.length ?? 0, rates));
        this.zoneStates.set(z, s);
      }
      return;
    }
    for (const [z, s] of this.zoneStates) {
      const ns = newStates.get(z)!;
      if (s === ns) continue;
      log.info('Controller detected that zone is now in new state', { zone: z, newState: ns });
      this.tainters.get(z)?.limiter.setRate(zoneRate(ns, zoneConditions.get(z)?.length ?? 0, rates));
      this.zoneStates.set(z, ns);
    }
  }
}
