// Test fixtures for the scheduler unit tests: nodes, pods and a Scheduler over an in-memory
// cache (no API server: these tests exercise the pure scheduling logic).

import { defaultConfig } from '../../../src/scheduler/config/defaults.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { Node, Pod, Taint } from '../../../src/scheduler/types.js';

let uid = 0;

export function node(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; images?: { names: string[]; sizeBytes: number }[] } = {}): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-${name}`, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc, images: o.images },
  };
}

export function pod(name: string, o: Partial<Pod['spec']> & { cpu?: string; memory?: string; labels?: Record<string, string>; namespace?: string; nodeName?: string; priority?: number; startTime?: string } = {}): Pod {
  const { cpu, memory, labels, namespace, priority, startTime, ...spec } = o;
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: namespace ?? 'default', uid: `uid-${name}-${++uid}`, labels: labels ?? {}, creationTimestamp: new Date().toISOString() },
    spec: { schedulerName: 'default-scheduler', containers: spec.containers ?? [{ name: 'c', image: 'nginx', resources: { requests } }], priority: priority ?? 0, ...spec },
    status: startTime ? { startTime } : {},
  };
}

/** A scheduler without an API client (schedulePod / filters only) over the given nodes and bound pods. */
export function schedulerWith(nodes: Node[], bound: Pod[] = [], raw: Record<string, unknown> = {}): Scheduler {
  const s = new Scheduler({ config: defaultConfig(raw) });
  for (const n of nodes) s.cache.addNode(n);
  for (const p of bound) s.cache.addPod(p);
  return s;
}
