// HTTP plumbing shared by every handler: request bodies (JSON or YAML, 3 MiB limit),
// content negotiation (JSON, Table, PartialObjectMetadata, aggregated discovery), and
// writing objects and Status errors.

import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import YAML from 'yaml';
import { StatusError, badRequest } from '../apimachinery/errors.js';
import { parseGoJson } from '../apimachinery/patch/index.js';
import { PROTOBUF_CONTENT_TYPE, ProtobufError, decodeK8sProtobuf, encodeK8sProtobuf } from '../apimachinery/protobuf/index.js';

export type Req = Http2ServerRequest;
export type Res = Http2ServerResponse;

/** Upstream's limit on request bodies (3 MiB); larger ones get 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: Req, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      failed = true;
      req.resume();
      reject(tooLarge());
      return;
    }
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => !failed && resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', (e) => !failed && reject(e));
  });
}

function tooLarge(): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}

export function mediaType(req: Req): string {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

const UNKNOWN_FORMAT = 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf';

/**
 * Parse a create/update body as JSON, YAML or Kubernetes protobuf (per Content-Type), as an
 * object. `expectedKind` names the endpoint's kind in upstream's decode error messages.
 */
export function parseObjectBody(body: Buffer, contentType: string, expectedKind = 'Object'): Record<string, any> {
  const ct = contentType || 'application/json';
  const unrecognized = (why: string) => badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): ${why}`);
  let obj: unknown;
  if (ct === 'application/json' || ct === '*/*') {
    obj = parseJSONBody(body, unrecognized);
  } else if (ct === 'application/yaml' || ct === 'text/yaml' || ct === 'application/x-yaml') {
    try {
      const docs = YAML.parseAllDocuments(body.toString('utf8'));
      if (docs.length !== 1) throw new Error('expected a single YAML document');
      if (docs[0].errors.length) throw docs[0].errors[0];
      obj = docs[0].toJSON();
    } catch (e) {
      throw unrecognized(`error converting YAML to JSON: yaml: ${(e as Error).message.split('\n')[0]}`);
    }
  } else if (ct === PROTOBUF_CONTENT_TYPE) {
    try {
      obj = decodeK8sProtobuf(body).object;
    } catch (e) {
      if (e instanceof ProtobufError) {
        if (e.httpStatus === 415) throw new StatusError(415, 'UnsupportedMediaType', UNKNOWN_FORMAT);
        throw unrecognized(`failed to decode protobuf body: ${e.message}`);
      }
      throw e;
    }
  } else {
    throw new StatusError(415, 'UnsupportedMediaType', UNKNOWN_FORMAT);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    const t = Array.isArray(obj) ? 'array' : obj === null ? 'null' : typeof obj === 'number' ? 'number' : typeof obj === 'boolean' ? 'bool' : 'string';
    throw unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal ${t} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  return obj as Record<string, any>;
}

/** JSON.parse with Go's error wording on failure (the Go-compatible parser only runs then). */
function parseJSONBody(body: Buffer, unrecognized: (why: string) => StatusError): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    let msg = 'unexpected end of JSON input';
    try {
      parseGoJson(text);
    } catch (e) {
      msg = (e as Error).message;
    }
    throw unrecognized(`couldn't get version/kind; json parse error: ${msg}`);
  }
}

export function parseJSONStrict(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function truncate(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + '...' : s;
}

// ---- content negotiation ----

export type OutputKind = 'object' | 'table' | 'partial' | 'discovery-v2' | 'discovery-v2beta1' | 'protobuf' | 'yaml';

export interface Negotiated {
  kind: OutputKind;
  /** Content-Type to answer with. */
  contentType: string;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type, ...ps] = part.trim().split(';');
      const params: Record<string, string> = {};
      for (const p of ps) {
        const [k, v] = p.split('=');
        if (k) params[k.trim()] = (v ?? '').trim();
      }
      return { type: type.trim().toLowerCase(), params };
    })
    .filter((m) => m.type);
}

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

/**
 * Choose the response form from Accept. `allowed` says which special forms the endpoint
 * can produce. Throws 406 NotAcceptable when nothing fits.
 */
export function negotiate(req: Req, allowed: { table?: boolean; partial?: boolean; discovery?: boolean }): Negotiated {
  const accept = String(req.headers.accept ?? '');
  if (!accept) return { kind: 'object', contentType: 'application/json' };
  if (accept.length > 256) return negotiateAccept(accept, allowed);
  // clients send the same few Accept headers over and over: remember the answers
  const memoKey = `${allowed.table ? 1 : 0}${allowed.partial ? 1 : 0}${allowed.discovery ? 1 : 0}${accept}`;
  const hit = negotiated.get(memoKey);
  if (hit) return { kind: hit.kind, contentType: hit.contentType };
  const n = negotiateAccept(accept, allowed);
  if (negotiated.size >= MAX_NEGOTIATED) negotiated.clear();
  negotiated.set(memoKey, n);
  return { kind: n.kind, contentType: n.contentType };
}

const negotiated = new Map<string, Negotiated>();
const MAX_NEGOTIATED = 512;

function negotiateAccept(accept: string, allowed: { table?: boolean; partial?: boolean; discovery?: boolean }): Negotiated {
  const ranges = parseAccept(accept);
  for (const r of ranges) {
    const as = r.params.as;
    if (as) {
      if (!JSON_TYPES.has(r.type) && r.type !== 'application/yaml') continue;
      const g = r.params.g;
      const v = r.params.v;
      if (allowed.table && as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
        return { kind: 'table', contentType: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
      }
      if (allowed.partial && (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
        return { kind: 'partial', contentType: `application/json;as=${as};v=v1;g=meta.k8s.io` };
      }
      if (allowed.discovery && as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) {
        return { kind: v === 'v2' ? 'discovery-v2' : 'discovery-v2beta1', contentType: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList` };
      }
      continue;
    }
    if (JSON_TYPES.has(r.type)) return { kind: 'object', contentType: 'application/json' };
    if (r.type === 'application/yaml') return { kind: 'yaml', contentType: 'application/yaml' };
  }
  // protobuf only when the client accepts nothing we print as JSON
  if (ranges.some((r) => r.type === PROTOBUF_CONTENT_TYPE && !r.params.as)) return { kind: 'protobuf', contentType: PROTOBUF_CONTENT_TYPE };
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

// ---- writing ----

export function writeRaw(res: Res, code: number, body: string | Buffer, contentType = 'application/json', extraHeaders?: Record<string, string>): void {
  if (res.headersSent || res.writableEnded) return;
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache, private',
    ...extraHeaders,
  };
  const audit = (res as any).__auditID as string | undefined;
  if (audit) headers['audit-id'] = audit;
  const rec = (res as any).__audit;
  if (rec) {
    let obj: unknown;
    if (rec.level === 'RequestResponse' && contentType.startsWith('application/json')) {
      try {
        obj = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
      } catch {
        obj = undefined;
      }
    } else if (code >= 400 && contentType === 'application/json') {
      try {
        obj = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
      } catch {
        obj = undefined;
      }
    }
    rec.setResponse(code, obj);
    (res as any).__auditResponded = true;
  }
  // (Not on the Http2Stream directly, without the compat layer's empty trailers: once the
  // request was read, the stream is then destroyed before its last write completes, and
  // Node 20's Writable builds an ERR_STREAM_DESTROYED, stack and all, per response.)
  res.writeHead(code, headers);
  res.end(body);
}

export function writeJSON(res: Res, code: number, obj: unknown, contentType = 'application/json'): void {
  if (contentType === PROTOBUF_CONTENT_TYPE) {
    try {
      writeRaw(res, code, encodeK8sProtobuf(obj as Record<string, any>), PROTOBUF_CONTENT_TYPE);
      return;
    } catch (e) {
      if (!(e instanceof ProtobufError)) throw e;
      contentType = 'application/json';
    }
  }
  if (contentType === 'application/yaml') {
    // as upstream's JSON-to-YAML conversion: keys sorted
    writeRaw(res, code, YAML.stringify(obj, { sortMapEntries: true, lineWidth: 0 }), contentType);
    return;
  }
  writeRaw(res, code, JSON.stringify(obj), contentType);
}

export function writeStatusError(res: Res, err: StatusError): void {
  writeJSON(res, err.code, err.toStatus());
}

/** Add a `Warning: 299 - "..."` header (as upstream's warning headers). */
export function addWarning(res: Res, text: string): void {
  const prev = res.getHeader('warning');
  const v = `299 - ${JSON.stringify(text)}`;
  if (!prev) res.setHeader('warning', v);
  else res.setHeader('warning', Array.isArray(prev) ? [...prev, v] : [String(prev), v]);
}
