// ObjectSource over the watch cache: the synchronous, read-only view of roles, bindings,
// pods, ... that the authorizers and admission plugins decide from. Caches are loaded by
// prepare() at start (or prepareInBackground() for the large ones); parsed objects are memoized
// per cache entry.

import type { ApiContext } from '../endpoints/context.js';
import { cacheFor, objectKey } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import type { CacheEntry, ResourceCache } from '../storage/watchcache.js';
import { entryObject } from '../storage/watchcache.js';
import type { ObjectSource } from './types.js';

export class CacheObjectSource implements ObjectSource {
  private caches = new Map<string, ResourceCache>();
  private pending = new Map<string, Promise<void>>();
  private deferred = new Map<string, ((prev: CacheEntry | undefined, cur: CacheEntry | undefined) => void)[]>();
  /** (group/plural) → the onChange callbacks, called in order from one cache listener. */
  private listeners = new Map<string, ((oldObj: KObject | undefined, newObj: KObject | undefined) => void)[]>();

  constructor(private readonly ctx: ApiContext) {}

  /** Load the caches of these resources (must be done before the sync accessors are used). */
  async prepare(resources: [group: string, plural: string][]): Promise<void> {
    for (const [group, plural] of resources) {
      const def = this.ctx.registry.all().find((d) => d.group === group && d.plural === plural && !d.fromStorage);
      if (!def) continue;
      this.caches.set(`${group}/${plural}`, await cacheFor(this.ctx, def));
    }
  }

  /**
   * Load these caches without waiting (large ones, e.g. pods, at start-up): until a cache is
   * loaded its accessors see nothing, onChange listeners are attached when it is, and ready()
   * resolves then.
   */
  prepareInBackground(resources: [group: string, plural: string][]): void {
    for (const [group, plural] of resources) {
      const key = `${group}/${plural}`;
      if (this.caches.has(key) || this.pending.has(key)) continue;
      const def = this.ctx.registry.all().find((d) => d.group === group && d.plural === plural && !d.fromStorage);
      if (!def) continue;
      const p = cacheFor(this.ctx, def).then((c) => {
        this.caches.set(key, c);
        for (const fn of this.deferred.get(key) ?? []) c.onChange(fn);
        this.deferred.delete(key);
      });
      p.catch(() => undefined);
      this.pending.set(key, p);
    }
  }

  /** Resolves when the cache of (group, plural) is loaded (at once when it is not pending). */
  ready(group: string, plural: string): Promise<void> {
    return this.pending.get(`${group}/${plural}`) ?? Promise.resolve();
  }

  private cache(group: string, plural: string): ResourceCache | undefined {
    return this.caches.get(`${group}/${plural}`);
  }

  /** The parsed object of an entry (shared; pods are parsed per read, see entryObject). */
  private obj(e: CacheEntry, memo = true): KObject {
    return entryObject(e, memo);
  }

  /**
   * Visit every object of a resource in chunks, yielding to the event loop between them (for
   * building indexes over large caches without stalling requests). Each key is read when its
   * turn comes, so objects changed meanwhile are seen in their current state.
   */
  async forEachChunked(group: string, plural: string, fn: (obj: KObject) => void, chunk = 1000): Promise<void> {
    await this.ready(group, plural);
    const c = this.cache(group, plural);
    if (!c) return;
    const memo = !isPods(group, plural);
    const keys = [...c.items.keys()];
    for (let i = 0; i < keys.length; i++) {
      if (i && i % chunk === 0) await new Promise((r) => setImmediate(r));
      const e = c.items.get(keys[i]);
      if (e) fn(this.obj(e, memo));
    }
  }

  list(group: string, plural: string, namespace?: string): KObject[] {
    const c = this.cache(group, plural);
    if (!c) return [];
    const out: KObject[] = [];
    const memo = !isPods(group, plural);
    for (const e of c.items.values()) if (!namespace || e.namespace === namespace) out.push(this.obj(e, memo));
    return out;
  }

  get(group: string, plural: string, namespace: string, name: string): KObject | undefined {
    const c = this.cache(group, plural);
    if (!c) return undefined;
    const def = this.ctx.registry.all().find((d) => d.group === group && d.plural === plural && !d.fromStorage);
    if (!def) return undefined;
    const e = c.items.get(objectKey(this.ctx, def, namespace, name));
    return e ? this.obj(e, !isPods(group, plural)) : undefined;
  }

  version(group: string, plural: string): number {
    return this.cache(group, plural)?.version ?? 0;
  }

  onChange(group: string, plural: string, fn: (oldObj: KObject | undefined, newObj: KObject | undefined) => void): void {
    const key = `${group}/${plural}`;
    let fns = this.listeners.get(key);
    if (fns) {
      fns.push(fn);
      return;
    }
    const c = this.cache(group, plural);
    if (!c && !this.pending.has(key)) return;
    this.listeners.set(key, (fns = [fn]));
    const list = fns;
    const memo = !isPods(group, plural);
    // one cache listener per resource: each change is parsed once for all of its listeners, and
    // not at all when the write came from this server (the cache knows the object it encoded)
    const listener = (prev: CacheEntry | undefined, cur: CacheEntry | undefined) => {
      const oldObj = prev ? this.obj(prev, memo) : undefined;
      let newObj: KObject | undefined;
      if (cur) newObj = (!memo && this.caches.get(key)?.freshObject(cur)) || this.obj(cur, memo);
      let failed: unknown;
      for (const f of list) {
        try {
          f(oldObj, newObj);
        } catch (err) {
          failed ??= err;
        }
      }
      if (failed !== undefined) throw failed; // the cache logs it; the other listeners still ran
    };
    if (c) c.onChange(listener);
    else {
      let deferred = this.deferred.get(key);
      if (!deferred) this.deferred.set(key, (deferred = []));
      deferred.push(listener);
    }
  }
}

function isPods(group: string, plural: string): boolean {
  return group === '' && plural === 'pods';
}
