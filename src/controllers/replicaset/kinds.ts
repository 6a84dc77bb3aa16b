// What differs between a ReplicaSet and a ReplicationController for the one controller that
// runs both (upstream runs the ReplicaSet code for RCs through a conversion adapter): the
// resource, kind, event source, --concurrent-*-syncs flag, and how the selector is spelled
// (a LabelSelector vs a plain label map).

import type { GroupVersionResource } from '../../client/index.js';
import type { LabelSelector, PodTemplateSpec, ReplicaSet, ReplicationController } from '../util/types.js';

/** The fields the controller reads and writes, common to both kinds. */
export type ReplicatedObject = ReplicaSet | ReplicationController;

export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicatedStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicatedKind {
  kind: 'ReplicaSet' | 'ReplicationController';
  apiVersion: string;
  gvr: GroupVersionResource;
  /** the event source component (upstream: replicaset-controller, replication-controller) */
  component: string;
  /** the key of ctx.options.concurrency (--concurrent-replicaset-syncs, --concurrent-rc-syncs) */
  concurrencyKey: string;
  /** the selector as a LabelSelector (an RC's map becomes matchLabels) */
  selector(obj: ReplicatedObject): LabelSelector | undefined;
  template(obj: ReplicatedObject): PodTemplateSpec | undefined;
}

export const replicaSetKind: ReplicatedKind = {
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  gvr: { group: 'apps', version: 'v1', resource: 'replicasets' },
  component: 'replicaset-controller',
  concurrencyKey: 'replicaset',
  selector: (obj) => (obj as ReplicaSet).spec?.selector,
  template: (obj) => obj.spec?.template,
};

export const replicationControllerKind: ReplicatedKind = {
  kind: 'ReplicationController',
  apiVersion: 'v1',
  gvr: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  component: 'replication-controller',
  concurrencyKey: 'rc',
  selector: (obj) => {
    const sel = (obj as ReplicationController).spec?.selector;
    return sel ? { matchLabels: { ...sel } } : undefined;
  },
  template: (obj) => obj.spec?.template,
};

export function replicasOf(obj: ReplicatedObject): number {
  return obj.spec?.replicas ?? 1;
}

export function minReadySecondsOf(obj: ReplicatedObject): number {
  return obj.spec?.minReadySeconds ?? 0;
}
