// Where the admission webhooks and policies read their configuration: the watch cache of a
// cluster-scoped resource, parsed once per cache change and sorted by name (upstream's order),
// so a new configuration applies as soon as the cache has it.

import type { ApiContext } from '../../endpoints/context.js';
import { cacheFor } from '../../endpoints/context.js';
import type { KObject } from '../../registry/types.js';

/** The current objects of one resource, sorted by name. */
export type ConfigSource = () => Promise<KObject[]>;

export function cachedConfigs(ctx: ApiContext, group: string, version: string, plural: string): ConfigSource {
  let version_ = -1;
  let parsed: KObject[] = [];
  return async () => {
    const def = ctx.registry.lookup(group, version, plural);
    if (!def) return [];
    const cache = await cacheFor(ctx, def);
    if (cache.version !== version_ || version_ === -1) {
      const v = cache.version;
      parsed = cache.sorted().map((e) => JSON.parse(e.raw) as KObject);
      version_ = v;
    }
    return parsed;
  };
}
