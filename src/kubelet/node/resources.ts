// Node capacity and allocatable as upstream computes them: capacity from the machine (cpu,
// memory, hugepages-<size>, ephemeral-storage of the root dir's filesystem, pods = maxPods),
// allocatable = capacity − kubeReserved − systemReserved − hard eviction thresholds (memory,
// nodefs), with hugepages taken out of allocatable memory and nothing below zero.
import { newMilliQuantity, newQuantity, parseQuantity } from '../../apimachinery/quantity.js';
import type { Quantity } from '../../apimachinery/quantity.js';
import type { KubeletConfiguration } from '../config/types.js';
import type { MachineInfo } from './host.js';

export interface NodeResources {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

/** A threshold value ("100Mi" or "10%") in bytes against a capacity. */
export function thresholdBytes(value: string | undefined, capacityBytes: number): number {
  if (!value) return 0;
  if (value.endsWith('%')) return Math.floor((Number(value.slice(0, -1)) / 100) * capacityBytes);
  return parseQuantity(value).value();
}

const reserved = (cfg: KubeletConfiguration, name: string): Quantity | undefined => {
  let total: Quantity | undefined;
  for (const m of [cfg.kubeReserved, cfg.systemReserved]) {
    const v = m?.[name];
    if (v === undefined) continue;
    const q = parseQuantity(v);
    total = total ? total.add(q) : q;
  }
  return total;
};

/** capacity and allocatable for the node status. `nodefsCapacityBytes` is statfs(rootDir). */
export function nodeResources(machine: MachineInfo, nodefsCapacityBytes: number, cfg: KubeletConfiguration): NodeResources {
  const maxPods = cfg.podsPerCore && cfg.podsPerCore > 0 ? Math.min(cfg.podsPerCore * machine.numCores, cfg.maxPods) : cfg.maxPods;
  const cap: Record<string, Quantity> = {
    cpu: newMilliQuantity(machine.numCores * 1000, 'DecimalSI'),
    memory: newQuantity(machine.memoryCapacityBytes, 'BinarySI'),
    pods: newQuantity(maxPods, 'DecimalSI'),
    'ephemeral-storage': newQuantity(nodefsCapacityBytes, 'BinarySI'),
  };
  for (const [size, bytes] of Object.entries(machine.hugepages)) cap[`hugepages-${size}`] = newQuantity(bytes, 'BinarySI');

  const alloc: Record<string, Quantity> = { ...cap };
  const minus = (name: string, q: Quantity | undefined) => {
    if (!q || !alloc[name]) return;
    const v = alloc[name].sub(q);
    alloc[name] = v.sign() < 0 ? newQuantity(0, alloc[name].format) : v;
  };
  for (const name of ['cpu', 'memory', 'ephemeral-storage', 'pid']) minus(name, reserved(cfg, name));
  const hard = cfg.evictionHard ?? {};
  minus('memory', newQuantity(thresholdBytes(hard['memory.available'], machine.memoryCapacityBytes), 'BinarySI'));
  minus('ephemeral-storage', newQuantity(thresholdBytes(hard['nodefs.available'], nodefsCapacityBytes), 'BinarySI'));
  for (const [name, q] of Object.entries(cap)) if (name.startsWith('hugepages-')) minus('memory', q);

  const str = (m: Record<string, Quantity>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.toString()]));
  return { capacity: str(cap), allocatable: str(alloc) };
}
