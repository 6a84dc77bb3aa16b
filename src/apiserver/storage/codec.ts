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

  encode(obj: KObject, key: string): Buffer {
    const meta = obj.metadata;
    const rv = meta?.resourceVersion;
    if (meta && rv !== undefined) delete meta.resourceVersion;
    try {
      return this.transformer.toStorage(Buffer.from(JSON.stringify(obj)), key);
    } finally {
      if (meta && rv !== undefined) meta.resourceVersion = rv;
    }
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
