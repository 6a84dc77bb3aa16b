// The settings of a simulated node fleet (flags of `k8ts sim-nodes`, options of startSimNodes)
// and their defaults, which follow the kubelet's where the kubelet has one.

export interface SimConfig {
  /** node names are `<namePrefix><i>`, i from 0 */
  namePrefix: string;
  count: number;
  /** status.capacity */
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage: string;
  /** node.kubernetes.io/instance-type */
  instanceType: string;
  /** extra labels on every node */
  labels: Record<string, string>;
  /** spec.taints of every node at registration (the kubelet's --register-with-taints) */
  taints: { key: string; value?: string; effect: string }[];
  /** InternalIPs: node i gets host i+1 of this range */
  nodeIPRange: string;
  /** pod IPs when the node has no spec.podCIDR: node i gets the i-th /fallbackPodCIDRMaskSize subnet */
  fallbackPodCIDR: string;
  fallbackPodCIDRMaskSize: number;
  /** a started container becomes ready after this long */
  podReadyDelayMs: number;
  /** containers of pods whose restartPolicy is Never/OnFailure exit after this long */
  podRunDurationMs: number;
  /** Lease spec.leaseDurationSeconds (kubelet nodeLeaseDurationSeconds); renewed every quarter of it */
  nodeLeaseDurationSeconds: number;
  /** unchanged node status is posted this often (kubelet nodeStatusReportFrequency) */
  nodeStatusReportFrequencyMs: number;
  /**
   * concurrent requests per kind of work. Many requests are in flight at once because a fleet
   * stands for thousands of kubelets: with 5,000 nodes, 500 lease renewals a second must go
   * through even when the API server answers slowly.
   */
  workers: { register: number; lease: number; status: number; pods: number };
}

export const defaultSimConfig: SimConfig = {
  namePrefix: 'sim-node-',
  count: 1,
  cpu: '32',
  memory: '256Gi',
  pods: '110',
  ephemeralStorage: '100Gi',
  instanceType: 'k8ts-sim',
  labels: {},
  taints: [],
  nodeIPRange: '172.16.0.0/12',
  fallbackPodCIDR: '10.128.0.0/9',
  fallbackPodCIDRMaskSize: 24,
  podReadyDelayMs: 0,
  podRunDurationMs: 1000,
  nodeLeaseDurationSeconds: 40,
  nodeStatusReportFrequencyMs: 5 * 60 * 1000,
  workers: { register: 32, lease: 16, status: 8, pods: 128 },
};

/** Worker counts for a fleet of `count` nodes: lease renewals scale with the fleet (count/20, 16..256). */
export function defaultWorkers(count: number): SimConfig['workers'] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.ceil(v)));
  return { register: 32, lease: clamp(count / 20, 16, 256), status: clamp(count / 100, 8, 64), pods: 128 };
}

/** The kubelet renews its Lease every quarter of the lease duration (10s of 40s). */
export function leaseRenewIntervalMs(c: Pick<SimConfig, 'nodeLeaseDurationSeconds'>): number {
  return (c.nodeLeaseDurationSeconds * 1000) / 4;
}
