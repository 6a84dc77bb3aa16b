// Strict decoding of the configuration file as upstream's UniversalDecoder does it: every
// field checked against the v1 schema, unknown fields reported with their full path
// (`strict decoding error: unknown field "profiles[0].plugins.foo"`), type mismatches in
// encoding/json's words, and metav1.Duration strings parsed.

import { parseDuration } from '../../util/flags.js';

export type Schema =
  | 'string'
  | 'int32'
  | 'int64'
  | 'float'
  | 'bool'
  | 'duration'
  | 'any'
  | { obj: Record<string, Schema>; goType: string }
  | { arr: Schema }
  | { map: Schema };

export class DecodeError extends Error {}

const goTypeOf = (s: Schema): string => {
  if (typeof s === 'string') return s === 'float' ? 'float32' : s === 'duration' ? 'v1.Duration' : s;
  if ('obj' in s) return `v1.${s.goType}`;
  if ('arr' in s) return `[]${goTypeOf(s.arr)}`;
  return `map[string]${goTypeOf(s.map)}`;
};

const jsonTypeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/**
 * Check v against schema; returns the value with durations converted to ms. Unknown fields are
 * collected into `unknown` (as upstream reports them all at once).
 */
export function decodeStrict(v: unknown, schema: Schema, path: string, parentType: string, unknown: string[]): unknown {
  if (v === null || v === undefined) return undefined;
  const mismatch = () => new DecodeError(`json: cannot unmarshal ${jsonTypeOf(v)} into Go struct field ${parentType}.${path || '.'} of type ${goTypeOf(schema)}`);
  if (typeof schema === 'string') {
    switch (schema) {
      case 'any':
        return v;
      case 'string':
        if (typeof v !== 'string') throw mismatch();
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw mismatch();
        return v;
      case 'int32':
      case 'int64':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch();
        return v;
      case 'float':
        if (typeof v !== 'number') throw mismatch();
        return v;
      case 'duration':
        if (typeof v !== 'string') throw mismatch();
        try {
          return parseDuration(v);
        } catch {
          throw new DecodeError(`time: invalid duration ${JSON.stringify(v)}`);
        }
    }
  }
  if ('arr' in schema) {
    if (!Array.isArray(v)) throw mismatch();
    return v.map((x, i) => decodeStrict(x, schema.arr, `${path}[${i}]`, parentType, unknown));
  }
  if ('map' in schema) {
    if (typeof v !== 'object' || Array.isArray(v)) throw mismatch();
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = decodeStrict(x, schema.map, `${path}[${k}]`, parentType, unknown);
    return out;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw mismatch();
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const fs = schema.obj[k];
    const p = path ? `${path}.${k}` : k;
    if (!fs) {
      unknown.push(p);
      continue;
    }
    const d = decodeStrict(x, fs, p, parentType, unknown);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The v1 schema

const labelSelector: Schema = {
  goType: 'LabelSelector',
  obj: {
    matchLabels: { map: 'string' },
    matchExpressions: { arr: { goType: 'LabelSelectorRequirement', obj: { key: 'string', operator: 'string', values: { arr: 'string' } } } },
  },
};
const nodeSelectorRequirement: Schema = { goType: 'NodeSelectorRequirement', obj: { key: 'string', operator: 'string', values: { arr: 'string' } } };
const nodeSelectorTerm: Schema = { goType: 'NodeSelectorTerm', obj: { matchExpressions: { arr: nodeSelectorRequirement }, matchFields: { arr: nodeSelectorRequirement } } };
const nodeAffinity: Schema = {
  goType: 'NodeAffinity',
  obj: {
    requiredDuringSchedulingIgnoredDuringExecution: { goType: 'NodeSelector', obj: { nodeSelectorTerms: { arr: nodeSelectorTerm } } },
    preferredDuringSchedulingIgnoredDuringExecution: { arr: { goType: 'PreferredSchedulingTerm', obj: { weight: 'int32', preference: nodeSelectorTerm } } },
  },
};
const topologySpreadConstraint: Schema = {
  goType: 'TopologySpreadConstraint',
  obj: {
    maxSkew: 'int32',
    topologyKey: 'string',
    whenUnsatisfiable: 'string',
    labelSelector,
    minDomains: 'int32',
    nodeAffinityPolicy: 'string',
    nodeTaintsPolicy: 'string',
    matchLabelKeys: { arr: 'string' },
  },
};
const resourceSpec: Schema = { goType: 'ResourceSpec', obj: { name: 'string', weight: 'int64' } };
const shape: Schema = { arr: { goType: 'UtilizationShapePoint', obj: { utilization: 'int32', score: 'int32' } } };
const typeMeta = { apiVersion: 'string', kind: 'string' } as const;

/** Args schema per plugin name (plugins without args take none). */
export const pluginArgsSchemas: Record<string, { goType: string; obj: Record<string, Schema> }> = {
  DefaultPreemption: { goType: 'DefaultPreemptionArgs', obj: { ...typeMeta, minCandidateNodesPercentage: 'int32', minCandidateNodesAbsolute: 'int32' } },
  InterPodAffinity: { goType: 'InterPodAffinityArgs', obj: { ...typeMeta, hardPodAffinityWeight: 'int32', ignorePreferredTermsOfExistingPods: 'bool' } },
  NodeAffinity: { goType: 'NodeAffinityArgs', obj: { ...typeMeta, addedAffinity: nodeAffinity } },
  NodeResourcesBalancedAllocation: { goType: 'NodeResourcesBalancedAllocationArgs', obj: { ...typeMeta, resources: { arr: resourceSpec } } },
  NodeResourcesFit: {
    goType: 'NodeResourcesFitArgs',
    obj: {
      ...typeMeta,
      ignoredResources: { arr: 'string' },
      ignoredResourceGroups: { arr: 'string' },
      scoringStrategy: { goType: 'ScoringStrategy', obj: { type: 'string', resources: { arr: resourceSpec }, requestedToCapacityRatio: { goType: 'RequestedToCapacityRatioParam', obj: { shape } } } },
    },
  },
  PodTopologySpread: { goType: 'PodTopologySpreadArgs', obj: { ...typeMeta, defaultConstraints: { arr: topologySpreadConstraint }, defaultingType: 'string' } },
  VolumeBinding: { goType: 'VolumeBindingArgs', obj: { ...typeMeta, bindTimeoutSeconds: 'int64', shape } },
  NodeVolumeLimits: { goType: 'NodeVolumeLimitsArgs', obj: { ...typeMeta } },
};

const plugin: Schema = { goType: 'Plugin', obj: { name: 'string', weight: 'int32' } };
const pluginSet: Schema = { goType: 'PluginSet', obj: { enabled: { arr: plugin }, disabled: { arr: plugin } } };
const plugins: Schema = {
  goType: 'Plugins',
  obj: Object.fromEntries(['preEnqueue', 'queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind', 'postBind', 'multiPoint'].map((k) => [k, pluginSet])),
};

export const configSchema: { goType: string; obj: Record<string, Schema> } = {
  goType: 'KubeSchedulerConfiguration',
  obj: {
    ...typeMeta,
    parallelism: 'int32',
    leaderElection: {
      goType: 'LeaderElectionConfiguration',
      obj: { leaderElect: 'bool', leaseDuration: 'duration', renewDeadline: 'duration', retryPeriod: 'duration', resourceLock: 'string', resourceName: 'string', resourceNamespace: 'string' },
    },
    clientConnection: { goType: 'ClientConnectionConfiguration', obj: { kubeconfig: 'string', acceptContentTypes: 'string', contentType: 'string', qps: 'float', burst: 'int32' } },
    enableProfiling: 'bool',
    enableContentionProfiling: 'bool',
    percentageOfNodesToScore: 'int32',
    podInitialBackoffSeconds: 'int64',
    podMaxBackoffSeconds: 'int64',
    profiles: {
      arr: {
        goType: 'KubeSchedulerProfile',
        obj: { schedulerName: 'string', percentageOfNodesToScore: 'int32', plugins, pluginConfig: { arr: { goType: 'PluginConfig', obj: { name: 'string', args: 'any' } } } },
      },
    },
    extenders: { arr: 'any' },
    delayCacheUntilActive: 'bool',
  },
};
