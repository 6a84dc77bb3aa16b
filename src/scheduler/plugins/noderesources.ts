// NodeResourcesFit (Filter: requests vs allocatable minus requested, pod count; Score by the
// LeastAllocated / MostAllocated / RequestedToCapacityRatio strategy) and
// NodeResourcesBalancedAllocation (Score: how even the cpu/memory fractions would be).

import type { Plugin } from '../framework/interface.js';
import { ActionType, CycleState, MaxNodeScore } from '../framework/interface.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import { podRequests, Resource } from '../framework/resource.js';
import { Code, Status } from '../framework/status.js';
import type { NodeResourcesBalancedAllocationArgs, NodeResourcesFitArgs, ResourceSpec, UtilizationShapePoint } from '../config/types.js';
import type { Pod } from '../types.js';
import { idiv } from './util.js';

const fitKey = 'PreFilterNodeResourcesFit';
const scoreKey = 'PreScoreNodeResourcesFit';

interface Insufficient {
  reason: string;
  unresolvable: boolean;
}

/** fitsRequest: every resource the pod lacks on the node (pods first, as upstream). */
export function fitsRequest(req: Resource, ni: NodeInfo, ignored: Set<string>, ignoredGroups: Set<string>): Insufficient[] {
  const out: Insufficient[] = [];
  const alloc = ni.allocatable;
  if (ni.pods.length + 1 > alloc.allowedPodNumber) out.push({ reason: 'Too many pods', unresolvable: false });
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalar?.size) return out;
  const used = ni.requested;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) out.push({ reason: 'Insufficient cpu', unresolvable: req.milliCPU > alloc.milliCPU });
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) out.push({ reason: 'Insufficient memory', unresolvable: req.memory > alloc.memory });
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) out.push({ reason: 'Insufficient ephemeral-storage', unresolvable: req.ephemeralStorage > alloc.ephemeralStorage });
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      const slash = name.indexOf('/');
      const isExtended = slash > 0 && !name.startsWith('kubernetes.io/') && !name.startsWith('hugepages-') && !name.startsWith('requests.');
      if (isExtended && (ignored.has(name) || ignoredGroups.has(name.slice(0, slash)))) continue;
      const a = alloc.getScalar(name);
      if (q > a - used.getScalar(name)) out.push({ reason: `Insufficient ${name}`, unresolvable: q > a });
    }
  }
  return out;
}

type Scorer = (requested: number, allocatable: number) => number;

const leastRequested: Scorer = (req, cap) => (cap === 0 || req > cap ? 0 : idiv((cap - req) * MaxNodeScore, cap));
const mostRequested: Scorer = (req, cap) => (cap === 0 ? 0 : req > cap ? MaxNodeScore : idiv(req * MaxNodeScore, cap));

function brokenLinear(shape: UtilizationShapePoint[]): (p: number) => number {
  const pts = shape.map((s) => ({ u: s.utilization, s: s.score * (MaxNodeScore / 10) }));
  return (p: number) => {
    for (let i = 0; i < pts.length; i++) {
      if (p <= pts[i]!.u) {
        if (i === 0) return pts[0]!.s;
        const a = pts[i - 1]!;
        const b = pts[i]!;
        return a.s + idiv((b.s - a.s) * (p - a.u), b.u - a.u);
      }
    }
    return pts[pts.length - 1]!.s;
  };
}

/** The node's (allocatable, requested-with-the-pod) of one resource, as scoring sees them. */
function allocReq(ni: NodeInfo, pod: Resource, name: string): [number, number] {
  switch (name) {
    case 'cpu':
      return [ni.allocatable.milliCPU, ni.nonZeroRequested.milliCPU + pod.milliCPU];
    case 'memory':
      return [ni.allocatable.memory, ni.nonZeroRequested.memory + pod.memory];
    case 'ephemeral-storage':
      return [ni.allocatable.ephemeralStorage, ni.requested.ephemeralStorage + pod.ephemeralStorage];
    default:
      return [ni.allocatable.getScalar(name), ni.requested.getScalar(name) + pod.getScalar(name)];
  }
}

function resourceScore(ni: NodeInfo, pod: Resource, resources: ResourceSpec[], scorer: Scorer): number {
  let nodeScore = 0;
  let weightSum = 0;
  for (const r of resources) {
    if (r.name !== 'cpu' && r.name !== 'memory' && r.name !== 'ephemeral-storage' && pod.getScalar(r.name) === 0) continue;
    const [alloc, req] = allocReq(ni, pod, r.name);
    if (alloc === 0) continue;
    nodeScore += scorer(req, alloc) * r.weight;
    weightSum += r.weight;
  }
  return weightSum === 0 ? 0 : idiv(nodeScore, weightSum);
}

export function nodeResourcesFit(rawArgs: unknown): Plugin {
  const args = rawArgs as NodeResourcesFitArgs;
  const ignored = new Set(args.ignoredResources ?? []);
  const ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
  const ss = args.scoringStrategy;
  let scorer: Scorer;
  if (ss.type === 'MostAllocated') scorer = mostRequested;
  else if (ss.type === 'RequestedToCapacityRatio') {
    const f = brokenLinear(ss.requestedToCapacityRatio?.shape ?? []);
    scorer = (req, cap) => (cap === 0 ? 0 : f(Math.min(MaxNodeScore, idiv(req * MaxNodeScore, cap))));
  } else scorer = leastRequested;
  const cpuMemOnly = ss.resources.length === 2 && ss.resources[0]!.name === 'cpu' && ss.resources[1]!.name === 'memory';
  const wCPU = ss.resources[0]?.weight ?? 1;
  const wMem = ss.resources[1]?.weight ?? 1;
  return {
    name: 'NodeResourcesFit',
    preFilter(state: CycleState, pod: Pod) {
      state.write(fitKey, podRequests(pod));
      return { status: null };
    },
    filter(state, pod, ni) {
      const req = state.read<Resource>(fitKey) ?? podRequests(pod);
      const ins = fitsRequest(req, ni, ignored, ignoredGroups);
      if (!ins.length) return null;
      return new Status(ins.some((i) => i.unresolvable) ? Code.UnschedulableAndUnresolvable : Code.Unschedulable, ins.map((i) => i.reason));
    },
    preScore(state, pod) {
      state.write(scoreKey, podRequests(pod, true));
      return null;
    },
    score(state, pod, ni) {
      const req = state.read<Resource>(scoreKey) ?? podRequests(pod, true);
      return resourceScore(ni, req, ss.resources, scorer);
    },
    scoreFn(state, pod) {
      const req = state.read<Resource>(scoreKey) ?? podRequests(pod, true);
      if (!cpuMemOnly) return (ni) => resourceScore(ni, req, ss.resources, scorer);
      // the default cpu/memory resources, without allocations
      const cpu = req.milliCPU;
      const mem = req.memory;
      return (ni) => {
        const a = ni.allocatable;
        const r = ni.nonZeroRequested;
        let score = 0;
        let wsum = 0;
        if (a.milliCPU !== 0) {
          score += scorer(r.milliCPU + cpu, a.milliCPU) * wCPU;
          wsum += wCPU;
        }
        if (a.memory !== 0) {
          score += scorer(r.memory + mem, a.memory) * wMem;
          wsum += wMem;
        }
        return wsum === 0 ? 0 : idiv(score, wsum);
      };
    },
    eventsToRegister: () => [
      { event: { resource: 'AssignedPod', actionType: ActionType.Delete | ActionType.UpdatePodScaleDown } },
      { event: { resource: 'Pod', actionType: ActionType.UpdatePodScaleDown } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable } },
    ],
  };
}

const balancedKey = 'PreScoreNodeResourcesBalancedAllocation';

export function balancedAllocation(rawArgs: unknown): Plugin {
  const args = rawArgs as NodeResourcesBalancedAllocationArgs;
  const resources = args.resources;
  const cpuMemOnly = resources.length === 2 && resources.some((r) => r.name === 'cpu') && resources.some((r) => r.name === 'memory');
  return {
    name: 'NodeResourcesBalancedAllocation',
    preScore(state, pod) {
      state.write(balancedKey, podRequests(pod, true));
      return null;
    },
    scoreFn(state, pod) {
      const req = state.read<Resource>(balancedKey) ?? podRequests(pod, true);
      if (!cpuMemOnly) return (ni) => this.score!(state, pod, ni) as number;
      const cpu = req.milliCPU;
      const mem = req.memory;
      return (ni) => {
        const a = ni.allocatable;
        const r = ni.nonZeroRequested;
        if (a.milliCPU === 0 || a.memory === 0) return this.score!(state, pod, ni) as number;
        const f0 = Math.min(1, (r.milliCPU + cpu) / a.milliCPU);
        const f1 = Math.min(1, (r.memory + mem) / a.memory);
        return Math.trunc((1 - Math.abs((f0 - f1) / 2)) * MaxNodeScore);
      };
    },
    score(state, pod, ni) {
      const req = state.read<Resource>(balancedKey) ?? podRequests(pod, true);
      let n = 0;
      let f0 = 0;
      let f1 = 0;
      let sum = 0;
      const fr: number[] = [];
      for (const r of resources) {
        if (r.name !== 'cpu' && r.name !== 'memory' && r.name !== 'ephemeral-storage' && req.getScalar(r.name) === 0) continue;
        const [alloc, used] = allocReq(ni, req, r.name);
        if (alloc === 0) continue;
        const f = Math.min(1, used / alloc);
        if (n === 0) f0 = f;
        else if (n === 1) f1 = f;
        fr.push(f);
        sum += f;
        n++;
      }
      let std = 0;
      if (n === 2) std = Math.abs((f0 - f1) / 2);
      else if (n > 2) {
        const mean = sum / n;
        let v = 0;
        for (const f of fr) v += (f - mean) * (f - mean);
        std = Math.sqrt(v / n);
      }
      return Math.trunc((1 - std) * MaxNodeScore);
    },
    eventsToRegister: () => [
      { event: { resource: 'AssignedPod', actionType: ActionType.Delete } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable } },
    ],
  };
}
