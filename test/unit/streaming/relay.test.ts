// The exec relay between a client WebSocket (v5 channels) and a runtime streaming server spoken
// to over SPDY (a fake one here, shaped like containerd's): stdin and its close reach the
// runtime, output and the runtime's Status reach the client; a runtime that vanishes without a
// Status is reported as a Failure, not a Success.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { acceptSpdy } from '../../../src/streaming/spdy/upgrade.js';
import type { SpdyStream } from '../../../src/streaming/spdy/stream.js';
import { dialRemoteCommand } from '../../../src/streaming/remotecommand/backend.js';
import { relayRemoteCommand } from '../../../src/streaming/remotecommand/relay.js';
import { websocketStreams } from '../../../src/streaming/remotecommand/websocket.js';
import { acceptKey, acceptWebSocket } from '../../../src/streaming/wsstream/handshake.js';
import { CHANNEL_V5, Channel, encodeChannelMessage, encodeCloseMessage } from '../../../src/streaming/wsstream/channels.js';

const OPTS = { stdin: true, stdout: true, stderr: true, tty: false };

/** A fake runtime streaming server: upper-cases stdin to stdout, then ends with a Status (or just hangs up). */
async function fakeRuntime(behaviour: 'echo' | 'vanish') {
  const srv = createServer();
  srv.on('upgrade', (req, socket, head) => {
    const r = acceptSpdy(req, socket, head, ['v4.channel.k8s.io']);
    if (!('session' in r)) return;
    const streams = new Map<string, SpdyStream>();
    r.session.on('stream', (s) => {
      s.reply();
      streams.set(s.header('streamtype')!, s);
      if (streams.size < 4) return;
      let input = '';
      streams.get('stdin')!.on('data', (c: Buffer) => (input += c));
      streams.get('stdin')!.on('end', () => {
        if (behaviour === 'vanish') return r.session.close();
        streams.get('stdout')!.end(input.toUpperCase());
        streams.get('stderr')!.end('warn\n');
        const status = { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } };
        streams.get('error')!.end(JSON.stringify(status), () => r.session.close());
      });
    });
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/exec/token`, close: () => new Promise<void>((res) => (srv.closeAllConnections(), srv.close(() => res()))) };
}

/** The kubelet side: a WebSocket endpoint relaying to the runtime url. */
async function kubeletSide(runtimeUrl: string) {
  const srv = createServer();
  srv.on('upgrade', (req, socket, head) => {
    void (async () => {
      const backend = await dialRemoteCommand(runtimeUrl, OPTS);
      const ws = acceptWebSocket(req, socket, head, CHANNEL_V5);
      await relayRemoteCommand(websocketStreams(ws, CHANNEL_V5, OPTS), backend);
    })();
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  return { url: `ws://127.0.0.1:${(srv.address() as AddressInfo).port}/exec`, close: () => new Promise<void>((res) => (srv.closeAllConnections(), srv.close(() => res()))) };
}

async function run(url: string, input: string): Promise<Record<number, string>> {
  const ws = new WebSocket(url, [CHANNEL_V5]);
  const got: Record<number, string> = {};
  ws.on('message', (m: Buffer) => (got[m[0]!] = (got[m[0]!] ?? '') + m.subarray(1).toString()));
  await new Promise<void>((r) => ws.once('open', () => r()));
  ws.send(encodeChannelMessage(Channel.STDIN, input));
  ws.send(encodeCloseMessage(Channel.STDIN));
  await new Promise<void>((r) => ws.once('close', () => r()));
  return got;
}

describe('exec relay', () => {
  it('computes the RFC 6455 accept key', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('relays stdin (closed by the v5 close message), output and the runtime Status', async () => {
    const rt = await fakeRuntime('echo');
    const kubelet = await kubeletSide(rt.url);
    try {
      const got = await run(kubelet.url, 'hello relay');
      assert.equal(got[Channel.STDOUT], 'HELLO RELAY');
      assert.equal(got[Channel.STDERR], 'warn\n');
      assert.equal(JSON.parse(got[Channel.ERROR]!).details.causes[0].message, '7');
    } finally {
      await kubelet.close();
      await rt.close();
    }
  });

  it('reports a Failure when the runtime goes away without a Status', async () => {
    const rt = await fakeRuntime('vanish');
    const kubelet = await kubeletSide(rt.url);
    try {
      const got = await run(kubelet.url, 'x');
      const status = JSON.parse(got[Channel.ERROR]!);
      assert.equal(status.status, 'Failure');
      assert.match(status.message, /lost the connection to the container runtime/);
    } finally {
      await kubelet.close();
      await rt.close();
    }
  });
});
