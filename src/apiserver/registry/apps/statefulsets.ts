// apps/v1 StatefulSet: defaults (OrderedReady, RollingUpdate partition 0, PVC retention
// Retain/Retain, replicas, history limit, claim templates), validation (policies, selector
// vs template labels, the fields an update may change), strategies, status/scale
// subresources and Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateAnnotations, validateLabels, validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/validation.js';
import {
  ageCol, ageOf, arr, clone, col, containersCol, defaultPodTemplate, ensureObj, imagesCol, intOrPercentValue, isNotMoreThan100Percent,
  isObj, keepOldStatus, statusOnlyUpdate, nameCol, num, resetStatus, selectorIsEmpty, selectorMatches, selectorString, semanticEqual,
  templateCells, validateCollisionCountUpdate, validatePositiveIntOrPercent,
} from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

function defaults(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const us = ensureObj(spec, 'updateStrategy');
  if (!us.type) {
    us.type = 'RollingUpdate';
    if (!isObj(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isObj(us.rollingUpdate)) {
    if (us.rollingUpdate.partition === undefined || us.rollingUpdate.partition === null) us.rollingUpdate.partition = 0;
  }
  const pol = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!pol.whenDeleted) pol.whenDeleted = 'Retain';
  if (!pol.whenScaled) pol.whenScaled = 'Retain';
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(ensureObj(spec, 'template'));
  for (const pvc of arr(spec.volumeClaimTemplates)) {
    if (!isObj(pvc)) continue;
    if (!pvc.apiVersion) pvc.apiVersion = 'v1';
    if (!pvc.kind) pvc.kind = 'PersistentVolumeClaim';
    const ps = ensureObj(pvc, 'spec');
    if (!ps.volumeMode) ps.volumeMode = 'Filesystem';
    const st = ensureObj(pvc, 'status');
    if (!st.phase) st.phase = 'Pending';
  }
}

function validateSpec(spec: KObject, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  switch (spec.podManagementPolicy ?? '') {
    case '':
      errs.push(fieldErr.required(`${path}.podManagementPolicy`, ''));
      break;
    case 'OrderedReady':
    case 'Parallel':
      break;
    default:
      errs.push(fieldErr.invalid(`${path}.podManagementPolicy`, spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  switch (us.type ?? '') {
    case '':
      errs.push(fieldErr.required(`${path}.updateStrategy`, ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) {
        errs.push(fieldErr.invalid(`${path}.updateStrategy.rollingUpdate`, us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate':
      if (isObj(us.rollingUpdate)) {
        const rp = `${path}.updateStrategy.rollingUpdate`;
        if (typeof us.rollingUpdate.partition === 'number') errs.push(...validateNonnegativeField(us.rollingUpdate.partition, `${rp}.partition`));
        const mu = us.rollingUpdate.maxUnavailable;
        if (mu !== undefined && mu !== null) {
          errs.push(...validatePositiveIntOrPercent(mu, `${rp}.maxUnavailable`));
          if (intOrPercentValue(mu) === 0) errs.push(fieldErr.invalid(`${rp}.maxUnavailable`, mu, 'cannot be 0'));
          errs.push(...isNotMoreThan100Percent(mu, `${rp}.maxUnavailable`));
        }
      }
      break;
    default:
      errs.push(fieldErr.invalid(`${path}.updateStrategy`, us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const pol = spec.persistentVolumeClaimRetentionPolicy;
  if (isObj(pol)) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      if (pol[f] !== 'Retain' && pol[f] !== 'Delete') {
        errs.push(fieldErr.notSupported(`${path}.persistentVolumeClaimRetentionPolicy.${f}`, pol[f] ?? '', ['Retain', 'Delete']));
      }
    }
  }
  errs.push(...validateNonnegativeField(num(spec.replicas), `${path}.replicas`));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), `${path}.minReadySeconds`));
  if (isObj(spec.ordinals)) errs.push(...validateNonnegativeField(num(spec.ordinals.start), `${path}.ordinals.start`));
  if (!isObj(spec.selector)) {
    errs.push(fieldErr.required(`${path}.selector`, ''));
  } else {
    errs.push(...validateLabelSelector(spec.selector as any, `${path}.selector`));
    if (selectorIsEmpty(spec.selector)) errs.push(fieldErr.invalid(`${path}.selector`, spec.selector, 'empty selector is invalid for statefulset'));
  }
  const template = isObj(spec.template) ? spec.template : {};
  const labels = template.metadata?.labels;
  if (!isObj(spec.selector) || (!selectorIsEmpty(spec.selector) && !selectorMatches(spec.selector, labels))) {
    errs.push(fieldErr.invalid(`${path}.template.metadata.labels`, labels ?? null, '`selector` does not match template `labels`'));
  }
  // (upstream validates only the template's labels and annotations here, at these paths,
  // not the pod spec: pods that fail validation surface as controller events)
  const tmeta = isObj(template.metadata) ? template.metadata : {};
  errs.push(...validateLabels(tmeta.labels, `${path}.template.labels`));
  errs.push(...validateAnnotations(tmeta.annotations, `${path}.template.annotations`));
  const ps = isObj(template.spec) ? template.spec : {};
  if (ps.restartPolicy !== 'Always') {
    errs.push(fieldErr.notSupported(`${path}.template.spec.restartPolicy`, ps.restartPolicy ?? '', ['Always']));
  }
  if (ps.activeDeadlineSeconds !== undefined && ps.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.forbidden(`${path}.template.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...validateNonnegativeField(num(s[f]), `status.${f}`));
  }
  if (typeof s.collisionCount === 'number') errs.push(...validateNonnegativeField(s.collisionCount, 'status.collisionCount'));
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    if (num(s[f]) > num(s.replicas)) errs.push(fieldErr.invalid(`status.${f}`, num(s[f]), msg));
  }
  if (num(s.availableReplicas) > num(s.readyReplicas)) {
    errs.push(fieldErr.invalid('status.availableReplicas', num(s.availableReplicas), 'cannot be greater than status.readyReplicas'));
  }
  return errs;
}

/** Spec fields an update may change. */
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export const statefulSetDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  nameRule: 'label',
  shortNames: ['sts'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      selector: (obj) => selectorString(obj.spec?.selector),
    },
  },
  storageResource: 'statefulsets',
  generation: true,
  defaults,
  prepareForCreate(obj) {
    resetStatus(obj, { replicas: 0, availableReplicas: 0 });
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
    if (ctx.subresource === 'status') return validateCollisionCountUpdate(obj, old);
    const a = clone(isObj(obj.spec) ? obj.spec : {});
    const b = clone(isObj(old.spec) ? old.spec : {});
    for (const f of MUTABLE) {
      delete a[f];
      delete b[f];
    }
    if (!semanticEqual(a, b)) {
      return [fieldErr.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
    }
    return [];
  },
  table: {
    columns: [nameCol(), col('Ready', 'string', 'Number of the pod with ready state'), ageCol(), containersCol(), imagesCol()],
    cells(obj, now) {
      const [containers, images] = templateCells(obj.spec?.template);
      return [obj.metadata?.name ?? '', `${num(obj.status?.readyReplicas)}/${num(obj.spec?.replicas)}`, ageOf(obj, now), containers, images];
    },
  },
};
