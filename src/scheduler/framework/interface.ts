// The scheduling framework's plugin API (framework.Plugin and its extension points), the
// CycleState shared by the plugins during one scheduling cycle, the Handle plugins get from
// the framework, and the cluster events plugins register for (queueing hints).

import type { RestClient } from '../../client/rest.js';
import type { EventRecorder } from '../../client/events.js';
import type { Lister } from '../../client/informer.js';
import type { KubeObject } from '../../client/rest.js';
import type { Namespace, PersistentVolume, PersistentVolumeClaim, Pod, PodDisruptionBudget, StorageClass } from '../types.js';
import type { NodeInfo } from './nodeinfo.js';
import type { AffinityTerm, PodInfo } from './podinfo.js';
import type { Selector } from '../../apimachinery/labels.js';

/** A required anti-affinity term of an assigned pod. */
export interface IndexedTerm {
  pi: PodInfo;
  term: AffinityTerm;
}
import type { Status } from './status.js';

export const MaxNodeScore = 100;
export const MinNodeScore = 0;

/** framework.CycleState: per-cycle data written by PreFilter/PreScore and read by Filter/Score. */
export class CycleState {
  private data = new Map<string, unknown>();
  skipFilterPlugins = new Set<string>();
  skipScorePlugins = new Set<string>();
  /** set when nominated pods were added to a node for filtering */
  recordPluginMetrics = false;

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
  delete(key: string): void {
    this.data.delete(key);
  }
  /** Copy for preemption's dry runs: values with a clone() are cloned. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v && typeof (v as { clone?: () => unknown }).clone === 'function' ? (v as { clone: () => unknown }).clone() : v);
    c.skipFilterPlugins = new Set(this.skipFilterPlugins);
    c.skipScorePlugins = new Set(this.skipScorePlugins);
    return c;
  }
}

/** What PreFilter may narrow the candidate nodes to (undefined: all nodes). */
export interface PreFilterResult {
  nodeNames?: Set<string>;
}

export interface PostFilterResult {
  nominatedNodeName?: string;
}

/** The node → status map of the filter phase (framework.NodeToStatus). */
export class NodeToStatus {
  readonly map = new Map<string, Status>();
  /** the status of nodes not in the map (set when PreFilter rejected, or for preemption) */
  absentStatus?: Status;

  set(node: string, s: Status): void {
    this.map.set(node, s);
  }
  get(node: string): Status | undefined {
    return this.map.get(node) ?? this.absentStatus;
  }
  get size(): number {
    return this.map.size;
  }
}

export interface SharedLister {
  list(): NodeInfo[];
  get(name: string): NodeInfo | undefined;
  havePodsWithAffinityList(): NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): NodeInfo[];
  size(): number;
  /** how many pods have terms that score other pods (required affinity, preferred (anti-)affinity) */
  podsWithScoringAffinity?(): number;
  /**
   * Assigned pods a term may match, narrowed by one of the term's equality requirements
   * (undefined: the term has none, every pod is a candidate).
   */
  podsMatchingTermIndex?(term: AffinityTerm): Iterable<PodInfo> | undefined;
  /** The same narrowing for a label selector. */
  podsMatchingSelectorIndex?(selector: Selector): Iterable<PodInfo> | undefined;
  /** Required anti-affinity terms of assigned pods that may match a pod with these labels. */
  antiAffinityTermsFor?(labels: Record<string, string> | undefined): Iterable<IndexedTerm>;
}

/** Nominated pods (pods that preempted others and wait for room on a node). */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): PodInfo[];
}

export interface Listers {
  pods: Lister<Pod>;
  namespaces: Lister<Namespace>;
  pvcs: Lister<PersistentVolumeClaim>;
  pvs: Lister<PersistentVolume>;
  storageClasses: Lister<StorageClass>;
  pdbs: Lister<PodDisruptionBudget>;
  services?: Lister<KubeObject>;
  replicaSets?: Lister<KubeObject>;
  statefulSets?: Lister<KubeObject>;
  replicationControllers?: Lister<KubeObject>;
}

/** framework.Handle: what plugins may use. */
export interface Handle {
  client?: RestClient;
  recorder?: EventRecorder;
  listers?: Listers;
  snapshot(): SharedLister;
  nominator: PodNominator;
  /** run the filter plugins (with nominated pods) on one node, for preemption's dry runs */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null;
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, toAdd: PodInfo, nodeInfo: NodeInfo): Status | null;
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, toRemove: PodInfo, nodeInfo: NodeInfo): Status | null;
  profileName: string;
  /** the queue's activate hook (e.g. for pods that lost their nomination) */
  activate?(pods: Pod[]): void;
}

// ---------------------------------------------------------------------------------------------
// Cluster events (framework.ClusterEvent) and queueing hints

export enum ActionType {
  Add = 1 << 0,
  Delete = 1 << 1,
  UpdateNodeAllocatable = 1 << 2,
  UpdateNodeLabel = 1 << 3,
  UpdateNodeTaint = 1 << 4,
  UpdateNodeCondition = 1 << 5,
  UpdateNodeAnnotation = 1 << 6,
  UpdatePodLabel = 1 << 7,
  UpdatePodScaleDown = 1 << 8,
  UpdatePodTolerations = 1 << 9,
  UpdatePodSchedulingGatesEliminated = 1 << 10,
  UpdatePodGeneratedResourceClaim = 1 << 11,
  /** any other update */
  UpdateOther = 1 << 12,
  Update = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12),
  All = (1 << 13) - 1,
}

export type EventResource = 'Pod' | 'AssignedPod' | 'UnscheduledPod' | 'Node' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'CSINode' | 'Namespace' | 'PodDisruptionBudget' | '*';

export interface ClusterEvent {
  resource: EventResource;
  actionType: number;
  label?: string;
}

export type QueueingHint = 'Queue' | 'QueueSkip';
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  event: ClusterEvent;
  hint?: QueueingHintFn;
}

// ---------------------------------------------------------------------------------------------
// Plugins

export interface Plugin {
  readonly name: string;
  /** PreEnqueue: gate a pod before it enters activeQ */
  preEnqueue?(pod: Pod): Status | null;
  /** QueueSort */
  less?(a: QueuedPodInfoLike, b: QueuedPodInfoLike): boolean;
  preFilter?(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status | null };
  /** PreFilterExtensions: keep PreFilter state right when a pod is added to / removed from a node */
  addPod?(state: CycleState, podToSchedule: Pod, toAdd: PodInfo, nodeInfo: NodeInfo): Status | null;
  removePod?(state: CycleState, podToSchedule: Pod, toRemove: PodInfo, nodeInfo: NodeInfo): Status | null;
  filter?(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | null;
  postFilter?(state: CycleState, pod: Pod, filtered: NodeToStatus): { result?: PostFilterResult; status: Status | null };
  preScore?(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status | null;
  score?(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status;
  /** Score prepared once per cycle: the per-node function (preferred over score when present) */
  scoreFn?(state: CycleState, pod: Pod): (nodeInfo: NodeInfo) => number;
  /** scores[i] belongs to nodes[i]; normalize in place */
  normalizeScore?(state: CycleState, pod: Pod, scores: number[], nodes: NodeInfo[]): Status | null;
  reserve?(state: CycleState, pod: Pod, nodeName: string): Status | null;
  unreserve?(state: CycleState, pod: Pod, nodeName: string): void;
  permit?(state: CycleState, pod: Pod, nodeName: string): Status | null;
  preBind?(state: CycleState, pod: Pod, nodeName: string): Promise<Status | null>;
  bind?(state: CycleState, pod: Pod, nodeName: string): Promise<Status | null>;
  postBind?(state: CycleState, pod: Pod, nodeName: string): void;
  eventsToRegister?(): ClusterEventWithHint[];
}

/** The parts of a queued pod QueueSort compares. */
export interface QueuedPodInfoLike {
  pod: Pod;
  /** when the pod was added to the queue (ms) */
  timestamp: number;
}

export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
