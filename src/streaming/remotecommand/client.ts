// A small exec/attach client (what kubectl does, for tests and tools): run a session over
// WebSocket (v5/v4 channels) or SPDY, feed stdin, collect stdout/stderr and the final Status,
// and read the exit code from it (reason NonZeroExitCode, cause ExitCode).
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { Channel, CHANNEL_PROTOCOLS, CHANNEL_V5, encodeChannelMessage, encodeCloseMessage } from '../wsstream/channels.js';
import type { DialOptions } from '../spdy/upgrade.js';
import { dialRemoteCommand } from './backend.js';
import type { StreamOptions } from './types.js';

export interface ExecResult {
  protocol: string;
  stdout: string;
  stderr: string;
  /** The Status the server ended with (parsed JSON). */
  status: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  exitCode: number;
}

export interface ExecClientOptions extends StreamOptions {
  /** Written to stdin, then stdin is closed (when opts.stdin). */
  input?: Buffer | string;
  /** Close stdin after input (default true; a tty session usually keeps it open: closing hangs up the terminal). */
  closeStdin?: boolean;
  /** Hang up once the output so far satisfies this (attach sessions do not end by themselves). */
  closeWhen?: (stdout: string) => boolean;
  /** Terminal sizes to send (when opts.tty). */
  resize?: { Width: number; Height: number }[];
  tls?: DialOptions['tls'];
  headers?: Record<string, string>;
  protocols?: string[];
}

/** The exit code a Status reports: 0 on Success, the ExitCode cause on NonZeroExitCode, else -1. */
export function exitCodeOf(status: ExecResult['status']): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause ? Number(cause.message) : -1;
}

function parseStatus(text: string): ExecResult['status'] {
  try {
    return text ? JSON.parse(text) : { status: 'Success' };
  } catch {
    return { status: 'Failure', message: text };
  }
}

export function execWebSocket(url: string, o: ExecClientOptions): Promise<ExecResult> {
  const wsUrl = url.replace(/^http/, 'ws');
  const opts: ClientOptions = { headers: o.headers, perMessageDeflate: false, ...(o.tls ?? {}) };
  const ws = new WebSocket(wsUrl, o.protocols ?? CHANNEL_PROTOCOLS, opts);
  const out: Record<number, Buffer[]> = { [Channel.STDOUT]: [], [Channel.STDERR]: [], [Channel.ERROR]: [] };
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`exec ${url}: ${res.statusCode}: ${body.trim()}`), { statusCode: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('message', (m: Buffer) => {
      if (m.length && out[m[0]!]) out[m[0]!]!.push(m.subarray(1));
      if (m[0] === Channel.STDOUT && o.closeWhen?.(Buffer.concat(out[Channel.STDOUT]!).toString())) ws.close(1000);
    });
    ws.on('open', () => {
      for (const r of o.resize ?? []) ws.send(encodeChannelMessage(Channel.RESIZE, JSON.stringify(r)));
      if (o.stdin && o.input !== undefined) ws.send(encodeChannelMessage(Channel.STDIN, Buffer.from(o.input)));
      if (o.stdin && o.closeStdin !== false && ws.protocol === CHANNEL_V5) ws.send(encodeCloseMessage(Channel.STDIN));
    });
    ws.on('close', () => {
      const status = parseStatus(Buffer.concat(out[Channel.ERROR]!).toString());
      resolve({ protocol: ws.protocol, stdout: Buffer.concat(out[Channel.STDOUT]!).toString(), stderr: Buffer.concat(out[Channel.STDERR]!).toString(), status, exitCode: exitCodeOf(status) });
    });
  });
}

export async function execSpdy(url: string, o: ExecClientOptions): Promise<ExecResult> {
  const s = await dialRemoteCommand(url, o, { tls: o.tls, headers: o.headers, protocols: o.protocols ?? ['v4.channel.k8s.io'] });
  const collect = (r: NodeJS.ReadableStream | undefined) =>
    new Promise<string>((resolve) => {
      if (!r) return resolve('');
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve(Buffer.concat(chunks).toString()));
      r.on('error', () => resolve(Buffer.concat(chunks).toString()));
    });
  const results = Promise.all([collect(s.stdout), collect(s.stderr), collect(s.error)]);
  for (const r of o.resize ?? []) s.resize?.write(JSON.stringify(r));
  if (s.stdin && o.input !== undefined) s.stdin.write(Buffer.from(o.input));
  if (s.stdin && o.closeStdin !== false) s.stdin.end();
  const [stdout, stderr, error] = await results;
  s.close();
  const status = parseStatus(error);
  return { protocol: s.protocol, stdout, stderr, status, exitCode: exitCodeOf(status) };
}
