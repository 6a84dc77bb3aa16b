// Joins a client's exec/attach streams to the runtime's: input flows to the runtime, output
// back to the client, and when the runtime reports the final Status (after the output ended) the
// client gets it and the session closes. Either side going away ends the other.
import { finished } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import type { BackendStreams } from './backend.js';
import { failureStatus, successStatus } from './types.js';
import type { RemoteCommandStreams } from './types.js';

function pipeOutput(from: Readable | undefined, to: Writable | undefined): Promise<void> {
  if (!from) return Promise.resolve();
  if (!to) {
    from.resume();
    return finished(from, { writable: false }).catch(() => {});
  }
  from.pipe(to, { end: false });
  return finished(from, { writable: false })
    .catch(() => {})
    .then(
      () =>
        new Promise<void>((resolve) => {
          // everything piped is written once an empty write completes
          if (to.writableEnded || to.destroyed) return resolve();
          to.write(Buffer.alloc(0), () => resolve());
        }),
    );
}

export async function relayRemoteCommand(client: RemoteCommandStreams, backend: BackendStreams, onStatus?: (status: string) => void): Promise<void> {
  if (client.stdin && backend.stdin) {
    const stdin = backend.stdin;
    client.stdin.pipe(stdin);
    stdin.on('error', () => {});
  }
  if (client.resize && backend.resize) client.resize.pipe(backend.resize, { end: false });
  const chunks: Buffer[] = [];
  backend.error.on('data', (c: Buffer) => chunks.push(c));
  void client.closed.then(() => backend.close());
  backend.session.once('close', () => {});
  await Promise.all([finished(backend.error, { writable: false }).catch(() => {}), pipeOutput(backend.stdout, client.stdout), pipeOutput(backend.stderr, client.stderr)]);
  // v4 runtimes always end with a Status; none at all means the runtime side went away
  const status = Buffer.concat(chunks);
  const lost = (backend.error as { resetReason?: string }).resetReason;
  onStatus?.(status.toString() || `(none${lost ? `: ${lost}` : ''})`);
  client.finish(status.length ? status : lost ? failureStatus(`error: lost the connection to the container runtime (${lost})`) : successStatus());
  backend.close();
}
