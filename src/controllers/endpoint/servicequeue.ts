// How the endpoints and endpointslice controllers learn what to sync: a service key on every
// service event, and for a pod event the keys of the services selecting the pod (with its
// labels before and after an update).

import type { Informer, RateLimitingQueue } from '../../client/index.js';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc } from '../../client/index.js';
import type { Pod, Service } from '../util/types.js';
import { servicesSelecting } from './podaddress.js';

export function unwrap<T>(o: T | DeletedFinalStateUnknown<T>): T {
  return o instanceof DeletedFinalStateUnknown ? o.obj : o;
}

export function queueServicesAndPods(services: Informer<Service>, pods: Informer<Pod>, queue: RateLimitingQueue<string>): void {
  const enqueueService = (s: Service | DeletedFinalStateUnknown<Service>) => queue.add(metaNamespaceKeyFunc(unwrap(s)));
  services.addEventHandler({ onAdd: enqueueService, onUpdate: (_o, n) => enqueueService(n), onDelete: enqueueService });
  const enqueueForPod = (pod: Pod, old?: Pod) => {
    const svcs = services.lister().namespace(pod.metadata?.namespace ?? '').list();
    const keys = new Set(servicesSelecting(svcs, pod.metadata?.labels).map((s) => metaNamespaceKeyFunc(s)));
    if (old) for (const s of servicesSelecting(svcs, old.metadata?.labels)) keys.add(metaNamespaceKeyFunc(s));
    for (const k of keys) queue.add(k);
  };
  pods.addEventHandler({
    onAdd: (p) => enqueueForPod(p),
    onUpdate: (o, n) => {
      if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) enqueueForPod(n, o);
    },
    onDelete: (p) => enqueueForPod(unwrap(p)),
  });
}
