// One SPDY stream as a Node Duplex: writes become DATA frames (after the SYN_REPLY for streams
// this side opened), end() sends an empty DATA frame with FLAG_FIN, DATA from the peer is read.
import { Duplex } from 'node:stream';
import type { SpdyHeaders } from './headers.js';

/** What a stream needs from its session to put frames on the wire. */
export interface StreamOwner {
  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void>;
  sendReply(streamId: number, headers: SpdyHeaders, fin: boolean): void;
  sendReset(streamId: number, status: number): void;
  streamDone(stream: SpdyStream): void;
}

/** The largest DATA frame this side writes (peers accept up to 16 MiB; keep frames small). */
const MAX_CHUNK = 32 * 1024;

export class SpdyStream extends Duplex {
  /** The headers of the SYN_STREAM that opened it. */
  readonly headers: SpdyHeaders;
  /** The peer's SYN_REPLY headers (streams this side opened). */
  replyHeaders: SpdyHeaders | undefined;
  /** Why the stream ended without the peer's FIN (reset by the peer, connection lost). */
  resetReason: string | undefined;
  private localFin = false;
  private remoteFin = false;
  private resetDone = false;
  private replied: boolean;
  private waitReply: Promise<void>;
  private onReply!: (err?: Error) => void;

  constructor(
    readonly id: number,
    headers: SpdyHeaders,
    private readonly owner: StreamOwner,
    /** true for streams the peer opened (this side replies), false for ours (the peer replies) */
    readonly remote: boolean,
  ) {
    super({ allowHalfOpen: true });
    this.headers = headers;
    this.replied = false;
    this.waitReply = new Promise((resolve, reject) => {
      this.onReply = (err) => (err ? reject(err) : resolve());
    });
    this.waitReply.catch(() => {});
  }

  /** A header value (first one), by lower-case name. */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Accept a peer-opened stream (SYN_REPLY); data written before is held until then. */
  reply(headers: SpdyHeaders = {}, fin = false): void {
    if (!this.remote || this.replied) return;
    this.replied = true;
    this.owner.sendReply(this.id, headers, fin);
    if (fin) this.localFin = true;
    this.onReply();
  }

  /** Resolves when the peer answered our SYN_STREAM (rejects when it reset the stream). */
  ready(): Promise<void> {
    return this.waitReply;
  }

  /** Abort the stream (RST_STREAM, CANCEL by default). */
  reset(status = 5): void {
    if (this.resetDone) return;
    this.resetDone = true;
    if (!(this.localFin && this.remoteFin)) this.owner.sendReset(this.id, status);
    this.finish();
    if (!this.destroyed) this.destroy();
  }

  // ----- called by the session -----

  /** @internal */
  gotReply(headers: SpdyHeaders, fin: boolean): void {
    this.replyHeaders = headers;
    this.replied = true;
    this.onReply();
    if (fin) this.gotFin();
  }

  /** @internal */
  gotData(data: Buffer, fin: boolean): void {
    if (data.length && !this.remoteFin) this.push(data);
    if (fin) this.gotFin();
  }

  /** @internal */
  gotFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    if (this.localFin) this.finish();
  }

  /** @internal the peer reset the stream, or the connection is gone */
  gotReset(reason: string): void {
    if (!this.remoteFin) this.resetReason = reason;
    this.resetDone = true;
    this.onReply(new Error(reason));
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.localFin = true;
    this.finish();
  }

  /** Both directions are closed: the session forgets the stream (buffered data stays readable). */
  private finish(): void {
    this.owner.streamDone(this);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send(chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.send(Buffer.alloc(0), true).then(() => {
      this.localFin = true;
      if (this.remoteFin) this.finish();
      cb();
    }, cb);
  }

  private async send(data: Buffer, fin: boolean): Promise<void> {
    await this.waitReply;
    if (this.resetDone || this.localFin) {
      if (data.length) throw new Error(`spdy: write on closed stream ${this.id}`);
      return;
    }
    if (data.length === 0) return this.owner.sendData(this.id, data, fin);
    for (let off = 0; off < data.length; off += MAX_CHUNK) {
      const last = off + MAX_CHUNK >= data.length;
      await this.owner.sendData(this.id, data.subarray(off, off + MAX_CHUNK), fin && last);
    }
  }
}
