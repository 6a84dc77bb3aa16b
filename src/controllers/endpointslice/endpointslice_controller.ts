// The EndpointSlice controller (upstream endpointslice_controller.go): for every Service with
// a selector, EndpointSlices labelled kubernetes.io/service-name and managed-by
// endpointslice-controller.k8s.io, owned by the service, holding its pods' endpoints (see
// desired.ts, reconciler.ts). Services are queued on service, pod and slice events; slices of
// a deleted service go with it through the garbage collector (owner reference).

import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { EventRecorder, Informer, RateLimitingQueue, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { queueServicesAndPods, unwrap } from '../endpoint/servicequeue.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Node, Pod, Service } from '../util/types.js';
import { selectedPods, TriggerTimeTracker } from '../endpoint/podaddress.js';
import { desiredEndpoints } from './desired.js';
import { CONTROLLER_NAME, LABEL_SERVICE_NAME, reconcile } from './reconciler.js';
import { SliceTracker } from './tracker.js';
import { applyPlan, serviceNameIndex } from './writer.js';

const log = logger('endpointslice_controller.go');
const BY_SERVICE = 'byService';

export class EndpointSliceController {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('endpoint_slice');
  private triggers = new TriggerTimeTracker();
  private tracker = new SliceTracker();
  private workers?: QueueWorkers;

  constructor(
    private readonly services: Informer<Service>,
    private readonly pods: Informer<Pod>,
    private readonly nodes: Informer<Node>,
    private readonly slices: Informer<EndpointSlice>,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly maxEndpointsPerSlice: number,
  ) {
    slices.addIndexers({ [BY_SERVICE]: serviceNameIndex(LABEL_SERVICE_NAME, CONTROLLER_NAME) });
    queueServicesAndPods(services, pods, this.queue);
    const enqueueSlice = (s: EndpointSlice | DeletedFinalStateUnknown<EndpointSlice>) => {
      for (const k of serviceNameIndex(LABEL_SERVICE_NAME, CONTROLLER_NAME)(unwrap(s))) this.queue.add(k);
    };
    slices.addEventHandler({ onAdd: enqueueSlice, onUpdate: (_o, n) => enqueueSlice(n), onDelete: enqueueSlice });
  }

  run(workers: number): void {
    log.info('Starting endpoint slice controller');
    this.workers = runQueueWorkers(this.queue, workers, (key) => this.syncService(key), log, 'service');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    log.info('Shutting down endpoint slice controller');
  }

  async syncService(key: string): Promise<void> {
    const start = Date.now();
    const { namespace, name } = splitMetaNamespaceKey(key);
    try {
      const svc = this.services.lister().namespace(namespace).get(name);
      if (!svc) {
        // its slices are garbage collected with it (owner reference)
        this.triggers.delete(key);
        this.tracker.forget(key);
        return;
      }
      if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
      const existing = this.slices.indexer.byIndex(BY_SERVICE, key);
      this.tracker.check(key, existing);
      const pods = selectedPods(svc, this.pods.lister().namespace(namespace).list());
      const trigger = this.triggers.compute(key, svc, pods);
      const desired = desiredEndpoints(svc, pods, (n) => this.nodes.lister().get(n));
      const plan = reconcile(svc, existing, desired, { maxEndpointsPerSlice: this.maxEndpointsPerSlice, triggerTime: trigger });
      if (plan.create.length || plan.update.length || plan.delete.length) {
        log.v(4).info('Reconciling EndpointSlices for Service', { service: key, create: plan.create.length, update: plan.update.length, delete: plan.delete.length });
        try {
          await applyPlan(this.client, this.tracker, key, namespace, plan);
        } catch (err) {
          this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
          throw err;
        }
      }
      if (desired.podsMissingNodes.length) {
        // requeued with backoff until the nodes are known
        throw new Error(`skipping Pods ${desired.podsMissingNodes.join(', ')} for Service ${key}: node not found`);
      }
    } finally {
      log.v(4).info('Finished syncing service', { service: key, startTime: new Date(start).toISOString() });
    }
  }
}
