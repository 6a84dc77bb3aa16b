// core/v1 Event (the stored form events.k8s.io/v1 converts to and from): the always-
// serialized zero fields, legacy event validation, the --event-ttl expiry (setEventTTL),
// upstream's field selectors and the LAST SEEN / TYPE / REASON / OBJECT / MESSAGE table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Subdomain, isQualifiedName } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { col, docs, since } from './columns.js';
import { check, isObj, num, obj, str } from './helpers.js';

let eventTTLSeconds = 3600;

/** Sets the lifetime of stored events (kube-apiserver's --event-ttl, default 1h). */
export function setEventTTL(seconds: number): void {
  eventTTLSeconds = seconds;
}

/** The current event lifetime in seconds. */
export function eventTTL(): number {
  return eventTTLSeconds;
}

function defaults(ev: KObject): void {
  // Fields the Go type always serializes (zero times as null, strings without omitempty).
  if (!isObj(ev.involvedObject)) ev.involvedObject = {};
  if (!isObj(ev.source)) ev.source = {};
  for (const f of ['firstTimestamp', 'lastTimestamp', 'eventTime']) if (ev[f] === undefined || ev[f] === '') ev[f] = null;
  if (typeof ev.reportingComponent !== 'string') ev.reportingComponent = '';
  if (typeof ev.reportingInstance !== 'string') ev.reportingInstance = '';
}

/** Legacy (core/v1) event validation, as upstream's legacyValidateEvent. */
export function validateEvent(ev: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(obj(ev.metadata).namespace);
  const involvedNs = str(obj(ev.involvedObject).namespace);
  if (!ev.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(fieldErr.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(fieldErr.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') {
      errs.push(fieldErr.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
    const rc = str(ev.reportingComponent);
    if (!rc) errs.push(fieldErr.required('reportingComponent', ''));
    errs.push(...check(isQualifiedName(rc), 'reportingComponent', rc));
    const ri = str(ev.reportingInstance);
    if (!ri) errs.push(fieldErr.required('reportingInstance', ''));
    if (ri.length > 128) errs.push(fieldErr.invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = str(ev.action);
    if (!action) errs.push(fieldErr.required('action', ''));
    if (action.length > 128) errs.push(fieldErr.invalid('action', '', 'can have at most 128 characters'));
    const reason = str(ev.reason);
    if (!reason) errs.push(fieldErr.required('reason', ''));
    if (reason.length > 128) errs.push(fieldErr.invalid('reason', '', 'can have at most 128 characters'));
    if (str(ev.message).length > 1024) errs.push(fieldErr.invalid('message', '', 'can have at most 1024 characters'));
  }
  errs.push(...check(isDNS1123Subdomain(ns), 'namespace', ns));
  return errs;
}

/** The OBJECT cell: "kind/name" with the kind lowercased. */
function eventTarget(ev: KObject): string {
  const io = obj(ev.involvedObject);
  const kind = str(io.kind).toLowerCase();
  return str(io.name) ? `${kind}/${str(io.name)}` : kind;
}

/** The SOURCE cell: component (or reporting controller), then ", host" (or instance). */
function eventSource(ev: KObject): string {
  const src = obj(ev.source);
  const component = str(src.component) || str(ev.reportingComponent);
  const instance = str(src.host) || str(ev.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

function eventCells(ev: KObject, now: number): unknown[] {
  const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  let count = num(ev.count);
  if (isObj(ev.series)) {
    last = since(ev.series.lastObservedTime, now);
    count = num(ev.series.count);
  } else if (count === 0) {
    count = 1;
  }
  return [
    last,
    str(ev.type),
    str(ev.reason),
    eventTarget(ev),
    str(obj(ev.involvedObject).fieldPath),
    eventSource(ev),
    str(ev.message).trim(),
    first,
    count,
    str(obj(ev.metadata).name),
  ];
}

export const events: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  defaults,
  validate: (ev) => validateEvent(ev),
  nameRule: 'subdomain',
  selectableFields(ev) {
    const io = obj(ev.involvedObject);
    return {
      'involvedObject.kind': str(io.kind),
      'involvedObject.namespace': str(io.namespace),
      'involvedObject.name': str(io.name),
      'involvedObject.uid': str(io.uid),
      'involvedObject.apiVersion': str(io.apiVersion),
      'involvedObject.resourceVersion': str(io.resourceVersion),
      'involvedObject.fieldPath': str(io.fieldPath),
      reason: str(ev.reason),
      reportingComponent: str(ev.reportingComponent),
      source: str(obj(ev.source).component),
      type: str(ev.type),
    };
  },
  table: {
    columns: [
      col('Last Seen', 'string', docs.eventLastTimestamp),
      col('Type', 'string', docs.eventType),
      col('Reason', 'string', docs.eventReason),
      col('Object', 'string', docs.eventInvolvedObject),
      col('Subobject', 'string', docs.objectReferenceFieldPath, 1),
      col('Source', 'string', docs.eventSource, 1),
      col('Message', 'string', docs.eventMessage),
      col('First Seen', 'string', docs.eventFirstTimestamp, 1),
      col('Count', 'string', docs.eventCount, 1),
      col('Name', 'string', docs.objectMetaName, 1, 'name'),
    ],
    cells: eventCells,
  },
  ttlSeconds: () => eventTTLSeconds,
};
