// batch/v1 CronJob: defaults (concurrencyPolicy, suspend, history limits, the job
// template's pod spec), validation (cron schedule and time zone, job template, name
// length), strategies, status subresource and Table columns.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateNonnegativeField } from '../../../apimachinery/validation.js';
import {
  ageCol, ageOf, arr, col, containersCol, defaultPodTemplate, ensureObj, formatSelector, imagesCol, isObj, 
  keepOldStatus, statusOnlyUpdate, nameCol, resetStatus, templateCells,
} from '../groups-common.js';
import { validateJobSpecCommon } from './jobs.js';
import type { KObject, ResourceDef } from '../types.js';

// ---------------------------------------------------------------------------------------
// cron schedules (the standard 5-field format and the @descriptors)
// ---------------------------------------------------------------------------------------

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1, max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

function parseUint(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = parseInt(expr, 10);
  if (n > 2147483647 || n < -2147483648) {
    throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  }
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  if (names) {
    const v = names[expr.toLowerCase()];
    if (v !== undefined) return v;
  }
  return parseUint(expr);
}

function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseUint(rangeAndStep[1]);
    if (single) end = b.max;
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
}

function checkField(field: string, b: Bounds): void {
  for (const r of field.split(',').filter((x) => x !== '')) checkRange(r, b);
}

const GO_DURATION = /^[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** Validity of a timezone name as Go's time.LoadLocation sees it (approximated with Intl). */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === '') return true;
  if (/^[+-]/.test(tz) || /^[+-]?\d/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses a schedule like robfig/cron's ParseStandard; returns the error text or ''. */
export function cronScheduleError(schedule: string): string {
  try {
    let spec = schedule;
    if (spec.length === 0) return 'empty spec string';
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const i = spec.indexOf(' ');
      const eq = spec.indexOf('=');
      const loc = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
      if (!isKnownTimeZone(loc)) return `provided bad location ${loc}: unknown time zone ${loc}`;
      spec = i < 0 ? '' : spec.slice(i).trim();
    }
    if (spec.startsWith('@')) {
      switch (spec) {
        case '@yearly': case '@annually': case '@monthly': case '@weekly': case '@daily': case '@midnight': case '@hourly':
          return '';
      }
      if (spec.startsWith('@every ')) {
        const d = spec.slice('@every '.length);
        if (d === '0' || GO_DURATION.test(d)) return '';
        return `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`;
      }
      return `unrecognized descriptor: ${spec}`;
    }
    const fields = spec.split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
    checkField(fields[0], MINUTES);
    checkField(fields[1], HOURS);
    checkField(fields[2], DOM);
    checkField(fields[3], MONTHS);
    checkField(fields[4], DOW);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const s = String(tz);
  if (s.length === 0) return [fieldErr.invalid(path, s, 'timeZone must be nil or non-empty string')];
  for (const part of s.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return [fieldErr.invalid(path, s, `unknown time zone ${s}`)];
    }
  }
  const errs: FieldError[] = [];
  if (s.toLowerCase() === 'local') errs.push(fieldErr.invalid(path, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownTimeZone(s)) errs.push(fieldErr.invalid(path, s, `unknown time zone ${s}`));
  return errs;
}

// ---------------------------------------------------------------------------------------
// the resource
// ---------------------------------------------------------------------------------------

function defaults(obj: KObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (spec.suspend === undefined || spec.suspend === null) spec.suspend = false;
  if (spec.successfulJobsHistoryLimit === undefined || spec.successfulJobsHistoryLimit === null) spec.successfulJobsHistoryLimit = 3;
  if (spec.failedJobsHistoryLimit === undefined || spec.failedJobsHistoryLimit === null) spec.failedJobsHistoryLimit = 1;
  const jt = ensureObj(spec, 'jobTemplate');
  const js = ensureObj(jt, 'spec');
  defaultPodTemplate(ensureObj(js, 'template'));
}

function validateSpec(obj: KObject, old?: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const oldSpec = old && isObj(old.spec) ? old.spec : undefined;
  const errs: FieldError[] = [];
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  if (schedule.length === 0) {
    errs.push(fieldErr.required('spec.schedule', ''));
  } else {
    const msg = cronScheduleError(schedule);
    if (msg) errs.push(fieldErr.invalid('spec.schedule', schedule, msg));
    const allowTZ = typeof oldSpec?.schedule === 'string' && oldSpec.schedule.includes('TZ');
    if (allowTZ && schedule.includes('TZ') && spec.timeZone !== undefined && spec.timeZone !== null) {
      errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  if (typeof spec.startingDeadlineSeconds === 'number') errs.push(...validateNonnegativeField(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || (oldSpec.timeZone ?? null) !== (spec.timeZone ?? null)) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  switch (spec.concurrencyPolicy ?? '') {
    case 'Allow': case 'Forbid': case 'Replace':
      break;
    case '':
      errs.push(fieldErr.required('spec.concurrencyPolicy', ''));
      break;
    default:
      errs.push(fieldErr.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  // ValidateJobTemplateSpec: the job spec rules; the selector is always generated
  const js = isObj(spec.jobTemplate?.spec) ? spec.jobTemplate.spec : {};
  errs.push(...validateJobSpecCommon(js, 'spec.jobTemplate.spec'));
  if (js.selector !== undefined && js.selector !== null) {
    errs.push(fieldErr.invalid('spec.jobTemplate.spec.selector', js.selector, '`selector` will be auto-generated'));
  }
  if (js.manualSelector === true) {
    errs.push(fieldErr.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  }
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    if (typeof spec[f] === 'number') errs.push(...validateNonnegativeField(spec[f], `spec.${f}`));
  }
  if (!old) {
    // the controller appends an 11-character suffix to job names (at most 63)
    const name = String(obj.metadata?.name ?? '');
    if (name.length > 52) errs.push(fieldErr.invalid('metadata.name', name, 'must be no more than 52 characters'));
  }
  return errs;
}

function validateStatus(status: KObject | undefined): FieldError[] {
  void status;
  return [];
}

export const cronJobDef: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  subresources: { status: true },
  storageResource: 'cronjobs',
  generation: true,
  defaults,
  prepareForCreate(obj) {
    resetStatus(obj);
  },
  prepareForUpdate(obj, old) {
    keepOldStatus(obj, old);
  },
  prepareForStatusUpdate: statusOnlyUpdate,
  validate(obj, ctx) {
    if (ctx.subresource === 'status') return validateStatus(obj.status);
    if (ctx.operation === 'create') return validateSpec(obj);
    return [];
  },
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return [];
    // (the 52-character name rule applies on create only)
    return validateSpec(obj, old);
  },
  table: {
    columns: [
      nameCol(),
      col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
      col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
      col('Active', 'integer', 'A list of pointers to currently running jobs.'),
      col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
      ageCol(),
      containersCol(),
      imagesCol(),
      col('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const st = obj.status ?? {};
      const last = st.lastScheduleTime ? ageOf({ metadata: { creationTimestamp: st.lastScheduleTime } }, now) : '<none>';
      const tz = typeof spec.timeZone === 'string' ? spec.timeZone : '<none>';
      const suspend = spec.suspend === undefined || spec.suspend === null ? '<unset>' : spec.suspend ? 'True' : 'False';
      const js = spec.jobTemplate?.spec ?? {};
      const [containers, images] = templateCells(js.template);
      return [obj.metadata?.name ?? '', spec.schedule ?? '', tz, suspend, arr(st.active).length, last, ageOf(obj, now), containers, images, formatSelector(js.selector)];
    },
  },
};
