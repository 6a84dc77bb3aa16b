// audit.k8s.io/v1 Event: types, serialization (JSON lines as the log backend writes them, and the
// one-line "legacy" text format), microsecond timestamps, and the object clean-up applied before a
// request or response body is kept (managedFields stripping, Secret data redaction).

import { goQuote } from './policy.js';
import type { Level, Stage } from './policy.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

/** The bounded subset of metav1.Status an event carries in responseStatus. */
export interface ResponseStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code: number;
}

/**
 * One audit event. Timestamps are microseconds since the Unix epoch; request and response
 * bodies are kept as already-encoded JSON text (snapshotted when they were set).
 */
export interface AuditEvent {
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObjectJSON?: string;
  responseObjectJSON?: string;
  requestReceivedMicros: number;
  stageMicros: number;
  annotations?: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Time

/**
 * Current time in microseconds since the epoch: the wall clock's milliseconds plus sub-millisecond
 * digits from the high-resolution clock (kept on the wall clock, as klog's timestamps are).
 */
export function nowMicros(): number {
  return Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
}

export function dateToMicros(d: Date): number {
  return d.getTime() * 1000;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function splitMicros(us: number): { d: Date; frac: number } {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  const frac = us - Math.floor(us / 1_000_000) * 1_000_000; // 0..999999
  return { d, frac };
}

function ymdhms(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** metav1.MicroTime as JSON prints it: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(us: number): string {
  const { d, frac } = splitMicros(us);
  return `${ymdhms(d)}.${pad(frac, 6)}Z`;
}

/** Go's time.RFC3339Nano in UTC: fractional digits with trailing zeros removed. */
export function formatRFC3339Nano(us: number): string {
  const { d, frac } = splitMicros(us);
  const f = frac === 0 ? '' : '.' + pad(frac, 6).replace(/0+$/, '');
  return `${ymdhms(d)}${f}Z`;
}

// ---------------------------------------------------------------------------------------------
// JSON as Go's encoding/json writes it

const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON.stringify, then the escapes Go's encoder applies that JSON.stringify does not:
 * <, >, & as \u003c \u003e \u0026 (HTML-safe), U+2028/U+2029, and invalid UTF-16 as \ufffd.
 */
export function goJSON(v: unknown): string {
  let s = JSON.stringify(v);
  if (s === undefined) return 'null';
  if (/[<>&\u2028\u2029]/.test(s)) {
    s = s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  }
  if (s.includes('\\ud')) s = s.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd');
  return s;
}

function sortedRecord<T>(m: Record<string, T> | Map<string, T>): Record<string, T> {
  const entries = m instanceof Map ? [...m.entries()] : Object.entries(m);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, T> = {};
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function userJSON(u: UserInfo): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (u.username) o.username = u.username;
  if (u.uid) o.uid = u.uid;
  if (u.groups && u.groups.length > 0) o.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length > 0) o.extra = sortedRecord(u.extra); // a Go map: sorted keys
  return o;
}

function objectRefJSON(r: ObjectReference): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // field order of audit/v1 ObjectReference; all omitempty
  if (r.resource) o.resource = r.resource;
  if (r.namespace) o.namespace = r.namespace;
  if (r.name) o.name = r.name;
  if (r.uid) o.uid = r.uid;
  if (r.apiGroup) o.apiGroup = r.apiGroup;
  if (r.apiVersion) o.apiVersion = r.apiVersion;
  if (r.resourceVersion) o.resourceVersion = r.resourceVersion;
  if (r.subresource) o.subresource = r.subresource;
  return o;
}

function statusJSON(s: ResponseStatus): Record<string, unknown> {
  const o: Record<string, unknown> = { metadata: {} };
  if (s.status) o.status = s.status;
  if (s.message) o.message = s.message;
  if (s.reason) o.reason = s.reason;
  if (s.details !== undefined && s.details !== null) o.details = s.details;
  if (s.code) o.code = s.code;
  return o;
}

/** The event as one JSON line (with trailing newline), in audit.k8s.io/v1 field order. */
export function encodeEventJSON(ev: AuditEvent): string {
  let s = '{"kind":"Event","apiVersion":"audit.k8s.io/v1"';
  s += ',"level":' + goJSON(ev.level);
  s += ',"auditID":' + goJSON(ev.auditID);
  s += ',"stage":' + goJSON(ev.stage);
  s += ',"requestURI":' + goJSON(ev.requestURI);
  s += ',"verb":' + goJSON(ev.verb);
  s += ',"user":' + goJSON(userJSON(ev.user));
  if (ev.impersonatedUser) s += ',"impersonatedUser":' + goJSON(userJSON(ev.impersonatedUser));
  if (ev.sourceIPs && ev.sourceIPs.length > 0) s += ',"sourceIPs":' + goJSON(ev.sourceIPs);
  if (ev.userAgent) s += ',"userAgent":' + goJSON(ev.userAgent);
  if (ev.objectRef) s += ',"objectRef":' + goJSON(objectRefJSON(ev.objectRef));
  if (ev.responseStatus) s += ',"responseStatus":' + goJSON(statusJSON(ev.responseStatus));
  if (ev.requestObjectJSON !== undefined) s += ',"requestObject":' + ev.requestObjectJSON;
  if (ev.responseObjectJSON !== undefined) s += ',"responseObject":' + ev.responseObjectJSON;
  s += ',"requestReceivedTimestamp":"' + formatMicroTime(ev.requestReceivedMicros) + '"';
  s += ',"stageTimestamp":"' + formatMicroTime(ev.stageMicros) + '"';
  if (ev.annotations && ev.annotations.size > 0) s += ',"annotations":' + goJSON(sortedRecord(ev.annotations));
  return s + '}\n';
}

function quotedList(l: readonly string[]): string {
  return l.map((x) => goQuote(x)).join(',');
}

/** The --audit-log-format=legacy line (with trailing newline). */
export function encodeEventLegacy(ev: AuditEvent): string {
  let username = '<none>';
  let groups = '<none>';
  if (ev.user.username) {
    username = ev.user.username;
    if (ev.user.groups && ev.user.groups.length > 0) groups = quotedList(ev.user.groups);
  }
  let asuser = '<self>';
  let asgroups = '<lookup>';
  if (ev.impersonatedUser) {
    asuser = ev.impersonatedUser.username;
    if (ev.impersonatedUser.groups) asgroups = quotedList(ev.impersonatedUser.groups);
  }
  const namespace = ev.objectRef?.namespace ? ev.objectRef.namespace : '<none>';
  const response = ev.responseStatus ? String(ev.responseStatus.code) : '<deferred>';
  const ip = ev.sourceIPs && ev.sourceIPs.length > 0 ? ev.sourceIPs[0] : '<unknown>';
  return (
    `${formatRFC3339Nano(ev.requestReceivedMicros)} AUDIT: id=${goQuote(ev.auditID)} stage=${goQuote(ev.stage)} ip=${goQuote(ip)} ` +
    `method=${goQuote(ev.verb)} user=${goQuote(username)} groups=${goQuote(groups)} as=${goQuote(asuser)} asgroups=${goQuote(asgroups)} ` +
    `user-agent=${goQuote(ev.userAgent ?? '')} namespace=${goQuote(namespace)} uri=${goQuote(ev.requestURI)} response="${response}"\n`
  );
}

// ---------------------------------------------------------------------------------------------
// Object clean-up before a body is kept

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A core/v1 Secret: its data, stringData and last-applied annotation (which embeds the data). */
function isSecret(o: Obj): boolean {
  return o.kind === 'Secret' && (o.apiVersion === 'v1' || o.apiVersion === undefined);
}

function cleanOne(o: Obj, omitManagedFields: boolean): Obj {
  const secret = isSecret(o);
  const meta = isObj(o.metadata) ? o.metadata : undefined;
  const dropManaged = omitManagedFields && meta !== undefined && 'managedFields' in meta;
  const annotations = meta && isObj(meta.annotations) ? meta.annotations : undefined;
  const dropLastApplied = secret && annotations !== undefined && LAST_APPLIED in annotations;
  if (!secret && !dropManaged) return o;
  const out: Obj = { ...o };
  if (secret) {
    delete out.data;
    delete out.stringData;
  }
  if (meta && (dropManaged || dropLastApplied)) {
    const m: Obj = { ...meta };
    if (dropManaged) delete m.managedFields;
    if (dropLastApplied) {
      const a: Obj = { ...annotations };
      delete a[LAST_APPLIED];
      m.annotations = a;
    }
    out.metadata = m;
  }
  return out;
}

/**
 * Copy-on-write clean-up of a body before it is logged: the object itself, list items, Table rows'
 * objects and a watch event's object. Drops metadata.managedFields when asked (upstream's
 * omitManagedFields) and, always, the data of any Secret (see auditor.ts for why).
 * The input is never mutated.
 */
export function sanitizeObject(obj: unknown, omitManagedFields: boolean): unknown {
  if (!isObj(obj)) return obj;
  let out = cleanOne(obj, omitManagedFields);
  if (Array.isArray(obj.items)) {
    let changed = false;
    const items = obj.items.map((it) => {
      const c = isObj(it) ? sanitizeObject(it, omitManagedFields) : it;
      if (c !== it) changed = true;
      return c;
    });
    if (changed) out = { ...out, items };
  }
  if (obj.kind === 'Table' && Array.isArray(obj.rows)) {
    let changed = false;
    const rows = obj.rows.map((row) => {
      if (!isObj(row) || !isObj(row.object)) return row;
      const c = sanitizeObject(row.object, omitManagedFields);
      if (c === row.object) return row;
      changed = true;
      return { ...row, object: c };
    });
    if (changed) out = { ...out, rows };
  }
  if ((obj.kind === 'WatchEvent' || (typeof obj.type === 'string' && !('kind' in obj))) && isObj(obj.object)) {
    const c = sanitizeObject(obj.object, omitManagedFields);
    if (c !== obj.object) out = { ...out, object: c };
  }
  return out;
}
