// The connect subresources' options, decoded from the query string as upstream's parameter
// codec does (PodLogOptions, PodExecOptions, PodAttachOptions, PodPortForwardOptions) and
// validated as upstream (ValidatePodLogOptions), and their kubelet query forms.

import { StatusError, badRequest, fieldErr, invalid } from '../../apimachinery/errors.js';
import type { FieldError } from '../../apimachinery/errors.js';

export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC 3339, as given (re-formatted to seconds precision for the kubelet) */
  sinceTime?: Date;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend: boolean;
}

export interface PodStreamOptions {
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** exec only */
  command: string[];
}

export interface PodPortForwardOptions {
  ports: number[];
}

/** Go's query-to-bool conversion: absent, "0" and "false" are false, anything else is true. */
export function queryBool(query: URLSearchParams, key: string): boolean {
  const v = query.get(key);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** An int64 query parameter; Go's strconv error text on a malformed value. */
function queryInt(query: URLSearchParams, key: string): number | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return n;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function queryTime(query: URLSearchParams, key: string): Date | undefined {
  const v = query.get(key);
  if (v === null || v === '') return undefined;
  const d = new Date(v);
  if (!RFC3339.test(v) || Number.isNaN(d.getTime())) {
    throw badRequest(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
  }
  return d;
}

/** PodLogOptions from the query, validated as upstream (422 PodLogOptions "<pod>" is invalid). */
export function parsePodLogOptions(query: URLSearchParams, podName: string): PodLogOptions {
  const opts: PodLogOptions = {
    container: query.get('container') ?? '',
    follow: queryBool(query, 'follow'),
    previous: queryBool(query, 'previous'),
    timestamps: queryBool(query, 'timestamps'),
    sinceSeconds: queryInt(query, 'sinceSeconds'),
    sinceTime: queryTime(query, 'sinceTime'),
    tailLines: queryInt(query, 'tailLines'),
    limitBytes: queryInt(query, 'limitBytes'),
    insecureSkipTLSVerifyBackend: queryBool(query, 'insecureSkipTLSVerifyBackend'),
  };
  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) errs.push(fieldErr.invalid('tailLines', opts.tailLines, 'must be greater than or equal to 0'));
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) errs.push(fieldErr.invalid('limitBytes', opts.limitBytes, 'must be greater than 0'));
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    errs.push(fieldErr.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errs.push(fieldErr.invalid('sinceSeconds', opts.sinceSeconds, 'must be greater than 0'));
  }
  if (errs.length) throw invalid('PodLogOptions', '', podName, errs);
  return opts;
}

/** The kubelet's /containerLogs query (upstream's LogLocation). */
export function logQuery(o: PodLogOptions): string {
  const p = new URLSearchParams();
  if (o.follow) p.set('follow', 'true');
  if (o.previous) p.set('previous', 'true');
  if (o.timestamps) p.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) p.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime) p.set('sinceTime', o.sinceTime.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (o.tailLines !== undefined) p.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) p.set('limitBytes', String(o.limitBytes));
  return sortedQuery(p);
}

/** PodExecOptions / PodAttachOptions from the query. */
export function parsePodStreamOptions(query: URLSearchParams): PodStreamOptions {
  return {
    container: query.get('container') ?? '',
    stdin: queryBool(query, 'stdin'),
    stdout: queryBool(query, 'stdout'),
    stderr: queryBool(query, 'stderr'),
    tty: queryBool(query, 'tty'),
    command: query.getAll('command'),
  };
}

/**
 * At least one stream is required (the kubelet's remotecommand check, answered here before a
 * connection to the kubelet is opened; same 400 text).
 */
export function validatePodStreamOptions(o: PodStreamOptions): void {
  if (!o.stdin && !o.stdout && !o.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
}

/** The kubelet's /exec and /attach query: input/output/error/tty=1 and command (upstream's streamParams). */
export function streamQuery(o: PodStreamOptions, withCommand: boolean): string {
  const p = new URLSearchParams();
  if (o.stdin) p.append('input', '1');
  if (o.stdout) p.append('output', '1');
  if (o.stderr) p.append('error', '1');
  if (o.tty) p.append('tty', '1');
  if (withCommand) for (const c of o.command) p.append('command', c);
  return sortedQuery(p);
}

/** PodPortForwardOptions: repeated or comma-separated `ports`, each 1..65535. */
export function parsePortForwardOptions(query: URLSearchParams): PodPortForwardOptions {
  const ports: number[] = [];
  for (const v of query.getAll('ports')) {
    for (const s of v.split(',')) {
      if (!/^\d+$/.test(s.trim())) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
      const n = Number(s.trim());
      if (n < 1 || n > 65535) throw new StatusError(400, 'BadRequest', `invalid port ${n}: must be between 1 and 65535, inclusive`);
      ports.push(n);
    }
  }
  return { ports };
}

/** The kubelet's /portForward query: port=a,b. */
export function portForwardQuery(o: PodPortForwardOptions): string {
  return o.ports.length ? `port=${o.ports.join('%2C')}` : '';
}

/** Go's url.Values.Encode: keys sorted, values in order. */
function sortedQuery(p: URLSearchParams): string {
  const keys = [...new Set([...p.keys()])].sort();
  const out = new URLSearchParams();
  for (const k of keys) for (const v of p.getAll(k)) out.append(k, v);
  return out.toString();
}
