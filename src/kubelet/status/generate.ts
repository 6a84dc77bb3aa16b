// Pod status from what the runtime holds (the kubelet's generateAPIPodStatus): container and
// init container statuses (state, lastState, restartCount, ready, started, image, containerID),
// the phase (getPhase), the kubelet-owned conditions with upstream's reasons and messages,
// pod and host IPs, start time and QoS class.
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { podQOSClass } from '../../apiserver/registry/core/pods.js';
import type { KObject } from '../../apiserver/registry/types.js';
import type { ContainerRecord, PodRuntime } from '../pods/runtime-state.js';
import { isRestartableInit, shouldRestart } from './policy.js';

/** Why the last sync could not start a container (the kubelet's reasonCache). */
export interface WaitingReason {
  reason: string;
  message: string;
}

/** Probe results as the status sees them (the prober manager implements it). */
export interface ProbeView {
  /** startup probe passed (or none); only asked for running containers */
  started(podUid: string, container: Container, containerId: string): boolean;
  /** readiness probe passed (or none); only asked for started, running containers */
  ready(podUid: string, container: Container, containerId: string): boolean;
}

export interface StatusInput {
  pod: Pod;
  runtime?: PodRuntime;
  /** last start failures by container name */
  reasons: Map<string, WaitingReason>;
  probes: ProbeView;
  nodeIPs: string[];
  /** "containerd" — the scheme of containerID */
  runtimeName: string;
  /** all containers are stopped for good (deleted, or terminal phase reached) */
  podIsTerminal: boolean;
  now?: Date;
}

export const kubeletConditions = new Set(['PodScheduled', 'PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Go's %s of a []string: "[a b]". */
const goList = (xs: string[]): string => `[${xs.join(' ')}]`;

function convertRecord(rec: ContainerRecord, runtimeName: string, old: ContainerStatus | undefined): ContainerStatus {
  const containerID = `${runtimeName}://${rec.id}`;
  const st: ContainerStatus = { name: rec.name, restartCount: rec.restartCount, image: rec.image, imageID: rec.imageRef, containerID, ready: false, state: {} };
  switch (rec.state) {
    case 'running':
      st.state = { running: { startedAt: rfc3339(rec.startedAt) } };
      break;
    case 'exited': {
      const t: NonNullable<ContainerState['terminated']> = { exitCode: rec.exitCode, reason: rec.reason || undefined, startedAt: rec.startedAt ? rfc3339(rec.startedAt) : undefined, finishedAt: rec.finishedAt ? rfc3339(rec.finishedAt) : undefined, containerID };
      if (rec.message) t.message = rec.message;
      st.state = { terminated: t };
      break;
    }
    case 'unknown':
      if (old?.state?.running) {
        st.state = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', containerID } };
        break;
      }
      st.state = { waiting: {} };
      break;
    default:
      st.state = { waiting: {} };
  }
  return st;
}

/** convertToAPIContainerStatuses for one list (containers or init containers). */
function containerStatuses(input: StatusInput, containers: Container[], oldList: ContainerStatus[] | undefined, isInit: boolean): ContainerStatus[] {
  const { pod, runtime } = input;
  const hasInit = (pod.spec?.initContainers?.length ?? 0) > 0;
  const defaultWaiting: ContainerState = { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  const old = new Map((oldList ?? []).map((s) => [s.name, s]));
  const out = new Map<string, ContainerStatus>();
  for (const c of containers) {
    const o = old.get(c.name);
    let st: ContainerStatus = { name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, state: structuredClone(defaultWaiting) };
    if (o) {
      if (o.state?.terminated) st = structuredClone(o);
      else {
        st.restartCount = o.restartCount;
        if (o.lastState) st.lastState = structuredClone(o.lastState);
      }
    }
    out.set(c.name, st);
  }
  const seen = new Map<string, number>();
  const latest = new Map<string, ContainerRecord>();
  for (const rec of runtime?.containers ?? []) {
    const st = out.get(rec.name);
    if (!st) continue;
    const n = seen.get(rec.name) ?? 0;
    if (n >= 2) continue;
    const conv = convertRecord(rec, input.runtimeName, old.get(rec.name));
    if (n === 0) {
      latest.set(rec.name, rec);
      // the runtime's name for the image (docker.io/library/busybox:latest for "busybox"); the
      // spec's when the runtime only knows the image by ID
      if (!conv.image || /^(sha256:)?[0-9a-f]{64}$/.test(conv.image)) conv.image = containers.find((c) => c.name === rec.name)?.image ?? conv.image;
      out.set(rec.name, conv);
    } else {
      st.lastState = conv.state;
    }
    seen.set(rec.name, n + 1);
  }
  // containers the next sync will (re)start show why they are not running
  for (const c of containers) {
    const rec = latest.get(c.name);
    if (isInit && rec?.state === 'exited' && rec.exitCode === 0 && !isRestartableInit(c)) continue;
    if (!shouldRestart(c, pod, rec, isInit)) continue;
    const reason = input.reasons.get(c.name);
    if (!reason) continue;
    const st = out.get(c.name)!;
    if (st.state?.terminated) st.lastState = st.state;
    st.state = { waiting: { reason: reason.reason, message: reason.message || undefined } };
  }
  // ready / started from the prober (probeManager.UpdatePodStatus)
  const uid = pod.metadata?.uid ?? '';
  for (const c of containers) {
    const st = out.get(c.name)!;
    const id = (st.containerID ?? '').replace(/^[^:]*:\/\//, '');
    const running = !!st.state?.running;
    if (isInit && !isRestartableInit(c)) {
      st.started = running;
      st.ready = !!st.state?.terminated && st.state.terminated.exitCode === 0;
      continue;
    }
    st.started = running && input.probes.started(uid, c, id);
    st.ready = st.started && input.probes.ready(uid, c, id);
  }
  return containers.map((c) => out.get(c.name)!);
}

/** getPhase: the pod phase from its container statuses. */
export function podPhase(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], podIsTerminal: boolean): PodStatus['phase'] {
  const spec = pod.spec!;
  const policy = spec.restartPolicy ?? 'Always';
  const find = (list: ContainerStatus[], name: string) => list.find((s) => s.name === name);
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    if (isRestartableInit(c)) continue;
    const s = find(init, c.name);
    if (!s || s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = find(init, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) {
      if (!s.started) pendingSidecars++;
      running++;
    } else if (s.state?.terminated) {
      // terminated sidecars do not count
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingSidecars++;
        waiting++;
      }
    } else {
      pendingSidecars++;
      unknown++;
    }
  }
  for (const c of spec.containers) {
    const s = find(regular, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || pendingSidecars > 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    const isStatic = pod.metadata?.annotations?.['kubernetes.io/config.source'] !== undefined && pod.metadata.annotations['kubernetes.io/config.source'] !== 'api';
    if (podIsTerminal && !isStatic) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function cond(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: ok ? 'True' : 'False' };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** Initialized (GeneratePodInitializedCondition). */
export function initializedCondition(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], phase: PodStatus['phase']): PodCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    if (isRestartableInit(c)) {
      if (!s.started) incomplete.push(c.name);
      continue;
    }
    if (!s.state?.terminated || s.state.terminated.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return cond('Initialized', true, 'PodCompleted');
  const anyStarted = regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated || s.lastState?.running);
  if (anyStarted) return cond('Initialized', true);
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (msgs.length) return cond('Initialized', false, 'ContainersNotInitialized', msgs.join(', '));
  return cond('Initialized', true);
}

/** ContainersReady (GenerateContainersReadyCondition). */
export function containersReadyCondition(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], phase: PodStatus['phase']): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    if (!isRestartableInit(c)) continue;
    const s = init.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  for (const c of pod.spec?.containers ?? []) {
    const s = regular.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return cond('ContainersReady', false, 'PodCompleted');
  if (phase === 'Failed') return cond('ContainersReady', false, 'PodFailed');
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length) return cond('ContainersReady', false, 'ContainersNotReady', msgs.join(', '));
  return cond('ContainersReady', true);
}

/** Ready (GeneratePodReadyCondition): ContainersReady plus the pod's readiness gates. */
export function readyCondition(pod: Pod, containersReady: PodCondition, conditions: PodCondition[]): PodCondition {
  if (containersReady.status !== 'True') return cond('Ready', false, containersReady.reason, containersReady.message);
  const msgs: string[] = [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === g.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
  }
  if (msgs.length) return cond('Ready', false, 'ReadinessGatesNotReady', msgs.join(', '));
  return cond('Ready', true);
}

export const deadlineExceededReason = 'DeadlineExceeded';
export const deadlineExceededMessage = 'Pod was active on the node longer than the specified deadline';

/** spec.activeDeadlineSeconds has passed since the pod started on this node (activeDeadlineHandler). */
export function pastActiveDeadline(pod: Pod, startTime: string | undefined, now: Date): boolean {
  const d = pod.spec?.activeDeadlineSeconds;
  if (d === undefined || d === null || !startTime) return false;
  return now.getTime() - Date.parse(startTime) >= d * 1000;
}

/** The status the kubelet wants the API to show for this pod. */
export function generatePodStatus(input: StatusInput): PodStatus {
  const { pod, runtime } = input;
  const old = pod.status ?? {};
  const init = containerStatuses(input, pod.spec?.initContainers ?? [], old.initContainerStatuses, true);
  const regular = containerStatuses(input, pod.spec?.containers ?? [], old.containerStatuses, false);
  let phase = podPhase(pod, init, regular, input.podIsTerminal);
  // a terminal phase is never left
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  const sandbox = runtime?.sandboxes[0];
  const conditions: PodCondition[] = (old.conditions ?? []).filter((c) => !kubeletConditions.has(c.type));
  const containersReady = containersReadyCondition(pod, init, regular, phase);
  conditions.push(
    cond('PodReadyToStartContainers', !!sandbox?.ready && !input.podIsTerminal),
    initializedCondition(pod, init, regular, phase),
    readyCondition(pod, containersReady, old.conditions ?? []),
    containersReady,
    cond('PodScheduled', true),
  );
  const status: PodStatus = { phase, conditions, qosClass: podQOSClass(pod as KObject) };
  const hostIPs = input.nodeIPs;
  if (hostIPs.length) {
    status.hostIP = hostIPs[0];
    status.hostIPs = hostIPs.map((ip) => ({ ip }));
  }
  const ips = pod.spec?.hostNetwork ? hostIPs : sandbox?.ips?.length ? sandbox.ips : (old.podIPs ?? []).map((p) => p.ip!).filter(Boolean);
  if (ips.length) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  }
  status.startTime = old.startTime ?? rfc3339((input.now ?? new Date()).getTime());
  // a reason/message set before (DeadlineExceeded, Evicted…) stays
  if (old.reason) status.reason = old.reason;
  if (old.message) status.message = old.message;
  if (status.phase !== 'Succeeded' && status.phase !== 'Failed' && pastActiveDeadline(pod, status.startTime, input.now ?? new Date())) {
    status.phase = 'Failed';
    status.reason = deadlineExceededReason;
    status.message = deadlineExceededMessage;
  }
  if (init.length) status.initContainerStatuses = init;
  status.containerStatuses = regular;
  return status;
}

/** Keeps each condition's lastTransitionTime (and lastProbeTime) unless its status changed. */
export function carryTransitionTimes(next: PodStatus, old: PodStatus | undefined, now: Date): void {
  for (const c of next.conditions ?? []) {
    const o = old?.conditions?.find((x) => x.type === c.type);
    (c as { lastProbeTime?: string | null }).lastProbeTime = o && o.status === c.status ? (o.lastProbeTime ?? null) : null;
    c.lastTransitionTime = o && o.status === c.status && o.lastTransitionTime ? o.lastTransitionTime : rfc3339(now.getTime());
  }
}
