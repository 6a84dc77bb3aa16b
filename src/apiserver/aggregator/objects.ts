// How the aggregator reads and writes cluster objects inside the API server: reads from the
// watch caches (APIServices, Services, Endpoints, EndpointSlices, ConfigMaps), writes through
// the generic write path as the API server's own identity (system:apiserver), as upstream's
// loopback client does.

import { StatusError } from '../../apimachinery/errors.js';
import type { ApiContext, RequestScope } from '../endpoints/context.js';
import { cacheFor, objectKey } from '../endpoints/context.js';
import { createObject, deleteObject, updateObject } from '../endpoints/write.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import type { CacheEntry, ResourceCache } from '../storage/watchcache.js';
import { entryObject } from '../storage/watchcache.js';

const SYSTEM_USER = { username: 'system:apiserver', groups: ['system:authenticated', 'system:masters'] };

export class ClusterObjects {
  private caches = new Map<string, { cache: ResourceCache; def: ResourceDef }>();

  constructor(private readonly ctx: ApiContext) {}

  def(group: string, version: string, plural: string): ResourceDef {
    const d = this.ctx.registry.lookup(group, version, plural);
    if (!d) throw new Error(`aggregator: resource ${plural}.${group} is not registered`);
    return d;
  }

  /** Load (once) the watch cache of a resource; fn runs on every change of it. */
  async watch(group: string, version: string, plural: string, fn?: (namespace: string, name: string) => void): Promise<void> {
    const key = `${group}/${plural}`;
    let c = this.caches.get(key);
    if (!c) {
      const def = this.def(group, version, plural);
      c = { cache: await cacheFor(this.ctx, def), def };
      this.caches.set(key, c);
    }
    if (fn) c.cache.onChange((prev, cur) => {
      const e = cur ?? prev;
      if (e) fn(e.namespace, e.name);
    });
  }

  private entryObject(e: CacheEntry | undefined): KObject | undefined {
    return e ? entryObject(e) : undefined;
  }

  /** A cached object (treat as read-only), undefined when absent or its cache is not loaded. */
  get(group: string, plural: string, namespace: string, name: string): KObject | undefined {
    const c = this.caches.get(`${group}/${plural}`);
    if (!c) return undefined;
    return this.entryObject(c.cache.items.get(objectKey(this.ctx, c.def, namespace, name)));
  }

  list(group: string, plural: string, namespace?: string): KObject[] {
    const c = this.caches.get(`${group}/${plural}`);
    if (!c) return [];
    const out: KObject[] = [];
    for (const e of c.cache.items.values()) if (namespace === undefined || e.namespace === namespace) out.push(this.entryObject(e)!);
    return out;
  }

  private scope(def: ResourceDef, namespace: string, name: string, subresource = ''): RequestScope {
    return { def, namespace, name, subresource, query: new URLSearchParams(), user: SYSTEM_USER, dryRun: false };
  }

  async create(group: string, version: string, plural: string, obj: KObject): Promise<void> {
    const def = this.def(group, version, plural);
    await createObject(this.ctx, this.scope(def, obj.metadata?.namespace ?? '', obj.metadata.name), structuredClone(obj));
  }

  /** Read-modify-write; mutate returns false to leave the object as it is. */
  async update(group: string, version: string, plural: string, namespace: string, name: string, mutate: (o: KObject) => boolean, status = false): Promise<void> {
    const def = this.def(group, version, plural);
    await updateObject(this.ctx, this.scope(def, namespace, name, status ? 'status' : ''), (cur) => {
      if (!cur) throw new StatusError(404, 'NotFound', `${plural} "${name}" not found`);
      const next = structuredClone(cur);
      return mutate(next) ? next : cur;
    }, { mode: status ? 'status' : 'main', isPatch: true });
  }

  async delete(group: string, version: string, plural: string, namespace: string, name: string): Promise<void> {
    const def = this.def(group, version, plural);
    try {
      await deleteObject(this.ctx, this.scope(def, namespace, name), {});
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 404) throw err;
    }
  }
}
