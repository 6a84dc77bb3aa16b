// The Node object the kubelet registers and the status it posts, as upstream's initialNode and
// nodestatus setters build them: labels (hostname, os, arch and their beta twins, then
// --node-labels), the attach/detach annotation, taints and providerID, addresses, capacity,
// nodeInfo, daemon endpoint, images and conditions.
import { versionInfo } from '../../version.js';
import type { KubeletConfiguration } from '../config/types.js';
import type { NodeCondition } from './conditions.js';
import type { MachineInfo } from './host.js';
import type { NodeResources } from './resources.js';

/** Upstream caps the names listed per image in node status (MaxNamesPerImageInNodeStatus). */
export const MAX_NAMES_PER_IMAGE = 5;

export const GOOS = process.platform === 'win32' ? 'windows' : process.platform;
export const GOARCH = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;

export interface NodeIdentity {
  nodeName: string;
  /** the host's name (the Hostname address) */
  hostname: string;
  nodeIPs: string[];
  /** --node-labels */
  labels: Record<string, string>;
  config: KubeletConfiguration;
}

export interface CriImage {
  id?: string;
  repoTags?: string[];
  repoDigests?: string[];
  size?: number | string;
}

export interface NodeImage {
  names: string[];
  sizeBytes: number;
}

/** status.images: largest first, at most nodeStatusMaxImages (-1: all), each with up to 5 names (digests, then tags). */
export function nodeImages(images: CriImage[], maxImages: number): NodeImage[] {
  const list = images
    .map((i) => ({ names: [...(i.repoDigests ?? []), ...(i.repoTags ?? [])].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: Number(i.size ?? 0) }))
    .filter((i) => i.names.length > 0)
    .sort((a, b) => b.sizeBytes - a.sizeBytes);
  return maxImages >= 0 ? list.slice(0, maxImages) : list;
}

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': GOARCH,
    'beta.kubernetes.io/os': GOOS,
    'kubernetes.io/arch': GOARCH,
    'kubernetes.io/hostname': id.hostname,
    'kubernetes.io/os': GOOS,
    ...id.labels,
  };
}

export function nodeAnnotations(cfg: KubeletConfiguration): Record<string, string> {
  return cfg.enableControllerAttachDetach ? { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } : {};
}

export function nodeAddresses(id: NodeIdentity): Array<{ type: string; address: string }> {
  return [...id.nodeIPs.map((ip) => ({ type: 'InternalIP', address: ip })), { type: 'Hostname', address: id.hostname }];
}

/** status.nodeInfo; the runtime version comes from CRI Version ("containerd://1.6.20"). */
export function nodeInfo(machine: MachineInfo, runtime: { runtimeName?: string; runtimeVersion?: string } | undefined): Record<string, string> {
  const v = versionInfo().gitVersion;
  return {
    machineID: machine.machineID,
    systemUUID: machine.systemUUID,
    bootID: machine.bootID,
    kernelVersion: machine.kernelVersion,
    osImage: machine.osImage,
    containerRuntimeVersion: runtime ? `${runtime.runtimeName ?? 'unknown'}://${runtime.runtimeVersion ?? ''}` : '',
    kubeletVersion: v,
    kubeProxyVersion: v,
    operatingSystem: GOOS,
    architecture: GOARCH,
  };
}

export interface StatusInputs {
  resources: NodeResources;
  machine: MachineInfo;
  runtimeVersion?: { runtimeName?: string; runtimeVersion?: string };
  images: NodeImage[];
  conditions: NodeCondition[];
  /** the kubelet server's port (daemonEndpoints.kubeletEndpoint.Port) */
  kubeletPort: number;
}

/** The node status the kubelet owns (volumesInUse/volumesAttached are left to their owners). */
export function nodeStatus(id: NodeIdentity, s: StatusInputs): Record<string, unknown> {
  return {
    capacity: s.resources.capacity,
    allocatable: s.resources.allocatable,
    conditions: s.conditions,
    addresses: nodeAddresses(id),
    daemonEndpoints: { kubeletEndpoint: { Port: s.kubeletPort } },
    nodeInfo: nodeInfo(s.machine, s.runtimeVersion),
    images: s.images,
  };
}

/** The object POSTed to /api/v1/nodes on registration. */
export function initialNode(id: NodeIdentity, status: Record<string, unknown>): Record<string, any> {
  const spec: Record<string, unknown> = {};
  if (id.config.registerWithTaints?.length) spec.taints = id.config.registerWithTaints.map((t) => ({ ...t }));
  if (id.config.providerID) spec.providerID = id.config.providerID;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: id.nodeName, labels: nodeLabels(id), annotations: nodeAnnotations(id.config) },
    spec,
    status,
  };
}
