// The framing of Kubernetes protobuf bodies, as k8s.io/apimachinery's protobuf serializer:
//  - an object is the 4-byte magic "k8s\x00" followed by a runtime.Unknown message
//    { 1: typeMeta { 1: apiVersion, 2: kind }, 2: raw (the object's message), 3: contentEncoding,
//      4: contentType };
//  - a watch stream (application/vnd.kubernetes.protobuf;stream=watch) is a sequence of frames,
//    each a 4-byte big-endian length and a meta/v1 WatchEvent message written without magic or
//    envelope ({ 1: type, 2: object RawExtension { 1: raw } }, raw = an enveloped object).

import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ProtobufError } from './errors.js';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasProtobufMagic(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x6b && buf[1] === 0x38 && buf[2] === 0x73 && buf[3] === 0x00;
}

function malformed(what: string, e: unknown): ProtobufError {
  return new ProtobufError('Malformed', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

function readTypeMeta(buf: Uint8Array, out: Envelope): void {
  const r = new BinaryReader(buf);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if ((no === 1 || no === 2) && wt === WireType.LengthDelimited) {
      if (no === 1) out.apiVersion = r.string();
      else out.kind = r.string();
    } else {
      r.skip(wt, no);
    }
  }
}

/** Splits "k8s\0" + runtime.Unknown into type and raw message bytes. */
export function decodeEnvelope(buf: Uint8Array): Envelope {
  if (buf.length === 0) throw new ProtobufError('Malformed', 'empty data');
  if (!hasProtobufMagic(buf)) {
    throw new ProtobufError('Malformed', 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  if (buf.length === 4) throw new ProtobufError('Malformed', 'empty body');
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  try {
    const r = new BinaryReader(buf.subarray(4));
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (no >= 1 && no <= 4 && wt !== WireType.LengthDelimited) throw new Error(`wrong wire type ${wt} for field ${no}`);
      switch (no) {
        case 1: readTypeMeta(r.bytes(), out); break;
        case 2: out.raw = r.bytes(); break;
        case 3: out.contentEncoding = r.string(); break;
        case 4: out.contentType = r.string(); break;
        default: r.skip(wt, no);
      }
    }
  } catch (e) {
    throw malformed('invalid runtime.Unknown envelope', e);
  }
  if (!out.kind) throw new ProtobufError('Malformed', `Object 'Kind' is missing in protobuf envelope (apiVersion ${JSON.stringify(out.apiVersion)})`);
  if (!out.apiVersion) throw new ProtobufError('Malformed', `Object 'apiVersion' is missing in protobuf envelope (kind ${JSON.stringify(out.kind)})`);
  return out;
}

/** "k8s\0" + runtime.Unknown, written field for field as upstream's gogo marshaller does. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).string(apiVersion);
  w.tag(2, WireType.LengthDelimited).string(kind);
  w.join();
  w.tag(2, WireType.LengthDelimited).bytes(raw);
  w.tag(3, WireType.LengthDelimited).string('');
  w.tag(4, WireType.LengthDelimited).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

/** A meta/v1 WatchEvent message (no magic, no envelope) whose object raw is `rawObject`. */
export function encodeWatchEventMessage(type: string, rawObject: Uint8Array): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string(type);
  w.tag(2, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).bytes(rawObject);
  w.join();
  return w.finish();
}

export function decodeWatchEventMessage(buf: Uint8Array): { type: string; raw: Uint8Array } {
  const out: { type: string; raw: Uint8Array } = { type: '', raw: new Uint8Array(0) };
  try {
    const r = new BinaryReader(buf);
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if ((no === 1 || no === 2) && wt !== WireType.LengthDelimited) throw new Error(`wrong wire type ${wt} for field ${no}`);
      if (no === 1) out.type = r.string();
      else if (no === 2) {
        const ext = new BinaryReader(r.bytes());
        while (ext.pos < ext.len) {
          const [eno, ewt] = ext.tag();
          if (eno === 1 && ewt === WireType.LengthDelimited) out.raw = ext.bytes();
          else ext.skip(ewt, eno);
        }
      } else r.skip(wt, no);
    }
  } catch (e) {
    throw malformed('invalid WatchEvent', e);
  }
  return out;
}

/** Prefixes a message with its 4-byte big-endian length (upstream's LengthDelimitedFramer). */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + message.length);
  out.writeUInt32BE(message.length, 0);
  out.set(message, 4);
  return out;
}

/** Splits complete length-delimited frames off the front of `buf`; `rest` is an incomplete tail. */
export function splitFrames(buf: Uint8Array): { frames: Uint8Array[]; rest: Uint8Array } {
  const frames: Uint8Array[] = [];
  let pos = 0;
  while (buf.length - pos >= 4) {
    const len = ((buf[pos] << 24) >>> 0) + (buf[pos + 1] << 16) + (buf[pos + 2] << 8) + buf[pos + 3];
    if (buf.length - pos - 4 < len) break;
    frames.push(buf.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return { frames, rest: buf.subarray(pos) };
}
