// ValidateKubeSchedulerConfiguration and the plugin args validations, with upstream's field
// paths and messages (field.ErrorList, aggregated as "[a, b]" when there are several).

import { fieldErr, fieldErrorMessage } from '../../apimachinery/errors.js';
import type { FieldError } from '../../apimachinery/errors.js';
import type { KubeSchedulerConfiguration, KubeSchedulerProfile } from './types.js';

const fmtDuration = (ms: number): string => {
  if (ms === 0) return '0s';
  const s = ms / 1000;
  if (Number.isInteger(s) && s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
};

function durationInvalid(field: string, ms: number, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, valueText: JSON.stringify(fmtDuration(ms)), detail };
}

export function aggregateMessage(errs: FieldError[]): string {
  const msgs = [...new Set(errs.map(fieldErrorMessage))];
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

function validateResources(resources: { name: string; weight: number }[] | undefined, path: string, errs: FieldError[]): void {
  for (const [i, r] of (resources ?? []).entries()) {
    if (r.weight <= 0 || r.weight > 100) errs.push(fieldErr.invalid(`${path}[${i}].weight`, r.weight, `resource weight of ${r.name} not in valid range [1, 100]`));
  }
}

function validateArgs(name: string, args: Record<string, any>, path: string, errs: FieldError[]): void {
  switch (name) {
    case 'DefaultPreemption': {
      const pct = args.minCandidateNodesPercentage;
      const abs = args.minCandidateNodesAbsolute;
      if (pct < 0 || pct > 100) errs.push(fieldErr.invalid(`${path}.minCandidateNodesPercentage`, pct, 'not in valid range [0, 100]'));
      if (abs < 0) errs.push(fieldErr.invalid(`${path}.minCandidateNodesAbsolute`, abs, 'not in valid range [0, inf)'));
      if (pct === 0 && abs === 0) errs.push(fieldErr.invalid(`${path}.minCandidateNodesPercentage`, pct, 'cannot be zero at the same time as minCandidateNodesAbsolute'));
      break;
    }
    case 'InterPodAffinity': {
      const w = args.hardPodAffinityWeight;
      if (w < 0 || w > 100) errs.push(fieldErr.invalid(`${path}.hardPodAffinityWeight`, w, 'not in valid range [0, 100]'));
      break;
    }
    case 'NodeResourcesFit': {
      const ss = args.scoringStrategy ?? {};
      const types = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];
      if (!types.includes(ss.type)) errs.push(fieldErr.notSupported(`${path}.scoringStrategy.type`, ss.type, types));
      validateResources(ss.resources, `${path}.scoringStrategy.resources`, errs);
      if (ss.type === 'RequestedToCapacityRatio') {
        const shape = ss.requestedToCapacityRatio?.shape ?? [];
        if (!shape.length) errs.push(fieldErr.required(`${path}.scoringStrategy.requestedToCapacityRatio.shape`, 'at least one point must be specified'));
        for (const [i, p] of shape.entries()) {
          if (p.utilization < 0 || p.utilization > 100) errs.push(fieldErr.invalid(`${path}.scoringStrategy.requestedToCapacityRatio.shape[${i}].utilization`, p.utilization, 'not in valid range [0, 100]'));
          else if (i > 0 && p.utilization <= shape[i - 1].utilization) errs.push(fieldErr.invalid(`${path}.scoringStrategy.requestedToCapacityRatio.shape[${i}].utilization`, p.utilization, 'utilization values must be sorted in increasing order'));
          if (p.score < 0 || p.score > 10) errs.push(fieldErr.invalid(`${path}.scoringStrategy.requestedToCapacityRatio.shape[${i}].score`, p.score, 'not in valid range [0, 10]'));
        }
      } else if (ss.requestedToCapacityRatio) {
        errs.push(fieldErr.forbidden(`${path}.scoringStrategy.requestedToCapacityRatio`, `must not be set when type is ${ss.type}`));
      }
      break;
    }
    case 'NodeResourcesBalancedAllocation':
      validateResources(args.resources, `${path}.resources`, errs);
      break;
    case 'PodTopologySpread': {
      const dt = args.defaultingType;
      if (dt !== 'System' && dt !== 'List') errs.push(fieldErr.notSupported(`${path}.defaultingType`, dt, ['List', 'System']));
      const cs: any[] = args.defaultConstraints ?? [];
      if (dt === 'System' && cs.length) errs.push({ type: 'FieldValueInvalid', field: `${path}.defaultConstraints`, valueText: `[]v1.TopologySpreadConstraint(len ${cs.length})`, detail: 'when .defaultingType is "System"' });
      const seen = new Set<string>();
      for (const [i, c] of cs.entries()) {
        const p = `${path}.defaultConstraints[${i}]`;
        if (!(c.maxSkew > 0)) errs.push(fieldErr.invalid(`${p}.maxSkew`, c.maxSkew ?? 0, 'must be greater than zero'));
        if (!c.topologyKey) errs.push(fieldErr.required(`${p}.topologyKey`, 'can not be empty'));
        if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') errs.push(fieldErr.notSupported(`${p}.whenUnsatisfiable`, c.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
        const key = `${c.topologyKey}/${c.whenUnsatisfiable}`;
        if (seen.has(key)) errs.push(fieldErr.duplicate(`${p}`, `{${c.topologyKey}, ${c.whenUnsatisfiable}}`));
        seen.add(key);
        if (c.labelSelector) errs.push(fieldErr.forbidden(`${p}.labelSelector`, 'constraint must not define a selector, as they deduced for each pod'));
      }
      break;
    }
    case 'VolumeBinding':
      if (args.bindTimeoutSeconds < 0) errs.push(fieldErr.invalid(`${path}.bindTimeoutSeconds`, args.bindTimeoutSeconds, 'invalid BindTimeoutSeconds, should not be a negative value'));
      break;
  }
}

function validateProfile(p: KubeSchedulerProfile, path: string, errs: FieldError[]): void {
  if (!p.schedulerName) errs.push(fieldErr.required(`${path}.schedulerName`));
  if (p.percentageOfNodesToScore !== undefined && (p.percentageOfNodesToScore < 0 || p.percentageOfNodesToScore > 100)) {
    errs.push(fieldErr.invalid(`${path}.percentageOfNodesToScore`, p.percentageOfNodesToScore, 'not in valid range [0-100]'));
  }
  for (const [e, set] of Object.entries(p.plugins)) {
    for (const [i, pl] of set.enabled.entries()) {
      if (pl.weight !== undefined && (pl.weight < 0 || pl.weight > 100) && (e === 'score' || e === 'multiPoint')) {
        errs.push(fieldErr.invalid(`${path}.plugins.${e}.enabled[${i}].weight`, pl.weight, 'not in valid range [0, 100]'));
      }
    }
  }
  const seen = new Map<string, number>();
  for (const [i, pc] of p.pluginConfig.entries()) {
    const pp = `${path}.pluginConfig[${i}]`;
    if (seen.has(pc.name)) errs.push(fieldErr.duplicate(`${pp}`, pc.name));
    seen.set(pc.name, i);
    validateArgs(pc.name, pc.args ?? {}, `${pp}.args`, errs);
  }
}

export function validateConfig(c: KubeSchedulerConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  if (c.parallelism <= 0) errs.push(fieldErr.invalid('parallelism', c.parallelism, 'should be an integer value greater than zero'));
  const le = c.leaderElection;
  if (le.leaderElect) {
    if (le.leaseDurationMs <= 0) errs.push(durationInvalid('leaderElection.leaseDuration', le.leaseDurationMs, 'must be greater than zero'));
    if (le.renewDeadlineMs <= 0) errs.push(durationInvalid('leaderElection.renewDeadline', le.renewDeadlineMs, 'must be greater than zero'));
    if (le.retryPeriodMs <= 0) errs.push(durationInvalid('leaderElection.retryPeriod', le.retryPeriodMs, 'must be greater than zero'));
    if (le.leaseDurationMs <= le.renewDeadlineMs) errs.push(durationInvalid('leaderElection.leaseDuration', le.renewDeadlineMs, 'LeaseDuration must be greater than RenewDeadline'));
    if (le.resourceLock !== 'leases') errs.push(fieldErr.notSupported('leaderElection.resourceLock', le.resourceLock, ['leases']));
  }
  if (c.percentageOfNodesToScore < 0 || c.percentageOfNodesToScore > 100) errs.push(fieldErr.invalid('percentageOfNodesToScore', c.percentageOfNodesToScore, 'not in valid range [0-100]'));
  if (c.podInitialBackoffSeconds <= 0) errs.push(fieldErr.invalid('podInitialBackoffSeconds', c.podInitialBackoffSeconds, 'must be greater than 0'));
  if (c.podMaxBackoffSeconds < c.podInitialBackoffSeconds) errs.push(fieldErr.invalid('podMaxBackoffSeconds', c.podMaxBackoffSeconds, 'must be greater than or equal to PodInitialBackoffSeconds'));
  if (!c.profiles.length) errs.push(fieldErr.required('profiles'));
  const names = new Set<string>();
  for (const [i, p] of c.profiles.entries()) {
    validateProfile(p, `profiles[${i}]`, errs);
    if (p.schedulerName && names.has(p.schedulerName)) errs.push(fieldErr.duplicate(`profiles[${i}].schedulerName`, p.schedulerName));
    names.add(p.schedulerName);
  }
  if (c.profiles.length > 1) {
    const qs = (p: KubeSchedulerProfile) => JSON.stringify(p.plugins.queueSort) + JSON.stringify(p.plugins.multiPoint.enabled.filter((x) => x.name === 'PrioritySort'));
    const first = qs(c.profiles[0]!);
    for (let i = 1; i < c.profiles.length; i++) {
      if (qs(c.profiles[i]!) !== first) errs.push({ type: 'FieldValueInvalid', field: `profiles[${i}].plugins.queueSort`, valueText: JSON.stringify(c.profiles[i]!.plugins.queueSort), detail: 'queueSort must be the same for all profiles' });
    }
  }
  if (c.extenders.length) errs.push(fieldErr.forbidden('extenders', 'scheduler extenders are not supported by k8ts'));
  return errs;
}
