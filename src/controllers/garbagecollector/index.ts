// kube-controller-manager's "garbage-collector" controller: the dependency graph fed by
// monitors on every deletable resource, and the collector's attemptToDelete/attemptToOrphan
// workers (--concurrent-gc-syncs). Off with --enable-garbage-collector=false.

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { waitForCacheSync, sleep } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import { RESTMapper } from '../util/discovery.js';
import { GarbageCollector } from './garbagecollector.js';
import { Monitors } from './monitors.js';

const log = logger('garbagecollector.go');

/** How often discovery is repeated to watch new resources (upstream: 30s). */
const RESYNC_MS = 30_000;

export const garbageCollectorDescriptor: ControllerDescriptor = {
  name: 'garbage-collector',
  serviceAccount: 'generic-garbage-collector',
  async init(ctx) {
    if (!ctx.options.enableGarbageCollector) return null;
    const client = await ctx.clientFor('generic-garbage-collector');
    const mapper = new RESTMapper();
    const gc = new GarbageCollector(client, mapper);
    const monitors = new Monitors(client, ctx.informers, mapper, gc.graph);
    await monitors.sync(ctx.signal, false);
    let resync: Promise<void> | undefined;
    return {
      async run() {
        await waitForCacheSync(ctx.signal, () => monitors.hasSynced());
        if (ctx.signal.aborted) return;
        log.info('All resource monitors have synced. Proceeding to collect garbage');
        gc.run(Math.max(1, ctx.options.concurrency.gc ?? 20));
        resync = (async () => {
          while (!ctx.signal.aborted) {
            try {
              await sleep(RESYNC_MS, ctx.signal);
              await monitors.sync(ctx.signal);
            } catch (err) {
              if (!ctx.signal.aborted) log.error('failed to sync resource monitors', { err });
            }
          }
        })();
      },
      async stop() {
        await gc.stop();
        await resync;
      },
    };
  },
};
