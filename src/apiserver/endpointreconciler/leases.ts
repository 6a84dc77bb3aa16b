// The master leases of the lease endpoint reconciler: each API server keeps the key
// `<etcd-prefix>/masterleases/<ip>`, an Endpoints-shaped object holding its IP (as upstream stores
// it), written with a TTL and refreshed on every reconcile, so a server that died without
// removing its key drops out of the list when the key expires.

import { StorageError } from '../../storage/types.js';
import type { ApiContext } from '../endpoints/context.js';

export class MasterLeases {
  constructor(
    private readonly ctx: ApiContext,
    private readonly ttlSeconds: number,
  ) {}

  private get prefix(): string {
    return `${this.ctx.etcdPrefix}/masterleases/`;
  }

  /** Writes (or refreshes) the lease of ip with a fresh TTL. */
  async update(ip: string): Promise<void> {
    const key = this.prefix + ip;
    const value = this.ctx.codec.encode({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: ip, creationTimestamp: null },
      subsets: [{ addresses: [{ ip }] }],
    } as any, key);
    const { store } = this.ctx;
    for (let attempt = 0; ; attempt++) {
      try {
        if (await store.get(key)) await store.update(key, value, { ttlSeconds: this.ttlSeconds });
        else await store.create(key, value, { ttlSeconds: this.ttlSeconds });
        return;
      } catch (err) {
        // expired or written by someone else between the read and the write: read again
        const raced = err instanceof StorageError && (err.code === 'KeyNotFound' || err.code === 'KeyExists');
        if (!raced || attempt >= 3) throw err;
      }
    }
  }

  /** The IPs of every lease not expired, sorted. */
  async list(): Promise<string[]> {
    const now = Date.now();
    const { items } = await this.ctx.store.list(this.prefix);
    const ips = new Set<string>();
    for (const kv of items) {
      if (kv.expiresAt !== undefined && kv.expiresAt <= now) continue;
      try {
        const ip = this.ctx.codec.decode(kv).subsets?.[0]?.addresses?.[0]?.ip;
        if (typeof ip === 'string' && ip) ips.add(ip);
      } catch {
        /* not an Endpoints: ignored, as upstream skips what it cannot decode */
      }
    }
    return [...ips].sort();
  }

  /** Removes the lease of ip (a clean shutdown). */
  async remove(ip: string): Promise<void> {
    try {
      await this.ctx.store.delete(this.prefix + ip);
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'KeyNotFound')) throw err;
    }
  }
}
