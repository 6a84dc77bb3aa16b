// The nodeipam controller's RangeAllocator (upstream's nodeipam/ipam/range_allocator.go): one
// CidrSet per --cluster-cidr (dual-stack: one per family), ranges of existing nodes and the
// overlapping service range marked used at start, the next free node subnet patched into
// spec.podCIDR/spec.podCIDRs of nodes without one, and a deleted node's ranges released.

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Node } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import { CidrSet, cidrsOverlap, parseCIDR } from './cidrset.js';
import { recordNodeStatusChange } from './events.js';

const log = logger('range_allocator.go');

const CIDR_UPDATE_RETRIES = 3;
const CIDR_UPDATE_WORKERS = 30;

/** The node subnet sets for the cluster CIDRs, with the service range(s) taken out. */
export function newCidrSets(clusterCIDRs: string[], maskV4: number, maskV6: number, serviceCIDRs: string[]): CidrSet[] {
  if (clusterCIDRs.length > 2) throw new Error('len of clusters is:' + clusterCIDRs.length + ' and is greater than the maximum allowed of 2');
  const sets = clusterCIDRs.map((c) => new CidrSet(c, parseCIDR(c).family === 4 ? maskV4 : maskV6));
  if (sets.length === 2 && sets[0]!.family === sets[1]!.family) throw new Error('dual-stack --cluster-cidr needs one IPv4 and one IPv6 range');
  for (const svc of serviceCIDRs) {
    const s = parseCIDR(svc);
    for (const set of sets) if (cidrsOverlap(set.cluster, s)) set.occupy(svc);
  }
  return sets;
}

export class RangeAllocator implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('node-ipam');
  private workers?: QueueWorkers;
  private nodes: Informer<Node>;
  /** ranges patched into nodes whose update the informer has not delivered yet */
  private patched = new Map<string, string[]>();

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly sets: CidrSet[],
    ctx: ControllerContext,
  ) {
    this.nodes = ctx.informers.forResource<Node>({ group: '', version: 'v1', resource: 'nodes' });
    this.nodes.addEventHandler({
      onAdd: (n) => this.enqueue(n),
      onUpdate: (_o, n) => this.enqueue(n),
      onDelete: (obj) => {
        const node = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (node) {
          this.patched.delete(node.metadata!.name!);
          this.releaseCIDRs(node);
        }
      },
    });
  }

  private enqueue(n: Node): void {
    if (!n.spec?.podCIDRs?.length && !n.spec?.podCIDR) this.queue.add(n.metadata!.name!);
  }

  run(): void {
    // occupy the ranges the nodes already have before handing out new ones
    for (const n of this.nodes.indexer.list()) {
      if (podCIDRsOf(n).length) this.occupy(n);
      else this.queue.add(n.metadata!.name!);
    }
    log.info('Starting range CIDR allocator');
    this.workers = runQueueWorkers(this.queue, CIDR_UPDATE_WORKERS, (k) => this.syncNode(k), log, 'node');
  }

  async stop(): Promise<void> {
    log.info('Shutting down range CIDR allocator');
    await this.workers?.stop();
    this.queue.shutDown();
  }

  private occupy(n: Node): void {
    podCIDRsOf(n).forEach((cidr, i) => {
      try {
        this.sets[i]?.occupy(cidr);
      } catch (err) {
        log.error('failed to mark cidr as occupied', { node: n.metadata?.name, podCIDR: cidr, err: (err as Error).message });
      }
    });
  }

  private releaseCIDRs(n: Node): void {
    const cidrs = podCIDRsOf(n);
    if (!cidrs.length) return;
    cidrs.forEach((cidr, i) => {
      const set = this.sets[i];
      if (!set || !set.contains(cidr)) return;
      log.v(4).info('Release CIDR for node', { CIDR: cidr, node: n.metadata?.name });
      set.release(cidr);
    });
  }

  private async syncNode(name: string): Promise<void> {
    const node = this.nodes.indexer.getByKey(name);
    if (!node) {
      log.v(3).info('node has been deleted', { node: name });
      return;
    }
    if (node.metadata?.deletionTimestamp) return;
    if (podCIDRsOf(node).length) {
      this.patched.delete(name);
      this.occupy(node);
      return;
    }
    // our patch is on its way through the informer
    if (this.patched.has(name)) return;
    const allocated: string[] = [];
    for (let idx = 0; idx < this.sets.length; idx++) {
      try {
        allocated.push(this.sets[idx]!.allocateNext());
      } catch (err) {
        allocated.forEach((c, i) => this.sets[i]!.release(c));
        recordNodeStatusChange(this.recorder, node, 'CIDRNotAvailable');
        throw new Error(`failed to allocate cidr from cluster cidr at idx:${idx}: ${(err as Error).message}`);
      }
    }
    await this.updateCIDRsAllocation(node, allocated);
  }

  private async updateCIDRsAllocation(node: Node, cidrs: string[]): Promise<void> {
    const name = node.metadata!.name!;
    const release = () => cidrs.forEach((c, i) => this.sets[i]!.release(c));
    let err: unknown;
    for (let i = 0; i < CIDR_UPDATE_RETRIES; i++) {
      let cur: Node;
      try {
        cur = await this.client.get<Node>({ group: '', version: 'v1', resource: 'nodes', name });
      } catch (e) {
        if (isNotFound(e)) {
          release();
          return;
        }
        err = e;
        continue;
      }
      const have = podCIDRsOf(cur);
      if (have.length) {
        if (have.join(',') === cidrs.join(',')) {
          log.v(4).info('Node already has allocated CIDR. It matches the proposed one', { node: name, podCIDRs: cidrs });
          return;
        }
        log.error('Node already has a CIDR allocated. Releasing the new one', { node: name, podCIDRs: have });
        release();
        this.occupy(cur);
        return;
      }
      try {
        await this.client.patch({ group: '', version: 'v1', resource: 'nodes', name }, 'strategic', { spec: { podCIDR: cidrs[0], podCIDRs: cidrs } });
        this.patched.set(name, cidrs);
        log.info('Set node PodCIDR', { node: name, podCIDRs: cidrs });
        return;
      } catch (e) {
        err = e;
        log.error('Failed to update node PodCIDR after multiple attempts', { node: name, podCIDRs: cidrs, err: (e as Error).message });
      }
    }
    recordNodeStatusChange(this.recorder, node, 'CIDRAssignmentFailed');
    release();
    throw err;
  }
}

export function podCIDRsOf(n: Node): string[] {
  if (n.spec?.podCIDRs?.length) return n.spec.podCIDRs;
  return n.spec?.podCIDR ? [n.spec.podCIDR] : [];
}
