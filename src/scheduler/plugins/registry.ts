// The in-tree plugin registry: plugin name → factory(args, handle).

import type { PluginFactory } from '../framework/interface.js';
import { defaultPreemption } from './defaultpreemption.js';
import { interPodAffinity } from './interpodaffinity.js';
import { nodeAffinity } from './nodeaffinity.js';
import { balancedAllocation, nodeResourcesFit } from './noderesources.js';
import { podTopologySpread } from './podtopologyspread.js';
import { defaultBinder, imageLocality, nodeName, nodePorts, nodeUnschedulable, noop, prioritySort, schedulingGates, taintToleration } from './simple.js';
import { volumeBinding } from './volumebinding.js';

export const inTreeRegistry: Record<string, PluginFactory> = {
  PrioritySort: prioritySort,
  SchedulingGates: schedulingGates,
  NodeName: nodeName,
  NodeUnschedulable: nodeUnschedulable,
  NodePorts: nodePorts,
  TaintToleration: taintToleration,
  NodeAffinity: nodeAffinity,
  NodeResourcesFit: nodeResourcesFit,
  NodeResourcesBalancedAllocation: balancedAllocation,
  InterPodAffinity: interPodAffinity,
  PodTopologySpread: podTopologySpread,
  VolumeBinding: volumeBinding,
  ImageLocality: imageLocality,
  DefaultPreemption: defaultPreemption,
  DefaultBinder: defaultBinder,
  VolumeRestrictions: noop('VolumeRestrictions'),
  NodeVolumeLimits: noop('NodeVolumeLimits'),
  VolumeZone: noop('VolumeZone'),
};
