// Exec/attach streams over SPDY (server side, kubectl's fallback): the client opens one stream
// per role, named by its streamType header (error, stdin, stdout, stderr, resize); the server
// accepts each and starts once all the options call for have arrived.
import type { SpdySession, SpdyStream } from '../spdy/session.js';
import type { RemoteCommandStreams, StreamOptions } from './types.js';

/** Upstream's wait for the client to create its streams. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function expectedStreamTypes(opts: StreamOptions): string[] {
  const types = ['error'];
  if (opts.stdin) types.push('stdin');
  if (opts.stdout) types.push('stdout');
  if (opts.stderr) types.push('stderr');
  if (opts.tty) types.push('resize');
  return types;
}

export function spdyStreams(session: SpdySession, protocol: string, opts: StreamOptions, timeoutMs = STREAM_CREATION_TIMEOUT_MS): Promise<RemoteCommandStreams> {
  const want = expectedStreamTypes(opts);
  const got = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.close();
      reject(new Error(`timed out waiting for client to create streams (got ${[...got.keys()].join(', ') || 'none'} of ${want.join(', ')})`));
    }, timeoutMs);
    const onClose = () => {
      clearTimeout(timer);
      reject(new Error('connection closed before the client created its streams'));
    };
    session.once('close', onClose);
    session.on('stream', (s) => {
      const type = s.header('streamtype') ?? '';
      s.on('error', () => {});
      if (!want.includes(type) || got.has(type)) {
        s.reset(1);
        return;
      }
      s.reply();
      got.set(type, s);
      if (got.size < want.length) return;
      clearTimeout(timer);
      session.off('close', onClose);
      const closed = new Promise<void>((r) => (session.closed ? r() : session.once('close', () => r())));
      const error = got.get('error')!;
      resolve({
        protocol,
        stdin: got.get('stdin'),
        stdout: got.get('stdout'),
        stderr: got.get('stderr'),
        resize: got.get('resize'),
        finish(status: Buffer) {
          // output streams end, the Status goes last; the client hangs up once it has read it
          for (const s of [got.get('stdout'), got.get('stderr')]) if (s && !s.writableEnded) s.end();
          error.end(status, () => session.closeWhenDone());
        },
        abort() {
          session.close();
        },
        closed,
      });
    });
  });
}
