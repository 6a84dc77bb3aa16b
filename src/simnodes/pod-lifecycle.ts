// The simulated container runtime of one pod, as a pure state machine over time: containers
// start when the pod is first seen, become ready after the ready delay (unless the pod's
// k8ts.io/sim-ready says "false"), and — when the restart policy is Never/OnFailure or an exit
// code is asked for — exit after the run duration. An exit that the restart policy restarts
// (Always; OnFailure with a non-zero code) restarts at once the first time, then after the
// kubelet's crash-loop back-off (10s doubling to 5m); one it does not restart ends the pod:
// Succeeded when the code is 0, Failed otherwise.
import type { PodControl } from './control.js';

export type ContainerPhase = 'running' | 'waiting' | 'terminated';

export interface Termination {
  exitCode: number;
  reason: string;
  startedAt: number;
  finishedAt: number;
}

export interface PodRuntime {
  uid: string;
  /** the node it runs on */
  node: string;
  startTime: number;
  /** pod IPs (empty for host-network pods, which use the host IP) */
  podIPs: string[];
  /** podIPs came from the node's allocator and must be given back */
  allocated: boolean;
  phase: 'Running' | 'Succeeded' | 'Failed';
  container: ContainerPhase;
  containerStartedAt: number;
  restartCount: number;
  waitingUntil: number;
  lastTermination?: Termination;
  termination?: Termination;
  /** every container is ready (ContainersReady) */
  ready: boolean;
  readyChangedAt: number;
  /** the pod is ready (Ready): containers ready and readiness gates True */
  podReady: boolean;
  podReadyChangedAt: number;
  /** signature of the status last written (skip identical writes) */
  sentSig: string;
}

export interface LifecycleSettings {
  readyDelayMs: number;
  runDurationMs: number;
}

/** The kubelet's restart back-off for the n-th restart: none for the first, then 10s·2^(n-2) up to 5m. */
export function crashBackoffMs(restartCount: number): number {
  if (restartCount <= 1) return 0;
  return Math.min(10_000 * 2 ** (restartCount - 2), 300_000);
}

export function newRuntime(uid: string, node: string, now: number, podIPs: string[], allocated: boolean): PodRuntime {
  return {
    uid,
    node,
    startTime: now,
    podIPs,
    allocated,
    phase: 'Running',
    container: 'running',
    containerStartedAt: now,
    restartCount: 0,
    waitingUntil: 0,
    ready: false,
    readyChangedAt: now,
    podReady: false,
    podReadyChangedAt: now,
    sentSig: '',
  };
}

/**
 * Move rt forward to `now`. Returns the time of the next change (epoch ms) or undefined when
 * nothing will change without outside input.
 */
export function advance(rt: PodRuntime, restartPolicy: string | undefined, ctl: PodControl, s: LifecycleSettings, now: number): number | undefined {
  const policy = restartPolicy || 'Always';
  const runFor = ctl.runDurationMs ?? s.runDurationMs;
  const exits = policy !== 'Always' || ctl.exitCode !== undefined;
  const code = ctl.exitCode ?? 0;
  let next: number | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    if (rt.container === 'running') {
      const end = rt.containerStartedAt + runFor;
      if (exits && now >= end) {
        const term: Termination = { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: rt.containerStartedAt, finishedAt: end };
        const restart = policy === 'Always' || (policy === 'OnFailure' && code !== 0);
        if (!restart) {
          rt.container = 'terminated';
          rt.termination = term;
          rt.phase = code === 0 ? 'Succeeded' : 'Failed';
          break;
        }
        rt.lastTermination = term;
        rt.restartCount++;
        const backoff = crashBackoffMs(rt.restartCount);
        if (backoff > 0) {
          rt.container = 'waiting';
          rt.waitingUntil = end + backoff;
        } else rt.containerStartedAt = end;
        continue;
      }
      if (exits) next = end;
      break;
    }
    if (rt.container === 'waiting') {
      if (now >= rt.waitingUntil) {
        rt.container = 'running';
        rt.containerStartedAt = rt.waitingUntil;
        continue;
      }
      next = rt.waitingUntil;
      break;
    }
    break;
  }
  const readyAt = rt.containerStartedAt + s.readyDelayMs;
  const ready = rt.container === 'running' && ctl.ready && now >= readyAt;
  if (ready !== rt.ready) {
    rt.ready = ready;
    rt.readyChangedAt = now;
  }
  if (rt.container === 'running' && ctl.ready && !ready && (next === undefined || readyAt < next)) next = readyAt;
  return next;
}

/** Record the pod's Ready (containers ready and every readiness gate True). */
export function setPodReady(rt: PodRuntime, podReady: boolean, now: number): void {
  if (podReady === rt.podReady) return;
  rt.podReady = podReady;
  rt.podReadyChangedAt = now;
}

/** What the written status depends on: equal signatures mean equal statuses. */
export function runtimeSignature(rt: PodRuntime): string {
  return `${rt.phase}|${rt.container}|${rt.ready ? 1 : 0}${rt.podReady ? 1 : 0}|${rt.restartCount}|${rt.containerStartedAt}|${rt.podIPs.join(',')}`;
}
