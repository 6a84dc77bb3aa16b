// The scheduler (pkg/scheduler): one loop popping pods from the queue and running the
// scheduling cycle — PreFilter, Filter over a round-robin slice of the nodes (adaptive
// percentageOfNodesToScore), PostFilter (preemption) on failure, PreScore/Score/Normalize,
// host selection, Reserve/Permit and assume — synchronously, then the binding cycle
// (PreBind, Bind, PostBind) asynchronously so binds overlap the next cycles. Failures go back
// to the queue, get a FailedScheduling event and a PodScheduled=False condition.

import type { EventRecorder } from '../client/events.js';
import type { RestClient } from '../client/rest.js';
import { Cache } from './cache/cache.js';
import type { KubeSchedulerConfiguration } from './config/types.js';
import { FitError, ErrNoNodesAvailable } from './framework/fiterror.js';
import type { Handle, Listers, PostFilterResult, SharedLister } from './framework/interface.js';
import { CycleState, NodeToStatus } from './framework/interface.js';
import type { NodeInfo } from './framework/nodeinfo.js';
import { PodInfo } from './framework/podinfo.js';
import { Framework } from './framework/runtime.js';
import { Code, Status } from './framework/status.js';
import type { SchedulerMetrics } from './metrics.js';
import { inTreeRegistry } from './plugins/registry.js';
import { SchedulingQueue } from './queue/scheduling-queue.js';
import type { QueuedPodInfo } from './queue/scheduling-queue.js';
import type { Pod, PodCondition } from './types.js';
import { logger } from '../util/klog.js';
import { nowTimestamp } from '../apimachinery/time.js';

const log = logger('schedule_one.go');

export const minFeasibleNodesToFind = 100;
export const minFeasibleNodesPercentageToFind = 5;

/** numFeasibleNodesToFind: all below 100 nodes; else percentage (adaptive 50 − n/125, ≥5%), at least 100. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let p = percentage;
  if (p === 0) {
    p = 50 - Math.trunc(numAllNodes / 125);
    if (p < minFeasibleNodesPercentageToFind) p = minFeasibleNodesPercentageToFind;
  }
  const n = Math.trunc((numAllNodes * p) / 100);
  return n < minFeasibleNodesToFind ? minFeasibleNodesToFind : n;
}

export interface ScheduleResult {
  host: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export interface SchedulerDeps {
  client?: RestClient;
  config: KubeSchedulerConfiguration;
  listers?: Listers;
  /** one recorder per profile (events carry the profile's schedulerName) */
  recorderFor?: (schedulerName: string) => EventRecorder;
  metrics?: SchedulerMetrics;
}

const truncate = (m: string) => (m.length > 1024 ? m.slice(0, 1021) + '...' : m);
const kobj = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

export class Scheduler {
  readonly cache = new Cache();
  readonly queue: SchedulingQueue;
  readonly profiles = new Map<string, Framework>();
  private nextStartNodeIndex = 0;
  private readonly percentage: number;
  /** bindings in flight (the binding cycle runs asynchronously) */
  readonly bindings = new Set<Promise<void>>();
  private stopped = false;
  readonly client?: RestClient;
  readonly listers?: Listers;
  readonly metrics?: SchedulerMetrics;

  constructor(readonly deps: SchedulerDeps) {
    this.client = deps.client;
    this.listers = deps.listers;
    this.metrics = deps.metrics;
    this.percentage = deps.config.percentageOfNodesToScore;
    const cache = this.cache;
    const nominator = () => this.queue.nominator;
    for (const profile of deps.config.profiles) {
      let fwk!: Framework;
      const handle: Handle = {
        client: deps.client,
        recorder: deps.recorderFor?.(profile.schedulerName),
        listers: deps.listers,
        profileName: profile.schedulerName,
        snapshot: (): SharedLister => cache,
        get nominator() {
          return nominator();
        },
        runFilterPluginsWithNominatedPods: (s, p, ni) => fwk.runFilterPluginsWithNominatedPods(s, p, ni),
        runPreFilterExtensionAddPod: (s, p, pi, ni) => fwk.runPreFilterExtensionAddPod(s, p, pi, ni),
        runPreFilterExtensionRemovePod: (s, p, pi, ni) => fwk.runPreFilterExtensionRemovePod(s, p, pi, ni),
        activate: (pods) => this.queue.activate(pods),
      };
      try {
        fwk = new Framework(profile, inTreeRegistry, handle);
      } catch (err) {
        throw new Error(`initializing profiles: creating profile for scheduler name ${profile.schedulerName}: ${(err as Error).message}`);
      }
      this.profiles.set(profile.schedulerName, fwk);
    }
    const first = this.profiles.values().next().value as Framework;
    const eventsByProfile = new Map([...this.profiles].map(([n, f]) => [n, f.eventsToRegister()]));
    const m = deps.metrics;
    this.queue = new SchedulingQueue({
      less: first.queueSortLess(),
      podInitialBackoffMs: deps.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: deps.config.podMaxBackoffSeconds * 1000,
      preEnqueue: (pod) => this.profiles.get(pod.spec.schedulerName ?? '')?.runPreEnqueue(pod) ?? null,
      events: (pod) => eventsByProfile.get(pod.spec.schedulerName ?? '') ?? new Map(),
      onPendingChange: m
        ? (a, b, u, g) => {
            m.pendingPods.set({ queue: 'active' }, a);
            m.pendingPods.set({ queue: 'backoff' }, b);
            m.pendingPods.set({ queue: 'unschedulable' }, u);
            m.pendingPods.set({ queue: 'gated' }, g);
          }
        : undefined,
      onIncoming: m ? (queue, event, n) => m.queueIncoming.inc({ queue, event }, n) : undefined,
    });
    if (m) this.queue.unschedulablePods.onPluginCount = (profile, plugin, n) => m.unschedulablePods.set({ plugin, profile }, n);
  }

  /** Whether this scheduler has a profile for the pod's schedulerName. */
  responsibleFor(pod: Pod): boolean {
    return this.profiles.has(pod.spec.schedulerName ?? 'default-scheduler');
  }

  /** Pop and schedule pods until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.queue.run();
    const onAbort = () => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    let lastYield = performance.now();
    try {
      while (!signal.aborted && !this.stopped) {
        const q = await this.queue.pop();
        if (!q || signal.aborted) break;
        try {
          this.scheduleOne(q);
        } catch (err) {
          log.error('scheduleOne failed', { pod: kobj(q.pod), err });
          this.queue.done(q.pod.metadata?.uid ?? '');
        }
        // let I/O (informer events, binding responses) in regularly
        if (performance.now() - lastYield > 10) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    await Promise.allSettled([...this.bindings]);
  }

  private skipPodSchedule(pod: Pod): boolean {
    if (pod.metadata?.deletionTimestamp) {
      log.v(3).info('Skip schedule deleting pod', { pod: kobj(pod) });
      return true;
    }
    if (this.cache.isAssumed(pod)) return true;
    return false;
  }

  /** One scheduling cycle (synchronous) and the start of its binding cycle. */
  scheduleOne(q: QueuedPodInfo): void {
    const pod = q.pod;
    const fwk = this.profiles.get(pod.spec.schedulerName ?? 'default-scheduler');
    const uid = pod.metadata?.uid ?? '';
    if (!fwk) {
      log.error('Error occurred', { err: `profile not found for scheduler name "${pod.spec.schedulerName}"` });
      this.queue.done(uid);
      return;
    }
    if (this.skipPodSchedule(pod)) {
      this.queue.done(uid);
      return;
    }
    log.v(3).info('Attempting to schedule pod', { pod: kobj(pod) });
    const start = performance.now();
    const state = new CycleState();
    let result: ScheduleResult;
    try {
      result = this.schedulePod(fwk, state, pod);
    } catch (err) {
      if (err instanceof FitError) {
        let nominating: PostFilterResult | undefined;
        if (!fwk.lists.postFilter.length) log.v(3).info('No PostFilter plugins are registered, so no preemption will be performed');
        else {
          const t0 = performance.now();
          this.metrics?.preemptionAttempts.inc();
          const r = fwk.runPostFilter(state, pod, err.statuses);
          this.metrics?.extensionPointDuration.observe({ extension_point: 'PostFilter', status: r.status.codeName(), profile: fwk.profileName }, (performance.now() - t0) / 1000);
          err.postFilterMsg = r.status.code === Code.Success ? '' : r.status.message();
          if (r.status.code === Code.Error) log.error('Status after running PostFilter plugins for pod', { pod: kobj(pod), status: r.status.message() });
          nominating = r.result;
        }
        this.metrics?.scheduleAttempts.inc({ result: 'unschedulable', profile: fwk.profileName });
        this.metrics?.attemptDuration.observe({ result: 'unschedulable', profile: fwk.profileName }, (performance.now() - start) / 1000);
        this.handleSchedulingFailure(fwk, q, err, 'Unschedulable', nominating);
      } else {
        this.metrics?.scheduleAttempts.inc({ result: 'error', profile: fwk.profileName });
        this.metrics?.attemptDuration.observe({ result: 'error', profile: fwk.profileName }, (performance.now() - start) / 1000);
        this.handleSchedulingFailure(fwk, q, err as Error, 'SchedulerError');
      }
      return;
    }
    // assume
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: result.host } };
    try {
      this.cache.assumePod(assumed);
    } catch (err) {
      this.handleSchedulingFailure(fwk, q, err as Error, 'SchedulerError');
      return;
    }
    const fail = (s: Status) => {
      fwk.runUnreserve(state, assumed, result.host);
      this.cache.forgetPod(assumed);
      this.metrics?.scheduleAttempts.inc({ result: s.isRejected() ? 'unschedulable' : 'error', profile: fwk.profileName });
      this.handleSchedulingFailure(fwk, q, s.isRejected() ? fitFromStatus(s, this.cache.size()) : new Error(s.message()), s.isRejected() ? 'Unschedulable' : 'SchedulerError');
    };
    const rs = fwk.runReserve(state, assumed, result.host);
    if (rs) return fail(rs);
    const ps = fwk.runPermit(state, assumed, result.host);
    if (ps) return fail(ps);
    // a pod nominated elsewhere is now placed: forget the nomination
    if (pod.status?.nominatedNodeName) this.queue.nominator.delete(pod);
    const p = this.bindingCycle(fwk, state, assumed, q, start, result);
    this.bindings.add(p);
    void p.finally(() => this.bindings.delete(p));
  }

  private async bindingCycle(fwk: Framework, state: CycleState, assumed: Pod, q: QueuedPodInfo, start: number, result: ScheduleResult): Promise<void> {
    const uid = assumed.metadata?.uid ?? '';
    let s = await fwk.runPreBind(state, assumed, result.host);
    if (!s) s = await fwk.runBind(state, assumed, result.host);
    if (s) {
      fwk.runUnreserve(state, assumed, result.host);
      try {
        this.cache.forgetPod(assumed);
      } catch (err) {
        log.error('scheduler cache ForgetPod failed', { err });
      }
      this.queue.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', actionType: 2, label: 'AssignedPodDelete' }, assumed, undefined, (p) => p.metadata?.uid !== uid);
      this.metrics?.scheduleAttempts.inc({ result: 'error', profile: fwk.profileName });
      this.handleSchedulingFailure(fwk, q, new Error(s.message()), 'SchedulerError');
      return;
    }
    this.cache.finishBinding(assumed);
    const secs = (performance.now() - start) / 1000;
    this.metrics?.scheduleAttempts.inc({ result: 'scheduled', profile: fwk.profileName });
    this.metrics?.attemptDuration.observe({ result: 'scheduled', profile: fwk.profileName }, secs);
    if (q.initialAttemptTimestamp !== undefined) this.metrics?.sliDuration.observe({ attempts: String(q.attempts) }, (Date.now() - q.initialAttemptTimestamp) / 1000);
    this.metrics?.podSchedulingAttempts.observe(q.attempts);
    log.v(2).info('Successfully bound pod to node', { pod: kobj(assumed), node: result.host, evaluatedNodes: result.evaluatedNodes, feasibleNodes: result.feasibleNodes });
    fwk.handle.recorder?.event(assumed, 'Normal', 'Scheduled', `Successfully assigned ${assumed.metadata?.namespace}/${assumed.metadata?.name} to ${result.host}`, { action: 'Binding' });
    fwk.runPostBind(state, assumed, result.host);
    this.queue.done(uid);
  }

  /** SchedulePod: the host for pod, or throws FitError / Error. */
  schedulePod(fwk: Framework, state: CycleState, pod: Pod): ScheduleResult {
    if (this.cache.size() === 0) throw new Error(ErrNoNodesAvailable);
    const { feasible, statuses, preFilterMsg, plugins } = this.findNodesThatFitPod(fwk, state, pod);
    if (!feasible.length) throw new FitError(this.cache.size(), statuses, preFilterMsg, '', plugins);
    if (feasible.length === 1) return { host: feasible[0]!.name, evaluatedNodes: 1 + statuses.size, feasibleNodes: 1 };
    const host = this.prioritizeAndSelect(fwk, state, pod, feasible);
    return { host, evaluatedNodes: feasible.length + statuses.size, feasibleNodes: feasible.length };
  }

  findNodesThatFitPod(fwk: Framework, state: CycleState, pod: Pod): { feasible: NodeInfo[]; statuses: NodeToStatus; preFilterMsg: string; plugins: Set<string> } {
    const statuses = new NodeToStatus();
    const all = this.cache.list();
    const t0 = performance.now();
    const pf = fwk.runPreFilter(state, pod, all);
    this.metrics?.extensionPointDuration.observe({ extension_point: 'PreFilter', status: pf.status ? pf.status.codeName() : 'Success', profile: fwk.profileName }, (performance.now() - t0) / 1000);
    if (pf.status) {
      if (!pf.status.isRejected()) throw pf.status.err ?? new Error(pf.status.message());
      statuses.absentStatus = pf.status;
      return { feasible: [], statuses, preFilterMsg: pf.status.message(), plugins: pf.rejectors };
    }
    const plugins = new Set<string>();
    const filters = fwk.activeFilters(state);
    // the nominated node first (it was made room for)
    const nn = pod.status?.nominatedNodeName;
    if (nn) {
      const ni = this.cache.get(nn);
      if (ni && (!pf.result?.nodeNames || pf.result.nodeNames.has(nn))) {
        const s = fwk.runFilterPluginsWithNominatedPods(state, pod, ni, filters);
        if (!s) return { feasible: [ni], statuses, preFilterMsg: '', plugins };
        if (s.code === Code.Error) throw s.err ?? new Error(s.message());
      }
    }
    let nodes = all;
    if (pf.result?.nodeNames) {
      nodes = [];
      for (const n of pf.result.nodeNames) {
        const ni = this.cache.get(n);
        if (ni) nodes.push(ni);
      }
    }
    const t1 = performance.now();
    const n = nodes.length;
    const toFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.percentage, n);
    const feasible: NodeInfo[] = [];
    let processed = 0;
    const startIdx = n ? this.nextStartNodeIndex % n : 0;
    for (let i = 0; i < n; i++) {
      const ni = nodes[(startIdx + i) % n]!;
      processed++;
      const s = fwk.runFilterPluginsWithNominatedPods(state, pod, ni, filters);
      if (!s) {
        feasible.push(ni);
        if (feasible.length >= toFind) break;
        continue;
      }
      if (s.code === Code.Error) throw s.err ?? new Error(s.message());
      statuses.set(ni.name, s);
      if (s.plugin) plugins.add(s.plugin);
    }
    this.nextStartNodeIndex = n ? (startIdx + processed) % n : 0;
    this.metrics?.extensionPointDuration.observe({ extension_point: 'Filter', status: 'Success', profile: fwk.profileName }, (performance.now() - t1) / 1000);
    return { feasible, statuses, preFilterMsg: '', plugins };
  }

  private prioritizeAndSelect(fwk: Framework, state: CycleState, pod: Pod, feasible: NodeInfo[]): string {
    if (!fwk.lists.score.length) return selectHost(feasible, feasible.map(() => 1));
    const t0 = performance.now();
    const pre = fwk.runPreScore(state, pod, feasible);
    if (pre.status) throw pre.status.err ?? new Error(pre.status.message());
    const t1 = performance.now();
    const sc = fwk.runScore(state, pod, feasible, pre.scorers);
    if (sc.status) throw sc.status.err ?? new Error(sc.status.message());
    const t2 = performance.now();
    if (this.metrics) {
      this.metrics.extensionPointDuration.observe({ extension_point: 'PreScore', status: 'Success', profile: fwk.profileName }, (t1 - t0) / 1000);
      this.metrics.extensionPointDuration.observe({ extension_point: 'Score', status: 'Success', profile: fwk.profileName }, (t2 - t1) / 1000);
    }
    return selectHost(feasible, sc.totals);
  }

  /** Requeue, record the FailedScheduling event and the PodScheduled=False condition. */
  handleSchedulingFailure(fwk: Framework, q: QueuedPodInfo, err: Error | FitError, reason: 'Unschedulable' | 'SchedulerError', nominating?: PostFilterResult): void {
    const pod = q.pod;
    const msg = err.message;
    if (reason === 'Unschedulable') log.v(2).info('Unable to schedule pod; no fit; waiting', { pod: kobj(pod), err: msg });
    else log.error('Error scheduling pod; retrying', { pod: kobj(pod), err: msg });
    const cached = this.listers?.pods.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    let current = pod;
    if (this.listers && !cached) {
      log.info("Pod doesn't exist in informer cache", { pod: kobj(pod) });
      this.queue.done(pod.metadata?.uid ?? '');
    } else if (cached?.spec.nodeName) {
      log.info('Pod has been assigned to node. Abort adding it back to queue.', { pod: kobj(pod), node: cached.spec.nodeName });
      this.queue.done(pod.metadata?.uid ?? '');
    } else {
      if (cached && cached.metadata?.uid === pod.metadata?.uid) {
        current = cached;
        q.podInfo = new PodInfo(cached);
      }
      q.unschedulablePlugins = err instanceof FitError ? new Set(err.unschedulablePlugins) : new Set();
      q.pendingPlugins = new Set();
      this.queue.addUnschedulableIfNotPresent(q);
    }
    if (nominating?.nominatedNodeName !== undefined) {
      if (nominating.nominatedNodeName) this.queue.nominator.add(q.podInfo, nominating.nominatedNodeName);
      else this.queue.nominator.delete(current);
    }
    if (this.listers && !cached) return;
    fwk.handle.recorder?.event(current, 'Warning', 'FailedScheduling', truncate(msg), { action: 'Scheduling' });
    void this.updatePodCondition(current, { type: 'PodScheduled', status: 'False', reason, message: msg }, nominating?.nominatedNodeName);
  }

  private async updatePodCondition(pod: Pod, cond: PodCondition, nominatedNodeName?: string): Promise<void> {
    if (!this.client) return;
    const old = pod.status?.conditions?.find((c) => c.type === cond.type);
    const nnnNeedsUpdate = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    const changed = !old || old.status !== cond.status || old.reason !== cond.reason || old.message !== cond.message;
    if (!changed && !nnnNeedsUpdate) return;
    log.v(3).info('Updating pod condition', { pod: kobj(pod), conditionType: cond.type, conditionStatus: cond.status, conditionReason: cond.reason });
    const now = nowTimestamp();
    const c: PodCondition = { ...cond, lastProbeTime: null, lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime ?? now : now };
    const status: Record<string, unknown> = {};
    if (changed) status.conditions = [c];
    if (nnnNeedsUpdate) status.nominatedNodeName = nominatedNodeName || null;
    try {
      await this.client.patch({ group: '', version: 'v1', resource: 'pods', namespace: pod.metadata?.namespace, name: pod.metadata?.name, subresource: 'status' }, 'strategic', { status });
    } catch (err) {
      log.error('Error updating pod', { pod: kobj(pod), err });
    }
  }
}

/** A FitError from a Reserve/Permit rejection (reported for every node as upstream does). */
function fitFromStatus(s: Status, numNodes: number): FitError {
  const m = new NodeToStatus();
  m.absentStatus = s;
  return new FitError(numNodes, m, '', '', new Set(s.plugin ? [s.plugin] : []));
}

/** The node with the highest total score; ties broken by reservoir sampling. */
export function selectHost(nodes: NodeInfo[], totals: number[]): string {
  let best = -Infinity;
  let cnt = 0;
  let sel = 0;
  for (let i = 0; i < nodes.length; i++) {
    const s = totals[i]!;
    if (s > best) {
      best = s;
      cnt = 1;
      sel = i;
    } else if (s === best) {
      cnt++;
      if (Math.floor(Math.random() * cnt) === 0) sel = i;
    }
  }
  return nodes[sel]!.name;
}

