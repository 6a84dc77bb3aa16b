// A SPDY/3.1 connection over any byte duplex (a socket after an HTTP upgrade, or a WebSocket
// tunnel): stream ids, SYN_STREAM/SYN_REPLY/DATA/RST_STREAM handling, PING answers, GOAWAY.
//
// Like moby/spdystream (the peer kubectl, the kubelet and containerd use), there is no flow
// control: WINDOW_UPDATE and SETTINGS are read and ignored, and none are sent.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { FLAG_FIN, FrameDecoder, GoAwayStatus, RstStatus, SpdyProtocolError, encodeFrame } from './frames.js';
import type { Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor } from './headers.js';
import type { SpdyHeaders } from './headers.js';
import { SpdyStream } from './stream.js';
import type { StreamOwner } from './stream.js';

export interface SpdySessionEvents {
  /** the peer opened a stream; call stream.reply() to accept it */
  stream: [SpdyStream];
  /** the connection is gone */
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> implements StreamOwner {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private nextId: number;
  private lastRemoteId = 0;
  private queue: Promise<void> = Promise.resolve();
  private goneAway = false;
  private idleCheck: (() => void) | undefined;
  closed = false;

  constructor(
    private readonly conn: Duplex,
    readonly role: 'client' | 'server',
  ) {
    super();
    this.nextId = role === 'client' ? 1 : 2;
    conn.on('data', (chunk: Buffer) => this.onBytes(chunk));
    // frames already received are handled before the streams are ended (the last DATA frames
    // often arrive just before the peer closes)
    const gone = () => void this.queue.then(() => this.teardown());
    conn.on('end', gone);
    conn.on('close', gone);
    conn.on('error', gone);
  }

  /** Open a stream with these headers (SYN_STREAM); await stream.ready() for the peer's reply. */
  openStream(headers: SpdyHeaders, fin = false): SpdyStream {
    if (this.closed || this.goneAway) throw new Error('spdy: connection is closed');
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(id, headers, this, false);
    this.streams.set(id, s);
    this.write({ type: 'SYN_STREAM', flags: fin ? FLAG_FIN : 0, streamId: id, associatedId: 0, priority: 0, slot: 0, headerBlock: this.compressor.compress(headers) });
    return s;
  }

  /**
   * Say goodbye (GOAWAY) but leave the connection to the peer: it closes it once it has read
   * everything (spdystream hands frames to workers and drops those still queued when the
   * connection ends, so closing right after the last frame can lose it). Closed here after
   * timeoutMs, or as soon as no stream is open.
   */
  closeWhenDone(timeoutMs = 10_000): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      void this.write({ type: 'GOAWAY', flags: 0, lastGoodStreamId: this.lastRemoteId, status: GoAwayStatus.OK }).catch(() => {});
    }
    const timer = setTimeout(() => this.close(), timeoutMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.idleCheck = () => {
      if (this.streams.size === 0) this.close();
    };
    this.idleCheck();
  }

  /** Say goodbye (GOAWAY) and close the connection once written. */
  close(): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.write({ type: 'GOAWAY', flags: 0, lastGoodStreamId: this.lastRemoteId, status: GoAwayStatus.OK });
    }
    this.conn.end();
    this.teardown(false);
  }

  // ----- StreamOwner -----

  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    return this.write({ type: 'DATA', streamId, flags: fin ? FLAG_FIN : 0, data });
  }

  sendReply(streamId: number, headers: SpdyHeaders, fin: boolean): void {
    void this.write({ type: 'SYN_REPLY', flags: fin ? FLAG_FIN : 0, streamId, headerBlock: this.compressor.compress(headers) });
  }

  sendReset(streamId: number, status: number): void {
    void this.write({ type: 'RST_STREAM', flags: 0, streamId, status });
  }

  streamDone(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    this.idleCheck?.();
  }

  // ----- wire -----

  /** Writes a frame; resolves once the connection accepted it (waits for 'drain' when full). */
  private write(f: Frame): Promise<void> {
    if (this.conn.destroyed || this.conn.writableEnded) return Promise.reject(new Error('spdy: connection is closed'));
    const ok = this.conn.write(encodeFrame(f));
    if (ok) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.conn.off('drain', done);
        this.conn.off('close', done);
        resolve();
      };
      this.conn.once('drain', done);
      this.conn.once('close', done);
    });
  }

  private onBytes(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.protocolError(e as Error);
      return;
    }
    // frames are handled strictly in order: header blocks inflate asynchronously
    for (const f of frames) this.queue = this.queue.then(() => this.handle(f)).catch((e: Error) => this.protocolError(e));
  }

  private protocolError(_e: Error): void {
    if (this.closed) return;
    void this.write({ type: 'GOAWAY', flags: 0, lastGoodStreamId: this.lastRemoteId, status: GoAwayStatus.PROTOCOL_ERROR }).catch(() => {});
    this.conn.destroy();
    this.teardown();
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    switch (f.type) {
      case 'SYN_STREAM': {
        const headers = await this.decompressor.decompress(f.headerBlock);
        const mine = this.role === 'client' ? f.streamId % 2 === 1 : f.streamId % 2 === 0;
        if (mine || f.streamId <= this.lastRemoteId || this.goneAway) {
          this.sendReset(f.streamId, this.goneAway ? RstStatus.REFUSED_STREAM : RstStatus.PROTOCOL_ERROR);
          return;
        }
        this.lastRemoteId = f.streamId;
        const s = new SpdyStream(f.streamId, headers, this, true);
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_FIN) s.gotFin();
        this.emit('stream', s);
        return;
      }
      case 'SYN_REPLY': {
        const headers = await this.decompressor.decompress(f.headerBlock);
        this.streams.get(f.streamId)?.gotReply(headers, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'HEADERS': {
        await this.decompressor.decompress(f.headerBlock);
        if (f.flags & FLAG_FIN) this.streams.get(f.streamId)?.gotFin();
        return;
      }
      case 'DATA': {
        const s = this.streams.get(f.streamId);
        if (s) s.gotData(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'RST_STREAM':
        this.streams.get(f.streamId)?.gotReset(`spdy: stream ${f.streamId} reset by the peer (status ${f.status})`);
        return;
      case 'PING':
        // our pings have our parity (client odd, server even): answer the peer's
        if ((f.id % 2 === 1) !== (this.role === 'client')) void this.write(f);
        return;
      case 'GOAWAY':
        this.goneAway = true;
        if (this.streams.size === 0) this.close();
        return;
      case 'SETTINGS':
      case 'WINDOW_UPDATE':
      case 'UNKNOWN':
        return;
    }
  }

  /** Ends every stream; destroys the connection unless it is being ended gracefully. */
  private teardown(destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    this.decompressor.close();
    for (const s of [...this.streams.values()]) s.gotReset('spdy: connection closed');
    this.streams.clear();
    if (destroy && !this.conn.destroyed) this.conn.destroy();
    this.emit('close');
  }
}

export { SpdyStream };
export { SpdyProtocolError };
