// The client side of exec/attach over SPDY — the kubelet's side of the runtime's streaming server (containerd's CRI streaming URL from
// Exec/Attach): a SPDY client speaking v4.channel.k8s.io, opening the streams in upstream's
// order (error, stdin, stdout, stderr, resize) and waiting for each reply.
import type { Readable, Writable } from 'node:stream';
import { dialSpdy } from '../spdy/upgrade.js';
import type { DialOptions } from '../spdy/upgrade.js';
import type { SpdySession } from '../spdy/session.js';
import { expectedStreamTypes } from './spdy.js';
import type { StreamOptions } from './types.js';

export interface BackendStreams {
  protocol: string;
  session: SpdySession;
  error: Readable;
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  resize?: Writable;
  close(): void;
}

export const BACKEND_PROTOCOLS = ['v4.channel.k8s.io'];

/** Opens an exec/attach session at url over SPDY (also what a test or proxy client uses, with its own TLS and protocols). */
export async function dialRemoteCommand(url: string, opts: StreamOptions, dial: DialOptions & { protocols?: string[] } = {}): Promise<BackendStreams> {
  const { session, protocol } = await dialSpdy(url, dial.protocols ?? BACKEND_PROTOCOLS, dial);
  try {
    const streams = expectedStreamTypes(opts).map((type) => {
      const s = session.openStream({ streamtype: [type] });
      s.on('error', () => {});
      return [type, s] as const;
    });
    await Promise.all(streams.map(([, s]) => s.ready()));
    const by = new Map(streams);
    return {
      protocol,
      session,
      error: by.get('error')!,
      stdin: by.get('stdin'),
      stdout: by.get('stdout'),
      stderr: by.get('stderr'),
      resize: by.get('resize'),
      close: () => session.close(),
    };
  } catch (e) {
    session.close();
    throw e;
  }
}
