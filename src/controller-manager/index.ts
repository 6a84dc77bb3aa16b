// kube-controller-manager as a library: startControllerManager() runs leader election (Lease
// kube-system/kube-controller-manager) and, while leading, every enabled controller over one
// set of shared informers. Used by `k8ts kube-controller-manager` and in-process by `k8ts server`.

import { hostname } from 'node:os';
import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import type { RestClient, EventRecorder } from '../client/index.js';
import { EventBroadcaster, LeaderElector, LeaseLock, SharedInformerFactory } from '../client/index.js';
import { logger } from '../util/klog.js';
import type { ControllerContext, ControllerInstance } from './context.js';
import type { ControllerManagerOptions } from './options.js';
import { ControllerClientBuilder } from './clientbuilder.js';
import { enabledControllers } from './controllers.js';

const log = logger('controllermanager.go');

export interface StartOptions {
  /** the controller-manager's own client (informers, leader election, token requests) */
  client: RestClient;
  options: ControllerManagerOptions;
  /** called when leadership is lost (the command exits as upstream; in-process: logged) */
  onLostLeadership?: () => void;
  registry?: Registry;
}

export interface ControllerManager {
  /** true while this instance leads and its controllers run */
  isLeading(): boolean;
  /** resolves once the controllers started (leader) */
  started: Promise<void>;
  registry: Registry;
  elector?: LeaderElector;
  stop(): Promise<void>;
}

export async function startControllerManager(o: StartOptions): Promise<ControllerManager> {
  const opts = o.options;
  const registry = o.registry ?? new Registry();
  if (!o.registry) collectDefaultMetrics({ register: registry });
  const leaderGauge = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.', labelNames: ['name'], registers: [registry] });
  const descriptors = enabledControllers(opts.controllers);
  const stopCtl = new AbortController();
  let running: { ctl: AbortController; controllers: ControllerInstance[]; informers: SharedInformerFactory; builder: ControllerClientBuilder; broadcaster: EventBroadcaster } | undefined;
  let resolveStarted!: () => void;
  const started = new Promise<void>((r) => (resolveStarted = r));

  const startControllers = async (signal: AbortSignal) => {
    const ctl = new AbortController();
    // every controller (and its informers and queues) listens on this one signal
    setMaxListeners(0, ctl.signal);
    signal.addEventListener('abort', () => ctl.abort(), { once: true });
    const informers = new SharedInformerFactory(o.client, { defaultResyncMs: 0 });
    const builder = new ControllerClientBuilder(o.client, opts.useServiceAccountCredentials, ctl.signal);
    const broadcaster = new EventBroadcaster(o.client);
    const recorders = new Map<string, EventRecorder>();
    const ctx: ControllerContext = {
      options: opts,
      informers,
      clientFor: (sa) => builder.clientFor(sa),
      recorderFor: (component) => {
        let r = recorders.get(component);
        if (!r) recorders.set(component, (r = broadcaster.newRecorder({ component })));
        return r;
      },
      signal: ctl.signal,
    };
    const controllers: ControllerInstance[] = [];
    running = { ctl, controllers, informers, builder, broadcaster };
    for (const d of descriptors) {
      if (ctl.signal.aborted) return;
      try {
        const inst = await d.init(ctx);
        if (!inst) {
          log.info('Skipping controller', { controller: d.name });
          continue;
        }
        controllers.push(inst);
        log.info('Started controller', { controller: d.name });
      } catch (err) {
        log.error('Error starting controller', { controller: d.name, err });
        throw err;
      }
    }
    informers.start();
    await informers.waitForCacheSync({ signal: ctl.signal });
    if (ctl.signal.aborted) return;
    for (const c of controllers) {
      Promise.resolve(c.run()).catch((err) => log.error('controller failed', { err }));
    }
    resolveStarted();
  };

  const stopControllers = async () => {
    const r = running;
    running = undefined;
    if (!r) return;
    r.ctl.abort();
    await Promise.all(r.controllers.map((c) => c.stop?.().catch(() => undefined)));
    await r.informers.shutdown();
    await r.broadcaster.shutdown().catch(() => undefined);
    r.builder.close();
  };

  let elector: LeaderElector | undefined;
  if (opts.leaderElect) {
    const identity = `${hostname()}_${randomUUID()}`;
    const broadcaster = new EventBroadcaster(o.client);
    const recorder = broadcaster.newRecorder({ component: 'kube-controller-manager' });
    const lock = new LeaseLock(o.client, opts.leaseNamespace, opts.leaseName, {
      identity,
      eventRecorder: (subject, type, reason, message) => recorder.event(subject, type, reason, message),
    });
    elector = new LeaderElector({
      lock,
      leaseDurationMs: opts.leaseDurationMs,
      renewDeadlineMs: opts.renewDeadlineMs,
      retryPeriodMs: opts.retryPeriodMs,
      name: opts.leaseName,
      releaseOnCancel: true,
      callbacks: {
        onStartedLeading: (signal) => {
          leaderGauge.set({ name: opts.leaseName }, 1);
          startControllers(signal).catch((err) => log.error('starting controllers failed', { err }));
        },
        onStoppedLeading: () => {
          leaderGauge.set({ name: opts.leaseName }, 0);
          const lost = !stopCtl.signal.aborted;
          void stopControllers();
          if (lost) {
            log.error('leaderelection lost');
            o.onLostLeadership?.();
          }
        },
        onNewLeader: (id) => {
          if (id !== identity) log.info('New leader elected', { identity: id });
        },
      },
    });
    elector.start();
  } else {
    void startControllers(stopCtl.signal).catch((err) => log.error('starting controllers failed', { err }));
  }

  return {
    isLeading: () => running !== undefined,
    started,
    registry,
    elector,
    stop: async () => {
      stopCtl.abort();
      await elector?.stop();
      await stopControllers();
    },
  };
}
