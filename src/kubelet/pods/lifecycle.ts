// The pod lifecycle: one serialized worker per pod UID (pod_workers.go) that syncs the pod on
// updates, on runtime changes seen by a PLEG-like relist every second, and every syncFrequency;
// the termination path (kill with the grace period, volumes torn down, final status, DELETE with
// grace 0 for pods deleted from the API); removal and orphan clean-up of runtime pods nobody
// wants any more (kubelet restart: pods still wanted are adopted as they run).
import { rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isForbidden, isNotFound } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import type { PodSource } from './types.js';
import type { ProberManager } from '../prober/manager.js';
import { deadlineExceededMessage, deadlineExceededReason, generatePodStatus, type WaitingReason } from '../status/generate.js';
import { MirrorAnnotation, type StatusManager } from '../status/manager.js';
import type { VolumeManager } from '../volumes/types.js';
import { formatPod } from './hooks.js';
import { podDir } from './hosts.js';
import type { EventRecorder } from '../../client/events.js';
import type { KubeObject, RestClient } from '../../client/rest.js';
import type { PodRuntime, RuntimeCache } from './runtime-state.js';
import { goDuration } from './backoff.js';
import { errText, type RuntimeManager } from './runtime.js';
import { noMetrics, type PodMetrics } from './metrics.js';
import { podLogsDirectory } from './sandbox.js';

interface PodEntry {
  pod: Pod;
  source: PodSource;
  reasons: Map<string, WaitingReason>;
  retry?: NodeJS.Timeout;
  /** fires when spec.activeDeadlineSeconds runs out */
  deadlineTimer?: NodeJS.Timeout;
  /** volumes torn down after the pod terminated */
  cleanedUp: boolean;
  /** DELETE (grace 0) sent for a pod deleted from the API */
  deleted: boolean;
  firstSeen: number;
  reportedRunning: boolean;
  /** the pod has been synced once (worker metrics: create, then update/sync) */
  synced: boolean;
}

export interface LifecycleDeps {
  cache: RuntimeCache;
  runtime: RuntimeManager;
  status: StatusManager;
  prober: ProberManager;
  volumes: VolumeManager;
  recorder: EventRecorder;
  client: RestClient;
  log: Logger;
  nodeIPs: string[];
  rootDir: string;
  podLogsDir: string;
  syncFrequencyMs: number;
  relistPeriodMs?: number;
  /** how long after start runtime pods no source has claimed may be taken for orphans */
  orphanGraceMs?: number;
  metrics?: PodMetrics;
}

const terminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';

/** A runtime fingerprint: changes when a sandbox or container appears, goes or changes state. */
function fingerprint(rt: PodRuntime): string {
  return [...rt.sandboxes.map((s) => `${s.id}:${s.ready}`), ...rt.containers.map((c) => `${c.id}:${c.state}`)].sort().join(',');
}

export class PodLifecycleImpl {
  private entries = new Map<string, PodEntry>();
  /** last copy of removed pods (for events and grace periods while they are cleaned up) */
  private removed = new Map<string, Pod>();
  private workers = new Map<string, { dirty: boolean; done: Promise<void> }>();
  private fingerprints = new Map<string, string>();
  private lastRelist = new Map<string, PodRuntime>();
  private orphanChecked = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private startedAt = Date.now();
  private stopped = false;
  private relisting = false;
  private runtimeName = 'containerd';
  lastRelistOk = 0;

  private readonly metrics: PodMetrics;

  constructor(private readonly d: LifecycleDeps, runtimeName?: string) {
    if (runtimeName) this.runtimeName = runtimeName;
    this.metrics = d.metrics ?? noMetrics;
  }

  setRuntimeName(name: string): void {
    this.runtimeName = name;
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    await this.relist();
    const pleg = setInterval(() => void this.relist(), this.d.relistPeriodMs ?? 1000);
    const resync = setInterval(() => {
      for (const uid of this.entries.keys()) this.enqueue(uid);
    }, this.d.syncFrequencyMs);
    const housekeeping = setInterval(() => this.d.runtime.backoff.gc(), 60_000);
    for (const t of [pleg, resync, housekeeping]) t.unref();
    this.timers.push(pleg, resync, housekeeping);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const e of this.entries.values()) {
      clearTimeout(e.retry);
      clearTimeout(e.deadlineTimer);
    }
    this.d.prober.stop();
    // a worker may be waiting out a grace period: the kubelet does not wait for it to exit
    const settle = new Promise<void>((r) => setTimeout(r, 2000).unref());
    await Promise.race([Promise.all([...this.workers.values()].map((w) => w.done)).then(() => this.d.status.flush()), settle]);
  }

  upsertPod(pod: Pod, source: PodSource): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const e = this.entries.get(uid);
    if (e) {
      e.pod = pod;
      e.source = source;
    } else {
      this.entries.set(uid, { pod, source, reasons: new Map(), cleanedUp: false, deleted: false, firstSeen: Date.now(), reportedRunning: pod.status?.phase === 'Running', synced: false });
      this.removed.delete(uid);
    }
    this.d.status.observePod(pod, source === 'file');
    if (!pod.metadata?.deletionTimestamp && !terminalPhase(pod.status?.phase)) this.d.prober.addPod(pod);
    this.enqueue(uid);
  }

  removePod(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    clearTimeout(e.retry);
    clearTimeout(e.deadlineTimer);
    this.removed.set(uid, e.pod);
    this.entries.delete(uid);
    this.enqueue(uid);
  }

  listPods(): Pod[] {
    return [...this.entries.values()].map((e) => ({ ...e.pod, status: this.d.status.getStatus(e.pod.metadata!.uid!) ?? e.pod.status }));
  }

  runningPodCount(): number {
    let n = 0;
    for (const rt of this.lastRelist.values()) if (rt.sandboxes.some((s) => s.ready)) n++;
    return n;
  }

  /** Upstream's PLEG health check: a relist must have succeeded within the last 3 minutes. */
  health(now = Date.now()): { ok: boolean; reason?: string } {
    const threshold = 180_000;
    const last = this.lastRelistOk || this.startedAt;
    if (now - last <= threshold) return { ok: true };
    return { ok: false, reason: `PLEG is not healthy: pleg was last seen active ${goDuration(now - last)} ago; threshold is ${goDuration(threshold)}` };
  }

  /** The newest container of that name as the last relist saw it (for the prober). */
  containerView(uid: string, name: string): { containerId: string; running: boolean; startedAtMs: number; podIP: string } | undefined {
    const rt = this.lastRelist.get(uid);
    const c = rt?.containers.find((x) => x.name === name);
    if (!rt || !c) return undefined;
    const e = this.entries.get(uid);
    const podIP = e?.pod.spec?.hostNetwork ? (this.d.nodeIPs[0] ?? '') : (rt.sandboxes[0]?.ips[0] ?? '');
    return { containerId: c.id, running: c.state === 'running', startedAtMs: c.startedAt, podIP };
  }

  /** Waits until no worker is busy (tests). */
  async idle(): Promise<void> {
    while (this.workers.size) await Promise.all([...this.workers.values()].map((w) => w.done));
  }

  // ---- pod workers ----

  /** Asks for a sync of the pod (coalesced while one runs). */
  enqueue(uid: string): void {
    if (this.stopped) return;
    const w = this.workers.get(uid);
    if (w) {
      w.dirty = true;
      return;
    }
    const state = { dirty: true, done: Promise.resolve() };
    this.workers.set(uid, state);
    state.done = (async () => {
      while (state.dirty && !this.stopped) {
        state.dirty = false;
        const t0 = performance.now();
        const op = this.entries.get(uid)?.synced === false ? 'create' : 'sync';
        try {
          await this.syncOnce(uid);
          this.metrics.podWorker(op, (performance.now() - t0) / 1000);
        } catch (err) {
          this.d.log.error('Error syncing pod, skipping', { podUID: uid, err: errText(err) });
          this.retryIn(uid, 2000);
        }
      }
      this.workers.delete(uid);
    })();
  }

  private retryIn(uid: string, ms: number): void {
    const e = this.entries.get(uid);
    if (!e) return;
    clearTimeout(e.retry);
    e.retry = setTimeout(() => this.enqueue(uid), ms);
    e.retry.unref();
  }

  private updateStatus(e: PodEntry, rt: PodRuntime | undefined, podIsTerminal: boolean): void {
    const uid = e.pod.metadata!.uid!;
    const before = this.d.status.getStatus(uid);
    const pod: Pod = { ...e.pod, status: before ?? e.pod.status };
    const status = generatePodStatus({ pod, runtime: rt, reasons: e.reasons, probes: this.d.prober, nodeIPs: this.d.nodeIPs, runtimeName: this.runtimeName, podIsTerminal });
    if (status.reason === deadlineExceededReason && before?.reason !== deadlineExceededReason) {
      this.d.recorder.event(e.pod as unknown as KubeObject, 'Warning', deadlineExceededReason, deadlineExceededMessage);
    }
    this.d.status.setStatus(uid, status);
    // wake up when the active deadline passes
    const deadline = e.pod.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && status.startTime && !terminalPhase(status.phase) && !e.deadlineTimer) {
      e.deadlineTimer = setTimeout(() => this.enqueue(uid), Math.max(100, Date.parse(status.startTime) + deadline * 1000 - Date.now() + 50));
      e.deadlineTimer.unref();
    }
    if (status.phase === 'Running' && !e.reportedRunning) {
      e.reportedRunning = true;
      this.metrics.podStarted((Date.now() - e.firstSeen) / 1000);
    }
  }

  private async syncOnce(uid: string): Promise<void> {
    const e = this.entries.get(uid);
    const rt = await this.d.cache.pod(uid);
    if (!e) {
      await this.cleanup(uid, rt);
      return;
    }
    const pod = e.pod;
    const phase = this.d.status.getStatus(uid)?.phase ?? pod.status?.phase;
    if (pod.metadata?.deletionTimestamp || terminalPhase(phase)) {
      await this.terminate(e, rt);
      return;
    }
    this.updateStatus(e, rt, false);
    if (terminalPhase(this.d.status.getStatus(uid)?.phase)) {
      // e.g. past its active deadline: the next round stops it
      this.enqueue(uid);
      return;
    }
    let volumes;
    try {
      volumes = await this.d.volumes.setUpPod(pod);
    } catch (err) {
      this.d.recorder.event(pod as unknown as KubeObject, 'Warning', 'FailedMount', errText(err));
      this.retryIn(uid, 3000);
      return;
    }
    if (this.entries.get(uid) !== e || e.pod.metadata?.deletionTimestamp) {
      this.enqueue(uid);
      return;
    }
    const res = await this.d.runtime.syncPod(e.pod, rt, volumes);
    e.synced = true;
    e.reasons = res.reasons;
    const after = await this.d.cache.pod(uid);
    if (after) this.lastRelist.set(uid, after);
    for (const name of res.started) this.d.prober.containerStarted(uid, name);
    this.updateStatus(e, after, false);
    if (after) await this.d.runtime.gcPod(after);
    if (res.retryInMs !== undefined && Number.isFinite(res.retryInMs)) this.retryIn(uid, Math.max(100, res.retryInMs));
    if (terminalPhase(this.d.status.getStatus(uid)?.phase)) this.enqueue(uid);
  }

  /** A pod being deleted, or one whose containers are done for good. */
  private async terminate(e: PodEntry, rt: PodRuntime | undefined): Promise<void> {
    const pod = e.pod;
    const uid = pod.metadata!.uid!;
    const busy = rt && (rt.containers.some((c) => c.state === 'running' || c.state === 'created') || rt.sandboxes.some((s) => s.ready));
    if (busy) {
      this.d.log.v(2).info('Pod is terminating', { pod: formatPod(pod), gracePeriod: pod.metadata?.deletionGracePeriodSeconds });
      await this.d.runtime.killPod(pod, rt);
    }
    this.d.prober.removePod(uid);
    const after = busy ? await this.d.cache.pod(uid) : rt;
    this.updateStatus(e, after, true);
    if (!e.cleanedUp) {
      await this.d.volumes.tearDownPod(uid).catch((err) => this.d.log.error('Failed to tear down volumes', { pod: formatPod(pod), err: errText(err) }));
      e.cleanedUp = true;
    }
    if (pod.metadata?.deletionTimestamp && e.source === 'api' && !e.deleted) {
      await this.d.status.flush();
      await this.d.status.deletePod(pod);
      e.deleted = true;
    }
  }

  /** The pod is gone: stop what still runs, remove its containers, sandboxes and files. */
  private async cleanup(uid: string, rt: PodRuntime | undefined): Promise<void> {
    const pod = this.removed.get(uid) ?? ({ apiVersion: 'v1', kind: 'Pod', metadata: { uid, name: rt?.name, namespace: rt?.namespace } } as Pod);
    if (rt) {
      await this.d.runtime.killPod(pod, rt);
      const after = await this.d.cache.pod(uid);
      if (after) await this.d.runtime.removePodResources(after);
    }
    this.d.prober.removePod(uid);
    this.d.status.forget(uid);
    this.fingerprints.delete(uid);
    let volumesGone = true;
    await this.d.volumes.tearDownPod(uid).catch((err) => {
      volumesGone = false;
      this.d.log.error('Failed to tear down volumes of a removed pod', { podUID: uid, err: errText(err) });
    });
    if (pod.metadata?.name) rmSync(podLogsDirectory(this.d.podLogsDir, pod), { recursive: true, force: true });
    if (volumesGone) {
      const dir = podDir(this.d.rootDir, uid);
      rmSync(join(dir, 'etc-hosts'), { force: true });
      rmSync(join(dir, 'containers'), { recursive: true, force: true });
      try {
        rmdirSync(join(dir, 'volumes'));
      } catch {
        /* not there, or not empty */
      }
      try {
        rmdirSync(dir);
      } catch {
        /* something is left: leave it */
      }
    }
    this.removed.delete(uid);
    this.d.log.v(2).info('Pod cleaned up', { podUID: uid, pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
  }

  // ---- PLEG ----

  private async relist(): Promise<void> {
    if (this.relisting || this.stopped) return;
    this.relisting = true;
    try {
      const t0 = performance.now();
      const all = await this.d.cache.relist();
      this.metrics.relist((performance.now() - t0) / 1000);
      this.lastRelistOk = Date.now();
      const live = new Set<string>();
      for (const [uid, rt] of all) {
        for (const c of rt.containers) live.add(c.id);
        const fp = fingerprint(rt);
        const changed = this.fingerprints.get(uid) !== fp;
        this.fingerprints.set(uid, fp);
        if (this.entries.has(uid)) {
          if (changed) this.enqueue(uid);
        } else if (!this.workers.has(uid)) void this.maybeOrphan(uid, rt);
      }
      for (const uid of [...this.fingerprints.keys()]) {
        if (all.has(uid)) continue;
        this.fingerprints.delete(uid);
        if (this.entries.has(uid)) this.enqueue(uid);
      }
      this.lastRelist = all;
      this.d.prober.forgetContainers(live);
    } catch (err) {
      this.d.log.error('PLEG relist failed', { err: errText(err) });
    } finally {
      this.relisting = false;
    }
  }

  /** A runtime pod no source has given us: after the start-up grace, and if the API has no such pod, it goes. */
  private async maybeOrphan(uid: string, rt: PodRuntime): Promise<void> {
    if (Date.now() - this.startedAt < (this.d.orphanGraceMs ?? 15_000)) return;
    if (this.removed.has(uid)) {
      this.enqueue(uid);
      return;
    }
    const last = this.orphanChecked.get(uid) ?? 0;
    if (Date.now() - last < 10_000) return;
    this.orphanChecked.set(uid, Date.now());
    if (rt.name && rt.namespace) {
      try {
        const p = await this.d.client.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: rt.namespace, name: rt.name });
        if (p.metadata?.uid === uid || p.metadata?.annotations?.[MirrorAnnotation] === uid) return; // still wanted: its source will hand it over
      } catch (err) {
        // The Node authorizer answers Forbidden ("no relationship found") for a pod that no longer
        // exists or is no longer bound here, as upstream's does: for this node it is gone either way.
        if (!isNotFound(err) && !isForbidden(err)) return;
      }
    }
    if (this.entries.has(uid)) return;
    this.d.log.v(2).info('Cleaning up orphaned pod', { podUID: uid, pod: `${rt.namespace}/${rt.name}` });
    this.orphanChecked.delete(uid);
    this.enqueue(uid);
  }
}
