// Port forwarding (portforward.k8s.io over SPDY, server side): for every forwarded connection the
// client opens two streams with the same requestID and port headers — streamType "error" and
// "data". Each complete pair is relayed to a pair opened on the runtime's streaming server
// (containerd's CRI PortForward URL); the runtime's error text goes back on the error stream.
import type { SpdySession, SpdyStream } from '../spdy/session.js';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Upstream waits this long for the second stream of a pair. */
const PAIR_TIMEOUT_MS = 30_000;

export interface PortForwardRelayOptions {
  /** The runtime side, dialled on first use and shared by all pairs of this client connection. */
  backend: () => Promise<SpdySession>;
  log?: (msg: string) => void;
}

/** Serves a client's port-forward session until it closes. */
export function servePortForward(client: SpdySession, opts: PortForwardRelayOptions): Promise<void> {
  const pairs = new Map<string, Pair>();
  let backend: Promise<SpdySession> | undefined;
  const getBackend = () => {
    backend ??= opts.backend().then((s) => {
      s.once('close', () => client.close());
      return s;
    });
    return backend;
  };
  client.on('stream', (s) => {
    s.on('error', () => {});
    const type = s.header('streamtype');
    const requestId = s.header('requestid') ?? '';
    const port = s.header('port') ?? '';
    if (type !== 'error' && type !== 'data') {
      s.reset(1);
      return;
    }
    s.reply();
    let p = pairs.get(requestId);
    if (!p) {
      p = { timer: setTimeout(() => fail(requestId, `timed out waiting for the data and error streams of request ${requestId}`), PAIR_TIMEOUT_MS) };
      pairs.set(requestId, p);
    }
    if (p[type]) {
      s.reset(1);
      return;
    }
    p[type] = s;
    if (p.error && p.data) {
      clearTimeout(p.timer);
      pairs.delete(requestId);
      void forward(p.error, p.data, port, requestId);
    }
  });
  const fail = (requestId: string, msg: string) => {
    const p = pairs.get(requestId);
    pairs.delete(requestId);
    opts.log?.(msg);
    p?.error?.end(msg);
    p?.data?.reset();
  };
  const forward = async (error: SpdyStream, data: SpdyStream, port: string, requestId: string) => {
    const n = Number(port);
    if (!/^\d+$/.test(port) || n <= 0 || n > 65535) {
      error.end(`invalid port ${JSON.stringify(port)}`);
      data.end();
      return;
    }
    try {
      const session = await getBackend();
      const headers = { port: [port], requestid: [requestId] };
      const bError = session.openStream({ streamtype: ['error'], ...headers });
      const bData = session.openStream({ streamtype: ['data'], ...headers });
      bError.on('error', () => {});
      bData.on('error', () => {});
      await Promise.all([bError.ready(), bData.ready()]);
      bError.pipe(error);
      data.pipe(bData);
      bData.pipe(data);
      data.once('close', () => bData.reset());
    } catch (e) {
      error.end(`error forwarding port ${port}: ${(e as Error).message}`);
      data.end();
    }
  };
  return new Promise((resolve) =>
    client.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
      if (backend) void backend.then((s) => s.close()).catch(() => {});
      resolve();
    }),
  );
}
