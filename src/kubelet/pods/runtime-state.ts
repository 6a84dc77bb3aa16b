// What the runtime holds for one pod (kubecontainer.PodStatus): its sandboxes and containers,
// newest first, read back from CRI by the kubelet's labels and annotations. A container's CRI
// status is asked for only when it is new or its state (from ListContainers) changed.
import { nanosToMs, type Container, type ContainerStatus, type PodSandbox, type RuntimeApi } from './cri.js';
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { ContainerHashAnnotation, ContainerNameLabel, ContainerRestartCountAnnotation, PodNameLabel, PodNamespaceLabel, PodUIDLabel, TerminationMessagePathAnnotation, TerminationMessagePolicyAnnotation } from './labels.js';

/** Upstream's limits: 4 KiB from the termination-log file, 80 lines / 2 KiB of logs as fallback. */
export const maxTerminationMessageBytes = 4096;
export const maxFallbackLogLines = 80;
export const maxFallbackLogBytes = 2048;

/** The last `max` bytes of a file ("" when missing). */
function readTail(path: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The message of an exited container: its termination-log file, else (FallbackToLogsOnError, non-zero exit) its last log lines. */
export function terminationMessage(st: ContainerStatus, a: Record<string, string>): string {
  const path = a[TerminationMessagePathAnnotation];
  const mount = path ? (st.mounts ?? []).find((m) => m.containerPath === path) : undefined;
  let msg = mount?.hostPath ? readTail(mount.hostPath, maxTerminationMessageBytes) : '';
  if (!msg && st.exitCode !== 0 && a[TerminationMessagePolicyAnnotation] === 'FallbackToLogsOnError' && st.logPath) {
    // CRI log lines: "<time> <stream> <P|F> <text>"; partial lines (P) continue on the next one
    const raw = readTail(st.logPath, 64 * 1024).split('\n').filter(Boolean);
    let text = '';
    for (const line of raw) {
      const m = /^\S+ \S+ ([PF]) (.*)$/.exec(line);
      if (!m) continue;
      text += m[2] + (m[1] === 'F' ? '\n' : '');
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    msg = lines.slice(-maxFallbackLogLines).join('\n');
    if (msg) msg += '\n';
    if (Buffer.byteLength(msg) > maxFallbackLogBytes) msg = Buffer.from(msg).subarray(-maxFallbackLogBytes).toString('utf8');
  }
  return msg;
}

export interface SandboxRecord {
  id: string;
  attempt: number;
  ready: boolean;
  createdAt: number;
  ips: string[];
  /** the sandbox runs in the host's network namespace */
  hostNetwork: boolean;
  /** ips/hostNetwork come from a PodSandboxStatus answer (false when it failed: nothing is known) */
  netKnown: boolean;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  state: 'created' | 'running' | 'exited' | 'unknown';
  attempt: number;
  restartCount: number;
  hash: string;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  terminationMessagePath: string;
  logPath: string;
  annotations: Record<string, string>;
}

export interface PodRuntime {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: SandboxRecord[];
  containers: ContainerRecord[];
}

/** The newest sandbox and its IPs ("" when none). */
export function podIPs(rt: PodRuntime | undefined): string[] {
  return rt?.sandboxes[0]?.ips ?? [];
}

/** The newest record of each container name (the one whose state the pod status shows). */
export function latestByName(rt: PodRuntime | undefined): Map<string, ContainerRecord> {
  const m = new Map<string, ContainerRecord>();
  for (const c of rt?.containers ?? []) if (!m.has(c.name)) m.set(c.name, c);
  return m;
}

function stateOf(s: string): ContainerRecord['state'] {
  switch (s) {
    case 'CONTAINER_CREATED': return 'created';
    case 'CONTAINER_RUNNING': return 'running';
    case 'CONTAINER_EXITED': return 'exited';
    default: return 'unknown';
  }
}

/** Reads every pod the kubelet made in the runtime (by label io.kubernetes.pod.uid). */
export class RuntimeCache {
  private records = new Map<string, ContainerRecord>();
  private sandboxIPs = new Map<string, { ips: string[]; hostNetwork: boolean }>();

  constructor(private readonly cri: RuntimeApi) {}

  /** What the runtime holds for one pod right now. */
  async pod(uid: string): Promise<PodRuntime | undefined> {
    return (await this.list({ [PodUIDLabel]: uid }, false)).get(uid);
  }

  /** One relist: all pods in the runtime keyed by UID. */
  relist(): Promise<Map<string, PodRuntime>> {
    return this.list(undefined, true);
  }

  private async list(labelSelector: Record<string, string> | undefined, full: boolean): Promise<Map<string, PodRuntime>> {
    const filter = labelSelector ? { labelSelector } : undefined;
    const [sb, ct] = await Promise.all([this.cri.listPodSandbox({ filter }), this.cri.listContainers({ filter })]);
    const pods = new Map<string, PodRuntime>();
    const podOf = (labels: Record<string, string> | undefined): PodRuntime | undefined => {
      const uid = labels?.[PodUIDLabel];
      if (!uid) return undefined;
      let p = pods.get(uid);
      if (!p) {
        p = { uid, name: labels![PodNameLabel] ?? '', namespace: labels![PodNamespaceLabel] ?? '', sandboxes: [], containers: [] };
        pods.set(uid, p);
      }
      return p;
    };
    const liveSandboxes = new Set<string>();
    for (const s of sb.items ?? []) {
      const p = podOf(s.labels);
      if (!p) continue;
      liveSandboxes.add(s.id);
      p.sandboxes.push(await this.sandboxRecord(s));
    }
    if (full) for (const id of this.sandboxIPs.keys()) if (!liveSandboxes.has(id)) this.sandboxIPs.delete(id);
    const liveContainers = new Set<string>();
    const reads: Promise<void>[] = [];
    for (const c of ct.containers ?? []) {
      const p = podOf(c.labels);
      if (!p || !c.labels?.[ContainerNameLabel]) continue;
      liveContainers.add(c.id);
      reads.push(this.containerRecord(c).then((r) => void (r && p.containers.push(r))));
    }
    await Promise.all(reads);
    if (full) for (const id of this.records.keys()) if (!liveContainers.has(id)) this.records.delete(id);
    for (const p of pods.values()) {
      p.sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
      p.containers.sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
    }
    return pods;
  }

  private async sandboxRecord(s: PodSandbox): Promise<SandboxRecord> {
    const ready = s.state === 'SANDBOX_READY';
    let net: { ips: string[]; hostNetwork: boolean; known?: boolean } | undefined = this.sandboxIPs.get(s.id);
    if (!net || (ready && net.ips.length === 0 && !net.hostNetwork)) {
      try {
        const st = (await this.cri.podSandboxStatus({ podSandboxId: s.id })).status;
        const ips = [st?.network?.ip, ...(st?.network?.additionalIps ?? []).map((a) => a.ip)].filter((x): x is string => !!x);
        const hostNetwork = st?.linux?.namespaces?.options?.network === 'NODE';
        net = { ips, hostNetwork };
        if (ready) this.sandboxIPs.set(s.id, net);
      } catch {
        net = { ips: [], hostNetwork: false, known: false };
      }
    }
    return { id: s.id, attempt: s.metadata?.attempt ?? 0, ready, createdAt: nanosToMs(s.createdAt), ips: net.ips, hostNetwork: net.hostNetwork, netKnown: net.known !== false };
  }

  private async containerRecord(c: Container): Promise<ContainerRecord | undefined> {
    const cached = this.records.get(c.id);
    if (cached && cached.state === stateOf(String(c.state))) return cached;
    let st: ContainerStatus | undefined;
    try {
      st = (await this.cri.containerStatus({ containerId: c.id })).status ?? undefined;
    } catch {
      return undefined; // removed between list and status
    }
    if (!st) return undefined;
    const a = st.annotations ?? c.annotations ?? {};
    const rec: ContainerRecord = {
      id: c.id,
      sandboxId: c.podSandboxId,
      name: c.labels![ContainerNameLabel],
      state: stateOf(String(st.state)),
      attempt: st.metadata?.attempt ?? c.metadata?.attempt ?? 0,
      restartCount: Number(a[ContainerRestartCountAnnotation] ?? 0) || 0,
      hash: a[ContainerHashAnnotation] ?? '',
      createdAt: nanosToMs(st.createdAt),
      startedAt: nanosToMs(st.startedAt),
      finishedAt: nanosToMs(st.finishedAt),
      exitCode: st.exitCode ?? 0,
      reason: st.reason ?? '',
      message: st.message ?? '',
      image: st.image?.image ?? c.image?.image ?? '',
      imageRef: st.imageRef ?? c.imageRef ?? '',
      terminationMessagePath: a[TerminationMessagePathAnnotation] ?? '',
      logPath: st.logPath ?? '',
      annotations: a,
    };
    if (rec.state === 'exited' && !rec.message) rec.message = terminationMessage(st, a);
    this.records.set(c.id, rec);
    return rec;
  }

  /** Forget a container whose record changed outside a relist (e.g. we just removed it). */
  forget(containerId: string): void {
    this.records.delete(containerId);
  }
}
