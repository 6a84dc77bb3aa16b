// Upgrade pass-through (exec, attach, portforward, and upgrades through the proxy
// subresources), as upstream's UpgradeAwareHandler: dial the backend, write the client's
// upgrade request (path rewritten, Authorization/Impersonate-* dropped, X-Forwarded-For
// added), read the backend's response head; 101 is relayed and bytes are piped both ways
// until either side closes; an error answer (>= 400) is relayed as-is and the connection
// closed; anything else is "invalid upgrade response".

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { StatusError } from '../../apimachinery/errors.js';
import type { Res } from '../http.js';
import type { Location } from './location.js';
import type { ProxyTransports } from './transport.js';
import { appendForwardedFor } from './forward.js';
import { logger } from '../../util/klog.js';

const log = logger('upgradeaware.go');

/** The client side of an upgrade: the raw socket and bytes read past the request head. */
export interface UpgradeConn {
  socket: Duplex;
  head: Buffer;
}

/** upstream: an error answer is written back within 10 s */
const ERROR_RELAY_DEADLINE_MS = 10_000;
const MAX_RESPONSE_HEAD = 64 * 1024;

/** The raw HTTP/1.1 request written to the backend. */
export function upgradeRequestHead(req: IncomingMessage, loc: Location): string {
  const lines = [`${req.method ?? 'GET'} ${loc.path || '/'}${loc.query ? `?${loc.query}` : ''} HTTP/1.1`];
  const prior: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i];
    const lk = k.toLowerCase();
    if (lk === 'authorization' || lk.startsWith('impersonate-')) continue;
    if (loc.headers && (lk in loc.headers || lk.startsWith('x-remote-'))) continue;
    if (lk === 'x-forwarded-for') {
      prior.push(raw[i + 1]);
      continue;
    }
    lines.push(`${k}: ${raw[i + 1]}`);
  }
  const xff = appendForwardedFor(prior.length ? prior.join(', ') : undefined, req.socket?.remoteAddress);
  if (xff) lines.push(`X-Forwarded-For: ${xff}`);
  for (const [k, v] of Object.entries(loc.headers ?? {})) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Read until the end of the response head; resolves with the status and every byte read. */
interface ResponseHead {
  status: number;
  /** every byte read so far (head and any body bytes) */
  raw: Buffer;
  /** length of the head including the blank line */
  headLength: number;
  contentLength?: number;
  chunked: boolean;
}

function readResponseHead(backend: Socket): Promise<ResponseHead> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_RESPONSE_HEAD) cleanup(new Error('net/http: response header too large'));
        return;
      }
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, Math.min(end, 64)).toString('latin1'));
      if (!m) return cleanup(new Error(`malformed HTTP response ${JSON.stringify(buf.subarray(0, Math.min(end, 40)).toString('latin1'))}`));
      const headText = buf.subarray(0, end).toString('latin1');
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
      const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(headText);
      cleanup(undefined, { status: Number(m[1]), raw: buf, headLength: end + 4, contentLength: cl ? Number(cl[1]) : undefined, chunked });
    };
    const onEnd = () => cleanup(new Error(buf.length ? 'unexpected EOF' : 'EOF'));
    const onError = (e: Error) => cleanup(e);
    const cleanup = (err?: Error, ok?: ResponseHead) => {
      backend.off('data', onData);
      backend.off('end', onEnd);
      backend.off('close', onEnd);
      backend.off('error', onError);
      backend.pause();
      if (err) reject(err);
      else resolve(ok!);
    };
    backend.on('data', onData);
    backend.once('end', onEnd);
    backend.once('close', onEnd);
    backend.once('error', onError);
  });
}

/** Connect both ends; the first to close closes the other. */
function splice(a: Duplex, b: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      a.destroy();
      b.destroy();
      resolve();
    };
    for (const s of [a, b]) {
      s.once('close', end);
      s.once('end', end);
      s.on('error', end);
    }
    a.pipe(b);
    b.pipe(a);
    a.resume();
    b.resume();
  });
}

/**
 * Proxy an upgrade request to loc. Errors before the client connection is taken over are
 * thrown as StatusErrors for the caller to write (500 "error dialing backend: ..."). The
 * response's status is set on res for audit and metrics.
 */
export async function proxyUpgrade(loc: Location, transports: ProxyTransports, req: IncomingMessage, conn: UpgradeConn, res: Res): Promise<void> {
  let backend: Socket;
  try {
    backend = await transports.dial(loc);
  } catch (err) {
    throw new StatusError(500, '', `error dialing backend: ${(err as Error).message}`);
  }
  // a late socket error must never take the server down; closes are handled below
  backend.on('error', () => {});
  const client = conn.socket;
  let headRead = false;
  // the client may go away while the backend is being asked
  const clientGone = () => {
    if (!headRead) backend.destroy();
  };
  client.once('close', clientGone);
  let answer: ResponseHead;
  try {
    backend.write(upgradeRequestHead(req, loc));
    if (conn.head.length) backend.write(conn.head);
    answer = await readResponseHead(backend);
  } catch (err) {
    backend.destroy();
    throw new StatusError(500, '', (err as Error).message);
  } finally {
    headRead = true;
    client.off('close', clientGone);
  }
  if (answer.status !== 101 && answer.status < 400) {
    backend.destroy();
    log.error('Proxy upgrade error', { err: `invalid upgrade response: status code ${answer.status}` });
    throw new StatusError(500, '', `invalid upgrade response: status code ${answer.status}`);
  }
  res.statusCode = answer.status;
  client.write(answer.raw);
  if (answer.status === 101) {
    log.v(6).info('upgraded connection to backend', { location: `${loc.host}:${loc.port}${loc.path}` });
    await splice(client, backend);
    return;
  }
  await relayErrorAnswer(answer, backend, client);
}

/** Relay the rest of an error answer's body (by Content-Length, chunked end, or close), then close. */
function relayErrorAnswer(answer: ResponseHead, backend: Socket, client: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    let bodySeen = answer.raw.length - answer.headLength;
    let tail = answer.raw.subarray(-5);
    const complete = () =>
      (answer.contentLength !== undefined && bodySeen >= answer.contentLength) || (answer.chunked && tail.toString('latin1').endsWith('0\r\n\r\n'));
    const deadline = setTimeout(() => done(), ERROR_RELAY_DEADLINE_MS);
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      client.end();
      backend.destroy();
      resolve();
    };
    if (complete() || (answer.contentLength === 0)) return done();
    backend.on('data', (c: Buffer) => {
      client.write(c);
      bodySeen += c.length;
      tail = Buffer.concat([tail, c]).subarray(-5);
      if (complete()) done();
    });
    backend.once('end', done);
    backend.once('close', done);
    backend.once('error', done);
    backend.resume();
  });
}
