// autoscaling/v2 HorizontalPodAutoscaler (the stored form) and autoscaling/v1 (converted from
// and to it: targetCPUUtilizationPercentage ↔ a cpu Utilization Resource metric): defaults
// (minReplicas 1, a cpu 80% metric when none), validation of the scale target, replica bounds
// and metrics, the status subresource and the Table columns
// (NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { ageCol, ageOf, arr, clone, col, isObj, keepOldStatus, nameCol, resetStatus, statusOnlyUpdate } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateSpec(spec: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  if (!ref.kind) errs.push(fieldErr.required('spec.scaleTargetRef.kind', ''));
  if (!ref.name) errs.push(fieldErr.required('spec.scaleTargetRef.name', ''));
  const min = spec.minReplicas;
  if (typeof min === 'number' && min < 1) errs.push(fieldErr.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (typeof max !== 'number' || max < 1) errs.push(fieldErr.invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min) errs.push(fieldErr.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  arr<KObject>(spec.metrics).forEach((m, i) => {
    const p = `spec.metrics[${i}]`;
    if (!m?.type) errs.push(fieldErr.required(`${p}.type`, 'must specify a metric source type'));
    else if (!METRIC_TYPES.includes(m.type)) errs.push(fieldErr.notSupported(`${p}.type`, m.type, METRIC_TYPES));
    if (m?.type === 'Resource') {
      const r = isObj(m.resource) ? m.resource : undefined;
      if (!r) errs.push(fieldErr.required(`${p}.resource`, 'must populate information for the given metric source'));
      else {
        if (!r.name) errs.push(fieldErr.required(`${p}.resource.name`, 'must specify a resource name'));
        const t = isObj(r.target) ? r.target : {};
        if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) errs.push(fieldErr.notSupported(`${p}.resource.target.type`, t.type ?? '', ['AverageValue', 'Utilization', 'Value']));
        if (t.type === 'Utilization' && !(typeof t.averageUtilization === 'number' && t.averageUtilization > 0)) errs.push(fieldErr.invalid(`${p}.resource.target.averageUtilization`, t.averageUtilization ?? null, 'must be greater than 0'));
      }
    }
  });
  return errs;
}

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: a given behavior gets its missing parts. */
function scalingRulesDefaults(rules: unknown, up: boolean): KObject {
  const r: KObject = isObj(rules) ? rules : {};
  if (up && (r.stabilizationWindowSeconds === undefined || r.stabilizationWindowSeconds === null)) r.stabilizationWindowSeconds = 0;
  if (!r.selectPolicy) r.selectPolicy = 'Max';
  if (!arr(r.policies).length) {
    r.policies = up ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
  return r;
}

function defaultsV2(obj: KObject): void {
  const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!arr(spec.metrics).length) spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = scalingRulesDefaults(spec.behavior.scaleUp, true);
    spec.behavior.scaleDown = scalingRulesDefaults(spec.behavior.scaleDown, false);
  }
}

/** kubectl's TARGETS cell: "cpu: 50%/80%", "<unknown>" before the first measurement. */
function targets(obj: KObject): string {
  const metrics = arr<KObject>(obj.spec?.metrics);
  if (!metrics.length) return '<none>';
  const current = arr<KObject>(obj.status?.currentMetrics);
  const parts = metrics.map((m, i) => {
    if (m.type === 'Resource' && isObj(m.resource)) {
      const t = m.resource.target ?? {};
      const c = current[i]?.resource?.current;
      if (t.averageUtilization !== undefined) return `${m.resource.name}: ${c?.averageUtilization !== undefined ? `${c.averageUtilization}%` : '<unknown>'}/${t.averageUtilization}%`;
      return `${m.resource.name}: ${c?.averageValue ?? '<unknown>'}/${t.averageValue ?? t.value}`;
    }
    return `<unknown>/<unknown>`;
  });
  return parts.length > 2 ? `${parts.slice(0, 2).join(', ')} + ${parts.length - 2} more...` : parts.join(', ');
}

const table: ResourceDef['table'] = {
  columns: [
    nameCol(),
    col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'integer', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    col('Replicas', 'integer', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    ageCol(),
  ],
  cells(obj, now) {
    const ref = obj.spec?.scaleTargetRef ?? {};
    return [obj.metadata?.name ?? '', `${ref.kind ?? ''}/${ref.name ?? ''}`, targets(obj), obj.spec?.minReplicas ?? '<unset>', obj.spec?.maxReplicas ?? 0, obj.status?.currentReplicas ?? 0, ageOf(obj, now)];
  },
};

const common = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: { status: true },
  storageResource: 'horizontalpodautoscalers',
  generation: true,
  prepareForCreate(obj: KObject) {
    resetStatus(obj, { currentReplicas: 0, desiredReplicas: 0 });
  },
  prepareForUpdate(obj: KObject, old: KObject) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  table,
};

export const horizontalPodAutoscalerV2Def: ResourceDef = {
  ...common,
  version: 'v2',
  defaults: defaultsV2,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateSpec(isObj(obj.spec) ? obj.spec : {});
  },
};

/** autoscaling/v1 → v2 (the stored form). */
export function hpaV1ToV2(v1: KObject): KObject {
  const out: KObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };
  if (v1.metadata !== undefined) out.metadata = clone(v1.metadata);
  const s = isObj(v1.spec) ? v1.spec : {};
  out.spec = { scaleTargetRef: clone(s.scaleTargetRef), minReplicas: s.minReplicas, maxReplicas: s.maxReplicas };
  if (typeof s.targetCPUUtilizationPercentage === 'number') out.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.targetCPUUtilizationPercentage } } }];
  const st = isObj(v1.status) ? v1.status : undefined;
  if (st) {
    out.status = { observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime, currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas ?? 0 };
    if (typeof st.currentCPUUtilizationPercentage === 'number') out.status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }];
  }
  return JSON.parse(JSON.stringify(out));
}

/** v2 (the stored form) → autoscaling/v1; the cpu Utilization metric becomes targetCPUUtilizationPercentage. */
export function hpaV2ToV1(v2: KObject): KObject {
  const out: KObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler' };
  if (v2.metadata !== undefined) out.metadata = clone(v2.metadata);
  const s = isObj(v2.spec) ? v2.spec : {};
  out.spec = { scaleTargetRef: clone(s.scaleTargetRef), minReplicas: s.minReplicas, maxReplicas: s.maxReplicas };
  const cpu = arr<KObject>(s.metrics).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization');
  if (cpu) out.spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  const st = isObj(v2.status) ? v2.status : {};
  out.status = { observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime, currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas ?? 0 };
  const cur = arr<KObject>(st.currentMetrics).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  if (cur?.resource?.current?.averageUtilization !== undefined) out.status.currentCPUUtilizationPercentage = cur.resource.current.averageUtilization;
  if (arr(st.conditions).length) out.metadata = { ...(out.metadata ?? {}), annotations: { ...(out.metadata?.annotations ?? {}), 'autoscaling.alpha.kubernetes.io/conditions': JSON.stringify(st.conditions) } };
  return JSON.parse(JSON.stringify(out));
}

export const horizontalPodAutoscalerV1Def: ResourceDef = {
  ...common,
  version: 'v1',
  toStorage: hpaV1ToV2,
  fromStorage: hpaV2ToV1,
  defaults(obj) {
    const spec = isObj(obj.spec) ? obj.spec : (obj.spec = {});
    if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  },
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return [];
    const spec = isObj(obj.spec) ? obj.spec : {};
    const errs = validateSpec({ ...spec, metrics: [] });
    if (typeof spec.targetCPUUtilizationPercentage === 'number' && spec.targetCPUUtilizationPercentage < 1) errs.push(fieldErr.invalid('spec.targetCPUUtilizationPercentage', spec.targetCPUUtilizationPercentage, 'must be greater than 0'));
    return errs;
  },
};
