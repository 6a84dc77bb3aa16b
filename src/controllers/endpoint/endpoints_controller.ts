// The endpoints controller (upstream endpoints_controller.go): keeps an Endpoints object per
// Service with a selector, named like the service, listing its pods' addresses and ports.
// Services are queued on service, pod (by the services selecting the pod, before and after a
// change) and endpoints events; Endpoints of services that no longer exist are deleted;
// Endpoints of services without a selector are left to whoever manages them.

import type { EventRecorder, Informer, RateLimitingQueue, RestClient } from '../../client/index.js';
import { isAlreadyExists, isForbidden, isNotFound, metaNamespaceKeyFunc, newRateLimitingQueue, splitMetaNamespaceKey } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { queueServicesAndPods, unwrap } from './servicequeue.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Endpoints, Pod, Service } from '../util/types.js';
import { capacityAnnotationSetCorrectly, canonical, computeSubsets, endpointsLabels, OVER_CAPACITY, subsetsEqual, truncateSubsets } from './endpoints.js';
import { HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, rfc3339Nano, selectedPods, TriggerTimeTracker } from './podaddress.js';

const log = logger('endpoints_controller.go');
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };
/** Endpoints used as leader-election locks are never cleaned up */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export class EndpointsController {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('endpoint');
  private tracker = new TriggerTimeTracker();
  private workers?: QueueWorkers;

  constructor(
    private readonly services: Informer<Service>,
    private readonly pods: Informer<Pod>,
    private readonly endpoints: Informer<Endpoints>,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
  ) {
    queueServicesAndPods(services, pods, this.queue);
    endpoints.addEventHandler({
      onUpdate: (_o, n) => this.queue.add(metaNamespaceKeyFunc(n)),
      // re-created when deleted under a live service
      onDelete: (e) => this.queue.add(metaNamespaceKeyFunc(unwrap(e))),
    });
  }

  run(workers: number): void {
    log.info('Starting endpoint controller');
    this.checkLeftoverEndpoints();
    this.workers = runQueueWorkers(this.queue, workers, (key) => this.syncService(key), log, 'service');
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    log.info('Shutting down endpoint controller');
  }

  /** Endpoints whose service is gone (deleted while the controller was down) are queued for removal. */
  private checkLeftoverEndpoints(): void {
    for (const ep of this.endpoints.lister().list()) {
      if (ep.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      this.queue.add(metaNamespaceKeyFunc(ep));
    }
  }

  async syncService(key: string): Promise<void> {
    const start = Date.now();
    const { namespace, name } = splitMetaNamespaceKey(key);
    try {
      const svc = this.services.lister().namespace(namespace).get(name);
      if (!svc) {
        // the service is gone: so are its endpoints
        try {
          await this.client.delete({ ...ENDPOINTS, namespace, name });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        this.tracker.delete(key);
        return;
      }
      if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
      log.v(5).info('About to update endpoints for service', { service: key });
      const pods = selectedPods(svc, this.pods.lister().namespace(namespace).list());
      const trigger = this.tracker.compute(key, svc, pods);
      const { subsets, ready, notReady } = computeSubsets(svc, pods);
      const current = this.endpoints.lister().namespace(namespace).get(name);
      const create = !current?.metadata?.resourceVersion;
      const labels = endpointsLabels(svc);
      const compareLabels = { ...(current?.metadata?.labels ?? {}) };
      delete compareLabels[HEADLESS_LABEL];
      if (!create && subsetsEqual(current!.subsets, subsets) && canonical(compareLabels) === canonical(svc.metadata?.labels ?? {}) && capacityAnnotationSetCorrectly(current!.metadata?.annotations, current!.subsets ?? [])) {
        log.v(5).info('endpoints are equal, skipping update', { service: key });
        return;
      }
      const annotations = { ...(current?.metadata?.annotations ?? {}) };
      if (trigger) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(trigger);
      else delete annotations[LAST_CHANGE_TRIGGER_TIME];
      if (truncateSubsets(subsets)) annotations[OVER_CAPACITY] = 'truncated';
      else delete annotations[OVER_CAPACITY];
      const next: Endpoints = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { ...(current?.metadata ?? {}), name, namespace, labels, annotations },
        ...(subsets.length ? { subsets } : {}),
      };
      log.v(4).info(`Update endpoints for ${key}, ready: ${ready} not ready: ${notReady}`);
      try {
        if (create) await this.client.create({ ...ENDPOINTS, namespace }, next);
        else await this.client.update({ ...ENDPOINTS, namespace, name }, next);
      } catch (err) {
        if (create && isForbidden(err)) {
          // the namespace is terminating: creation is refused, and nothing needs doing
          return;
        }
        if (create && isAlreadyExists(err)) throw err;
        if (create) this.recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${key}: ${(err as Error).message}`);
        else this.recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${(err as Error).message}`);
        throw err;
      }
    } finally {
      log.v(4).info('Finished syncing service endpoints', { service: key, startTime: new Date(start).toISOString() });
    }
  }
}
