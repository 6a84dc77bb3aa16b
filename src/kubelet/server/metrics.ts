// The kubelet's metric endpoints besides /metrics: /metrics/resource (what metrics-server
// scrapes: node_/container_/pod_ CPU and working-set series with sample timestamps) and
// /metrics/cadvisor (cAdvisor's container_* series with its container/id/image/name/namespace/pod
// labels), written in the Prometheus text format; and the API's own request metrics.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { CriClient } from '../../cri/client.js';
import { nodeCpuNanos, nodeMemory } from './host.js';
import { byPod, containerUsage, sum } from './usage.js';
import type { ContainerUsage } from './usage.js';

type Labels = Record<string, string>;

/** A tiny Prometheus text exposition writer. */
export class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: { labels?: Labels; value: number | undefined; ts?: number }[]): void {
    const present = samples.filter((s) => s.value !== undefined && Number.isFinite(s.value));
    if (!present.length) return;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of present) {
      const l = s.labels && Object.keys(s.labels).length ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      this.lines.push(`${name}${l} ${formatValue(s.value!)}${s.ts !== undefined ? ` ${Math.floor(s.ts)}` : ''}`);
    }
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
}

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** /metrics/resource */
export async function resourceMetrics(cri: CriClient): Promise<string> {
  const e = new Exposition();
  const now = Date.now();
  let usage: ContainerUsage[] = [];
  let failed = 0;
  try {
    usage = await containerUsage(cri);
  } catch {
    failed = 1;
  }
  const mem = nodeMemory();
  e.family('container_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the container in core-seconds', usage.map((c) => ({ labels: { container: c.name, namespace: c.namespace, pod: c.pod }, value: c.cpuNanos !== undefined ? c.cpuNanos / 1e9 : undefined, ts: c.timestamp })));
  e.family('container_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the container in bytes', usage.map((c) => ({ labels: { container: c.name, namespace: c.namespace, pod: c.pod }, value: c.memoryWorkingSet, ts: c.timestamp })));
  e.family('container_start_time_seconds', 'gauge', '[STABLE] Start time of the container since unix epoch in seconds', usage.map((c) => ({ labels: { container: c.name, namespace: c.namespace, pod: c.pod }, value: c.createdAt / 1000, ts: c.createdAt })));
  e.family('node_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the node in core-seconds', [{ value: nodeCpuNanos() / 1e9, ts: now }]);
  e.family('node_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the node in bytes', [{ value: mem.workingSet, ts: now }]);
  const pods = [...byPod(usage).values()];
  e.family('pod_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds', pods.map((cs) => ({ labels: { namespace: cs[0]!.namespace, pod: cs[0]!.pod }, value: (sum(cs.map((c) => c.cpuNanos)) ?? NaN) / 1e9, ts: cs[0]!.timestamp })));
  e.family('pod_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the pod in bytes', pods.map((cs) => ({ labels: { namespace: cs[0]!.namespace, pod: cs[0]!.pod }, value: sum(cs.map((c) => c.memoryWorkingSet)), ts: cs[0]!.timestamp })));
  e.family('resource_scrape_error', 'gauge', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise', [{ value: failed }]);
  return e.text();
}

/** /metrics/cadvisor */
export async function cadvisorMetrics(cri: CriClient, cores: number): Promise<string> {
  const e = new Exposition();
  const usage = await containerUsage(cri).catch(() => [] as ContainerUsage[]);
  const labels = (c: ContainerUsage): Labels => ({ container: c.name, id: `/kubepods/pod${c.podUid}/${c.id}`, image: c.image, name: c.id, namespace: c.namespace, pod: c.pod });
  const series = (pick: (c: ContainerUsage) => number | undefined) => usage.map((c) => ({ labels: labels(c), value: pick(c), ts: c.timestamp }));
  e.family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.', series((c) => (c.cpuNanos !== undefined ? c.cpuNanos / 1e9 : undefined)));
  e.family('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.', series((c) => c.memoryWorkingSet));
  e.family('container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed', series((c) => c.memoryUsage));
  e.family('container_memory_rss', 'gauge', 'Size of RSS in bytes.', series((c) => c.memoryRss));
  e.family('container_fs_usage_bytes', 'gauge', 'Number of bytes that are consumed by the container on this filesystem.', series((c) => c.rootfsUsed));
  e.family('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.', series((c) => c.createdAt / 1000));
  e.family('container_last_seen', 'gauge', 'Last time a container was seen by the exporter', series((c) => c.timestamp / 1000));
  const mem = nodeMemory();
  e.family('machine_cpu_cores', 'gauge', 'Number of logical CPU cores.', [{ value: cores }]);
  e.family('machine_memory_bytes', 'gauge', 'Amount of memory installed on the machine.', [{ value: mem.capacity }]);
  return e.text();
}

/** kubelet_http_requests_total / kubelet_http_inflight_requests in the kubelet's registry (once per registry). */
export function requestMetrics(registry: Registry): { requests: Counter<string>; inflight: Gauge<string> } {
  const requests =
    (registry.getSingleMetric('kubelet_http_requests_total') as Counter<string> | undefined) ??
    new Counter({ name: 'kubelet_http_requests_total', help: '[ALPHA] Number of the http requests received since the server started', labelNames: ['method', 'path', 'server_type', 'long_running'], registers: [registry] });
  const inflight =
    (registry.getSingleMetric('kubelet_http_inflight_requests') as Gauge<string> | undefined) ??
    new Gauge({ name: 'kubelet_http_inflight_requests', help: '[ALPHA] Number of the inflight http requests', labelNames: ['method', 'path', 'server_type', 'long_running'], registers: [registry] });
  return { requests, inflight };
}

/** The metrics "path" label: the first path segment, as upstream buckets them. */
export function pathBucket(path: string): string {
  const first = path.split('/').filter(Boolean)[0] ?? '';
  const known = ['attach', 'configz', 'containerLogs', 'exec', 'healthz', 'logs', 'metrics', 'pods', 'portForward', 'run', 'runningpods', 'stats', 'checkpoint', 'debug'];
  if (first === 'metrics') {
    const sub = path.split('/').filter(Boolean)[1];
    return sub ? `metrics/${sub}` : 'metrics';
  }
  return known.includes(first) ? first : 'other';
}
