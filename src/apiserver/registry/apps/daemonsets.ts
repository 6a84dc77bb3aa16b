// apps/v1 DaemonSet: defaults (RollingUpdate maxUnavailable 1 / maxSurge 0, history limit,
// pod template), validation (selector vs template labels, update strategy, immutable
// selector), strategies, status subresource and Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateImmutableSelector, validateImmutableField, validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/validation.js';
import {
  ageCol, ageOf, col, containersCol, defaultPodTemplate, ensureObj, formatLabels, formatSelector, imagesCol, intOrPercentValue,
  isNotMoreThan100Percent, isObj, keepOldStatus, statusOnlyUpdate, nameCol, num, resetStatus, selectorIsEmpty, templateCells,
  validateCollisionCountUpdate, validatePositiveIntOrPercent, validateReplicatedTemplate,
} from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

function defaults(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  const us = ensureObj(spec, 'updateStrategy');
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = ensureObj(us, 'rollingUpdate');
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = 0;
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(ensureObj(spec, 'template'));
}

function validateUpdateStrategy(us: KObject | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = isObj(us) ? us : {};
  switch (s.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!isObj(ru)) return [fieldErr.required(`${path}.rollingUpdate`, '')];
      const rp = `${path}.rollingUpdate`;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${rp}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${rp}.maxSurge`));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${rp}.maxUnavailable`));
      errs.push(...isNotMoreThan100Percent(ru.maxSurge, `${rp}.maxSurge`));
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) {
        errs.push(fieldErr.invalid(`${rp}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      } else if (!hasUnavailable && !hasSurge) {
        errs.push(fieldErr.required(`${rp}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      }
      break;
    }
    default:
      errs.push(fieldErr.notSupported(path, s, ['RollingUpdate', 'OnDelete']));
  }
  return errs;
}

function validateSpec(spec: KObject, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(isObj(spec.selector) ? (spec.selector as any) : null, `${path}.selector`));
  const template = isObj(spec.template) ? spec.template : {};
  // validateReplicatedTemplate covers labels vs selector, the pod spec, restartPolicy.
  const tErrs = validateReplicatedTemplate(template, spec.selector, `${path}.template`, 'DaemonSet');
  const labelErr = tErrs.findIndex((e) => e.field === `${path}.template.metadata.labels` && e.detail?.startsWith('`selector`'));
  if (labelErr >= 0) errs.push(tErrs.splice(labelErr, 1)[0]);
  if (isObj(spec.selector) && selectorIsEmpty(spec.selector)) {
    errs.push(fieldErr.invalid(`${path}.selector`, spec.selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...tErrs);
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), `${path}.minReadySeconds`));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, `${path}.updateStrategy`));
  if (typeof spec.revisionHistoryLimit === 'number') {
    errs.push(...validateNonnegativeField(spec.revisionHistoryLimit, `${path}.revisionHistoryLimit`));
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) {
    errs.push(...validateNonnegativeField(num(s[f]), `status.${f}`));
  }
  if (typeof s.collisionCount === 'number') errs.push(...validateNonnegativeField(s.collisionCount, 'status.collisionCount'));
  return errs;
}

const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

function setTemplateGeneration(obj: KObject, n: number): void {
  obj.metadata ??= {};
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TEMPLATE_GENERATION]: String(n) };
}

export const daemonSetDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  subresources: { status: true },
  storageResource: 'daemonsets',
  generation: true,
  defaults,
  prepareForCreate(obj) {
    resetStatus(obj, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    setTemplateGeneration(obj, 1);
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
    // the internal spec.templateGeneration, served in v1 as this annotation: +1 on a template change
    const prev = Number(old.metadata?.annotations?.[TEMPLATE_GENERATION]) || 1;
    setTemplateGeneration(obj, JSON.stringify(obj.spec?.template) !== JSON.stringify(old.spec?.template) ? prev + 1 : prev);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    return validateSpec(isObj(obj.spec) ? obj.spec : {});
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateCollisionCountUpdate(obj, old);
    return validateImmutableSelector(obj.spec?.selector, old.spec?.selector, 'spec.selector');
  },
  table: {
    columns: [
      nameCol(),
      col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
      col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
      col('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
      ageCol(),
      containersCol(),
      imagesCol(),
      col('Selector', 'string', "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ],
    cells(obj, now) {
      const st = obj.status ?? {};
      const [containers, images] = templateCells(obj.spec?.template);
      return [
        obj.metadata?.name ?? '',
        num(st.desiredNumberScheduled),
        num(st.currentNumberScheduled),
        num(st.numberReady),
        num(st.updatedNumberScheduled),
        num(st.numberAvailable),
        formatLabels(obj.spec?.template?.spec?.nodeSelector),
        ageOf(obj, now),
        containers,
        images,
        formatSelector(obj.spec?.selector),
      ];
    },
  },
};
