// Test-only Store: the get/create/update/delete subset the allocators use, with etcd-style
// revisions and compare-and-swap, and an asynchronous hop before every operation so that
// concurrent callers really interleave. Counts writes and conflicts.

import { StorageError, type KeyValue, type Store } from '../../../src/storage/types.js';

export class FakeStore implements Store {
  readonly backend = 'fake';
  private rev = 0;
  private data = new Map<string, KeyValue>();
  writes = 0;
  conflicts = 0;

  constructor(private readonly jitter = true) {}

  private async hop(): Promise<void> {
    if (!this.jitter) return;
    if (Math.random() < 0.5) await new Promise((r) => setImmediate(r));
    else await Promise.resolve();
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }
  async compactedRevision(): Promise<number> {
    return 0;
  }
  async get(key: string): Promise<KeyValue | undefined> {
    await this.hop();
    return this.data.get(key);
  }
  async list(): Promise<never> {
    throw new Error('not implemented');
  }
  async count(prefix: string): Promise<number> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).length;
  }
  async create(key: string, value: Buffer): Promise<KeyValue> {
    await this.hop();
    if (this.data.has(key)) throw new StorageError('KeyExists', `key already exists: ${key}`, key);
    const kv: KeyValue = { key, value: Buffer.from(value), createRevision: ++this.rev, modRevision: this.rev, version: 1 };
    this.data.set(key, kv);
    this.writes++;
    return kv;
  }
  async update(key: string, value: Buffer, opts?: { expectedModRevision?: number }): Promise<KeyValue> {
    await this.hop();
    const prev = this.data.get(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    if (opts?.expectedModRevision !== undefined && opts.expectedModRevision !== prev.modRevision) {
      this.conflicts++;
      throw new StorageError('Conflict', 'modRevision mismatch', key, prev);
    }
    const kv: KeyValue = { key, value: Buffer.from(value), createRevision: prev.createRevision, modRevision: ++this.rev, version: prev.version + 1 };
    this.data.set(key, kv);
    this.writes++;
    return kv;
  }
  async delete(key: string): Promise<{ prev: KeyValue; revision: number }> {
    await this.hop();
    const prev = this.data.get(key);
    if (!prev) throw new StorageError('KeyNotFound', `key not found: ${key}`, key);
    this.data.delete(key);
    return { prev, revision: ++this.rev };
  }
  watch(): never {
    throw new Error('not implemented');
  }
  async compact(): Promise<void> {}
  async close(): Promise<void> {}
}
