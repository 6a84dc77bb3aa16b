// A port-forward client (what kubectl port-forward does per local connection, for tests and
// tools): over a SPDY session — direct, or tunnelled in a WebSocket — open the error and data
// streams of one request, send bytes, read the answer until the pod side closes.
import { createWebSocketStream } from 'ws';
import { SpdySession } from '../spdy/session.js';
import { dialSpdy } from '../spdy/upgrade.js';
import type { DialOptions } from '../spdy/upgrade.js';
import { SPDY_TUNNEL_PORTFORWARD } from '../wsstream/channels.js';
import { dialWebSocket } from '../wsstream/handshake.js';
import { PORTFORWARD_PROTOCOL } from './relay.js';

export async function dialPortForward(url: string, via: 'spdy' | 'websocket', dial: DialOptions = {}): Promise<SpdySession> {
  if (via === 'spdy') return (await dialSpdy(url, [PORTFORWARD_PROTOCOL], dial)).session;
  const ws = await dialWebSocket(url, [SPDY_TUNNEL_PORTFORWARD], { headers: dial.headers, tls: dial.tls });
  return new SpdySession(createWebSocketStream(ws), 'client');
}

/** One forwarded connection: send request, return everything the pod answered and the error stream's text. */
export async function forwardOnce(session: SpdySession, port: number, requestId: number, request: Buffer | string): Promise<{ data: string; error: string }> {
  const headers = { port: [String(port)], requestid: [String(requestId)] };
  const error = session.openStream({ streamtype: ['error'], ...headers });
  const data = session.openStream({ streamtype: ['data'], ...headers });
  error.on('error', () => {});
  data.on('error', () => {});
  await Promise.all([error.ready(), data.ready()]);
  const read = (s: typeof data) =>
    new Promise<string>((resolve) => {
      let t = '';
      s.on('data', (c: Buffer) => (t += c));
      s.on('end', () => resolve(t));
    });
  const errText = read(error);
  const body = read(data);
  data.end(Buffer.from(request));
  const out = await body;
  error.end();
  return { data: out, error: await Promise.race([errText, new Promise<string>((r) => setTimeout(() => r(''), 200))]) };
}
