// What one sync must do to bring the runtime to the pod's spec (kuberuntime's
// computePodActions): recreate the sandbox (killing everything) when it is gone, not ready or
// duplicated; run init containers one by one (sidecars kept running); start or restart app
// containers per restartPolicy; kill containers whose spec hash changed or whose liveness or
// startup probe failed.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { isRestartableInit, shouldRestart } from '../status/policy.js';
import { hashContainer } from './hash.js';
import { latestByName, type ContainerRecord, type PodRuntime } from './runtime-state.js';

export type KillReason = 'unknown' | 'liveness' | 'startup' | 'changed' | 'failedInit' | '';

export interface ContainerToKill {
  record: ContainerRecord;
  container?: Container;
  message: string;
  reason: KillReason;
}

export interface PodActions {
  killPod: boolean;
  createSandbox: boolean;
  /** the ready sandbox to use when not creating one */
  sandboxId: string;
  attempt: number;
  /** init containers to start (regular ones one at a time; sidecars as they come) */
  initToStart: Container[];
  containersToStart: Container[];
  containersToKill: ContainerToKill[];
}

/** Failed probes of a running container (the prober manager answers). */
export type ProbeFailure = (container: Container, containerId: string) => { message: string; probe: Probe } | undefined;

/** PodSandboxChanged: whether a new sandbox is needed, its attempt and the sandbox to keep. */
export function sandboxChanged(pod: Pod, rt: PodRuntime | undefined): { create: boolean; attempt: number; sandboxId: string } {
  const sbs = rt?.sandboxes ?? [];
  if (sbs.length === 0) return { create: true, attempt: 0, sandboxId: '' };
  const latest = sbs[0];
  const ready = sbs.filter((s) => s.ready).length;
  if (ready > 1) return { create: true, attempt: latest.attempt + 1, sandboxId: latest.id };
  if (!latest.ready) return { create: true, attempt: latest.attempt + 1, sandboxId: latest.id };
  // network checks only on what PodSandboxStatus said (a failed status call is no reason to recreate)
  if (latest.netKnown && latest.hostNetwork !== !!pod.spec?.hostNetwork) return { create: true, attempt: latest.attempt + 1, sandboxId: latest.id };
  if (latest.netKnown && !pod.spec?.hostNetwork && latest.ips.length === 0) return { create: true, attempt: latest.attempt + 1, sandboxId: latest.id };
  return { create: false, attempt: latest.attempt, sandboxId: latest.id };
}

const restartOnFailure = (pod: Pod) => (pod.spec?.restartPolicy ?? 'Always') !== 'Never';

function succeeded(rec: ContainerRecord | undefined): boolean {
  return rec?.state === 'exited' && rec.exitCode === 0;
}

/** Init containers' progress; false while initialization is still running or failed. */
function initActions(pod: Pod, latest: Map<string, ContainerRecord>, failed: ProbeFailure, a: PodActions): boolean {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return true;
  const regularCreated = (pod.spec?.containers ?? []).some((c) => latest.has(c.name));
  for (const c of inits) {
    const rec = latest.get(c.name);
    if (isRestartableInit(c)) {
      if (!rec || rec.state !== 'running') {
        if (rec?.state === 'unknown') a.containersToKill.push({ record: rec, container: c, message: `Init container is in "${rec.state}" state, try killing it before restart`, reason: 'unknown' });
        a.initToStart.push(c);
        if (!regularCreated) return false;
        continue;
      }
      const why = rec.hash !== hashContainer(c) ? { message: `Init container ${c.name} definition changed`, reason: 'changed' as const } : (() => {
        const f = failed(c, rec.id);
        return f ? { message: f.message, reason: (f.message.includes('liveness') ? 'liveness' : 'startup') as KillReason } : undefined;
      })();
      if (why) {
        a.containersToKill.push({ record: rec, container: c, message: `${why.message}, will be restarted`, reason: why.reason });
        a.initToStart.push(c);
      }
      continue;
    }
    if (regularCreated) continue; // initialized before (init containers may have been collected)
    if (!rec) {
      a.initToStart.push(c);
      return false;
    }
    if (rec.state === 'running') return false;
    if (succeeded(rec)) continue;
    if (rec.state === 'exited') {
      if (!restartOnFailure(pod)) {
        a.killPod = true; // initialization failed for good
        return false;
      }
      a.initToStart.push(c);
      return false;
    }
    // created or unknown: kill what may be left and start again
    a.containersToKill.push({ record: rec, container: c, message: `Init container is in "${rec.state}" state, try killing it before restart`, reason: 'unknown' });
    a.initToStart.push(c);
    return false;
  }
  return true;
}

export function computePodActions(pod: Pod, rt: PodRuntime | undefined, failed: ProbeFailure): PodActions {
  const sb = sandboxChanged(pod, rt);
  const a: PodActions = { killPod: sb.create, createSandbox: sb.create, sandboxId: sb.sandboxId, attempt: sb.attempt, initToStart: [], containersToStart: [], containersToKill: [] };
  const latest = latestByName(rt);
  const containers = pod.spec?.containers ?? [];
  if (sb.create) {
    if (!restartOnFailure(pod) && sb.attempt !== 0 && (rt?.containers.length ?? 0) > 0) {
      a.createSandbox = false; // a Never pod whose containers already ran is not started again
      return a;
    }
    const toStart = containers.filter((c) => !(pod.spec?.restartPolicy === 'OnFailure' && succeeded(latest.get(c.name))));
    const initialized = containers.some((c) => latest.has(c.name));
    if (initialized && toStart.length === 0) {
      a.createSandbox = false;
      return a;
    }
    const inits = pod.spec?.initContainers ?? [];
    if (inits.length) {
      a.initToStart = [inits[0]];
      return a;
    }
    a.containersToStart = toStart;
    return a;
  }
  const initialized = initActions(pod, latest, failed, a);
  if (a.killPod || !initialized) return a;
  let keep = 0;
  for (const c of containers) {
    const rec = latest.get(c.name);
    if (!rec || rec.state !== 'running') {
      if (shouldRestart(c, pod, rec)) {
        a.containersToStart.push(c);
        if (rec?.state === 'unknown') a.containersToKill.push({ record: rec, container: c, message: `Container is in "${rec.state}" state, try killing it before restart`, reason: 'unknown' });
      }
      continue;
    }
    let restart = restartOnFailure(pod);
    let message: string;
    let reason: KillReason;
    const f = failed(c, rec.id);
    if (rec.hash && rec.hash !== hashContainer(c)) {
      message = `Container ${c.name} definition changed`;
      reason = 'changed';
      restart = true;
    } else if (f) {
      message = f.message;
      reason = f.message.includes('liveness') ? 'liveness' : 'startup';
    } else {
      keep++;
      continue;
    }
    if (restart) {
      message = `${message}, will be restarted`;
      a.containersToStart.push(c);
    }
    a.containersToKill.push({ record: rec, container: c, message, reason });
  }
  if (keep === 0 && a.containersToStart.length === 0) {
    a.killPod = true;
    a.initToStart = [];
  }
  return a;
}
