// The object-count poller behind apiserver_storage_objects (--etcd-count-metric-poll-period):
// every period it counts each resource's keys in storage (a count-only range on etcd) and keeps
// the figures for /metrics, labelled as upstream: 'pods', 'deployments.apps'. Period 0: off.

import type { Store } from '../../storage/types.js';
import type { ResourceDef } from '../registry/types.js';
import { logger } from '../../util/klog.js';

const log = logger('storage/countpoll');

export class ObjectCountPoller {
  private readonly values = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    /** Resource label → key prefix ('/registry/pods/'). */
    private readonly prefixes: Map<string, string>,
    private readonly periodMs: number,
  ) {}

  /** The label/prefix table of every stored resource (one entry per resource and group). */
  static prefixesOf(defs: ResourceDef[], etcdPrefix: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const d of defs) {
      if (d.createOnly) continue;
      const label = d.group ? `${d.plural}.${d.group}` : d.plural;
      if (!out.has(label)) out.set(label, `${etcdPrefix}/${d.storageResource ?? d.plural}/`);
    }
    return out;
  }

  /** Polls now and then every period (nothing when the period is 0). */
  start(): void {
    if (!this.periodMs || this.periodMs < 0) return;
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The last polled counts (empty before the first poll or when disabled). */
  counts(): ReadonlyMap<string, number> {
    return this.values;
  }

  private async poll(): Promise<void> {
    for (const [label, prefix] of this.prefixes) {
      if (this.stopped) return;
      try {
        this.values.set(label, await this.store.count(prefix));
      } catch (err) {
        // as upstream: a failed count drops the resource's figure rather than keep a stale one
        this.values.delete(label);
        log.v(2).info('object count failed', { resource: label, err: String(err) });
      }
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), this.periodMs);
    this.timer.unref();
  }
}
