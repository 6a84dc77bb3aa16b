// The API pod source (upstream's apiserver config source): one informer on the pods bound to
// this node (fieldSelector spec.nodeName=<node>). Regular pods go to the pod lifecycle (a pod
// with a deletionTimestamp is an update: the lifecycle stops it and finishes the deletion);
// mirror pods are the static pod source's business and never run.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { DeletedFinalStateUnknown, Informer, listWatchFromClient } from '../client/informer.js';
import type { KubeObject, RestClient } from '../client/rest.js';
import type { PodLifecycle } from './pods/types.js';
import { isMirrorPod } from './static/pod.js';

type PodObj = Pod & KubeObject;

export interface ApiPodSourceDeps {
  client: RestClient;
  nodeName: string;
  lifecycle: Pick<PodLifecycle, 'upsertPod' | 'removePod'>;
  /** mirror pod events (added/updated, or deleted) */
  onMirror?: (pod: Pod, deleted: boolean) => void;
}

/** Start the informer; resolves with it once synced. */
export function startApiPodSource(d: ApiPodSourceDeps, signal?: AbortSignal): { informer: Informer<PodObj>; synced: Promise<boolean> } {
  const informer = new Informer<PodObj>(listWatchFromClient<PodObj>(d.client, { group: '', version: 'v1', resource: 'pods' }, { fieldSelector: `spec.nodeName=${d.nodeName}` }), {
    description: `pods on node ${d.nodeName}`,
  });
  const upsert = (pod: PodObj) => {
    if (isMirrorPod(pod)) d.onMirror?.(pod, false);
    else d.lifecycle.upsertPod(pod, 'api');
  };
  informer.addEventHandler({
    onAdd: (pod) => upsert(pod),
    onUpdate: (_old, pod) => upsert(pod),
    onDelete: (obj) => {
      const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
      if (!pod?.metadata?.uid) return;
      if (isMirrorPod(pod)) d.onMirror?.(pod, true);
      else d.lifecycle.removePod(pod.metadata.uid);
    },
  });
  informer.start();
  return { informer, synced: informer.waitForSync({ signal }) };
}
