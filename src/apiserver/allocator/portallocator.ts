// NodePort allocation from --service-node-port-range (default 30000-32767), persisted as the
// RangeAllocation at <prefix>/ranges/servicenodeports. Owns port-range parsing and the
// mapping port <-> bitmap index. Dynamic allocations prefer the upper band above
// min(max(16, size/32), 128), keeping the lower band for explicitly requested ports.

import type { Store } from '../../storage/types.js';
import { AllocationError, ERR_FULL_MESSAGE, StoreRangeAllocator, rangeKey } from './rangeallocator.js';
import type { Bitmap } from './rangeallocator.js';

export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export interface PortRange {
  base: number;
  size: number;
}

/** Parse "30000-32767" (inclusive), "30000+2767" (base+offset) or a single "30000". */
export function parsePortRange(s: string): PortRange {
  const t = s.trim();
  let m = /^(\d{1,5})-(\d{1,5})$/.exec(t);
  let lo: number;
  let hi: number;
  if (m) {
    lo = Number(m[1]);
    hi = Number(m[2]);
  } else if ((m = /^(\d{1,5})\+(\d{1,5})$/.exec(t))) {
    lo = Number(m[1]);
    hi = lo + Number(m[2]);
  } else if ((m = /^(\d{1,5})$/.exec(t))) {
    lo = hi = Number(m[1]);
  } else {
    throw new Error(`unable to parse port range: ${s}`);
  }
  if (lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid port range: ${s}`);
  return { base: lo, size: hi - lo + 1 };
}

export function formatPortRange(r: PortRange): string {
  return `${r.base}-${r.base + r.size - 1}`;
}

/** upstream's static/dynamic split for node ports. */
function portOffset(size: number): number {
  if (size < 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

export interface NodePortAllocatorOptions {
  store: Store;
  /** --service-node-port-range. Default "30000-32767". */
  range?: string;
  /** Storage key prefix. Default "/registry". */
  prefix?: string;
  /** Full key override (default `${prefix}/ranges/servicenodeports`). */
  key?: string;
}

export class NodePortAllocator {
  /** e.g. "30000-32767" */
  readonly range: string;
  readonly base: number;
  readonly size: number;
  readonly key: string;
  private readonly core: StoreRangeAllocator;

  constructor(opts: NodePortAllocatorOptions) {
    const pr = parsePortRange(opts.range ?? DEFAULT_NODE_PORT_RANGE);
    this.base = pr.base;
    this.size = pr.size;
    this.range = formatPortRange(pr);
    this.key = opts.key ?? rangeKey(opts.prefix ?? '/registry', 'servicenodeports');
    this.core = new StoreRangeAllocator(
      opts.store,
      this.key,
      {
        range: this.range,
        size: this.size,
        offset: portOffset(this.size),
        mapForeign: (stored) => {
          let other: PortRange;
          try {
            other = parsePortRange(stored);
          } catch {
            return undefined;
          }
          return (i) => (this.contains(other.base + i) ? other.base + i - this.base : undefined);
        },
      },
      { allocated: () => new AllocationError('Allocated', 'provided port is already allocated'), full: () => new AllocationError('Full', ERR_FULL_MESSAGE) },
    );
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port < this.base + this.size;
  }

  /** Claim a specific port. Throws AllocationError (NotInRange / Allocated). */
  async allocate(port: number): Promise<void> {
    if (!this.contains(port)) {
      throw new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${this.range}`);
    }
    await this.core.allocate(port - this.base);
  }

  /** Claim a free port. Throws AllocationError('Full') when none is left. */
  async allocateNext(): Promise<number> {
    return this.base + (await this.core.allocateNext());
  }

  /** Free a port; no-op if it is free or outside the range (as upstream). */
  async release(port: number): Promise<void> {
    if (!this.contains(port)) return;
    await this.core.release(port - this.base);
  }

  /** Whether the port is allocated (reads the store). */
  async has(port: number): Promise<boolean> {
    return this.contains(port) ? this.core.has(port - this.base) : false;
  }

  /** All allocated ports, ascending. */
  async allocated(): Promise<number[]> {
    return (await this.core.allocatedIndices()).map((i) => this.base + i);
  }

  async used(): Promise<number> {
    return this.core.used();
  }

  async free(): Promise<number> {
    return this.size - (await this.core.used());
  }

  /** Re-read the stored state. */
  sync(): Promise<void> {
    return this.core.sync();
  }

  /** Replace the stored bitmap (index = port - base) with fn(stored), for repair. */
  reconcile(fn: (stored: Bitmap) => Bitmap): Promise<void> {
    return this.core.reconcile(fn);
  }
}
