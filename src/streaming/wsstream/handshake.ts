// The WebSocket opening handshake (RFC 6455 section 4) done here rather than by `ws`'s server and
// client, because Kubernetes sub-protocol names are not all HTTP tokens: `ws` refuses
// "SPDY/3.1+portforward.k8s.io" (the "/" ), which kubectl 1.32 offers for port-forward.
// After the handshake the socket is handed to a `ws` WebSocket for framing (setSocket, as the
// `ws` server itself does).
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_PAYLOAD = 64 * 1024 * 1024;

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** The sub-protocols a client offered, in its order. */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** Why a WebSocket upgrade request cannot be accepted, or undefined when it can. */
export function invalidHandshake(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return `WebSocket upgrade needs GET, not ${req.method}`;
  if (req.headers['sec-websocket-version'] !== '13') return 'unsupported Sec-WebSocket-Version (want 13)';
  const key = req.headers['sec-websocket-key'] ?? '';
  if (Buffer.from(key, 'base64').length !== 16) return 'missing or invalid Sec-WebSocket-Key';
  return undefined;
}

/** Server side: answers 101 with the chosen sub-protocol and returns the open WebSocket. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocket {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(req.headers['sec-websocket-key'] ?? '')}`];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  return wrapSocket(socket, head, protocol, true);
}

/** What `ws` does after its own handshake (its typings do not show these members). */
interface SocketAttachable {
  _isServer: boolean;
  _protocol: string;
  setSocket(socket: Duplex, head: Buffer, opts: { maxPayload: number }): void;
}

/** A `ws` WebSocket framing an upgraded socket: servers read masked frames, clients mask theirs. */
function wrapSocket(socket: Duplex, head: Buffer, protocol: string, isServer: boolean): WebSocket {
  const Ctor = WebSocket as unknown as new (address: null, protocols: undefined, options: object) => WebSocket & SocketAttachable;
  const ws = new Ctor(null, undefined, {});
  ws._isServer = isServer;
  ws._protocol = protocol;
  ws.setSocket(socket, head, { maxPayload: MAX_PAYLOAD });
  // protocol errors from the peer close the connection; they must not crash the process
  ws.on('error', () => {});
  return ws;
}

export interface WebSocketDialOptions {
  headers?: Record<string, string>;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

/** Client side: the handshake offering protocols; resolves with the open WebSocket (protocol = the server's choice). */
export function dialWebSocket(url: string, protocols: string[], o: WebSocketDialOptions = {}): Promise<WebSocket> {
  const u = new URL(url.replace(/^ws/, 'http'));
  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string> = { ...o.headers, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key };
  if (protocols.length) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', headers, ...(u.protocol === 'https:' ? o.tls : {}) });
  return new Promise((resolve, reject) => {
    req.on('upgrade', (res, socket, head) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        return reject(new Error(`websocket ${u.pathname}: invalid Sec-WebSocket-Accept`));
      }
      const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
      if (protocols.length && !protocols.includes(protocol)) {
        socket.destroy();
        return reject(new Error(`websocket ${u.pathname}: server chose sub-protocol ${JSON.stringify(protocol)}, not one of ${JSON.stringify(protocols)}`));
      }
      resolve(wrapSocket(socket, head, protocol, false));
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`websocket ${u.pathname}: ${res.statusCode}: ${body.trim()}`), { statusCode: res.statusCode, body })));
    });
    req.on('error', reject);
    req.end();
  });
}
