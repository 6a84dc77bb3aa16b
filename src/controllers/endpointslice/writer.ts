// Carrying out a slice plan (creates, then updates, then deletes, as upstream's reconciler
// finalize) and recording each write in the tracker, shared by the endpointslice and the
// mirroring controllers.

import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { RestClient } from '../../client/index.js';
import { isNotFound } from '../../client/index.js';
import type { SlicePlan } from './reconciler.js';
import type { SliceTracker } from './tracker.js';

export const ENDPOINTSLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

export async function applyPlan(client: RestClient, tracker: SliceTracker, key: string, namespace: string, plan: SlicePlan): Promise<void> {
  for (const s of plan.create) {
    const created = await client.create<EndpointSlice>({ ...ENDPOINTSLICES, namespace }, s);
    tracker.wrote(key, created);
  }
  for (const s of plan.update) {
    const updated = await client.update<EndpointSlice>({ ...ENDPOINTSLICES, namespace, name: s.metadata!.name }, s);
    tracker.wrote(key, updated);
  }
  for (const s of plan.delete) {
    try {
      await client.delete({ ...ENDPOINTSLICES, namespace, name: s.metadata!.name }, { preconditions: { uid: s.metadata!.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    tracker.deleted(key, s);
  }
}

/** Index of slices by `<namespace>/<service-name label>`. */
export function serviceNameIndex(label: string, managedBy: string) {
  return (s: EndpointSlice): string[] => {
    const l = s.metadata?.labels ?? {};
    const svc = l[label];
    return svc && l['endpointslice.kubernetes.io/managed-by'] === managedBy ? [`${s.metadata?.namespace}/${svc}`] : [];
  };
}
