// The storage-backed bitmap range allocator shared by the Service ClusterIP and NodePort
// allocators. Owns: the bitmap (bit i = item i of the range is taken), its persistence as a
// v1 RangeAllocation object in the Store (data = base64 of the bitmap as a big-endian
// unsigned integer, as upstream stores it), compare-and-swap commits with retry on Conflict
// (so several allocators on one store — several API servers — never hand out an item
// twice), batching of concurrent requests into one write, and the upstream allocation
// strategy: explicit requests anywhere, dynamic ones scan from a random point in the upper
// band [offset, size) first and fall back to the lower (static) band [0, offset).

import { StorageError, type KeyValue, type Store } from '../../storage/types.js';

export type AllocationErrorReason = 'NotInRange' | 'Allocated' | 'Full';

/** An allocation failure with upstream's message; `reason` tells which. */
export class AllocationError extends Error {
  constructor(
    readonly reason: AllocationErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

export const ERR_FULL_MESSAGE = 'range is full';

/** The stored object (upstream's v1 RangeAllocation). */
export interface RangeAllocation {
  kind: 'RangeAllocation';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  /** e.g. "10.32.0.0/24" or "30000-32767" */
  range: string;
  /** base64 of the bitmap (big-endian unsigned integer; bit i = item i) */
  data: string;
}

/** How the concrete allocator describes its range to the core. */
export interface RangeSpec {
  /** The range as stored in RangeAllocation.range. */
  range: string;
  /** Number of allocatable items. */
  size: number;
  /** Start of the dynamic (upper) band; explicit requests should use [0, offset). */
  offset: number;
  /**
   * Map an item of a different stored range (after the flag changed) to an index of this
   * range, or undefined when it falls outside. Undefined: foreign data is dropped.
   */
  mapForeign?: (storedRange: string) => ((storedIndex: number) => number | undefined) | undefined;
}

type Op =
  | { kind: 'allocate'; index: number; resolve: (v: number) => void; reject: (e: unknown) => void }
  | { kind: 'next'; resolve: (v: number) => void; reject: (e: unknown) => void }
  | { kind: 'release'; index: number; resolve: (v: number) => void; reject: (e: unknown) => void }
  | { kind: 'reconcile'; fn: (stored: Bitmap) => Bitmap; resolve: (v: number) => void; reject: (e: unknown) => void };

type Outcome = { ok: true; value: number } | { ok: false; error: unknown };

/** A fixed-size bitmap with a population count. */
export class Bitmap {
  readonly bytes: Uint8Array;
  count = 0;
  constructor(readonly size: number, bytes?: Uint8Array) {
    this.bytes = bytes ?? new Uint8Array((size + 7) >> 3);
    if (bytes) for (let i = 0; i < bytes.length; i++) this.count += popcount8(bytes[i]);
  }
  has(i: number): boolean {
    return (this.bytes[i >> 3] & (1 << (i & 7))) !== 0;
  }
  set(i: number): boolean {
    const m = 1 << (i & 7);
    if (this.bytes[i >> 3] & m) return false;
    this.bytes[i >> 3] |= m;
    this.count++;
    return true;
  }
  clear(i: number): boolean {
    const m = 1 << (i & 7);
    if (!(this.bytes[i >> 3] & m)) return false;
    this.bytes[i >> 3] &= ~m;
    this.count--;
    return true;
  }
  clone(): Bitmap {
    const b = new Bitmap(this.size);
    b.bytes.set(this.bytes);
    b.count = this.count;
    return b;
  }
  /** First free index in [from, to), scanning forward; -1 if none. */
  findFree(from: number, to: number): number {
    let i = from;
    while (i < to) {
      if ((i & 7) === 0 && this.bytes[i >> 3] === 0xff) {
        i += 8;
        continue;
      }
      if (!this.has(i)) return i;
      i++;
    }
    return -1;
  }
  /** A free index in [lo, hi) starting the scan at a random point, wrapping; -1 if none. */
  randomFree(lo: number, hi: number): number {
    if (hi <= lo) return -1;
    const start = lo + Math.floor(Math.random() * (hi - lo));
    const a = this.findFree(start, hi);
    return a >= 0 ? a : this.findFree(lo, start);
  }
  /** Set bit indices, ascending. */
  indices(): number[] {
    const out: number[] = [];
    for (let b = 0; b < this.bytes.length; b++) {
      const v = this.bytes[b];
      if (!v) continue;
      for (let k = 0; k < 8; k++) if (v & (1 << k)) out.push(b * 8 + k);
    }
    return out;
  }
  /** Big-endian unsigned integer bytes without leading zeros (Go's big.Int.Bytes()). */
  encode(): Buffer {
    let hi = this.bytes.length - 1;
    while (hi >= 0 && this.bytes[hi] === 0) hi--;
    return Buffer.from(this.bytes.subarray(0, hi + 1)).reverse();
  }
  /** Inverse of encode(); bits at or beyond size are dropped. */
  static decode(size: number, data: Uint8Array): Bitmap {
    const bm = new Bitmap(size);
    const n = Math.min(data.length, bm.bytes.length);
    bm.bytes.set(Uint8Array.prototype.slice.call(data, data.length - n).reverse());
    const extra = size & 7;
    if (extra && n === bm.bytes.length) bm.bytes[bm.bytes.length - 1] &= (1 << extra) - 1;
    for (let i = 0; i < bm.bytes.length; i++) bm.count += popcount8(bm.bytes[i]);
    return bm;
  }
}

function popcount8(v: number): number {
  v = v - ((v >> 1) & 0x55);
  v = (v & 0x33) + ((v >> 2) & 0x33);
  return (v + (v >> 4)) & 0x0f;
}

/**
 * The core allocator over item indices [0, size). Subclasses translate IPs/ports to indices
 * and produce upstream's error messages.
 */
export class StoreRangeAllocator {
  private bits: Bitmap;
  /** modRevision of the stored object our bitmap reflects; 0 = absent; -1 = not loaded. */
  private rev = -1;
  /** Bumped whenever bits/rev are replaced, so a slow read never overwrites newer state. */
  private epoch = 0;
  private queue: Op[] = [];
  private flushing = false;

  constructor(
    readonly store: Store,
    readonly key: string,
    readonly spec: RangeSpec,
    private readonly errors: { allocated: () => Error; full: () => Error },
  ) {
    if (!Number.isInteger(spec.size) || spec.size < 1) throw new Error(`range ${spec.range} has no allocatable items`);
    this.bits = new Bitmap(spec.size);
  }

  /** Claim a specific index. */
  allocate(index: number): Promise<number> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'allocate', index, resolve, reject }));
  }

  /** Claim any free index (random scan, upper band first). */
  allocateNext(): Promise<number> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'next', resolve, reject }));
  }

  /** Free an index (no-op when it is free). */
  release(index: number): Promise<void> {
    return new Promise<number>((resolve, reject) => this.enqueue({ kind: 'release', index, resolve, reject })).then(() => undefined);
  }

  /**
   * Replace the stored bitmap with fn(stored) in one compare-and-swap write (the repair loop's
   * rebuilt state), queued with the other operations. fn may run more than once (after a
   * conflict, on the newer stored state) and must not modify its argument. The object is
   * written when absent even if the result is empty, so the range exists in storage.
   */
  reconcile(fn: (stored: Bitmap) => Bitmap): Promise<void> {
    return new Promise<number>((resolve, reject) => this.enqueue({ kind: 'reconcile', fn, resolve, reject })).then(() => undefined);
  }

  /** Whether the index is taken, as of the store now. */
  async has(index: number): Promise<boolean> {
    await this.sync();
    return this.bits.has(index);
  }

  /** Taken indices, ascending, as of the store now. */
  async allocatedIndices(): Promise<number[]> {
    await this.sync();
    return this.bits.indices();
  }

  /** Number of taken items, as of the store now. */
  async used(): Promise<number> {
    await this.sync();
    return this.bits.count;
  }

  /** Re-read the stored bitmap if it changed. */
  async sync(): Promise<void> {
    const epoch = this.epoch;
    const kv = await this.store.get(this.key);
    if (epoch !== this.epoch) return; // a commit or another read adopted newer state meanwhile
    if (!kv) {
      if (this.rev !== 0) this.adopt(undefined);
      return;
    }
    if (kv.modRevision !== this.rev) this.adopt(kv);
  }

  private adopt(kv: KeyValue | undefined): void {
    this.epoch++;
    if (!kv) {
      this.bits = new Bitmap(this.spec.size);
      this.rev = 0;
      return;
    }
    this.bits = this.decode(kv);
    this.rev = kv.modRevision;
  }

  private decode(kv: KeyValue): Bitmap {
    let obj: Partial<RangeAllocation>;
    try {
      obj = JSON.parse(kv.value.toString('utf8')) as Partial<RangeAllocation>;
    } catch (err) {
      throw new Error(`cannot decode RangeAllocation at ${this.key}: ${(err as Error).message}`);
    }
    const data = Buffer.from(typeof obj.data === 'string' ? obj.data : '', 'base64');
    if (obj.range === this.spec.range) return Bitmap.decode(this.spec.size, data);
    // The configured range changed: carry over every stored item that is still in range.
    const bm = new Bitmap(this.spec.size);
    const map = typeof obj.range === 'string' ? this.spec.mapForeign?.(obj.range) : undefined;
    if (!map) return bm;
    const foreign = Bitmap.decode(data.length * 8, data);
    for (const i of foreign.indices()) {
      const j = map(i);
      if (j !== undefined && j >= 0 && j < this.spec.size) bm.set(j);
    }
    return bm;
  }

  /** JSON of the RangeAllocation (hand-assembled: base64 needs no escaping, and this is hot). */
  private encode(bm: Bitmap): Buffer {
    if (this.jsonHead === undefined) {
      const head: Omit<RangeAllocation, 'data'> = { kind: 'RangeAllocation', apiVersion: 'v1', metadata: { creationTimestamp: null }, range: this.spec.range };
      this.jsonHead = JSON.stringify(head).slice(0, -1) + ',"data":"';
    }
    return Buffer.from(this.jsonHead + bm.encode().toString('base64') + '"}', 'latin1');
  }
  private jsonHead: string | undefined;

  private enqueue(op: Op): void {
    this.queue.push(op);
    if (!this.flushing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Apply the batch to a copy of the bitmap; which ops succeed is decided here. */
  private apply(batch: Op[], bm: Bitmap): { outcomes: Outcome[]; changed: boolean; failed: boolean } {
    let changed = false;
    let failed = false;
    const { size, offset } = this.spec;
    const outcomes = batch.map((op): Outcome => {
      switch (op.kind) {
        case 'allocate':
          if (!bm.set(op.index)) {
            failed = true;
            return { ok: false, error: this.errors.allocated() };
          }
          changed = true;
          return { ok: true, value: op.index };
        case 'next': {
          const split = Math.min(offset, size);
          let i = bm.count >= size ? -1 : bm.randomFree(split, size);
          if (i < 0 && bm.count < size) i = bm.randomFree(0, split);
          if (i < 0) {
            failed = true;
            return { ok: false, error: this.errors.full() };
          }
          bm.set(i);
          changed = true;
          return { ok: true, value: i };
        }
        case 'release':
          if (bm.clear(op.index)) changed = true;
          return { ok: true, value: op.index };
        case 'reconcile': {
          const next = op.fn(bm);
          for (const i of bm.indices()) if (!next.has(i) && bm.clear(i)) changed = true;
          for (const i of next.indices()) if (bm.set(i)) changed = true;
          return { ok: true, value: bm.count };
        }
      }
    });
    return { outcomes, changed, failed };
  }

  private async commit(batch: Op[]): Promise<void> {
    try {
      let verified = false;
      for (;;) {
        if (this.rev < 0) await this.sync();
        const bm = this.bits.clone();
        const rev = this.rev;
        const applied = this.apply(batch, bm);
        const { outcomes, failed } = applied;
        // a reconcile writes the range even unchanged when it is not stored yet
        const changed = applied.changed || (rev === 0 && batch.some((op) => op.kind === 'reconcile'));
        if (!changed) {
          // Nothing to write; but a failure decided on a stale bitmap must be re-checked.
          if (failed && !verified) {
            verified = true;
            await this.sync();
            if (this.rev !== rev) continue;
          }
          settle(batch, outcomes);
          return;
        }
        try {
          const value = this.encode(bm);
          const kv = rev === 0 ? await this.store.create(this.key, value) : await this.store.update(this.key, value, { expectedModRevision: rev });
          this.epoch++;
          this.bits = bm;
          this.rev = kv.modRevision;
          settle(batch, outcomes);
          return;
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          if (err.code === 'Conflict') {
            this.adopt(err.current);
          } else if (err.code === 'KeyExists' || err.code === 'KeyNotFound') {
            await this.sync();
            if (this.rev === rev) this.rev = -1; // force a fresh read next round
          } else {
            throw err;
          }
          verified = false;
        }
      }
    } catch (err) {
      for (const op of batch) op.reject(err);
    }
  }
}

function settle(batch: Op[], outcomes: Outcome[]): void {
  for (let i = 0; i < batch.length; i++) {
    const o = outcomes[i];
    if (o.ok) batch[i].resolve(o.value);
    else batch[i].reject(o.error);
  }
}

/** `${prefix}/ranges/${name}` with prefix's trailing slashes dropped. */
export function rangeKey(prefix: string, name: string): string {
  return `${prefix.replace(/\/+$/, '')}/ranges/${name}`;
}
