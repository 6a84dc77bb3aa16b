// Builders for deployment unit tests: deployments and ReplicaSets as the API server stores them.

import type { Deployment, ReplicaSet } from '../../../src/controllers/util/types.js';

export function deployment(replicas: number, opts: { maxSurge?: number | string; maxUnavailable?: number | string; recreate?: boolean; generation?: number; progressDeadlineSeconds?: number; status?: Deployment['status'] } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: opts.generation ?? 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: opts.recreate ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: opts.maxSurge ?? '25%', maxUnavailable: opts.maxUnavailable ?? '25%' } },
      progressDeadlineSeconds: opts.progressDeadlineSeconds ?? 600,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
    status: opts.status ?? {},
  };
}

export function replicaSet(name: string, replicas: number, opts: { available?: number; created?: string; annotations?: Record<string, string>; image?: string } = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'ns', uid: `${name}-uid`, creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', annotations: opts.annotations ?? {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'c', image: opts.image ?? 'busybox' }] } },
    },
    status: { replicas, availableReplicas: opts.available ?? replicas, readyReplicas: opts.available ?? replicas },
  };
}
