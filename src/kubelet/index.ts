// startKubelet: the kubelet process wired together. Start-up checks (swap, cgroup driver,
// runtime socket), the CRI client, the API client and event recorder, the volume manager, the
// pod lifecycle, node registration with status and Lease heartbeats, the pod sources (API pods
// bound to this node, static pod files with their mirror pods), orphaned pod directory clean-up,
// the kubelet API server with healthz and metrics. stop() leaves containers running, as
// upstream's kubelet does on exit.
import { existsSync, mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isIP } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { EventBroadcaster } from '../client/events.js';
import type { EventRecorder } from '../client/events.js';
import { defaultUserAgent, RestClient } from '../client/rest.js';
import { CriClient } from '../cri/client.js';
import { logger } from '../util/klog.js';
import { versionInfo } from '../version.js';
import { durationMs } from './config/duration.js';
import type { KubeletFlags } from './config/flags.js';
import type { KubeletConfiguration } from './config/types.js';
import { containerStateLabel, newKubeletRegistry } from './metrics.js';
import { NodeStatusManager, nodeRef } from './node/controller.js';
import { defaultRouteIPv4 } from './node/host.js';
import { startHousekeeping } from './housekeeping.js';
import { startApiPodSource } from './podsource.js';
import { newPodLifecycle } from './pods/index.js';
import { checkCgroupDriver, checkHost, checkRuntimeEndpoint, StartupError } from './preflight.js';
import { startKubeletServer } from './server/index.js';
import type { KubeletServer } from './server/types.js';
import { StaticPodSource } from './static/source.js';
import { newVolumeManager } from './volumes/index.js';
import type { VolumeManager } from './volumes/types.js';

const log = logger('kubelet.go');

export { StartupError };

export interface StartKubeletOptions {
  config: KubeletConfiguration;
  /** --config path (for messages); '' when defaults and flags only */
  configPath?: string;
  flags: Pick<KubeletFlags, 'rootDir' | 'hostnameOverride' | 'nodeIPs' | 'nodeLabels' | 'podInfraContainerImage'> & Partial<Pick<KubeletFlags, 'kubeconfig' | 'bootstrapKubeconfig' | 'certDir'>>;
  /** An API client (in-process use); else built from flags.kubeconfig. */
  client?: RestClient;
  /** Register Node.js process metrics in the kubelet's registry (false when sharing a process). */
  processMetrics?: boolean;
}

export interface Kubelet {
  nodeName: string;
  nodeIPs: string[];
  client: RestClient;
  cri: CriClient;
  node: NodeStatusManager;
  server?: KubeletServer;
  /** Stops the kubelet; containers keep running. */
  stop(): Promise<void>;
}

/** The node name: --hostname-override or the host name, lower-cased (upstream's GetHostname). */
export function nodeNameFor(hostnameOverride: string): string {
  const n = (hostnameOverride || osHostname()).trim().toLowerCase();
  if (!n) throw new StartupError('empty hostname: set --hostname-override');
  return n;
}

/** --node-ip, or the default route's address; loopback addresses are refused as upstream does. */
export function nodeIPsFor(given: string[]): string[] {
  for (const ip of given) {
    if (!isIP(ip)) throw new StartupError(`invalid --node-ip ${JSON.stringify(ip)}: not an IP address`);
    if (ip === '::1' || ip.startsWith('127.')) throw new StartupError(`invalid --node-ip ${ip}: nodeIP can't be loopback address`);
  }
  if (given.length) return given;
  const ip = defaultRouteIPv4();
  if (!ip) throw new StartupError('could not find a node IP (no default route address): set --node-ip');
  return [ip];
}

export async function startKubelet(opts: StartKubeletOptions): Promise<Kubelet> {
  const started = Date.now();
  const cfg = opts.config;
  const configPath = opts.configPath ?? '';
  const v = versionInfo();
  log.info('Starting kubelet', { kubeletVersion: v.gitVersion });
  const nodeName = nodeNameFor(opts.flags.hostnameOverride);
  const nodeIPs = nodeIPsFor(opts.flags.nodeIPs);
  const rootDir = opts.flags.rootDir;
  log.v(2).info('Using root directory', { path: rootDir });

  checkHost(cfg, configPath);
  for (const dir of [rootDir, `${rootDir}/pods`, `${rootDir}/plugins`, `${rootDir}/plugins_registry`, `${rootDir}/pod-resources`, cfg.podLogsDir]) mkdirSync(dir, { recursive: true, mode: 0o750 });

  const cri = new CriClient(cfg.containerRuntimeEndpoint, { timeoutMs: durationMs(cfg.runtimeRequestTimeout, 120_000) });
  const closeOnError: (() => unknown)[] = [() => cri.close()];
  try {
    const rt = await checkRuntimeEndpoint(cri, cfg.containerRuntimeEndpoint);
    log.info('Container runtime initialized', { containerRuntime: rt.runtimeName, version: rt.runtimeVersion, apiVersion: 'v1' });
    checkCgroupDriver(cfg, configPath, await cri.statusInfo());
    if (cfg.podCIDR) await cri.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: cfg.podCIDR } } }).catch(() => undefined);

    let client = opts.client;
    if (!client) {
      // --bootstrap-kubeconfig stands in when the --kubeconfig file does not exist (k8ts uses
      // its credentials as they are: no client certificate is requested by CSR).
      const kubeconfig = opts.flags.kubeconfig && existsSync(opts.flags.kubeconfig) ? opts.flags.kubeconfig : opts.flags.bootstrapKubeconfig || opts.flags.kubeconfig;
      if (!kubeconfig) throw new StartupError('no --kubeconfig given: k8ts kubelet needs an API server (standalone mode is not supported)');
      client = await RestClient.fromKubeconfig(kubeconfig, { qps: cfg.kubeAPIQPS, burst: cfg.kubeAPIBurst, userAgent: defaultUserAgent('kubelet') });
      const c = client;
      closeOnError.push(() => c.close());
    }
    const apiClient = client;
    const broadcaster = new EventBroadcaster(apiClient, { burst: cfg.eventBurst || 100 });
    const recorder: EventRecorder = broadcaster.newRecorder({ component: 'kubelet', host: nodeName });

    // Memory emptyDirs and downward API resource limits default to the node's allocatable.
    const volumes: VolumeManager = newVolumeManager({ rootDir, client: apiClient, nodeName, log: logger('volume_manager.go'), nodeAllocatable: () => node.allocatable() });
    const metrics = newKubeletRegistry(
      {
        nodeName,
        runningPods: () => pods.runningPodCount(), // read at scrape time, after the lifecycle exists
        containerStates: async () => {
          const counts: Record<string, number> = {};
          for (const c of (await cri.listContainers({})).containers ?? []) {
            const s = containerStateLabel(c.state as string | undefined);
            counts[s] = (counts[s] ?? 0) + 1;
          }
          return counts;
        },
      },
      opts.processMetrics ?? true,
    );
    const pods = newPodLifecycle({ cri, client: apiClient, recorder, nodeName, nodeIPs, config: cfg, volumes, rootDir, log: logger('kubelet_pods.go'), metrics: metrics.registry });

    let server: KubeletServer | undefined;
    const node = new NodeStatusManager({
      client: apiClient,
      runtime: cri,
      identity: { nodeName, hostname: nodeName, nodeIPs, labels: opts.flags.nodeLabels, config: cfg },
      rootDir,
      kubeletPort: () => server?.port ?? cfg.port,
      log: logger('kubelet_node_status.go'),
      recorder,
      readyErrors: () => {
        const h = pods.health?.();
        return h && !h.ok ? [h.reason ?? 'PLEG is not healthy'] : [];
      },
    });

    if (cfg.enableServer) {
      server = await startKubeletServer({
        config: cfg,
        client: apiClient,
        nodeName,
        cri,
        listPods: () => pods.listPods(),
        rootDir,
        certDir: opts.flags.certDir,
        healthz: () => {
          for (const h of [node.health(), pods.health?.() ?? { ok: true }]) if (!h.ok) return h;
          return { ok: true };
        },
        metrics: metrics.registry,
        log: logger('server.go'),
      });
      const srv = server;
      closeOnError.push(() => srv.close());
    }

    recorder.event(nodeRef(nodeName), 'Normal', 'Starting', 'Starting kubelet.');
    await pods.start();
    closeOnError.push(() => pods.stop());
    // Static pods run before (and without) registration, as upstream: a control plane can be
    // static pods of the node that is about to register with it. Their mirror pods wait for the Node.
    const statics = cfg.staticPodPath
      ? new StaticPodSource({
          dir: cfg.staticPodPath,
          nodeName,
          periodMs: durationMs(cfg.fileCheckFrequency, 20_000),
          client: apiClient,
          nodeUID: () => node.nodeUID,
          upsertPod: (pod: Pod, source) => pods.upsertPod(pod, source),
          removePod: (uid) => pods.removePod(uid),
          log: logger('file.go'),
        })
      : undefined;
    if (statics) {
      log.info('Adding static pod path', { path: cfg.staticPodPath });
      statics.start();
      closeOnError.push(() => statics.stop());
    }
    if (cfg.registerNode) await node.register();
    node.start();

    const apiPods = startApiPodSource({ client: apiClient, nodeName, lifecycle: pods, onMirror: (p, deleted) => statics?.observeMirror(p, deleted) });
    void apiPods.synced.then(() => {
      log.v(2).info('Pod informer synced', { node: nodeName });
      void statics?.reconcileMirrors();
    });
    const stopHousekeeping = startHousekeeping(
      { rootDir, cri, volumes, knownPods: () => new Set(pods.listPods().map((p) => p.metadata?.uid ?? '')), log: logger('kubelet_volumes.go') },
      apiPods.synced,
      10_000,
    );
    metrics.startupDone((Date.now() - started) / 1000);
    log.v(2).info('Kubelet started', { node: nodeName, nodeIPs, port: server?.port ?? cfg.port });

    let stopping: Promise<void> | undefined;
    return {
      nodeName,
      nodeIPs,
      client: apiClient,
      cri,
      node,
      server,
      stop: () =>
        (stopping ??= (async () => {
          log.info('Shutting down kubelet (containers keep running)', { node: nodeName });
          statics?.stop();
          stopHousekeeping();
          apiPods.informer.stop();
          await server?.close().catch(() => undefined);
          await pods.stop().catch((err) => log.error('Stopping the pod lifecycle failed', { err: (err as Error).message }));
          volumes.stop();
          await node.stop();
          await broadcaster.shutdown().catch(() => undefined);
          cri.close();
          if (!opts.client) apiClient.close();
        })()),
    };
  } catch (err) {
    for (const c of closeOnError.reverse()) await Promise.resolve().then(c).catch(() => undefined);
    throw err;
  }
}
