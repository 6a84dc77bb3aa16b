// The EndpointSlice mirroring controller (upstream endpointslicemirroring), minimal: the
// Endpoints of a Service without a selector (managed by someone else) are mirrored into
// EndpointSlices managed by endpointslicemirroring-controller.k8s.io and owned by the
// Endpoints; Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true (the API
// server's `kubernetes` service) and those of selector services are not mirrored.

import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Informer, RateLimitingQueue, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { unwrap } from '../endpoint/servicequeue.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Endpoints, Service } from '../util/types.js';
import { ipFamilyOf } from '../endpoint/podaddress.js';
import type { DesiredState, PortGroup } from './desired.js';
import { portsKey } from './desired.js';
import { LABEL_SERVICE_NAME, reconcile } from './reconciler.js';
import { SliceTracker } from './tracker.js';
import { applyPlan, serviceNameIndex } from './writer.js';

const log = logger('endpointslicemirroring_controller.go');
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
const BY_ENDPOINTS = 'byMirroredEndpoints';
/** upstream --mirroring-max-endpoints-per-subset default */
const MAX_PER_SLICE = 1000;

/** The slices' content from the Endpoints' subsets (ready addresses ready, notReady not). */
export function mirroredEndpoints(ep: Endpoints): DesiredState {
  const byAddressType = new Map<string, Map<string, PortGroup>>();
  for (const sub of ep.subsets ?? []) {
    const ports: EndpointPort[] = (sub.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const key = portsKey(ports);
    const addrs = [...(sub.addresses ?? []).map((a) => ({ a, ready: true })), ...(sub.notReadyAddresses ?? []).map((a) => ({ a, ready: false }))];
    for (const { a, ready } of addrs) {
      const type = ipFamilyOf(a.ip);
      let groups = byAddressType.get(type);
      if (!groups) byAddressType.set(type, (groups = new Map()));
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
      if (a.hostname) e.hostname = a.hostname;
      if (a.nodeName) e.nodeName = a.nodeName;
      if (a.targetRef) e.targetRef = a.targetRef;
      g.endpoints.push(e);
    }
  }
  return { byAddressType, podsMissingNodes: [] };
}

export class MirroringController {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('endpoint_slice_mirroring');
  private tracker = new SliceTracker();
  private workers?: QueueWorkers;

  constructor(
    private readonly endpoints: Informer<Endpoints>,
    private readonly services: Informer<Service>,
    private readonly slices: Informer<EndpointSlice>,
    private readonly client: RestClient,
  ) {
    slices.addIndexers({ [BY_ENDPOINTS]: serviceNameIndex(LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME) });
    const enqueue = (o: { metadata?: { namespace?: string; name?: string } } | DeletedFinalStateUnknown<{ metadata?: { namespace?: string; name?: string } }>) => this.queue.add(metaNamespaceKeyFunc(unwrap(o)));
    endpoints.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
    services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
    const enqueueSlice = (s: EndpointSlice | DeletedFinalStateUnknown<EndpointSlice>) => {
      for (const k of serviceNameIndex(LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME)(unwrap(s))) this.queue.add(k);
    };
    slices.addEventHandler({ onAdd: enqueueSlice, onUpdate: (_o, n) => enqueueSlice(n), onDelete: enqueueSlice });
  }

  run(workers: number): void {
    log.info('Starting EndpointSliceMirroring controller');
    this.workers = runQueueWorkers(this.queue, workers, (key) => this.syncEndpoints(key), log, 'endpoints');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
  }

  async syncEndpoints(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const existing = this.slices.indexer.byIndex(BY_ENDPOINTS, key);
    this.tracker.check(key, existing);
    const svc = this.services.lister().namespace(namespace).get(name);
    const ep = this.endpoints.lister().namespace(namespace).get(name);
    const mirror = svc && !svc.spec?.selector && ep && ep.metadata?.labels?.[SKIP_MIRROR] !== 'true';
    if (!mirror) {
      await applyPlan(this.client, this.tracker, key, namespace, { create: [], update: [], delete: existing });
      return;
    }
    // the slices look as if the Endpoints were the service (its name, labels and uid as owner)
    const owner: Service = { metadata: { name, namespace, uid: ep.metadata?.uid, labels: ep.metadata?.labels }, spec: { clusterIP: svc.spec?.clusterIP } };
    const plan = reconcile(owner, existing, mirroredEndpoints(ep), { maxEndpointsPerSlice: MAX_PER_SLICE, controllerName: MIRRORING_CONTROLLER_NAME, ownerKind: 'Endpoints' });
    if (plan.create.length || plan.update.length || plan.delete.length) {
      log.v(4).info('Reconciling mirrored EndpointSlices', { endpoints: key, create: plan.create.length, update: plan.update.length, delete: plan.delete.length });
      await applyPlan(this.client, this.tracker, key, namespace, plan);
    }
  }
}
