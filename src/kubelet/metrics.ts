// The kubelet metrics its node side owns, in a prom-client Registry the kubelet API serves on
// /metrics: kubelet_node_name, kubelet_running_pods, kubelet_running_containers by state,
// kubelet_node_startup_duration_seconds, plus the process metrics.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface KubeletMetricsSources {
  nodeName: string;
  runningPods: () => number;
  /** container counts by CRI state (CONTAINER_RUNNING → running, …) */
  containerStates: () => Promise<Record<string, number>>;
}

export function newKubeletRegistry(src: KubeletMetricsSources, processMetrics = true): { registry: Registry; startupDone: (seconds: number) => void } {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const nodeName = new Gauge({ name: 'kubelet_node_name', help: "The node's name. The count is always 1.", labelNames: ['node'], registers: [registry] });
  nodeName.set({ node: src.nodeName }, 1);
  new Gauge({
    name: 'kubelet_running_pods',
    help: 'Number of pods that have a running pod sandbox',
    registers: [registry],
    collect() {
      this.set(src.runningPods());
    },
  });
  new Gauge({
    name: 'kubelet_running_containers',
    help: 'Number of containers currently running',
    labelNames: ['container_state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [state, n] of Object.entries(await src.containerStates())) this.set({ container_state: state }, n);
      } catch {
        // runtime unreachable: no samples
      }
    },
  });
  const startup = new Gauge({ name: 'kubelet_node_startup_duration_seconds', help: 'Duration in seconds of node startup in total.', registers: [registry] });
  return { registry, startupDone: (s) => startup.set(s) };
}

/** CRI ContainerState enum → the label value upstream uses. */
export function containerStateLabel(state: string | undefined): string {
  switch (state) {
    case 'CONTAINER_CREATED':
      return 'created';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    default:
      return 'unknown';
  }
}
