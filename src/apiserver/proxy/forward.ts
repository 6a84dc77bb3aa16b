// Plain (non-upgrade) forwarding: pods/log streams the kubelet's /containerLogs answer as
// upstream's LocationStreamer does (status mapped by its response checker, body flushed as it
// arrives), and the proxy subresources forward any method as upstream's reverse proxy does
// (hop-by-hop and credential headers dropped, X-Forwarded-*, Location rewritten, errors as
// "error trying to reach service: ...").

import * as http from 'node:http';
import * as https from 'node:https';
import { posix } from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import { StatusError, badRequest, internalError } from '../../apimachinery/errors.js';
import type { Req, Res } from '../http.js';
import type { Location } from './location.js';
import { joinHostPort, locationURL } from './location.js';
import type { ProxyTransports } from './transport.js';
import { goNetError } from './transport.js';

/** upstream's maxReadLength for a backend's error body */
const MAX_ERROR_BODY = 50000;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** The request headers a proxy may forward: no hop-by-hop, pseudo, Authorization or Impersonate-* headers. */
export function forwardableHeaders(headers: IncomingHttpHeaders, keepUpgrade = false): Record<string, string | string[]> {
  const connTokens = String(headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()).filter(Boolean);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.startsWith(':')) continue;
    const lk = k.toLowerCase();
    if (lk === 'authorization' || lk.startsWith('impersonate-')) continue;
    if (!keepUpgrade && (HOP_BY_HOP.has(lk) || connTokens.includes(lk))) continue;
    out[lk] = v as string | string[];
  }
  return out;
}

/** X-Forwarded-For with the client's address appended (Go's reverse proxy). */
export function appendForwardedFor(prior: string | string[] | undefined, clientIP: string | undefined): string | undefined {
  if (!clientIP) return prior === undefined ? undefined : String(prior);
  const p = Array.isArray(prior) ? prior.join(', ') : prior;
  return p ? `${p}, ${clientIP}` : clientIP;
}

/** The Host header the client sent (HTTP/2 :authority or HTTP/1 Host). */
export function requestHost(req: Req): string {
  return String(req.headers[':authority'] ?? req.headers.host ?? '');
}

/** Apply a connect-only timeout to a client request (keep-alive sockets are already connected). */
function dialTimeout(out: http.ClientRequest, ms: number): void {
  out.once('socket', (s) => {
    if (!s.connecting) return;
    const t = setTimeout(() => out.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), ms);
    s.once((s as any).encrypted ? 'secureConnect' : 'connect', () => clearTimeout(t));
    s.once('close', () => clearTimeout(t));
  });
}

function request(loc: Location, transports: ProxyTransports, method: string, headers: Record<string, string | string[]>): http.ClientRequest {
  const mod = loc.scheme === 'https' ? https : http;
  const out = mod.request({
    host: loc.host,
    port: Number(loc.port),
    method,
    path: `${loc.path || '/'}${loc.query ? `?${loc.query}` : ''}`,
    headers,
    agent: transports.agent(loc),
    ...(loc.scheme === 'https' ? transports.tlsOptions(loc.transport, loc.host) : {}),
  } as https.RequestOptions);
  dialTimeout(out, transports.dialTimeout(loc.transport));
  return out;
}

function readLimited(body: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c.subarray(0, limit - size));
      size += c.length;
    });
    body.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    body.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    body.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * A backend's non-2xx answer as upstream's GenericHttpResponseChecker turns it into a Status
 * (500 → InternalError, 400 → BadRequest with the body, others the generic server response).
 */
export function checkResponse(code: number, body: string, resource: string, name: string): StatusError | undefined {
  if (code >= 200 && code <= 206) return undefined;
  if (code === 500) return internalError(body);
  if (code === 400) return badRequest(body);
  let reason: StatusError['reason'] = '';
  let message = `the server responded with the status code ${code} but did not return more information`;
  switch (code) {
    case 404: reason = 'NotFound'; message = 'the server could not find the requested resource'; break;
    case 401: reason = 'Unauthorized'; message = 'the server has asked for the client to provide credentials'; break;
    case 403: reason = 'Forbidden'; message = body; break;
    case 405: reason = 'MethodNotAllowed'; message = 'the server does not allow this method on the requested resource'; break;
    case 409: reason = 'Conflict'; message = 'the server reported a conflict'; break;
    case 422: reason = 'Invalid'; message = 'the server rejected our request due to an error in our request'; break;
    case 429: reason = 'TooManyRequests'; message = 'the server has received too many requests and has asked us to try again later'; break;
    case 503: reason = 'ServiceUnavailable'; message = 'the server is currently unable to handle the request'; break;
    case 504: reason = 'Timeout'; message = 'the server was unable to return a response in the time allotted, but may still be processing the request'; break;
    default:
      if (code >= 500) {
        reason = 'InternalError';
        message = `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding`;
      }
  }
  return new StatusError(code, reason, `${message} ( ${resource} ${name})`, {
    name,
    kind: resource,
    causes: body ? [{ reason: 'UnexpectedServerResponse', message: body }] : undefined,
  });
}

export type Answer = { code: number; headers: Record<string, string | string[]> } | StatusError;

/**
 * Run a backend request and copy its answer into res: status and headers decided by `head`
 * (or a Status error), the body written as it arrives (nothing is held back, so streams like
 * `logs -f` flow), the backend request aborted when the client goes away.
 */
export function relay(out: http.ClientRequest, res: Res, onError: (err: any) => StatusError, head: (back: http.IncomingMessage) => Answer | Promise<Answer>): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    res.once('close', () => {
      out.destroy();
      finish();
    });
    out.on('error', (err) => {
      if (!res.headersSent) writeError(res, onError(err));
      else res.destroy();
      finish();
    });
    out.once('response', async (back) => {
      const answer = await head(back);
      if (answer instanceof StatusError) {
        writeError(res, answer);
        back.destroy();
        return finish();
      }
      res.writeHead(answer.code, answer.headers);
      (res as any).flushHeaders?.();
      back.on('data', (c: Buffer) => {
        if (!res.write(c)) {
          back.pause();
          res.once('drain', () => back.resume());
        }
      });
      back.once('end', () => {
        res.end();
        finish();
      });
      back.on('error', () => {
        res.destroy();
        finish();
      });
    });
  });
}

/**
 * GET loc and stream its body to res as text/plain (pods/log). Errors before the answer are
 * upstream's `Get "<url>": <dial error>` (500); the backend request ends when the client goes.
 */
export function streamFromLocation(loc: Location, transports: ProxyTransports, res: Res, checker: { resource: string; name: string }): Promise<void> {
  const url = locationURL(loc);
  const out = request(loc, transports, 'GET', { 'user-agent': 'kube-apiserver', 'accept-encoding': 'identity' });
  const done = relay(
    out,
    res,
    (err) => new StatusError(500, '', `Get ${JSON.stringify(url)}: ${goNetError(err, joinHostPort(loc.host, loc.port), 'dial', loc.host)}`),
    async (back) => {
      const code = back.statusCode ?? 500;
      if (code >= 200 && code <= 206) return { code: 200, headers: { 'content-type': 'text/plain' } };
      return checkResponse(code, await readLimited(back, MAX_ERROR_BODY), checker.resource, checker.name)!;
    },
  );
  out.end();
  return done;
}

/** Go's path rewriting of a backend's redirect Location through the proxy (upstream's rewriteURL). */
export function rewriteLocationHeader(target: string, backendHostPort: string, reqHost: string, pathPrepend: string): string {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(.*)$/.exec(target);
  if (!m) return target;
  const [, scheme, host = '', path, rest] = m;
  const differentHost = host !== '' && host !== backendHostPort && host !== reqHost;
  if (differentHost || !path.startsWith('/')) return target;
  const origin = host !== '' && host === reqHost ? `${scheme ? `${scheme}:` : ''}//${host}` : '';
  if (path.startsWith(pathPrepend)) return origin + path + rest;
  let p = posix.join(pathPrepend, path);
  if (path.endsWith('/') && !p.endsWith('/')) p += '/';
  return origin + p + rest;
}

const CORS_HEADERS = ['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin'];

/**
 * Forward req to loc and its answer back (nodes/proxy, pods/proxy, services/proxy). pathPrepend
 * is the API path up to ".../proxy", used for X-Forwarded-Uri and redirect rewriting.
 */
export function proxyRequest(loc: Location, transports: ProxyTransports, req: Req, res: Res, pathPrepend: string): Promise<void> {
  const headers = forwardableHeaders(req.headers);
  const reqHost = requestHost(req);
  if (reqHost) headers.host = reqHost;
  const xff = appendForwardedFor(headers['x-forwarded-for'], req.socket?.remoteAddress);
  if (xff) headers['x-forwarded-for'] = xff;
  let fwdUri = posix.join(pathPrepend, loc.path || '/');
  if ((loc.path || '').endsWith('/') && !fwdUri.endsWith('/')) fwdUri += '/';
  headers['x-forwarded-uri'] = fwdUri;
  const out = request(loc, transports, req.method ?? 'GET', headers);
  const done = relay(
    out,
    res,
    (err) => new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${goNetError(err, joinHostPort(loc.host, loc.port), 'dial', loc.host)}`),
    (back) => {
      const outHeaders = responseHeaders(back, CORS_HEADERS);
      if (typeof outHeaders.location === 'string') outHeaders.location = rewriteLocationHeader(outHeaders.location, joinHostPort(loc.host, loc.port), reqHost, pathPrepend);
      return { code: back.statusCode ?? 502, headers: outHeaders };
    },
  );
  req.pipe(out);
  return done;
}

/** A backend answer's headers without hop-by-hop ones (and without those named in drop). */
export function responseHeaders(back: http.IncomingMessage, drop: string[] = []): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connTokens = String(back.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
  for (const [k, v] of Object.entries(back.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || connTokens.includes(k) || drop.includes(k)) continue;
    out[k] = v as string | string[];
  }
  return out;
}

function writeError(res: Res, err: StatusError): void {
  const body = JSON.stringify(err.toStatus());
  res.writeHead(err.code, { 'content-type': 'application/json' });
  res.end(body);
}
