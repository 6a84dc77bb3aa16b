// Contract between the kubelet's node side (config, pod sources, static pods: src/kubelet/*.ts)
// and its pod lifecycle (src/kubelet/pods): how pods reach the pod workers and what they report.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Registry } from 'prom-client';
import type { RestClient } from '../../client/rest.js';
import type { EventRecorder } from '../../client/events.js';
import type { Logger } from '../../util/klog.js';
import type { CriClient } from '../../cri/client.js';
import type { VolumeManager } from '../volumes/types.js';
import type { KubeletConfiguration } from '../config/types.js';

/** Where a pod came from: the API server (bound to this node) or a static pod file. */
export type PodSource = 'api' | 'file';

export interface PodLifecycleDeps {
  cri: CriClient;
  client: RestClient;
  recorder: EventRecorder;
  nodeName: string;
  /** --node-ip (first address); the pod status hostIP/hostIPs. */
  nodeIPs: string[];
  /** The resolved configuration (defaults applied). */
  config: KubeletConfiguration;
  volumes: VolumeManager;
  /** kubelet --root-dir (default /var/lib/kubelet). */
  rootDir: string;
  log: Logger;
  /** The kubelet's metrics registry: the pod lifecycle adds kubelet_pod_start_duration_seconds,
   * kubelet_pod_worker_duration_seconds, kubelet_started_containers_total (+ _errors_total) and
   * kubelet_pleg_relist_duration_seconds to it. Optional. */
  metrics?: Registry;
}

export interface PodLifecycle {
  /** Adopts sandboxes and containers already in the runtime (kubelet restart) and starts the sync loop. */
  start(): Promise<void>;
  /** Adds or updates a pod (from the API informer or a static pod file). */
  upsertPod(pod: Pod, source: PodSource): void;
  /** The pod is gone (deleted from the API after its grace period, or its file removed): stop and clean up. */
  removePod(uid: string): void;
  /** Every pod the kubelet manages (desired pods, API and static, with their latest status). */
  listPods(): Pod[];
  /** Number of pods with a running sandbox (for node status and metrics). */
  runningPodCount(): number;
  /** PLEG health for /healthz and the node's Ready condition: not ok when no relist succeeded for
   * 3 minutes (upstream's "PLEG is not healthy: pleg was last seen active 3m0s ago; threshold is 3m0s"). */
  health?(): { ok: boolean; reason?: string };
  /** Stops workers; leaves containers running (a kubelet restart adopts them). */
  stop(): Promise<void>;
}
