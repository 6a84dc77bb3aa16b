// The CRD controller inside the API server (upstream's naming, establishing and finalizer
// controllers and the crdHandler's serving set in one loop): it follows the CRDs through the
// watch cache, accepts names (NamesAccepted), marks CRDs Established, registers a ResourceDef
// per served version in the Registry (so discovery and the generic handlers serve it at once)
// and removes it when the CRD goes; a CRD being deleted has its custom resources deleted
// before the customresourcecleanup finalizer is removed.

import { StatusError } from '../../apimachinery/errors.js';
import { logger } from '../../util/klog.js';
import type { ApiContext, RequestScope } from '../endpoints/context.js';
import { cacheFor, indexObject, resourcePrefix } from '../endpoints/context.js';
import { deleteObject, updateObject } from '../endpoints/write.js';
import type { KObject, ResourceDef } from '../registry/types.js';
import { getCondition, setCondition } from './conditions.js';
import { CLEANUP_FINALIZER, customResourceDefinitionDef } from './crddef.js';
import { customResourceDef } from './crdef.js';
import { calculateNames } from './naming.js';

const log = logger('crd_controller.go');

const SYSTEM_USER = { username: 'system:apiserver', groups: ['system:masters'] };

interface Served {
  /** What the registered defs were built from (rebuilt when it changes). */
  signature: string;
  defs: ResourceDef[];
  terminating: boolean;
}

export class CRDController {
  private served = new Map<string, Served>();
  private running = false;
  private again = false;
  private cleaning = new Set<string>();
  private stopped = false;

  constructor(private readonly ctx: ApiContext) {}

  async start(): Promise<void> {
    const cache = await cacheFor(this.ctx, customResourceDefinitionDef);
    cache.onChange(() => this.kick());
    await this.reconcile();
  }

  stop(): void {
    this.stopped = true;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.reconcile();
  }

  private async crds(): Promise<KObject[]> {
    const cache = await cacheFor(this.ctx, customResourceDefinitionDef);
    return [...cache.items.values()].map((e) => JSON.parse(e.raw));
  }

  private async reconcile(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        const crds = await this.crds();
        for (const crd of crds) {
          try {
            await this.syncOne(crd, crds);
          } catch (err) {
            if (err instanceof StatusError && err.code === 409) this.again = true;
            else log.error('syncing CustomResourceDefinition failed', { crd: crd.metadata?.name, err: String((err as Error)?.stack ?? err) });
          }
        }
        const names = new Set(crds.map((c) => c.metadata?.name));
        for (const name of [...this.served.keys()]) if (!names.has(name)) this.unserve(name);
        // a conflict means the cache has not seen our last write yet: give it a moment
        if (this.again) await new Promise((r) => setTimeout(r, 10));
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  private scope(name: string, subresource: string): RequestScope {
    return { def: customResourceDefinitionDef, namespace: '', name, subresource, query: new URLSearchParams(), user: SYSTEM_USER, dryRun: false };
  }

  private async syncOne(crd: KObject, all: KObject[]): Promise<void> {
    const name: string = crd.metadata.name;
    // names and conditions
    const next = structuredClone(crd);
    const r = calculateNames(crd, all);
    (next.status ??= {}).acceptedNames = r.names;
    setCondition(next, 'NamesAccepted', r.accepted ? 'True' : 'False', r.reason, r.message);
    const established = getCondition(crd, 'Established')?.status === 'True';
    if (r.accepted) setCondition(next, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted');
    else if (!established) setCondition(next, 'Established', 'False', 'NotAccepted', 'not all names are accepted');
    if (JSON.stringify(next.status) !== JSON.stringify(crd.status)) {
      const { obj } = await updateObject(this.ctx, this.scope(name, 'status'), (cur) => {
        if (!cur || cur.metadata.uid !== crd.metadata.uid) throw new StatusError(409, 'Conflict', 'changed', {});
        const out = structuredClone(cur);
        out.status = { ...(out.status ?? {}), acceptedNames: next.status.acceptedNames, conditions: next.status.conditions };
        out.metadata.resourceVersion = crd.metadata.resourceVersion;
        return out;
      }, { mode: 'status' });
      crd = obj;
      log.v(2).info('CustomResourceDefinition status updated', { crd: name, namesAccepted: r.accepted });
    }
    this.serve(crd);
    if (crd.metadata.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) this.cleanup(crd);
  }

  /** Register (or refresh) the defs of the CRD's served versions. */
  private serve(crd: KObject): void {
    const name: string = crd.metadata.name;
    if (getCondition(crd, 'Established')?.status !== 'True' || !crd.status?.acceptedNames?.plural) return;
    const terminating = !!crd.metadata.deletionTimestamp;
    const signature = JSON.stringify([crd.metadata.uid, crd.spec, crd.status.acceptedNames]);
    const cur = this.served.get(name);
    if (cur && cur.signature === signature) {
      cur.terminating = terminating;
      return;
    }
    const state: Served = { signature, defs: [], terminating };
    const defs: ResourceDef[] = [];
    for (const v of crd.spec.versions ?? []) {
      if (!v.served) continue;
      defs.push(customResourceDef({ crd, version: v, names: crd.status.acceptedNames, terminating: () => state.terminating }));
    }
    if (cur) for (const d of cur.defs) if (!defs.some((n) => n.version === d.version && n.plural === d.plural)) this.ctx.registry.remove(d.group, d.version, d.plural);
    for (const d of defs) this.ctx.registry.add(d);
    state.defs = defs;
    this.served.set(name, state);
    // the resource's watch cache may predate this definition: index it by the new one
    const indexDef = defs.find((d) => !d.toStorage) ?? defs[0];
    if (indexDef) {
      void cacheFor(this.ctx, indexDef).then(
        (c) => c.setIndexer((obj) => indexObject(indexDef, obj)),
        (err) => log.error('indexing custom resources failed', { crd: name, err: String(err) }),
      );
    }
    log.info('serving custom resource', { crd: name, versions: defs.map((d) => d.version).join(',') });
  }

  private unserve(name: string): void {
    const cur = this.served.get(name);
    if (!cur) return;
    for (const d of cur.defs) this.ctx.registry.remove(d.group, d.version, d.plural);
    this.served.delete(name);
    log.info('stopped serving custom resource', { crd: name });
  }

  /** Delete every custom resource of a CRD being deleted, then drop the cleanup finalizer. */
  private cleanup(crd: KObject): void {
    const name: string = crd.metadata.name;
    if (this.cleaning.has(name)) return;
    this.cleaning.add(name);
    void (async () => {
      try {
        await this.setTerminating(name, 'InstanceDeletionInProgress', 'CustomResource deletion is in progress');
        const def = this.served.get(name)?.defs[0];
        if (def) {
          for (let attempt = 0; !this.stopped; attempt++) {
            const left = await this.deleteInstances(def);
            if (!left) break;
            if (attempt > 600) {
              await this.setTerminating(name, 'InstanceDeletionCheck', `could not confirm zero CustomResources remaining: timed out waiting for the condition`);
              return;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        if (this.stopped) return;
        await updateObject(this.ctx, this.scope(name, ''), (cur) => {
          if (!cur) throw new StatusError(404, 'NotFound', 'gone', {});
          cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== CLEANUP_FINALIZER);
          return cur;
        }, { mode: 'other', isPatch: true });
        log.info('custom resources deleted; CustomResourceDefinition finalized', { crd: name });
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) log.error('cleaning up custom resources failed', { crd: name, err: String(err) });
      } finally {
        this.cleaning.delete(name);
      }
    })();
  }

  private async setTerminating(name: string, reason: string, message: string): Promise<void> {
    await updateObject(this.ctx, this.scope(name, 'status'), (cur) => {
      if (!cur) throw new StatusError(404, 'NotFound', 'gone', {});
      setCondition(cur, 'Terminating', 'True', reason, message);
      return cur;
    }, { mode: 'status', isPatch: true });
  }

  /** One pass of deletes; returns how many objects were still there. */
  private async deleteInstances(def: ResourceDef): Promise<number> {
    const prefix = resourcePrefix(this.ctx, def);
    const res = await this.ctx.store.list(prefix, {});
    for (const kv of res.items) {
      const obj = this.ctx.codec.decode(kv);
      const meta = obj.metadata ?? {};
      if (meta.deletionTimestamp) continue;
      try {
        await deleteObject(this.ctx, { def, namespace: def.namespaced ? meta.namespace ?? '' : '', name: meta.name, subresource: '', query: new URLSearchParams(), user: SYSTEM_USER, dryRun: false }, {});
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    return res.items.length;
  }
}

/** Start the controller; resolves once the CRDs stored at start are served. */
export async function startCRDController(ctx: ApiContext): Promise<CRDController> {
  const c = new CRDController(ctx);
  await c.start();
  return c;
}
