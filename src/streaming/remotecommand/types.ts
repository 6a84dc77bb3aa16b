// What exec and attach relay between a client (kubectl, through the API server) and the
// runtime's streaming server: the options of a session and its streams, whatever protocol
// carries them (WebSocket channels or SPDY streams).
import type { Readable, Writable } from 'node:stream';

/** The query options of /exec and /attach (upstream's remotecommand Options). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The streams of one exec/attach session, as one side sees them. */
export interface RemoteCommandStreams {
  /** The negotiated sub-protocol (e.g. v5.channel.k8s.io). */
  protocol: string;
  /** Data the client types (ends when the client closes stdin). */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal size changes: JSON objects {"Width":…,"Height":…}. */
  resize?: Readable;
  /** Write the final status (v4/v5: a metav1.Status JSON) and finish the session. */
  finish(status: Buffer): void;
  /** Abort everything (peer gone, error). */
  abort(): void;
  /** Resolves when the client side went away (connection closed). */
  closed: Promise<void>;
}

/** The upstream Status bodies exec/attach end with (v4 and later). */
export function successStatus(): Buffer {
  return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
}

export function failureStatus(message: string, reason = 'InternalError'): Buffer {
  return Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message, reason, code: 500 }));
}
