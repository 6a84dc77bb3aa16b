// The kubelet's node status manager (upstream's kubelet_node_status.go): registers the Node
// (registerNode), then every nodeStatusUpdateFrequency recomputes its status and PATCHes
// nodes/status (a merge patch of what changed) only when something other than heartbeats
// changed or nodeStatusReportFrequency has passed; it keeps the node Lease, picks up
// spec.podCIDR (telling the runtime through UpdateRuntimeConfig) and raises the pressure
// conditions from the hard eviction thresholds.
import { createMergePatch } from '../../apimachinery/patch/index.js';
import type { EventRecorder } from '../../client/events.js';
import type { KubeObject, RestClient, ResourceRef } from '../../client/rest.js';
import { isAlreadyExists, isNotFound, sleep } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import { durationMs } from '../config/duration.js';
import type { KubeletConfiguration } from '../config/types.js';
import { conditionsChanged, nodeConditions, runtimeReadyErrors } from './conditions.js';
import type { ConditionInputs, NodeCondition } from './conditions.js';
import { fsStats, memoryAvailableBytes, pidStats, readMachineInfo } from './host.js';
import type { MachineInfo } from './host.js';
import { NodeLeaseController } from './lease.js';
import { initialNode, nodeAnnotations, nodeImages, nodeLabels, nodeStatus } from './object.js';
import type { NodeIdentity, NodeImage } from './object.js';
import { nodeResources, thresholdBytes } from './resources.js';
import type { NodeRuntime } from './runtime.js';

const nodesRef = (name?: string, subresource?: string): ResourceRef => ({ group: '', version: 'v1', resource: 'nodes', name, subresource });

export interface NodeManagerDeps {
  client: RestClient;
  runtime: NodeRuntime;
  identity: NodeIdentity;
  rootDir: string;
  /** the kubelet server's port for daemonEndpoints (config.port, or the real one) */
  kubeletPort: () => number;
  log: Logger;
  /** called when spec.podCIDR is first seen or changes */
  onPodCIDR?: (cidr: string) => void;
  /** host readers (tests substitute fixtures) */
  machine?: () => MachineInfo;
  /** node events (NodeReady, NodeHasSufficientMemory, ...) */
  recorder?: EventRecorder;
  /** more reasons for NotReady (the pod lifecycle's PLEG health, as upstream's runtime state) */
  readyErrors?: () => string[];
}

/** The event upstream records when a condition takes a status ("Node x status is now: NodeReady"). */
const CONDITION_EVENTS: Record<string, { True: string; False: string }> = {
  MemoryPressure: { True: 'NodeHasInsufficientMemory', False: 'NodeHasSufficientMemory' },
  DiskPressure: { True: 'NodeHasDiskPressure', False: 'NodeHasNoDiskPressure' },
  PIDPressure: { True: 'NodeHasInsufficientPID', False: 'NodeHasSufficientPID' },
  Ready: { True: 'NodeReady', False: 'NodeNotReady' },
};

/** The node as events name it: kind Node, the node name as its UID, as upstream's nodeRef. */
export function nodeRef(nodeName: string): KubeObject {
  return { kind: 'Node', metadata: { name: nodeName, uid: nodeName } };
}

interface NodeObj {
  metadata: { name: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  spec?: { podCIDR?: string; podCIDRs?: string[]; providerID?: string; taints?: unknown[] };
  status?: Record<string, any>;
}

/** JSON with object keys sorted, so the API server's key order does not count as a change. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

export class NodeStatusManager {
  private readonly cfg: KubeletConfiguration;
  private readonly machine: MachineInfo;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastReport = 0;
  private podCIDR = '';
  private pressureSeen: Record<string, number> = {};
  private syncing?: Promise<void>;
  private lastLoop = 0;
  /** condition statuses already announced by an event */
  private recorded: Record<string, string> = {};
  readonly lease: NodeLeaseController;
  nodeUID?: string;
  /** the latest Ready condition posted (for healthz/metrics) */
  ready = false;
  /** status patches sent (tests/metrics) */
  patches = 0;

  constructor(private readonly d: NodeManagerDeps) {
    this.cfg = d.identity.config;
    this.machine = (d.machine ?? readMachineInfo)();
    this.lease = new NodeLeaseController(d.client, d.identity.nodeName, this.cfg.nodeLeaseDurationSeconds, () => this.nodeUID, d.log);
  }

  get nodeName(): string {
    return this.d.identity.nodeName;
  }

  private lastAllocatable: Record<string, string> = {};
  /** The node's allocatable resources as last computed (empty before the first status sync). */
  allocatable(): Record<string, string> {
    return this.lastAllocatable;
  }

  /** The status this sync would post (previous conditions keep their transition times). */
  async computeStatus(previousConditions?: NodeCondition[]): Promise<Record<string, unknown>> {
    const nodefs = fsStats(this.d.rootDir);
    const resources = nodeResources(this.machine, nodefs.capacityBytes, this.cfg);
    this.lastAllocatable = resources.allocatable;
    let runtimeVersion: { runtimeName?: string; runtimeVersion?: string } | undefined;
    let statusResp: Awaited<ReturnType<NodeRuntime['status']>> | undefined;
    let statusErr: string | undefined;
    let images: NodeImage[] = [];
    try {
      [runtimeVersion, statusResp] = await Promise.all([this.d.runtime.version({}), this.d.runtime.status({ verbose: false })]);
      images = nodeImages((await this.d.runtime.listImages({})).images ?? [], this.cfg.nodeStatusMaxImages ?? 50);
    } catch (err) {
      statusErr = (err as Error).message;
    }
    const inputs: ConditionInputs = { ...this.pressure(nodefs), readyErrors: [...runtimeReadyErrors(statusResp?.status, statusErr), ...(this.d.readyErrors?.() ?? [])] };
    const missing = ['cpu', 'memory', 'pods'].filter((r) => !resources.capacity[r] || resources.capacity[r] === '0');
    if (missing.length) inputs.readyErrors.push(`missing node capacity for resources: ${missing.join(', ')}`);
    const conditions = nodeConditions(inputs, previousConditions, Date.now());
    this.ready = inputs.readyErrors.length === 0;
    // a status the node already had (a restarted kubelet) is not news
    for (const c of previousConditions ?? []) this.recorded[c.type] ??= c.status;
    this.recordConditionEvents(conditions);
    return nodeStatus(this.d.identity, { resources, machine: this.machine, runtimeVersion, images, conditions, kubeletPort: this.d.kubeletPort() });
  }

  private recordConditionEvents(conditions: NodeCondition[]): void {
    for (const c of conditions) {
      const names = CONDITION_EVENTS[c.type];
      if (!names || this.recorded[c.type] === c.status) continue;
      this.recorded[c.type] = c.status;
      const reason = names[c.status as 'True' | 'False'];
      if (reason) this.d.recorder?.event(nodeRef(this.nodeName), 'Normal', reason, `Node ${this.nodeName} status is now: ${reason}`);
    }
  }

  /** Hard eviction thresholds against the host; a pressure stays for evictionPressureTransitionPeriod after it was last observed. */
  private pressure(nodefs: ReturnType<typeof fsStats>): Pick<ConditionInputs, 'memoryPressure' | 'diskPressure' | 'pidPressure'> {
    const hard = this.cfg.evictionHard ?? {};
    const now = Date.now();
    const hold = durationMs(this.cfg.evictionPressureTransitionPeriod, 300_000);
    const observe = (name: string, on: boolean): boolean => {
      if (on) this.pressureSeen[name] = now;
      const seen = this.pressureSeen[name];
      return seen !== undefined && now - seen < hold;
    };
    const memThreshold = thresholdBytes(hard['memory.available'], this.machine.memoryCapacityBytes);
    const memory = memThreshold > 0 && memoryAvailableBytes() < memThreshold;
    const below = (signal: string, available: number, capacity: number) => {
      const t = thresholdBytes(hard[signal], capacity);
      return t > 0 && available < t;
    };
    const disk =
      below('nodefs.available', nodefs.availableBytes, nodefs.capacityBytes) ||
      below('nodefs.inodesFree', nodefs.inodesFree, nodefs.inodes) ||
      below('imagefs.available', nodefs.availableBytes, nodefs.capacityBytes) ||
      below('imagefs.inodesFree', nodefs.inodesFree, nodefs.inodes);
    const pids = pidStats();
    const pid = below('pid.available', pids.max - pids.running, pids.max);
    return { memoryPressure: observe('memory', memory), diskPressure: observe('disk', disk), pidPressure: observe('pid', pid) };
  }

  /** registerWithAPIServer: retry with a back-off (100 ms doubling to 7 s) until the node exists and is ours. */
  async register(signal?: AbortSignal): Promise<void> {
    let delay = 100;
    for (;;) {
      if (signal?.aborted || this.stopped) throw new Error('node registration aborted');
      try {
        this.d.log.info('Attempting to register node', { node: this.nodeName });
        await this.tryRegister();
        this.d.log.info('Successfully registered node', { node: this.nodeName });
        return;
      } catch (err) {
        this.d.log.error('Unable to register node with API server', { node: this.nodeName, err: (err as Error).message });
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 7000);
      }
    }
  }

  private async tryRegister(): Promise<void> {
    const node = initialNode(this.d.identity, await this.computeStatus());
    try {
      const created = await this.d.client.create<NodeObj>(nodesRef(), node);
      this.observeNode(created);
      this.lastReport = Date.now();
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    // The node exists (a restart, or registered before): reconcile the labels and annotations
    // the kubelet owns, as upstream's reconcile* helpers do, and keep it.
    const existing = await this.d.client.get<NodeObj>(nodesRef(this.nodeName));
    this.d.log.info('Node was previously registered', { node: this.nodeName });
    const labels = nodeLabels(this.d.identity);
    const annotations = nodeAnnotations(this.cfg);
    const patch: Record<string, Record<string, string>> = {};
    for (const [k, v] of Object.entries(labels)) if (existing.metadata.labels?.[k] !== v) (patch.labels ??= {})[k] = v;
    for (const [k, v] of Object.entries(annotations)) if (existing.metadata.annotations?.[k] !== v) (patch.annotations ??= {})[k] = v;
    const updated = Object.keys(patch).length ? await this.d.client.patch<NodeObj>(nodesRef(this.nodeName), 'merge', { metadata: patch }) : existing;
    this.observeNode(updated);
  }

  private observeNode(node: NodeObj): void {
    this.nodeUID = node.metadata.uid;
    const cidr = node.spec?.podCIDRs?.join(',') || node.spec?.podCIDR || '';
    if (cidr && cidr !== this.podCIDR) {
      this.podCIDR = cidr;
      this.d.log.info('Updating Pod CIDR', { originalPodCIDR: '', newPodCIDR: cidr });
      void this.d.runtime.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: cidr } } }).catch((err) => this.d.log.error('Failed to update pod CIDR', { err: (err as Error).message }));
      this.d.onPodCIDR?.(cidr);
    }
  }

  /** The pod CIDR in use (spec.podCIDR of the node, else config.podCIDR). */
  get currentPodCIDR(): string {
    return this.podCIDR || this.cfg.podCIDR || '';
  }

  /** One status sync: read the node, compute, patch when changed or the report period passed. */
  async syncNodeStatus(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      const node = await this.d.client.get<NodeObj>(nodesRef(this.nodeName));
      this.observeNode(node);
      const status = await this.computeStatus(node.status?.conditions);
      const old = node.status ?? {};
      const changed = conditionsChanged(old.conditions, status.conditions as NodeCondition[]) || Object.keys(status).some((k) => k !== 'conditions' && canonical(old[k]) !== canonical(status[k]));
      const reportMs = durationMs(this.cfg.nodeStatusReportFrequency, 300_000);
      if (!changed && Date.now() - this.lastReport < reportMs) return;
      const patch = createMergePatch({ status: old }, { status: { ...old, ...status } });
      await this.d.client.patch(nodesRef(this.nodeName, 'status'), 'merge', patch);
      this.patches++;
      this.lastReport = Date.now();
    })().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /** Start the status loop and the lease (after register()). */
  start(): void {
    this.stopped = false;
    this.lease.start();
    const every = durationMs(this.cfg.nodeStatusUpdateFrequency, 10_000);
    const loop = async () => {
      this.lastLoop = Date.now();
      try {
        await this.syncNodeStatus();
      } catch (err) {
        if (isNotFound(err)) this.d.log.error('Error updating node status, will retry', { err: 'node not found' });
        else this.d.log.error('Error updating node status, will retry', { err: (err as Error).message });
      }
      // Until the node is Ready, sync fast (upstream's fastStatusUpdateOnce), then at the configured period.
      if (!this.stopped) this.timer = setTimeout(loop, this.ready ? every : Math.min(every, 1000));
    };
    this.timer = setTimeout(loop, 0);
  }

  /** For /healthz: the status loop ran recently (it runs every nodeStatusUpdateFrequency). */
  health(): { ok: boolean; reason?: string } {
    if (!this.lastLoop) return { ok: true };
    const threshold = Math.max(2 * durationMs(this.cfg.nodeStatusUpdateFrequency, 10_000), 120_000);
    const since = Date.now() - this.lastLoop;
    return since <= threshold ? { ok: true } : { ok: false, reason: `node status loop was last run ${Math.round(since / 1000)}s ago, threshold is ${threshold / 1000}s` };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.lease.stop();
    await this.syncing?.catch(() => undefined);
  }
}
