// Contract between the kubelet's pod lifecycle (src/kubelet/pods) and its volume manager
// (src/kubelet/volumes): what a pod's volumes become on the host, and how containers mount them.
import type { Pod, Container, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/klog.js';

/** One pod volume set up on the host. */
export interface PodVolume {
  /** The volume's name in pod.spec.volumes. */
  name: string;
  /** Absolute host path the volume lives at (a directory, or a file/socket for hostPath). */
  hostPath: string;
  /** True when every mount of it must be read-only (secret/configMap/projected/downwardAPI are mounted read-only, as upstream). */
  readOnly: boolean;
}

/** A host → container bind mount for CRI (runtime.v1 Mount). */
export interface ContainerMountSpec {
  hostPath: string;
  containerPath: string;
  readonly: boolean;
  /** 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL' */
  propagation?: string;
}

export interface VolumeManagerDeps {
  /** kubelet --root-dir (default /var/lib/kubelet); volumes go to <rootDir>/pods/<uid>/volumes/<plugin>/<name>. */
  rootDir: string;
  /** The kubelet's API client (as system:node:<name>). */
  client: RestClient;
  nodeName: string;
  log: Logger;
  /** Called when a volume's content changed on disk (configMap/secret/projected update), e.g. to log or re-sync. Optional. */
  onVolumeUpdated?: (podUid: string, volume: string) => void;
  /** The node's allocatable resources (quantity strings: cpu, memory, ephemeral-storage): the downward
   * API's default for unset limits and the size of memory-backed volumes. Default: all of the host's CPUs and memory. */
  nodeAllocatable?: () => Record<string, string>;
  /** How often to re-read a referenced ConfigMap/Secret whose watch the API server refuses (default 2000 ms). */
  objectPollIntervalMs?: number;
}

export interface VolumeManager {
  /** Materialises every volume of the pod; resolves when all are ready. Rejects with an Error whose
   * message is what upstream puts in a FailedMount event (e.g. `configmap "x" not found`): a
   * VolumeSetupError (index.ts) whose message is the whole event text, `MountVolume.SetUp failed for
   * volume "cfg" : configmap "x" not found`, with `volume`, `reason` ('FailedMount') and `all` (one per failed volume). Idempotent:
   * a second call for the same pod refreshes contents (configMap/secret/downwardAPI/projected) in place. */
  setUpPod(pod: Pod): Promise<Map<string, PodVolume>>;
  /** The CRI mounts for one container (subPath/subPathExpr resolved, readOnly honoured). Throws on a bad subPath.
   * env: the container's resolved environment for subPathExpr; without it only literal values and fieldRef
   * values of container.env are known. A subPath is bind-mounted under <pod>/volume-subpaths (removed by tearDownPod). */
  containerMounts(pod: Pod, container: Container, volumes: Map<string, PodVolume>, env?: Record<string, string>): ContainerMountSpec[];
  /** Unmounts (tmpfs) and removes everything under <rootDir>/pods/<uid>/volumes once no container runs. */
  tearDownPod(podUid: string): Promise<void>;
  /** Pod UIDs that have volume directories on disk (for orphan clean-up after a restart). */
  podsOnDisk(): Promise<string[]>;
  /** Stops watches and refresh timers. */
  stop(): void;
}

export type { VolumeMount };
