// The pod status a simulated kubelet writes (a strategic merge patch of pods/status, with the
// pod's uid so that a recreated namesake is never patched): phase, host and pod IPs, start
// time, the kubelet's conditions with upstream's reasons and messages, and container statuses
// with sim:// container IDs and image IDs derived from the image reference.
import { createHash } from 'node:crypto';
import type { SimContainer, SimPod } from './compact.js';
import { rfc3339 } from './node-object.js';
import type { PodRuntime, Termination } from './pod-lifecycle.js';

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** An image reference as the container runtime reports it: docker.io/library/nginx:latest. */
export function normalizeImage(image: string): { image: string; repo: string; digest?: string } {
  let name = image.trim();
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (!(first.includes('.') || first.includes(':') || first === 'localhost')) name = `docker.io/${slash < 0 ? 'library/' : ''}${name}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  const repo = colon >= 0 ? name.slice(0, name.length - lastPart.length + colon) : name;
  if (colon < 0 && !digest) name += ':latest';
  return { image: digest ? `${name}@${digest}` : name, repo, digest };
}

export function imageID(image: string): string {
  const n = normalizeImage(image);
  return `${n.repo}@${n.digest ?? `sha256:${sha(n.image)}`}`;
}

export function containerID(uid: string, name: string, restartCount: number): string {
  return `sim://${sha(`${uid}/${name}/${restartCount}`)}`;
}

function terminated(t: Termination, id: string): Record<string, unknown> {
  return { terminated: { exitCode: t.exitCode, reason: t.reason, startedAt: rfc3339(t.startedAt), finishedAt: rfc3339(t.finishedAt), containerID: id } };
}

const images = new Map<string, { image: string; imageID: string }>();

/** image and imageID of a container status (memoized: a fleet runs few distinct images). */
function baseStatus(c: SimContainer): Record<string, unknown> {
  let im = images.get(c.image);
  if (!im) {
    if (images.size > 10_000) images.clear();
    im = { image: normalizeImage(c.image).image, imageID: imageID(c.image) };
    images.set(c.image, im);
  }
  return { name: c.name, image: im.image, imageID: im.imageID };
}

/** status.containerStatuses: every container shares the pod's simulated lifecycle. */
export function containerStatuses(pod: SimPod, rt: PodRuntime): Record<string, unknown>[] {
  return (pod.spec.containers ?? []).map((c) => {
    const id = containerID(pod.metadata.uid, c.name, rt.restartCount);
    const out: Record<string, unknown> = { ...baseStatus(c), containerID: id, ready: rt.ready, restartCount: rt.restartCount, started: rt.container === 'running' };
    if (rt.container === 'running') out.state = { running: { startedAt: rfc3339(rt.containerStartedAt) } };
    else if (rt.container === 'waiting') {
      const backoff = Math.round((rt.waitingUntil - (rt.lastTermination?.finishedAt ?? rt.waitingUntil)) / 1000);
      out.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backoff}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } };
    } else out.state = terminated(rt.termination!, id);
    out.lastState = rt.lastTermination ? terminated(rt.lastTermination, containerID(pod.metadata.uid, c.name, rt.restartCount - 1)) : {};
    return out;
  });
}

/** status.initContainerStatuses: init containers completed when the pod started; sidecars (restartPolicy Always) run with the pod. */
export function initContainerStatuses(pod: SimPod, rt: PodRuntime): Record<string, unknown>[] {
  return (pod.spec.initContainers ?? []).map((c) => {
    const id = containerID(pod.metadata.uid, c.name, 0);
    const out: Record<string, unknown> = { ...baseStatus(c), containerID: id, restartCount: 0, lastState: {} };
    if (c.restartPolicy === 'Always' && rt.phase === 'Running') {
      Object.assign(out, { ready: rt.ready, started: true, state: { running: { startedAt: rfc3339(rt.startTime) } } });
    } else if (c.restartPolicy === 'Always') {
      const end = rt.termination?.finishedAt ?? rt.startTime;
      Object.assign(out, { ready: false, started: false, state: terminated({ exitCode: 0, reason: 'Completed', startedAt: rt.startTime, finishedAt: end }, id) });
    } else {
      Object.assign(out, { ready: true, started: false, state: terminated({ exitCode: 0, reason: 'Completed', startedAt: rt.startTime, finishedAt: rt.startTime }, id) });
    }
    return out;
  });
}

/** Why the pod's readiness gates hold it unready (upstream's messages); empty when they do not. */
export function readinessGateMessages(pod: SimPod): string[] {
  const out: string[] = [];
  for (const g of pod.spec.readinessGates ?? []) {
    const st = pod.status?.gates?.[g];
    if (st === undefined) out.push(`corresponding condition of pod readiness gate "${g}" does not exist.`);
    else if (st !== 'True') out.push(`the status of pod readiness gate "${g}" is not "True", but ${st}`);
  }
  return out;
}

/** The kubelet's conditions: PodReadyToStartContainers, Initialized, Ready, ContainersReady (+ PodScheduled when missing). */
export function podConditions(pod: SimPod, rt: PodRuntime): Record<string, unknown>[] {
  const start = rfc3339(rt.startTime);
  const terminal = rt.phase !== 'Running';
  const ended = rfc3339(rt.termination?.finishedAt ?? rt.startTime);
  const conds: Record<string, unknown>[] = [
    { type: 'PodReadyToStartContainers', status: terminal ? 'False' : 'True', lastTransitionTime: terminal ? ended : start },
    { type: 'Initialized', status: 'True', lastTransitionTime: start },
  ];
  let containersReady: Record<string, unknown>;
  if (rt.phase === 'Succeeded') containersReady = { status: 'False', reason: 'PodCompleted' };
  else if (rt.phase === 'Failed') containersReady = { status: 'False', reason: 'PodFailed' };
  else if (rt.ready) containersReady = { status: 'True' };
  else {
    const names = (pod.spec.containers ?? []).map((c) => c.name);
    containersReady = { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${names.join(' ')}]` };
  }
  let ready = containersReady;
  const gates = containersReady.status === 'True' ? readinessGateMessages(pod) : [];
  if (gates.length) ready = { status: 'False', reason: 'ReadinessGatesNotReady', message: gates.join(', ') };
  conds.push({ type: 'Ready', ...ready, lastTransitionTime: rfc3339(rt.podReadyChangedAt) });
  conds.push({ type: 'ContainersReady', ...containersReady, lastTransitionTime: rfc3339(rt.readyChangedAt) });
  if (!pod.status?.scheduled) conds.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: start });
  return conds;
}

/** The strategic merge patch of pods/status for the pod's simulated state on a node with hostIP. */
export function podStatusPatch(pod: SimPod, rt: PodRuntime, hostIP: string): Record<string, unknown> {
  const ips = pod.spec.hostNetwork ? [hostIP] : rt.podIPs;
  const status: Record<string, unknown> = {
    phase: rt.phase,
    conditions: podConditions(pod, rt),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: rfc3339(rt.startTime),
    containerStatuses: containerStatuses(pod, rt),
  };
  if (ips.length) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  }
  if (pod.spec.initContainers?.length) status.initContainerStatuses = initContainerStatuses(pod, rt);
  return { metadata: { uid: pod.metadata.uid }, status };
}
