// The prober manager: starts a worker for every probe of every container of a pod, keeps the
// latest readiness/liveness/startup result per container ID, and answers the status generator
// (ready, started) and the runtime manager (failed liveness or startup → restart). A changed
// result asks for a pod sync.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeView } from '../status/generate.js';
import { isRestartableInit } from '../status/policy.js';
import type { ProbeResult, ProbeType } from './results.js';
import { ProbeWorker, type WorkerDeps } from './worker.js';

export interface ProberManagerDeps extends Omit<WorkerDeps, 'set' | 'startupPassed'> {
  /** a result changed: the pod's status (and maybe its containers) need a sync */
  onChange(uid: string): void;
}

const probeOf = (c: Container, t: ProbeType): Probe | undefined => (t === 'liveness' ? c.livenessProbe : t === 'readiness' ? c.readinessProbe : c.startupProbe);

export class ProberManager implements ProbeView {
  private workers = new Map<string, Map<string, ProbeWorker>>();
  private results: Record<ProbeType, Map<string, ProbeResult>> = { liveness: new Map(), readiness: new Map(), startup: new Map() };

  constructor(private readonly deps: ProberManagerDeps) {}

  /** Starts workers for a new pod's probes (regular containers and sidecars). */
  addPod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const existing = this.workers.get(uid);
    if (existing) {
      for (const w of existing.values()) w.updatePod(pod);
      return;
    }
    const ws = new Map<string, ProbeWorker>();
    const workerDeps: WorkerDeps = {
      ...this.deps,
      set: (type, id, result, podUid) => this.set(type, id, result, podUid),
      startupPassed: (podUid, c, id) => this.started(podUid, c, id),
    };
    const containers = [...(pod.spec?.initContainers ?? []).filter(isRestartableInit), ...(pod.spec?.containers ?? [])];
    for (const c of containers) {
      for (const t of ['startup', 'liveness', 'readiness'] as ProbeType[]) {
        const p = probeOf(c, t);
        if (!p) continue;
        ws.set(`${c.name}/${t}`, new ProbeWorker(t, pod, c, p, workerDeps));
      }
    }
    // every worker is known before any runs: a startup probe must gate the others from the first round
    this.workers.set(uid, ws);
    for (const w of ws.values()) w.start();
  }

  removePod(uid: string): void {
    for (const w of this.workers.get(uid)?.values() ?? []) w.stop();
    this.workers.delete(uid);
  }

  /** A container (re)started: run its readiness and startup probes now. */
  containerStarted(uid: string, name: string): void {
    this.workers.get(uid)?.get(`${name}/readiness`)?.trigger();
    this.workers.get(uid)?.get(`${name}/startup`)?.trigger();
  }

  private hasWorker(uid: string, name: string, t: ProbeType): boolean {
    return this.workers.get(uid)?.has(`${name}/${t}`) ?? false;
  }

  private set(type: ProbeType, id: string, result: ProbeResult, uid: string): void {
    const m = this.results[type];
    if (m.get(id) === result) return;
    m.set(id, result);
    this.deps.onChange(uid);
  }

  started(uid: string, c: Container, containerId: string): boolean {
    if (!this.hasWorker(uid, c.name, 'startup')) return true;
    return this.results.startup.get(containerId) === 'success';
  }

  ready(uid: string, c: Container, containerId: string): boolean {
    if (!this.hasWorker(uid, c.name, 'readiness')) return true;
    return this.results.readiness.get(containerId) === 'success';
  }

  /** Why a running container must be restarted by its probes, or undefined. */
  failed(uid: string, c: Container, containerId: string): { message: string; probe: Probe } | undefined {
    if (this.hasWorker(uid, c.name, 'liveness') && this.results.liveness.get(containerId) === 'failure') {
      return { message: `Container ${c.name} failed liveness probe`, probe: c.livenessProbe! };
    }
    if (this.hasWorker(uid, c.name, 'startup') && this.results.startup.get(containerId) === 'failure') {
      return { message: `Container ${c.name} failed startup probe`, probe: c.startupProbe! };
    }
    return undefined;
  }

  /** Drops results of containers that no longer exist. */
  forgetContainers(live: Set<string>): void {
    for (const m of Object.values(this.results)) for (const id of m.keys()) if (!live.has(id)) m.delete(id);
  }

  stop(): void {
    for (const uid of [...this.workers.keys()]) this.removePod(uid);
  }
}
