// The HTTP/1.1 upgrade to SPDY/3.1 as Kubernetes does it (apimachinery httpstream): the client
// offers sub-protocols in X-Stream-Protocol-Version headers, the server picks the first one it
// also speaks (client order), answers 101 Switching Protocols and both sides speak SPDY.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { SpdySession } from './session.js';

export const SPDY_UPGRADE = 'SPDY/3.1';
export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
export const HEADER_ACCEPTED_PROTOCOL_VERSIONS = 'X-Accepted-Stream-Protocol-Versions';

/** Whether a request asks for the SPDY/3.1 upgrade. */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return /(^|,)\s*upgrade\s*(,|$)/i.test(req.headers.connection ?? '') && (req.headers.upgrade ?? '').toLowerCase() === SPDY_UPGRADE.toLowerCase();
}

/** The sub-protocols a client offered (several headers, or one comma-separated). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct[HEADER_PROTOCOL_VERSION.toLowerCase()] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** First client protocol the server speaks; '' when the client offered none (legacy v1); undefined: no match. */
export function negotiate(client: string[], server: string[]): string | undefined {
  if (client.length === 0) return '';
  return client.find((p) => server.includes(p));
}

export type UpgradeResult = { session: SpdySession; protocol: string } | { status: number; message: string };

/**
 * Server side, on an 'upgrade' event: negotiate, answer 101 (or an HTTP error written to the
 * socket) and start a server session over the socket.
 */
export function acceptSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, protocols: string[]): UpgradeResult {
  const offered = offeredProtocols(req);
  const protocol = negotiate(offered, protocols);
  if (protocol === undefined) {
    const message = `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ${JSON.stringify(protocols)}`;
    writeHttpError(socket, 403, message, { [HEADER_ACCEPTED_PROTOCOL_VERSIONS]: protocols.join(', ') });
    return { status: 403, message };
  }
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', `Upgrade: ${SPDY_UPGRADE}`];
  if (protocol) lines.push(`${HEADER_PROTOCOL_VERSION}: ${protocol}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  if (head.length) socket.unshift(head);
  return { session: new SpdySession(socket, 'server'), protocol };
}

/** A plain HTTP/1.1 error answer on a socket that was offered an upgrade, then close it. */
export function writeHttpError(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const reason: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway' };
  const body = Buffer.from(message.endsWith('\n') ? message : message + '\n');
  const lines = [`HTTP/1.1 ${status} ${reason[status] ?? 'Error'}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${body.length}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
}

export interface DialOptions {
  method?: string;
  headers?: Record<string, string>;
  /** TLS options for https URLs (ca, cert, key, rejectUnauthorized, servername) */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean; servername?: string };
  timeoutMs?: number;
}

/** Client side: request the upgrade at url offering protocols; resolves with a client session. */
export function dialSpdy(url: string, protocols: string[], opts: DialOptions = {}): Promise<{ session: SpdySession; protocol: string }> {
  const u = new URL(url);
  const headers: Record<string, string | string[]> = { ...opts.headers, Connection: 'Upgrade', Upgrade: SPDY_UPGRADE };
  if (protocols.length) headers[HEADER_PROTOCOL_VERSION] = protocols;
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: opts.method ?? 'POST', headers, ...(u.protocol === 'https:' ? opts.tls : {}) });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`spdy upgrade to ${u.origin}${u.pathname}: timed out`));
    }, opts.timeoutMs ?? 30000);
    req.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      if (head.length) socket.unshift(head);
      resolve({ session: new SpdySession(socket, 'client'), protocol: String(res.headers[HEADER_PROTOCOL_VERSION.toLowerCase()] ?? '') });
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`spdy upgrade to ${u.origin}${u.pathname}: ${res.statusCode}: ${body.trim()}`), { statusCode: res.statusCode, body })));
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}
