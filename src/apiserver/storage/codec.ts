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

/**
 * What the watch cache indexes of a stored object (see ResourceCache.makeEntry), computed by
 * the cache from the object being encoded: the cache then does not parse the stored JSON of
 * the write's event again. `owner` is the cache that computed it (only it may use it).
 */
export interface IndexHint {
  owner: object;
  namespace: string;
  name: string;
  labels: Record<string, string> | undefined;
  fields: Record<string, string>;
  /**
   * The object that was encoded (its JSON is the stored text, without resourceVersion): the
   * cache hands it to change listeners of the write's event so they need not parse the JSON.
   */
  obj: KObject;
}

/** Hints are kept for values up to this size, and for this many keys at most. */
const MAX_HINT_TEXT = 64 * 1024;
const MAX_HINTS = 512;

export class Codec {
  private hinter?: (key: string, obj: KObject) => IndexHint | undefined;
  /** key → the JSON text last encoded for it and the index of the object it came from */
  private readonly hints = new Map<string, { text: string; hint: IndexHint }>();

  constructor(private transformer: ValueTransformer = identityTransformer) {}

  /** Set by the watch cache: computes IndexHints as objects are encoded. */
  setIndexHinter(fn: (key: string, obj: KObject) => IndexHint | undefined): void {
    this.hinter = fn;
  }

  /** Undoes setIndexHinter(fn) (when fn is still the hinter). */
  unsetIndexHinter(fn: (key: string, obj: KObject) => IndexHint | undefined): void {
    if (this.hinter !== fn) return;
    this.hinter = undefined;
    this.hints.clear();
  }

  /**
   * The hint encode() left for key, when the stored JSON text is exactly what it encoded then
   * (so the object it was computed from has this JSON) and `owner` computed it. Taken once.
   */
  takeIndexHint(key: string, text: string, owner: object): IndexHint | undefined {
    const h = this.hints.get(key);
    if (!h) return undefined;
    this.hints.delete(key);
    return h.hint.owner === owner && h.text === text ? h.hint : undefined;
  }

  setTransformer(t: ValueTransformer): void {
    this.transformer = t;
  }

  /**
   * Stored JSON always starts `{"apiVersion":..,"kind":..,"metadata":{` so readers can splice
   * the resourceVersion in without re-serialising (see withResourceVersion).
   */
  encode(obj: KObject, key: string): Buffer {
    return this.encodeWithText(obj, key).value;
  }

  /**
   * encode(), also handing back the JSON text before the transformer: a handler that answers
   * with the object it just stored can splice the new resourceVersion into that text
   * (withResourceVersion) instead of serialising the object a second time.
   */
  encodeWithText(obj: KObject, key: string): { value: Buffer; text: string } {
    const text = canonicalJSON(obj);
    if (this.hinter && text.length <= MAX_HINT_TEXT) {
      let hint: IndexHint | undefined;
      try {
        hint = this.hinter(key, obj);
      } catch {
        hint = undefined; // the cache indexes the stored JSON instead
      }
      this.hints.delete(key);
      if (hint) {
        if (this.hints.size >= MAX_HINTS) this.hints.delete(this.hints.keys().next().value!);
        this.hints.set(key, { text, hint });
      }
    }
    return { value: this.transformer.toStorage(Buffer.from(text), key), text };
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
export function withResourceVersion(text: string, rv: number | string): string | undefined {
  const m = CANONICAL_HEAD.exec(text);
  if (!m) return undefined;
  const at = m[0].length;
  const sep = text[at] === '}' ? '' : ',';
  return `${text.slice(0, at)}"resourceVersion":"${rv}"${sep}${text.slice(at)}`;
}
