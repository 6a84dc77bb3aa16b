// core/v1 ReplicationController: defaults (selector and labels from the template, one
// replica, pod template defaults), generation and status strategy, spec and status
// validation, the scale subresource and the kubectl get table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { selectorFromSet } from '../../../apimachinery/labels.js';
import { validateLabels } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, formatLabelSet, nameColumn } from './columns.js';
import { clone, isObj, nonNegative, num, obj, str } from './helpers.js';
import { defaultPodTemplateSpec, podTemplateContainersImages, validatePodTemplateSpec } from './podspec.js';

function defaults(rc: KObject): void {
  if (!isObj(rc.spec)) rc.spec = {};
  const spec = rc.spec;
  const labels = isObj(spec.template) ? obj(obj(spec.template.metadata).labels) : undefined;
  if (isObj(spec.template) && isObj(obj(spec.template.metadata).labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!isObj(rc.metadata)) rc.metadata = {};
    if (!isObj(rc.metadata.labels) || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
  }
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (isObj(spec.template)) defaultPodTemplateSpec(spec.template);
  if (!isObj(rc.status)) rc.status = {};
  if (typeof rc.status.replicas !== 'number') rc.status.replicas = 0;
}

/** ValidateReplicationControllerSpec. */
export function validateRCSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = obj(spec);
  errs.push(...nonNegative(s.minReadySeconds, `${path}.minReadySeconds`));
  const selector = obj(s.selector);
  if (Object.keys(selector).length === 0) errs.push(fieldErr.required(`${path}.selector`, ''));
  else errs.push(...validateLabels(selector, `${path}.selector`));
  errs.push(...nonNegative(s.replicas, `${path}.replicas`));
  const tp = `${path}.template`;
  if (!isObj(s.template)) {
    errs.push(fieldErr.required(tp, ''));
    return errs;
  }
  const tmplLabels = obj(obj(s.template.metadata).labels);
  if (Object.keys(selector).length > 0 && !selectorFromSet(selector).matches(tmplLabels)) {
    errs.push(fieldErr.invalid(`${tp}.metadata.labels`, tmplLabels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(s.template, tp));
  const rp = str(obj(s.template.spec).restartPolicy);
  if (rp !== 'Always') errs.push(fieldErr.notSupported(`${tp}.spec.restartPolicy`, rp, ['Always']));
  const ads = obj(s.template.spec).activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    errs.push(fieldErr.forbidden(`${tp}.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

/** ValidateReplicationControllerStatus. */
export function validateRCStatus(status: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = obj(status);
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...nonNegative(s[f], `${path}.${f}`));
  }
  const replicas = num(s.replicas);
  if (num(s.fullyLabeledReplicas) > replicas) errs.push(fieldErr.invalid(`${path}.fullyLabeledReplicas`, num(s.fullyLabeledReplicas), 'cannot be greater than status.replicas'));
  if (num(s.readyReplicas) > replicas) errs.push(fieldErr.invalid(`${path}.readyReplicas`, num(s.readyReplicas), 'cannot be greater than status.replicas'));
  if (num(s.availableReplicas) > replicas) errs.push(fieldErr.invalid(`${path}.availableReplicas`, num(s.availableReplicas), 'cannot be greater than status.replicas'));
  if (num(s.availableReplicas) > num(s.readyReplicas)) errs.push(fieldErr.invalid(`${path}.availableReplicas`, num(s.availableReplicas), 'cannot be greater than readyReplicas'));
  return errs;
}

export const replicationcontrollers: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: {
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      selector: (rc) => selectorFromSet(obj(obj(rc.spec).selector)).toString(),
    },
  },
  defaults,
  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
  },
  prepareForUpdate(rc, old) {
    rc.status = clone(old.status);
  },
  prepareForStatusUpdate(rc, old) {
    rc.spec = clone(old.spec);
  },
  validate(rc, ctx) {
    if (ctx.subresource === 'status') return validateRCStatus(rc.status, 'status');
    return validateRCSpec(rc.spec, 'spec');
  },
  nameRule: 'subdomain',
  generation: true,
  selectableFields: (rc) => ({ 'status.replicas': String(num(obj(rc.status).replicas)) }),
  table: {
    columns: [
      nameColumn,
      col('Desired', 'integer', docs.rcSpecReplicas),
      col('Current', 'integer', docs.rcStatusReplicas),
      col('Ready', 'integer', docs.rcStatusReadyReplicas),
      ageColumn,
      col('Containers', 'string', 'Names of each container in the template.', 1),
      col('Images', 'string', 'Images referenced by each container in the template.', 1),
      col('Selector', 'string', docs.rcSpecSelector, 1),
    ],
    cells(rc, now) {
      const spec = obj(rc.spec);
      const status = obj(rc.status);
      const [names, images] = podTemplateContainersImages(spec.template);
      return [
        str(obj(rc.metadata).name),
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        ageCell(rc, now),
        names,
        images,
        formatLabelSet(spec.selector),
      ];
    },
  },
};
