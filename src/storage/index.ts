// Storage entry point: openStore() picks a backend (memory or the embedded sqlite default);
// re-exports the Store API and the backends.

import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export * from './types.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';

export type OpenStoreOptions = { backend: 'memory' } | { backend: 'sqlite'; path: string; fsync?: boolean };

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  switch (opts.backend) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return SqliteStore.open({ path: opts.path, fsync: opts.fsync });
    default:
      throw new Error(`unknown storage backend: ${(opts as { backend?: unknown }).backend}`);
  }
}
