// Deleting a Terminating namespace's content (upstream namespaced_resources_deleter.go):
// discovery of every namespaced resource that supports delete, a deletecollection (or a list
// and a delete per object) with background propagation in the namespace, then a list to see
// what remains: pods still terminating give an estimate (their grace period), objects held by
// finalizers a fixed 15s estimate, anything else an error. The conditions report each pass;
// once nothing remains the `kubernetes` finalizer is removed through namespaces/finalize.

import type { KubeObject, RestClient, ResourceRef } from '../../client/index.js';
import { isNotFound, isConflict } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { Namespace, Pod } from '../util/types.js';
import type { DiscoveredResource } from '../util/discovery.js';
import { discoverResources, withVerbs } from '../util/discovery.js';
import type { DeletionReport, NamespaceCondition } from './conditions.js';
import { desiredConditions, emptyReport, mergeConditions } from './conditions.js';
import { nowTimestamp } from '../../apimachinery/time.js';

const log = logger('namespaced_resources_deleter.go');

/** The estimate when remaining content is held by finalizers (upstream finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;
const FINALIZER_KUBERNETES = 'kubernetes';
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

/** Content remains; look again after about `estimate` seconds (upstream ResourcesRemainingError). */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
  }
}

/** How long the namespace's pods still need to terminate (upstream estimateGracefulTermination). */
export function estimateGracefulTermination(pods: Pod[]): number {
  let estimate = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    let grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (pod.metadata?.deletionGracePeriodSeconds !== undefined) grace = pod.metadata.deletionGracePeriodSeconds;
    if (grace > estimate) estimate = grace;
  }
  return estimate;
}


export class NamespacedResourcesDeleter {
  constructor(private readonly client: RestClient) {}

  /** One pass over namespace `name`; throws ResourcesRemainingError while content remains. */
  async delete(name: string): Promise<void> {
    const found = await this.getNamespace(name);
    if (!found?.metadata?.deletionTimestamp) return;
    log.v(5).info('Namespace controller - syncNamespace', { namespace: name, finalizerToken: FINALIZER_KUBERNETES });
    const ns = await this.retryOnConflict(found, (n) => this.updatePhaseTerminating(n));
    if (!ns?.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    await this.retryOnConflict(ns, (n) => this.finalize(n));
  }

  private async getNamespace(name: string): Promise<Namespace | undefined> {
    try {
      return await this.client.get<Namespace>({ ...NAMESPACES, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** fn, re-read and retried on conflicts; undefined when the namespace is gone meanwhile. */
  private async retryOnConflict(ns: Namespace, fn: (ns: Namespace) => Promise<Namespace>): Promise<Namespace | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(ns);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= 5) throw err;
        const fresh = await this.getNamespace(ns.metadata!.name!);
        if (!fresh) return undefined;
        ns = fresh;
      }
    }
  }

  private async updatePhaseTerminating(ns: Namespace): Promise<Namespace> {
    if (ns.status?.phase === 'Terminating') return ns;
    return this.client.update<Namespace>({ ...NAMESPACES, name: ns.metadata!.name, subresource: 'status' }, { ...ns, status: { ...ns.status, phase: 'Terminating' } });
  }

  private async finalize(ns: Namespace): Promise<Namespace> {
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES);
    const out = await this.client.update<Namespace>({ ...NAMESPACES, name: ns.metadata!.name, subresource: 'finalize' }, { ...ns, spec: { ...ns.spec, finalizers } });
    log.v(2).info('namespace finalized', { namespace: ns.metadata!.name });
    return out;
  }

  /** Delete everything in the namespace; the seconds to wait before looking again (0: empty). */
  private async deleteAllContent(ns: Namespace): Promise<number> {
    const name = ns.metadata!.name!;
    log.v(4).info('namespace controller - deleteAllContent', { namespace: name });
    const report = emptyReport();
    const errs: Error[] = [];
    let resources: DiscoveredResource[] = [];
    try {
      const d = await discoverResources(this.client);
      resources = d.resources;
      for (const [gv, err] of d.failed) report.discoveryFailures.set(gv, err.message);
    } catch (err) {
      report.discoveryFailures.set('', (err as Error).message);
      errs.push(err as Error);
    }
    const deletable = withVerbs(resources, 'delete').filter((r) => r.namespaced);
    let estimate = 0;
    for (const r of deletable) {
      try {
        const e = await this.deleteAllContentForResource(r, name, report);
        if (e > estimate) estimate = e;
      } catch (err) {
        errs.push(err as Error);
        report.contentFailures.push((err as Error).message);
      }
    }
    await this.updateConditions(name, desiredConditions(report));
    if (errs.length) throw errs.length === 1 ? errs[0] : new Error(`[${errs.map((e) => e.message).join(', ')}]`);
    log.v(4).info('namespace controller - deleteAllContent', { namespace: name, estimate });
    return estimate;
  }

  private async deleteAllContentForResource(r: DiscoveredResource, namespace: string, report: DeletionReport): Promise<number> {
    const ref: ResourceRef = { group: r.group, version: r.version, resource: r.resource, namespace };
    log.v(5).info('namespace controller - deleteAllContentForGroupVersionResource', { namespace, gvr: `${r.group}/${r.version}/${r.resource}` });
    let estimate = 0;
    if (r.group === '' && r.resource === 'pods') {
      const pods = await this.list<Pod>(ref, r);
      estimate = estimateGracefulTermination(pods ?? []);
    }
    if (r.verbs.includes('deletecollection')) {
      try {
        await this.client.deleteCollection(ref, {}, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    } else {
      for (const item of (await this.list(ref, r)) ?? []) {
        if (item.metadata?.deletionTimestamp) continue;
        try {
          await this.client.delete({ ...ref, name: item.metadata!.name }, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    const left = await this.list(ref, r);
    if (!left?.length) return 0;
    const gr = `${r.resource}.${r.group}`;
    report.remaining.set(gr, left.length);
    let withFinalizers = false;
    for (const item of left) {
      for (const f of item.metadata?.finalizers ?? []) {
        report.finalizers.set(f, (report.finalizers.get(f) ?? 0) + 1);
        withFinalizers = true;
      }
    }
    if (estimate) return estimate;
    if (withFinalizers) return FINALIZER_ESTIMATE_SECONDS;
    throw new Error(`unexpected items still remain in namespace: ${namespace} for gvr: ${r.group}/${r.version}, Resource=${r.resource}`);
  }

  /** The namespace's objects of a resource; undefined when listing is not supported. */
  private async list<T extends KubeObject>(ref: ResourceRef, r: DiscoveredResource): Promise<T[] | undefined> {
    if (!r.verbs.includes('list')) return undefined;
    try {
      return (await this.client.list<T>(ref)).items;
    } catch (err) {
      if (isNotFound(err) || (err as { code?: number }).code === 405) return undefined;
      throw err;
    }
  }

  private async updateConditions(name: string, want: NamespaceCondition[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const ns = await this.getNamespace(name);
      if (!ns) return;
      const { conditions, changed } = mergeConditions((ns.status?.conditions ?? []) as NamespaceCondition[], want, nowTimestamp());
      if (!changed) return;
      try {
        await this.client.update({ ...NAMESPACES, name, subresource: 'status' }, { ...ns, status: { ...ns.status, conditions } });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  }
}
