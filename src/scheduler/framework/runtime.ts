// frameworkImpl: one profile's plugins per extension point (built from the profile's plugin
// sets with upstream's MultiPoint expansion and ordering), and the Run*Plugins methods the
// scheduling and binding cycles call.

import type { KubeSchedulerProfile, PluginSet } from '../config/types.js';
import type { Pod } from '../types.js';
import { podPriority } from '../types.js';
import type { ClusterEventWithHint, CycleState, Handle, NodeToStatus, Plugin, PluginFactory, PostFilterResult, PreFilterResult } from './interface.js';
import type { NodeInfo } from './nodeinfo.js';
import type { PodInfo } from './podinfo.js';
import { Code, Status } from './status.js';

type Point = 'preFilter' | 'filter' | 'postFilter' | 'reserve' | 'preScore' | 'score' | 'preBind' | 'bind' | 'postBind' | 'permit' | 'preEnqueue' | 'queueSort';

const points: { point: Point; method: keyof Plugin; type: string }[] = [
  { point: 'preFilter', method: 'preFilter', type: 'PreFilterPlugin' },
  { point: 'filter', method: 'filter', type: 'FilterPlugin' },
  { point: 'postFilter', method: 'postFilter', type: 'PostFilterPlugin' },
  { point: 'reserve', method: 'reserve', type: 'ReservePlugin' },
  { point: 'preScore', method: 'preScore', type: 'PreScorePlugin' },
  { point: 'score', method: 'score', type: 'ScorePlugin' },
  { point: 'preBind', method: 'preBind', type: 'PreBindPlugin' },
  { point: 'bind', method: 'bind', type: 'BindPlugin' },
  { point: 'postBind', method: 'postBind', type: 'PostBindPlugin' },
  { point: 'permit', method: 'permit', type: 'PermitPlugin' },
  { point: 'preEnqueue', method: 'preEnqueue', type: 'PreEnqueuePlugin' },
  { point: 'queueSort', method: 'less', type: 'QueueSortPlugin' },
];

export interface ScoredPlugin {
  plugin: Plugin;
  weight: number;
}

export class Framework {
  readonly profileName: string;
  readonly percentageOfNodesToScore?: number;
  readonly plugins = new Map<string, Plugin>();
  readonly lists: Record<Point, Plugin[]> = {
    preFilter: [], filter: [], postFilter: [], reserve: [], preScore: [], score: [], preBind: [], bind: [], postBind: [], permit: [], preEnqueue: [], queueSort: [],
  };
  readonly weights = new Map<string, number>();
  /** preFilter plugins with AddPod/RemovePod */
  private readonly extensions: Plugin[];

  constructor(
    profile: KubeSchedulerProfile,
    registry: Record<string, PluginFactory>,
    readonly handle: Handle,
  ) {
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    const p = profile.plugins;
    const needed = new Set<string>();
    for (const set of Object.values(p) as PluginSet[]) for (const e of set.enabled) needed.add(e.name);
    const argsOf = new Map(profile.pluginConfig.map((c) => [c.name, c.args]));
    for (const name of needed) {
      const f = registry[name];
      if (!f) continue;
      this.plugins.set(name, f(argsOf.get(name), handle));
    }
    for (const { point, method, type } of points) {
      const set = p[point];
      const seen = new Set<string>();
      for (const e of set.enabled) {
        const pl = this.plugins.get(e.name);
        if (!pl) throw new Error(`${type} "${e.name}" does not exist`);
        if (!(method in pl)) throw new Error(`plugin "${e.name}" does not extend ${type} plugin`);
        if (seen.has(e.name)) throw new Error(`plugin "${e.name}" already registered as "${type}"`);
        seen.add(e.name);
        this.lists[point].push(pl);
        if (point === 'score') this.weights.set(e.name, e.weight || 1);
      }
    }
    // MultiPoint expansion
    for (const { point, method, type } of points) {
      const set = p[point];
      const disabled = new Set(set.disabled.map((d) => d.name));
      if (disabled.has('*')) continue;
      const enabled = new Set(set.enabled.map((e) => e.name));
      const overrides: string[] = [];
      const multi: string[] = [];
      for (const ep of p.multiPoint.enabled) {
        const pl = this.plugins.get(ep.name);
        if (!pl) throw new Error(`${type} "${ep.name}" does not exist`);
        if (!(method in pl)) continue;
        if (disabled.has(ep.name)) continue;
        if (enabled.has(ep.name)) {
          overrides.push(ep.name);
          continue;
        }
        if (multi.includes(ep.name)) throw new Error(`plugin "${ep.name}" already registered as "${type}"`);
        multi.push(ep.name);
        if (point === 'score') this.weights.set(ep.name, ep.weight || 1);
      }
      const order = [...new Set([...overrides, ...multi, ...enabled])];
      this.lists[point] = order.map((n) => this.plugins.get(n)!);
    }
    if (this.lists.queueSort.length === 0) throw new Error('no queue sort plugin is enabled');
    if (this.lists.queueSort.length > 1) throw new Error('only one queue sort plugin can be enabled');
    if (this.lists.bind.length === 0) throw new Error('at least one bind plugin is needed');
    this.extensions = this.lists.preFilter.filter((pl) => pl.addPod || pl.removePod);
  }

  queueSortLess(): NonNullable<Plugin['less']> {
    return this.lists.queueSort[0]!.less!;
  }

  /** Events each plugin registered for (plugin name → events). */
  eventsToRegister(): Map<string, ClusterEventWithHint[]> {
    const m = new Map<string, ClusterEventWithHint[]>();
    for (const [name, pl] of this.plugins) if (pl.eventsToRegister) m.set(name, pl.eventsToRegister());
    return m;
  }

  runPreEnqueue(pod: Pod): Status | null {
    for (const pl of this.lists.preEnqueue) {
      const s = pl.preEnqueue!(pod);
      if (s && s.code !== Code.Success) return s.withPlugin(pl.name);
    }
    return null;
  }

  /** PreFilter; Skip results are recorded in state.skipFilterPlugins. */
  runPreFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status | null; rejectors: Set<string> } {
    let result: PreFilterResult | undefined;
    const rejectors = new Set<string>();
    const msgs: string[] = [];
    let rejected: Status | null = null;
    for (const pl of this.lists.preFilter) {
      const r = pl.preFilter!(state, pod, nodes);
      const s = r.status;
      if (s && s.code === Code.Skip) {
        state.skipFilterPlugins.add(pl.name);
        continue;
      }
      if (s && s.code !== Code.Success) {
        s.withPlugin(pl.name);
        if (!s.isRejected()) return { status: s, rejectors };
        rejectors.add(pl.name);
        return { status: s, rejectors };
      }
      if (r.result?.nodeNames) {
        if (!result?.nodeNames) result = { nodeNames: new Set(r.result.nodeNames) };
        else result = { nodeNames: new Set([...result.nodeNames].filter((n) => r.result!.nodeNames!.has(n))) };
        if (result.nodeNames!.size === 0) {
          msgs.push(`node(s) didn't satisfy plugin(s) [${pl.name}] simultaneously`);
          rejected = Status.unresolvable(msgs.join(', ')).withPlugin(pl.name);
          rejectors.add(pl.name);
          return { status: rejected, rejectors };
        }
      }
    }
    return { result, status: null, rejectors };
  }

  /** The filter plugins not skipped by PreFilter, for this cycle. */
  activeFilters(state: CycleState): Plugin[] {
    if (!state.skipFilterPlugins.size) return this.lists.filter;
    return this.lists.filter.filter((p) => !state.skipFilterPlugins.has(p.name));
  }

  runFilterPlugins(state: CycleState, pod: Pod, ni: NodeInfo, filters: Plugin[] = this.activeFilters(state)): Status | null {
    for (let i = 0; i < filters.length; i++) {
      const pl = filters[i]!;
      const s = pl.filter!(state, pod, ni);
      if (s && s.code !== Code.Success) {
        if (!s.isRejected()) return Status.error(new Error(`running "${pl.name}" filter plugin: ${s.message()}`)).withPlugin(pl.name);
        return s.withPlugin(pl.name);
      }
    }
    return null;
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, toAdd: PodInfo, ni: NodeInfo): Status | null {
    for (const pl of this.extensions) {
      if (state.skipFilterPlugins.has(pl.name) || !pl.addPod) continue;
      const s = pl.addPod(state, pod, toAdd, ni);
      if (s) return s.withPlugin(pl.name);
    }
    return null;
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, toRemove: PodInfo, ni: NodeInfo): Status | null {
    for (const pl of this.extensions) {
      if (state.skipFilterPlugins.has(pl.name) || !pl.removePod) continue;
      const s = pl.removePod(state, pod, toRemove, ni);
      if (s) return s.withPlugin(pl.name);
    }
    return null;
  }

  /** Filters with nominated pods of equal or higher priority added first (then without them). */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, ni: NodeInfo, filters?: Plugin[]): Status | null {
    const nominated = this.handle.nominator.nominatedPodsForNode(ni.name);
    if (!nominated.length) return this.runFilterPlugins(state, pod, ni, filters);
    const prio = podPriority(pod);
    const uid = pod.metadata?.uid;
    let stateOut: CycleState | undefined;
    let niOut: NodeInfo | undefined;
    for (const pi of nominated) {
      if (podPriority(pi.pod) < prio || pi.pod.metadata?.uid === uid) continue;
      if (!stateOut) {
        stateOut = state.clone();
        niOut = ni.clone();
      }
      niOut!.addPodInfo(pi);
      const s = this.runPreFilterExtensionAddPod(stateOut, pod, pi, niOut!);
      if (s) return s;
    }
    if (!stateOut) return this.runFilterPlugins(state, pod, ni, filters);
    const first = this.runFilterPlugins(stateOut, pod, niOut!, filters);
    if (first) return first;
    return this.runFilterPlugins(state, pod, ni, filters);
  }

  runPostFilter(state: CycleState, pod: Pod, m: NodeToStatus): { result?: PostFilterResult; status: Status } {
    const reasons: string[] = [];
    let result: PostFilterResult | undefined;
    for (const pl of this.lists.postFilter) {
      const r = pl.postFilter!(state, pod, m);
      if (!r.status || r.status.code === Code.Success) return { result: r.result, status: new Status(Code.Success).withPlugin(pl.name) };
      if (r.status.code === Code.Error) return { result: r.result, status: r.status.withPlugin(pl.name) };
      if (r.status.isRejected()) {
        const msg = r.status.message();
        if (msg) reasons.push(pl.name === 'DefaultPreemption' ? `preemption: ${msg}` : msg);
      }
      if (r.result) result = r.result;
    }
    return { result, status: new Status(Code.Unschedulable, reasons) };
  }

  /** PreScore; returns the score plugins to run (not skipped), or an error status. */
  runPreScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): { scorers: ScoredPlugin[]; status: Status | null } {
    for (const pl of this.lists.preScore) {
      const s = pl.preScore!(state, pod, nodes);
      if (s && s.code === Code.Skip) {
        state.skipScorePlugins.add(pl.name);
        continue;
      }
      if (s && s.code !== Code.Success) return { scorers: [], status: Status.error(new Error(`running PreScore plugin "${pl.name}": ${s.message()}`)) };
    }
    const scorers = this.lists.score.filter((p) => !state.skipScorePlugins.has(p.name)).map((plugin) => ({ plugin, weight: this.weights.get(plugin.name) ?? 1 }));
    return { scorers, status: null };
  }

  /** Score + NormalizeScore + weights; returns total per node (same order as nodes). */
  runScore(state: CycleState, pod: Pod, nodes: NodeInfo[], scorers: ScoredPlugin[]): { totals: number[]; status: Status | null } {
    const n = nodes.length;
    const totals = new Array<number>(n).fill(0);
    const scores = new Array<number>(n);
    for (const { plugin, weight } of scorers) {
      if (plugin.scoreFn) {
        const f = plugin.scoreFn(state, pod);
        for (let i = 0; i < n; i++) scores[i] = f(nodes[i]!);
      } else {
        for (let i = 0; i < n; i++) {
          const r = plugin.score!(state, pod, nodes[i]!);
          if (typeof r !== 'number') return { totals, status: Status.error(new Error(`running Score plugin "${plugin.name}": ${r.message()}`)) };
          scores[i] = r;
        }
      }
      if (plugin.normalizeScore) {
        const s = plugin.normalizeScore(state, pod, scores, nodes);
        if (s) return { totals, status: Status.error(new Error(`running Normalize on Score plugins: ${s.message()}`)) };
      }
      for (let i = 0; i < n; i++) {
        const sc = scores[i]!;
        if (sc > 100 || sc < 0) return { totals, status: Status.error(new Error(`plugin "${plugin.name}" returns an invalid score ${sc}, it should in the range of [0, 100] after normalizing`)) };
        totals[i]! += sc * weight;
      }
    }
    return { totals, status: null };
  }

  runReserve(state: CycleState, pod: Pod, nodeName: string): Status | null {
    for (const pl of this.lists.reserve) {
      const s = pl.reserve!(state, pod, nodeName);
      if (s && s.code !== Code.Success) return s.withPlugin(pl.name);
    }
    return null;
  }

  runUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.lists.reserve.length - 1; i >= 0; i--) this.lists.reserve[i]!.unreserve?.(state, pod, nodeName);
  }

  runPermit(state: CycleState, pod: Pod, nodeName: string): Status | null {
    for (const pl of this.lists.permit) {
      const s = pl.permit!(state, pod, nodeName);
      if (s && s.code !== Code.Success && s.code !== Code.Wait) return s.withPlugin(pl.name);
    }
    return null;
  }

  async runPreBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | null> {
    for (const pl of this.lists.preBind) {
      const s = await pl.preBind!(state, pod, nodeName);
      if (s && s.code !== Code.Success && s.code !== Code.Skip) return s.withPlugin(pl.name);
    }
    return null;
  }

  async runBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status | null> {
    for (const pl of this.lists.bind) {
      const s = await pl.bind!(state, pod, nodeName);
      if (s && s.code === Code.Skip) continue;
      if (s && s.code !== Code.Success) return s.withPlugin(pl.name);
      return null;
    }
    return Status.error(new Error('all bind plugins skipped'));
  }

  runPostBind(state: CycleState, pod: Pod, nodeName: string): void {
    for (const pl of this.lists.postBind) pl.postBind!(state, pod, nodeName);
  }
}
