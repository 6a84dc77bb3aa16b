// PriorityQueue: activeQ (ordered by the QueueSort plugin), backoffQ (ordered by backoff
// expiry; per-pod exponential backoff podInitialBackoffSeconds·2^(attempts-1), capped at
// podMaxBackoffSeconds), unschedulablePods (moved back when a cluster event one of the plugins
// that rejected the pod registered for happens, its queueing hint permitting, or after 5
// minutes), plus the nominator of pods waiting for preempted room. Gated pods (PreEnqueue
// rejections) wait in unschedulablePods until an update clears the gate.

import type { ClusterEvent, ClusterEventWithHint, PodNominator, QueuedPodInfoLike } from '../framework/interface.js';
import { ActionType } from '../framework/interface.js';
import { PodInfo } from '../framework/podinfo.js';
import type { Status } from '../framework/status.js';
import type { Pod } from '../types.js';
import { podKey } from '../types.js';
import { logger } from '../../util/klog.js';
import { Heap } from './heap.js';

const log = logger('scheduling_queue.go');

export const DefaultPodMaxInUnschedulablePodsDurationMs = 5 * 60_000;

export class QueuedPodInfo implements QueuedPodInfoLike {
  podInfo: PodInfo;
  /** when the pod was last added to a queue (ms since epoch) */
  timestamp: number;
  attempts = 0;
  /** first time the pod was added (for the SLI metric) */
  initialAttemptTimestamp?: number;
  unschedulablePlugins = new Set<string>();
  pendingPlugins = new Set<string>();
  gated = false;
  gatingPlugin = '';
  /** set when the pod waits in unschedulablePods */
  unschedulableSince = 0;

  constructor(pod: Pod, now: number) {
    this.podInfo = new PodInfo(pod);
    this.timestamp = now;
  }
  get pod(): Pod {
    return this.podInfo.pod;
  }
  get key(): string {
    return podKey(this.pod);
  }
}

/** The nominator: node name → pods nominated to it (from status.nominatedNodeName or preemption). */
export class Nominator implements PodNominator {
  private byNode = new Map<string, PodInfo[]>();
  private nodeOf = new Map<string, string>();

  add(pi: PodInfo, nodeName?: string): void {
    const uid = pi.uid;
    this.delete(pi.pod);
    const n = nodeName ?? pi.pod.status?.nominatedNodeName;
    if (!n) return;
    this.nodeOf.set(uid, n);
    const l = this.byNode.get(n) ?? [];
    l.push(pi);
    this.byNode.set(n, l);
  }

  delete(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const n = this.nodeOf.get(uid);
    if (n === undefined) return;
    this.nodeOf.delete(uid);
    const l = (this.byNode.get(n) ?? []).filter((p) => p.uid !== uid);
    if (l.length) this.byNode.set(n, l);
    else this.byNode.delete(n);
  }

  /** Keep the nomination unless the updated pod names another node (or it was set by preemption). */
  update(oldPod: Pod, newPod: Pod): void {
    const uid = newPod.metadata?.uid ?? '';
    const cur = this.nodeOf.get(uid);
    const nn = newPod.status?.nominatedNodeName || (oldPod.status?.nominatedNodeName ? undefined : cur);
    this.delete(oldPod);
    if (nn) this.add(new PodInfo(newPod), nn);
  }

  nominatedPodsForNode(nodeName: string): PodInfo[] {
    return this.byNode.get(nodeName) ?? [];
  }

  get size(): number {
    return this.nodeOf.size;
  }
}

export interface QueueOptions {
  less: (a: QueuedPodInfoLike, b: QueuedPodInfoLike) => boolean;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  podMaxInUnschedulablePodsDurationMs?: number;
  /** PreEnqueue of the pod's profile */
  preEnqueue: (pod: Pod) => Status | null;
  /** plugin name → events it registered, per profile (pods are matched by their schedulerName) */
  events: (pod: Pod) => Map<string, ClusterEventWithHint[]>;
  /** pending pods gauge */
  onPendingChange?: (active: number, backoff: number, unschedulable: number, gated: number) => void;
  /** an event moved pods (incoming pods metric) */
  onIncoming?: (queue: string, event: string, n: number) => void;
  now?: () => number;
}

function eventMatches(reg: ClusterEvent, ev: ClusterEvent): boolean {
  if (reg.resource === '*' && reg.actionType === ActionType.All) return true;
  const res = reg.resource === ev.resource || reg.resource === '*' || (reg.resource === 'Pod' && (ev.resource === 'AssignedPod' || ev.resource === 'UnscheduledPod'));
  return res && (reg.actionType & ev.actionType) !== 0;
}

export function eventLabel(ev: ClusterEvent): string {
  if (ev.label) return ev.label;
  const names: string[] = [];
  for (const [k, v] of Object.entries(ActionType)) {
    if (typeof v !== 'number' || k === 'All' || k === 'Update') continue;
    if (ev.actionType & v) names.push(k);
  }
  return `${ev.resource}${names.join('')}`;
}

/** unschedulablePods, counting gated pods and pods per rejecting plugin as they come and go. */
export class UnschedulablePods {
  private readonly m = new Map<string, QueuedPodInfo>();
  gated = 0;
  /** profile NUL plugin → pods it rejected (the scheduler_unschedulable_pods gauge) */
  readonly perPlugin = new Map<string, number>();
  onPluginCount?: (profile: string, plugin: string, n: number) => void;

  private account(q: QueuedPodInfo, d: 1 | -1): void {
    if (q.gated) this.gated += d;
    const profile = q.pod.spec.schedulerName ?? 'default-scheduler';
    for (const p of q.unschedulablePlugins) {
      const k = `${profile}\x00${p}`;
      const n = (this.perPlugin.get(k) ?? 0) + d;
      this.perPlugin.set(k, n);
      this.onPluginCount?.(profile, p, n);
    }
  }
  get size(): number {
    return this.m.size;
  }
  get(k: string): QueuedPodInfo | undefined {
    return this.m.get(k);
  }
  has(k: string): boolean {
    return this.m.has(k);
  }
  set(k: string, q: QueuedPodInfo): void {
    this.delete(k);
    this.m.set(k, q);
    this.account(q, 1);
  }
  delete(k: string): boolean {
    const q = this.m.get(k);
    if (!q) return false;
    this.m.delete(k);
    this.account(q, -1);
    return true;
  }
  keys(): IterableIterator<string> {
    return this.m.keys();
  }
  values(): IterableIterator<QueuedPodInfo> {
    return this.m.values();
  }
  [Symbol.iterator](): IterableIterator<[string, QueuedPodInfo]> {
    return this.m[Symbol.iterator]();
  }
}

export class SchedulingQueue {
  readonly activeQ: Heap<QueuedPodInfo>;
  readonly backoffQ: Heap<QueuedPodInfo>;
  readonly unschedulablePods = new UnschedulablePods();
  readonly nominator = new Nominator();
  /** pods popped and not done yet */
  readonly inFlight = new Map<string, QueuedPodInfo>();
  schedulingCycle = 0;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;

  constructor(readonly opts: QueueOptions) {
    this.now = opts.now ?? Date.now;
    this.activeQ = new Heap((q) => q.key, (a, b) => opts.less(a, b));
    this.backoffQ = new Heap((q) => q.key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** Start the periodic flushes (backoffQ every second, unschedulable leftovers every 30s). */
  run(): void {
    const t1 = setInterval(() => this.flushBackoffQCompleted(), 1000);
    const t2 = setInterval(() => this.flushUnschedulablePodsLeftover(), 30_000);
    t1.unref();
    t2.unref();
    this.timers.push(t1, t2);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private changed(): void {
    if (!this.opts.onPendingChange) return;
    const gated = this.unschedulablePods.gated;
    this.opts.onPendingChange(this.activeQ.length, this.backoffQ.length, this.unschedulablePods.size - gated, gated);
  }

  backoffDuration(q: QueuedPodInfo): number {
    let d = this.opts.podInitialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d > this.opts.podMaxBackoffMs) return this.opts.podMaxBackoffMs;
    }
    return Math.min(d, this.opts.podMaxBackoffMs);
  }

  backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.now();
  }

  private pushActive(q: QueuedPodInfo, event: string): boolean {
    const s = this.opts.preEnqueue(q.pod);
    if (s) {
      q.gated = true;
      q.gatingPlugin = s.plugin;
      q.unschedulableSince = this.now();
      this.unschedulablePods.set(q.key, q);
      log.v(5).info('Pod is gated', { pod: q.key, plugin: s.plugin });
      return false;
    }
    q.gated = false;
    this.activeQ.addOrUpdate(q);
    this.opts.onIncoming?.('active', event, 1);
    const w = this.waiters.shift();
    if (w) w(this.popped(this.activeQ.pop()!));
    return true;
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const q = new QueuedPodInfo(pod, this.now());
    q.initialAttemptTimestamp = q.timestamp;
    this.backoffQ.delete(q.key);
    this.unschedulablePods.delete(q.key);
    this.pushActive(q, 'PodAdd');
    this.nominator.add(q.podInfo);
    this.changed();
  }

  private popped(q: QueuedPodInfo): QueuedPodInfo {
    q.attempts++;
    this.schedulingCycle++;
    this.inFlight.set(q.pod.metadata?.uid ?? q.key, q);
    this.changed();
    return q;
  }

  /** The next pod to schedule; waits while activeQ is empty (undefined once closed). */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const q = this.activeQ.pop();
    if (q) return Promise.resolve(this.popped(q));
    return new Promise((r) => this.waiters.push(r));
  }

  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /**
   * A pod that could not be scheduled: to unschedulablePods when plugins rejected it, to
   * backoffQ after an error.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): void {
    const k = q.key;
    this.done(q.pod.metadata?.uid ?? k);
    if (this.activeQ.has(k) || this.backoffQ.has(k) || this.unschedulablePods.has(k)) return;
    q.timestamp = this.now();
    this.nominator.add(q.podInfo);
    if (q.unschedulablePlugins.size === 0 && q.pendingPlugins.size === 0) {
      this.backoffQ.addOrUpdate(q);
      this.opts.onIncoming?.('backoff', 'ScheduleAttemptFailure', 1);
    } else {
      q.unschedulableSince = q.timestamp;
      this.unschedulablePods.set(k, q);
      this.opts.onIncoming?.('unschedulable', 'ScheduleAttemptFailure', 1);
    }
    this.changed();
  }

  /** An update of a pending pod (queued anywhere). */
  update(oldPod: Pod, newPod: Pod): void {
    const k = podKey(newPod);
    this.nominator.update(oldPod, newPod);
    for (const h of [this.activeQ, this.backoffQ]) {
      const q = h.get(k);
      if (q) {
        q.podInfo = new PodInfo(newPod);
        h.addOrUpdate(q);
        return;
      }
    }
    const u = this.unschedulablePods.get(k);
    if (u) {
      u.podInfo = new PodInfo(newPod);
      if (isPodUpdated(oldPod, newPod)) {
        this.unschedulablePods.delete(k);
        if (u.gated || !this.isBackingOff(u)) this.pushActive(u, 'UnscheduledPodUpdate');
        else this.backoffQ.addOrUpdate(u);
        this.changed();
      }
      return;
    }
    if (this.inFlight.has(newPod.metadata?.uid ?? '')) return;
    this.add(newPod);
  }

  delete(pod: Pod): void {
    const k = podKey(pod);
    this.nominator.delete(pod);
    this.activeQ.delete(k);
    this.backoffQ.delete(k);
    this.unschedulablePods.delete(k);
    this.changed();
  }

  /** Move unschedulable pods the event may make schedulable to activeQ/backoffQ. */
  moveAllToActiveOrBackoffQueue(ev: ClusterEvent, oldObj?: unknown, newObj?: unknown, preCheck?: (pod: Pod) => boolean): void {
    if (!this.unschedulablePods.size) return;
    const label = eventLabel(ev);
    let moved = 0;
    for (const [k, q] of this.unschedulablePods) {
      if (q.gated) continue;
      if (preCheck && !preCheck(q.pod)) continue;
      if (!this.isWorthRequeuing(q, ev, oldObj, newObj)) continue;
      this.unschedulablePods.delete(k);
      this.requeue(q, label);
      moved++;
    }
    if (moved) {
      log.v(5).info('Pods moved to activeQ or backoffQ', { event: label, count: moved });
      this.changed();
    }
  }

  private requeue(q: QueuedPodInfo, label: string): void {
    if (this.isBackingOff(q)) {
      this.backoffQ.addOrUpdate(q);
      this.opts.onIncoming?.('backoff', label, 1);
    } else this.pushActive(q, label);
  }

  private isWorthRequeuing(q: QueuedPodInfo, ev: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    const rejectors = [...q.unschedulablePlugins, ...q.pendingPlugins];
    if (!rejectors.length) return true;
    if (ev.resource === '*') return true;
    const events = this.opts.events(q.pod);
    for (const name of rejectors) {
      const regs = events.get(name);
      if (!regs) continue;
      for (const r of regs) {
        if (!eventMatches(r.event, ev)) continue;
        if (!r.hint) return true;
        try {
          if (r.hint(q.pod, oldObj, newObj) === 'Queue') return true;
        } catch {
          return true;
        }
      }
    }
    return false;
  }

  flushBackoffQCompleted(): void {
    const now = this.now();
    let moved = false;
    for (;;) {
      const q = this.backoffQ.peek();
      if (!q || this.backoffExpiry(q) > now) break;
      this.backoffQ.pop();
      this.pushActive(q, 'BackoffComplete');
      moved = true;
    }
    if (moved) this.changed();
  }

  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    const max = this.opts.podMaxInUnschedulablePodsDurationMs ?? DefaultPodMaxInUnschedulablePodsDurationMs;
    let moved = false;
    for (const [k, q] of this.unschedulablePods) {
      if (q.gated) continue;
      if (now - q.unschedulableSince > max) {
        this.unschedulablePods.delete(k);
        this.requeue(q, 'UnschedulableTimeout');
        moved = true;
      }
    }
    if (moved) this.changed();
  }

  /** Wake gated pods whose gate may have been lifted, and pods named explicitly (Activate). */
  activate(pods: Pod[]): void {
    for (const p of pods) {
      const k = podKey(p);
      const q = this.unschedulablePods.get(k) ?? this.backoffQ.get(k);
      if (!q) continue;
      this.unschedulablePods.delete(k);
      this.backoffQ.delete(k);
      this.pushActive(q, 'ForceActivate');
    }
    this.changed();
  }

  pendingPods(): Pod[] {
    return [...this.activeQ.list(), ...this.backoffQ.list(), ...this.unschedulablePods.values()].map((q) => q.pod);
  }
}

/** Whether an update changed more than status / resourceVersion / generation / managedFields / finalizers. */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod) => {
    const { resourceVersion: _r, generation: _g, managedFields: _m, finalizers: _f, ...meta } = p.metadata ?? {};
    return JSON.stringify({ metadata: meta, spec: p.spec });
  };
  return strip(oldPod) !== strip(newPod);
}
