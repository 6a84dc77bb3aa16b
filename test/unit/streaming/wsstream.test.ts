// The WebSocket channel protocol (v4/v5) and the exec/attach streams built on it, over a real
// WebSocket: stdin with the v5 close message, output channels, resize, the final Status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { CHANNEL_V4, CHANNEL_V5, Channel, decodeChannelMessage, encodeChannelMessage, encodeCloseMessage } from '../../../src/streaming/wsstream/channels.js';
import { websocketStreams } from '../../../src/streaming/remotecommand/websocket.js';
import { successStatus } from '../../../src/streaming/remotecommand/types.js';

describe('channel messages', () => {
  it('prefix data with the channel byte', () => {
    assert.deepEqual([...encodeChannelMessage(Channel.STDOUT, 'hi')], [1, 0x68, 0x69]);
    assert.deepEqual([...encodeCloseMessage(Channel.STDIN)], [255, 0]);
  });

  it('decode close only in v5; in v4 255 is a channel', () => {
    assert.deepEqual(decodeChannelMessage(Buffer.from([255, 0]), CHANNEL_V5), { kind: 'close', channel: 0 });
    assert.equal(decodeChannelMessage(Buffer.from([255, 0]), CHANNEL_V4).kind, 'data');
    const m = decodeChannelMessage(Buffer.from([0, 1, 2]), CHANNEL_V4);
    assert.ok(m.kind === 'data' && m.channel === 0 && m.data.equals(Buffer.from([1, 2])));
    assert.equal(decodeChannelMessage(Buffer.alloc(0), CHANNEL_V5).kind, 'empty');
  });
});

describe('exec streams over a WebSocket', () => {
  it('relays stdin until the v5 close, output channels, resize, then Status and a normal close', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, handleProtocols: (p) => ([...p].includes(CHANNEL_V5) ? CHANNEL_V5 : false) });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const server = new Promise<void>((resolve, reject) => {
      wss.on('connection', (ws) => {
        const s = websocketStreams(ws, ws.protocol, { stdin: true, stdout: true, stderr: true, tty: true });
        let input = '';
        let resize = '';
        s.resize!.on('data', (c: Buffer) => (resize += c));
        s.stdin!.on('data', (c: Buffer) => (input += c));
        s.stdin!.on('end', () => {
          try {
            assert.equal(input, 'hello');
            assert.equal(resize, '{"Width":80,"Height":24}');
          } catch (e) {
            reject(e);
          }
          s.stdout!.write(Buffer.from('out:' + input), () => s.stderr!.write(Buffer.from('err'), () => s.finish(successStatus())));
          resolve();
        });
      });
    });
    const ws = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, [CHANNEL_V5, CHANNEL_V4]);
    const got: Record<number, string> = {};
    ws.on('message', (m: Buffer) => (got[m[0]!] = (got[m[0]!] ?? '') + m.subarray(1).toString()));
    await new Promise<void>((r) => ws.once('open', () => r()));
    assert.equal(ws.protocol, CHANNEL_V5);
    ws.send(encodeChannelMessage(Channel.RESIZE, '{"Width":80,"Height":24}'));
    ws.send(encodeChannelMessage(Channel.STDIN, 'hel'));
    ws.send(encodeChannelMessage(Channel.STDIN, 'lo'));
    ws.send(encodeCloseMessage(Channel.STDIN));
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    await server;
    assert.equal(code, 1000);
    assert.equal(got[Channel.STDOUT], 'out:hello');
    assert.equal(got[Channel.STDERR], 'err');
    assert.deepEqual(JSON.parse(got[Channel.ERROR]!), { metadata: {}, status: 'Success' });
    wss.close();
    await new Promise<void>((r) => http.close(() => r()));
  });
});
