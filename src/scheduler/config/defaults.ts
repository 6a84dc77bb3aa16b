// Defaulting of KubeSchedulerConfiguration v1 as upstream's SetDefaults_*: the default plugin
// set (all on MultiPoint, with upstream's score weights), user plugin sets merged into it the
// way mergePluginSet does ("*" disables every default; a re-configured default keeps its
// place), and default args for every enabled plugin that takes args.

import type { TopologySpreadConstraint } from '../types.js';
import type { KubeSchedulerConfiguration, KubeSchedulerProfile, PluginConfig, PluginRef, Plugins, PluginSet } from './types.js';
import { extensionPoints } from './types.js';

export const DefaultSchedulerName = 'default-scheduler';

export function defaultPlugins(): Plugins {
  const empty = (): PluginSet => ({ enabled: [], disabled: [] });
  const p = Object.fromEntries(extensionPoints.map((e) => [e, empty()])) as Plugins;
  p.multiPoint.enabled = [
    { name: 'SchedulingGates' },
    { name: 'PrioritySort' },
    { name: 'NodeUnschedulable' },
    { name: 'NodeName' },
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodePorts' },
    { name: 'NodeResourcesFit', weight: 1 },
    { name: 'VolumeRestrictions' },
    { name: 'NodeVolumeLimits' },
    { name: 'VolumeBinding' },
    { name: 'VolumeZone' },
    { name: 'PodTopologySpread', weight: 2 },
    { name: 'InterPodAffinity', weight: 2 },
    { name: 'DefaultPreemption' },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'ImageLocality', weight: 1 },
    { name: 'DefaultBinder' },
  ];
  return p;
}

function mergePluginSet(def: PluginSet, custom: PluginSet | undefined): PluginSet {
  const disabledNames = new Set<string>();
  const disabled: PluginRef[] = [];
  for (const d of custom?.disabled ?? []) {
    disabled.push({ name: d.name });
    disabledNames.add(d.name);
  }
  for (const d of def.disabled) {
    disabled.push({ name: d.name });
    disabledNames.add(d.name);
  }
  const customEnabled = new Map<string, { index: number; plugin: PluginRef }>();
  (custom?.enabled ?? []).forEach((p, index) => customEnabled.set(p.name, { index, plugin: p }));
  const replaced = new Set<number>();
  const enabled: PluginRef[] = [];
  if (!disabledNames.has('*')) {
    for (const dp of def.enabled) {
      if (disabledNames.has(dp.name)) continue;
      const c = customEnabled.get(dp.name);
      if (c) {
        replaced.add(c.index);
        enabled.push(c.plugin);
      } else enabled.push(dp);
    }
  }
  (custom?.enabled ?? []).forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled };
}

export function mergePlugins(def: Plugins, custom: Partial<Plugins> | undefined): Plugins {
  const out = {} as Plugins;
  for (const e of extensionPoints) out[e] = mergePluginSet(def[e], custom?.[e]);
  return out;
}

export const systemDefaultConstraints: TopologySpreadConstraint[] = [
  { maxSkew: 3, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
  { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
];

const defaultResources = () => [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** Default args of the plugins that take args (SetDefaults_*Args), applied over given args. */
export function defaultPluginArgs(name: string, args: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const a: Record<string, any> = { ...(args ?? {}) };
  const tm = (kind: string) => ({ kind, apiVersion: 'kubescheduler.config.k8s.io/v1' });
  switch (name) {
    case 'DefaultPreemption':
      return { ...tm('DefaultPreemptionArgs'), minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100, ...strip(a) };
    case 'InterPodAffinity':
      return { ...tm('InterPodAffinityArgs'), hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false, ...strip(a) };
    case 'NodeAffinity':
      return { ...tm('NodeAffinityArgs'), ...strip(a) };
    case 'NodeResourcesBalancedAllocation':
      return { ...tm('NodeResourcesBalancedAllocationArgs'), resources: a.resources?.length ? a.resources.map((r: any) => ({ ...r, weight: r.weight || 1 })) : defaultResources() };
    case 'NodeResourcesFit': {
      const ss = { ...(a.scoringStrategy ?? {}) };
      if (!ss.type) ss.type = 'LeastAllocated';
      if (!ss.resources?.length) ss.resources = defaultResources();
      else ss.resources = ss.resources.map((r: any) => ({ ...r, weight: r.weight || 1 }));
      return { ...tm('NodeResourcesFitArgs'), ...strip(a), scoringStrategy: ss };
    }
    case 'PodTopologySpread':
      return { ...tm('PodTopologySpreadArgs'), defaultingType: 'System', ...strip(a), defaultConstraints: a.defaultConstraints ?? [] };
    case 'VolumeBinding':
      return { ...tm('VolumeBindingArgs'), bindTimeoutSeconds: 600, ...strip(a) };
    default:
      return args;
  }
}

function strip(a: Record<string, unknown>): Record<string, unknown> {
  const { kind: _k, apiVersion: _a, ...rest } = a;
  return rest;
}

const pluginsWithArgs = new Set(['DefaultPreemption', 'InterPodAffinity', 'NodeAffinity', 'NodeResourcesBalancedAllocation', 'NodeResourcesFit', 'PodTopologySpread', 'VolumeBinding']);

function defaultProfile(p: Partial<KubeSchedulerProfile> & { plugins?: Partial<Plugins> }): KubeSchedulerProfile {
  const plugins = mergePlugins(defaultPlugins(), p.plugins);
  const pluginConfig: PluginConfig[] = (p.pluginConfig ?? []).map((pc) => ({ name: pc.name, args: (defaultPluginArgs(pc.name, pc.args as Record<string, unknown>) ?? pc.args ?? {}) as Record<string, unknown> }));
  const have = new Set(pluginConfig.map((c) => c.name));
  const enabledAnywhere: string[] = [];
  for (const e of extensionPoints) for (const x of plugins[e].enabled) if (!enabledAnywhere.includes(x.name)) enabledAnywhere.push(x.name);
  for (const name of enabledAnywhere) {
    if (have.has(name) || !pluginsWithArgs.has(name)) continue;
    pluginConfig.push({ name, args: defaultPluginArgs(name, undefined)! });
    have.add(name);
  }
  const out: KubeSchedulerProfile = { schedulerName: p.schedulerName ?? '', plugins, pluginConfig };
  if (p.percentageOfNodesToScore !== undefined) out.percentageOfNodesToScore = p.percentageOfNodesToScore;
  return out;
}

/** SetDefaults_KubeSchedulerConfiguration over a strictly decoded document. */
export function defaultConfig(raw: Record<string, any> = {}): KubeSchedulerConfiguration {
  const le = raw.leaderElection ?? {};
  const cc = raw.clientConnection ?? {};
  const profilesRaw: any[] = raw.profiles?.length ? raw.profiles : [{}];
  if (profilesRaw.length === 1 && profilesRaw[0].schedulerName === undefined) profilesRaw[0] = { ...profilesRaw[0], schedulerName: DefaultSchedulerName };
  return {
    apiVersion: raw.apiVersion ?? 'kubescheduler.config.k8s.io/v1',
    kind: raw.kind ?? 'KubeSchedulerConfiguration',
    parallelism: raw.parallelism ?? 16,
    leaderElection: {
      leaderElect: le.leaderElect ?? true,
      leaseDurationMs: le.leaseDuration ?? 15_000,
      renewDeadlineMs: le.renewDeadline ?? 10_000,
      retryPeriodMs: le.retryPeriod ?? 2_000,
      resourceLock: le.resourceLock || 'leases',
      resourceName: le.resourceName || 'kube-scheduler',
      resourceNamespace: le.resourceNamespace || 'kube-system',
    },
    clientConnection: {
      kubeconfig: cc.kubeconfig ?? '',
      acceptContentTypes: cc.acceptContentTypes ?? '',
      contentType: cc.contentType || 'application/vnd.kubernetes.protobuf',
      qps: cc.qps || 50,
      burst: cc.burst || 100,
    },
    enableProfiling: raw.enableProfiling ?? true,
    enableContentionProfiling: raw.enableContentionProfiling ?? true,
    percentageOfNodesToScore: raw.percentageOfNodesToScore ?? 0,
    podInitialBackoffSeconds: raw.podInitialBackoffSeconds ?? 1,
    podMaxBackoffSeconds: raw.podMaxBackoffSeconds ?? 10,
    profiles: profilesRaw.map(defaultProfile),
    extenders: raw.extenders ?? [],
    delayCacheUntilActive: raw.delayCacheUntilActive ?? false,
  };
}

const dur = (ms: number): string => {
  const s = ms / 1000;
  if (s < 60 || !Number.isInteger(s)) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}h` : ''}${m}m${s % 60}s`;
};

/** The configuration in its v1 wire form (what --write-config-to prints). */
export function toV1(c: KubeSchedulerConfiguration): Record<string, unknown> {
  const le = c.leaderElection;
  return {
    apiVersion: c.apiVersion,
    kind: c.kind,
    clientConnection: c.clientConnection,
    enableContentionProfiling: c.enableContentionProfiling,
    enableProfiling: c.enableProfiling,
    leaderElection: {
      leaderElect: le.leaderElect,
      leaseDuration: dur(le.leaseDurationMs),
      renewDeadline: dur(le.renewDeadlineMs),
      resourceLock: le.resourceLock,
      resourceName: le.resourceName,
      resourceNamespace: le.resourceNamespace,
      retryPeriod: dur(le.retryPeriodMs),
    },
    parallelism: c.parallelism,
    percentageOfNodesToScore: c.percentageOfNodesToScore,
    podInitialBackoffSeconds: c.podInitialBackoffSeconds,
    podMaxBackoffSeconds: c.podMaxBackoffSeconds,
    profiles: c.profiles.map((p) => ({
      pluginConfig: p.pluginConfig,
      plugins: Object.fromEntries(Object.entries(p.plugins).filter(([, s]) => s.enabled.length || s.disabled.length).map(([k, s]) => [k, { ...(s.enabled.length ? { enabled: s.enabled } : {}), ...(s.disabled.length ? { disabled: s.disabled } : {}) }])),
      schedulerName: p.schedulerName,
      ...(p.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: p.percentageOfNodesToScore } : {}),
    })),
  };
}
