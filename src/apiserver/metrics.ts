// /metrics for the API server in Prometheus text format (prom-client), with upstream's
// metric names: apiserver_request_total, apiserver_request_duration_seconds,
// apiserver_storage_objects, apiserver_registered_watchers, and process metrics.

import client from 'prom-client';
import type { RequestInfo } from './requestinfo.js';
import type { ApiContext } from './endpoints/context.js';

export class Metrics {
  readonly registry = new client.Registry();
  private requests: client.Counter<string>;
  private duration: client.Histogram<string>;
  private objects: client.Gauge<string>;
  private watchers: client.Gauge<string>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.requests = new client.Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
      registers: [this.registry],
    });
    this.duration = new client.Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
      registers: [this.registry],
    });
    this.objects = new client.Gauge({ name: 'apiserver_storage_objects', help: 'Number of stored objects at the time of last check split by kind.', labelNames: ['resource'], registers: [this.registry] });
    this.watchers = new client.Gauge({ name: 'apiserver_registered_watchers', help: 'Number of currently registered watchers for a given resources', labelNames: ['group', 'kind'], registers: [this.registry] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observe(info: RequestInfo | undefined, method: string, code: number, seconds: number): void {
    const isRes = !!info?.isResourceRequest;
    const verb = isRes ? (info!.verb === 'list' || info!.verb === 'watch' || info!.verb === 'get' ? info!.verb.toUpperCase() : info!.verb.toUpperCase()) : method;
    const scope = !isRes ? '' : info!.name ? 'resource' : info!.namespace ? 'namespace' : 'cluster';
    const labels = {
      verb,
      group: info?.apiGroup ?? '',
      version: info?.apiVersion ?? '',
      resource: info?.resource ?? '',
      subresource: info?.subresource ?? '',
      scope,
      component: 'apiserver',
    };
    this.requests.inc({ ...labels, code: String(code) });
    if (info?.verb !== 'watch') this.duration.observe(labels, seconds);
  }

  async render(ctx: ApiContext): Promise<string> {
    this.objects.reset();
    this.watchers.reset();
    for (const s of ctx.caches.stats()) {
      const resource = s.prefix.slice(ctx.etcdPrefix.length + 1).replace(/\/$/, '');
      this.objects.set({ resource }, s.items);
      this.watchers.set({ group: '', kind: resource }, s.watchers);
    }
    return this.registry.metrics();
  }
}
