// kube-scheduler's metrics (upstream names, labels and buckets) on a registry of its own, so
// the scheduler can share a process with the API server: schedule attempts, attempt and SLI
// durations, pending pods per queue, queue incoming pods, extension point durations,
// preemption, cache size and the leader election status.

import client from 'prom-client';

const exp = (start: number, factor: number, n: number) => client.exponentialBuckets(start, factor, n);

export class SchedulerMetrics {
  readonly registry = new client.Registry();
  readonly scheduleAttempts: client.Counter<'result' | 'profile'>;
  readonly attemptDuration: client.Histogram<'result' | 'profile'>;
  readonly sliDuration: client.Histogram<'attempts'>;
  readonly podSchedulingAttempts: client.Histogram<string>;
  readonly pendingPods: client.Gauge<'queue'>;
  readonly queueIncoming: client.Counter<'queue' | 'event'>;
  readonly extensionPointDuration: client.Histogram<'extension_point' | 'status' | 'profile'>;
  readonly preemptionAttempts: client.Counter<string>;
  readonly preemptionVictims: client.Histogram<string>;
  readonly cacheSize: client.Gauge<'type'>;
  readonly unschedulablePods: client.Gauge<'plugin' | 'profile'>;
  readonly leaderStatus: client.Gauge<'name'>;

  constructor(withProcessMetrics = true) {
    const r = [this.registry];
    this.scheduleAttempts = new client.Counter({ name: 'scheduler_schedule_attempts_total', help: 'Number of attempts to schedule pods, by the result. \'unschedulable\' means a pod could not be scheduled, while \'error\' means an internal scheduler problem.', labelNames: ['result', 'profile'], registers: r });
    this.attemptDuration = new client.Histogram({ name: 'scheduler_scheduling_attempt_duration_seconds', help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)', labelNames: ['result', 'profile'], buckets: exp(0.001, 2, 15), registers: r });
    this.sliDuration = new client.Histogram({ name: 'scheduler_pod_scheduling_sli_duration_seconds', help: 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.', labelNames: ['attempts'], buckets: exp(0.01, 2, 20), registers: r });
    this.podSchedulingAttempts = new client.Histogram({ name: 'scheduler_pod_scheduling_attempts', help: 'Number of attempts to successfully schedule a pod.', buckets: exp(1, 2, 5), registers: r });
    this.pendingPods = new client.Gauge({ name: 'scheduler_pending_pods', help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.", labelNames: ['queue'], registers: r });
    this.queueIncoming = new client.Counter({ name: 'scheduler_queue_incoming_pods_total', help: 'Number of pods added to scheduling queues by event and queue type.', labelNames: ['queue', 'event'], registers: r });
    this.extensionPointDuration = new client.Histogram({ name: 'scheduler_framework_extension_point_duration_seconds', help: 'Latency for running all plugins of a specific extension point.', labelNames: ['extension_point', 'status', 'profile'], buckets: exp(0.0001, 2, 12), registers: r });
    this.preemptionAttempts = new client.Counter({ name: 'scheduler_preemption_attempts_total', help: 'Total preemption attempts in the cluster till now', registers: r });
    this.preemptionVictims = new client.Histogram({ name: 'scheduler_preemption_victims', help: 'Number of selected preemption victims', buckets: exp(1, 2, 7), registers: r });
    this.cacheSize = new client.Gauge({ name: 'scheduler_scheduler_cache_size', help: 'Number of nodes, pods, and assumed (bound) pods in the scheduler cache.', labelNames: ['type'], registers: r });
    this.unschedulablePods = new client.Gauge({ name: 'scheduler_unschedulable_pods', help: 'The number of unschedulable pods broken down by plugin name. A pod will increment the gauge for all plugins that caused it to not schedule and so this metric have meaning only when broken down by plugin.', labelNames: ['plugin', 'profile'], registers: r });
    this.leaderStatus = new client.Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease. Please make sure to group by name.', labelNames: ['name'], registers: r });
    for (const q of ['active', 'backoff', 'unschedulable', 'gated']) this.pendingPods.set({ queue: q }, 0);
    if (withProcessMetrics) client.collectDefaultMetrics({ register: this.registry });
  }
}
