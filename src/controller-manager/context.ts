// What a controller gets from kube-controller-manager (upstream's ControllerContext): the
// parsed options, shared informers (one watch per resource for every controller), a client per
// controller identity (its own ServiceAccount with --use-service-account-credentials), an event
// recorder, and the signal that stops everything when leadership is lost or the process ends.

import type { RestClient, SharedInformerFactory, EventRecorder } from '../client/index.js';
import type { ControllerManagerOptions } from './options.js';

export interface ControllerContext {
  options: ControllerManagerOptions;
  /** informers on the controller-manager's own client; start() is called after every controller registered */
  informers: SharedInformerFactory;
  /** the client a controller writes with: kube-system/<serviceAccount> when --use-service-account-credentials */
  clientFor(serviceAccount: string): Promise<RestClient>;
  /** an event recorder reporting as `component` (e.g. "deployment-controller") */
  recorderFor(component: string): EventRecorder;
  /** aborted on shutdown or lost leadership */
  signal: AbortSignal;
}

export interface RunningController {
  /** stop workers and wait for in-flight syncs */
  stop?(): Promise<void>;
}

export interface ControllerDescriptor {
  /** the name used by --controllers (e.g. "deployment", "nodeipam") */
  name: string;
  /** kube-system ServiceAccount the controller runs as (e.g. "deployment-controller") */
  serviceAccount: string;
  /** off unless named in --controllers (upstream: bootstrapsigner, tokencleaner, ...) */
  disabledByDefault?: boolean;
  /** register informers and handlers; workers start once informers have synced (`run`) */
  init(ctx: ControllerContext): Promise<ControllerInstance | null>;
}

/** What init returns: run starts the workers after the shared informers have synced. */
export interface ControllerInstance extends RunningController {
  run(): void | Promise<void>;
}
