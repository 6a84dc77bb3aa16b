// scheduling.k8s.io/v1 PriorityClass: defaults (preemptionPolicy), validation (reserved
// "system-" names, the user-definable maximum, immutable value and preemptionPolicy),
// the two built-in classes the API server creates at start, and the Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateImmutableField } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, col, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

export const SystemPriorityClassPrefix = 'system-';
export const HighestUserDefinablePriority = 1000000000;
export const SystemCriticalPriority = 2 * HighestUserDefinablePriority;

const SYSTEM_CLASSES = [
  {
    name: 'system-node-critical',
    value: SystemCriticalPriority + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: SystemCriticalPriority,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** The system priority classes, as the API server's bootstrap creates them. */
export function builtinPriorityClasses(): KObject[] {
  return SYSTEM_CLASSES.map((c) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: c.name },
    value: c.value,
    globalDefault: false,
    description: c.description,
    preemptionPolicy: 'PreemptLowerPriority',
  }));
}

/** IsKnownSystemPriorityClass: '' when name/value/globalDefault match a system class, else the reason. */
function systemClassError(name: string, value: number, globalDefault: boolean): string {
  const c = SYSTEM_CLASSES.find((x) => x.name === name);
  if (!c) return `${name} is not a known system priority class`;
  if (c.value !== value) return `value of ${c.name} PriorityClass must be ${c.value}`;
  if (globalDefault !== false) return `globalDefault of ${c.name} PriorityClass must be false`;
  return '';
}

function validatePreemptionPolicy(p: unknown, path: string): FieldError[] {
  switch (p) {
    case 'PreemptLowerPriority':
    case 'Never':
      return [];
    case '':
      return [fieldErr.required(path, '')];
    default:
      return [fieldErr.notSupported(path, p, ['PreemptLowerPriority', 'Never'])];
  }
}

export const priorityClassDef: ResourceDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  storageResource: 'priorityclasses',
  defaults(obj) {
    if (obj.value === undefined || obj.value === null) obj.value = 0;
    if (obj.preemptionPolicy === undefined || obj.preemptionPolicy === null) obj.preemptionPolicy = 'PreemptLowerPriority';
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const name = String(obj.metadata?.name ?? '');
    const value = typeof obj.value === 'number' ? obj.value : 0;
    if (name.startsWith(SystemPriorityClassPrefix)) {
      const why = systemClassError(name, value, obj.globalDefault === true);
      if (why) {
        errs.push(fieldErr.forbidden('metadata.name', `priority class names with '${SystemPriorityClassPrefix}' prefix are reserved for system use only. error: ${why}`));
      }
    } else if (value > HighestUserDefinablePriority) {
      errs.push(fieldErr.forbidden('value', `maximum allowed value of a user defined priority is ${HighestUserDefinablePriority}`));
    }
    if (obj.preemptionPolicy !== undefined && obj.preemptionPolicy !== null) {
      errs.push(...validatePreemptionPolicy(obj.preemptionPolicy, 'preemptionPolicy'));
    }
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if ((obj.value ?? 0) !== (old.value ?? 0)) errs.push(fieldErr.forbidden('value', 'may not be changed in an update.'));
    errs.push(...validateImmutableField(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
    return errs;
  },
  table: {
    columns: [
      nameCol(),
      col('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
      col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.'),
      ageCol(),
      col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
    ],
    cells(obj, now) {
      return [
        obj.metadata?.name ?? '',
        typeof obj.value === 'number' ? obj.value : 0,
        obj.globalDefault === true,
        ageOf(obj, now),
        typeof obj.preemptionPolicy === 'string' ? obj.preemptionPolicy : '',
      ];
    },
  },
};
