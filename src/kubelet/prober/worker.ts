// One probe worker per container and probe type (the prober's worker.go): runs the probe every
// periodSeconds once initialDelaySeconds have passed since the container started, applies the
// success/failure thresholds, records "Unhealthy" events, and holds off after a liveness or
// startup failure until the container is replaced.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/events.js';
import type { KubeObject } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import type { RuntimeApi } from '../pods/cri.js';
import { runProbe } from './prober.js';
import { probeTypeTitle, type ProbeOutcome, type ProbeResult, type ProbeType } from './results.js';

/** The container as the prober needs it, from the latest relist. */
export interface ContainerView {
  containerId: string;
  running: boolean;
  startedAtMs: number;
  podIP: string;
}

export interface WorkerDeps {
  cri: RuntimeApi;
  recorder: EventRecorder;
  log: Logger;
  lookup(uid: string, container: string): ContainerView | undefined;
  /** results of other probe types for the same container (startup gates liveness/readiness) */
  startupPassed(uid: string, container: Container, containerId: string): boolean;
  set(type: ProbeType, containerId: string, result: ProbeResult, uid: string): void;
  /** overridable for tests */
  run?(probe: Probe, pod: Pod, container: Container, view: ContainerView): Promise<ProbeOutcome>;
}

export const initialResult: Record<ProbeType, ProbeResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private containerId = '';
  private lastResult: ProbeResult = 'unknown';
  private resultRun = 0;
  private onHold = false;
  private running = false;

  constructor(
    readonly type: ProbeType,
    private pod: Pod,
    private readonly container: Container,
    private readonly probe: Probe,
    private readonly deps: WorkerDeps,
  ) {}

  start(): void {
    const period = Math.max(1, this.probe.periodSeconds ?? 10) * 1000;
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  updatePod(pod: Pod): void {
    this.pod = pod;
  }

  /** Run now (a container just started: readiness should not wait a full period). */
  trigger(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.doProbe();
    } catch (err) {
      this.deps.log.error('Probe worker failed', { probeType: this.type, container: this.container.name, err: String(err) });
    } finally {
      this.running = false;
    }
  }

  /** One probe round; exported for tests through the class. */
  async doProbe(): Promise<void> {
    const uid = this.pod.metadata!.uid!;
    const view = this.deps.lookup(uid, this.container.name);
    if (!view) return;
    if (view.containerId !== this.containerId) {
      this.containerId = view.containerId;
      this.onHold = false;
      this.resultRun = 0;
      this.lastResult = 'unknown';
      this.deps.set(this.type, view.containerId, initialResult[this.type], uid);
    }
    if (!view.running) {
      if (this.type === 'readiness') this.deps.set(this.type, view.containerId, 'failure', uid);
      return;
    }
    if (this.onHold) return;
    if (this.pod.metadata?.deletionTimestamp && this.type !== 'readiness') return;
    const startupDone = this.deps.startupPassed(uid, this.container, view.containerId);
    if (this.type === 'startup' ? startupDone : !startupDone) return;
    if (Date.now() - view.startedAtMs < (this.probe.initialDelaySeconds ?? 0) * 1000) return;
    const run = this.deps.run ?? ((probe, pod, container, v) => runProbe(this.deps.cri, probe, { pod, container, containerId: v.containerId, podIP: v.podIP }));
    const out = await run(this.probe, this.pod, this.container, view);
    if (this.deps.lookup(uid, this.container.name)?.containerId !== view.containerId) return;
    const ref = this.pod as unknown as KubeObject;
    const fieldPath = `spec.containers{${this.container.name}}`;
    let result = out.result;
    if (result === 'failure') {
      this.deps.recorder.event(ref, 'Warning', 'Unhealthy', `${probeTypeTitle(this.type)} probe failed: ${out.output.trim()}`, { fieldPath });
    } else if (result === 'warning') {
      this.deps.recorder.event(ref, 'Warning', 'ProbeWarning', `${probeTypeTitle(this.type)} probe warning: ${out.output.trim()}`, { fieldPath });
      result = 'success';
    } else if (result === 'unknown') {
      this.deps.recorder.event(ref, 'Warning', 'Unhealthy', `${probeTypeTitle(this.type)} probe errored: ${out.output.trim()}`, { fieldPath });
      return;
    }
    this.deps.log.v(4).info('Probe result', { probeType: this.type, pod: this.pod.metadata?.name, container: this.container.name, result });
    if (result === this.lastResult) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const threshold = result === 'failure' ? (this.probe.failureThreshold ?? 3) : (this.probe.successThreshold ?? 1);
    if (this.resultRun < threshold) return;
    this.deps.set(this.type, view.containerId, result, uid);
    if (result === 'failure' && this.type !== 'readiness') {
      // the container gets restarted; wait for its replacement
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}
