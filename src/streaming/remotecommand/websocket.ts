// Exec/attach streams over a WebSocket with the v4/v5 channel protocol (server side): channel 0
// feeds stdin, 1 and 2 carry output, 3 the final Status, 4 terminal resizes; a v5 [255, 0]
// message ends stdin. The session ends by sending the Status and a normal close.
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { Channel, decodeChannelMessage, encodeChannelMessage } from '../wsstream/channels.js';
import type { RemoteCommandStreams, StreamOptions } from './types.js';

function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(encodeChannelMessage(channel, chunk), { binary: true }, () => cb());
    },
  });
}

export function websocketStreams(ws: WebSocket, protocol: string, opts: StreamOptions): RemoteCommandStreams {
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const resize = opts.tty ? new PassThrough() : undefined;
  const inputs = new Map<number, PassThrough>();
  if (stdin) inputs.set(Channel.STDIN, stdin);
  if (resize) inputs.set(Channel.RESIZE, resize);
  const endInputs = () => {
    for (const s of inputs.values()) if (!s.writableEnded) s.end();
  };
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!isBinary && msg.length === 0) return;
    const m = decodeChannelMessage(msg, protocol);
    if (m.kind === 'close') {
      const s = inputs.get(m.channel);
      if (s && !s.writableEnded) s.end();
    } else if (m.kind === 'data') {
      const s = inputs.get(m.channel);
      if (s && !s.writableEnded && m.data.length) s.write(m.data);
    }
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  void closed.then(endInputs);
  return {
    protocol,
    stdin,
    resize,
    stdout: opts.stdout ? channelWriter(ws, Channel.STDOUT) : undefined,
    stderr: opts.stderr ? channelWriter(ws, Channel.STDERR) : undefined,
    finish(status: Buffer) {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(encodeChannelMessage(Channel.ERROR, status), { binary: true }, () => ws.close(1000));
    },
    abort() {
      endInputs();
      ws.terminate();
    },
    closed,
  };
}
