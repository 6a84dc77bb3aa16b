// /exec, /attach and /portForward: the kubelet asks the runtime (CRI Exec/Attach/PortForward) for
// a streaming URL on containerd's streaming server, then terminates the client's protocol —
// WebSocket v5/v4 channels, SPDY/3.1, or SPDY tunnelled in a WebSocket for port-forward — and
// relays its streams to a SPDY session it opens on that URL. /run is a one-shot ExecSync.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import type { WebSocket } from 'ws';
import type { CriClient } from '../../cri/client.js';
import type { Logger } from '../../util/klog.js';
import { dialRemoteCommand } from '../../streaming/remotecommand/backend.js';
import { relayRemoteCommand } from '../../streaming/remotecommand/relay.js';
import { spdyStreams } from '../../streaming/remotecommand/spdy.js';
import type { RemoteCommandStreams, StreamOptions } from '../../streaming/remotecommand/types.js';
import { websocketStreams } from '../../streaming/remotecommand/websocket.js';
import { PORTFORWARD_PROTOCOL, servePortForward } from '../../streaming/portforward/relay.js';
import { SpdySession } from '../../streaming/spdy/session.js';
import { acceptSpdy, dialSpdy, isSpdyUpgrade, writeHttpError } from '../../streaming/spdy/upgrade.js';
import { CHANNEL_PROTOCOLS, SPDY_TUNNEL_PORTFORWARD } from '../../streaming/wsstream/channels.js';
import { acceptWebSocket, invalidHandshake, isWebSocketRequest, offeredSubprotocols } from '../../streaming/wsstream/handshake.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { HttpError, findPod, runningContainerId, sandboxId } from './find.js';

/** Sub-protocols exec/attach accept over SPDY (v5 behaves as v4 there: stdin closes with FIN). */
export const SPDY_REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface StreamDeps {
  cri: CriClient;
  listPods: () => Pod[];
  log: Logger;
}

export type StreamKind = 'exec' | 'attach' | 'portForward';

export interface StreamTarget {
  kind: StreamKind;
  namespace: string;
  pod: string;
  uid?: string;
  container?: string;
}

/** /exec|attach/{ns}/{pod}[/{uid}]/{container} and /portForward/{ns}/{pod}[/{uid}]. */
export function parseStreamPath(path: string): StreamTarget | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const kind = parts[0];
  if (kind === 'exec' || kind === 'attach') {
    if (parts.length === 4) return { kind, namespace: parts[1]!, pod: parts[2]!, container: parts[3]! };
    if (parts.length === 5) return { kind, namespace: parts[1]!, pod: parts[2]!, uid: parts[3]!, container: parts[4]! };
  }
  if (kind === 'portForward') {
    if (parts.length === 3) return { kind, namespace: parts[1]!, pod: parts[2]! };
    if (parts.length === 4) return { kind, namespace: parts[1]!, pod: parts[2]!, uid: parts[3]! };
  }
  return undefined;
}

function flag(q: URLSearchParams, ...names: string[]): boolean {
  return names.some((n) => q.get(n) === '1' || q.get(n) === 'true');
}

/** Upstream's remotecommand NewOptions: input/output/error/tty ("1"), stderr dropped with a tty. */
export function streamOptions(q: URLSearchParams): StreamOptions {
  const tty = flag(q, 'tty');
  const o = { stdin: flag(q, 'input', 'stdin'), stdout: flag(q, 'output', 'stdout'), stderr: flag(q, 'error', 'stderr') && !tty, tty };
  if (!o.stdin && !o.stdout && !o.stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
  return o;
}

export class StreamHandler {
  private readonly sessions = new Set<() => void>();

  constructor(private readonly deps: StreamDeps) {}

  /** Handles an upgrade request already authorized; errors become HTTP answers. */
  async upgrade(target: StreamTarget, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const q = new URL(req.url ?? '/', 'https://kubelet').searchParams;
    try {
      const pod = findPod(this.deps.listPods(), target.namespace, target.pod, target.uid);
      if (!pod) throw new HttpError(404, 'pod does not exist');
      if (target.kind === 'portForward') return await this.portForward(pod, req, socket, head, q);
      return await this.remoteCommand(target, pod, req, socket, head, q);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      this.deps.log.v(2).info('Streaming request failed', { path: req.url, err: (e as Error).message });
      if (socket.writable) writeHttpError(socket, status, (e as Error).message);
    }
  }

  private async remoteCommand(target: StreamTarget, pod: Pod, req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams): Promise<void> {
    const opts = streamOptions(q);
    const ws = isWebSocketRequest(req);
    const wsProtocol = CHANNEL_PROTOCOLS.find((p) => offeredSubprotocols(req).includes(p));
    if (ws && !wsProtocol) throw new HttpError(400, `unable to upgrade: no supported WebSocket sub-protocol in ${JSON.stringify(offeredSubprotocols(req))} (supported: ${CHANNEL_PROTOCOLS.join(', ')})`);
    if (ws && invalidHandshake(req)) throw new HttpError(400, invalidHandshake(req)!);
    if (!ws && !isSpdyUpgrade(req)) throw new HttpError(400, 'Upgrade request required');
    const containerId = await runningContainerId(this.deps.cri, pod, target.container!);
    const command = q.getAll('command');
    if (target.kind === 'exec' && command.length === 0) throw new HttpError(400, 'command is required');
    const { url } =
      target.kind === 'exec'
        ? await this.deps.cri.exec({ containerId, cmd: command, tty: opts.tty, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr })
        : await this.deps.cri.attach({ containerId, tty: opts.tty, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr });
    const backend = await dialRemoteCommand(url, opts);
    this.track(() => backend.close(), backend.session);
    let client: RemoteCommandStreams;
    try {
      if (ws) {
        const sock = this.acceptWebSocket(req, socket, head, wsProtocol!);
        client = websocketStreams(sock, wsProtocol!, opts);
      } else {
        const r = acceptSpdy(req, socket, head, SPDY_REMOTECOMMAND_PROTOCOLS);
        if (!('session' in r)) return backend.close(); // acceptSpdy answered 403
        this.track(() => r.session.close(), r.session);
        client = await spdyStreams(r.session, r.protocol, opts);
      }
    } catch (e) {
      backend.close();
      throw e;
    }
    this.deps.log.v(3).info('Relaying streams', { kind: target.kind, pod: `${target.namespace}/${target.pod}`, container: target.container, protocol: client.protocol });
    await relayRemoteCommand(client, backend, (status) => this.deps.log.v(4).info('Stream finished', { kind: target.kind, protocol: client.protocol, status }));
  }

  private async portForward(pod: Pod, req: IncomingMessage, socket: Duplex, head: Buffer, q: URLSearchParams): Promise<void> {
    // The API server joins the ports (`port=80,443`), as upstream's does; each may also come alone.
    const ports = q.getAll('port').flatMap((p) => p.split(',')).map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const sandbox = await sandboxId(this.deps.cri, pod);
    const backend = async (): Promise<SpdySession> => {
      const { url } = await this.deps.cri.portForward({ podSandboxId: sandbox, port: ports });
      const { session } = await dialSpdy(url, [PORTFORWARD_PROTOCOL]);
      this.track(() => session.close(), session);
      return session;
    };
    let client: SpdySession;
    if (isWebSocketRequest(req)) {
      if (!offeredSubprotocols(req).includes(SPDY_TUNNEL_PORTFORWARD)) throw new HttpError(400, `unable to upgrade: port forwarding over WebSocket needs the ${SPDY_TUNNEL_PORTFORWARD} sub-protocol`);
      if (invalidHandshake(req)) throw new HttpError(400, invalidHandshake(req)!);
      const ws = this.acceptWebSocket(req, socket, head, SPDY_TUNNEL_PORTFORWARD);
      client = new SpdySession(createWebSocketStream(ws), 'server');
    } else if (isSpdyUpgrade(req)) {
      const r = acceptSpdy(req, socket, head, [PORTFORWARD_PROTOCOL]);
      if (!('session' in r)) return;
      client = r.session;
    } else {
      throw new HttpError(400, 'Upgrade request required');
    }
    this.track(() => client.close(), client);
    await servePortForward(client, { backend, log: (m) => this.deps.log.v(2).info(m) });
  }

  private acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocket {
    const ws = acceptWebSocket(req, socket, head, protocol);
    this.track(() => ws.terminate(), ws);
    return ws;
  }

  /** Remembers an open connection (until it closes) so close() can end it. */
  private track(close: () => void, conn: { once(ev: 'close', fn: () => void): unknown }): void {
    this.sessions.add(close);
    conn.once('close', () => this.sessions.delete(close));
  }

  /** POST /run/{ns}/{pod}[/{uid}]/{container}?cmd=… → the command's output (ExecSync). */
  async run(path: string, q: URLSearchParams, res: ServerResponse): Promise<void> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length !== 4 && parts.length !== 5) throw new HttpError(404, '404 page not found');
    const [, namespace, podName] = parts;
    const uid = parts.length === 5 ? parts[3] : undefined;
    const container = parts[parts.length - 1]!;
    const pod = findPod(this.deps.listPods(), namespace!, podName!, uid);
    if (!pod) throw new HttpError(404, `pod "${podName}" does not exist`);
    const containerId = await runningContainerId(this.deps.cri, pod, container);
    // for legacy reasons /run takes one space-separated "cmd" parameter
    const cmd = (q.get('cmd') ?? '').split(' ');
    const out = await this.deps.cri.execSync({ containerId, cmd, timeout: 0 });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(Buffer.concat([Buffer.from(out.stdout ?? []), Buffer.from(out.stderr ?? [])]));
  }

  close(): void {
    for (const close of this.sessions) close();
    this.sessions.clear();
  }
}
