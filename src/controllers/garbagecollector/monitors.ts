// The graph builder's monitors (upstream graph_builder.go syncMonitors): one shared informer
// per deletable resource (discovery: list, watch and delete verbs; events excluded), feeding
// every add/update/delete into the dependency graph. Discovery is repeated periodically so
// resources that appear later (CRDs) are watched too.

import type { HandlerRegistration, KubeObject, RestClient, SharedInformerFactory } from '../../client/index.js';
import { DeletedFinalStateUnknown } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { DiscoveredResource, RESTMapper } from '../util/discovery.js';
import { discoverResources, withVerbs, groupResource } from '../util/discovery.js';
import type { DependencyGraph, GraphObject } from './graph.js';

const log = logger('graph_builder.go');

/** Never watched by the garbage collector (upstream DefaultIgnoredResources). */
const IGNORED = new Set(['events', 'events.events.k8s.io']);

export class Monitors {
  private monitors = new Map<string, HandlerRegistration>();

  constructor(
    private readonly client: RestClient,
    private readonly informers: SharedInformerFactory,
    private readonly mapper: RESTMapper,
    private readonly graph: DependencyGraph,
  ) {}

  /**
   * Discover resources and watch the new deletable ones; returns how many monitors run. New
   * informers are started unless `start` is false (at init the controller-manager starts them).
   */
  async sync(signal?: AbortSignal, start = true): Promise<number> {
    const { resources, failed } = await discoverResources(this.client, signal);
    for (const [gv, err] of failed) log.warning('failed to discover some groups', { groupVersion: gv, err });
    this.mapper.reset(resources);
    const deletable = withVerbs(resources, 'delete', 'list', 'watch').filter((r) => !IGNORED.has(groupResource(r)));
    let added = 0;
    for (const r of deletable) {
      const key = `${r.group}/${r.version}/${r.resource}`;
      if (this.monitors.has(key)) continue;
      this.monitors.set(key, this.watch(r));
      added++;
    }
    if (added) {
      log.v(4).info('synced monitors', { added, total: this.monitors.size });
      if (start) this.informers.start();
    }
    return this.monitors.size;
  }

  hasSynced(): boolean {
    return [...this.monitors.values()].every((m) => m.hasSynced());
  }

  private watch(r: DiscoveredResource): HandlerRegistration {
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    const view = (o: KubeObject): GraphObject => ({ apiVersion, kind: r.kind, metadata: o.metadata });
    const inf = this.informers.forResource({ group: r.group, version: r.version, resource: r.resource });
    return inf.addEventHandler({
      onAdd: (o) => this.graph.observe(view(o)),
      onUpdate: (old, cur) => this.graph.observe(view(cur), view(old)),
      onDelete: (o) => {
        const obj = o instanceof DeletedFinalStateUnknown ? o.obj : o;
        const uid = obj.metadata?.uid;
        if (uid) this.graph.remove(uid);
      },
    });
  }
}
