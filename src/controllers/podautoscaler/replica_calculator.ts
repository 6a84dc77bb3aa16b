// The replica arithmetic of the horizontal pod autoscaler (upstream's podautoscaler
// replica_calculator.go and the normalization in horizontal.go), as pure functions: the
// desired count from per-pod resource usage against requests with the tolerance and the
// missing/unready pod rules, the downscale stabilization window, and the min/max/scale-up
// clamps that set the ScalingLimited condition.

export interface PodSample {
  name: string;
  /** resource request of the pod (sum over containers), in the metric's unit */
  request: number;
  /** usage from the metrics API, or undefined when the pod has no metric */
  usage?: number;
  /** Ready (for cpu: also past the initialization period) */
  ready: boolean;
  /** being deleted or Failed: left out entirely */
  ignored?: boolean;
}

export interface ResourceReplicasResult {
  replicas: number;
  /** the current average utilization (percent of request) */
  utilization: number;
  /** the raw average usage per pod */
  rawAverage: number;
}

/** GetResourceReplicas with a utilization target (percent), at `tolerance`. */
export function resourceReplicas(currentReplicas: number, targetUtilization: number, pods: PodSample[], tolerance: number, resource: string): ResourceReplicasResult {
  const live = pods.filter((p) => !p.ignored);
  if (!live.length) throw new Error('no pods returned by selector while calculating replica count');
  const withMetrics = live.filter((p) => p.usage !== undefined && (p.ready || resource !== 'cpu'));
  const unready = live.filter((p) => p.usage !== undefined && !p.ready && resource === 'cpu');
  const missing = live.filter((p) => p.usage === undefined);
  if (!withMetrics.length && !unready.length) throw new Error(`did not receive metrics for targeted pods (pods might be unready)`);
  for (const p of withMetrics) if (!(p.request > 0)) throw new Error(`missing request for ${resource} in container of pod ${p.name}`);
  const ratio = (samples: { usage: number; request: number }[]) => {
    const usage = samples.reduce((a, s) => a + s.usage, 0);
    const req = samples.reduce((a, s) => a + s.request, 0);
    return { utilization: req > 0 ? (usage * 100) / req : 0, rawAverage: samples.length ? usage / samples.length : 0 };
  };
  const base = ratio(withMetrics.map((p) => ({ usage: p.usage!, request: p.request })));
  const usageRatio = base.utilization / targetUtilization;
  const readyCount = withMetrics.length;
  const rebalanceIgnored = resource === 'cpu' && unready.length > 0 && usageRatio > 1;
  if (!rebalanceIgnored && !missing.length) {
    if (Math.abs(1 - usageRatio) <= tolerance) return { replicas: currentReplicas, utilization: Math.trunc(base.utilization), rawAverage: base.rawAverage };
    return { replicas: Math.ceil(usageRatio * readyCount), utilization: Math.trunc(base.utilization), rawAverage: base.rawAverage };
  }
  // missing pods count as 100% of their request (or the target when above 100%) when scaling
  // down and 0% when scaling up;
  // unready pods (cpu) count as 0% when scaling up
  const samples = withMetrics.map((p) => ({ usage: p.usage!, request: p.request }));
  for (const p of missing) samples.push({ usage: usageRatio < 1 ? (p.request * Math.max(100, targetUtilization)) / 100 : 0, request: p.request });
  if (rebalanceIgnored) for (const p of unready) samples.push({ usage: 0, request: p.request });
  const re = ratio(samples);
  const newRatio = re.utilization / targetUtilization;
  if (Math.abs(1 - newRatio) <= tolerance || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return { replicas: currentReplicas, utilization: Math.trunc(base.utilization), rawAverage: base.rawAverage };
  }
  const replicas = Math.ceil(newRatio * samples.length);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    return { replicas: currentReplicas, utilization: Math.trunc(base.utilization), rawAverage: base.rawAverage };
  }
  return { replicas, utilization: Math.trunc(base.utilization), rawAverage: base.rawAverage };
}

/** calculateScaleUpLimit: at most double (and at least 4) per step without behaviors. */
export function scaleUpLimit(currentReplicas: number): number {
  return Math.max(2 * currentReplicas, 4);
}

/** convertDesiredReplicasWithRules: [replicas, ScalingLimited reason, message]. */
export function convertDesiredReplicasWithRules(currentReplicas: number, desired: number, minReplicas: number, maxReplicas: number): [number, string, string] {
  const limit = scaleUpLimit(currentReplicas);
  let max: number;
  let cond: string;
  let msg: string;
  if (maxReplicas > limit) {
    max = limit;
    cond = 'ScaleUpLimit';
    msg = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    max = maxReplicas;
    cond = 'TooManyReplicas';
    msg = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < minReplicas) return [minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
  if (desired > max) return [max, cond, msg];
  return [desired, 'DesiredWithinRange', 'the desired count is within the acceptable range'];
}

/** The recommendations of one HPA over the downscale stabilization window (stabilizeRecommendation). */
export class Stabilizer {
  private recs: { replicas: number; at: number }[] = [];

  constructor(private readonly windowMs: number) {}

  /** The highest recommendation within the window (including this one); records this one. */
  stabilize(replicas: number, now = Date.now()): number {
    let max = replicas;
    let oldIndex = -1;
    const cutoff = now - this.windowMs;
    this.recs.forEach((r, i) => {
      if (r.at < cutoff) oldIndex = i;
      else if (r.replicas > max) max = r.replicas;
    });
    if (oldIndex >= 0) this.recs[oldIndex] = { replicas, at: now };
    else this.recs.push({ replicas, at: now });
    return max;
  }
}

// ---- spec.behavior (normalizeDesiredReplicasWithBehaviors)

export interface ScalingPolicy {
  type: string;
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: ScalingPolicy[];
}

export interface ScaleEvent {
  replicaChange: number;
  at: number;
}

/** The upstream defaults of spec.behavior's scaleUp and scaleDown rules (GenerateHPAScale*Rules). */
export function withDefaultRules(rules: ScalingRules | undefined, up: boolean): ScalingRules {
  const r = { ...(rules ?? {}) };
  if (up && r.stabilizationWindowSeconds === undefined) r.stabilizationWindowSeconds = 0;
  r.selectPolicy ??= 'Max';
  if (!r.policies?.length) r.policies = up ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return r;
}

/** getReplicasChangePerPeriod: the replicas changed by events within the last periodSeconds. */
export function replicasChangePerPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.filter((e) => e.at > cutoff).reduce((a, e) => a + e.replicaChange, 0);
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimitWithRules(current: number, events: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - replicasChangePerPeriod(p.periodSeconds, events, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimitWithRules(current: number, events: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current + replicasChangePerPeriod(p.periodSeconds, events, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** stabilizeRecommendationWithBehaviors over one HPA's recorded recommendations (which it updates). */
export function stabilizeWithBehaviors(recs: { replicas: number; at: number }[], current: number, desired: number, up: ScalingRules, down: ScalingRules, now: number): [number, string, string] {
  const upCutoff = now - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = now - (down.stabilizationWindowSeconds ?? 0) * 1000;
  let upRec = desired;
  let downRec = desired;
  let oldIndex = -1;
  recs.forEach((r, i) => {
    if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
    if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
    if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
  });
  let rec = current;
  if (rec < upRec) rec = upRec;
  if (rec > downRec) rec = downRec;
  if (oldIndex >= 0) recs[oldIndex] = { replicas: desired, at: now };
  else recs.push({ replicas: desired, at: now });
  return desired >= current
    ? [rec, 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation']
    : [rec, 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation'];
}

/** convertDesiredReplicasWithBehaviorRate: [replicas, ScalingLimited reason, message]. */
export function convertDesiredReplicasWithBehaviorRate(
  current: number,
  desired: number,
  minReplicas: number,
  maxReplicas: number,
  up: { rules: ScalingRules; events: ScaleEvent[] },
  down: { rules: ScalingRules; events: ScaleEvent[] },
  now: number,
): [number, string, string] {
  if (desired > current) {
    const limit = Math.max(current, scaleUpLimitWithRules(current, up.events, up.rules, now));
    const [max, reason, msg] = maxReplicas > limit ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'] : [maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (desired > max) return [max, reason, msg];
  } else if (desired < current) {
    const limit = Math.min(current, scaleDownLimitWithRules(current, down.events, down.rules, now));
    const [min, reason, msg] = minReplicas < limit ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate'] : [minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (desired < min) return [min, reason, msg];
  }
  return [desired, 'DesiredWithinRange', 'the desired count is within the acceptable range'];
}
