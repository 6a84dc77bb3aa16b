// NaCl secretbox (XSalsa20 stream cipher + Poly1305 one-time authenticator), as specified by
// D. J. Bernstein ("Cryptography in NaCl", "Extending the Salsa20 nonce", "The Poly1305-AES
// message-authentication code"). Node's crypto has neither Salsa20 nor a bare Poly1305, so the
// primitives are written here from the specifications.
//
// Layout (crypto_secretbox): the first 32 bytes of the XSalsa20 key stream are the Poly1305 key,
// the message is XORed with the key stream from byte 32 on, and the box is tag(16) || ciphertext.

import { timingSafeEqual } from 'node:crypto';

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

export const SECRETBOX_KEY_SIZE = 32;
export const SECRETBOX_NONCE_SIZE = 24;
/** Bytes a box adds to its message (the Poly1305 tag). */
export const SECRETBOX_OVERHEAD = 16;

function rotl(v: number, c: number): number {
  return (v << c) | (v >>> (32 - c));
}

/** 20 Salsa20 rounds (10 double rounds) over x, in place. */
function salsaRounds(x: Uint32Array): void {
  for (let i = 0; i < 10; i++) {
    // column round
    x[4] ^= rotl((x[0] + x[12]) | 0, 7);
    x[8] ^= rotl((x[4] + x[0]) | 0, 9);
    x[12] ^= rotl((x[8] + x[4]) | 0, 13);
    x[0] ^= rotl((x[12] + x[8]) | 0, 18);
    x[9] ^= rotl((x[5] + x[1]) | 0, 7);
    x[13] ^= rotl((x[9] + x[5]) | 0, 9);
    x[1] ^= rotl((x[13] + x[9]) | 0, 13);
    x[5] ^= rotl((x[1] + x[13]) | 0, 18);
    x[14] ^= rotl((x[10] + x[6]) | 0, 7);
    x[2] ^= rotl((x[14] + x[10]) | 0, 9);
    x[6] ^= rotl((x[2] + x[14]) | 0, 13);
    x[10] ^= rotl((x[6] + x[2]) | 0, 18);
    x[3] ^= rotl((x[15] + x[11]) | 0, 7);
    x[7] ^= rotl((x[3] + x[15]) | 0, 9);
    x[11] ^= rotl((x[7] + x[3]) | 0, 13);
    x[15] ^= rotl((x[11] + x[7]) | 0, 18);
    // row round
    x[1] ^= rotl((x[0] + x[3]) | 0, 7);
    x[2] ^= rotl((x[1] + x[0]) | 0, 9);
    x[3] ^= rotl((x[2] + x[1]) | 0, 13);
    x[0] ^= rotl((x[3] + x[2]) | 0, 18);
    x[6] ^= rotl((x[5] + x[4]) | 0, 7);
    x[7] ^= rotl((x[6] + x[5]) | 0, 9);
    x[4] ^= rotl((x[7] + x[6]) | 0, 13);
    x[5] ^= rotl((x[4] + x[7]) | 0, 18);
    x[11] ^= rotl((x[10] + x[9]) | 0, 7);
    x[8] ^= rotl((x[11] + x[10]) | 0, 9);
    x[9] ^= rotl((x[8] + x[11]) | 0, 13);
    x[10] ^= rotl((x[9] + x[8]) | 0, 18);
    x[12] ^= rotl((x[15] + x[14]) | 0, 7);
    x[13] ^= rotl((x[12] + x[15]) | 0, 9);
    x[14] ^= rotl((x[13] + x[12]) | 0, 13);
    x[15] ^= rotl((x[14] + x[13]) | 0, 18);
  }
}

/** The Salsa20 input block for a 32-byte key and four 32-bit words at positions 6..9. */
function salsaInput(key: Uint8Array, w6to9: Uint8Array): Uint32Array {
  const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const n = Buffer.from(w6to9.buffer, w6to9.byteOffset, w6to9.byteLength);
  const s = new Uint32Array(16);
  s[0] = SIGMA[0];
  s[5] = SIGMA[1];
  s[10] = SIGMA[2];
  s[15] = SIGMA[3];
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.readUInt32LE(4 * i);
    s[11 + i] = k.readUInt32LE(16 + 4 * i);
    s[6 + i] = n.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: derives the XSalsa20 sub-key from a key and the first 16 nonce bytes. */
export function hsalsa20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const x = salsaInput(key, nonce16);
  salsaRounds(x);
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w], 4 * i));
  return out;
}

/** XOR data with the XSalsa20 key stream, skipping the first `skip` stream bytes. */
function xsalsa20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, skip: number): { stream0: Buffer; out: Buffer } {
  const subKey = hsalsa20(key, nonce.subarray(0, 16));
  const counterAndNonce = Buffer.alloc(16);
  Buffer.from(nonce.subarray(16, 24)).copy(counterAndNonce, 0); // words 6,7: nonce; words 8,9: block counter
  const input = salsaInput(subKey, counterAndNonce);
  const total = skip + data.length;
  const out = Buffer.allocUnsafe(data.length);
  const stream0 = Buffer.alloc(skip);
  const x = new Uint32Array(16);
  const block = Buffer.allocUnsafe(64);
  let counter = 0;
  for (let pos = 0; pos < total; pos += 64) {
    input[8] = counter >>> 0;
    input[9] = Math.floor(counter / 0x100000000) >>> 0;
    x.set(input);
    salsaRounds(x);
    for (let i = 0; i < 16; i++) block.writeUInt32LE((x[i] + input[i]) >>> 0, 4 * i);
    const end = Math.min(64, total - pos);
    for (let i = 0; i < end; i++) {
      const p = pos + i;
      if (p < skip) stream0[p] = block[i];
      else out[p - skip] = data[p - skip] ^ block[i];
    }
    counter++;
  }
  return { stream0, out };
}

const P1305 = (1n << 130n) - 5n;
const MASK128 = (1n << 128n) - 1n;
const MASK130 = (1n << 130n) - 1n;
const CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

function leToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** Poly1305 tag (16 bytes) of msg under a 32-byte one-time key (r || s). */
export function poly1305(oneTimeKey: Uint8Array, msg: Uint8Array): Buffer {
  const k = Buffer.from(oneTimeKey.buffer, oneTimeKey.byteOffset, oneTimeKey.byteLength);
  const r = (k.readBigUInt64LE(0) | (k.readBigUInt64LE(8) << 64n)) & CLAMP;
  const s = k.readBigUInt64LE(16) | (k.readBigUInt64LE(24) << 64n);
  const m = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  let h = 0n;
  const full = m.length - (m.length % 16);
  for (let i = 0; i < full; i += 16) {
    h += m.readBigUInt64LE(i) | (m.readBigUInt64LE(i + 8) << 64n) | (1n << 128n);
    h *= r;
    // reduce modulo 2^130 - 5: 2^130 ≡ 5
    h = (h & MASK130) + 5n * (h >> 130n);
    h = (h & MASK130) + 5n * (h >> 130n);
  }
  if (full < m.length) {
    const rest = m.subarray(full);
    h += leToBig(rest) | (1n << BigInt(8 * rest.length));
    h *= r;
    h = (h & MASK130) + 5n * (h >> 130n);
    h = (h & MASK130) + 5n * (h >> 130n);
  }
  h %= P1305;
  const tag = (h + s) & MASK128;
  const out = Buffer.alloc(16);
  out.writeBigUInt64LE(tag & 0xffffffffffffffffn, 0);
  out.writeBigUInt64LE(tag >> 64n, 8);
  return out;
}

function checkSizes(nonce: Uint8Array, key: Uint8Array): void {
  if (key.length !== SECRETBOX_KEY_SIZE) throw new RangeError(`secretbox key must be ${SECRETBOX_KEY_SIZE} bytes, got ${key.length}`);
  if (nonce.length !== SECRETBOX_NONCE_SIZE) throw new RangeError(`secretbox nonce must be ${SECRETBOX_NONCE_SIZE} bytes, got ${nonce.length}`);
}

/** crypto_secretbox: tag(16) || ciphertext. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  checkSizes(nonce, key);
  const { stream0, out } = xsalsa20Xor(key, nonce, message, 32);
  const tag = poly1305(stream0, out);
  return Buffer.concat([tag, out]);
}

/** crypto_secretbox_open: the message, or undefined when the box does not authenticate. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | undefined {
  checkSizes(nonce, key);
  if (box.length < SECRETBOX_OVERHEAD) return undefined;
  const tag = box.subarray(0, SECRETBOX_OVERHEAD);
  const ct = box.subarray(SECRETBOX_OVERHEAD);
  // Authenticate before decrypting: the Poly1305 key is the first 32 stream bytes.
  const { stream0 } = xsalsa20Xor(key, nonce, new Uint8Array(0), 32);
  const expected = poly1305(stream0, ct);
  if (!timingSafeEqual(expected, tag)) return undefined;
  return xsalsa20Xor(key, nonce, ct, 32).out;
}
