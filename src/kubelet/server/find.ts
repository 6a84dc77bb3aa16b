// Finding what a kubelet API request names: the pod among the kubelet's pods (namespace, name,
// optional uid), the runtime container of one of its containers (from the pod's status, as
// upstream's validateContainerLogStatus reads it, falling back to the runtime's labels), and the
// pod's ready sandbox.
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/client.js';
import type * as cri from '../../cri/types.js';
import { ContainerNameLabel, PodUIDLabel } from '../pods/labels.js';

/** An error with the HTTP status the kubelet answers it with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function findPod(pods: Pod[], namespace: string, name: string, uid?: string): Pod | undefined {
  return pods.find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name && (!uid || p.metadata?.uid === uid));
}

export function hasContainer(pod: Pod, name: string): boolean {
  const s = pod.spec;
  return [...(s?.containers ?? []), ...(s?.initContainers ?? []), ...((s?.ephemeralContainers ?? []) as { name: string }[])].some((c) => c.name === name);
}

/** "containerd://abc" → "abc". */
export function runtimeId(containerID: string | undefined): string {
  if (!containerID) return '';
  const i = containerID.indexOf('://');
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

function statusOf(pod: Pod, name: string): ContainerStatus | undefined {
  const st = pod.status;
  return [...(st?.containerStatuses ?? []), ...(st?.initContainerStatuses ?? []), ...(st?.ephemeralContainerStatuses ?? [])].find((c) => c.name === name);
}

/** The runtime containers of one pod container, newest first. */
export async function runtimeContainers(runtime: CriClient, podUid: string, name: string): Promise<cri.Container[]> {
  const r = await runtime.listContainers({ filter: { labelSelector: { [PodUIDLabel]: podUid, [ContainerNameLabel]: name } } });
  return [...r.containers].sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * The runtime id of the container whose logs to read (upstream's validateContainerLogStatus and
 * its messages); the pod status decides, the runtime's labels fill in when the status is not
 * written yet.
 */
export async function logContainerId(runtime: CriClient, pod: Pod, name: string, previous: boolean): Promise<string> {
  const podName = pod.metadata!.name!;
  const st = statusOf(pod, name);
  if (st) {
    const last = st.lastState?.terminated;
    if (previous) {
      if (!last?.containerID) throw new HttpError(400, `previous terminated container "${name}" in pod "${podName}" not found`);
      return runtimeId(last.containerID);
    }
    const state = st.state ?? {};
    if (state.running && st.containerID) return runtimeId(st.containerID);
    if (state.terminated) {
      const id = state.terminated.containerID || last?.containerID;
      if (!id) throw new HttpError(400, `container "${name}" in pod "${podName}" is terminated`);
      return runtimeId(id);
    }
    if (last) {
      if (!last.containerID) throw new HttpError(400, `container "${name}" in pod "${podName}" is terminated`);
      return runtimeId(last.containerID);
    }
    if (state.waiting) {
      const reason = state.waiting.reason ?? '';
      if (reason === 'ErrImagePull') throw new HttpError(400, `container "${name}" in pod "${podName}" is waiting to start: image can't be pulled`);
      if (reason === 'ImagePullBackOff') throw new HttpError(400, `container "${name}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
      if (reason !== 'ContainerCreating' || !st.containerID) throw new HttpError(400, `container "${name}" in pod "${podName}" is waiting to start: ${reason}`);
    }
  }
  const all = await runtimeContainers(runtime, pod.metadata!.uid!, name);
  const pick = previous ? all[1] : all[0];
  if (!pick) {
    if (previous) throw new HttpError(400, `previous terminated container "${name}" in pod "${podName}" not found`);
    throw new HttpError(400, `container "${name}" in pod "${podName}" is waiting to start - no logs yet`);
  }
  return pick.id;
}

/** The running runtime container for exec/attach/run (upstream's findContainer). */
export async function runningContainerId(runtime: CriClient, pod: Pod, name: string): Promise<string> {
  const all = await runtimeContainers(runtime, pod.metadata!.uid!, name);
  const running = all.find((c) => c.state === 'CONTAINER_RUNNING') ?? all[0];
  if (!running) throw new HttpError(500, `container not found ("${name}")`);
  return running.id;
}

/** The pod's ready sandbox (port-forward needs it). */
export async function sandboxId(runtime: CriClient, pod: Pod): Promise<string> {
  const r = await runtime.listPodSandbox({ filter: { labelSelector: { [PodUIDLabel]: pod.metadata!.uid! } } });
  const ready = [...r.items].sort((a, b) => b.createdAt - a.createdAt).find((s) => s.state === 'SANDBOX_READY');
  if (!ready) throw new HttpError(500, `pod "${pod.metadata!.name}" has no running sandbox`);
  return ready.id;
}
