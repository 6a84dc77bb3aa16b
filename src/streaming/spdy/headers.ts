// SPDY/3 name/value header blocks (draft 3, section 2.6.10): the uncompressed layout (32-bit
// counts and lengths, lower-case names, several values joined by NUL) and the per-connection
// zlib contexts primed with the SPDY/3 dictionary, one per direction.
//
// Sending: blocks are written as zlib "stored" (uncompressed) deflate blocks ending in a sync
// flush point, which every zlib inflater reads; this keeps encoding synchronous and
// deterministic (header blocks here are a few dozen bytes). Receiving: a real zlib inflater,
// since peers compress with back-references across blocks.
import { constants, createInflate } from 'node:zlib';
import type { Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

/** Header names (lower-case) to their values. */
export type SpdyHeaders = Record<string, string[]>;

/** The uncompressed bytes of a header block. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers).filter(([, v]) => v.length > 0);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses uncompressed header block bytes. */
export function decodeHeaderBlock(raw: Buffer): SpdyHeaders {
  let off = 0;
  const read = (what: string): Buffer => {
    if (off + 4 > raw.length) throw new SpdyProtocolError(`spdy: header block ends inside the length of ${what}`);
    const len = raw.readUInt32BE(off);
    off += 4;
    if (off + len > raw.length) throw new SpdyProtocolError(`spdy: header block ends inside ${what} (${len} bytes)`);
    const b = raw.subarray(off, off + len);
    off += len;
    return b;
  };
  if (raw.length < 4) throw new SpdyProtocolError('spdy: header block shorter than its count');
  const count = raw.readUInt32BE(0);
  off = 4;
  const out: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = read('a header name').toString('utf8');
    if (!name) throw new SpdyProtocolError('spdy: empty header name');
    if (name !== name.toLowerCase()) throw new SpdyProtocolError(`spdy: header name ${JSON.stringify(name)} is not lower-case`);
    const value = read(`the value of ${name}`).toString('utf8');
    (out[name] ??= []).push(...value.split('\0'));
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The zlib stream header announcing the SPDY/3 dictionary: CMF, FLG (FDICT set), DICTID. */
function zlibHeaderWithDictionary(): Buffer {
  const cmf = 0x78; // deflate, 32K window
  let flg = 0x20; // FDICT, lowest compression level hint
  flg += 31 - ((cmf * 256 + flg) % 31);
  return Buffer.concat([Buffer.from([cmf, flg]), u32(adler32(SPDY3_DICTIONARY))]);
}

/** One direction's compression context: each block continues the same zlib stream. */
export class HeaderCompressor {
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const raw = encodeHeaderBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(zlibHeaderWithDictionary());
      this.started = true;
    }
    // stored blocks (BFINAL=0, BTYPE=00) of at most 65535 bytes, then an empty one: the
    // same bytes a sync flush ends with
    for (let off = 0; off < raw.length; off += 0xffff) parts.push(storedBlock(raw.subarray(off, off + 0xffff)));
    parts.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(parts);
  }
}

function storedBlock(data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0x00;
  head.writeUInt16LE(data.length, 1);
  head.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([head, data]);
}

/** The other direction: inflates each received block, in order, with the shared context. */
export class HeaderDecompressor {
  private readonly inflate: Inflate;
  private chunks: Buffer[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  constructor() {
    this.inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    this.inflate.on('data', (c: Buffer) => this.chunks.push(c));
    this.inflate.on('error', (e: Error) => (this.failure = new SpdyProtocolError(`spdy: header block does not decompress: ${e.message}`)));
  }

  /** Decompresses and parses one header block (calls resolve in the order they were made). */
  decompress(block: Buffer): Promise<SpdyHeaders> {
    const run = (): Promise<SpdyHeaders> =>
      new Promise((resolve, reject) => {
        if (this.failure) return reject(this.failure);
        this.inflate.write(block);
        this.inflate.flush(constants.Z_SYNC_FLUSH, () => {
          if (this.failure) return reject(this.failure);
          const raw = Buffer.concat(this.chunks);
          this.chunks = [];
          try {
            resolve(decodeHeaderBlock(raw));
          } catch (e) {
            reject(e);
          }
        });
      });
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.inflate.destroy();
  }
}
