// The taint-eviction controller (upstream's tainteviction/taint_eviction.go, split out of the
// node lifecycle controller in 1.29): pods on nodes with NoExecute taints they do not
// tolerate are deleted at once; pods tolerating them for tolerationSeconds are deleted when the
// shortest of those runs out (timers per pod, cancelled when the taint goes or the pod moves).
// Before deleting, the pod gets the DisruptionTarget condition (DeletionByTaintManager).

import type { EventRecorder, Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isNotFound } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Node, Pod } from '../util/types.js';
import { podsByNodeIndexer, podsOnNode } from './podindex.js';
import { evictionDecision, noExecuteTaints } from './tolerations.js';
import type { Taint } from './taints.js';
import { rfc3339 } from './health.js';

const log = logger('taint_eviction.go');

const RETRIES = 5;

interface Scheduled {
  createdAt: number;
  fireAt: number;
  timer: NodeJS.Timeout;
}

export class TaintEvictionController implements ControllerInstance {
  private nodes: Informer<Node>;
  private pods: Informer<Pod>;
  private scheduled = new Map<string, Scheduled>();
  private taintedNodes = new Map<string, Taint[]>();
  private running = false;
  private inflight = new Set<Promise<void>>();

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    ctx: ControllerContext,
  ) {
    this.nodes = ctx.informers.forResource<Node>({ group: '', version: 'v1', resource: 'nodes' });
    this.pods = ctx.informers.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' }, { indexers: podsByNodeIndexer });
    this.nodes.addEventHandler({
      onAdd: (n) => this.running && this.handleNodeUpdate(n.metadata!.name!),
      onUpdate: (o, n) => {
        if (this.running && JSON.stringify(noExecuteTaints(o.spec?.taints)) !== JSON.stringify(noExecuteTaints(n.spec?.taints))) this.handleNodeUpdate(n.metadata!.name!);
      },
      onDelete: (obj) => {
        const n = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (n && this.running) this.handleNodeUpdate(n.metadata!.name!);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.running && this.handlePodUpdate(keyOf(p)),
      onUpdate: (o, p) => {
        if (this.running && (o.spec?.nodeName !== p.spec?.nodeName || JSON.stringify(o.spec?.tolerations) !== JSON.stringify(p.spec?.tolerations))) this.handlePodUpdate(keyOf(p));
      },
      onDelete: (obj) => {
        const p = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (p) this.cancel(keyOf(p), false);
      },
    });
  }

  run(): void {
    log.info('Starting taint-eviction-controller');
    this.running = true;
    for (const n of this.nodes.indexer.list()) this.handleNodeUpdate(n.metadata!.name!);
  }

  async stop(): Promise<void> {
    log.info('Shutting down controller', { controller: 'taint-eviction-controller' });
    this.running = false;
    for (const s of this.scheduled.values()) clearTimeout(s.timer);
    this.scheduled.clear();
    await Promise.all([...this.inflight]);
  }

  private handleNodeUpdate(nodeName: string): void {
    const node = this.nodes.indexer.getByKey(nodeName);
    const taints = node ? noExecuteTaints(node.spec?.taints) : [];
    if (taints.length) this.taintedNodes.set(nodeName, taints);
    else this.taintedNodes.delete(nodeName);
    const pods = podsOnNode(this.pods, nodeName);
    if (!pods.length) return;
    if (!taints.length) {
      for (const p of pods) this.cancel(keyOf(p), true);
      return;
    }
    const now = Date.now();
    for (const p of pods) this.processPodOnNode(p, taints, now);
  }

  private handlePodUpdate(key: string): void {
    const pod = this.pods.indexer.getByKey(key);
    if (!pod) {
      this.cancel(key, true);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const node = this.nodes.indexer.getByKey(nodeName);
    const taints = node ? noExecuteTaints(node.spec?.taints) : [];
    this.processPodOnNode(pod, taints, Date.now());
  }

  private processPodOnNode(pod: Pod, taints: Taint[], now: number): void {
    const key = keyOf(pod);
    const existing = this.scheduled.get(key);
    const d = evictionDecision(taints, pod.spec?.tolerations ?? [], now, existing);
    switch (d.action) {
      case 'cancel':
        if (d.reason === 'tolerated-forever') log.v(4).info('Current tolerations for pod tolerate forever, cancelling any scheduled deletion', { pod: key });
        this.cancel(key, true);
        return;
      case 'keep':
        return;
      case 'evict':
        if (d.fireAt === d.createdAt && d.fireAt === now) log.v(2).info('Not all taints are tolerated after update for pod on node', { pod: key, node: pod.spec?.nodeName });
        if (existing) this.cancel(key, true);
        this.schedule(key, d.createdAt, d.fireAt);
    }
  }

  private schedule(key: string, createdAt: number, fireAt: number): void {
    const timer = setTimeout(() => {
      this.scheduled.delete(key);
      const p = this.deletePod(key).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }, Math.max(0, fireAt - Date.now()));
    timer.unref();
    this.scheduled.set(key, { createdAt, fireAt, timer });
  }

  private cancel(key: string, emit: boolean): void {
    const s = this.scheduled.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    this.scheduled.delete(key);
    if (emit) {
      const [namespace, name] = key.split('/');
      this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
    }
  }

  private async deletePod(key: string): Promise<void> {
    if (!this.running) return;
    const [namespace, name] = key.split('/') as [string, string];
    log.info('Deleting pod', { controller: 'taint-eviction-controller', pod: key });
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    let lastErr: unknown;
    for (let i = 0; i < RETRIES; i++) {
      try {
        await this.addConditionAndDeletePod(namespace, name);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        lastErr = err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    log.error('Failed to delete pod', { pod: key, err: (lastErr as Error)?.message });
  }

  private async addConditionAndDeletePod(namespace: string, name: string): Promise<void> {
    const ref = { group: '', version: 'v1', resource: 'pods', namespace, name };
    const pod = await this.client.get<Pod>(ref);
    const cur = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    const reason = 'DeletionByTaintManager';
    const message = 'Taint manager: deleting due to NoExecute taint';
    if (!cur || cur.status !== 'True' || cur.reason !== reason || cur.message !== message) {
      const cond = { type: 'DisruptionTarget', status: 'True', reason, message, lastTransitionTime: cur?.status === 'True' ? cur.lastTransitionTime : rfc3339(Date.now()) };
      await this.client.patch({ ...ref, subresource: 'status' }, 'strategic', { metadata: { uid: pod.metadata?.uid }, status: { conditions: [cond] } });
    }
    await this.client.delete(ref);
  }
}

function keyOf(p: Pod): string {
  return `${p.metadata!.namespace}/${p.metadata!.name}`;
}
