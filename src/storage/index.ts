// Storage entry point: openStore() picks a backend (memory, the embedded sqlite default, or an
// external etcd v3 cluster); re-exports the Store API and the embedded backends. The etcd
// backend (and its gRPC client) is loaded only when asked for: import it from './etcd.js'.

import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export * from './types.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export type { EtcdStoreOptions } from './etcd.js';

export type OpenStoreOptions =
  | { backend: 'memory' }
  | { backend: 'sqlite'; path: string; fsync?: boolean }
  /** --etcd-servers, --etcd-cafile, --etcd-certfile, --etcd-keyfile (file paths or PEM bytes). */
  | { backend: 'etcd3'; endpoints: string[]; ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; concurrentWrites?: boolean };

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  switch (opts.backend) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return SqliteStore.open({ path: opts.path, fsync: opts.fsync });
    case 'etcd3': {
      const { EtcdStore } = await import('./etcd.js');
      return EtcdStore.open({ endpoints: opts.endpoints, ca: opts.ca, cert: opts.cert, key: opts.key, concurrentWrites: opts.concurrentWrites });
    }
    default:
      throw new Error(`unknown storage backend: ${(opts as { backend?: unknown }).backend}`);
  }
}
