// PodControl (upstream controller_utils): how workload controllers create pods from their
// template and delete them, with upstream's events (SuccessfulCreate "Created pod: x",
// FailedCreate "Error creating: ...", SuccessfulDelete "Deleted pod: x", FailedDelete).

import type { EventRecorder, KubeObject, RestClient } from '../../client/index.js';
import { isNotFound } from '../../client/index.js';
import type { OwnerReference } from '../../client/index.js';
import type { Pod, PodTemplateSpec } from './types.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };

/** The pod a template makes: labels/annotations/finalizers copied, generateName `<prefix>-`. */
export function podFromTemplate(template: PodTemplateSpec, namespace: string, ownerRef?: OwnerReference, generateName?: string): Pod {
  const tm = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      ...(tm.labels ? { labels: { ...tm.labels } } : {}),
      ...(tm.annotations ? { annotations: { ...tm.annotations } } : {}),
      ...(tm.finalizers ? { finalizers: [...tm.finalizers] } : {}),
      ...(generateName ? { generateName } : {}),
      ...(ownerRef ? { ownerReferences: [ownerRef] } : {}),
    },
    spec: structuredClone(template.spec ?? { containers: [] }),
  };
  return pod;
}

/**
 * Upstream's generateName prefix: `<name>-`, or just `<name>` when `<name>-` would not pass
 * name validation (too long for the 5 random characters generateName appends).
 */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  return prefix.length + 5 > 253 ? ownerName : prefix;
}

export class PodControl {
  constructor(
    readonly client: RestClient,
    readonly recorder: EventRecorder,
  ) {}

  /** Create a pod for `owner` from its template; records the event; rethrows failures. */
  async createPod(owner: KubeObject, pod: Pod): Promise<Pod> {
    if (!pod.metadata?.labels || !Object.keys(pod.metadata.labels).length) {
      throw new Error('unable to create pods, no labels');
    }
    try {
      const created = await this.client.create<Pod>({ ...PODS, namespace: pod.metadata.namespace }, pod);
      this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
      return created;
    } catch (err) {
      this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /** Delete a pod (uid-preconditioned); NotFound counts as done. */
  async deletePod(owner: KubeObject, pod: Pod): Promise<void> {
    try {
      await this.client.delete({ ...PODS, namespace: pod.metadata!.namespace, name: pod.metadata!.name }, { preconditions: { uid: pod.metadata!.uid } });
      this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }
}
