// Kubernetes protobuf <-> JSON-form objects for the built-in kinds: decodes an enveloped message
// to exactly the JSON upstream's API server would produce for the same Go object (field names,
// Go omitempty rules, inline structs, Time/MicroTime/Duration/Quantity/IntOrString/RawExtension/
// FieldsV1 forms, base64 bytes), and encodes JSON-form objects the way gogo's marshallers do.

import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { canonicalQuantity } from '../quantity.js';
import {
  decodeEnvelope, decodeWatchEventMessage, encodeEnvelope, encodeWatchEventMessage, frame, hasProtobufMagic,
} from './envelope.js';
import { ProtobufError } from './errors.js';
import { formatGoDuration, formatRFC3339, formatRFC3339Micro, parseGoDuration, parseRFC3339 } from './gotime.js';
import { getMessage, messageForKind, type FieldSchema, type MessageSchema, type ScalarType, type TypeRef } from './schema.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_WATCH_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';

/** Deepest message nesting accepted (the built-in types nest far less). */
const MAX_DEPTH = 100;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  /** The object in its JSON form, kind and apiVersion first. */
  object: Record<string, Json>;
}

/** Whether objects of apiVersion/kind can be carried as protobuf. */
export function isProtobufSupported(apiVersion: string, kind: string): boolean {
  return messageForKind(apiVersion, kind) !== undefined;
}

// ---- decoding ----------------------------------------------------------------------------

function expectedWireType(t: TypeRef): WireType {
  if (t.kind !== 'scalar') return WireType.LengthDelimited;
  switch (t.scalar) {
    case 'string': case 'bytes': return WireType.LengthDelimited;
    case 'double': return WireType.Bit64;
    case 'float': return WireType.Bit32;
    default: return WireType.Varint;
  }
}

function readScalar(r: BinaryReader, s: ScalarType): Json {
  switch (s) {
    case 'string': return r.string();
    case 'bytes': return r.bytes();
    case 'bool': return r.bool();
    case 'int32': return r.int32();
    case 'uint32': return r.uint32();
    case 'int64': return BigInt(r.int64());
    case 'uint64': return BigInt(r.uint64());
    case 'double': return r.double();
    case 'float': return r.float();
  }
}

/** The raw values of each present field (scalars read, messages as their byte chunks). */
function readFields(buf: Uint8Array, msg: MessageSchema): Map<FieldSchema, Json[]> {
  const out = new Map<FieldSchema, Json[]>();
  const r = new BinaryReader(buf);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    const f = msg.byNumber.get(no);
    if (!f) {
      r.skip(wt, no); // unknown field: dropped, as gogo's unmarshallers do
      continue;
    }
    let values = out.get(f);
    if (!values) out.set(f, (values = []));
    const want = expectedWireType(f.type);
    if (wt === want) {
      values.push(f.type.kind === 'scalar' ? readScalar(r, f.type.scalar) : r.bytes());
    } else if (f.repeated && f.type.kind === 'scalar' && wt === WireType.LengthDelimited && want !== WireType.LengthDelimited) {
      const packed = new BinaryReader(r.bytes()); // packed repeated numbers
      while (packed.pos < packed.len) values.push(readScalar(packed, f.type.scalar));
    } else {
      throw new Error(`proto: wrong wireType = ${wt} for field ${f.json} (${no}) of ${msg.fullName}`);
    }
  }
  return out;
}

function scalarToJson(s: ScalarType, v: Json): Json {
  if (typeof v === 'bigint') return Number(v);
  if (s === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  return v;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function lookup(name: string): MessageSchema {
  const m = getMessage(name);
  if (!m) throw new Error(`protobuf schema has no message ${name}`);
  return m;
}

function first<T>(fields: Map<FieldSchema, Json[]>, msg: MessageSchema, no: number, dflt: T): T {
  const values = fields.get(msg.byNumber.get(no)!);
  return values?.length ? values[values.length - 1] : dflt;
}

function decodeSpecial(buf: Uint8Array, msg: MessageSchema, depth: number): Json {
  const fields = readFields(buf, msg);
  switch (msg.special) {
    case 'Time':
      // An empty message is the zero time (Go's JSON null); nanos are dropped, as metav1.Time does.
      return buf.length === 0 ? null : formatRFC3339(first(fields, msg, 1, 0n));
    case 'MicroTime':
      return buf.length === 0 ? null : formatRFC3339Micro(first(fields, msg, 1, 0n), first(fields, msg, 2, 0));
    case 'Duration':
      return formatGoDuration(first(fields, msg, 1, 0n));
    case 'Quantity': {
      const s: string = first(fields, msg, 1, '');
      if (s === '') return '0';
      try {
        return canonicalQuantity(s);
      } catch {
        return s;
      }
    }
    case 'IntOrString':
      return Number(first(fields, msg, 1, 0n)) === 1 ? first(fields, msg, 3, '') : first(fields, msg, 2, 0);
    case 'FieldsV1':
    case 'RawExtension': {
      const raw = first<Uint8Array | undefined>(fields, msg, 1, undefined);
      if (!raw || raw.length === 0) return null;
      if (msg.special === 'RawExtension' && hasProtobufMagic(raw)) return decodeEnvelopedObject(raw, depth + 1).object;
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8'));
      } catch {
        throw new Error(`${msg.special === 'FieldsV1' ? 'fieldsV1' : 'raw extension'} does not hold JSON or a protobuf object`);
      }
    }
    case 'StringArray':
      return first(fields, msg, 1, undefined) === undefined ? [] : fields.get(msg.byNumber.get(1)!)!;
  }
  throw new Error(`unhandled special message ${msg.name}`);
}

function decodeValue(type: TypeRef, raw: Json, depth: number): Json {
  if (type.kind === 'scalar') return scalarToJson(type.scalar, raw);
  if (type.kind === 'message') return decodeMessage(raw as Uint8Array, lookup(type.name), depth + 1);
  throw new Error('map value outside a map');
}

function zeroValue(type: TypeRef, depth: number): Json {
  if (type.kind === 'scalar') {
    switch (type.scalar) {
      case 'string': case 'bytes': return '';
      case 'bool': return false;
      default: return 0;
    }
  }
  return decodeValue(type, new Uint8Array(0), depth);
}

function decodeMapEntries(chunks: Uint8Array[], type: Extract<TypeRef, { kind: 'map' }>, depth: number): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const chunk of chunks) {
    let key: Json;
    let value: Json;
    const r = new BinaryReader(chunk);
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      const t = no === 1 ? type.key : no === 2 ? type.value : undefined;
      if (!t) {
        r.skip(wt, no);
        continue;
      }
      if (wt !== expectedWireType(t)) throw new Error(`proto: wrong wireType = ${wt} for map ${no === 1 ? 'key' : 'value'}`);
      const v = t.kind === 'scalar' ? readScalar(r, t.scalar) : r.bytes();
      if (no === 1) key = v;
      else value = v;
    }
    const k = key === undefined ? zeroValue(type.key, depth) : scalarToJson((type.key as { scalar: ScalarType }).scalar, key);
    out[String(k)] = value === undefined ? zeroValue(type.value, depth) : decodeValue(type.value, value, depth);
  }
  return out;
}

/** Go's encoding/json omitempty test for a decoded field value. */
function isEmpty(f: FieldSchema, v: Json): boolean {
  if (f.repeated || f.type.kind === 'map') return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
  if (f.type.kind === 'message') {
    return lookup(f.type.name).special === 'StringArray' && Array.isArray(v) && v.length === 0;
  }
  if (f.type.scalar === 'bytes') return v === '';
  // A pointer (nullable, non-repeated) scalar that is on the wire is a non-nil pointer.
  if (!f.value) return false;
  return v === '' || v === 0 || v === false;
}

function decodeMessage(buf: Uint8Array, msg: MessageSchema, depth: number): Json {
  if (depth > MAX_DEPTH) throw new Error(`message nesting deeper than ${MAX_DEPTH}`);
  if (msg.special) return decodeSpecial(buf, msg, depth);
  const fields = readFields(buf, msg);
  const out: Record<string, Json> = {};
  for (const f of msg.fields) {
    const values = fields.get(f);
    if (!values) continue;
    let v: Json;
    if (f.type.kind === 'map') v = decodeMapEntries(values, f.type, depth);
    else if (f.repeated) v = values.map((x) => decodeValue(f.type, x, depth));
    else if (f.type.kind === 'message') v = decodeValue(f.type, concat(values), depth); // repeated occurrences merge
    else v = decodeValue(f.type, values[values.length - 1], depth);
    if (f.inline) {
      if (v && typeof v === 'object') Object.assign(out, v);
      continue;
    }
    if (f.omitempty && isEmpty(f, v)) continue;
    out[f.json] = v;
  }
  return out;
}

function decodeEnvelopedObject(buf: Uint8Array, depth: number): DecodedObject {
  const env = decodeEnvelope(buf);
  if (env.contentEncoding) throw new ProtobufError('Malformed', `unsupported protobuf content encoding ${JSON.stringify(env.contentEncoding)}`);
  if (env.contentType && env.contentType !== PROTOBUF_CONTENT_TYPE) {
    throw new ProtobufError('Malformed', `unsupported content type ${JSON.stringify(env.contentType)} in protobuf envelope`);
  }
  const msg = messageForKind(env.apiVersion, env.kind);
  if (!msg) {
    throw new ProtobufError('UnsupportedKind', `no kind "${env.kind}" is registered for version "${env.apiVersion}" in the protobuf codec`);
  }
  let body: Record<string, Json>;
  try {
    body = decodeMessage(env.raw, msg, depth);
  } catch (e) {
    if (e instanceof ProtobufError) throw e;
    throw new ProtobufError('Malformed', `invalid ${env.apiVersion} ${env.kind} protobuf message: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { apiVersion: env.apiVersion, kind: env.kind, object: { kind: env.kind, apiVersion: env.apiVersion, ...body } };
}

/**
 * Decodes a Kubernetes protobuf body ("k8s\0" + runtime.Unknown) into its JSON form.
 * Throws ProtobufError: 'Malformed' for bad bytes, 'UnsupportedKind' for an apiVersion/kind
 * without a message here.
 */
export function decodeK8sProtobuf(buf: Uint8Array): DecodedObject {
  if (!(buf instanceof Uint8Array)) throw new ProtobufError('Malformed', 'protobuf body must be bytes');
  return decodeEnvelopedObject(buf, 0);
}

// ---- encoding ----------------------------------------------------------------------------

class EncodeError extends Error {}

function fail(path: string, what: string): never {
  throw new EncodeError(`${path || '<root>'}: ${what}`);
}

function toInteger(v: Json, path: string, min: bigint, max: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) b = BigInt(v);
  else fail(path, `expected an integer, got ${JSON.stringify(v)}`);
  if (b < min || b > max) fail(path, `integer ${b} out of range`);
  return b;
}

const I32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const U32 = [0n, 2n ** 32n - 1n] as const;
const I64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const U64 = [0n, 2n ** 64n - 1n] as const;

function writeScalar(w: BinaryWriter, no: number, s: ScalarType, v: Json, path: string): void {
  switch (s) {
    case 'string':
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') fail(path, `expected a string, got ${typeof v}`);
      w.tag(no, WireType.LengthDelimited).string(String(v));
      return;
    case 'bytes':
      if (v instanceof Uint8Array) w.tag(no, WireType.LengthDelimited).bytes(v);
      else if (typeof v === 'string') w.tag(no, WireType.LengthDelimited).bytes(Buffer.from(v, 'base64'));
      else fail(path, 'expected base64 bytes');
      return;
    case 'bool':
      if (typeof v !== 'boolean') fail(path, `expected a boolean, got ${JSON.stringify(v)}`);
      w.tag(no, WireType.Varint).bool(v);
      return;
    case 'int32': w.tag(no, WireType.Varint).int32(Number(toInteger(v, path, ...I32))); return;
    case 'uint32': w.tag(no, WireType.Varint).uint32(Number(toInteger(v, path, ...U32))); return;
    case 'int64': w.tag(no, WireType.Varint).int64(toInteger(v, path, ...I64)); return;
    case 'uint64': w.tag(no, WireType.Varint).uint64(toInteger(v, path, ...U64)); return;
    case 'double':
    case 'float':
      if (typeof v !== 'number') fail(path, `expected a number, got ${JSON.stringify(v)}`);
      if (s === 'double') w.tag(no, WireType.Bit64).double(v);
      else w.tag(no, WireType.Bit32).float(v);
      return;
  }
}

function writeTime(w: BinaryWriter, v: Json, path: string): void {
  if (v === null || v === undefined || v === '') return; // zero time: empty message
  if (typeof v !== 'string') fail(path, 'expected an RFC3339 time string');
  let t;
  try {
    t = parseRFC3339(v);
  } catch (e) {
    fail(path, (e as Error).message);
  }
  w.tag(1, WireType.Varint).int64(t.seconds);
  w.tag(2, WireType.Varint).int32(t.nanos);
}

function encodeSpecial(w: BinaryWriter, msg: MessageSchema, v: Json, path: string): void {
  switch (msg.special) {
    case 'Time':
    case 'MicroTime':
      writeTime(w, v, path);
      return;
    case 'Duration': {
      let nanos = 0n;
      if (typeof v === 'string') {
        try {
          nanos = parseGoDuration(v);
        } catch (e) {
          fail(path, (e as Error).message);
        }
      } else if (v !== null && v !== undefined) fail(path, 'expected a duration string');
      w.tag(1, WireType.Varint).int64(nanos);
      return;
    }
    case 'Quantity': {
      let s = '0';
      if (typeof v === 'string' || typeof v === 'number') {
        try {
          s = canonicalQuantity(String(v));
        } catch {
          fail(path, `invalid quantity ${JSON.stringify(v)}`);
        }
      } else if (v !== null && v !== undefined) fail(path, 'expected a quantity');
      w.tag(1, WireType.LengthDelimited).string(s);
      return;
    }
    case 'IntOrString': {
      const isString = typeof v === 'string';
      if (!isString && typeof v !== 'number' && v !== null && v !== undefined) fail(path, 'expected an integer or a string');
      w.tag(1, WireType.Varint).int64(isString ? 1 : 0);
      w.tag(2, WireType.Varint).int32(isString || v == null ? 0 : Number(toInteger(v, path, ...I32)));
      w.tag(3, WireType.LengthDelimited).string(isString ? v : '');
      return;
    }
    case 'RawExtension':
    case 'FieldsV1':
      if (v === null || v === undefined) return;
      w.tag(1, WireType.LengthDelimited).bytes(v instanceof Uint8Array ? v : Buffer.from(JSON.stringify(v), 'utf8'));
      return;
    case 'StringArray':
      if (v === null || v === undefined) return;
      if (!Array.isArray(v)) fail(path, 'expected an array of strings');
      v.forEach((x, i) => writeScalar(w, 1, 'string', x, `${path}[${i}]`));
      return;
  }
}

function writeMessageField(w: BinaryWriter, no: number, name: string, v: Json, path: string, depth: number): void {
  w.tag(no, WireType.LengthDelimited).fork();
  encodeMessage(w, lookup(name), v, path, depth + 1);
  w.join();
}

function writeValue(w: BinaryWriter, no: number, type: TypeRef, v: Json, path: string, depth: number): void {
  if (type.kind === 'scalar') writeScalar(w, no, type.scalar, v, path);
  else if (type.kind === 'message') writeMessageField(w, no, type.name, v, path, depth);
  else fail(path, 'nested map');
}

function zeroScalar(s: ScalarType): Json {
  if (s === 'string' || s === 'bytes') return s === 'string' ? '' : new Uint8Array(0);
  return s === 'bool' ? false : 0;
}

function encodeMessage(w: BinaryWriter, msg: MessageSchema, obj: Json, path: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(path, `nesting deeper than ${MAX_DEPTH}`);
  if (msg.special) {
    encodeSpecial(w, msg, obj, path);
    return;
  }
  if (obj === null || obj === undefined) obj = {};
  if (typeof obj !== 'object' || Array.isArray(obj)) fail(path, `expected an object for ${msg.fullName}`);
  for (const f of msg.wireOrder) {
    const fpath = path ? `${path}.${f.json}` : f.json;
    if (f.inline) {
      // The inline struct's fields live in this same JSON object.
      writeMessageField(w, f.number, (f.type as { name: string }).name, obj, path, depth);
      continue;
    }
    const v = obj[f.json];
    if (f.type.kind === 'map') {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'object' || Array.isArray(v)) fail(fpath, 'expected an object');
      for (const key of Object.keys(v).sort()) {
        w.tag(f.number, WireType.LengthDelimited).fork();
        writeValue(w, 1, f.type.key, key, fpath, depth);
        writeValue(w, 2, f.type.value, v[key], `${fpath}[${JSON.stringify(key)}]`, depth);
        w.join();
      }
    } else if (f.repeated) {
      if (v === null || v === undefined) continue;
      if (!Array.isArray(v)) fail(fpath, 'expected an array');
      v.forEach((x, i) => writeValue(w, f.number, f.type, x ?? (f.type.kind === 'scalar' ? zeroScalar(f.type.scalar) : null), `${fpath}[${i}]`, depth));
    } else if (v === null || v === undefined) {
      // gogo writes value (non-pointer) fields even when zero; pointers only when set.
      if (f.value) writeValue(w, f.number, f.type, f.type.kind === 'scalar' ? zeroScalar(f.type.scalar) : null, fpath, depth);
    } else {
      writeValue(w, f.number, f.type, v, fpath, depth);
    }
  }
}

/**
 * Encodes a JSON-form object (with apiVersion and kind) as a Kubernetes protobuf body.
 * Throws ProtobufError 'NotMarshalable' when the kind has no message here or a field value
 * has the wrong type.
 */
export function encodeK8sProtobuf(obj: Record<string, Json>): Buffer {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new ProtobufError('NotMarshalable', 'object must be a JSON object');
  const { apiVersion, kind } = obj;
  const msg = messageForKind(apiVersion, kind);
  if (!msg) {
    throw new ProtobufError('NotMarshalable', `object ${apiVersion}, Kind=${kind} does not implement the protobuf marshalling interface and cannot be encoded to a protobuf message`);
  }
  const w = new BinaryWriter();
  try {
    encodeMessage(w, msg, obj, '', 0);
  } catch (e) {
    if (e instanceof EncodeError) throw new ProtobufError('NotMarshalable', `cannot encode ${apiVersion} ${kind} as protobuf: ${e.message}`);
    throw e;
  }
  return encodeEnvelope(apiVersion, kind, w.finish());
}

// ---- watch -------------------------------------------------------------------------------

/** One frame of a protobuf watch stream: length prefix + WatchEvent{type, object: enveloped obj}. */
export function encodeWatchEventFrame(type: string, obj: Record<string, Json>): Buffer {
  return frame(encodeWatchEventMessage(type, encodeK8sProtobuf(obj)));
}

/** Decodes one WatchEvent frame body (without its length prefix). */
export function decodeWatchEvent(message: Uint8Array): { type: string; object: Record<string, Json> | null } {
  const { type, raw } = decodeWatchEventMessage(message);
  if (raw.length === 0) return { type, object: null };
  if (hasProtobufMagic(raw)) return { type, object: decodeK8sProtobuf(raw).object };
  try {
    return { type, object: JSON.parse(Buffer.from(raw).toString('utf8')) };
  } catch {
    throw new ProtobufError('Malformed', 'watch event object is neither protobuf nor JSON');
  }
}
