// The simulated kubelets' node side, for the whole fleet at once: registration (POST
// /api/v1/nodes; an existing node gets its labels and status reconciled), node Leases renewed
// every quarter of their duration, node status posted (PATCH nodes/status) every
// nodeStatusReportFrequency or when it changes, and the control annotations read from one
// shared Node informer. Per node there is only a small record; the timers are three delaying
// work queues (one heap timer each) with a few workers, never a timer or a watch per node.
import { Informer, listWatchFromClient } from '../client/informer.js';
import { microTime } from '../apimachinery/time.js';
import type { RestClient, ResourceRef } from '../client/rest.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/rest.js';
import { ItemExponentialFailureRateLimiter, RateLimitingQueue } from '../client/workqueue.js';
import { logger } from '../util/klog.js';
import { hostAt, parseCidr, PodIPAllocator, subnet } from './cidr.js';
import type { Cidr } from './cidr.js';
import { compactNode } from './compact.js';
import type { SimNodeObj } from './compact.js';
import { leaseRenewIntervalMs } from './config.js';
import type { SimConfig } from './config.js';
import { nodeControl, SIMULATED_LABEL } from './control.js';
import { buildLease, buildNode, NODE_ANNOTATIONS, nodeConditions, nodeLabels, nodeStatus, newBootID } from './node-object.js';
import { jitter, runWorkers, ThrottledErrors } from './workers.js';

const log = logger('kubelet_node_status.go');
const leaseLog = logger('controller.go');

const nodesRef: ResourceRef = { group: '', version: 'v1', resource: 'nodes' };
const leaseRef = (name: string): ResourceRef => ({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease', name });

export interface SimNode {
  name: string;
  index: number;
  uid?: string;
  internalIP: string;
  registered: boolean;
  deleted: boolean;
  /** k8ts.io/sim-ready */
  ready: boolean;
  /** k8ts.io/sim-kubelet: stopped */
  kubeletStopped: boolean;
  /** lastTransitionTime of the pressure conditions, and of Ready */
  since: number;
  readySince: number;
  postedReady?: boolean;
  /** condition statuses on the API (the node lifecycle controller sets Unknown) */
  apiConditions?: Record<string, string>;
  fullStatusPosted: boolean;
  /** spec.podCIDRs ("" list: none, the fallback range is used) */
  podCIDRs: string[];
  allocators?: PodIPAllocator[];
}

export interface NodeFleetHooks {
  /** the node's kubelet came back (or its pod ranges changed): its pods need a sync */
  nodeResumed(name: string): void;
}

export class NodeFleet {
  readonly nodes = new Map<string, SimNode>();
  readonly informer: Informer<SimNodeObj>;
  private readonly registerQ = new RateLimitingQueue<string>({ name: 'sim-register', rateLimiter: new ItemExponentialFailureRateLimiter(500, 30_000) });
  private readonly leaseQ = new RateLimitingQueue<string>({ name: 'sim-lease', rateLimiter: new ItemExponentialFailureRateLimiter(200, 7_000) });
  private readonly statusQ = new RateLimitingQueue<string>({ name: 'sim-status', rateLimiter: new ItemExponentialFailureRateLimiter(500, 10_000) });
  private readonly errors = new ThrottledErrors(log);
  private readonly leaseErrors = new ThrottledErrors(leaseLog);
  private readonly fallback: Cidr;
  private readonly nodeRange: Cidr;
  private readonly bootID = newBootID();
  private workers: Promise<void>[] = [];
  private registeredCount = 0;
  private registeredWaiters: (() => void)[] = [];
  hooks: NodeFleetHooks = { nodeResumed: () => {} };
  /** counters for benchmarks and logs */
  readonly stats = { leaseRenewals: 0, statusPosts: 0, registrations: 0 };

  constructor(
    private readonly client: RestClient,
    private readonly cfg: SimConfig,
  ) {
    const fb = parseCidr(cfg.fallbackPodCIDR);
    const nr = parseCidr(cfg.nodeIPRange);
    if (!fb) throw new Error(`invalid fallback pod CIDR "${cfg.fallbackPodCIDR}"`);
    if (!nr) throw new Error(`invalid node IP range "${cfg.nodeIPRange}"`);
    this.fallback = fb;
    this.nodeRange = nr;
    const now = Date.now();
    for (let i = 0; i < cfg.count; i++) {
      const name = `${cfg.namePrefix}${i}`;
      const ip = hostAt(nr, i + 1);
      if (!ip) throw new Error(`node IP range ${cfg.nodeIPRange} has no address for node ${i}`);
      this.nodes.set(name, { name, index: i, internalIP: ip, registered: false, deleted: false, ready: true, kubeletStopped: false, since: now, readySince: now, fullStatusPosted: false, podCIDRs: [] });
    }
    this.informer = new Informer<SimNodeObj>(listWatchFromClient<SimNodeObj>(client, nodesRef, { labelSelector: `${SIMULATED_LABEL}=true` }), {
      description: 'nodes.v1 (simulated)',
      transform: (o) => compactNode(o),
    });
    this.informer.addEventHandler({
      onAdd: (n) => this.observe(n),
      onUpdate: (_o, n) => this.observe(n),
      onDelete: (n) => {
        const obj = 'obj' in n ? n.obj : n;
        const node = obj?.metadata?.name ? this.nodes.get(obj.metadata.name) : undefined;
        if (node && node.registered) {
          node.deleted = true;
          log.info('Node was deleted; its simulated kubelet stops', { node: node.name });
        }
      },
    });
  }

  /** Start the informer and the workers; resolves once every node is registered (or the signal aborts). */
  async start(signal?: AbortSignal): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync({ signal });
    const w = this.cfg.workers;
    this.workers.push(runWorkers(this.registerQ, w.register, (n) => this.register(n)));
    this.workers.push(runWorkers(this.leaseQ, w.lease, (n) => this.renewLease(n)));
    this.workers.push(runWorkers(this.statusQ, w.status, (n) => this.postStatus(n)));
    for (const name of this.nodes.keys()) this.registerQ.add(name);
    if (this.registeredCount < this.nodes.size) {
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.registeredWaiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    for (const q of [this.registerQ, this.leaseQ, this.statusQ]) q.shutDown();
    for (const w of this.registeredWaiters.splice(0)) w();
    await this.informer.stop();
    await Promise.all(this.workers);
  }

  registered(): number {
    return this.registeredCount;
  }

  /** The node is the fleet's and its kubelet is running. */
  active(node: SimNode | undefined): node is SimNode {
    return !!node && node.registered && !node.deleted && !node.kubeletStopped;
  }

  // ----- pod IPs -----

  /** The node's pod ranges: spec.podCIDRs, else its slice of the fallback range. */
  podRanges(node: SimNode): Cidr[] {
    const cidrs = node.podCIDRs.map((c) => parseCidr(c)).filter((c): c is Cidr => !!c);
    if (cidrs.length) return cidrs;
    const s = subnet(this.fallback, this.cfg.fallbackPodCIDRMaskSize, node.index);
    return s ? [s] : [];
  }

  allocators(node: SimNode): PodIPAllocator[] {
    node.allocators ??= this.podRanges(node).map((c) => new PodIPAllocator(c));
    return node.allocators;
  }

  /** One address per range, or undefined when a range is exhausted. */
  allocatePodIPs(node: SimNode): string[] | undefined {
    const out: string[] = [];
    const allocs = this.allocators(node);
    for (const a of allocs) {
      const ip = a.allocate();
      if (!ip) {
        for (let i = 0; i < out.length; i++) allocs[i]!.release(out[i]!);
        return undefined;
      }
      out.push(ip);
    }
    return out;
  }

  /** Keep addresses a pod already has (after a restart); false when one is not in the node's ranges. */
  reservePodIPs(node: SimNode, ips: string[]): boolean {
    const allocs = this.allocators(node);
    return ips.every((ip) => allocs.some((a) => a.reserve(ip)));
  }

  releasePodIPs(node: SimNode, ips: string[]): void {
    for (const a of node.allocators ?? []) for (const ip of ips) a.release(ip);
  }

  // ----- control -----

  private observe(obj: SimNodeObj): void {
    const node = this.nodes.get(obj.metadata.name);
    if (!node) return;
    if (node.uid !== obj.metadata.uid) {
      node.uid = obj.metadata.uid;
      if (node.deleted) {
        // recreated by someone else: heartbeats resume, with a full status
        node.deleted = false;
        node.fullStatusPosted = false;
        this.leaseQ.add(node.name);
        this.statusQ.add(node.name);
      }
    }
    node.apiConditions = obj.status?.conditions;
    const ctl = nodeControl(obj.metadata.annotations);
    const cidrs = obj.spec.podCIDRs ?? [];
    let resume = false;
    if (cidrs.join(',') !== node.podCIDRs.join(',')) {
      node.podCIDRs = cidrs;
      node.allocators = undefined;
      resume = true;
    }
    if (ctl.ready !== node.ready) {
      node.ready = ctl.ready;
      log.info(ctl.ready ? 'Simulated node marked ready' : 'Simulated node marked not ready', { node: node.name });
      if (node.registered) this.statusQ.add(node.name);
    }
    if (ctl.kubeletStopped !== node.kubeletStopped) {
      node.kubeletStopped = ctl.kubeletStopped;
      log.info(ctl.kubeletStopped ? 'Simulated kubelet stopped: no lease renewals, no status updates' : 'Simulated kubelet started again', { node: node.name });
      if (!ctl.kubeletStopped && node.registered) {
        this.leaseQ.add(node.name);
        this.statusQ.add(node.name);
        resume = true;
      }
    }
    if (resume && node.registered) this.hooks.nodeResumed(node.name);
  }

  /** Set the node's control annotations through the API (as `kubectl annotate` would). */
  async annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
    await this.client.patch({ ...nodesRef, name }, 'merge', { metadata: { annotations } });
  }

  // ----- registration -----

  private async register(name: string): Promise<void> {
    const node = this.nodes.get(name)!;
    if (node.registered) return;
    log.v(2).info('Attempting to register node', { node: name });
    const now = Date.now();
    node.since = now;
    node.readySince = now;
    const conditions = nodeConditions(node.ready, now, node.since, node.readySince);
    try {
      let uid: string | undefined;
      try {
        const created = await this.client.create<SimNodeObj>(nodesRef, buildNode({ name, internalIP: node.internalIP, bootID: this.bootID }, this.cfg, conditions));
        uid = created.metadata?.uid;
        node.fullStatusPosted = true;
        node.postedReady = node.ready;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        // an existing node (an earlier run): reconcile the kubelet's labels and annotations,
        // keep the transition times of unchanged conditions, then post the full status
        const existing = await this.client.get<Record<string, any>>({ ...nodesRef, name });
        uid = existing.metadata?.uid;
        await this.client.patch({ ...nodesRef, name }, 'merge', { metadata: { labels: nodeLabels(name, this.cfg), annotations: NODE_ANNOTATIONS } });
        for (const c of existing.status?.conditions ?? []) {
          const t = Date.parse(c.lastTransitionTime);
          if (!Number.isFinite(t)) continue;
          if (c.type === 'Ready' && c.status === (node.ready ? 'True' : 'False')) node.readySince = t;
          if (c.type === 'MemoryPressure' && c.status === 'False') node.since = t;
        }
        node.fullStatusPosted = false;
        this.statusQ.add(name);
      }
      if (uid) node.uid = uid;
      node.registered = true;
      node.deleted = false;
      this.stats.registrations++;
      this.registerQ.forget(name);
      log.v(2).info('Successfully registered node', { node: name });
      this.leaseQ.add(name);
      this.statusQ.addAfter(name, jitter(this.cfg.nodeStatusReportFrequencyMs, 0.1));
      if (++this.registeredCount === this.nodes.size) {
        log.info('Registered simulated nodes', { count: this.nodes.size });
        for (const w of this.registeredWaiters.splice(0)) w();
      }
      if (!node.kubeletStopped) this.hooks.nodeResumed(name);
    } catch (err) {
      this.errors.error('Unable to register node with API server', { node: name, err });
      this.registerQ.addRateLimited(name);
    }
  }

  // ----- lease -----

  private async renewLease(name: string): Promise<void> {
    const node = this.nodes.get(name)!;
    if (!this.active(node)) return;
    const renewTime = microTime();
    const d = this.cfg.nodeLeaseDurationSeconds;
    try {
      try {
        await this.client.patch(leaseRef(name), 'merge', { spec: { holderIdentity: name, leaseDurationSeconds: d, renewTime } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.client.create(leaseRef(''), buildLease(name, node.uid, d, renewTime));
      }
      this.stats.leaseRenewals++;
      this.leaseQ.forget(name);
      this.leaseQ.addAfter(name, jitter(leaseRenewIntervalMs(this.cfg), 0.04));
    } catch (err) {
      if (!isAlreadyExists(err) && !isConflict(err)) this.leaseErrors.error('Failed to update lease', { node: name, err });
      this.leaseQ.addRateLimited(name);
    }
  }

  // ----- status -----

  private async postStatus(name: string): Promise<void> {
    const node = this.nodes.get(name)!;
    if (!this.active(node)) return;
    const now = Date.now();
    const ready = node.ready;
    // a condition changes when it differs from what was posted, or from what the API has now
    // although this fleet posted it (someone else, e.g. the node lifecycle controller, set it)
    const api = node.apiConditions;
    if (node.postedReady !== undefined && node.postedReady !== ready) node.readySince = now;
    else if (node.postedReady === ready && api?.Ready !== undefined && api.Ready !== (ready ? 'True' : 'False')) node.readySince = now;
    if (api && ['MemoryPressure', 'DiskPressure', 'PIDPressure'].some((t) => api[t] !== undefined && api[t] !== 'False')) node.since = now;
    const conditions = nodeConditions(ready, now, node.since, node.readySince);
    const status = node.fullStatusPosted ? { conditions } : nodeStatus({ name, internalIP: node.internalIP, bootID: this.bootID }, this.cfg, conditions);
    try {
      await this.client.patch({ ...nodesRef, name, subresource: 'status' }, 'strategic', { status });
      this.stats.statusPosts++;
      node.fullStatusPosted = true;
      node.postedReady = ready;
      this.statusQ.forget(name);
      log.v(4).info('Updated node status', { node: name, ready });
      this.statusQ.addAfter(name, jitter(this.cfg.nodeStatusReportFrequencyMs, 0.1));
    } catch (err) {
      if (isNotFound(err)) {
        node.deleted = true;
        log.error('Unable to update node status: the node was deleted; its simulated kubelet stops', { node: name });
        return;
      }
      this.errors.error('Error updating node status, will retry', { node: name, err });
      this.statusQ.addRateLimited(name);
    }
  }
}
