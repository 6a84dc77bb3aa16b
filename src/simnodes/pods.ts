// The simulated kubelets' pod side: one shared Pod informer (spec.nodeName!= , kept compact,
// indexed by node), one work queue of pod keys with a few workers. A sync moves the pod's
// simulated runtime (pod-lifecycle.ts) forward, writes its status only when it changed (so
// bursts of events coalesce into one write), and schedules itself for the next change (ready
// delay, container exit, crash-loop back-off). A pod with a deletionTimestamp is deleted for
// real (grace period 0, uid precondition), as the kubelet does once its containers stopped.
import { Informer, listWatchFromClient } from '../client/informer.js';
import type { RestClient, ResourceRef } from '../client/rest.js';
import { isConflict, isNotFound } from '../client/rest.js';
import { RateLimitingQueue } from '../client/workqueue.js';
import { logger } from '../util/klog.js';
import { compactPod } from './compact.js';
import type { SimPod } from './compact.js';
import type { SimConfig } from './config.js';
import { podControl } from './control.js';
import type { NodeFleet, SimNode } from './nodes.js';
import { advance, newRuntime, runtimeSignature, setPodReady } from './pod-lifecycle.js';
import type { LifecycleSettings, PodRuntime } from './pod-lifecycle.js';
import { podStatusPatch, readinessGateMessages } from './pod-status.js';
import { runWorkers, ThrottledErrors } from './workers.js';

const log = logger('status_manager.go');

const podsGVR = { group: '', version: 'v1', resource: 'pods' };
const podRef = (namespace: string, name: string): ResourceRef => ({ ...podsGVR, namespace, name });

export const NODE_NAME_INDEX = 'spec.nodeName';

const terminal = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

export class PodRunner {
  readonly informer: Informer<SimPod>;
  private readonly queue = new RateLimitingQueue<string>({ name: 'sim-pods' });
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly errors = new ThrottledErrors(log);
  private readonly settings: LifecycleSettings;
  private workers?: Promise<void>;
  readonly stats = { statusWrites: 0, deletions: 0 };

  constructor(
    private readonly client: RestClient,
    private readonly fleet: NodeFleet,
    private readonly cfg: SimConfig,
  ) {
    this.settings = { readyDelayMs: cfg.podReadyDelayMs, runDurationMs: cfg.podRunDurationMs };
    const ours = (n: string) => fleet.nodes.has(n);
    this.informer = new Informer<SimPod>(listWatchFromClient<SimPod>(client, podsGVR, { fieldSelector: 'spec.nodeName!=' }), {
      description: 'pods.v1 (simulated nodes)',
      transform: (p) => compactPod(p, ours, (ns, name, uid) => this.runtimes.get(`${ns}/${name}`)?.uid === uid),
      indexers: { [NODE_NAME_INDEX]: (p) => (ours(p.spec.nodeName) ? [p.spec.nodeName] : []) },
    });
    const enqueue = (p: SimPod) => {
      if (ours(p.spec.nodeName)) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    };
    this.informer.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_o, p) => enqueue(p),
      onDelete: (p) => {
        const obj = 'obj' in p ? p.obj : p;
        if (obj?.metadata) this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
      },
    });
    fleet.hooks = { nodeResumed: (name) => this.resyncNode(name) };
  }

  start(): void {
    this.informer.start();
    this.workers = runWorkers(this.queue, this.cfg.workers.pods, (k) => this.sync(k));
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.informer.stop();
    await this.workers;
  }

  /** Pods of a node whose kubelet came back: write their status again. */
  resyncNode(name: string): void {
    for (const key of this.informer.indexer.indexKeys(NODE_NAME_INDEX, name)) {
      const rt = this.runtimes.get(key);
      if (rt) rt.sentSig = '';
      this.queue.add(key);
    }
  }

  /** Pods running (phase Running, simulated here) right now. */
  running(): number {
    let n = 0;
    for (const rt of this.runtimes.values()) if (rt.phase === 'Running' && rt.sentSig) n++;
    return n;
  }

  private release(rt: PodRuntime): void {
    const node = this.fleet.nodes.get(rt.node);
    if (rt.allocated && node) this.fleet.releasePodIPs(node, rt.podIPs);
    rt.allocated = false;
  }

  private forget(key: string, rt: PodRuntime | undefined): void {
    if (!rt) return;
    this.release(rt);
    this.runtimes.delete(key);
  }

  /** A runtime for a pod first seen: from its status when it ran before (a restart of the fleet), else new. */
  private seed(pod: SimPod, node: SimNode, now: number): PodRuntime | undefined {
    const st = pod.status ?? {};
    let ips: string[] = [];
    let allocated = false;
    if (!pod.spec.hostNetwork) {
      if (st.podIPs?.length) {
        ips = st.podIPs;
        allocated = this.fleet.reservePodIPs(node, ips);
      } else {
        const got = this.fleet.allocatePodIPs(node);
        if (!got) return undefined;
        ips = got;
        allocated = true;
      }
    }
    const start = st.startTime ? Date.parse(st.startTime) : NaN;
    const rt = newRuntime(pod.metadata.uid, node.name, Number.isFinite(start) ? start : now, ips, allocated);
    const since = st.runningSince ? Date.parse(st.runningSince) : NaN;
    if (Number.isFinite(since)) rt.containerStartedAt = since;
    else rt.containerStartedAt = rt.startTime;
    rt.restartCount = st.restartCount ?? 0;
    if (st.ready) {
      rt.ready = st.ready.status === 'True';
      const t = st.ready.lastTransitionTime ? Date.parse(st.ready.lastTransitionTime) : NaN;
      rt.podReady = rt.ready;
      if (Number.isFinite(t)) rt.readyChangedAt = rt.podReadyChangedAt = t;
    }
    return rt;
  }

  private async sync(key: string): Promise<void> {
    const pod = this.informer.indexer.getByKey(key);
    let rt = this.runtimes.get(key);
    const node = pod ? this.fleet.nodes.get(pod.spec.nodeName) : undefined;
    if (!pod || !node || (rt && (rt.uid !== pod.metadata.uid || rt.node !== node.name))) {
      this.forget(key, rt);
      rt = undefined;
      if (!pod || !node) return;
    }
    if (!this.fleet.active(node)) return;
    const { namespace, name, uid } = pod.metadata;
    if (pod.metadata.deletionTimestamp) {
      try {
        await this.client.delete(podRef(namespace, name), { gracePeriodSeconds: 0, preconditions: { uid } });
        this.stats.deletions++;
        log.v(3).info('Pod fully terminated and removed from etcd', { pod: key });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) {
          this.errors.error('Failed to delete status for pod', { pod: key, err });
          this.queue.addRateLimited(key);
          return;
        }
      }
      this.forget(key, rt);
      return;
    }
    if (terminal(pod.status?.phase) && (!rt || rt.phase === 'Running')) {
      // terminal by someone else's hand, or before we knew the pod: never started again
      this.forget(key, rt);
      return;
    }
    const now = Date.now();
    if (!rt) {
      rt = this.seed(pod, node, now);
      if (!rt) {
        this.errors.error('Failed to create pod sandbox: no free pod IP in the node range', { pod: key, node: node.name });
        this.queue.addAfter(key, 10_000);
        return;
      }
      this.runtimes.set(key, rt);
    }
    const next = advance(rt, pod.spec.restartPolicy, podControl(pod.metadata.annotations), this.settings, now);
    const gates = readinessGateMessages(pod);
    setPodReady(rt, rt.ready && gates.length === 0, now);
    const sig = `${runtimeSignature(rt)}|${gates.join()}`;
    if (sig !== rt.sentSig) {
      try {
        await this.client.patch({ ...podRef(namespace, name), subresource: 'status' }, 'strategic', podStatusPatch(pod, rt, node.internalIP));
        rt.sentSig = sig;
        this.stats.statusWrites++;
        this.queue.forget(key);
        log.v(3).info('Status for pod updated successfully', { pod: key, phase: rt.phase, ready: rt.ready });
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) this.errors.error('Failed to update status for pod', { pod: key, err });
        this.queue.addRateLimited(key);
        return;
      }
    }
    if (rt.phase !== 'Running') this.release(rt);
    if (next !== undefined) this.queue.addAfter(key, Math.max(1, next - now));
  }
}
