// apps/v1 ReplicaSet: defaults (replicas, pod template), validation (selector vs template
// labels, immutable selector), strategies, status/scale subresources, the status.replicas
// field selector and Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateImmutableSelector, validateImmutableField, validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/validation.js';
import {
  ageCol, ageOf, col, containersCol, defaultPodTemplate, ensureObj, formatSelector, imagesCol, isObj, keepOldStatus, statusOnlyUpdate,
  nameCol, num, resetStatus, selectorIsEmpty, selectorString, templateCells, validateReplicatedTemplate,
} from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

function defaults(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  defaultPodTemplate(ensureObj(spec, 'template'));
}

function validateSpec(spec: KObject, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonnegativeField(num(spec.replicas), `${path}.replicas`));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), `${path}.minReadySeconds`));
  if (!isObj(spec.selector)) {
    errs.push(fieldErr.required(`${path}.selector`, ''));
  } else {
    errs.push(...validateLabelSelector(spec.selector as any, `${path}.selector`));
    // (upstream's message says "deployment" here too)
    if (selectorIsEmpty(spec.selector)) errs.push(fieldErr.invalid(`${path}.selector`, spec.selector, 'empty selector is invalid for deployment'));
  }
  errs.push(...validateReplicatedTemplate(spec.template, spec.selector, `${path}.template`));
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...validateNonnegativeField(num(s[f]), `status.${f}`));
  }
  const msg = 'cannot be greater than status.replicas';
  const replicas = num(s.replicas);
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    if (num(s[f]) > replicas) errs.push(fieldErr.invalid(`status.${f}`, num(s[f]), msg));
  }
  if (num(s.availableReplicas) > num(s.readyReplicas)) {
    errs.push(fieldErr.invalid('status.availableReplicas', num(s.availableReplicas), 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export const replicaSetDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      selector: (obj) => selectorString(obj.spec?.selector),
    },
  },
  storageResource: 'replicasets',
  generation: true,
  defaults,
  prepareForCreate(obj) {
    resetStatus(obj, { replicas: 0 });
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    return validateSpec(isObj(obj.spec) ? obj.spec : {});
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateImmutableSelector(obj.spec?.selector, old.spec?.selector, 'spec.selector');
  },
  selectableFields(obj) {
    return { 'status.replicas': String(num(obj.status?.replicas)) };
  },
  table: {
    columns: [
      nameCol(),
      col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
      col('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
      col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
      ageCol(),
      containersCol(),
      imagesCol(),
      col('Selector', 'string', "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ],
    cells(obj, now) {
      const st = obj.status ?? {};
      const [containers, images] = templateCells(obj.spec?.template);
      return [
        obj.metadata?.name ?? '',
        num(obj.spec?.replicas),
        num(st.replicas),
        num(st.readyReplicas),
        ageOf(obj, now),
        containers,
        images,
        formatSelector(obj.spec?.selector),
      ];
    },
  },
};
