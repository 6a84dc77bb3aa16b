// apps/v1 Deployment: defaults (replicas, RollingUpdate 25%/25%, history limit, progress
// deadline, pod template), validation (selector vs template labels, strategy, immutable
// selector), the create/update/status strategies, scale subresource and Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateImmutableSelector, validateImmutableField, validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/validation.js';
import { labelSelectorToString } from '../../../apimachinery/labels.js';
import {
  ageCol, ageOf, clone, col, containersCol, defaultPodTemplate, ensureObj, imagesCol, intOrPercentValue, isNotMoreThan100Percent, isObj,
  keepOldStatus, statusOnlyUpdate, nameCol, num, resetStatus, selectorIsEmpty, selectorString, semanticEqual, templateCells,
  validateCollisionCountUpdate, validatePositiveIntOrPercent, validateReplicatedTemplate,
} from '../groups-common.js';
import type { KObject, ResourceDef, ValidationContext } from '../types.js';

function defaults(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  const strategy = ensureObj(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null) spec.progressDeadlineSeconds = 600;
  defaultPodTemplate(ensureObj(spec, 'template'));
}

function validateStrategy(strategy: KObject | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = isObj(strategy) ? strategy : {};
  switch (s.type) {
    case 'Recreate':
      if (s.rollingUpdate !== undefined && s.rollingUpdate !== null) {
        errs.push(fieldErr.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!isObj(ru)) {
        errs.push(fieldErr.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil'));
        break;
      }
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${path}.rollingUpdate.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(fieldErr.invalid(`${path}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${path}.rollingUpdate.maxUnavailable`));
      break;
    }
    default:
      errs.push(fieldErr.notSupported(path, s, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

/** ValidateDeploymentSpec. */
export function validateDeploymentSpec(spec: KObject, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonnegativeField(num(spec.replicas), `${path}.replicas`));
  if (!isObj(spec.selector)) {
    errs.push(fieldErr.required(`${path}.selector`, ''));
  } else {
    errs.push(...validateLabelSelector(spec.selector as any, `${path}.selector`));
    if (selectorIsEmpty(spec.selector)) errs.push(fieldErr.invalid(`${path}.selector`, spec.selector, 'empty selector is invalid for deployment'));
  }
  let selectorOK = true;
  try {
    if (isObj(spec.selector)) labelSelectorToString(spec.selector);
  } catch {
    selectorOK = false;
    errs.push(fieldErr.invalid(`${path}.selector`, spec.selector, 'invalid label selector'));
  }
  if (selectorOK) errs.push(...validateReplicatedTemplate(spec.template, spec.selector, `${path}.template`));
  errs.push(...validateStrategy(spec.strategy, `${path}.strategy`));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), `${path}.minReadySeconds`));
  if (typeof spec.revisionHistoryLimit === 'number') {
    errs.push(...validateNonnegativeField(spec.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  }
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...validateNonnegativeField(spec.progressDeadlineSeconds, `${path}.progressDeadlineSeconds`));
    if (spec.progressDeadlineSeconds <= num(spec.minReadySeconds)) {
      errs.push(fieldErr.invalid(`${path}.progressDeadlineSeconds`, spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const p = 'status';
  const errs: FieldError[] = [];
  for (const f of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) {
    errs.push(...validateNonnegativeField(num(s[f]), `${p}.${f}`));
  }
  if (typeof s.collisionCount === 'number') errs.push(...validateNonnegativeField(s.collisionCount, `${p}.collisionCount`));
  const msg = 'cannot be greater than status.replicas';
  const replicas = num(s.replicas);
  if (num(s.updatedReplicas) > replicas) errs.push(fieldErr.invalid(`${p}.updatedReplicas`, num(s.updatedReplicas), msg));
  if (num(s.readyReplicas) > replicas) errs.push(fieldErr.invalid(`${p}.readyReplicas`, num(s.readyReplicas), msg));
  if (num(s.availableReplicas) > replicas) errs.push(fieldErr.invalid(`${p}.availableReplicas`, num(s.availableReplicas), msg));
  if (num(s.availableReplicas) > num(s.readyReplicas)) {
    errs.push(fieldErr.invalid(`${p}.availableReplicas`, num(s.availableReplicas), 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export const deploymentDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      selector: (obj) => selectorString(obj.spec?.selector),
    },
  },
  storageResource: 'deployments',
  generation: true,
  defaults,
  prepareForCreate(obj) {
    resetStatus(obj);
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
    // Annotation changes bump the generation too (they are copied to the replica sets).
    const probe = clone(obj);
    defaults(probe);
    if (semanticEqual(probe.spec, old.spec) && !semanticEqual(obj.metadata?.annotations, old.metadata?.annotations)) {
      ensureObj(obj, 'metadata').generation = num(old.metadata?.generation) + 1;
    }
  },
  // Upstream's deploymentStatusStrategy keeps only spec and labels: the deployment controller
  // records the revision annotation through deployments/status (a spec-side update would bump
  // the generation, since annotation changes do).
  prepareForStatusUpdate(obj, old) {
    const annotations = obj.metadata?.annotations;
    statusOnlyUpdate(obj, old);
    if (annotations === undefined) delete ensureObj(obj, 'metadata').annotations;
    else ensureObj(obj, 'metadata').annotations = annotations;
  },
  validate(obj: KObject, ctx: ValidationContext) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    return validateDeploymentSpec(isObj(obj.spec) ? obj.spec : {});
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateCollisionCountUpdate(obj, old);
    return validateImmutableSelector(obj.spec?.selector, old.spec?.selector, 'spec.selector');
  },
  table: {
    columns: [
      nameCol(),
      col('Ready', 'string', 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      ageCol(),
      containersCol(),
      imagesCol(),
      col('Selector', 'string', "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", 1),
    ],
    cells(obj, now) {
      const st = obj.status ?? {};
      const [containers, images] = templateCells(obj.spec?.template);
      return [
        obj.metadata?.name ?? '',
        `${num(st.readyReplicas)}/${num(obj.spec?.replicas)}`,
        num(st.updatedReplicas),
        num(st.availableReplicas),
        ageOf(obj, now),
        containers,
        images,
        selectorString(obj.spec?.selector),
      ];
    },
  },
};
