// The pod lifecycle's kubelet_* series (upstream names, help texts and buckets), registered on
// the kubelet's prom-client registry when the kubelet hands one in.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface PodMetrics {
  podStarted(seconds: number): void;
  podWorker(operation: 'create' | 'update' | 'sync', seconds: number): void;
  containerStarted(isInit: boolean): void;
  containerStartFailed(isInit: boolean, code: string): void;
  relist(seconds: number): void;
}

export const noMetrics: PodMetrics = { podStarted() {}, podWorker() {}, containerStarted() {}, containerStartFailed() {}, relist() {} };

const exponential = (start: number, factor: number, count: number) => Array.from({ length: count }, (_, i) => start * factor ** i);

export function newPodMetrics(registry: Registry | undefined): PodMetrics {
  if (!registry) return noMetrics;
  const registers = [registry];
  const podStart = new Histogram({ name: 'kubelet_pod_start_duration_seconds', help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run', buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600], registers });
  const worker = new Histogram({ name: 'kubelet_pod_worker_duration_seconds', help: 'Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync', labelNames: ['operation'], buckets: exponential(0.005, 2, 12), registers });
  const started = new Counter({ name: 'kubelet_started_containers_total', help: 'Cumulative number of containers started', labelNames: ['container_type'], registers });
  const failed = new Counter({ name: 'kubelet_started_containers_errors_total', help: 'Cumulative number of errors when starting containers', labelNames: ['code', 'container_type'], registers });
  const relist = new Histogram({ name: 'kubelet_pleg_relist_duration_seconds', help: 'Duration in seconds for relisting pods in PLEG.', buckets: exponential(0.005, 2, 12), registers });
  const type = (isInit: boolean) => (isInit ? 'init_container' : 'container');
  return {
    podStarted: (s) => podStart.observe(s),
    podWorker: (op, s) => worker.observe({ operation: op }, s),
    containerStarted: (isInit) => started.inc({ container_type: type(isInit) }),
    containerStartFailed: (isInit, code) => failed.inc({ code, container_type: type(isInit) }),
    relist: (s) => relist.observe(s),
  };
}
