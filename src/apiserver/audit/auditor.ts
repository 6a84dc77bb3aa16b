// Auditor: the audit filter's engine. The request chain calls begin() once a request is
// authenticated (before impersonation and authorization, as upstream's WithAudit sits), keeps the
// returned AuditRecord for the request's lifetime, and calls end() when the response is done.
//
// Upstream behaviour kept:
//  - auditing happens only with both a policy file and a log path (no --audit-policy-file: no
//    events at all, even with --audit-log-path set, though the log file is still created);
//  - a request whose level is None produces nothing (begin() returns undefined);
//  - stages: RequestReceived at begin (its stageTimestamp is the receipt time); ResponseStarted
//    for long-running requests (begin({longRunning: true}) emits it on the first setResponse() or
//    fakes it at end(); stage('ResponseStarted') emits it explicitly); ResponseComplete at end();
//    Panic via panic(); any of them can be dropped by the policy's omitStages;
//  - Metadata and above record responseStatus (the code, plus status/message/reason/details when
//    the response is a metav1 Status); Request and above keep the request body; RequestResponse
//    keeps the response body; objectRef is completed from the request object's metadata;
//  - a request that ends without a response status is logged as 200 "Connection closed early";
//  - an annotation key keeps its first value; annotations print sorted;
//  - User-Agent longer than 1024 bytes is cut and suffixed "...TRUNCATED";
//  - omitManagedFields drops metadata.managedFields from logged bodies (object, list items, table
//    rows).
//
// Deliberate difference (Secrets and tokens): upstream logs whatever the policy level asks, so a
// RequestResponse rule that matches Secrets writes their data to the audit log. k8ts never keeps
// request or response bodies that carry credentials, whatever the policy says:
//  - core secrets (any subresource) and authentication.k8s.io tokenreviews (the token is in the
//    request and echoed in the response): the level is capped at Metadata;
//  - core serviceaccounts/token (TokenRequest; the issued token is in the response): capped at
//    Request;
// the event's level field shows the capped level, i.e. what was actually recorded. As a second
// line of defence any Secret object found in a kept body (a list item, a table row, a watch event)
// loses data, stringData and the last-applied-configuration annotation (which embeds the data).
// ConfigMaps are not capped: the documentation's example policy logs configmap bodies in
// kube-system on purpose, and upstream's recommended policies only suggest Metadata for them.

import type { Writable } from 'node:stream';
import { logger } from '../../util/klog.js';
import type { Logger } from '../../util/klog.js';
import {
  encodeEventJSON,
  encodeEventLegacy,
  dateToMicros,
  goJSON,
  nowMicros,
  sanitizeObject,
} from './event.js';
import type { AuditEvent, ObjectReference, ResponseStatus, UserInfo } from './event.js';
import { StreamWriter, RotatingFileWriter } from './logbackend.js';
import type { AuditWriter } from './logbackend.js';
import { levelLess, loadPolicyFromFile, PolicyRuleEvaluator } from './policy.js';
import type { Level, Policy, RequestAuditConfig, Stage } from './policy.js';

export type AuditLogFormat = 'json' | 'legacy';
export const ALLOWED_FORMATS: readonly AuditLogFormat[] = ['legacy', 'json'];

export interface AuditorOptions {
  /** --audit-policy-file */
  policyFile?: string;
  /** An already-parsed policy (used instead of policyFile; tests and embedding). */
  policy?: Policy;
  /** --audit-log-path; '-' means standard output. */
  logPath?: string;
  /** --audit-log-maxage (days) */
  maxAgeDays?: number;
  /** --audit-log-maxbackup */
  maxBackups?: number;
  /** --audit-log-maxsize (MB); 0 = 100 MB */
  maxSizeMB?: number;
  /** Byte limit overriding maxSizeMB (tests). */
  maxSizeBytes?: number;
  /** --audit-log-format, default json */
  format?: AuditLogFormat;
  /** Where lines go instead of the log path (tests, other backends). */
  writer?: AuditWriter;
  /** Stream for logPath '-' (default process.stdout). */
  stdout?: Writable;
  /** Microsecond clock for stage timestamps (tests). */
  clock?: () => number;
  /** Clock for backup names and age pruning (tests). */
  now?: () => Date;
  log?: Logger;
}

export interface AuditRequest {
  auditID: string;
  verb: string;
  requestURI: string;
  /** The URL path the policy's nonResourceURLs match (default: requestURI up to '?'). */
  path?: string;
  user: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  /** Present for resource requests (makes this a resource request for the policy). */
  objectRef?: ObjectReference;
  /** A Date, or microseconds since the epoch (see nowMicros()) for full precision. */
  requestReceivedTimestamp: Date | number;
  /** Annotations gathered before the record existed (e.g. by authentication). */
  annotations?: Record<string, string>;
  /**
   * Watch, exec, attach, port-forward, proxy: the first setResponse() emits ResponseStarted, and
   * end() without one emits a ResponseStarted "Connection closed early" first (as upstream).
   */
  longRunning?: boolean;
}

const MAX_USER_AGENT = 1024;
const USER_AGENT_TRUNCATED = '...TRUNCATED';

function truncateUserAgent(ua: string | undefined): string | undefined {
  if (!ua) return ua;
  const buf = Buffer.from(ua, 'utf8');
  if (buf.length <= MAX_USER_AGENT) return ua;
  return buf.subarray(0, MAX_USER_AGENT).toString('utf8') + USER_AGENT_TRUNCATED;
}

/** The highest level at which bodies of this request may be kept (see the header comment). */
export function sensitiveLevelCap(ref: ObjectReference | undefined): Level | undefined {
  if (!ref) return undefined;
  const group = ref.apiGroup ?? '';
  if (group === '' && ref.resource === 'secrets') return 'Metadata';
  if (group === 'authentication.k8s.io' && ref.resource === 'tokenreviews') return 'Metadata';
  if (group === '' && ref.resource === 'serviceaccounts' && ref.subresource === 'token') return 'Request';
  return undefined;
}

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function copyUser(u: UserInfo): UserInfo {
  const out: UserInfo = { username: u.username ?? '' };
  if (u.uid) out.uid = u.uid;
  if (u.groups) out.groups = [...u.groups];
  if (u.extra) out.extra = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
  return out;
}

export class Auditor {
  /** True when a policy and a log destination are both configured. */
  readonly enabled: boolean;
  readonly evaluator: PolicyRuleEvaluator | undefined;
  readonly format: AuditLogFormat;
  private readonly writer: AuditWriter | undefined;
  private readonly clock: () => number;
  private readonly log: Logger;

  constructor(opts: AuditorOptions = {}) {
    this.log = opts.log ?? logger('audit');
    this.clock = opts.clock ?? nowMicros;
    this.format = opts.format ?? 'json';
    // Option checks apply when the log backend is enabled (a log path is set), as upstream.
    if (opts.logPath) this.validateLogOptions(opts);

    let policy = opts.policy;

    if (!policy && opts.policyFile) {
      try {
        policy = loadPolicyFromFile(opts.policyFile, { onWarning: (m) => this.log.warning(m) });
      } catch (e) {
        throw new Error(`loading audit policy file: ${(e as Error).message}`);
      }
    }
    this.evaluator = policy ? new PolicyRuleEvaluator(policy) : undefined;

    // As upstream: the log destination is prepared (directory and file created, failing startup
    // when that is impossible) whether or not there is a policy; without one nothing is written.
    let writer = opts.writer;
    if (!writer && opts.logPath) {
      if (opts.logPath === '-') writer = new StreamWriter(opts.stdout ?? process.stdout);
      else {
        try {
          writer = new RotatingFileWriter({
            path: opts.logPath,
            maxAgeDays: opts.maxAgeDays,
            maxBackups: opts.maxBackups,
            maxSizeMB: opts.maxSizeMB,
            maxSizeBytes: opts.maxSizeBytes,
            now: opts.now,
            onError: (err) => this.log.error(`Error in audit plugin 'log' affecting 1 audit events: ${err.message}`),
          });
        } catch (e) {
          throw new Error(`ensureLogFile: ${(e as Error).message}`);
        }
      }
    }
    if (writer && !this.evaluator) {
      this.log.v(2).info('No audit policy file provided, no events will be recorded for log backend');
    } else if (writer) {
      this.writer = writer;
      this.log.v(2).info('Using audit backend: ignoreErrors<log>');
    }
    this.enabled = this.writer !== undefined;
  }

  private validateLogOptions(opts: AuditorOptions): void {
    const errs: string[] = [];
    if (!ALLOWED_FORMATS.includes(this.format)) {
      errs.push(`invalid audit log format ${this.format}, allowed formats are ${JSON.stringify(ALLOWED_FORMATS.join(','))}`);
    }
    if ((opts.maxAgeDays ?? 0) < 0) errs.push(`--audit-log-maxage ${opts.maxAgeDays} can't be a negative number`);
    if ((opts.maxBackups ?? 0) < 0) errs.push(`--audit-log-maxbackup ${opts.maxBackups} can't be a negative number`);
    if ((opts.maxSizeMB ?? 0) < 0) errs.push(`--audit-log-maxsize ${opts.maxSizeMB} can't be a negative number`);
    if (errs.length === 1) throw new Error(errs[0]);
    if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  }

  /** The policy decision for a request (level None when auditing is off). */
  evaluate(r: Pick<AuditRequest, 'verb' | 'requestURI' | 'path' | 'user' | 'objectRef'>): RequestAuditConfig | undefined {
    if (!this.evaluator) return undefined;
    const ref = r.objectRef;
    let path = r.path;
    if (path === undefined) {
      const q = r.requestURI.indexOf('?');
      path = q < 0 ? r.requestURI : r.requestURI.slice(0, q);
    }
    return this.evaluator.evaluate({
      user: r.user,
      verb: r.verb,
      isResourceRequest: ref !== undefined,
      path,
      apiGroup: ref?.apiGroup ?? '',
      namespace: ref?.namespace ?? '',
      resource: ref?.resource ?? '',
      subresource: ref?.subresource ?? '',
      name: ref?.name ?? '',
    });
  }

  /** Starts auditing a request; undefined when auditing is off or the policy level is None. */
  begin(r: AuditRequest): AuditRecord | undefined {
    if (!this.writer) return undefined;
    const cfg = this.evaluate(r)!;
    if (cfg.level === 'None') return undefined;
    let level: Level = cfg.level;
    const cap = sensitiveLevelCap(r.objectRef);
    if (cap && levelLess(cap, level)) level = cap;
    const received = typeof r.requestReceivedTimestamp === 'number' ? Math.floor(r.requestReceivedTimestamp) : dateToMicros(r.requestReceivedTimestamp);
    const ev: AuditEvent = {
      level,
      auditID: r.auditID,
      stage: 'RequestReceived',
      requestURI: r.requestURI,
      verb: r.verb,
      user: copyUser(r.user),
      sourceIPs: [...r.sourceIPs],
      userAgent: truncateUserAgent(r.userAgent),
      requestReceivedMicros: received,
      stageMicros: received,
    };
    if (r.impersonatedUser) ev.impersonatedUser = copyUser(r.impersonatedUser);
    if (r.objectRef) ev.objectRef = { ...r.objectRef };
    const rec = new AuditRecord(this, ev, cfg, r.longRunning === true);
    if (r.annotations) for (const [k, v] of Object.entries(r.annotations)) rec.annotate(k, v);
    rec.emit('RequestReceived');
    return rec;
  }

  /** Resolves when every event so far has been written. */
  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.writer?.close() ?? Promise.resolve();
  }

  /** @internal */
  write(ev: AuditEvent): void {
    this.writer!.write(this.format === 'legacy' ? encodeEventLegacy(ev) : encodeEventJSON(ev));
  }

  /** @internal */
  now(): number {
    return this.clock();
  }
}

/** One audited request. Obtained from Auditor.begin(). */
export class AuditRecord {
  private responseStarted = false;
  private done = false;

  /** @internal */
  constructor(
    private readonly auditor: Auditor,
    private readonly ev: AuditEvent,
    private readonly config: RequestAuditConfig,
    private readonly longRunning: boolean,
  ) {}

  get auditID(): string {
    return this.ev.auditID;
  }

  /** The level recorded (the policy's, capped for credential-bearing resources). */
  get level(): Level {
    return this.ev.level;
  }

  get omitManagedFields(): boolean {
    return this.config.omitManagedFields;
  }

  /** The user the request acts as (set by impersonation). */
  setImpersonatedUser(user: UserInfo): void {
    this.ev.impersonatedUser = copyUser(user);
  }

  /**
   * The decoded request object. Completes objectRef (namespace, name, uid, resourceVersion) from
   * its metadata; the body itself is kept at Request and RequestResponse. Snapshotted now.
   */
  setRequestObject(obj: unknown, gvr?: { group: string; version: string; resource: string; subresource?: string }): void {
    const ref = (this.ev.objectRef ??= {});
    const meta = isObj(obj) && isObj(obj.metadata) ? obj.metadata : undefined;
    if (meta) {
      if (!ref.namespace && typeof meta.namespace === 'string') ref.namespace = meta.namespace;
      if (!ref.name && typeof meta.name === 'string') ref.name = meta.name;
      if (!ref.uid && typeof meta.uid === 'string') ref.uid = meta.uid;
      if (!ref.resourceVersion && typeof meta.resourceVersion === 'string') ref.resourceVersion = meta.resourceVersion;
    }
    if (gvr) {
      if (!ref.apiVersion) {
        ref.apiGroup = gvr.group;
        ref.apiVersion = gvr.version;
      }
      if (!ref.resource) ref.resource = gvr.resource;
      if (!ref.subresource && gvr.subresource) ref.subresource = gvr.subresource;
    }
    if (levelLess(this.ev.level, 'Request')) return;
    this.ev.requestObjectJSON = goJSON(sanitizeObject(obj, this.config.omitManagedFields));
  }

  /** A patch request's body (JSON, merge or apply patch) as the request object; kept at Request and above. */
  setRequestPatch(patch: unknown): void {
    if (levelLess(this.ev.level, 'Request')) return;
    this.ev.requestObjectJSON = goJSON(patch);
  }

  /**
   * The response: its HTTP status code and, optionally, the object written. A metav1 Status
   * contributes status/message/reason/details to responseStatus; the object is kept at
   * RequestResponse.
   */
  setResponse(code: number, responseObject?: unknown): void {
    const status: ResponseStatus = this.ev.responseStatus ? { ...this.ev.responseStatus } : { code };
    if (isObj(responseObject) && responseObject.kind === 'Status') {
      status.status = typeof responseObject.status === 'string' ? responseObject.status : undefined;
      status.message = typeof responseObject.message === 'string' ? responseObject.message : undefined;
      status.reason = typeof responseObject.reason === 'string' ? responseObject.reason : undefined;
      status.details = responseObject.details;
    }
    status.code = code;
    this.ev.responseStatus = status;
    if (this.longRunning && !this.responseStarted && !this.done) {
      this.responseStarted = true;
      this.emit('ResponseStarted');
    }
    if (responseObject === undefined || levelLess(this.ev.level, 'RequestResponse')) return;
    this.ev.responseObjectJSON = goJSON(sanitizeObject(responseObject, this.config.omitManagedFields));
  }

  /** Adds an annotation; a key keeps its first value. */
  annotate(key: string, value: string): void {
    const a = (this.ev.annotations ??= new Map());
    const prev = a.get(key);
    if (prev !== undefined) return;
    a.set(key, value);
  }

  /**
   * Long-running requests (watch, exec, proxy): the response has started. Records the code
   * (default: the one set by setResponse, else 200) and emits ResponseStarted once.
   */
  stage(stage: 'ResponseStarted', code?: number): void {
    if (stage !== 'ResponseStarted' || this.done || this.responseStarted) return;
    this.responseStarted = true;
    if (!this.ev.responseStatus) this.ev.responseStatus = { code: code ?? 200 };
    else if (code !== undefined) this.ev.responseStatus = { ...this.ev.responseStatus, code };
    this.emit('ResponseStarted');
  }

  /** The request is finished: emits ResponseComplete. Idempotent. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (!this.ev.responseStatus) {
      this.ev.responseStatus = { status: 'Success', message: 'Connection closed early', code: 200 };
      if (this.longRunning && !this.responseStarted) {
        this.responseStarted = true;
        this.emit('ResponseStarted');
      }
    }
    this.emit('ResponseComplete');
  }

  /** The handler failed unexpectedly: emits the Panic stage instead of ResponseComplete. */
  panic(reason: unknown): void {
    if (this.done) return;
    this.done = true;
    const msg = reason instanceof Error ? reason.message : String(reason);
    this.ev.responseStatus = { status: 'Failure', message: `APIServer panic'd: ${msg}`, reason: 'InternalError', code: 500 };
    this.emit('Panic');
  }

  /** @internal */
  emit(stage: Stage): void {
    this.ev.stage = stage;
    if (this.config.omitStages.has(stage)) return;
    if (stage === 'RequestReceived') this.ev.stageMicros = this.ev.requestReceivedMicros;
    else this.ev.stageMicros = Math.max(this.auditor.now(), this.ev.requestReceivedMicros);
    this.auditor.write(this.ev);
  }
}
