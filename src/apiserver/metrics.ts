// /metrics for the API server in Prometheus text format (prom-client), with upstream's
// metric names: apiserver_request_total, apiserver_request_duration_seconds,
// apiserver_storage_objects, apiserver_registered_watchers, and process metrics.
//
// The two per-request metrics are recorded on every request, so they are kept in plain
// per-label-set records (one Map lookup and a few additions per request) and handed to
// prom-client's registry as metric objects that it formats only when /metrics is scraped; the
// text they produce is the same as prom-client's Counter and Histogram would.

import client from 'prom-client';
import type { RequestInfo } from './requestinfo.js';
import type { ApiContext } from './endpoints/context.js';

type Labels = Record<string, string>;

interface ExportValue {
  labels: Labels;
  sharedLabels?: Labels;
  value: number;
  metricName?: string;
}

interface ExportMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: ExportValue[];
  aggregator: 'sum';
}

/** A counter with labels, as prom-client's Counter prints it. */
class FastCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** key must identify labels (the caller builds both from the same values). */
  inc(key: string, labels: () => Labels): void {
    const s = this.series.get(key);
    if (s) s.value++;
    else this.series.set(key, { labels: labels(), value: 1 });
  }

  async get(): Promise<ExportMetric> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }
}

interface HistogramSeries {
  labels: Labels;
  /** observations per bucket (not cumulative); the last slot is +Inf only */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram with labels, as prom-client's Histogram prints it (le first, then the labels). */
class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: number[],
  ) {}

  observe(key: string, labels: () => Labels, value: number): void {
    let s = this.series.get(key);
    if (!s) {
      s = { labels: labels(), counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** The registry's text path: bucket lines carry le as their own label, the series' as shared ones. */
  async getForPromString(): Promise<ExportMetric> {
    const values: ExportValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { le: this.bounds[i] as unknown as string }, sharedLabels: s.labels, value: acc, metricName: bucket });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  async get(): Promise<ExportMetric> {
    const m = await this.getForPromString();
    m.values = m.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return m;
  }
}

export class Metrics {
  readonly registry = new client.Registry();
  private requests: FastCounter;
  private duration: FastHistogram;
  private objects: client.Gauge<string>;
  private watchers: client.Gauge<string>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.requests = new FastCounter(
      'apiserver_request_total',
      'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    );
    this.duration = new FastHistogram(
      'apiserver_request_duration_seconds',
      'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    );
    this.registry.registerMetric(this.requests as unknown as client.Metric);
    this.registry.registerMetric(this.duration as unknown as client.Metric);
    this.objects = new client.Gauge({ name: 'apiserver_storage_objects', help: 'Number of stored objects at the time of last check split by kind.', labelNames: ['resource'], registers: [this.registry] });
    this.watchers = new client.Gauge({ name: 'apiserver_registered_watchers', help: 'Number of currently registered watchers for a given resources', labelNames: ['group', 'kind'], registers: [this.registry] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observe(info: RequestInfo | undefined, method: string, code: number, seconds: number): void {
    const isRes = !!info?.isResourceRequest;
    const verb = isRes ? info!.verb.toUpperCase() : method;
    const scope = !isRes ? '' : info!.name ? 'resource' : info!.namespace ? 'namespace' : 'cluster';
    const group = info?.apiGroup ?? '';
    const version = info?.apiVersion ?? '';
    const resource = info?.resource ?? '';
    const subresource = info?.subresource ?? '';
    const key = `${verb}\u0000${group}\u0000${version}\u0000${resource}\u0000${subresource}\u0000${scope}`;
    const labels = (): Labels => ({ verb, group, version, resource, subresource, scope, component: 'apiserver' });
    this.requests.inc(`${key}\u0000${code}`, () => ({ ...labels(), code: String(code) }));
    if (info?.verb !== 'watch') this.duration.observe(key, labels, seconds);
  }

  /** apiserver_storage_objects: the object-count poller's last figures (--etcd-count-metric-poll-period). */
  objectCounts?: () => ReadonlyMap<string, number>;

  async render(ctx: ApiContext): Promise<string> {
    this.objects.reset();
    this.watchers.reset();
    for (const [resource, n] of this.objectCounts?.() ?? []) this.objects.set({ resource }, n);
    for (const s of ctx.caches.stats()) {
      const resource = s.prefix.slice(ctx.etcdPrefix.length + 1).replace(/\/$/, '');
      this.watchers.set({ group: '', kind: resource }, s.watchers);
    }
    return this.registry.metrics();
  }
}
