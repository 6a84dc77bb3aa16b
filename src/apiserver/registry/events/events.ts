// events.k8s.io/v1 Event: served from the core/v1 event storage ('events'), converting
// between the two shapes (regarding/note/reportingController/deprecated* ↔
// involvedObject/message/reportingComponent/source/firstTimestamp/...), with the strict
// events.k8s.io validation on top of the legacy rules, and the core event Table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateImmutableField } from '../../../apimachinery/validation.js';
import { events as coreEventDef, eventTTL, validateEvent } from '../core/events.js';
import { clone, isObj, semanticEqual } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** events.k8s.io/v1 → core/v1 (the stored form). */
export function eventToCore(ev: KObject): KObject {
  const out: KObject = { apiVersion: 'v1', kind: 'Event' };
  if (ev.metadata !== undefined) out.metadata = clone(ev.metadata);
  out.involvedObject = isObj(ev.regarding) ? clone(ev.regarding) : {};
  if (isSet(ev.reason)) out.reason = ev.reason;
  if (isSet(ev.note)) out.message = ev.note;
  out.source = isObj(ev.deprecatedSource) ? clone(ev.deprecatedSource) : {};
  out.firstTimestamp = isSet(ev.deprecatedFirstTimestamp) ? ev.deprecatedFirstTimestamp : null;
  out.lastTimestamp = isSet(ev.deprecatedLastTimestamp) ? ev.deprecatedLastTimestamp : null;
  if (typeof ev.deprecatedCount === 'number' && ev.deprecatedCount !== 0) out.count = ev.deprecatedCount;
  if (isSet(ev.type)) out.type = ev.type;
  out.eventTime = isSet(ev.eventTime) ? ev.eventTime : null;
  if (isObj(ev.series)) out.series = clone(ev.series);
  if (isSet(ev.action)) out.action = ev.action;
  if (isObj(ev.related)) out.related = clone(ev.related);
  out.reportingComponent = typeof ev.reportingController === 'string' ? ev.reportingController : '';
  out.reportingInstance = typeof ev.reportingInstance === 'string' ? ev.reportingInstance : '';
  return out;
}

/** core/v1 (the stored form) → events.k8s.io/v1. */
export function eventFromCore(ev: KObject): KObject {
  const out: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  if (ev.metadata !== undefined) out.metadata = clone(ev.metadata);
  out.eventTime = isSet(ev.eventTime) ? ev.eventTime : null;
  if (isObj(ev.series)) out.series = clone(ev.series);
  if (isSet(ev.reportingComponent)) out.reportingController = ev.reportingComponent;
  if (isSet(ev.reportingInstance)) out.reportingInstance = ev.reportingInstance;
  if (isSet(ev.action)) out.action = ev.action;
  if (isSet(ev.reason)) out.reason = ev.reason;
  out.regarding = isObj(ev.involvedObject) ? clone(ev.involvedObject) : {};
  if (isObj(ev.related)) out.related = clone(ev.related);
  if (isSet(ev.message)) out.note = ev.message;
  if (isSet(ev.type)) out.type = ev.type;
  out.deprecatedSource = isObj(ev.source) ? clone(ev.source) : {};
  out.deprecatedFirstTimestamp = isSet(ev.firstTimestamp) ? ev.firstTimestamp : null;
  out.deprecatedLastTimestamp = isSet(ev.lastTimestamp) ? ev.lastTimestamp : null;
  if (typeof ev.count === 'number' && ev.count !== 0) out.deprecatedCount = ev.count;
  return out;
}

/** Accepts either shape (callers may hand over the stored form). */
function asCore(ev: KObject): KObject {
  const looksCore = ev.apiVersion === 'v1' || (ev.involvedObject !== undefined && ev.regarding === undefined);
  return looksCore ? ev : eventToCore(ev);
}

function validateSeries(core: KObject): FieldError[] {
  if (!isObj(core.series)) return [];
  const errs: FieldError[] = [];
  if (typeof core.series.count !== 'number' || core.series.count < 2) errs.push(fieldErr.invalid('series.count', '', 'should be at least 2'));
  if (!isSet(core.series.lastObservedTime)) errs.push(fieldErr.required('series.lastObservedTime', ''));
  return errs;
}

/** ValidateEventCreate for events.k8s.io/v1: the legacy rules plus the strict ones. */
export function validateEventsV1Create(ev: KObject): FieldError[] {
  const core = asCore(ev);
  const errs = validateEvent(core);
  errs.push(...validateSeries(core));
  if (!isSet(core.eventTime)) errs.push(fieldErr.required('eventTime', ''));
  if (core.type !== 'Normal' && core.type !== 'Warning') errs.push(fieldErr.invalid('type', '', `has invalid value: ${core.type ?? ''}`));
  if (isSet(core.firstTimestamp)) errs.push(fieldErr.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (isSet(core.lastTimestamp)) errs.push(fieldErr.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (typeof core.count === 'number' && core.count !== 0) errs.push(fieldErr.invalid('deprecatedCount', '', 'needs to be unset'));
  if (isSet(core.source?.component) || isSet(core.source?.host)) errs.push(fieldErr.invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

/** ValidateEventUpdate for events.k8s.io/v1. */
export function validateEventsV1Update(ev: KObject, old: KObject): FieldError[] {
  const core = asCore(ev);
  const oc = asCore(old);
  const errs: FieldError[] = [];
  if (!semanticEqual(core.series, oc.series)) errs.push(...validateSeries(core));
  errs.push(...validateImmutableField(core.involvedObject, oc.involvedObject, 'involvedObject'));
  errs.push(...validateImmutableField(core.reason, oc.reason, 'reason'));
  errs.push(...validateImmutableField(core.message, oc.message, 'message'));
  errs.push(...validateImmutableField(core.source, oc.source, 'source'));
  errs.push(...validateImmutableField(core.firstTimestamp, oc.firstTimestamp, 'firstTimestamp'));
  errs.push(...validateImmutableField(core.lastTimestamp, oc.lastTimestamp, 'lastTimestamp'));
  errs.push(...validateImmutableField(core.count, oc.count, 'count'));
  errs.push(...validateImmutableField(core.type, oc.type, 'type'));
  const t = (v: unknown) => (typeof v === 'string' ? Math.floor(Date.parse(v) * 1000) : NaN);
  const a = t(core.eventTime);
  const b = t(oc.eventTime);
  if (!(Number.isNaN(a) && Number.isNaN(b)) && a !== b) {
    errs.push(fieldErr.invalid('eventTime', core.eventTime ?? null, 'field is immutable'));
  }
  return errs;
}

export const eventsV1Def: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  storageResource: 'events',
  toStorage: eventToCore,
  fromStorage: eventFromCore,
  defaults(ev) {
    if (!isObj(ev.regarding)) ev.regarding = {};
    if (!isObj(ev.deprecatedSource)) ev.deprecatedSource = {};
    for (const f of ['eventTime', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp']) {
      if (ev[f] === undefined || ev[f] === '') ev[f] = null;
    }
  },
  validate(ev, ctx) {
    if (ctx.operation === 'create') return validateEventsV1Create(ev);
    return validateEvent(asCore(ev));
  },
  validateUpdate(ev, old) {
    return validateEventsV1Update(ev, old);
  },
  selectableFields(ev) {
    const core = asCore(ev);
    const io = isObj(core.involvedObject) ? core.involvedObject : {};
    const s = (v: unknown) => (typeof v === 'string' ? v : '');
    return {
      'regarding.kind': s(io.kind),
      'regarding.namespace': s(io.namespace),
      'regarding.name': s(io.name),
      'regarding.uid': s(io.uid),
      'regarding.apiVersion': s(io.apiVersion),
      'regarding.resourceVersion': s(io.resourceVersion),
      'regarding.fieldPath': s(io.fieldPath),
      reason: s(core.reason),
      reportingController: s(core.reportingComponent),
      type: s(core.type),
    };
  },
  table: {
    columns: coreEventDef.table!.columns,
    cells: (ev, now) => coreEventDef.table!.cells(asCore(ev), now),
  },
  ttlSeconds: () => eventTTL(),
};
