// policy/v1 PodDisruptionBudget: validation (minAvailable xor maxUnavailable, int-or-percent
// values, selector, unhealthyPodEvictionPolicy), strategies, status subresource and the
// Table columns (NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/validation.js';
import {
  ageCol, ageOf, col, isNotMoreThan100Percent, isObj, keepOldStatus, nameCol, num, resetStatus, statusOnlyUpdate,
  validatePositiveIntOrPercent,
} from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

function validateSpec(spec: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) {
    errs.push(fieldErr.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (!isSet(spec[f])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], `spec.${f}`));
    errs.push(...isNotMoreThan100Percent(spec[f], `spec.${f}`));
  }
  errs.push(...validateLabelSelector(isObj(spec.selector) ? (spec.selector as any) : null, 'spec.selector'));
  if (isSet(spec.unhealthyPodEvictionPolicy) && spec.unhealthyPodEvictionPolicy !== 'IfHealthyBudget' && spec.unhealthyPodEvictionPolicy !== 'AlwaysAllow') {
    errs.push(fieldErr.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods', 'observedGeneration']) {
    errs.push(...validateNonnegativeField(num(s[f]), `status.${f}`));
  }
  return errs;
}

export const podDisruptionBudgetDef: ResourceDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  subresources: { status: true },
  storageResource: 'poddisruptionbudgets',
  generation: true,
  prepareForCreate(obj) {
    resetStatus(obj, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    return validateSpec(isObj(obj.spec) ? obj.spec : {});
  },
  table: {
    columns: [
      nameCol(),
      col('Min Available', 'string', 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
      ageCol(),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const fmt = (v: unknown) => (isSet(v) ? String(v) : 'N/A');
      return [obj.metadata?.name ?? '', fmt(spec.minAvailable), fmt(spec.maxUnavailable), num(obj.status?.disruptionsAllowed), ageOf(obj, now)];
    },
  },
};
