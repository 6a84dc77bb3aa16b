// The horizontal pod autoscaler controller (upstream's podautoscaler/horizontal.go, compact):
// every --horizontal-pod-autoscaler-sync-period each autoscaling/v2 HPA reads its target's
// scale subresource, computes a replica count from Resource metrics (metrics.k8s.io pod
// metrics against the pods' requests; other metric types are reported as unsupported),
// applies the min/max clamps with the scale-up limit and the downscale stabilization window
// (or spec.behavior's stabilization windows and rate policies), updates the scale, and writes
// status with the AbleToScale / ScalingActive / ScalingLimited conditions and upstream's events.

import type { EventRecorder, Informer, RateLimitingQueue, RestClient, TypedRateLimiter } from '../../client/index.js';
import { DeletedFinalStateUnknown, isNotFound, newRateLimitingQueue } from '../../client/index.js';
import { parseSelector } from '../../apimachinery/labels.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext, ControllerInstance } from '../../controller-manager/context.js';
import type { HorizontalPodAutoscaler, Pod } from '../util/types.js';
import { runQueueWorkers, type QueueWorkers } from '../util/queueworkers.js';
import {
  Stabilizer, convertDesiredReplicasWithBehaviorRate, convertDesiredReplicasWithRules, resourceReplicas, stabilizeWithBehaviors, withDefaultRules,
  type PodSample, type ScaleEvent, type ScalingRules,
} from './replica_calculator.js';
import { ScaleTargets, type Scale } from './scaletarget.js';

const log = logger('horizontal.go');

export const HPA_GVR = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };

type HPA = HorizontalPodAutoscaler & { spec: NonNullable<HorizontalPodAutoscaler['spec']> };
type Condition = NonNullable<NonNullable<HPA['status']>['conditions']>[number];

function now(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** setCondition: replace the condition of that type, keeping lastTransitionTime when the status is unchanged. */
export function setCondition(hpa: HPA, type: string, status: string, reason: string, message: string): void {
  hpa.status ??= { desiredReplicas: 0 };
  const conds = (hpa.status.conditions ??= []);
  const existing = conds.find((c) => c.type === type);
  const c: Condition = { type, status, reason, message, lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : now() };
  if (existing) Object.assign(existing, c);
  else conds.push(c);
}

class MetricError extends Error {}

/** NewDefaultHPARateLimiter: every HPA comes back once per sync period, whatever happened. */
class FixedItemIntervalRateLimiter<T> implements TypedRateLimiter<T> {
  constructor(private readonly intervalMs: number) {}
  when(): number {
    return this.intervalMs;
  }
  forget(): void {}
  numRequeues(): number {
    return 0;
  }
}

export class HorizontalController implements ControllerInstance {
  private queue: RateLimitingQueue<string>;
  private workers?: QueueWorkers;
  private hpas: Informer<HPA>;
  private pods: Informer<Pod>;
  private stabilizers = new Map<string, Stabilizer>();
  /** recommendations and scale events per HPA, for spec.behavior */
  private recommendations = new Map<string, { replicas: number; at: number }[]>();
  private scaleUpEvents = new Map<string, ScaleEvent[]>();
  private scaleDownEvents = new Map<string, ScaleEvent[]>();
  private targets: ScaleTargets;

  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    private readonly ctx: ControllerContext,
  ) {
    this.queue = newRateLimitingQueue<string>('horizontalpodautoscaler', new FixedItemIntervalRateLimiter(ctx.options.hpaSyncPeriodMs));
    this.targets = new ScaleTargets(client);
    this.hpas = ctx.informers.forResource<HPA>(HPA_GVR);
    this.pods = ctx.informers.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' });
    const key = (h: HPA) => `${h.metadata!.namespace}/${h.metadata!.name}`;
    this.hpas.addEventHandler({
      onAdd: (h) => this.queue.add(key(h)),
      onUpdate: (o, h) => {
        if (JSON.stringify(o.spec) !== JSON.stringify(h.spec)) this.queue.add(key(h));
      },
      onDelete: (obj) => {
        const h = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        if (h) this.forgetHPA(key(h));
      },
    });
  }

  run(): void {
    log.info('Starting HPA controller');
    this.workers = runQueueWorkers(this.queue, this.ctx.options.concurrency['horizontal-pod-autoscaler'] ?? 5, (k) => this.sync(k), log, 'horizontal pod autoscaler');
  }

  async stop(): Promise<void> {
    log.info('Shutting down HPA controller');
    await this.workers?.stop();
  }

  private forgetHPA(key: string): void {
    this.stabilizers.delete(key);
    this.recommendations.delete(key);
    this.scaleUpEvents.delete(key);
    this.scaleDownEvents.delete(key);
  }

  private async sync(key: string): Promise<void> {
    const hpa = this.hpas.indexer.getByKey(key);
    if (!hpa) {
      this.forgetHPA(key);
      return;
    }
    try {
      await this.reconcileAutoscaler(structuredClone(hpa), key);
    } catch (err) {
      log.error((err as Error).message);
    }
    // the resync: every HPA is looked at again after the sync period
    if (!this.queue.shuttingDown()) this.queue.addRateLimited(key);
  }

  private async reconcileAutoscaler(hpa: HPA, key: string): Promise<void> {
    const original = JSON.stringify(hpa.status ?? {});
    const ref = hpa.spec.scaleTargetRef;
    const reference = `${ref.kind}/${hpa.metadata!.namespace}/${ref.name}`;
    let scale: Scale;
    try {
      scale = await this.targets.getScale(hpa.metadata!.namespace!, ref);
    } catch (err) {
      const msg = (err as Error).message;
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
      setCondition(hpa, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`);
      await this.updateStatusIfNeeded(original, hpa);
      throw new Error(`failed to query scale subresource for ${reference}: ${msg}`);
    }
    setCondition(hpa, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const currentReplicas = scale.spec?.replicas ?? 0;
    const minReplicas = hpa.spec.minReplicas ?? 1;
    const maxReplicas = hpa.spec.maxReplicas;
    let desired = 0;
    let rescaleReason = '';
    let rescale = false;
    let metricStatuses: unknown[] = hpa.status?.currentMetrics ?? [];
    if (currentReplicas === 0 && minReplicas !== 0) {
      setCondition(hpa, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      let metricDesired: number;
      let metricName: string;
      try {
        [metricDesired, metricName, metricStatuses] = await this.computeReplicasForMetrics(hpa, scale, currentReplicas);
      } catch (err) {
        if (!(err instanceof MetricError)) throw err;
        hpa.status!.currentReplicas = currentReplicas;
        await this.updateStatusIfNeeded(original, hpa);
        this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', err.message);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${err.message}`);
      }
      desired = Math.max(0, metricDesired);
      if (desired > currentReplicas) rescaleReason = `${metricName} above target`;
      if (desired < currentReplicas) rescaleReason = 'All metrics below target';
      desired = hpa.spec.behavior
        ? this.normalizeDesiredReplicasWithBehaviors(hpa, key, currentReplicas, desired, minReplicas)
        : this.normalizeDesiredReplicas(hpa, key, currentReplicas, desired, minReplicas);
    }
    rescale = desired !== currentReplicas && !(currentReplicas === 0 && minReplicas !== 0);
    if (rescale) {
      try {
        await this.targets.updateScale(hpa.metadata!.namespace!, ref, scale, desired);
      } catch (err) {
        const msg = (err as Error).message;
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`);
        setCondition(hpa, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`);
        await this.updateStatusIfNeeded(original, hpa);
        throw new Error(`failed to rescale ${reference}: ${msg}`);
      }
      setCondition(hpa, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      this.storeScaleEvent(hpa, key, currentReplicas, desired);
      log.info('Successfully rescaled', { HPA: key, currentReplicas, desiredReplicas: desired, reason: rescaleReason });
    } else {
      log.v(4).info('Decided not to scale', { scaleTarget: reference, desiredReplicas: desired, lastScaleTime: hpa.status?.lastScaleTime });
      desired = currentReplicas;
    }
    hpa.status = {
      ...hpa.status,
      currentReplicas,
      desiredReplicas: desired,
      currentMetrics: metricStatuses.length ? (metricStatuses as never) : undefined,
      observedGeneration: hpa.metadata?.generation,
      ...(rescale ? { lastScaleTime: now() } : {}),
    };
    await this.updateStatusIfNeeded(original, hpa);
  }

  /** storeScaleEvent: remembered only for HPAs with spec.behavior (their rate policies need them). */
  private storeScaleEvent(hpa: HPA, key: string, prev: number, next: number): void {
    if (!hpa.spec.behavior) return;
    const map = next > prev ? this.scaleUpEvents : this.scaleDownEvents;
    const rules = (next > prev ? hpa.spec.behavior.scaleUp : hpa.spec.behavior.scaleDown) as ScalingRules | undefined;
    const longest = Math.max(15, ...(rules?.policies ?? []).map((p) => p.periodSeconds)) * 1000;
    const now = Date.now();
    const events = (map.get(key) ?? []).filter((e) => e.at > now - longest);
    events.push({ replicaChange: Math.abs(next - prev), at: now });
    map.set(key, events);
  }

  private normalizeDesiredReplicasWithBehaviors(hpa: HPA, key: string, current: number, desired: number, minReplicas: number): number {
    const b = hpa.spec.behavior!;
    const up = withDefaultRules(b.scaleUp as ScalingRules | undefined, true);
    const down = withDefaultRules(b.scaleDown as ScalingRules | undefined, false);
    // maybeInitScaleDownStabilizationWindow
    if (down.stabilizationWindowSeconds === undefined) down.stabilizationWindowSeconds = Math.trunc(this.ctx.options.hpaDownscaleStabilizationMs / 1000);
    const now = Date.now();
    let recs = this.recommendations.get(key);
    if (!recs) this.recommendations.set(key, (recs = []));
    const [stabilized, reason, message] = stabilizeWithBehaviors(recs, current, desired, up, down, now);
    if (stabilized !== desired) setCondition(hpa, 'AbleToScale', 'True', reason, message);
    else setCondition(hpa, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
    const [replicas, limitReason, limitMessage] = convertDesiredReplicasWithBehaviorRate(
      current, stabilized, minReplicas, hpa.spec.maxReplicas,
      { rules: up, events: this.scaleUpEvents.get(key) ?? [] },
      { rules: down, events: this.scaleDownEvents.get(key) ?? [] },
      now,
    );
    setCondition(hpa, 'ScalingLimited', replicas === stabilized ? 'False' : 'True', limitReason, limitMessage);
    return replicas;
  }

  private normalizeDesiredReplicas(hpa: HPA, key: string, current: number, desired: number, minReplicas: number): number {
    const windowMs = this.ctx.options.hpaDownscaleStabilizationMs;
    let st = this.stabilizers.get(key);
    if (!st) this.stabilizers.set(key, (st = new Stabilizer(windowMs)));
    const stabilized = st.stabilize(desired);
    if (stabilized !== desired) setCondition(hpa, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
    else setCondition(hpa, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
    const [replicas, reason, message] = convertDesiredReplicasWithRules(current, stabilized, minReplicas, hpa.spec.maxReplicas);
    setCondition(hpa, 'ScalingLimited', replicas === stabilized ? 'False' : 'True', reason, message);
    return replicas;
  }

  /** computeReplicasForMetrics: [replicas, metric name, statuses]; MetricError when every metric failed. */
  private async computeReplicasForMetrics(hpa: HPA, scale: Scale, current: number): Promise<[number, string, unknown[]]> {
    const selectorText = scale.status?.selector;
    if (!selectorText) {
      this.recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      throw new MetricError('selector is required');
    }
    let selector;
    try {
      selector = parseSelector(selectorText);
    } catch (err) {
      this.recorder.event(hpa, 'Warning', 'InvalidSelector', `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`);
      setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', 'the HPA target\'s scale has an invalid selector');
      throw new MetricError((err as Error).message);
    }
    const metrics = hpa.spec.metrics?.length ? hpa.spec.metrics : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    let best = -1;
    let bestName = '';
    let invalid = 0;
    let firstErr: Error | undefined;
    let failCondition: [string, string] | undefined;
    const statuses: unknown[] = [];
    for (const m of metrics) {
      try {
        if (m.type !== 'Resource' || !m.resource) throw Object.assign(new Error(`unsupported metric source type "${m.type}" (k8ts serves only Resource metrics)`), { reason: 'InvalidMetricSourceType' });
        const name = m.resource.name;
        const target = m.resource.target;
        if (target.averageUtilization === undefined) throw Object.assign(new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set'), { reason: 'FailedGetResourceMetric' });
        let samples: PodSample[];
        try {
          samples = await this.podSamples(hpa.metadata!.namespace!, selectorText, selector, name);
        } catch (err) {
          throw Object.assign(new Error(`failed to get ${name} utilization: unable to get metrics for resource ${name}: ${(err as Error).message}`), { reason: 'FailedGetResourceMetric' });
        }
        let r;
        try {
          r = resourceReplicas(current, target.averageUtilization, samples, this.ctx.options.hpaTolerance, name);
        } catch (err) {
          throw Object.assign(new Error(`failed to get ${name} utilization: ${(err as Error).message}`), { reason: 'FailedGetResourceMetric' });
        }
        statuses.push({ type: 'Resource', resource: { name, current: { averageUtilization: r.utilization, averageValue: String(Math.round(r.rawAverage)) } } });
        if (r.replicas > best) {
          best = r.replicas;
          bestName = `${name} resource utilization (percentage of request)`;
        }
      } catch (err) {
        const reason = (err as { reason?: string }).reason ?? 'FailedGetResourceMetric';
        this.recorder.event(hpa, 'Warning', reason, (err as Error).message);
        invalid++;
        firstErr ??= err as Error;
        failCondition ??= [reason, `the HPA was unable to compute the replica count: ${(err as Error).message}`];
      }
    }
    if (invalid >= metrics.length || best < 0) {
      setCondition(hpa, 'ScalingActive', 'False', failCondition![0], failCondition![1]);
      throw new MetricError(`invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${firstErr!.message}`);
    }
    setCondition(hpa, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${bestName}`);
    return [best, bestName, statuses];
  }

  /** The selected pods with their requests, readiness and metrics.k8s.io usage of `resource`. */
  private async podSamples(namespace: string, selectorText: string, selector: ReturnType<typeof parseSelector>, resource: string): Promise<PodSample[]> {
    let list: { items?: { metadata?: { name?: string }; containers?: { usage?: Record<string, string> }[] }[] };
    try {
      list = await this.client.request({ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`, query: { labelSelector: selectorText } });
    } catch (err) {
      const msg = isNotFound(err) ? 'the server could not find the requested resource (get pods.metrics.k8s.io)' : (err as Error).message;
      throw new Error(`unable to fetch metrics from resource metrics API: ${msg}`);
    }
    if (!list.items?.length) throw new Error('no metrics returned from resource metrics API');
    const usage = new Map<string, number>();
    for (const pm of list.items) {
      let sum = 0;
      for (const c of pm.containers ?? []) {
        const q = c.usage?.[resource];
        if (q) sum += resource === 'cpu' ? parseQuantity(q).milliValue() : parseQuantity(q).value();
      }
      usage.set(pm.metadata?.name ?? '', sum);
    }
    const pods = this.pods.indexer.byIndex('namespace', namespace).filter((p) => selector.matches(p.metadata?.labels));
    return pods.map((p) => {
      let request = 0;
      for (const c of p.spec?.containers ?? []) {
        const q = c.resources?.requests?.[resource];
        if (q !== undefined) request += resource === 'cpu' ? parseQuantity(String(q)).milliValue() : parseQuantity(String(q)).value();
      }
      const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      return { name: p.metadata!.name!, request, usage: usage.get(p.metadata!.name!), ready, ignored: !!p.metadata?.deletionTimestamp || p.status?.phase === 'Failed' };
    });
  }

  private async updateStatusIfNeeded(original: string, hpa: HPA): Promise<void> {
    if (JSON.stringify(hpa.status ?? {}) === original) return;
    try {
      await this.client.update({ ...HPA_GVR, namespace: hpa.metadata!.namespace!, name: hpa.metadata!.name!, subresource: 'status' }, hpa);
    } catch (err) {
      if (isNotFound(err)) return;
      this.recorder.event(hpa, 'Warning', 'FailedUpdateStatus', (err as Error).message);
      throw new Error(`failed to update status for ${hpa.metadata!.name}: ${(err as Error).message}`);
    }
    log.v(2).info('Successfully updated status', { HPA: `${hpa.metadata!.namespace}/${hpa.metadata!.name}` });
  }
}

