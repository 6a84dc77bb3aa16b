// The resource quota controller (upstream resource_quota_controller.go): recomputes every
// ResourceQuota's status.used from the objects in its namespace — on a full resync every
// --resource-quota-sync-period, when a quota is added or its spec changes, and when usage can
// drop (replenishment: a tracked object deleted, a pod turning terminal, a service changing
// type, a claim changing size). Admission charges creates; this controller releases.

import type { Informer, KubeObject, RateLimitingQueue, RestClient, SharedInformerFactory } from '../../client/index.js';
import { metaNamespaceKeyFunc, newRateLimitingQueue, sleep, splitMetaNamespaceKey } from '../../client/index.js';
import type { Quantity } from '../../apimachinery/quantity.js';
import { quotaUsageStats } from '../../apiserver/admission/resourcequota.js';
import type { KObject } from '../../apiserver/registry/types.js';
import { logger } from '../../util/klog.js';
import { RESTMapper, discoverResources } from '../util/discovery.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import type { Pod, ResourceQuota } from '../util/types.js';
import { unwrap } from '../endpoint/servicequeue.js';
import { nextQuotaStatus, resourcesToEvaluate, resourceListsEqual, type GroupResource } from './usage.js';

const log = logger('resource_quota_controller.go');
const QUOTAS = { group: '', version: 'v1', resource: 'resourcequotas' };

function terminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** Whether an update may lower usage (upstream's per-resource replenishment checks). */
function usageMayDrop(resource: string, old: KubeObject, cur: KubeObject): boolean {
  const o = old as Record<string, any>;
  const c = cur as Record<string, any>;
  switch (resource) {
    case 'pods':
      return terminal(o as Pod) !== terminal(c as Pod) || (!o.metadata?.deletionTimestamp && !!c.metadata?.deletionTimestamp);
    case 'services':
      return o.spec?.type !== c.spec?.type || JSON.stringify(o.spec?.ports) !== JSON.stringify(c.spec?.ports);
    case 'persistentvolumeclaims':
      return !resourceListsEqual(o.spec?.resources?.requests, c.spec?.resources?.requests);
    default:
      return false;
  }
}

export class ResourceQuotaController {
  readonly queue: RateLimitingQueue<string> = newRateLimitingQueue<string>('resourcequota_primary');
  private workers?: QueueWorkers;
  private mapper?: RESTMapper;
  private monitors = new Map<string, Informer<KubeObject>>();

  constructor(
    private readonly quotas: Informer<ResourceQuota>,
    /** informers of the core evaluated resources, by resource name */
    private readonly tracked: Map<string, Informer<KubeObject>>,
    private readonly client: RestClient,
    private readonly resyncMs: number,
    /** where informers for the other counted resources (count/<resource>.<group>) come from */
    private readonly informers?: SharedInformerFactory,
  ) {
    quotas.addEventHandler({
      onAdd: (q) => this.queue.add(metaNamespaceKeyFunc(q)),
      onUpdate: (o, n) => {
        // our own status writes change nothing here; spec changes and unsynced hard limits do
        if (JSON.stringify(o.spec) !== JSON.stringify(n.spec) || !resourceListsEqual(n.spec?.hard as Record<string, string>, n.status?.hard as Record<string, string>)) this.queue.add(metaNamespaceKeyFunc(n));
      },
      onDelete: (q) => this.queue.add(metaNamespaceKeyFunc(unwrap(q))),
    });
    for (const [resource, inf] of tracked) this.replenishFrom(resource, inf);
  }

  /** The quota monitor's replenishment: usage of the namespace is recounted when it may have dropped. */
  private replenishFrom(resource: string, inf: Informer<KubeObject>): void {
    inf.addEventHandler({
      onUpdate: (o, n) => {
        if (usageMayDrop(resource, o, n)) this.enqueueNamespace(n.metadata?.namespace);
      },
      onDelete: (o) => this.enqueueNamespace(unwrap(o).metadata?.namespace),
    });
  }

  private enqueueNamespace(ns: string | undefined): void {
    if (!ns) return;
    for (const q of this.quotas.lister().namespace(ns).list()) this.queue.add(metaNamespaceKeyFunc(q));
  }

  run(workers: number, signal: AbortSignal): void {
    log.info('Starting resource quota controller');
    this.workers = runQueueWorkers(this.queue, workers, (key) => this.syncResourceQuota(key), log, 'resource quota');
    void (async () => {
      while (!signal.aborted) {
        try {
          await sleep(this.resyncMs, signal);
        } catch {
          return;
        }
        log.v(4).info('Resource quota controller queued all resource quota for full calculation of usage');
        for (const q of this.quotas.lister().list()) this.queue.add(metaNamespaceKeyFunc(q));
      }
    })();
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    log.info('Shutting down resource quota controller');
  }

  async syncResourceQuota(key: string): Promise<void> {
    const start = Date.now();
    const { namespace, name } = splitMetaNamespaceKey(key);
    try {
      const quota = this.quotas.lister().namespace(namespace).get(name);
      if (!quota) {
        log.v(4).info('Resource quota has been deleted', { key });
        return;
      }
      const usage = new Map<string, Quantity>();
      const errs: Error[] = [];
      for (const gr of resourcesToEvaluate(quota.spec?.hard as Record<string, string>)) {
        try {
          const objs = await this.objectsOf(gr, namespace);
          if (!objs) continue;
          for (const [k, v] of quotaUsageStats(gr.group, gr.resource, quota as KObject, objs as KObject[])) {
            const prev = usage.get(k);
            usage.set(k, prev ? prev.add(v) : v);
          }
        } catch (err) {
          errs.push(err as Error);
        }
      }
      const status = nextQuotaStatus(quota, usage);
      if (status) {
        await this.client.update({ ...QUOTAS, namespace, name, subresource: 'status' }, { ...quota, status });
      }
      if (errs.length) throw new Error(errs.map((e) => e.message).join(', '));
    } finally {
      log.v(4).info('Finished syncing resource quota', { key, duration: `${Date.now() - start}ms` });
    }
  }

  /** The namespace's objects of a resource: from an informer, else listed (undefined when not served). */
  private async objectsOf(gr: GroupResource, namespace: string): Promise<KubeObject[] | undefined> {
    if (gr.group === '') {
      const inf = this.tracked.get(gr.resource);
      if (inf) return inf.lister().namespace(namespace).list();
    }
    if (!this.mapper) this.mapper = new RESTMapper();
    let m = this.mapper.forResource(gr.group, gr.resource);
    if (!m) {
      this.mapper.reset((await discoverResources(this.client)).resources);
      m = this.mapper.forResource(gr.group, gr.resource);
    }
    if (!m || !m.namespaced) return undefined;
    const key = `${m.group}/${m.resource}`;
    let inf = this.monitors.get(key);
    if (!inf && this.informers && m.verbs.includes('watch')) {
      // watched from now on, so that deletions release their usage at once
      inf = this.informers.forResource<KubeObject>({ group: m.group, version: m.version, resource: m.resource });
      this.monitors.set(key, inf);
      this.replenishFrom(m.resource, inf);
      this.informers.start();
    }
    if (inf?.hasSynced()) return inf.lister().namespace(namespace).list();
    return (await this.client.list({ group: m.group, version: m.version, resource: m.resource, namespace })).items;
  }
}
