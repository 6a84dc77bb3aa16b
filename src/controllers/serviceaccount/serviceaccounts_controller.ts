// The ServiceAccounts controller (upstream's serviceaccount/serviceaccounts_controller.go):
// every active namespace gets a `default` ServiceAccount, recreated when it is deleted.

import type { Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isAlreadyExists, isForbidden, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { Namespace, ServiceAccount } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';

const log = logger('serviceaccounts_controller.go');

/** DefaultServiceAccountsControllerOptions: the ServiceAccounts every namespace has. */
export const MANAGED_SERVICE_ACCOUNTS = ['default'];

export class ServiceAccountsController implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('serviceaccount');
  private workers?: QueueWorkers;
  private namespaces: Informer<Namespace>;
  private serviceAccounts: Informer<ServiceAccount>;

  constructor(private readonly client: RestClient, ctx: ControllerContext) {
    this.namespaces = ctx.informers.forResource<Namespace>({ group: '', version: 'v1', resource: 'namespaces' });
    this.serviceAccounts = ctx.informers.forResource<ServiceAccount>({ group: '', version: 'v1', resource: 'serviceaccounts' });
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata!.name!),
      onUpdate: (_o, ns) => this.queue.add(ns.metadata!.name!),
    });
    this.serviceAccounts.addEventHandler({
      onDelete: (obj) => {
        const sa = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (sa && MANAGED_SERVICE_ACCOUNTS.includes(sa.metadata!.name!)) this.queue.add(sa.metadata!.namespace!);
      },
    });
  }

  run(): void {
    log.info('Starting service account controller');
    this.workers = runQueueWorkers(this.queue, 1, (ns) => this.syncNamespace(ns), log, 'namespace');
  }

  async stop(): Promise<void> {
    log.info('Shutting down service account controller');
    await this.workers?.stop();
  }

  private async syncNamespace(name: string): Promise<void> {
    const start = performance.now();
    try {
      const ns = this.namespaces.indexer.getByKey(name);
      if (!ns || (ns.status?.phase && ns.status.phase !== 'Active') || ns.metadata?.deletionTimestamp) return;
      for (const sa of MANAGED_SERVICE_ACCOUNTS) {
        if (this.serviceAccounts.indexer.getByKey(`${name}/${sa}`)) continue;
        try {
          await this.client.create({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: name }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: name } });
        } catch (err) {
          // the namespace may be terminating (forbidden) or gone
          if (isAlreadyExists(err) || isNotFound(err) || (isForbidden(err) && /being terminated/.test((err as Error).message))) continue;
          throw err;
        }
      }
    } finally {
      log.v(4).info('Finished syncing namespace', { namespace: name, elapsedTime: `${((performance.now() - start) / 1000).toFixed(6)}s` });
    }
  }
}
