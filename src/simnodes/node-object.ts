// The Node and Lease objects of a simulated kubelet, built as the kubelet builds them: the
// registration object (labels, annotations, capacity/allocatable, addresses, nodeInfo,
// conditions, kubelet endpoint), the status patches of its heartbeats, and its node Lease.
import { createHash } from 'node:crypto';
import { parseQuantity } from '../apimachinery/quantity.js';
import { versionInfo } from '../version.js';
import { SIMULATED_LABEL } from './control.js';
import type { SimConfig } from './config.js';

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** The kubelet's Ready=False message when its container runtime is down. */
export const NOT_READY_MESSAGE = 'container runtime is down';

let lastSec = NaN;
let lastText = '';

/** metav1.Time: RFC 3339 with whole seconds (the last one is remembered: most calls ask for now). */
export function rfc3339(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== lastSec) {
    lastSec = sec;
    lastText = new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}

function hex(s: string, n: number): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

function uuidFrom(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The kubelet's conditions (MemoryPressure, DiskPressure, PIDPressure, Ready) in upstream's order. */
export function nodeConditions(ready: boolean, now: number, since: number, readySince: number): NodeCondition[] {
  const hb = rfc3339(now);
  const t = rfc3339(since);
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string, tt = t): NodeCondition => ({
    type,
    status,
    lastHeartbeatTime: hb,
    lastTransitionTime: tt,
    reason,
    message,
  });
  return [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', rfc3339(readySince))
      : cond('Ready', 'False', 'KubeletNotReady', NOT_READY_MESSAGE, rfc3339(readySince)),
  ];
}

/** capacity and allocatable: allocatable is capacity less the kubelet's default hard eviction thresholds (memory.available<100Mi, nodefs.available<10%). */
export function nodeResources(c: Pick<SimConfig, 'cpu' | 'memory' | 'pods' | 'ephemeralStorage'>): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity: Record<string, string> = {
    cpu: parseQuantity(c.cpu).toString(),
    'ephemeral-storage': parseQuantity(c.ephemeralStorage).toString(),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: parseQuantity(c.memory).toString(),
    pods: parseQuantity(c.pods).toString(),
  };
  const mem = parseQuantity(c.memory).sub(parseQuantity('100Mi'));
  const storage = parseQuantity(c.ephemeralStorage).valueBig();
  const allocatable: Record<string, string> = {
    ...capacity,
    'ephemeral-storage': String((storage * 9n) / 10n),
    memory: mem.sign() < 0 ? '0' : mem.toString(),
  };
  return { capacity, allocatable };
}

export interface NodeIdentity {
  name: string;
  internalIP: string;
  bootID: string;
}

/** status.nodeInfo; machineID and systemUUID derive from the name so they survive restarts. */
export function nodeInfo(name: string, bootID: string): Record<string, string> {
  const v = versionInfo().gitVersion;
  return {
    machineID: hex(`machine/${name}`, 32),
    systemUUID: uuidFrom(hex(`system/${name}`, 32)),
    bootID,
    kernelVersion: '6.1.0-k8ts-sim',
    osImage: 'k8ts simulated node',
    containerRuntimeVersion: `sim://${v.replace(/^v/, '')}`,
    kubeletVersion: v,
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: 'amd64',
  };
}

export function newBootID(): string {
  return uuidFrom(hex(`${Math.random()}/${process.hrtime.bigint()}`, 32));
}

export function nodeLabels(name: string, c: Pick<SimConfig, 'instanceType' | 'labels'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': c.instanceType,
    [SIMULATED_LABEL]: 'true',
    ...c.labels,
  };
}

export const NODE_ANNOTATIONS: Record<string, string> = {
  'node.alpha.kubernetes.io/ttl': '0',
  'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
};

/** The full status the kubelet posts: resources, addresses, endpoint, nodeInfo, conditions. */
export function nodeStatus(id: NodeIdentity, c: SimConfig, conditions: NodeCondition[]): Record<string, unknown> {
  const { capacity, allocatable } = nodeResources(c);
  return {
    capacity,
    allocatable,
    conditions,
    addresses: [
      { type: 'InternalIP', address: id.internalIP },
      { type: 'Hostname', address: id.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: nodeInfo(id.name, id.bootID),
  };
}

/** The object POSTed to /api/v1/nodes (node status is accepted on create, as upstream). */
export function buildNode(id: NodeIdentity, c: SimConfig, conditions: NodeCondition[]): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: id.name, labels: nodeLabels(id.name, c), annotations: { ...NODE_ANNOTATIONS } },
    spec: c.taints.length ? { taints: c.taints.map((t) => ({ ...t })) } : {},
    status: nodeStatus(id, c, conditions),
  };
}

/** The node Lease in kube-node-lease, owned by its Node. */
export function buildLease(name: string, nodeUID: string | undefined, leaseDurationSeconds: number, renewTime: string): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, namespace: 'kube-node-lease' };
  if (nodeUID) metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUID }];
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata,
    spec: { holderIdentity: name, leaseDurationSeconds, renewTime },
  };
}
