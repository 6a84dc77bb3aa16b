// The small default plugins: PrioritySort (QueueSort), SchedulingGates (PreEnqueue), NodeName,
// NodeUnschedulable, NodePorts, TaintToleration, ImageLocality, DefaultBinder, and the volume
// plugins k8ts accepts in configurations but has nothing to check for (VolumeRestrictions,
// NodeVolumeLimits, VolumeZone).

import type { Handle, Plugin, QueuedPodInfoLike } from '../framework/interface.js';
import { ActionType, CycleState, MaxNodeScore } from '../framework/interface.js';
import { findMatchingUntoleratedTaint, doNotScheduleTaintsFilter, tolerationsTolerateTaint } from '../framework/helpers.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import { podHostPorts } from '../framework/podinfo.js';
import type { HostPort } from '../framework/podinfo.js';
import { SKIP, Status } from '../framework/status.js';
import type { Node, Pod, Taint, Toleration } from '../types.js';
import { podPriority } from '../types.js';
import { defaultNormalizeScore, idiv } from './util.js';

export function prioritySort(): Plugin {
  return {
    name: 'PrioritySort',
    less(a: QueuedPodInfoLike, b: QueuedPodInfoLike): boolean {
      const p1 = podPriority(a.pod);
      const p2 = podPriority(b.pod);
      return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
    },
  };
}

export function schedulingGates(): Plugin {
  return {
    name: 'SchedulingGates',
    preEnqueue(pod: Pod) {
      const gates = pod.spec.schedulingGates;
      if (!gates?.length) return null;
      return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
    },
    eventsToRegister: () => [{ event: { resource: 'Pod', actionType: ActionType.UpdatePodSchedulingGatesEliminated } }],
  };
}

export const ErrReasonNodeName = "node(s) didn't match the requested node name";

export function nodeName(): Plugin {
  return {
    name: 'NodeName',
    filter(_s, pod, ni) {
      if (pod.spec.nodeName && pod.spec.nodeName !== ni.name) return Status.unresolvable(ErrReasonNodeName);
      return null;
    },
    eventsToRegister: () => [{ event: { resource: 'Node', actionType: ActionType.Add } }],
  };
}

export const ErrReasonUnschedulable = 'node(s) were unschedulable';
const unschedulableTaint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function nodeUnschedulable(): Plugin {
  return {
    name: 'NodeUnschedulable',
    filter(_s, pod, ni) {
      if (!ni.node) return Status.unresolvable('node(s) had unknown conditions');
      if (!ni.node.spec?.unschedulable) return null;
      if (tolerationsTolerateTaint(pod.spec.tolerations, unschedulableTaint)) return null;
      return Status.unresolvable(ErrReasonUnschedulable);
    },
    eventsToRegister: () => [
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, hint: (_p, _o, n) => ((n as Node)?.spec?.unschedulable ? 'QueueSkip' : 'Queue') },
      { event: { resource: 'Pod', actionType: ActionType.UpdatePodTolerations } },
    ],
  };
}

export const ErrReasonPorts = "node(s) didn't have free ports for the requested pod ports";
const portsKey = 'PreFilterNodePorts';

export function nodePorts(): Plugin {
  return {
    name: 'NodePorts',
    preFilter(state, pod) {
      const ports = podHostPorts(pod);
      if (!ports.length) return { status: SKIP };
      state.write(portsKey, ports);
      return { status: null };
    },
    filter(state, _pod, ni) {
      const ports = state.read<HostPort[]>(portsKey);
      if (!ports || ni.usedPorts.size === 0) return null;
      for (const p of ports) if (ni.usedPorts.checkConflict(p)) return Status.unschedulable(ErrReasonPorts);
      return null;
    },
    eventsToRegister: () => [
      { event: { resource: 'AssignedPod', actionType: ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateOther } },
    ],
  };
}

const tolerationsKey = 'PreScoreTaintToleration';

export function taintToleration(): Plugin {
  return {
    name: 'TaintToleration',
    filter(_s, pod, ni) {
      const taint = findMatchingUntoleratedTaint(ni.node?.spec?.taints, pod.spec.tolerations, doNotScheduleTaintsFilter);
      if (!taint) return null;
      return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
    },
    preScore(state, pod) {
      const ts = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(tolerationsKey, ts);
      return null;
    },
    scoreFn(state) {
      const ts = state.read<Toleration[]>(tolerationsKey) ?? [];
      return (ni) => {
        const taints = ni.node?.spec?.taints;
        if (!taints?.length) return 0;
        let n = 0;
        for (const t of taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(ts, t)) n++;
        return n;
      };
    },
    score(state, _pod, ni) {
      const taints = ni.node?.spec?.taints;
      if (!taints?.length) return 0;
      const ts = state.read<Toleration[]>(tolerationsKey) ?? [];
      let n = 0;
      for (const t of taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(ts, t)) n++;
      return n;
    },
    normalizeScore: (_s, _p, scores) => defaultNormalizeScore(MaxNodeScore, true, scores),
    eventsToRegister: () => [
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint } },
      { event: { resource: 'Pod', actionType: ActionType.UpdatePodTolerations } },
    ],
  };
}

const MB = 1024 * 1024;
const minThreshold = 23 * MB;
const maxContainerThreshold = 1000 * MB;

export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

export function imageLocality(_args: unknown, h: Handle): Plugin {
  return {
    name: 'ImageLocality',
    score(_s, pod, ni: NodeInfo) {
      if (!ni.imageStates.size) return 0;
      const total = h.snapshot().size();
      let sum = 0;
      const add = (image?: string) => {
        if (!image) return;
        const st = ni.imageStates.get(normalizedImageName(image));
        if (st) sum += Math.trunc(st.size * (st.numNodes / total));
      };
      for (const c of pod.spec.initContainers ?? []) add(c.image);
      for (const c of pod.spec.containers ?? []) add(c.image);
      const n = (pod.spec.initContainers?.length ?? 0) + (pod.spec.containers?.length ?? 0);
      const maxThreshold = maxContainerThreshold * n;
      if (sum < minThreshold) sum = minThreshold;
      else if (sum > maxThreshold) sum = maxThreshold;
      return idiv(MaxNodeScore * (sum - minThreshold), maxThreshold - minThreshold);
    },
  };
}

export function defaultBinder(_args: unknown, h: Handle): Plugin {
  return {
    name: 'DefaultBinder',
    async bind(_s: CycleState, pod: Pod, nodeName: string) {
      const m = pod.metadata!;
      try {
        await h.client!.create(
          { group: '', version: 'v1', resource: 'pods', namespace: m.namespace, name: m.name, subresource: 'binding' },
          { apiVersion: 'v1', kind: 'Binding', metadata: { name: m.name, namespace: m.namespace, uid: m.uid }, target: { kind: 'Node', name: nodeName } },
        );
      } catch (err) {
        return Status.error(err);
      }
      return null;
    },
  };
}

/** A plugin name k8ts accepts whose checks do not apply to the objects it supports. */
export function noop(name: string): () => Plugin {
  return () => ({ name, preFilter: () => ({ status: SKIP }), filter: () => null });
}
