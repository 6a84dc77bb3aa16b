// The runtime manager (kuberuntime's SyncPod / KillPod / KillContainer): carries out a pod's
// actions through CRI — sandbox (re)creation, image pulls, container creation and start with the
// CrashLoopBackOff back-off, postStart/preStop hooks, graceful stops — and records upstream's
// events (Created, Started, Killing, BackOff, Failed, SandboxChanged, FailedCreatePodSandBox).
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Container, LifecycleHandler, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/events.js';
import type { KubeObject } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';
import type { PodVolume, VolumeManager } from '../volumes/types.js';
import type { ProberManager } from '../prober/manager.js';
import type { WaitingReason } from '../status/generate.js';
import { computePodActions, type KillReason } from './actions.js';
import { Backoff, goDuration } from './backoff.js';
import { containerConfig } from './container-config.js';
import type { PodSandboxConfig, RuntimeApi } from './cri.js';
import { ContainerConfigError, makeEnvironment, type EnvSource, type NodeAllocatable } from './env.js';
import { hashContainer } from './hash.js';
import { formatPod, runHook } from './hooks.js';
import { ensureHostsFile, newTerminationLogFile } from './hosts.js';
import { ImageError, type ImageManager } from './images.js';
import { PodDeletionGracePeriodAnnotation, PodTerminationGracePeriodAnnotation, PreStopHandlerAnnotation } from './labels.js';
import { latestByName, type ContainerRecord, type PodRuntime, type RuntimeCache } from './runtime-state.js';
import type { PodMetrics } from './metrics.js';
import { podLogsDirectory, sandboxConfig, type SandboxSettings } from './sandbox.js';

export const minimumGracePeriodSeconds = 2;

export interface RuntimeManagerDeps {
  cri: RuntimeApi;
  cache: RuntimeCache;
  recorder: EventRecorder;
  log: Logger;
  rootDir: string;
  nodeIPs: string[];
  volumes: VolumeManager;
  prober: ProberManager;
  images: ImageManager;
  sandbox: SandboxSettings;
  envSource: EnvSource;
  node: NodeAllocatable;
  cpuCFSQuota: boolean;
  cpuPeriodUs: number;
  /** runtimeClassName → CRI runtime handler */
  runtimeHandler(pod: Pod): Promise<string>;
  /** the pod's image pull secrets (missing ones left out) */
  pullSecrets(pod: Pod): Promise<Array<{ type?: string; data?: Record<string, string> }>>;
  /** the master service (default/kubernetes) for service links */
  masterServices(): Promise<Service[]>;
  metrics?: PodMetrics;
}

export interface SyncResult {
  /** why containers could not start (the status's waiting reasons) */
  reasons: Map<string, WaitingReason>;
  /** when a back-off ends and the pod should be synced again */
  retryInMs?: number;
  /** containers started by this sync (their readiness/startup probes run right away) */
  started: string[];
}

const ref = (pod: Pod) => pod as unknown as KubeObject;
const fieldPath = (pod: Pod, name: string) => ((pod.spec?.initContainers ?? []).some((c) => c.name === name) ? `spec.initContainers{${name}}` : `spec.containers{${name}}`);

/** The grace period a container gets (setTerminationGracePeriod). */
export function terminationGracePeriod(pod: Pod, container: Container | undefined, reason: KillReason, rec?: ContainerRecord): number {
  if (pod.metadata?.deletionGracePeriodSeconds !== undefined && pod.metadata.deletionGracePeriodSeconds !== null) return pod.metadata.deletionGracePeriodSeconds;
  const probe = reason === 'liveness' ? container?.livenessProbe : reason === 'startup' ? container?.startupProbe : undefined;
  if (probe?.terminationGracePeriodSeconds !== undefined) return probe.terminationGracePeriodSeconds;
  if (pod.spec?.terminationGracePeriodSeconds !== undefined) return pod.spec.terminationGracePeriodSeconds;
  // a container of a pod we no longer have: what the kubelet wrote on it
  const a = rec?.annotations ?? {};
  const fromAnn = a[PodDeletionGracePeriodAnnotation] ?? a[PodTerminationGracePeriodAnnotation];
  if (fromAnn !== undefined && Number.isFinite(Number(fromAnn))) return Number(fromAnn);
  return 30;
}

export class RuntimeManager {
  readonly backoff: Backoff;

  constructor(private readonly d: RuntimeManagerDeps, backoff?: Backoff) {
    this.backoff = backoff ?? new Backoff();
  }

  /** SyncPod: one pass towards the spec. */
  async syncPod(pod: Pod, rt: PodRuntime | undefined, volumes: Map<string, PodVolume>): Promise<SyncResult> {
    const uid = pod.metadata!.uid!;
    const result: SyncResult = { reasons: new Map(), started: [] };
    const actions = computePodActions(pod, rt, (c, id) => this.d.prober.failed(uid, c, id));
    this.d.log.v(4).info('computePodActions got for pod', { pod: formatPod(pod), killPod: actions.killPod, createSandbox: actions.createSandbox, init: actions.initToStart.map((c) => c.name), start: actions.containersToStart.map((c) => c.name), kill: actions.containersToKill.map((k) => k.record.name) });

    if (actions.createSandbox && actions.attempt > 0) {
      this.d.recorder.event(ref(pod), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    }
    if (actions.killPod) {
      await this.killPod(pod, rt);
      if (actions.createSandbox) await this.purgeInitContainers(pod, rt);
    } else {
      await Promise.all(actions.containersToKill.map((k) => this.killContainer(pod, k.record, k.container, k.message, k.reason)));
    }
    if (!actions.createSandbox && actions.killPod) return result;

    let sandboxId = actions.sandboxId;
    const handler = await this.d.runtimeHandler(pod);
    const sbConfig = sandboxConfig(pod, actions.attempt, this.d.sandbox);
    let podIPs = rt?.sandboxes[0]?.ips ?? [];
    if (actions.createSandbox) {
      try {
        mkdirSync(sbConfig.logDirectory!, { recursive: true, mode: 0o755 });
        sandboxId = (await this.d.cri.runPodSandbox({ config: sbConfig, runtimeHandler: handler })).podSandboxId;
        this.d.log.v(2).info('Created PodSandbox for pod', { pod: formatPod(pod), podSandboxID: sandboxId });
      } catch (err) {
        const msg = `Failed to create pod sandbox: ${errText(err)}`;
        this.d.log.error('CreatePodSandbox for pod failed', { pod: formatPod(pod), err: errText(err) });
        this.d.recorder.event(ref(pod), 'Warning', 'FailedCreatePodSandBox', msg);
        result.retryInMs = 5000;
        return result;
      }
      const st = await this.d.cri.podSandboxStatus({ podSandboxId: sandboxId }).catch(() => undefined);
      podIPs = [st?.status?.network?.ip, ...(st?.status?.network?.additionalIps ?? []).map((x) => x.ip)].filter((x): x is string => !!x);
      if (pod.spec?.hostNetwork) podIPs = this.d.nodeIPs;
    }
    if (pod.spec?.hostNetwork) podIPs = this.d.nodeIPs;

    const latest = latestByName(rt);
    const start = async (c: Container, isInit: boolean): Promise<boolean> => {
      const rec = latest.get(c.name);
      // back-off after a failure: the newest exited container's finish time is the reference
      if (rec?.state === 'exited') {
        const key = backoffKey(pod, c);
        if (this.backoff.isInBackOffSince(key, rec.finishedAt)) {
          const wait = this.backoff.get(key);
          this.d.recorder.event(ref(pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`, { fieldPath: fieldPath(pod, c.name) });
          result.reasons.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(wait)} restarting failed container=${c.name} pod=${formatPod(pod)}` });
          const left = this.backoff.remaining(key, rec.finishedAt);
          result.retryInMs = Math.min(result.retryInMs ?? Infinity, left + 50);
          return false;
        }
        this.backoff.next(key);
      }
      const restartCount = rec ? rec.restartCount + 1 : 0;
      try {
        await this.startContainer(pod, c, sandboxId, sbConfig, restartCount, podIPs, volumes);
        result.started.push(c.name);
        this.d.metrics?.containerStarted(isInit);
        return true;
      } catch (err) {
        const reason = err instanceof ImageError ? err.reason : err instanceof StartError ? err.reason : err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError';
        result.reasons.set(c.name, { reason, message: errText(err) });
        this.d.metrics?.containerStartFailed(isInit, reason);
        if (reason === 'ErrImagePull' || reason === 'ImagePullBackOff') result.retryInMs = Math.min(result.retryInMs ?? Infinity, Math.max(1000, this.d.images.backoff.get(`${pod.metadata!.uid}_${c.image}`)));
        else if (reason !== 'PostStartHookError' && reason !== 'RunContainerError') result.retryInMs = Math.min(result.retryInMs ?? Infinity, 5000);
        this.d.log.v(2).info('Failed to start container', { pod: formatPod(pod), container: c.name, isInit, reason, err: errText(err) });
        return false;
      }
    };

    for (const c of actions.initToStart) {
      const ok = await start(c, true);
      // a regular init container runs alone; a sidecar lets the next one start
      if (!ok) return result;
    }
    for (const c of actions.containersToStart) await start(c, false);
    return result;
  }

  /** startContainer: image, config, create, start, postStart. */
  private async startContainer(pod: Pod, c: Container, sandboxId: string, sbConfig: PodSandboxConfig, restartCount: number, podIPs: string[], volumes: Map<string, PodVolume>): Promise<void> {
    const uid = pod.metadata!.uid!;
    const fp = { fieldPath: fieldPath(pod, c.name) };
    const secrets = await this.d.pullSecrets(pod);
    let imageRef: string;
    try {
      imageRef = await this.d.images.ensureImage(pod, c, secrets, sbConfig);
    } catch (err) {
      if (err instanceof ImageError) this.d.recorder.event(ref(pod), 'Warning', 'Failed', `Error: ${err.reason}`, fp);
      throw err;
    }
    let config;
    try {
      const invalidNames: string[] = [];
      const env = await makeEnvironment({ pod, container: c, podIPs, hostIPs: this.d.nodeIPs, node: this.d.node, source: this.d.envSource, masterServices: await this.d.masterServices(), invalidNames });
      if (invalidNames.length) this.d.recorder.event(ref(pod), 'Warning', 'InvalidEnvironmentVariableNames', `Keys [${invalidNames.join(', ')}] from the EnvFrom configMap ${pod.metadata?.namespace}/${c.envFrom?.[0]?.configMapRef?.name ?? c.envFrom?.[0]?.secretRef?.name ?? ''} were skipped since they are considered invalid environment variable names.`);
      const image = await this.d.cri.imageStatus({ image: { image: imageRef } }).catch(() => undefined);
      const volumeMounts = this.d.volumes.containerMounts(pod, c, volumes, Object.fromEntries(env.map((e) => [e.key, e.value])));
      const hostsFile = podIPs.length || pod.spec?.hostNetwork ? ensureHostsFile(this.d.rootDir, pod, podIPs, this.d.sandbox.dns.clusterDomain) : undefined;
      const terminationLogFile = c.terminationMessagePath !== '' ? newTerminationLogFile(this.d.rootDir, uid, c.name) : undefined;
      config = containerConfig({
        pod,
        container: c,
        restartCount,
        hash: hashContainer(c),
        imageRef,
        imageUser: { uid: image?.image?.uid?.value, username: image?.image?.username || undefined },
        env,
        volumeMounts,
        hostsFile,
        terminationLogFile,
        memoryCapacity: this.d.node.memoryBytes,
        cpuCFSQuota: this.d.cpuCFSQuota,
        cpuPeriodUs: this.d.cpuPeriodUs,
      });
    } catch (err) {
      this.d.recorder.event(ref(pod), 'Warning', 'Failed', `Error: ${errText(err)}`, fp);
      throw err instanceof ContainerConfigError ? err : new ContainerConfigError(errText(err));
    }
    mkdirSync(join(podLogsDirectory(this.d.sandbox.podLogsDir, pod), c.name), { recursive: true, mode: 0o755 });
    let containerId: string;
    try {
      containerId = (await this.d.cri.createContainer({ podSandboxId: sandboxId, config, sandboxConfig: sbConfig })).containerId;
    } catch (err) {
      this.d.recorder.event(ref(pod), 'Warning', 'Failed', `Error: ${errText(err)}`, fp);
      throw new StartError('CreateContainerError', errText(err));
    }
    this.d.recorder.event(ref(pod), 'Normal', 'Created', `Created container ${c.name}`, fp);
    try {
      await this.d.cri.startContainer({ containerId });
    } catch (err) {
      this.d.recorder.event(ref(pod), 'Warning', 'Failed', `Error: ${errText(err)}`, fp);
      throw new StartError('RunContainerError', errText(err));
    }
    this.d.recorder.event(ref(pod), 'Normal', 'Started', `Started container ${c.name}`, fp);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const msg = await runHook(this.d.cri, postStart, { pod, container: c, containerId, podIP: podIPs[0] ?? '' }, terminationGracePeriod(pod, c, ''));
      if (msg) {
        this.d.recorder.event(ref(pod), 'Warning', 'FailedPostStartHook', msg, fp);
        const rec = { id: containerId, name: c.name } as ContainerRecord;
        await this.killContainer(pod, rec, c, 'FailedPostStartHook', '').catch(() => undefined);
        throw new StartError('PostStartHookError', msg);
      }
    }
  }

  /** KillContainer: preStop within the grace period, then StopContainer with what remains. */
  async killContainer(pod: Pod, rec: ContainerRecord, container: Container | undefined, message: string, reason: KillReason, gracePeriodOverride?: number): Promise<void> {
    let grace = terminationGracePeriod(pod, container, reason, rec);
    const name = container?.name ?? rec.name;
    this.d.recorder.event(ref(pod), 'Normal', 'Killing', message || `Stopping container ${name}`, { fieldPath: fieldPath(pod, name) });
    const preStop: LifecycleHandler | undefined = container?.lifecycle?.preStop ?? parseJSON(rec.annotations?.[PreStopHandlerAnnotation]);
    if (preStop && grace > 0 && rec.state !== 'exited') {
      const started = Date.now();
      const c = container ?? ({ name } as Container);
      const msg = await Promise.race([
        runHook(this.d.cri, preStop, { pod, container: c, containerId: rec.id, podIP: (await this.d.cache.pod(pod.metadata!.uid!).catch(() => undefined))?.sandboxes[0]?.ips[0] ?? '' }, grace),
        new Promise<string>((r) => setTimeout(() => r(''), grace * 1000).unref()),
      ]);
      if (msg) this.d.recorder.event(ref(pod), 'Warning', 'FailedPreStopHook', msg, { fieldPath: fieldPath(pod, name) });
      grace -= Math.floor((Date.now() - started) / 1000);
    }
    if (grace < minimumGracePeriodSeconds) grace = minimumGracePeriodSeconds;
    if (gracePeriodOverride !== undefined) grace = gracePeriodOverride;
    this.d.log.v(2).info('Killing container with a grace period', { pod: formatPod(pod), containerName: name, containerID: rec.id, gracePeriod: grace });
    try {
      await this.d.cri.stopContainer({ containerId: rec.id, timeout: grace });
    } catch (err) {
      if (!/not found/i.test(errText(err))) throw err;
    }
  }

  /** KillPod: every running container (in parallel), then every sandbox. */
  async killPod(pod: Pod, rt: PodRuntime | undefined, gracePeriodOverride?: number): Promise<void> {
    if (!rt) return;
    const specs = new Map([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => [c.name, c]));
    const running = rt.containers.filter((c) => c.state === 'running' || c.state === 'created' || c.state === 'unknown');
    const results = await Promise.allSettled(running.map((r) => this.killContainer(pod, r, specs.get(r.name), '', '', gracePeriodOverride)));
    for (const r of results) if (r.status === 'rejected') this.d.log.error('KillContainer failed', { pod: formatPod(pod), err: errText(r.reason) });
    for (const s of rt.sandboxes) {
      if (!s.ready) continue;
      await this.d.cri.stopPodSandbox({ podSandboxId: s.id }).catch((err) => this.d.log.error('StopPodSandbox failed', { pod: formatPod(pod), podSandboxID: s.id, err: errText(err) }));
    }
  }

  /** A new sandbox restarts initialization: the old init containers go. */
  private async purgeInitContainers(pod: Pod, rt: PodRuntime | undefined): Promise<void> {
    const inits = new Set((pod.spec?.initContainers ?? []).map((c) => c.name));
    for (const c of rt?.containers ?? []) if (inits.has(c.name) && c.state === 'exited') await this.removeContainer(c.id);
  }

  async removeContainer(id: string): Promise<void> {
    await this.d.cri.removeContainer({ containerId: id }).catch((err) => this.d.log.v(2).info('RemoveContainer failed', { containerID: id, err: errText(err) }));
    this.d.cache.forget(id);
  }

  /** Removes every container and sandbox of a pod (the pod is gone). */
  async removePodResources(rt: PodRuntime): Promise<void> {
    for (const c of rt.containers) await this.removeContainer(c.id);
    for (const s of rt.sandboxes) {
      await this.d.cri.stopPodSandbox({ podSandboxId: s.id }).catch(() => undefined);
      await this.d.cri.removePodSandbox({ podSandboxId: s.id }).catch((err) => this.d.log.v(2).info('RemovePodSandbox failed', { podSandboxID: s.id, err: errText(err) }));
    }
  }

  /**
   * Container GC for a live pod: keeps every running container and the newest exited one per
   * name (maxPerPodContainer=1, for `kubectl logs --previous`); removes older sandboxes that are
   * not ready and hold no container.
   */
  async gcPod(rt: PodRuntime): Promise<void> {
    const deadSeen = new Map<string, number>();
    for (const c of rt.containers) {
      if (c.state !== 'exited') continue;
      const n = deadSeen.get(c.name) ?? 0;
      deadSeen.set(c.name, n + 1);
      if (n < 1) continue;
      await this.removeContainer(c.id);
      // its log goes with it (removeContainerLog), rotated files included
      if (c.logPath) for (const f of [c.logPath, ...rotatedLogs(c.logPath)]) rmSync(f, { force: true });
    }
    const used = new Set(rt.containers.map((c) => c.sandboxId));
    for (const s of rt.sandboxes.slice(1)) {
      if (s.ready || used.has(s.id)) continue;
      await this.d.cri.removePodSandbox({ podSandboxId: s.id }).catch(() => undefined);
    }
  }
}

class StartError extends Error {
  constructor(
    readonly reason: 'CreateContainerError' | 'RunContainerError' | 'PostStartHookError',
    message: string,
  ) {
    super(message);
  }
}

/** Rotated copies of a container log (<n>.log.<timestamp>[.gz]). */
function rotatedLogs(logPath: string): string[] {
  try {
    const base = basename(logPath);
    return readdirSync(dirname(logPath)).filter((f) => f.startsWith(`${base}.`)).map((f) => join(dirname(logPath), f));
  } catch {
    return [];
  }
}

export function backoffKey(pod: Pod, c: Container): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}_${pod.metadata?.uid}_${c.name}_${hashContainer(c)}`;
}

function parseJSON<T>(s: string | undefined): T | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

export function errText(err: unknown): string {
  const e = err as { details?: string; message?: string };
  return String(e?.details || e?.message || err);
}

