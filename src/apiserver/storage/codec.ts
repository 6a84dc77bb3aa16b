// How API objects become stored bytes and back: JSON without metadata.resourceVersion
// (the store's modRevision is the resourceVersion, as upstream's etcd3 storage does), passed
// through a value transformer (identity now; encryption at rest plugs in here).

import type { KeyValue } from '../../storage/types.js';
import type { KObject } from '../registry/types.js';

export interface ValueTransformer {
  /** Bytes as written to the store (e.g. encrypted with a "k8s:enc:..." prefix). */
  toStorage(plain: Buffer, key: string): Buffer;
  fromStorage(stored: Buffer, key: string): Buffer;
  /** What values written now start with ('' for plaintext); lets readers spot stale values. */
  writePrefix?(key: string): string;
}

export const identityTransformer: ValueTransformer = {
  toStorage: (b) => b,
  fromStorage: (b) => b,
};

export class Codec {
  constructor(private transformer: ValueTransformer = identityTransformer) {}

  setTransformer(t: ValueTransformer): void {
    this.transformer = t;
  }

  /**
   * Stored JSON always starts `{"apiVersion":..,"kind":..,"metadata":{` so readers can splice
   * the resourceVersion in without re-serialising (see withResourceVersion).
   */
  encode(obj: KObject, key: string): Buffer {
    return this.transformer.toStorage(Buffer.from(canonicalJSON(obj)), key);
  }

  /**
   * True when the stored value was not written by today's transformer (e.g. encrypted with an
   * older key, or plaintext before encryption was configured): an update must rewrite it even
   * when the object did not change, so `kubectl replace` rotates keys as upstream.
   */
  isStale(kv: KeyValue): boolean {
    const prefix = this.transformer.writePrefix?.(kv.key);
    if (prefix === undefined) return false;
    if (prefix === '') return kv.value.subarray(0, 8).toString('latin1') === 'k8s:enc:';
    return kv.value.subarray(0, prefix.length).toString('latin1') !== prefix;
  }

  /** The stored JSON text of a kv (after the transformer). */
  decodeText(kv: KeyValue): string {
    return this.transformer.fromStorage(kv.value, kv.key).toString('utf8');
  }

  decode(kv: KeyValue): KObject {
    const obj = JSON.parse(this.decodeText(kv));
    (obj.metadata ??= {}).resourceVersion = String(kv.modRevision);
    return obj;
  }
}

/** JSON of obj with apiVersion, kind, metadata first and no metadata.resourceVersion. */
function canonicalJSON(obj: KObject): string {
  const meta0 = obj.metadata;
  if (meta0 !== null && typeof meta0 === 'object' && meta0.resourceVersion === undefined) {
    // already in that order (decoded bodies and stored objects are): serialise as it is
    let i = 0;
    let ordered = true;
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      if (i === 0 ? k !== 'apiVersion' : i === 1 ? k !== 'kind' : k !== 'metadata') ordered = false;
      if (++i === 3) break;
    }
    if (ordered && i === 3) return JSON.stringify(obj);
  }
  const { apiVersion, kind, metadata, ...rest } = obj;
  let meta = metadata;
  if (meta && meta.resourceVersion !== undefined) {
    const { resourceVersion: _rv, ...m } = meta;
    meta = m;
  }
  return JSON.stringify({ apiVersion, kind, metadata: meta ?? {}, ...rest });
}

const CANONICAL_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * The stored JSON text with metadata.resourceVersion set, spliced in textually when the text
 * has the canonical head written by Codec.encode (undefined otherwise: parse and re-serialise).
 */
export function withResourceVersion(text: string, rv: number): string | undefined {
  const m = CANONICAL_HEAD.exec(text);
  if (!m) return undefined;
  const at = m[0].length;
  const sep = text[at] === '}' ? '' : ',';
  return `${text.slice(0, at)}"resourceVersion":"${rv}"${sep}${text.slice(at)}`;
}
