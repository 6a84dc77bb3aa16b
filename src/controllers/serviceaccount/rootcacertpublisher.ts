// The root-ca-cert-publisher (upstream's certificates/rootcacertpublisher): a `kube-root-ca.crt`
// ConfigMap with the cluster CA bundle (--root-ca-file, else the controller-manager's
// kubeconfig CA) in every namespace, put back when it is deleted or edited.

import type { Informer, RestClient } from '../../client/index.js';
import { DeletedFinalStateUnknown, isAlreadyExists, isForbidden, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { ConfigMap, Namespace } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';

const log = logger('publisher.go');

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export class RootCACertPublisher implements ControllerInstance {
  private queue = newRateLimitingQueue<string>('root_ca_cert_publisher');
  private workers?: QueueWorkers;
  private namespaces: Informer<Namespace>;
  private configMaps: Informer<ConfigMap>;

  constructor(private readonly client: RestClient, private readonly rootCA: string, ctx: ControllerContext) {
    this.namespaces = ctx.informers.forResource<Namespace>({ group: '', version: 'v1', resource: 'namespaces' });
    this.configMaps = ctx.informers.forResource<ConfigMap>({ group: '', version: 'v1', resource: 'configmaps' });
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata!.name!),
      onUpdate: (_o, ns) => this.queue.add(ns.metadata!.name!),
    });
    const cmChanged = (cm: ConfigMap | undefined) => {
      if (cm?.metadata?.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace!);
    };
    this.configMaps.addEventHandler({
      onUpdate: (_o, cm) => cmChanged(cm),
      onDelete: (obj) => cmChanged(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
    });
  }

  run(): void {
    log.info('Starting root CA cert publisher controller');
    this.workers = runQueueWorkers(this.queue, 1, (ns) => this.syncNamespace(ns), log, 'namespace');
  }

  async stop(): Promise<void> {
    log.info('Shutting down root CA cert publisher controller');
    await this.workers?.stop();
  }

  private async syncNamespace(ns: string): Promise<void> {
    const start = performance.now();
    try {
      const namespace = this.namespaces.indexer.getByKey(ns);
      if (!namespace || namespace.metadata?.deletionTimestamp) return;
      const cm = this.configMaps.indexer.getByKey(`${ns}/${ROOT_CA_CONFIGMAP}`);
      const ref = { group: '', version: 'v1', resource: 'configmaps', namespace: ns };
      if (!cm) {
        try {
          await this.client.create(ref, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { 'ca.crt': this.rootCA } });
        } catch (err) {
          // the namespace is terminating or gone, or someone else created it
          if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) return;
          throw err;
        }
        return;
      }
      const data = cm.data ?? {};
      if (Object.keys(data).length === 1 && data['ca.crt'] === this.rootCA && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return;
      const updated: ConfigMap = {
        ...cm,
        metadata: { ...cm.metadata, annotations: { ...(cm.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { 'ca.crt': this.rootCA },
      };
      try {
        await this.client.update({ ...ref, name: ROOT_CA_CONFIGMAP }, updated);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    } finally {
      log.v(4).info('Finished syncing namespace', { namespace: ns, elapsedTime: `${((performance.now() - start) / 1000).toFixed(6)}s` });
    }
  }
}
