// startScheduler: kube-scheduler's run loop as a library (what `k8ts kube-scheduler` and the
// all-in-one `k8ts server` both call). Builds the client, the shared informers, the scheduler
// with its profiles, the event recorders, optional secure serving (/healthz, /readyz,
// /metrics), and leader election on the kube-system/kube-scheduler Lease: informers start at
// once, pods are scheduled only while leading, and losing the lease stops scheduling
// (onLeadershipLost lets the command exit as upstream does).

import { EventBroadcaster } from '../client/events.js';
import { SharedInformerFactory, listWatchFromClient, Informer } from '../client/informer.js';
import type { KubeObject } from '../client/rest.js';
import { RestClient } from '../client/rest.js';
import { LeaderElector, LeaseLock, defaultIdentity } from '../client/leaderelection.js';
import { logger } from '../util/klog.js';
import type { KubeSchedulerConfiguration } from './config/types.js';
import { addAllEventHandlers } from './eventhandlers.js';
import type { Listers } from './framework/interface.js';
import { SchedulerMetrics } from './metrics.js';
import { Scheduler } from './scheduler.js';
import { serveSecurely } from '../util/serving.js';
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodDisruptionBudget, StorageClass } from './types.js';

export { parseConfig, loadConfigFile, ConfigError } from './config/load.js';
export { defaultConfig } from './config/defaults.js';
export type { KubeSchedulerConfiguration } from './config/types.js';
export { Scheduler } from './scheduler.js';

const log = logger('server.go');

export interface StartSchedulerOptions {
  /** a client to use; otherwise one is built from kubeconfig / config.clientConnection.kubeconfig */
  client?: RestClient;
  kubeconfig?: string;
  /** --master: overrides the kubeconfig's server */
  master?: string;
  config: KubeSchedulerConfiguration;
  signal?: AbortSignal;
  /** secure serving (omitted, or port 0: not served) */
  serving?: { bindAddress: string; port: number; certFile?: string; keyFile?: string };
  /** called when the lease is lost while leading (the command exits 1) */
  onLeadershipLost?: () => void;
  /** leader election identity (default hostname_uuid) */
  identity?: string;
  /** register process metrics (false when sharing a process with another component) */
  processMetrics?: boolean;
}

export interface RunningScheduler {
  scheduler: Scheduler;
  metrics: SchedulerMetrics;
  /** the secure port actually bound (when serving) */
  port?: number;
  isLeader(): boolean;
  stop(): Promise<void>;
}

async function buildClient(o: StartSchedulerOptions): Promise<RestClient> {
  const cc = o.config.clientConnection;
  const opts = { qps: cc.qps, burst: cc.burst, userAgent: undefined as string | undefined };
  const path = o.kubeconfig || cc.kubeconfig;
  let client: RestClient;
  if (path) client = await RestClient.fromKubeconfig(path, { qps: cc.qps, burst: cc.burst });
  else if (o.master) client = new RestClient({ server: o.master, qps: cc.qps, burst: cc.burst });
  else client = await RestClient.inCluster(opts);
  if (o.master && path) client = new RestClient({ ...client.config, server: o.master });
  return client;
}

const stripManagedFields = (o: KubeObject): KubeObject => {
  if (o.metadata?.managedFields) delete o.metadata.managedFields;
  return o;
};

export async function startScheduler(o: StartSchedulerOptions): Promise<RunningScheduler> {
  const cfg = o.config;
  const client = o.client ?? (await buildClient(o));
  const ownClient = !o.client;
  const factory = new SharedInformerFactory(client, { transform: stripManagedFields });
  const gvr = (group: string, version: string, resource: string) => ({ group, version, resource });
  const podsGVR = gvr('', 'v1', 'pods');
  const pods = factory.informerFor<Pod>(podsGVR, (c, resync) => new Informer<Pod>(listWatchFromClient<Pod>(c, podsGVR, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }), { resyncPeriodMs: resync, description: 'pods.v1', transform: stripManagedFields as unknown as (p: Pod) => Pod }));
  const nodes = factory.forResource<Node>(gvr('', 'v1', 'nodes'));
  const pvs = factory.forResource<PersistentVolume>(gvr('', 'v1', 'persistentvolumes'));
  const pvcs = factory.forResource<PersistentVolumeClaim>(gvr('', 'v1', 'persistentvolumeclaims'));
  const scs = factory.forResource<StorageClass>(gvr('storage.k8s.io', 'v1', 'storageclasses'));
  const pdbs = factory.forResource<PodDisruptionBudget>(gvr('policy', 'v1', 'poddisruptionbudgets'));
  const namespaces = factory.forResource<Namespace>(gvr('', 'v1', 'namespaces'));
  const services = factory.forResource<KubeObject>(gvr('', 'v1', 'services'));
  const rcs = factory.forResource<KubeObject>(gvr('', 'v1', 'replicationcontrollers'));
  const rss = factory.forResource<KubeObject>(gvr('apps', 'v1', 'replicasets'));
  const sss = factory.forResource<KubeObject>(gvr('apps', 'v1', 'statefulsets'));
  const listers: Listers = {
    pods: pods.lister(),
    namespaces: namespaces.lister(),
    pvcs: pvcs.lister(),
    pvs: pvs.lister(),
    storageClasses: scs.lister(),
    pdbs: pdbs.lister(),
    services: services.lister(),
    replicationControllers: rcs.lister(),
    replicaSets: rss.lister(),
    statefulSets: sss.lister(),
  };
  const broadcaster = new EventBroadcaster(client, { maxQueue: 10000, concurrency: 8 });
  const recorders = new Map<string, ReturnType<EventBroadcaster['newRecorder']>>();
  const recorderFor = (name: string) => {
    let r = recorders.get(name);
    if (!r) recorders.set(name, (r = broadcaster.newRecorder({ component: name })));
    return r;
  };
  const metrics = new SchedulerMetrics(o.processMetrics ?? true);
  const sched = new Scheduler({ client, config: cfg, listers, recorderFor, metrics });
  addAllEventHandlers(sched, { pods, nodes, pvs: pvs as Informer<KubeObject>, pvcs: pvcs as Informer<KubeObject>, storageClasses: scs as Informer<KubeObject> });

  const stopCtl = new AbortController();
  const onOuterAbort = () => stopCtl.abort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let elector: LeaderElector | undefined;
  let leading = false;
  let loop: Promise<void> | undefined;
  let stopping = false;
  let electing: Promise<void> | undefined;

  const runLoop = async (signal: AbortSignal) => {
    factory.start();
    await factory.waitForCacheSync({ signal });
    if (signal.aborted) return;
    await sched.run(signal);
  };

  // secure serving
  let server: { port: number; close(): Promise<void> } | undefined;
  if (o.serving && o.serving.port > 0) {
    const leCheck = (): true | string => elector?.check(20_000)?.message ?? true;
    server = await serveSecurely({
      bindAddress: o.serving.bindAddress,
      port: o.serving.port,
      certFile: o.serving.certFile,
      keyFile: o.serving.keyFile,
      registry: metrics.registry,
      selfSignedName: 'localhost',
      checks: {
        ...(cfg.leaderElection.leaderElect ? { leaderElection: leCheck } : {}),
        'sched-handler-sync': () => (pods.hasSynced() && nodes.hasSynced() ? true : 'waiting for handler sync'),
        shutdown: () => (stopping ? 'process is shutting down' : true),
      },
    });
  }

  const le = cfg.leaderElection;
  if (le.leaderElect) {
    factory.start();
    const leRecorder = recorderFor('default-scheduler');
    const lock = new LeaseLock(client, le.resourceNamespace, le.resourceName, {
      identity: o.identity ?? defaultIdentity(),
      eventRecorder: (subject, type, reason, message) => leRecorder.event(subject, type, reason, message),
    });
    metrics.leaderStatus.set({ name: le.resourceName }, 0);
    elector = new LeaderElector({
      lock,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      releaseOnCancel: true,
      name: le.resourceName,
      callbacks: {
        onStartedLeading: (signal) => {
          leading = true;
          metrics.leaderStatus.set({ name: le.resourceName }, 1);
          loop = runLoop(signal).catch((err) => log.error('scheduler loop failed', { err }));
        },
        onStoppedLeading: () => {
          const was = leading;
          leading = false;
          metrics.leaderStatus.set({ name: le.resourceName }, 0);
          if (stopCtl.signal.aborted) {
            log.info('Requested to terminate, exiting');
            return;
          }
          if (was) {
            log.error('Leaderelection lost');
            void sched.stop();
            o.onLeadershipLost?.();
          }
        },
      },
    });
    electing = elector.run(stopCtl.signal).catch((err) => log.error('leader election failed', { err }));
  } else {
    leading = true;
    loop = runLoop(stopCtl.signal).catch((err) => log.error('scheduler loop failed', { err }));
  }

  return {
    scheduler: sched,
    metrics,
    port: server?.port,
    isLeader: () => leading,
    async stop() {
      stopping = true;
      o.signal?.removeEventListener('abort', onOuterAbort);
      stopCtl.abort();
      await sched.stop();
      await electing;
      await loop;
      await broadcaster.flush();
      await factory.shutdown();
      await server?.close();
      if (ownClient) client.close();
    },
  };
}
