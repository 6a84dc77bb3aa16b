// startSimNodes: a kwok-like fleet of simulated nodes in this process, talking to the API
// server only through a RestClient (what `k8ts sim-nodes` and `k8ts server --sim-nodes=N` run).
// Nodes are registered as the kubelet registers them, keep their Leases and status fresh, and
// run the pods bound to them (status only: no containers exist). Control is by annotations
// (control.ts), settable with kubectl or with setReady / setKubeletStopped.
import type { RestClient } from '../client/rest.js';
import { logger } from '../util/klog.js';
import { defaultSimConfig, defaultWorkers } from './config.js';
import type { SimConfig } from './config.js';
import { SIM_KUBELET_ANNOTATION, SIM_READY_ANNOTATION } from './control.js';
import { parseCidr } from './cidr.js';
import { nodeResources } from './node-object.js';
import { NodeFleet } from './nodes.js';
import { PodRunner } from './pods.js';

export { defaultSimConfig } from './config.js';
export type { SimConfig } from './config.js';
export * from './control.js';

const log = logger('simnodes');

export interface SimNodesOptions extends Partial<Omit<SimConfig, 'workers'>> {
  client: RestClient;
  count: number;
  workers?: Partial<SimConfig['workers']>;
  /** stops the fleet when aborted */
  signal?: AbortSignal;
}

export interface SimNodesStats {
  nodes: number;
  registered: number;
  podsRunning: number;
  leaseRenewals: number;
  nodeStatusPosts: number;
  podStatusWrites: number;
  podDeletions: number;
}

export class SimNodes {
  private stopped?: Promise<void>;

  constructor(
    readonly config: SimConfig,
    private readonly fleet: NodeFleet,
    private readonly pods: PodRunner,
  ) {}

  /** Names of the fleet's nodes, in order. */
  nodeNames(): string[] {
    return [...this.fleet.nodes.keys()];
  }

  /** Ready=True (true) or Ready=False/KubeletNotReady (false), through the k8ts.io/sim-ready annotation. */
  async setReady(nodeName: string, ready: boolean): Promise<void> {
    this.check(nodeName);
    await this.fleet.annotate(nodeName, { [SIM_READY_ANNOTATION]: ready ? null : 'false' });
  }

  /** Stop (true) or restart (false) the node's kubelet heartbeats, through k8ts.io/sim-kubelet. */
  async setKubeletStopped(nodeName: string, stopped: boolean): Promise<void> {
    this.check(nodeName);
    await this.fleet.annotate(nodeName, { [SIM_KUBELET_ANNOTATION]: stopped ? 'stopped' : null });
  }

  stats(): SimNodesStats {
    return {
      nodes: this.fleet.nodes.size,
      registered: this.fleet.registered(),
      podsRunning: this.pods.running(),
      leaseRenewals: this.fleet.stats.leaseRenewals,
      nodeStatusPosts: this.fleet.stats.statusPosts,
      podStatusWrites: this.pods.stats.statusWrites,
      podDeletions: this.pods.stats.deletions,
    };
  }

  /** Stop heartbeats and pod handling (the nodes stay registered, as when kubelets stop). */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await Promise.all([this.pods.stop(), this.fleet.stop()]);
      log.info('Simulated nodes stopped', { count: this.fleet.nodes.size });
    })();
    return this.stopped;
  }

  private check(nodeName: string): void {
    if (!this.fleet.nodes.has(nodeName)) throw new Error(`node "${nodeName}" is not a simulated node of this fleet`);
  }
}

/** Build the fleet's settings from options over the defaults. */
export function simConfig(opts: Omit<SimNodesOptions, 'client' | 'signal'>): SimConfig {
  const { workers, ...rest } = opts;
  const cfg: SimConfig = { ...defaultSimConfig, workers: { ...defaultWorkers(opts.count), ...workers } };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  if (!Number.isInteger(cfg.count) || cfg.count < 0) throw new Error(`invalid node count ${cfg.count}`);
  nodeResources(cfg); // quantities parse, or throw here rather than at every registration
  for (const [what, c] of [['node IP range', cfg.nodeIPRange], ['fallback pod CIDR', cfg.fallbackPodCIDR]]) {
    if (!parseCidr(c)) throw new Error(`invalid ${what} "${c}"`);
  }
  return cfg;
}

/** Register the nodes and start running them; resolves once every node is registered. */
export async function startSimNodes(opts: SimNodesOptions): Promise<SimNodes> {
  const { client, signal, ...rest } = opts;
  const cfg = simConfig(rest);
  const fleet = new NodeFleet(client, cfg);
  const pods = new PodRunner(client, fleet, cfg);
  const sim = new SimNodes(cfg, fleet, pods);
  if (signal?.aborted) return sim;
  signal?.addEventListener('abort', () => void sim.stop(), { once: true });
  log.info('Starting simulated nodes', { count: cfg.count, namePrefix: cfg.namePrefix });
  pods.start();
  await fleet.start(signal);
  return sim;
}
