// batch/v1 Job: defaults (completions/parallelism, backoffLimit, completionMode, suspend,
// manualSelector, podReplacementPolicy, labels from the template), the generated
// controller-uid selector and job-name labels, validation (restartPolicy, selector,
// indexed jobs, immutable fields), strategies, status subresource, the status.successful
// field selector and Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { humanDuration } from '../../../apimachinery/duration.js';
import { isDNS1123Label, validateImmutableField, validateLabelSelector, validateNonnegativeField , validateImmutableSelector } from '../../../apimachinery/validation.js';
import {
  ageCol, ageOf, clone, col, containersCol, defaultPodTemplate, ensureObj, formatSelector, hasTrueCondition, imagesCol, isObj,
  keepOldStatus, statusOnlyUpdate, nameCol, num, resetStatus, selectorMatches, semanticEqual, templateCells, validatePodTemplate,
} from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

export const LegacyJobNameLabel = 'job-name';
export const LegacyControllerUidLabel = 'controller-uid';
export const JobNameLabel = 'batch.kubernetes.io/job-name';
export const ControllerUidLabel = 'batch.kubernetes.io/controller-uid';

const MaxParallelismForIndexedJob = 100000;
const MaxInt32 = 2147483647;

const isSet = (v: unknown) => v !== undefined && v !== null;

/** A job without labels of its own takes its pod template's labels. */
function copyTemplateLabels(obj: KObject): void {
  const labels = obj.spec?.template?.metadata?.labels;
  const meta = ensureObj(obj, 'metadata');
  if (isObj(labels) && !(isObj(meta.labels) && Object.keys(meta.labels).length > 0)) meta.labels = clone(labels);
}

/** SetDefaults_Job. */
export function defaultJob(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (!isSet(spec.parallelism)) spec.parallelism = 1;
  if (!isSet(spec.backoffLimit)) spec.backoffLimit = isSet(spec.backoffLimitPerIndex) ? MaxInt32 : 6;
  const template = ensureObj(spec, 'template');
  copyTemplateLabels(obj);
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  if (!isSet(spec.suspend)) spec.suspend = false;
  if (isObj(spec.podFailurePolicy)) {
    for (const rule of Array.isArray(spec.podFailurePolicy.rules) ? spec.podFailurePolicy.rules : []) {
      for (const pattern of Array.isArray(rule?.onPodConditions) ? rule.onPodConditions : []) {
        if (isObj(pattern) && !pattern.status) pattern.status = 'True';
      }
    }
  }
  if (!spec.podReplacementPolicy) spec.podReplacementPolicy = isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (!isSet(spec.manualSelector)) spec.manualSelector = false;
  defaultPodTemplate(template);
}

/**
 * Adds the generated selector (controller-uid) and the job-name / controller-uid labels to
 * the pod template, unless the job asks for a manual selector. Needs metadata.uid.
 */
export function generateJobSelector(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  if (spec.manualSelector === true) return;
  const uid = obj.metadata?.uid;
  if (!uid) return;
  const name = obj.metadata?.name ?? '';
  const template = ensureObj(spec, 'template');
  const tmeta = ensureObj(template, 'metadata');
  const labels = ensureObj(tmeta, 'labels');
  for (const k of [LegacyJobNameLabel, JobNameLabel]) if (!(k in labels)) labels[k] = name;
  for (const k of [LegacyControllerUidLabel, ControllerUidLabel]) if (!(k in labels)) labels[k] = uid;
  const sel = ensureObj(spec, 'selector');
  const ml = ensureObj(sel, 'matchLabels');
  if (!(ControllerUidLabel in ml)) ml[ControllerUidLabel] = uid;
  // A job still without labels gets the generated ones (upstream's defaulting on read-back).
  copyTemplateLabels(obj);
}

function validateHasLabel(labels: Record<string, string> | undefined, path: string, key: string, expected: string): FieldError[] {
  const l = isObj(labels) ? labels : {};
  if (!(key in l)) return [fieldErr.required(`${path}.labels[${key}]`, expected)];
  if (l[key] !== expected) return [fieldErr.invalid(`${path}.labels[${key}]`, l, expected)];
  return [];
}

function validateGeneratedSelector(obj: KObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (spec.manualSelector === true) return [];
  if (!isObj(spec.selector)) return []; // reported by the spec validation
  const errs: FieldError[] = [];
  const uid = String(obj.metadata?.uid ?? '');
  const name = String(obj.metadata?.name ?? '');
  if (!uid) errs.push(fieldErr.required('metadata.uid', ''));
  const labels = spec.template?.metadata?.labels;
  const p = 'spec.template.metadata';
  errs.push(...validateHasLabel(labels, p, LegacyControllerUidLabel, uid));
  errs.push(...validateHasLabel(labels, p, LegacyJobNameLabel, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...validateHasLabel(labels, p, ControllerUidLabel, uid));
    errs.push(...validateHasLabel(labels, p, JobNameLabel, name));
    expected[ControllerUidLabel] = uid;
    expected[JobNameLabel] = name;
  }
  expected[LegacyControllerUidLabel] = uid;
  expected[LegacyJobNameLabel] = name;
  if (!selectorMatches(spec.selector, expected)) {
    errs.push(fieldErr.invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  }
  return errs;
}

/** validateJobSpec: the checks shared by jobs and cron job templates. */
export function validateJobSpecCommon(spec: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    if (typeof spec[f] === 'number') errs.push(...validateNonnegativeField(spec[f], `${path}.${f}`));
  }
  const indexed = spec.completionMode === 'Indexed';
  if (isSet(spec.backoffLimitPerIndex)) {
    errs.push(...validateNonnegativeField(num(spec.backoffLimitPerIndex), `${path}.backoffLimitPerIndex`));
  }
  if (isSet(spec.maxFailedIndexes)) {
    errs.push(...validateNonnegativeField(num(spec.maxFailedIndexes), `${path}.maxFailedIndexes`));
    if (!isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (isSet(spec.completionMode)) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(fieldErr.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (indexed) {
      if (!isSet(spec.completions)) errs.push(fieldErr.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (typeof spec.parallelism === 'number' && spec.parallelism > MaxParallelismForIndexedJob) {
        errs.push(fieldErr.invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MaxParallelismForIndexedJob} when completion mode is Indexed`));
      }
    }
  }
  if (!indexed) {
    if (isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (isSet(spec.maxFailedIndexes)) errs.push(fieldErr.invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (isSet(spec.podReplacementPolicy)) {
    if (isObj(spec.podFailurePolicy)) {
      if (spec.podReplacementPolicy !== 'Failed') errs.push(fieldErr.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']));
    } else if (spec.podReplacementPolicy !== 'Failed' && spec.podReplacementPolicy !== 'TerminatingOrFailed') {
      errs.push(fieldErr.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplate(spec.template, `${path}.template`));
  const rp = spec.template?.spec?.restartPolicy ?? '';
  if (rp === 'Always' || rp === '') {
    errs.push(fieldErr.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  } else if (rp !== 'OnFailure' && rp !== 'Never') {
    errs.push(fieldErr.notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
  } else if (isObj(spec.podFailurePolicy) && rp !== 'Never') {
    errs.push(fieldErr.invalid(`${path}.template.spec.restartPolicy`, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** ValidateJobSpec: the common checks plus the required, matching selector. */
function validateJobSpec(spec: KObject, path = 'spec'): FieldError[] {
  const errs = validateJobSpecCommon(spec, path);
  if (!isObj(spec.selector)) errs.push(fieldErr.required(`${path}.selector`, ''));
  else errs.push(...validateLabelSelector(spec.selector as any, `${path}.selector`));
  const labels = spec.template?.metadata?.labels;
  if (!isObj(spec.selector) || !selectorMatches(spec.selector, labels)) {
    errs.push(fieldErr.invalid(`${path}.template.metadata.labels`, labels ?? null, '`selector` does not match template `labels`'));
  }
  return errs;
}

function validateJob(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const errs = validateJobSpec(spec);
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    const name = String(obj.metadata?.name ?? '');
    const host = `${name}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length) {
      errs.push(fieldErr.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${host}`));
    }
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  const s = isObj(status) ? status : {};
  const errs: FieldError[] = [];
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) {
    if (typeof s[f] === 'number') errs.push(...validateNonnegativeField(s[f], `status.${f}`));
  }
  return errs;
}

function validateJobUpdate(obj: KObject, old: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const oldSel = old.spec?.selector?.matchLabels;
  const requirePrefixed = !(isObj(oldSel) && !(ControllerUidLabel in oldSel) && LegacyControllerUidLabel in oldSel);
  errs.push(...validateGeneratedSelector(obj, requirePrefixed));
  // completions: immutable, except for indexed jobs changed together with parallelism
  if (spec.completionMode !== 'Indexed') {
    errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
  } else if (!semanticEqual(spec.completions, oldSpec.completions) && isSet(spec.completions) && spec.completions !== spec.parallelism) {
    errs.push(fieldErr.invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...validateImmutableSelector(spec.selector, oldSpec.selector, 'spec.selector'));
  // template: immutable, except scheduling directives of a suspended job that never started
  let oldTemplate = oldSpec.template;
  const template = spec.template;
  if (oldSpec.suspend === true && !old.status?.startTime && isObj(oldTemplate) && isObj(template)) {
    oldTemplate = clone(oldTemplate);
    const ot = oldTemplate as KObject;
    const os = ensureObj(ot, 'spec');
    const ns = isObj(template.spec) ? template.spec : {};
    if (!isObj(ns.affinity) && isObj(os.affinity)) {
      delete os.affinity.nodeAffinity;
      if (Object.keys(os.affinity).length === 0) delete os.affinity;
    } else if (isObj(ns.affinity) && !isObj(os.affinity)) {
      os.affinity = isSet(ns.affinity.nodeAffinity) ? { nodeAffinity: ns.affinity.nodeAffinity } : {};
    } else if (isObj(ns.affinity) && isObj(os.affinity)) {
      os.affinity.nodeAffinity = ns.affinity.nodeAffinity;
    }
    os.nodeSelector = ns.nodeSelector;
    os.tolerations = ns.tolerations;
    os.schedulingGates = ns.schedulingGates;
    const om = ensureObj(ot, 'metadata');
    om.annotations = template.metadata?.annotations;
    om.labels = template.metadata?.labels;
  }
  errs.push(...validateImmutableField(template, oldTemplate, 'spec.template'));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutableField(spec[f], oldSpec[f], `spec.${f}`));
  }
  return errs;
}

/** The STATUS cell of a job. */
export function jobStatus(obj: KObject): string {
  if (hasTrueCondition(obj, 'Complete')) return 'Complete';
  if (hasTrueCondition(obj, 'Failed')) return 'Failed';
  if (obj.metadata?.deletionTimestamp) return 'Terminating';
  if (hasTrueCondition(obj, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(obj, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobDef: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  subresources: { status: true },
  storageResource: 'jobs',
  generation: true,
  defaults: defaultJob,
  prepareForCreate(obj) {
    resetStatus(obj);
    // (runs before defaults: first the label copy upstream's decoding does, then the selector)
    copyTemplateLabels(obj);
    generateJobSelector(obj);
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    if (ctx.operation === 'create') {
      // As upstream, the selector is generated here at the latest (the uid must be known).
      generateJobSelector(obj);
      return [...validateGeneratedSelector(obj, true), ...validateJob(obj)];
    }
    return validateJob(obj);
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateJobUpdate(obj, old);
  },
  selectableFields(obj) {
    return { 'status.successful': String(num(obj.status?.succeeded)) };
  },
  table: {
    columns: [
      nameCol(),
      col('Status', 'string', 'Status of the job.'),
      col('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
      col('Duration', 'string', 'Time required to complete the job.'),
      ageCol(),
      containersCol(),
      imagesCol(),
      col('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const st = obj.status ?? {};
      const succeeded = num(st.succeeded);
      let completions: string;
      if (isSet(spec.completions)) completions = `${succeeded}/${num(spec.completions)}`;
      else if (num(spec.parallelism) > 1) completions = `${succeeded}/1 of ${num(spec.parallelism)}`;
      else completions = `${succeeded}/1`;
      let duration = '';
      const start = st.startTime ? Date.parse(st.startTime) : NaN;
      if (!Number.isNaN(start)) {
        const end = st.completionTime ? Date.parse(st.completionTime) : NaN;
        duration = humanDuration((Number.isNaN(end) ? now : end) - start);
      }
      const [containers, images] = templateCells(spec.template);
      return [obj.metadata?.name ?? '', jobStatus(obj), completions, duration, ageOf(obj, now), containers, images, formatSelector(spec.selector)];
    },
  },
};
