// SPDY/3.1 framing, header blocks and sessions: golden frames derived from the draft's layouts,
// round trips, and a client/server session over a real TCP connection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { constants, createDeflate } from 'node:zlib';
import { FLAG_FIN, FrameDecoder, SpdyProtocolError, encodeFrame } from '../../../src/streaming/spdy/frames.js';
import type { Frame } from '../../../src/streaming/spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor, decodeHeaderBlock, encodeHeaderBlock } from '../../../src/streaming/spdy/headers.js';
import { SPDY3_DICTIONARY } from '../../../src/streaming/spdy/dictionary.js';
import { SpdySession } from '../../../src/streaming/spdy/session.js';

const hex = (b: Buffer) => b.toString('hex');

describe('spdy frames', () => {
  it('encodes control frames with the version-3 header (golden bytes)', () => {
    // PING id 1: 80 03 00 06 | flags 00 length 000004 | 00000001
    assert.equal(hex(encodeFrame({ type: 'PING', flags: 0, id: 1 })), '80030006000000040000' + '0001');
    // RST_STREAM stream 3 CANCEL(5)
    assert.equal(hex(encodeFrame({ type: 'RST_STREAM', flags: 0, streamId: 3, status: 5 })), '800300030000000800000003' + '00000005');
    // GOAWAY last 7 status OK
    assert.equal(hex(encodeFrame({ type: 'GOAWAY', flags: 0, lastGoodStreamId: 7, status: 0 })), '80030007000000080000000700000000');
    // WINDOW_UPDATE stream 1 delta 65536
    assert.equal(hex(encodeFrame({ type: 'WINDOW_UPDATE', flags: 0, streamId: 1, delta: 65536 })), '80030009000000080000000100010000');
    // SETTINGS one entry: INITIAL_WINDOW_SIZE(7) = 65536, flag persist
    assert.equal(hex(encodeFrame({ type: 'SETTINGS', flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] })), '800300040000000c00000001010000070' + '0010000');
  });

  it('encodes SYN_STREAM with priority and slot, and DATA with FIN', () => {
    const syn = encodeFrame({ type: 'SYN_STREAM', flags: FLAG_FIN, streamId: 1, associatedId: 0, priority: 7, slot: 0, headerBlock: Buffer.from('ab') });
    assert.equal(hex(syn), '80030001' + '0100000c' + '00000001' + '00000000' + 'e000' + '6162');
    const data = encodeFrame({ type: 'DATA', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hi') });
    assert.equal(hex(data), '00000005' + '01000002' + '6869');
  });

  it('decodes what it encodes, across arbitrary chunk boundaries', () => {
    const frames: Frame[] = [
      { type: 'SYN_STREAM', flags: 0, streamId: 3, associatedId: 1, priority: 2, slot: 4, headerBlock: Buffer.from([1, 2, 3]) },
      { type: 'SYN_REPLY', flags: FLAG_FIN, streamId: 3, headerBlock: Buffer.from([9]) },
      { type: 'HEADERS', flags: 0, streamId: 3, headerBlock: Buffer.alloc(0) },
      { type: 'DATA', streamId: 3, flags: 0, data: Buffer.alloc(70000, 7) },
      { type: 'RST_STREAM', flags: 0, streamId: 3, status: 1 },
      { type: 'SETTINGS', flags: 1, entries: [{ flags: 0, id: 4, value: 100 }, { flags: 2, id: 7, value: 1 }] },
      { type: 'PING', flags: 0, id: 0xfffffffe },
      { type: 'GOAWAY', flags: 0, lastGoodStreamId: 9, status: 2 },
      { type: 'WINDOW_UPDATE', flags: 0, streamId: 0, delta: 12345 },
    ];
    const bytes = Buffer.concat(frames.map(encodeFrame));
    const dec = new FrameDecoder();
    const out: Frame[] = [];
    for (let i = 0; i < bytes.length; i += 13) out.push(...dec.push(bytes.subarray(i, i + 13)));
    assert.deepEqual(out, frames);
  });

  it('rejects a control frame of another SPDY version', () => {
    const f = encodeFrame({ type: 'PING', flags: 0, id: 1 });
    f.writeUInt16BE(0x8002, 0);
    assert.throws(() => new FrameDecoder().push(f), SpdyProtocolError);
  });
});

describe('spdy header blocks', () => {
  it('lays out counts, lengths and NUL-joined values (golden bytes)', () => {
    const raw = encodeHeaderBlock({ streamtype: ['error'], a: ['x', 'y'] });
    assert.equal(hex(raw), '00000002' + '0000000a' + hex(Buffer.from('streamtype')) + '00000005' + hex(Buffer.from('error')) + '00000001' + '61' + '00000003' + '780079');
    assert.deepEqual(decodeHeaderBlock(raw), { streamtype: ['error'], a: ['x', 'y'] });
  });

  it('rejects upper-case names and truncated blocks', () => {
    const raw = Buffer.concat([Buffer.from('0000000100000001', 'hex'), Buffer.from('A'), Buffer.from('00000000', 'hex')]);
    assert.throws(() => decodeHeaderBlock(raw), /lower-case/);
    assert.throws(() => decodeHeaderBlock(raw.subarray(0, 10)), SpdyProtocolError);
  });

  it('the dictionary is the 1423 bytes of the draft', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('enq=0.'));
  });

  it('compressed blocks round trip through one context per direction', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const first = c.compress({ streamtype: ['stdin'] });
    // zlib header with FDICT: 78 xx, then the dictionary's adler32
    assert.equal(first[0], 0x78);
    assert.equal((first[0]! * 256 + first[1]!) % 31, 0);
    assert.equal(first[1]! & 0x20, 0x20);
    assert.deepEqual(await d.decompress(first), { streamtype: ['stdin'] });
    assert.deepEqual(await d.decompress(c.compress({ port: ['8080'], requestid: ['0'] })), { port: ['8080'], requestid: ['0'] });
    const big = 'v'.repeat(100_000);
    assert.deepEqual(await d.decompress(c.compress({ big: [big] })), { big: [big] });
    d.close();
  });

  it('reads blocks a real zlib deflater compressed with back-references across blocks', async () => {
    const z = createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
    const chunks: Buffer[] = [];
    z.on('data', (c: Buffer) => chunks.push(c));
    const flush = (raw: Buffer) =>
      new Promise<Buffer>((resolve) => {
        z.write(raw);
        z.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0))));
      });
    const d = new HeaderDecompressor();
    for (const type of ['error', 'stdout', 'stderr', 'error']) {
      const block = await flush(encodeHeaderBlock({ streamtype: [type], port: ['80'] }));
      assert.deepEqual(await d.decompress(block), { streamtype: [type], port: ['80'] });
    }
    z.close();
    d.close();
  });
});

describe('spdy session', () => {
  async function pair(): Promise<{ client: SpdySession; server: SpdySession; close: () => Promise<void> }> {
    let serverSock!: Socket;
    const srv = createServer((s) => (serverSock = s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const sock = connect((srv.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', r));
    while (!serverSock) await new Promise((r) => setTimeout(r, 5));
    const client = new SpdySession(sock, 'client');
    const server = new SpdySession(serverSock, 'server');
    return {
      client,
      server,
      close: async () => {
        client.close();
        server.close();
        await new Promise<void>((r) => srv.close(() => r()));
      },
    };
  }

  it('opens streams, exchanges data both ways and half-closes with FIN', async () => {
    const { client, server, close } = await pair();
    try {
      server.on('stream', (s) => {
        assert.equal(s.header('streamtype'), 'data');
        s.reply();
        // echo upper-cased, then FIN after the client's FIN
        const got: Buffer[] = [];
        s.on('data', (c: Buffer) => got.push(c));
        s.on('end', () => s.end(Buffer.concat(got).toString().toUpperCase()));
      });
      const s1 = client.openStream({ streamtype: ['data'], port: ['80'] });
      const s2 = client.openStream({ streamtype: ['data'] });
      assert.equal(s1.id, 1);
      assert.equal(s2.id, 3);
      await Promise.all([s1.ready(), s2.ready()]);
      const read = (s: typeof s1) => new Promise<string>((r) => {
        let t = '';
        s.on('data', (c: Buffer) => (t += c));
        s.on('end', () => r(t));
      });
      const r1 = read(s1);
      const r2 = read(s2);
      s1.end('hello ' + 'x'.repeat(100_000));
      s2.end('second');
      assert.equal(await r1, 'HELLO ' + 'X'.repeat(100_000));
      assert.equal(await r2, 'SECOND');
    } finally {
      await close();
    }
  });

  it('a reset stream rejects ready() and ends its reader', async () => {
    const { client, server, close } = await pair();
    try {
      server.on('stream', (s) => s.reset(3));
      const s = client.openStream({ streamtype: ['bogus'] });
      s.on('error', () => {});
      await assert.rejects(s.ready(), /reset by the peer/);
    } finally {
      await close();
    }
  });

  it('frames that arrive just before the peer hangs up are still delivered', async () => {
    const { client, server, close } = await pair();
    try {
      server.on('stream', (s) => {
        s.reply();
        // the reply's header block inflates asynchronously on the client: the DATA and the
        // connection's end arrive while it does
        s.write('last words', () => server.close());
      });
      const s = client.openStream({ streamtype: ['error'] });
      let text = '';
      s.on('data', (c: Buffer) => (text += c));
      await new Promise<void>((r) => s.on('end', () => r()));
      assert.equal(text, 'last words');
    } finally {
      await close();
    }
  });

  it('closing the connection ends every stream on the other side', async () => {
    const { client, server, close } = await pair();
    try {
      const opened = new Promise<void>((resolve) => server.on('stream', (s) => (s.reply(), resolve())));
      const s = client.openStream({ streamtype: ['data'] });
      s.on('error', () => {});
      await s.ready();
      await opened;
      const ended = new Promise<void>((r) => s.on('end', () => r()));
      s.resume();
      server.close();
      await ended;
      await new Promise<void>((r) => (client.closed ? r() : client.once('close', () => r())));
    } finally {
      await close();
    }
  });
});
