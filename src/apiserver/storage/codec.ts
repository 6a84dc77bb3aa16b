// How API objects become stored bytes and back: JSON without metadata.resourceVersion
// (the store's modRevision is the resourceVersion, as upstream's etcd3 storage does), passed
// through a value transformer (identity now; encryption at rest plugs in here).

import type { KeyValue } from '../../storage/types.js';
import type { KObject } from '../registry/types.js';

export interface ValueTransformer {
  /** Bytes as written to the store (e.g. encrypted with a "k8s:enc:..." prefix). */
  toStorage(plain: Buffer, key: string): Buffer;
  fromStorage(stored: Buffer, key: string): Buffer;
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
    const { apiVersion, kind, metadata, ...rest } = obj;
    let meta = metadata;
    if (meta && meta.resourceVersion !== undefined) {
      const { resourceVersion: _rv, ...m } = meta;
      meta = m;
    }
    const ordered = { apiVersion, kind, metadata: meta ?? {}, ...rest };
    return this.transformer.toStorage(Buffer.from(JSON.stringify(ordered)), key);
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
