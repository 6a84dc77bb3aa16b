// addAllEventHandlers: informer events → scheduler cache and queue. Assigned pods go to the
// cache (an assigned pod's add/update/delete also wakes unschedulable pods that plugins said
// may fit after it), pending pods of this scheduler's profiles to the queue; node, PV, PVC and
// StorageClass changes move unschedulable pods whose rejecting plugins care about them.

import { DeletedFinalStateUnknown } from '../client/informer.js';
import type { Informer } from '../client/informer.js';
import type { KubeObject } from '../client/rest.js';
import { ActionType } from './framework/interface.js';
import type { ClusterEvent, EventResource } from './framework/interface.js';
import { podRequests } from './framework/resource.js';
import type { Scheduler } from './scheduler.js';
import type { Node, Pod } from './types.js';
import { logger } from '../util/klog.js';

const log = logger('eventhandlers.go');

const unwrap = <T>(o: T | DeletedFinalStateUnknown<T>): T => (o instanceof DeletedFinalStateUnknown ? o.obj : o);
const assigned = (p: Pod) => !!p.spec?.nodeName;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** nodeSchedulingPropertiesChange: which scheduling-relevant parts of a node changed. */
export function nodeUpdateActions(o: Node, n: Node): number {
  let a = 0;
  if (!!o.spec?.unschedulable !== !!n.spec?.unschedulable) a |= ActionType.UpdateNodeTaint;
  if (!same(o.status?.allocatable, n.status?.allocatable)) a |= ActionType.UpdateNodeAllocatable;
  if (!same(o.metadata?.labels, n.metadata?.labels)) a |= ActionType.UpdateNodeLabel;
  if (!same(o.spec?.taints, n.spec?.taints)) a |= ActionType.UpdateNodeTaint;
  const conds = (x: Node) => Object.fromEntries((x.status?.conditions ?? []).map((c) => [c.type, c.status]));
  if (!same(conds(o), conds(n))) a |= ActionType.UpdateNodeCondition;
  if (!same(o.metadata?.annotations, n.metadata?.annotations)) a |= ActionType.UpdateNodeAnnotation;
  return a;
}

/** The action types of an assigned pod's update. */
export function podUpdateActions(o: Pod, n: Pod): number {
  let a = 0;
  if (!same(o.metadata?.labels, n.metadata?.labels)) a |= ActionType.UpdatePodLabel;
  const ro = podRequests(o);
  const rn = podRequests(n);
  if (rn.milliCPU < ro.milliCPU || rn.memory < ro.memory || rn.ephemeralStorage < ro.ephemeralStorage) a |= ActionType.UpdatePodScaleDown;
  return a || ActionType.UpdateOther;
}

export interface SchedulerInformers {
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  pvs: Informer<KubeObject>;
  pvcs: Informer<KubeObject>;
  storageClasses: Informer<KubeObject>;
}

export function addAllEventHandlers(sched: Scheduler, inf: SchedulerInformers): void {
  const q = sched.queue;
  const cache = sched.cache;
  const move = (ev: ClusterEvent, o?: unknown, n?: unknown) => q.moveAllToActiveOrBackoffQueue(ev, o, n);
  const metrics = sched.metrics;
  const cacheGauge = () => {
    if (!metrics) return;
    metrics.cacheSize.set({ type: 'nodes' }, cache.nodeCount());
    metrics.cacheSize.set({ type: 'pods' }, cache.podCount());
  };

  inf.pods.addEventHandler({
    onAdd: (pod) => {
      if (assigned(pod)) {
        log.v(3).info('Add event for scheduled pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
        cache.addPod(pod);
        move({ resource: 'AssignedPod', actionType: ActionType.Add }, undefined, pod);
        cacheGauge();
      } else if (sched.responsibleFor(pod)) {
        log.v(3).info('Add event for unscheduled pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
        q.add(pod);
      }
    },
    onUpdate: (oldPod, newPod) => {
      if (assigned(newPod)) {
        if (!assigned(oldPod)) {
          // bound: leaves the queue, enters the cache (confirming an assumed pod)
          q.delete(oldPod);
          cache.addPod(newPod);
          move({ resource: 'AssignedPod', actionType: ActionType.Add }, undefined, newPod);
        } else {
          if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return;
          cache.updatePod(oldPod, newPod);
          move({ resource: 'AssignedPod', actionType: podUpdateActions(oldPod, newPod) }, oldPod, newPod);
        }
        cacheGauge();
        return;
      }
      if (!sched.responsibleFor(newPod)) return;
      if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return;
      if (cache.isAssumed(newPod)) return;
      q.update(oldPod, newPod);
    },
    onDelete: (obj) => {
      const pod = unwrap(obj);
      if (assigned(pod)) {
        cache.removePod(pod);
        move({ resource: 'AssignedPod', actionType: ActionType.Delete }, pod, undefined);
        cacheGauge();
      } else if (sched.responsibleFor(pod)) {
        q.delete(pod);
      }
    },
  });

  inf.nodes.addEventHandler({
    onAdd: (node) => {
      cache.addNode(node);
      move({ resource: 'Node', actionType: ActionType.Add }, undefined, node);
      cacheGauge();
    },
    onUpdate: (o, n) => {
      cache.updateNode(o, n);
      const a = nodeUpdateActions(o, n);
      if (a) move({ resource: 'Node', actionType: a }, o, n);
    },
    onDelete: (obj) => {
      cache.removeNode(unwrap(obj));
      cacheGauge();
    },
  });

  const storage = (resource: EventResource) => ({
    onAdd: (o: KubeObject) => move({ resource, actionType: ActionType.Add }, undefined, o),
    onUpdate: (o: KubeObject, n: KubeObject) => move({ resource, actionType: ActionType.UpdateOther }, o, n),
  });
  inf.pvs.addEventHandler(storage('PersistentVolume'));
  inf.pvcs.addEventHandler(storage('PersistentVolumeClaim'));
  inf.storageClasses.addEventHandler(storage('StorageClass'));
}
