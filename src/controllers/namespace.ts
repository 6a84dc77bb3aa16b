// The namespace controller, as upstream's kube-controller-manager runs it: when a namespace is
// being deleted (deletionTimestamp set, phase Terminating), delete everything in it, and once
// nothing is left remove the `kubernetes` finalizer through namespaces/finalize, which lets the
// API server delete the namespace. While content remains the namespace reports upstream's
// NamespaceContentRemaining / NamespaceFinalizersRemaining conditions.
//
// Like the ServiceAccounts controller beside it, `k8ts server` runs it in-process until k8ts'
// kube-controller-manager (with its own API client) exists.

import { StatusError } from '../apimachinery/errors.js';
import { logger } from '../util/klog.js';
import type { ApiContext, RequestScope } from '../apiserver/endpoints/context.js';
import { cacheFor, objectKey } from '../apiserver/endpoints/context.js';
import { deleteObject, updateObject } from '../apiserver/endpoints/write.js';
import type { KObject, ResourceDef } from '../apiserver/registry/types.js';

const log = logger('namespace_controller.go');

const USER = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated', 'system:masters'] };

export class NamespaceController {
  private queue = new Set<string>();
  private running = false;
  private stopped = false;

  constructor(private readonly ctx: ApiContext) {}

  async start(): Promise<void> {
    const nsDef = this.ctx.registry.lookup('', 'v1', 'namespaces')!;
    const cache = await cacheFor(this.ctx, nsDef);
    const consider = (raw: string, name: string) => {
      if (JSON.parse(raw).metadata?.deletionTimestamp) this.enqueue(name);
    };
    for (const e of cache.items.values()) consider(e.raw, e.name);
    cache.onChange((_prev, cur) => {
      if (cur) consider(cur.raw, cur.name);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private enqueue(ns: string, delayMs = 0): void {
    if (delayMs) {
      setTimeout(() => this.enqueue(ns), delayMs).unref();
      return;
    }
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
          const remaining = await this.sync(ns);
          if (remaining) this.enqueue(ns, 1000);
        } catch (err) {
          log.warning('namespace deletion failed; retrying', { namespace: ns, err: String(err) });
          this.enqueue(ns, 2000);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private namespacedDefs(): ResourceDef[] {
    return this.ctx.registry.all().filter((d) => d.namespaced && !d.fromStorage && !d.createOnly && (!d.verbs || d.verbs.includes('delete')));
  }

  /** Returns true while content (or finalizers) remain. */
  private async sync(ns: string): Promise<boolean> {
    const nsDef = this.ctx.registry.lookup('', 'v1', 'namespaces')!;
    const kv = await this.ctx.store.get(objectKey(this.ctx, nsDef, '', ns));
    if (!kv) return false;
    const namespace = this.ctx.codec.decode(kv);
    if (!namespace.metadata?.deletionTimestamp) return false;
    let remaining = 0;
    const remainingByResource: string[] = [];
    const finalizersRemaining = new Set<string>();
    for (const def of this.namespacedDefs()) {
      const cache = await cacheFor(this.ctx, def);
      const items = [...cache.items.values()].filter((e) => e.namespace === ns);
      if (!items.length) continue;
      remaining += items.length;
      remainingByResource.push(`${def.group ? `${def.plural}.${def.group}` : def.plural} has ${items.length} resource instances`);
      for (const e of items) {
        const obj = JSON.parse(e.raw) as KObject;
        for (const f of obj.metadata?.finalizers ?? []) finalizersRemaining.add(f);
        if (obj.metadata?.deletionTimestamp) continue;
        const scope: RequestScope = { def, namespace: ns, name: e.name, subresource: '', query: new URLSearchParams(), user: USER, dryRun: false };
        try {
          await deleteObject(this.ctx, scope, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!(err instanceof StatusError) || err.code !== 404) throw err;
        }
      }
    }
    if (remaining) {
      await this.setConditions(ns, remainingByResource, [...finalizersRemaining]);
      return true;
    }
    // nothing left: drop the kubernetes finalizer (namespaces/finalize); the API server deletes the namespace
    const scope: RequestScope = { def: nsDef, namespace: '', name: ns, subresource: 'finalize', query: new URLSearchParams(), user: USER, dryRun: false };
    await updateObject(this.ctx, scope, (cur) => {
      if (!cur) return {};
      return { ...cur, spec: { ...(cur.spec ?? {}), finalizers: (cur.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes') } };
    }, { mode: 'other', isPatch: true });
    log.v(2).info('namespace content removed; finalized', { namespace: ns });
    return false;
  }

  private async setConditions(ns: string, content: string[], finalizers: string[]): Promise<void> {
    const nsDef = this.ctx.registry.lookup('', 'v1', 'namespaces')!;
    const scope: RequestScope = { def: nsDef, namespace: '', name: ns, subresource: 'status', query: new URLSearchParams(), user: USER, dryRun: false };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const want: KObject[] = [
      { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${content.join(', ')}` },
      finalizers.length
        ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${finalizers.map((f) => `${f} in 1 resource instances`).join(', ')}` }
        : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
    ];
    await updateObject(this.ctx, scope, (cur) => {
      if (!cur) return {};
      const conds: KObject[] = [...(cur.status?.conditions ?? [])];
      for (const w of want) {
        const i = conds.findIndex((c) => c.type === w.type);
        if (i >= 0 && conds[i].status === w.status && conds[i].message === w.message) continue;
        const next = { ...w, lastTransitionTime: i >= 0 && conds[i].status === w.status ? conds[i].lastTransitionTime : now };
        if (i >= 0) conds[i] = next;
        else conds.push(next);
      }
      return { ...cur, status: { ...(cur.status ?? {}), conditions: conds } };
    }, { mode: 'status', isPatch: true }).catch(() => {});
  }
}
