// SPDY/3.1 frames (draft 3.1, section 2.2): their in-memory shapes, encoding to bytes and a
// streaming decoder that cuts a byte stream into frames. Header blocks stay compressed here;
// headers.ts turns them into name/value pairs.

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** FLAG_FIN on SYN_STREAM, SYN_REPLY, HEADERS and DATA frames. */
export const FLAG_FIN = 0x01;
/** FLAG_UNIDIRECTIONAL on SYN_STREAM. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** The largest payload a frame's 24-bit length can carry. */
export const MAX_FRAME_LENGTH = 0xffffff;

export type Frame =
  | { type: 'DATA'; streamId: number; flags: number; data: Buffer }
  | { type: 'SYN_STREAM'; flags: number; streamId: number; associatedId: number; priority: number; slot: number; headerBlock: Buffer }
  | { type: 'SYN_REPLY'; flags: number; streamId: number; headerBlock: Buffer }
  | { type: 'HEADERS'; flags: number; streamId: number; headerBlock: Buffer }
  | { type: 'RST_STREAM'; flags: number; streamId: number; status: number }
  | { type: 'SETTINGS'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'PING'; flags: number; id: number }
  | { type: 'GOAWAY'; flags: number; lastGoodStreamId: number; status: number }
  | { type: 'WINDOW_UPDATE'; flags: number; streamId: number; delta: number }
  | { type: 'UNKNOWN'; flags: number; frameType: number; payload: Buffer };

const ID_MASK = 0x7fffffff;

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_LENGTH) throw new Error(`spdy: control frame payload of ${payload.length} bytes is too large`);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) >>> 0 | payload.length, 4);
  return Buffer.concat([head, payload]);
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** The bytes of one frame. */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'DATA': {
      if (f.data.length > MAX_FRAME_LENGTH) throw new Error(`spdy: data frame of ${f.data.length} bytes is too large`);
      const head = u32s(f.streamId & ID_MASK, ((f.flags & 0xff) << 24) >>> 0 | f.data.length);
      return Buffer.concat([head, f.data]);
    }
    case 'SYN_STREAM': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & ID_MASK, 0);
      fixed.writeUInt32BE(f.associatedId & ID_MASK, 4);
      fixed[8] = (f.priority & 0x7) << 5;
      fixed[9] = f.slot & 0xff;
      return control(FrameType.SYN_STREAM, f.flags, Buffer.concat([fixed, f.headerBlock]));
    }
    case 'SYN_REPLY':
      return control(FrameType.SYN_REPLY, f.flags, Buffer.concat([u32s(f.streamId & ID_MASK), f.headerBlock]));
    case 'HEADERS':
      return control(FrameType.HEADERS, f.flags, Buffer.concat([u32s(f.streamId & ID_MASK), f.headerBlock]));
    case 'RST_STREAM':
      return control(FrameType.RST_STREAM, f.flags, u32s(f.streamId & ID_MASK, f.status));
    case 'SETTINGS': {
      const b = Buffer.alloc(4 + f.entries.length * 8);
      b.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        b.writeUInt32BE((((e.flags & 0xff) << 24) >>> 0) | (e.id & 0xffffff), 4 + i * 8);
        b.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return control(FrameType.SETTINGS, f.flags, b);
    }
    case 'PING':
      return control(FrameType.PING, f.flags, u32s(f.id));
    case 'GOAWAY':
      return control(FrameType.GOAWAY, f.flags, u32s(f.lastGoodStreamId & ID_MASK, f.status));
    case 'WINDOW_UPDATE':
      return control(FrameType.WINDOW_UPDATE, f.flags, u32s(f.streamId & ID_MASK, f.delta & ID_MASK));
    case 'UNKNOWN':
      return control(f.frameType, f.flags, f.payload);
  }
}

/** Thrown for bytes that are not a valid SPDY/3 frame; the session answers with GOAWAY. */
export class SpdyProtocolError extends Error {}

function need(p: Buffer, n: number, what: string): void {
  if (p.length < n) throw new SpdyProtocolError(`spdy: ${what} frame of ${p.length} bytes is shorter than ${n}`);
}

function decodeControl(type: number, flags: number, p: Buffer): Frame {
  switch (type) {
    case FrameType.SYN_STREAM:
      need(p, 10, 'SYN_STREAM');
      return { type: 'SYN_STREAM', flags, streamId: p.readUInt32BE(0) & ID_MASK, associatedId: p.readUInt32BE(4) & ID_MASK, priority: p[8]! >> 5, slot: p[9]!, headerBlock: p.subarray(10) };
    case FrameType.SYN_REPLY:
      need(p, 4, 'SYN_REPLY');
      return { type: 'SYN_REPLY', flags, streamId: p.readUInt32BE(0) & ID_MASK, headerBlock: p.subarray(4) };
    case FrameType.HEADERS:
      need(p, 4, 'HEADERS');
      return { type: 'HEADERS', flags, streamId: p.readUInt32BE(0) & ID_MASK, headerBlock: p.subarray(4) };
    case FrameType.RST_STREAM:
      need(p, 8, 'RST_STREAM');
      return { type: 'RST_STREAM', flags, streamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.SETTINGS: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + n * 8, 'SETTINGS');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const word = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: word >>> 24, id: word & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'SETTINGS', flags, entries };
    }
    case FrameType.PING:
      need(p, 4, 'PING');
      return { type: 'PING', flags, id: p.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(p, 8, 'GOAWAY');
      return { type: 'GOAWAY', flags, lastGoodStreamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.WINDOW_UPDATE:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'WINDOW_UPDATE', flags, streamId: p.readUInt32BE(0) & ID_MASK, delta: p.readUInt32BE(4) & ID_MASK };
    default:
      return { type: 'UNKNOWN', flags, frameType: type, payload: p };
  }
}

/** Cuts a byte stream into frames: push() what arrives, get back the frames completed so far. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const word = this.buf.readUInt32BE(4);
      const length = word & 0xffffff;
      if (this.buf.length < 8 + length) break;
      const flags = word >>> 24;
      const payload = Buffer.from(this.buf.subarray(8, 8 + length));
      const first = this.buf.readUInt32BE(0);
      this.buf = this.buf.subarray(8 + length);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`spdy: unsupported version ${version} (want ${SPDY_VERSION})`);
        frames.push(decodeControl(first & 0xffff, flags, payload));
      } else {
        frames.push({ type: 'DATA', streamId: first & ID_MASK, flags, data: payload });
      }
    }
    return frames;
  }
}
