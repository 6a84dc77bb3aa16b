// The kubelet's pod lifecycle (newPodLifecycle): wires the runtime cache, runtime manager,
// image manager, prober and status manager to the pod workers, from the kubelet's configuration
// and its API client.
import { cpus, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import { parseDuration } from '../../util/flags.js';
import { ProberManager } from '../prober/manager.js';
import { StatusManager } from '../status/manager.js';
import type { PodLifecycle, PodLifecycleDeps } from './types.js';
import type { RuntimeApi } from './cri.js';
import type { EnvSource, NodeAllocatable } from './env.js';
import { ImageManager } from './images.js';
import { newPodMetrics } from './metrics.js';
import { PodLifecycleImpl } from './lifecycle.js';
import { RuntimeCache } from './runtime-state.js';
import { RuntimeManager } from './runtime.js';

const core = (resource: string, namespace?: string, name?: string) => ({ group: '', version: 'v1', resource, namespace, name });

/** GET that resolves to undefined on 404. */
async function getOrNone<T>(client: RestClient, resource: string, ns: string | undefined, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(core(resource, ns, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function apiEnvSource(client: RestClient): EnvSource {
  // upstream reads services from an informer; a second-long cache spares a burst of starts a list each
  const services = ttlCache(1000, async (ns) => (await client.list<Service>(core('services', ns))).items);
  return {
    getConfigMap: (ns, name) => getOrNone(client, 'configmaps', ns, name),
    getSecret: (ns, name) => getOrNone(client, 'secrets', ns, name),
    listServices: (ns) => services(ns),
  };
}

export function nodeAllocatable(rootDir: string): NodeAllocatable {
  let eph = 0;
  try {
    const s = statfsSync(rootDir);
    eph = s.blocks * s.bsize;
  } catch {
    eph = 0;
  }
  return { cpuMilli: cpus().length * 1000, memoryBytes: totalmem(), ephemeralStorageBytes: eph };
}

/** Cache for small API reads repeated by every container start (RuntimeClass handlers, the master service). */
function ttlCache<T>(ttlMs: number, load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const m = new Map<string, { at: number; v: Promise<T> }>();
  return (key) => {
    const hit = m.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.v;
    const v = load(key);
    v.catch(() => m.delete(key));
    m.set(key, { at: Date.now(), v });
    return v;
  };
}

/** Loop periods (tests shorten them). */
export interface LifecycleTuning {
  /** PLEG relist period (upstream 1 s) */
  relistPeriodMs?: number;
  /** how long after start unclaimed runtime pods are left alone (15 s) */
  orphanGraceMs?: number;
}

export function newPodLifecycle(deps: PodLifecycleDeps, tuning: LifecycleTuning = {}): PodLifecycle {
  const cri = deps.cri as unknown as RuntimeApi;
  const cfg = deps.config;
  const cache = new RuntimeCache(cri);
  const metrics = newPodMetrics(deps.metrics);
  let impl: PodLifecycleImpl | undefined;
  const prober = new ProberManager({
    cri,
    recorder: deps.recorder,
    log: deps.log,
    lookup: (uid, name) => impl?.containerView(uid, name),
    onChange: (uid) => impl?.enqueue(uid),
  });
  const status = new StatusManager({ client: deps.client, log: deps.log, onRetry: (uid) => impl?.enqueue(uid) });
  const images = new ImageManager({ cri, recorder: deps.recorder, serialize: cfg.serializeImagePulls !== false, maxParallel: cfg.maxParallelImagePulls });
  // runtimeClassName → the RuntimeClass's CRI handler (a missing class fails the sandbox, as upstream)
  const rcHandler = ttlCache(30_000, async (name) => {
    const rc = await deps.client.get<{ handler?: string }>({ group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses', name });
    return rc.handler ?? '';
  });
  const master = ttlCache(30_000, async () => {
    const svc = await getOrNone<Service>(deps.client, 'services', 'default', 'kubernetes').catch(() => undefined);
    return svc ? [svc] : [];
  });
  const runtime = new RuntimeManager({
    cri,
    cache,
    recorder: deps.recorder,
    log: deps.log,
    rootDir: deps.rootDir,
    nodeIPs: deps.nodeIPs,
    volumes: deps.volumes,
    prober,
    images,
    sandbox: {
      podLogsDir: cfg.podLogsDir || '/var/log/pods',
      dns: { clusterDNS: cfg.clusterDNS ?? [], clusterDomain: cfg.clusterDomain ?? '', resolvConf: cfg.resolvConf ?? '/etc/resolv.conf' },
      cgroups: { cgroupsPerQOS: cfg.cgroupsPerQOS !== false, cgroupDriver: cfg.cgroupDriver ?? 'cgroupfs', cgroupRoot: cfg.cgroupRoot },
    },
    envSource: apiEnvSource(deps.client),
    node: nodeAllocatable(deps.rootDir),
    cpuCFSQuota: cfg.cpuCFSQuota !== false,
    cpuPeriodUs: Math.round(parseDuration(cfg.cpuCFSQuotaPeriod || '100ms') * 1000),
    runtimeHandler: async (pod: Pod) => (pod.spec?.runtimeClassName ? rcHandler(pod.spec.runtimeClassName) : ''),
    pullSecrets: async (pod: Pod) => {
      const ns = pod.metadata?.namespace ?? 'default';
      const out: Array<{ type?: string; data?: Record<string, string> }> = [];
      const missing: string[] = [];
      for (const r of pod.spec?.imagePullSecrets ?? []) {
        if (!r.name) continue;
        const s = await getOrNone<{ type?: string; data?: Record<string, string> }>(deps.client, 'secrets', ns, r.name).catch(() => undefined);
        if (s) out.push(s);
        else missing.push(r.name);
      }
      if (missing.length) deps.recorder.event(pod as never, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
      return out;
    },
    masterServices: () => master(''),
    metrics,
  });
  impl = new PodLifecycleImpl({
    cache,
    runtime,
    status,
    prober,
    volumes: deps.volumes,
    recorder: deps.recorder,
    client: deps.client,
    log: deps.log,
    nodeIPs: deps.nodeIPs,
    rootDir: deps.rootDir,
    podLogsDir: cfg.podLogsDir || '/var/log/pods',
    syncFrequencyMs: parseDuration(cfg.syncFrequency || '1m'),
    metrics,
    ...tuning,
  });
  const lifecycle = impl;
  return {
    async start() {
      const v = await cri.version({ version: 'v1' }).catch(() => undefined);
      if (v?.runtimeName) lifecycle.setRuntimeName(v.runtimeName);
      await lifecycle.start();
    },
    upsertPod: (pod, source) => lifecycle.upsertPod(pod, source),
    removePod: (uid) => lifecycle.removePod(uid),
    listPods: () => lifecycle.listPods(),
    runningPodCount: () => lifecycle.runningPodCount(),
    health: () => lifecycle.health(),
    stop: () => lifecycle.stop(),
  };
}
