// The TTL controller (upstream's controller/ttl/ttl_controller.go): every node carries the
// annotation node.alpha.kubernetes.io/ttl — how long kubelets may cache objects — chosen by
// cluster size with upstream's overlapping steps (0s up to 100 nodes, 15s, 30s, 60s, 300s,
// 600s), which give hysteresis when the cluster grows and shrinks around a boundary.

import type { Informer, RestClient } from '../../client/index.js';
import { isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Node } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';

const log = logger('ttl_controller.go');

export const TTL_ANNOTATION = 'node.alpha.kubernetes.io/ttl';

export const TTL_BOUNDARIES = [
  { sizeMin: 0, sizeMax: 100, ttlSeconds: 0 },
  { sizeMin: 90, sizeMax: 500, ttlSeconds: 15 },
  { sizeMin: 450, sizeMax: 1000, ttlSeconds: 30 },
  { sizeMin: 900, sizeMax: 2000, ttlSeconds: 60 },
  { sizeMin: 1800, sizeMax: 10000, ttlSeconds: 300 },
  { sizeMin: 9000, sizeMax: 2 ** 31 - 1, ttlSeconds: 600 },
];

/** The node count and boundary step, moved as nodes come and go. */
export class TTLSteps {
  nodeCount = 0;
  step = 0;

  added(): boolean {
    this.nodeCount++;
    if (this.nodeCount > TTL_BOUNDARIES[this.step]!.sizeMax) {
      this.step++;
      return true;
    }
    return false;
  }

  deleted(): boolean {
    this.nodeCount--;
    if (this.nodeCount < TTL_BOUNDARIES[this.step]!.sizeMin) {
      this.step--;
      return true;
    }
    return false;
  }

  get desiredTTLSeconds(): number {
    return TTL_BOUNDARIES[this.step]!.ttlSeconds;
  }
}

export class TTLController implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('ttlcontroller');
  private workers?: QueueWorkers;
  private nodes: Informer<Node>;
  private steps = new TTLSteps();

  constructor(private readonly client: RestClient, ctx: ControllerContext) {
    this.nodes = ctx.informers.forResource<Node>({ group: '', version: 'v1', resource: 'nodes' });
    this.nodes.addEventHandler({
      onAdd: (n) => {
        if (this.steps.added()) this.enqueueAll();
        this.queue.add(n.metadata!.name!);
      },
      onUpdate: (_o, n) => this.queue.add(n.metadata!.name!),
      onDelete: () => {
        if (this.steps.deleted()) this.enqueueAll();
      },
    });
  }

  private enqueueAll(): void {
    for (const n of this.nodes.indexer.list()) this.queue.add(n.metadata!.name!);
  }

  run(): void {
    log.info('Starting TTL controller');
    this.workers = runQueueWorkers(this.queue, 5, (k) => this.updateNodeIfNeeded(k), log, 'node');
  }

  async stop(): Promise<void> {
    log.info('Shutting down TTL controller');
    await this.workers?.stop();
  }

  private async updateNodeIfNeeded(name: string): Promise<void> {
    const node = this.nodes.indexer.getByKey(name);
    if (!node) return;
    const desired = this.steps.desiredTTLSeconds;
    const cur = node.metadata?.annotations?.[TTL_ANNOTATION];
    if (cur !== undefined && Number(cur) === desired && /^-?\d+$/.test(cur)) return;
    try {
      await this.client.patch({ group: '', version: 'v1', resource: 'nodes', name }, 'strategic', { metadata: { annotations: { [TTL_ANNOTATION]: String(desired) } } });
    } catch (err) {
      if (isNotFound(err)) return;
      log.v(2).info('Failed to change ttl annotation for node', { node: name, err: (err as Error).message });
      throw err;
    }
    log.v(2).info('Changed ttl annotation', { node: name, TTL: `${desired}s` });
  }
}
