// The REST client every k8ts component talks to the apiserver with (client-go's rest.RESTClient +
// the dynamic client): HTTPS over one multiplexed HTTP/2 session (reconnected after GOAWAY or a
// connection error, health-checked with PINGs while streams are open), authenticated with a
// client certificate or a bearer token (a tokenFile is re-read at most once a minute, as
// client-go's cached file token source), JSON bodies, client-side rate limiting with a token
// bucket (client-go's defaults: 5 qps, burst 10), an optional per-request timeout, Retry-After
// honouring retries (429 / 5xx, at most 10 as client-go), and watches as async iterables.
//
// Failures surface as ApiError: the server's metav1.Status (code, reason, message, details), or
// one synthesized from the HTTP status as apierrors.NewGenericServerResponse does when the
// body is not a Status.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as http2 from 'node:http2';
import { basename } from 'node:path';
import { StatusError } from '../apimachinery/errors.js';
import type { Status, StatusDetails, StatusReason } from '../apimachinery/errors.js';
import { readKubeconfig, resolveKubeconfig } from '../pki/kubeconfig.js';
import type { ResolvedKubeconfig } from '../pki/kubeconfig.js';
import { logger } from '../util/klog.js';
import { versionInfo } from '../version.js';

const log = logger('client/rest');

// ---------------------------------------------------------------------------------------------
// Object shapes

export interface GroupVersionResource {
  /** "" for the core group */
  group: string;
  version: string;
  /** plural lower-case resource name, e.g. "pods" */
  resource: string;
}

/** A resource, optionally narrowed to a namespace, an object and a subresource. */
export interface ResourceRef extends GroupVersionResource {
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

/** Anything with (optional) TypeMeta and ObjectMeta. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  /** the object; a metav1.Status for ERROR events */
  object: T;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Upstream's NewGenericServerResponse: reason and message for a status without a Status body. */
function genericReason(code: number): { reason: string; message: string } {
  switch (code) {
    case 409:
      return { reason: 'Conflict', message: 'the server reported a conflict' };
    case 404:
      return { reason: 'NotFound', message: 'the server could not find the requested resource' };
    case 400:
      return { reason: 'BadRequest', message: 'the server rejected our request for an unknown reason' };
    case 401:
      return { reason: 'Unauthorized', message: 'the server has asked for the client to provide credentials' };
    case 403:
      return { reason: 'Forbidden', message: 'the server does not allow access to the requested resource' };
    case 405:
      return { reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource' };
    case 406:
      return { reason: 'NotAcceptable', message: 'the server was unable to respond with a content type that the client supports' };
    case 413:
      return { reason: 'RequestEntityTooLarge', message: 'the server has rejected the request because it is too large' };
    case 415:
      return { reason: 'UnsupportedMediaType', message: 'the server was unable to respond with a content type that the client supports' };
    case 422:
      return { reason: 'Invalid', message: 'the server rejected our request due to an error in our request' };
    case 429:
      return { reason: 'TooManyRequests', message: 'the server has received too many requests and has asked us to try again later' };
    case 503:
      return { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' };
    case 504:
      return { reason: 'Timeout', message: 'the server was unable to return a response in the time allotted, but may still be processing the request' };
    default:
      if (code >= 500) return { reason: 'InternalError', message: 'an error on the server has prevented the request from succeeding' };
      return { reason: 'Unknown', message: `the server responded with the status code ${code} but did not return more information` };
  }
}

/** A failed API call: the server's Status (or one synthesized from the HTTP response). */
export class ApiError extends StatusError {
  constructor(readonly status: Status) {
    super(status.code ?? 0, (status.reason ?? '') as StatusReason, status.message ?? '', status.details);
    this.name = 'ApiError';
  }

  /** From a Status object (e.g. the object of a watch ERROR event). */
  static fromStatus(obj: unknown): ApiError {
    const s = (obj ?? {}) as Partial<Status>;
    return new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: (s.metadata as Record<string, unknown>) ?? {},
      status: 'Failure',
      message: s.message ?? '',
      reason: s.reason,
      details: s.details,
      code: typeof s.code === 'number' ? s.code : 500,
    });
  }

  /** From a non-2xx response: its Status body if it has one, else a generic error as upstream. */
  static fromResponse(code: number, body: string, verb: string, ref?: Partial<ResourceRef>): ApiError {
    try {
      const parsed = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && parsed.kind === 'Status') {
        const st = parsed as Status;
        if (typeof st.code !== 'number' || st.code === 0) st.code = code;
        return new ApiError(st);
      }
    } catch {
      // not JSON
    }
    const g = genericReason(code);
    let message = g.message;
    if (code >= 500 && code !== 503 && code !== 504 && body.trim()) message = `an error on the server (${JSON.stringify(body.trim().slice(0, 500))}) has prevented the request from succeeding`;
    const details: StatusDetails = {};
    if (ref?.resource) {
      const qr = ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
      message += ref.name ? ` (${verb.toLowerCase()} ${qr} ${ref.name})` : ` (${verb.toLowerCase()} ${qr})`;
      details.kind = ref.resource;
      if (ref.group) details.group = ref.group;
      if (ref.name) details.name = ref.name;
    }
    if (body.trim()) details.causes = [{ reason: 'UnexpectedServerResponse', message: body.trim().slice(0, 1000) }];
    return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: g.reason as StatusReason, details, code });
  }
}

function reasonOf(err: unknown): string | undefined {
  return err instanceof StatusError ? err.reason : undefined;
}
function codeOf(err: unknown): number | undefined {
  return err instanceof StatusError ? err.code : undefined;
}
/** apierrors.IsNotFound */
export const isNotFound = (err: unknown): boolean => reasonOf(err) === 'NotFound' || (reasonOf(err) === '' && codeOf(err) === 404);
/** apierrors.IsAlreadyExists */
export const isAlreadyExists = (err: unknown): boolean => reasonOf(err) === 'AlreadyExists';
/** apierrors.IsConflict */
export const isConflict = (err: unknown): boolean => reasonOf(err) === 'Conflict' || (reasonOf(err) === '' && codeOf(err) === 409);
/** apierrors.IsInvalid */
export const isInvalid = (err: unknown): boolean => reasonOf(err) === 'Invalid' || (reasonOf(err) === '' && codeOf(err) === 422);
/** apierrors.IsForbidden */
export const isForbidden = (err: unknown): boolean => reasonOf(err) === 'Forbidden' || (reasonOf(err) === '' && codeOf(err) === 403);
/** apierrors.IsUnauthorized */
export const isUnauthorized = (err: unknown): boolean => reasonOf(err) === 'Unauthorized' || (reasonOf(err) === '' && codeOf(err) === 401);
/** apierrors.IsGone */
export const isGone = (err: unknown): boolean => reasonOf(err) === 'Gone' || (reasonOf(err) === '' && codeOf(err) === 410);
/** apierrors.IsResourceExpired */
export const isResourceExpired = (err: unknown): boolean => reasonOf(err) === 'Expired' || (reasonOf(err) === '' && codeOf(err) === 410);
/** The reflector's isExpiredError: Expired or Gone (older servers answer with Gone). */
export const isExpiredError = (err: unknown): boolean => isResourceExpired(err) || isGone(err);
/** apierrors.IsTooManyRequests */
export const isTooManyRequests = (err: unknown): boolean => reasonOf(err) === 'TooManyRequests' || codeOf(err) === 429;
/** apierrors.IsInternalError */
export const isInternalError = (err: unknown): boolean => reasonOf(err) === 'InternalError';
/** apierrors.IsServiceUnavailable */
export const isServiceUnavailable = (err: unknown): boolean => reasonOf(err) === 'ServiceUnavailable' || (reasonOf(err) === '' && codeOf(err) === 503);
/** apierrors.IsTimeout */
export const isTimeout = (err: unknown): boolean => reasonOf(err) === 'Timeout' || (reasonOf(err) === '' && codeOf(err) === 504);
/** apierrors.IsTooLargeResourceVersionError: a Timeout with the ResourceVersionTooLarge cause. */
export const isTooLargeResourceVersion = (err: unknown): boolean =>
  err instanceof StatusError &&
  (err.code === 504 || err.reason === 'Timeout') &&
  !!err.details?.causes?.some((c) => c.reason === 'ResourceVersionTooLarge' || (c.message ?? '').includes('Too large resource version'));

/** The socket-level errno code of an error or of one of its causes (ECONNREFUSED, ECONNRESET, ...). */
function socketErrorCode(err: unknown): string | undefined {
  for (let e = err as (NodeJS.ErrnoException & { cause?: unknown }) | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
    if (typeof e !== 'object') break;
  }
  return undefined;
}

/** A connection could not be established (utilnet.IsConnectionRefused). */
export function isConnectionRefused(err: unknown): boolean {
  return socketErrorCode(err) === 'ECONNREFUSED';
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

const now = () => performance.now();

/** The interface client-go's flowcontrol.RateLimiter offers (the parts k8ts uses). */
export interface RateLimiter {
  /** Wait (asynchronously) for a token; rejects when the signal aborts. */
  wait(signal?: AbortSignal): Promise<void>;
  /** Take a token if one is available now. */
  tryAccept(): boolean;
  readonly qps: number;
}

/**
 * A token bucket as golang.org/x/time/rate (what flowcontrol.NewTokenBucketRateLimiter and the
 * workqueue's BucketRateLimiter use): `burst` tokens, refilled at `qps` per second; reservations
 * may drive the balance negative, and the reserver waits until its token exists.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;
  readonly burst: number;

  constructor(
    readonly qps: number,
    burst: number,
  ) {
    if (!(qps > 0)) throw new Error(`token bucket: qps must be positive, got ${qps}`);
    this.burst = Math.max(1, Math.floor(burst));
    this.tokens = this.burst;
    this.last = now();
  }

  private advance(t: number): void {
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.qps);
    this.last = t;
  }

  /** Tokens available right now (may be negative while reservations are outstanding). */
  available(): number {
    this.advance(now());
    return this.tokens;
  }

  tryAccept(): boolean {
    this.advance(now());
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Reserve one token; returns how long (ms) the caller must wait before using it. */
  reserve(): number {
    this.advance(now());
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  /** Give back a reserved token that was not used (e.g. the wait was cancelled). */
  cancelReservation(): void {
    this.advance(now());
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const delay = this.reserve();
    if (delay <= 0) return;
    try {
      await sleep(delay, signal);
    } catch (e) {
      this.cancelReservation();
      throw e;
    }
  }
}

/** A limiter that never waits (client-go: QPS < 0 disables client-side rate limiting). */
export class UnlimitedRateLimiter implements RateLimiter {
  readonly qps = Infinity;
  async wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
  }
  tryAccept(): boolean {
    return true;
  }
}

/** Sleep for ms; rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Configuration

export interface RestConfig {
  /** https://host:port (an optional path prefix is kept) */
  server: string;
  caCertPem?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** bearer token */
  token?: string;
  /** bearer token file, re-read at most once a minute (client-go's cached file token source) */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** Impersonate-User / Impersonate-Group / Impersonate-Uid */
  impersonate?: { user?: string; groups?: string[]; uid?: string };
  /** Default: defaultUserAgent() */
  userAgent?: string;
  /** Client-side rate limit; default 5 (client-go's DefaultQPS). Negative disables limiting. */
  qps?: number;
  /** Default 10 (client-go's DefaultBurst). */
  burst?: number;
  /** A shared limiter (wins over qps/burst). */
  rateLimiter?: RateLimiter;
  /** Per-request timeout in ms for non-streaming requests (0/undefined: none, as client-go). */
  timeoutMs?: number;
  /** Called with the text of every `Warning:` response header (default: logged). */
  warningHandler?: (message: string) => void;
  /** Default namespace of the kubeconfig context (informational). */
  namespace?: string;
}

export interface ClientOptions {
  context?: string;
  userAgent?: string;
  qps?: number;
  burst?: number;
  rateLimiter?: RateLimiter;
  timeoutMs?: number;
  warningHandler?: (message: string) => void;
}

/**
 * client-go's DefaultKubernetesUserAgent: `<command>/<version> (<os>/<arch>) kubernetes/<commit>`,
 * command = the program's base name, version without its pre-release suffix, commit cut to 7.
 */
export function defaultUserAgent(command?: string): string {
  const v = versionInfo();
  const cmd = command ?? basename(process.argv[1] ?? 'k8ts').replace(/\.(m?js|ts)$/, '');
  const version = v.gitVersion.split('-')[0];
  return `${cmd || 'k8ts'}/${version} (${v.platform}) kubernetes/${v.gitCommit.slice(0, 7)}`;
}

export function configFromResolved(r: ResolvedKubeconfig): RestConfig {
  const c: RestConfig = { server: r.server };
  if (r.caCertPem) c.caCertPem = r.caCertPem;
  if (r.insecureSkipTLSVerify) c.insecureSkipTLSVerify = true;
  if (r.tlsServerName) c.tlsServerName = r.tlsServerName;
  if (r.clientCertPem) c.clientCertPem = r.clientCertPem;
  if (r.clientKeyPem) c.clientKeyPem = r.clientKeyPem;
  if (r.token) c.token = r.token;
  if (r.username) c.username = r.username;
  if (r.password) c.password = r.password;
  if (r.namespace) c.namespace = r.namespace;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Request options

export interface RequestOptions {
  signal?: AbortSignal;
  /** overrides the client's timeoutMs for this request */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface GetOptions extends RequestOptions {
  resourceVersion?: string;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact' | '';
  limit?: number;
  continue?: string;
  timeoutSeconds?: number;
}

export interface WatchOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact' | '';
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export interface WriteOptions extends RequestOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export interface PatchOptions extends WriteOptions {
  /** server-side apply: take ownership of conflicting fields */
  force?: boolean;
}

export interface DeleteOptions extends RequestOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  orphanDependents?: boolean;
}

/** json = RFC 6902, merge = RFC 7386, strategic = strategic merge patch, apply = server-side apply */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RawResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

export interface RawRequest extends RequestOptions {
  method: string;
  /** absolute path (with query string if any) */
  path: string;
  query?: URLSearchParams | Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** for error messages */
  ref?: Partial<ResourceRef>;
}

/** The URL path of a resource reference, as client-go builds it. */
export function resourcePath(ref: ResourceRef, opts: { collection?: boolean } = {}): string {
  const enc = encodeURIComponent;
  let p = ref.group ? `/apis/${enc(ref.group)}/${enc(ref.version)}` : `/api/${enc(ref.version)}`;
  if (ref.namespace && !(ref.resource === 'namespaces')) p += `/namespaces/${enc(ref.namespace)}`;
  p += `/${enc(ref.resource)}`;
  if (!opts.collection && ref.name) {
    p += `/${enc(ref.name)}`;
    if (ref.subresource) p += `/${enc(ref.subresource)}`;
  }
  return p;
}

function toQuery(q: RawRequest['query']): string {
  if (!q) return '';
  const sp = q instanceof URLSearchParams ? q : new URLSearchParams();
  if (!(q instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

function listQuery(o: ListOptions | WatchOptions, watch: boolean): Record<string, string | number | boolean | undefined> {
  const q: Record<string, string | number | boolean | undefined> = {};
  if (o.labelSelector) q.labelSelector = o.labelSelector;
  if (o.fieldSelector) q.fieldSelector = o.fieldSelector;
  if (watch) q.watch = 'true';
  if (o.resourceVersion !== undefined && o.resourceVersion !== '') q.resourceVersion = o.resourceVersion;
  if (o.resourceVersionMatch) q.resourceVersionMatch = o.resourceVersionMatch;
  if (o.timeoutSeconds !== undefined) q.timeoutSeconds = o.timeoutSeconds;
  if ('limit' in o && o.limit) q.limit = o.limit;
  if ('continue' in o && o.continue) q.continue = o.continue;
  if ('allowWatchBookmarks' in o && o.allowWatchBookmarks) q.allowWatchBookmarks = 'true';
  if ('sendInitialEvents' in o && o.sendInitialEvents !== undefined) q.sendInitialEvents = String(o.sendInitialEvents);
  return q;
}

function writeQuery(o: WriteOptions & { force?: boolean }): Record<string, string | undefined> {
  const q: Record<string, string | undefined> = {};
  if (o.dryRun) q.dryRun = 'All';
  if (o.fieldManager) q.fieldManager = o.fieldManager;
  if (o.fieldValidation) q.fieldValidation = o.fieldValidation;
  if (o.force !== undefined) q.force = String(o.force);
  return q;
}

function deleteBody(o: DeleteOptions): Record<string, unknown> | undefined {
  const b: Record<string, unknown> = {};
  if (o.gracePeriodSeconds !== undefined) b.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.propagationPolicy) b.propagationPolicy = o.propagationPolicy;
  if (o.preconditions) b.preconditions = o.preconditions;
  if (o.dryRun) b.dryRun = ['All'];
  if (o.orphanDependents !== undefined) b.orphanDependents = o.orphanDependents;
  if (!Object.keys(b).length) return undefined;
  return { kind: 'DeleteOptions', apiVersion: 'v1', ...b };
}

function abortError(signal: AbortSignal | undefined, fallback: string): Error {
  const r = signal?.reason;
  if (r instanceof Error) return r;
  const e = new Error(fallback);
  e.name = 'AbortError';
  return e;
}

/** Errors of the transport after which a request was certainly not processed (safe to resend). */
function isRefusedBeforeProcessing(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException & { rstCode?: number } | undefined;
  if (!e) return false;
  if (e.code === 'ERR_HTTP2_GOAWAY_SESSION' || e.code === 'ERR_HTTP2_INVALID_SESSION' || e.code === 'ERR_HTTP2_SESSION_CLOSED') return true;
  return e.code === 'ERR_HTTP2_STREAM_ERROR' && /REFUSED_STREAM/.test(e.message);
}

/** "Connection reset by peer" / unexpected EOF: client-go retries these for GETs. */
function isProbableConnectionReset(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e) return false;
  const sock = socketErrorCode(e);
  if (sock && sock !== 'ECONNRESET' && sock !== 'EPIPE') return false; // refused, unreachable, DNS: not a reset
  return (
    e.code === 'ECONNRESET' ||
    e.code === 'EPIPE' ||
    e.code === 'ERR_HTTP2_STREAM_CANCEL' ||
    e.code === 'ERR_HTTP2_SESSION_ERROR' ||
    e.code === 'ERR_HTTP2_STREAM_ERROR' ||
    /stream closed before the response ended|socket hang up|GOAWAY/.test(e.message ?? '')
  );
}

const MAX_RETRIES = 10;
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;
const TOKEN_FILE_PERIOD_MS = 60_000;
const LONG_THROTTLE_MS = 50;
const EXTRA_LONG_THROTTLE_MS = 1000;

interface SessionSlot {
  s: http2.ClientHttp2Session;
  active: number;
  dead: boolean;
  ping?: NodeJS.Timeout;
}

// ---------------------------------------------------------------------------------------------
// Watch stream

/**
 * The events of one watch request, as an async iterable: `for await (const ev of w)`. It ends
 * when the server closes the stream (timeoutSeconds, shutdown), on a transport error (then
 * `error` says which), or after stop(). ERROR events (a Status object) are delivered as events;
 * apiErrorOf(ev) turns them into an ApiError. Fake transports construct one directly and feed
 * it with push()/end().
 */
export class Watcher<T = KubeObject> implements AsyncIterableIterator<WatchEvent<T>> {
  private queue: WatchEvent<T>[] = [];
  private waiter?: (r: IteratorResult<WatchEvent<T>>) => void;
  private finished = false;
  private stopped = false;
  private resolveDone!: () => void;
  /** set when the stream ended because of a transport error (not a clean close / stop) */
  error?: Error;
  /** resolves when the stream has ended (for any reason) */
  readonly done: Promise<void>;
  /** pause/resume the producer when the consumer falls behind */
  private flow?: { pause(): void; resume(): void };
  private paused = false;
  private static readonly HIGH_WATER = 1000;
  private static readonly LOW_WATER = 100;

  constructor(private readonly onStop?: () => void) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** @internal back-pressure hooks */
  setFlowControl(flow: { pause(): void; resume(): void }): void {
    this.flow = flow;
  }

  /** Deliver an event (ignored after the stream ended). */
  push(ev: WatchEvent<T>): void {
    if (this.finished) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: ev, done: false });
      return;
    }
    this.queue.push(ev);
    if (!this.paused && this.flow && this.queue.length >= Watcher.HIGH_WATER) {
      this.paused = true;
      this.flow.pause();
    }
  }

  /** End the stream (err: why, when it was not a clean close). */
  end(err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    if (err && !this.stopped) this.error = err;
    if (this.waiter && this.queue.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
    this.resolveDone();
  }

  /** Stop watching: the server stream is cancelled; iteration ends after already queued events are dropped. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    try {
      this.onStop?.();
    } finally {
      this.end();
    }
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  next(): Promise<IteratorResult<WatchEvent<T>>> {
    const ev = this.queue.shift();
    if (ev) {
      if (this.paused && this.queue.length <= Watcher.LOW_WATER) {
        this.paused = false;
        this.flow?.resume();
      }
      return Promise.resolve({ value: ev, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => (this.waiter = r));
  }

  return(): Promise<IteratorResult<WatchEvent<T>>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchEvent<T>> {
    return this;
  }
}

/** The ApiError an ERROR watch event carries. */
export function apiErrorOf(ev: WatchEvent<unknown>): ApiError {
  return ApiError.fromStatus(ev.object);
}

// ---------------------------------------------------------------------------------------------
// The client

export class RestClient {
  readonly server: URL;
  readonly userAgent: string;
  readonly rateLimiter: RateLimiter;
  readonly timeoutMs: number;
  /** the kubeconfig context's namespace, if any */
  readonly namespace?: string;
  private slot?: SessionSlot;
  private closed = false;
  private token?: string;
  private tokenReadAt = 0;
  private tokenRefresh?: Promise<void>;
  private readonly basePath: string;

  constructor(readonly config: RestConfig) {
    this.server = new URL(config.server);
    if (this.server.protocol !== 'https:' && this.server.protocol !== 'http:') throw new Error(`unsupported server URL ${config.server}`);
    this.basePath = this.server.pathname.replace(/\/+$/, '');
    this.userAgent = config.userAgent ?? defaultUserAgent();
    const qps = config.qps ?? 5;
    const burst = config.burst ?? 10;
    if (config.rateLimiter) this.rateLimiter = config.rateLimiter;
    else if (qps < 0) this.rateLimiter = new UnlimitedRateLimiter();
    else {
      if (qps > 0 && burst < 1) throw new Error('burst is required to be greater than 0 when RateLimiter is not set and QPS is set to greater than 0');
      this.rateLimiter = new TokenBucketRateLimiter(qps === 0 ? 5 : qps, qps === 0 ? 10 : burst);
    }
    this.timeoutMs = config.timeoutMs ?? 0;
    this.namespace = config.namespace;
    this.token = config.token;
    if (config.tokenFile) {
      // Read synchronously once so the first request is authenticated (client-go reads it when
      // building the config); then re-read at most once a minute.
      try {
        this.token = readFileSync(config.tokenFile, 'utf8').trim();
        this.tokenReadAt = Date.now();
      } catch (e) {
        if (!this.token) throw e;
      }
    }
  }

  /** A client from a kubeconfig file (its current context, or opts.context). */
  static async fromKubeconfig(path: string, opts: ClientOptions = {}): Promise<RestClient> {
    const cfg = await readKubeconfig(path);
    const resolved = await resolveKubeconfig(cfg, opts.context);
    const user = cfg.users.find((u) => u.name === resolved.userName)?.user;
    const c = configFromResolved(resolved);
    // As clientcmd: a token wins over tokenFile; with tokenFile only, the file is the source.
    if (!user?.token && user?.tokenFile) c.tokenFile = user.tokenFile;
    if (user?.as || user?.['as-groups']?.length || user?.['as-uid']) {
      c.impersonate = {};
      if (user.as) c.impersonate.user = user.as;
      if (user['as-groups']?.length) c.impersonate.groups = user['as-groups'];
      if (user['as-uid']) c.impersonate.uid = user['as-uid'];
    }
    return new RestClient({ ...c, ...withoutUndefined(opts) });
  }

  /**
   * rest.InClusterConfig: KUBERNETES_SERVICE_HOST/PORT, the service account token (a token
   * file, re-read) and CA at /var/run/secrets/kubernetes.io/serviceaccount.
   */
  static async inCluster(opts: Omit<ClientOptions, 'context'> = {}): Promise<RestClient> {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) throw new Error('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let ca: string | undefined;
    try {
      ca = await readFile(`${dir}/ca.crt`, 'utf8');
    } catch {
      ca = undefined;
    }
    let namespace: string | undefined;
    try {
      namespace = (await readFile(`${dir}/namespace`, 'utf8')).trim();
    } catch {
      namespace = undefined;
    }
    return new RestClient({ server, caCertPem: ca, tokenFile: `${dir}/token`, namespace, ...withoutUndefined(opts) });
  }

  /** Replace the bearer token (a token source refreshing e.g. a TokenRequest token). */
  setToken(token: string): void {
    this.token = token;
  }

  /** Close the HTTP/2 session (in-flight requests are allowed to finish). */
  close(): void {
    this.closed = true;
    const slot = this.slot;
    this.slot = undefined;
    if (slot) this.retire(slot, false);
  }

  /** Destroy the session now (open streams, watches included, are reset). */
  destroy(): void {
    this.closed = true;
    const slot = this.slot;
    this.slot = undefined;
    if (slot) this.retire(slot, true);
  }

  // ----- session management -----

  private retire(slot: SessionSlot, destroy: boolean): void {
    slot.dead = true;
    if (slot.ping) clearInterval(slot.ping);
    slot.ping = undefined;
    if (this.slot === slot) this.slot = undefined;
    if (destroy) {
      if (!slot.s.destroyed) slot.s.destroy();
    } else if (!slot.s.closed && !slot.s.destroyed) slot.s.close();
  }

  private session(): SessionSlot {
    if (this.closed) throw new Error('rest client is closed');
    const cur = this.slot;
    if (cur && !cur.dead && !cur.s.closed && !cur.s.destroyed) return cur;
    const c = this.config;
    const s = http2.connect(this.server.origin, {
      ca: c.caCertPem,
      cert: c.clientCertPem,
      key: c.clientKeyPem,
      servername: c.tlsServerName ?? (isIP(this.server.hostname) ? undefined : this.server.hostname),
      rejectUnauthorized: !c.insecureSkipTLSVerify,
      settings: { enablePush: false, initialWindowSize: 4 * 1024 * 1024 },
    });
    const slot: SessionSlot = { s, active: 0, dead: false };
    s.unref();
    s.on('error', (err) => {
      log.v(4).info('HTTP/2 session error', { server: this.server.origin, err });
      this.retire(slot, true);
    });
    s.on('goaway', (code) => {
      log.v(4).info('HTTP/2 GOAWAY received, reconnecting for new requests', { server: this.server.origin, code });
      // streams the server accepted finish on this session (close() is graceful); new ones go
      // to a new session
      this.retire(slot, false);
    });
    s.on('close', () => {
      slot.dead = true;
      if (slot.ping) clearInterval(slot.ping);
      if (this.slot === slot) this.slot = undefined;
    });
    s.on('connect', () => {
      try {
        s.setLocalWindowSize(16 * 1024 * 1024);
      } catch {
        // ignore
      }
    });
    // client-go's HTTP/2 health check (ReadIdleTimeout 30s / PingTimeout 15s): a dead peer is
    // detected even while a watch is idle.
    slot.ping = setInterval(() => {
      if (slot.dead || s.destroyed || s.connecting || slot.active === 0) return;
      const t = setTimeout(() => {
        log.info('HTTP/2 health check failed (no PING ack), closing the connection', { server: this.server.origin });
        this.retire(slot, true);
      }, PING_TIMEOUT_MS);
      t.unref();
      try {
        s.ping((err) => {
          clearTimeout(t);
          if (err && !slot.dead) this.retire(slot, true);
        });
      } catch {
        clearTimeout(t);
      }
    }, PING_INTERVAL_MS);
    slot.ping.unref();
    this.slot = slot;
    return slot;
  }

  private acquire(slot: SessionSlot): () => void {
    if (slot.active++ === 0) slot.s.ref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--slot.active === 0 && !slot.s.destroyed) slot.s.unref();
    };
  }

  // ----- auth -----

  private async authHeaders(): Promise<Record<string, string>> {
    const h: Record<string, string> = {};
    const c = this.config;
    if (c.tokenFile && Date.now() - this.tokenReadAt >= TOKEN_FILE_PERIOD_MS) {
      this.tokenRefresh ??= readFile(c.tokenFile, 'utf8')
        .then((t) => {
          this.token = t.trim();
          this.tokenReadAt = Date.now();
        })
        .catch((err) => {
          // keep the cached token (client-go logs and keeps serving the old one)
          log.error('failed to re-read the token file', { file: c.tokenFile, err });
          this.tokenReadAt = Date.now();
        })
        .finally(() => (this.tokenRefresh = undefined));
      await this.tokenRefresh;
    }
    if (this.token) h.authorization = `Bearer ${this.token}`;
    else if (c.username !== undefined && c.password !== undefined) h.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    if (c.impersonate?.user) h['impersonate-user'] = c.impersonate.user;
    if (c.impersonate?.uid) h['impersonate-uid'] = c.impersonate.uid;
    return h;
  }

  private async throttle(signal?: AbortSignal): Promise<void> {
    const start = now();
    await this.rateLimiter.wait(signal);
    const waited = now() - start;
    if (waited > LONG_THROTTLE_MS) {
      const msg = `Waited for ${(waited / 1000).toFixed(3)}s due to client-side throttling, not priority and fairness`;
      if (waited > EXTRA_LONG_THROTTLE_MS) log.v(2).info(msg);
      else log.v(3).info(msg);
    }
  }

  private handleWarnings(headers: http2.IncomingHttpHeaders): void {
    const w = headers.warning;
    if (!w) return;
    for (const one of Array.isArray(w) ? w : [w]) {
      // RFC 7234: 299 - "text"
      const m = /^\s*299\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(one);
      const text = m ? m[1].replace(/\\(.)/g, '$1') : one;
      if (this.config.warningHandler) this.config.warningHandler(text);
      else log.warning(`Warning: ${text}`);
    }
  }

  // ----- raw requests -----

  private async buildHeaders(method: string, req: RawRequest, payload: Buffer | undefined): Promise<http2.OutgoingHttpHeaders> {
    const h: http2.OutgoingHttpHeaders = {
      ':method': method,
      ':path': this.basePath + req.path + toQuery(req.query),
      accept: 'application/json, */*',
      'user-agent': this.userAgent,
      ...(await this.authHeaders()),
      ...req.headers,
    };
    const groups = this.config.impersonate?.groups;
    if (groups?.length) h['impersonate-group'] = groups;
    if (payload !== undefined) {
      h['content-type'] = req.contentType ?? 'application/json';
      h['content-length'] = payload.length;
    }
    return h;
  }

  private once(headers: http2.OutgoingHttpHeaders, payload: Buffer | undefined, signal: AbortSignal | undefined): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal, 'request aborted'));
        return;
      }
      let slot: SessionSlot;
      let stream: http2.ClientHttp2Stream;
      try {
        slot = this.session();
        stream = slot.s.request(headers, { endStream: payload === undefined });
      } catch (e) {
        reject(e);
        return;
      }
      const release = this.acquire(slot);
      const chunks: Buffer[] = [];
      let status = 0;
      let resHeaders: http2.IncomingHttpHeaders = {};
      let settled = false;
      const onAbort = () => {
        if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        finish(abortError(signal, 'request aborted'));
      };
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        release();
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve({ status, headers: resHeaders, body: Buffer.concat(chunks) });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('response', (hs) => {
        status = Number(hs[':status']);
        resHeaders = hs;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => finish());
      stream.on('error', (err) => finish(err));
      stream.on('close', () => {
        if (!settled) {
          const e = new Error(`stream closed before the response ended (rst code ${stream.rstCode})`) as NodeJS.ErrnoException;
          e.code = stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM ? 'ERR_HTTP2_STREAM_ERROR' : 'ECONNRESET';
          if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) e.message = 'Stream closed with error code NGHTTP2_REFUSED_STREAM';
          finish(e);
        }
      });
      if (payload !== undefined) stream.end(payload);
    });
  }

  /**
   * One API call with client-go's retry policy: rate limited per attempt; retried (at most 10
   * times) when the server answers 429 or 5xx with Retry-After, when the stream was refused
   * before processing, and — for GETs — after a connection reset. Returns the raw response of a
   * 2xx answer; throws ApiError otherwise.
   */
  async requestRaw(req: RawRequest): Promise<RawResponse> {
    const method = req.method.toUpperCase();
    let payload: Buffer | undefined;
    if (req.body !== undefined) payload = Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const signals: AbortSignal[] = [];
    if (req.signal) signals.push(req.signal);
    // an explicit timer rather than AbortSignal.timeout: AbortSignal.any holds its sources
    // weakly, and a timeout signal that gets collected never fires
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      const c = new AbortController();
      timer = setTimeout(() => c.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
      signals.push(c.signal);
    }
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    try {
      return await this.requestWithRetries(req, method, payload, signal, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  private async requestWithRetries(req: RawRequest, method: string, payload: Buffer | undefined, signal: AbortSignal | undefined, timeoutMs: number): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      await this.throttle(signal);
      const headers = await this.buildHeaders(method, req, payload);
      let res: RawResponse;
      try {
        res = await this.once(headers, payload, signal);
      } catch (err) {
        if (signal?.aborted) throw timeoutOrAbort(signal, req, method, timeoutMs);
        if (attempt < MAX_RETRIES && !this.closed) {
          if (isRefusedBeforeProcessing(err)) continue;
          if (method === 'GET' && isProbableConnectionReset(err)) {
            log.v(4).info('retrying GET after a connection error', { path: req.path, err });
            await sleep(1000, signal).catch(() => {});
            if (signal?.aborted) throw timeoutOrAbort(signal, req, method, timeoutMs);
            continue;
          }
        }
        throw this.transportError(method, req, err);
      }
      this.handleWarnings(res.headers);
      if (res.status >= 200 && res.status < 300) return res;
      const retryAfter = retryAfterSeconds(res);
      if (retryAfter !== undefined && attempt < MAX_RETRIES && !this.closed) {
        log.v(4).info('Got a Retry-After response', { delay: `${retryAfter}s`, attempt: attempt + 1, path: req.path, code: res.status });
        await sleep(retryAfter * 1000, signal).catch(() => {});
        if (signal?.aborted) throw timeoutOrAbort(signal, req, method, timeoutMs);
        continue;
      }
      throw ApiError.fromResponse(res.status, res.body.toString('utf8'), method, req.ref);
    }
  }

  /** requestRaw with the body parsed as JSON (undefined for an empty body). */
  async request<T = unknown>(req: RawRequest): Promise<T> {
    const res = await this.requestRaw(req);
    if (res.body.length === 0) return undefined as T;
    const text = res.body.toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** A transport failure as Go's url.Error reads: `Get "https://…/path": connect ECONNREFUSED …` (code kept). */
  private transportError(method: string, req: RawRequest, err: unknown): unknown {
    if (err instanceof StatusError || !(err instanceof Error)) return err;
    const code = socketErrorCode(err);
    let root: Error = err;
    while (root.cause instanceof Error) root = root.cause;
    const verb = method.charAt(0) + method.slice(1).toLowerCase();
    const e = new Error(`${verb} "${this.server.origin}${this.basePath}${req.path}${toQuery(req.query)}": ${root.message}`, { cause: err }) as NodeJS.ErrnoException;
    e.code = code ?? (err as NodeJS.ErrnoException).code;
    return e;
  }

  // ----- typed verbs -----

  async get<T = KubeObject>(ref: ResourceRef, opts: GetOptions = {}): Promise<T> {
    if (!ref.name) throw new Error('get: resource name may not be empty');
    const q: Record<string, string | undefined> = {};
    if (opts.resourceVersion) q.resourceVersion = opts.resourceVersion;
    return this.request<T>({ ...opts, method: 'GET', path: resourcePath(ref), query: q, ref });
  }

  async list<T = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const l = await this.request<ObjectList<T>>({ ...opts, method: 'GET', path: resourcePath(ref, { collection: true }), query: listQuery(opts, false), ref });
    l.metadata ??= {};
    l.items ??= [];
    return l;
  }

  /** POST to the collection (or to ref.name/ref.subresource when a subresource is given, e.g. pods/binding). */
  async create<T = KubeObject>(ref: ResourceRef, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    const ns = ref.namespace ?? (obj as KubeObject)?.metadata?.namespace;
    const r: ResourceRef = { ...ref, namespace: ns };
    const path = ref.subresource ? resourcePath(r) : resourcePath(r, { collection: true });
    return this.request<T>({ ...opts, method: 'POST', path, query: writeQuery(opts), body: obj, ref: r });
  }

  /** PUT the object (name and namespace from ref, else from the object's metadata). */
  async update<T = KubeObject>(ref: ResourceRef, obj: unknown, opts: WriteOptions = {}): Promise<T> {
    const meta = (obj as KubeObject)?.metadata;
    const r: ResourceRef = { ...ref, namespace: ref.namespace ?? meta?.namespace, name: ref.name ?? meta?.name };
    if (!r.name) throw new Error('update: resource name may not be empty');
    return this.request<T>({ ...opts, method: 'PUT', path: resourcePath(r), query: writeQuery(opts), body: obj, ref: r });
  }

  async patch<T = KubeObject>(ref: ResourceRef, type: PatchType, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    if (!ref.name) throw new Error('patch: resource name may not be empty');
    const contentType = patchContentTypes[type];
    if (!contentType) throw new Error(`unknown patch type ${type}`);
    if (type === 'apply' && !opts.fieldManager) throw new Error('PatchOptions.fieldManager is required for apply requests');
    if (type !== 'apply' && opts.force !== undefined) throw new Error('force may only be set for apply requests');
    return this.request<T>({ ...opts, method: 'PATCH', path: resourcePath(ref), query: writeQuery(opts), body: patch, contentType, ref });
  }

  /** DELETE one object; returns what the server answers (the object while it is being finalized, or a Status). */
  async delete<T = unknown>(ref: ResourceRef, opts: DeleteOptions = {}): Promise<T> {
    if (!ref.name) throw new Error('delete: resource name may not be empty');
    return this.request<T>({ ...opts, method: 'DELETE', path: resourcePath(ref), query: opts.dryRun ? { dryRun: 'All' } : undefined, body: deleteBody(opts), ref });
  }

  async deleteCollection<T = unknown>(ref: ResourceRef, listOpts: Omit<ListOptions, keyof RequestOptions> = {}, opts: DeleteOptions = {}): Promise<T> {
    const q = listQuery(listOpts, false);
    if (opts.dryRun) q.dryRun = 'All';
    return this.request<T>({ ...opts, method: 'DELETE', path: resourcePath(ref, { collection: true }), query: q, body: deleteBody(opts), ref });
  }

  /**
   * Start a watch. Resolves once the server accepted it (HTTP 200) with a Watcher of the events;
   * rejects with an ApiError when it refused (e.g. 410 Expired for a too old resourceVersion).
   */
  async watch<T = KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<Watcher<T>> {
    const r: ResourceRef = { ...ref, name: undefined };
    const q = listQuery(opts, true);
    if (ref.name) q.fieldSelector = [`metadata.name=${ref.name}`, opts.fieldSelector].filter(Boolean).join(',');
    const req: RawRequest = { ...opts, method: 'GET', path: resourcePath(r, { collection: true }), query: q, ref };
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      await this.throttle(opts.signal);
      const headers = await this.buildHeaders('GET', req, undefined);
      try {
        return await this.openWatch<T>(headers, opts.signal, timeoutMs, req);
      } catch (err) {
        if (opts.signal?.aborted) throw abortError(opts.signal, 'watch aborted');
        if (attempt < MAX_RETRIES && !this.closed && isRefusedBeforeProcessing(err)) continue;
        if (err instanceof RetryAfter && attempt < MAX_RETRIES && !this.closed) {
          await sleep(err.seconds * 1000, opts.signal);
          continue;
        }
        if (err instanceof RetryAfter) throw err.error;
        throw this.transportError('GET', req, err);
      }
    }
  }

  private openWatch<T>(headers: http2.OutgoingHttpHeaders, signal: AbortSignal | undefined, timeoutMs: number, req: RawRequest): Promise<Watcher<T>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal, 'watch aborted'));
        return;
      }
      let slot: SessionSlot;
      let stream: http2.ClientHttp2Stream;
      try {
        slot = this.session();
        stream = slot.s.request(headers, { endStream: true });
      } catch (e) {
        reject(e);
        return;
      }
      const release = this.acquire(slot);
      let accepted = false;
      let settled = false;
      const cancel = () => {
        if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      };
      const watcher = new Watcher<T>(cancel);
      watcher.setFlowControl({ pause: () => stream.pause(), resume: () => stream.resume() });
      const headerTimer = timeoutMs > 0 ? setTimeout(() => fail(new Error(`watch ${req.path}: no response within ${timeoutMs}ms`)), timeoutMs) : undefined;
      const onAbort = () => {
        if (!settled) fail(abortError(signal, 'watch aborted'));
        else watcher.stop();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        release();
        if (headerTimer) clearTimeout(headerTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        cancel();
        cleanup();
        reject(err);
      };
      let errBody = '';
      let buf = '';
      let status = 0;
      stream.setEncoding('utf8');
      stream.on('response', (hs) => {
        status = Number(hs[':status']);
        this.handleWarnings(hs);
        if (status === 200) {
          accepted = true;
          settled = true;
          if (headerTimer) clearTimeout(headerTimer);
          resolve(watcher);
        }
      });
      const emitLine = (line: string) => {
        let ev: WatchEvent<T>;
        try {
          ev = JSON.parse(line);
        } catch (e) {
          // client-go's StreamWatcher reports an undecodable event as an InternalError ERROR event
          watcher.push({
            type: 'ERROR',
            object: internalErrorStatus(`unable to decode an event from the watch stream: ${(e as Error).message}`) as unknown as T,
          });
          watcher.stop();
          return;
        }
        if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string') return;
        watcher.push(ev);
      };
      stream.on('data', (chunk: string) => {
        if (!accepted) {
          errBody += chunk;
          return;
        }
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) emitLine(line);
        }
      });
      const onEnd = (err?: Error) => {
        if (!accepted) {
          if (settled) return;
          if (err) {
            fail(err);
            return;
          }
          settled = true;
          cleanup();
          const res = { status, headers: {}, body: Buffer.from(errBody) } as RawResponse;
          const ra = retryAfterSeconds(res);
          if (status === 0) reject(new Error(`watch ${req.path}: stream closed before a response (rst code ${stream.rstCode})`));
          else if (ra !== undefined) reject(new RetryAfter(ra, ApiError.fromResponse(status, errBody, 'GET', req.ref)));
          else reject(ApiError.fromResponse(status, errBody, 'GET', req.ref));
          return;
        }
        if (buf.trim()) {
          const line = buf.trim();
          buf = '';
          emitLine(line);
        }
        cleanup();
        watcher.end(err);
      };
      stream.on('end', () => onEnd());
      stream.on('error', (err) => onEnd(err));
      stream.on('close', () => {
        if (!accepted && !settled && stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
          const e = new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM') as NodeJS.ErrnoException;
          e.code = 'ERR_HTTP2_STREAM_ERROR';
          onEnd(e);
          return;
        }
        onEnd(stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_CANCEL && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR ? new Error(`watch stream reset (rst code ${stream.rstCode})`) : undefined);
      });
    });
  }
}

class RetryAfter extends Error {
  constructor(
    readonly seconds: number,
    readonly error: ApiError,
  ) {
    super(`retry after ${seconds}s`);
  }
}

function retryAfterSeconds(res: RawResponse): number | undefined {
  if (res.status !== 429 && res.status < 500) return undefined;
  const h = res.headers['retry-after'];
  const v = Array.isArray(h) ? h[0] : h;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) return undefined;
  return n;
}

function internalErrorStatus(message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

function timeoutOrAbort(signal: AbortSignal, req: RawRequest, method: string, timeoutMs: number): Error {
  const r = signal.reason as Error | undefined;
  if (r && r.name === 'TimeoutError') {
    const e = new Error(`${method} ${req.path}: client timeout exceeded after ${timeoutMs}ms (Client.Timeout exceeded)`);
    e.name = 'TimeoutError';
    return e;
  }
  return abortError(signal, 'request aborted');
}

function isIP(h: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(h) || h.includes(':') || h.startsWith('[');
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'context') (out as Record<string, unknown>)[k] = v;
  return out;
}
