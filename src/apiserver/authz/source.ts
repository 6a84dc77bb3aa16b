// ObjectSource over the watch cache: the synchronous, read-only view of roles, bindings,
// pods, ... that the authorizers and admission plugins decide from. Caches are loaded by
// prepare() at start; parsed objects are memoized per cache entry.

import type { ApiContext } from '../endpoints/context.js';
import { cacheFor, objectKey } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import type { CacheEntry, ResourceCache } from '../storage/watchcache.js';
import type { ObjectSource } from './types.js';

export class CacheObjectSource implements ObjectSource {
  private caches = new Map<string, ResourceCache>();
  private parsed = new WeakMap<CacheEntry, KObject>();

  constructor(private readonly ctx: ApiContext) {}

  /** Load the caches of these resources (must be done before the sync accessors are used). */
  async prepare(resources: [group: string, plural: string][]): Promise<void> {
    for (const [group, plural] of resources) {
      const def = this.ctx.registry.all().find((d) => d.group === group && d.plural === plural && !d.fromStorage);
      if (!def) continue;
      this.caches.set(`${group}/${plural}`, await cacheFor(this.ctx, def));
    }
  }

  private cache(group: string, plural: string): ResourceCache | undefined {
    return this.caches.get(`${group}/${plural}`);
  }

  private obj(e: CacheEntry): KObject {
    let o = this.parsed.get(e);
    if (!o) {
      o = JSON.parse(e.raw) as KObject;
      this.parsed.set(e, o);
    }
    return o;
  }

  list(group: string, plural: string, namespace?: string): KObject[] {
    const c = this.cache(group, plural);
    if (!c) return [];
    const out: KObject[] = [];
    for (const e of c.items.values()) if (!namespace || e.namespace === namespace) out.push(this.obj(e));
    return out;
  }

  get(group: string, plural: string, namespace: string, name: string): KObject | undefined {
    const c = this.cache(group, plural);
    if (!c) return undefined;
    const def = this.ctx.registry.all().find((d) => d.group === group && d.plural === plural && !d.fromStorage);
    if (!def) return undefined;
    const e = c.items.get(objectKey(this.ctx, def, namespace, name));
    return e ? this.obj(e) : undefined;
  }

  version(group: string, plural: string): number {
    return this.cache(group, plural)?.version ?? 0;
  }

  onChange(group: string, plural: string, fn: (oldObj: KObject | undefined, newObj: KObject | undefined) => void): void {
    this.cache(group, plural)?.onChange((prev, cur) => fn(prev ? this.obj(prev) : undefined, cur ? this.obj(cur) : undefined));
  }
}
