// The ServiceAccounts controller and the root-CA publisher, as upstream's kube-controller-manager
// runs them: every namespace gets a `default` ServiceAccount and a `kube-root-ca.crt` ConfigMap
// (the cluster CA, used by the projected token volume the ServiceAccount admission plugin adds).
//
// Until k8ts' kube-controller-manager exists (it will run these through the API with its own
// client), `k8ts server` runs them in-process against the API server's own write path.

import { StatusError } from '../apimachinery/errors.js';
import { logger } from '../util/klog.js';
import type { ApiContext, RequestScope } from '../apiserver/endpoints/context.js';
import { cacheFor, objectKey } from '../apiserver/endpoints/context.js';
import { createObject, updateObject } from '../apiserver/endpoints/write.js';
import type { KObject } from '../apiserver/registry/types.js';

const log = logger('serviceaccounts_controller.go');

const USER = { username: 'system:serviceaccount:kube-system:service-account-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated', 'system:masters'] };

export class NamespaceDefaultsController {
  private queue = new Set<string>();
  private running = false;
  private stopped = false;

  constructor(private readonly ctx: ApiContext, private readonly caCertPem: string) {}

  async start(): Promise<void> {
    const nsDef = this.ctx.registry.lookup('', 'v1', 'namespaces')!;
    const cache = await cacheFor(this.ctx, nsDef);
    for (const e of cache.items.values()) this.enqueue(e.name);
    cache.onChange((_prev, cur) => {
      if (cur) this.enqueue(cur.name);
    });
    // a deleted default ServiceAccount is recreated; a changed or deleted CA ConfigMap is put back
    const saDef = this.ctx.registry.lookup('', 'v1', 'serviceaccounts')!;
    (await cacheFor(this.ctx, saDef)).onChange((prev, cur) => {
      if (prev && !cur && prev.name === 'default') this.enqueue(prev.namespace);
    });
    const cmDef = this.ctx.registry.lookup('', 'v1', 'configmaps')!;
    (await cacheFor(this.ctx, cmDef)).onChange((prev, cur) => {
      const e = cur ?? prev;
      if (e && e.name === 'kube-root-ca.crt') this.enqueue(e.namespace);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private enqueue(ns: string): void {
    this.queue.add(ns);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.size && !this.stopped) {
        const ns = this.queue.values().next().value as string;
        this.queue.delete(ns);
        try {
          await this.sync(ns);
        } catch (err) {
          log.warning('sync failed; retrying', { namespace: ns, err: String(err) });
          setTimeout(() => this.enqueue(ns), 1000).unref();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private scope(plural: string, ns: string, name: string): RequestScope {
    return { def: this.ctx.registry.lookup('', 'v1', plural)!, namespace: ns, name, subresource: '', query: new URLSearchParams(), user: USER, dryRun: false };
  }

  private async sync(ns: string): Promise<void> {
    const nsKv = await this.ctx.store.get(objectKey(this.ctx, this.ctx.registry.lookup('', 'v1', 'namespaces')!, '', ns));
    if (!nsKv) return;
    const namespace = this.ctx.codec.decode(nsKv);
    if (namespace.metadata?.deletionTimestamp) return;
    await this.ensure('serviceaccounts', ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
    await this.ensure('configmaps', ns, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
      data: { 'ca.crt': this.caCertPem },
    }, (cur) => cur.data?.['ca.crt'] !== this.caCertPem || cur.metadata?.annotations?.['kubernetes.io/description'] === undefined);
  }

  private async ensure(plural: string, ns: string, obj: KObject, stale?: (cur: KObject) => boolean): Promise<void> {
    const scope = this.scope(plural, ns, obj.metadata.name);
    const kv = await this.ctx.store.get(objectKey(this.ctx, scope.def, ns, obj.metadata.name));
    if (!kv) {
      try {
        await createObject(this.ctx, scope, structuredClone(obj));
      } catch (err) {
        if (!(err instanceof StatusError) || (err.code !== 409 && err.code !== 403)) throw err;
      }
      return;
    }
    if (stale && stale(this.ctx.codec.decode(kv))) {
      await updateObject(this.ctx, scope, (cur) => ({
        ...cur!,
        metadata: { ...cur!.metadata, annotations: { ...(cur!.metadata?.annotations ?? {}), ...(obj.metadata.annotations ?? {}) } },
        data: obj.data,
      }), { mode: 'main', isPatch: true });
    }
  }
}
