// Work queues as client-go's util/workqueue: a FIFO that
//   - deduplicates: an item added several times before it is handed out is processed once;
//   - never hands the same item to two workers: an item added while it is being processed is
//     queued again only when the worker calls done(item);
//   - delays (addAfter): the item is added when the delay has passed; of several pending
//     delays for one item the earliest wins;
//   - rate limits (addRateLimited): the delay comes from a RateLimiter; the default controller
//     limiter is the max of a per-item exponential backoff (5ms·2^n, capped at 1000s) and an
//     overall token bucket (10 qps, burst 100). forget(item) resets the item's backoff.
// get() is asynchronous: it resolves with [item, false], or [undefined, true] once the queue
// is shut down and drained.

import { TokenBucketRateLimiter } from './rest.js';

// ---------------------------------------------------------------------------------------------
// Rate limiters

export interface TypedRateLimiter<T> {
  /** How long (ms) to wait before the item should be processed (again); counts a failure. */
  when(item: T): number;
  /** Stop tracking the item (success, or giving up). */
  forget(item: T): void;
  /** How many times the item has been requeued through when(). */
  numRequeues(item: T): number;
}

/** Per-item exponential backoff: base·2^failures, capped at max (client-go defaults 5ms, 1000s). */
export class ItemExponentialFailureRateLimiter<T> implements TypedRateLimiter<T> {
  private failures = new Map<T, number>();
  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1000_000,
  ) {}
  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const backoff = this.baseDelayMs * Math.pow(2, exp);
    if (!Number.isFinite(backoff) || backoff > this.maxDelayMs) return this.maxDelayMs;
    return backoff;
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall token bucket; per-item history is not tracked (forget/numRequeues are no-ops). */
export class BucketRateLimiter<T> implements TypedRateLimiter<T> {
  readonly bucket: TokenBucketRateLimiter;
  constructor(qps = 10, burst = 100) {
    this.bucket = new TokenBucketRateLimiter(qps, burst);
  }
  when(_item: T): number {
    return this.bucket.reserve();
  }
  forget(_item: T): void {}
  numRequeues(_item: T): number {
    return 0;
  }
}

/** fastDelay for the first maxFastAttempts requeues of an item, slowDelay afterwards. */
export class ItemFastSlowRateLimiter<T> implements TypedRateLimiter<T> {
  private failures = new Map<T, number>();
  constructor(
    readonly fastDelayMs: number,
    readonly slowDelayMs: number,
    readonly maxFastAttempts: number,
  ) {}
  when(item: T): number {
    const n = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, n);
    return n <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** The longest delay of several limiters; numRequeues is the largest of theirs. */
export class MaxOfRateLimiter<T> implements TypedRateLimiter<T> {
  readonly limiters: TypedRateLimiter<T>[];
  constructor(...limiters: TypedRateLimiter<T>[]) {
    this.limiters = limiters;
  }
  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }
  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/** Caps another limiter's delay (client-go's WithMaxWaitRateLimiter). */
export class WithMaxWaitRateLimiter<T> implements TypedRateLimiter<T> {
  constructor(
    readonly limiter: TypedRateLimiter<T>,
    readonly maxDelayMs: number,
  ) {}
  when(item: T): number {
    return Math.min(this.limiter.when(item), this.maxDelayMs);
  }
  forget(item: T): void {
    this.limiter.forget(item);
  }
  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/** client-go's DefaultControllerRateLimiter (DefaultTypedControllerRateLimiter). */
export function defaultControllerRateLimiter<T>(): TypedRateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialFailureRateLimiter<T>(5, 1000_000), new BucketRateLimiter<T>(10, 100));
}

// ---------------------------------------------------------------------------------------------
// The queue

export type GetResult<T> = [item: T, shutdown: false] | [item: undefined, shutdown: true];

export interface QueueConfig {
  /** Name (for logs/metrics; informational). */
  name?: string;
}

export class Queue<T> {
  readonly name: string;
  private queue: T[] = [];
  private head = 0;
  private dirty = new Set<T>();
  private processing = new Set<T>();
  private waiters: ((r: GetResult<T>) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  protected shutting = false;

  constructor(config: QueueConfig = {}) {
    this.name = config.name ?? '';
  }

  /** Mark the item as needing processing. */
  add(item: T): void {
    if (this.shutting) return;
    if (this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  private push(item: T): void {
    const w = this.waiters.shift();
    if (w) {
      this.processing.add(item);
      this.dirty.delete(item);
      w([item, false]);
      return;
    }
    this.queue.push(item);
  }

  /** Number of items waiting to be handed out (not counting those being processed). */
  len(): number {
    return this.queue.length - this.head;
  }

  /**
   * The next item to process; waits while the queue is empty. After shutDown() the remaining
   * items are still handed out; then it resolves with [undefined, true].
   */
  get(): Promise<GetResult<T>> {
    if (this.len() > 0) {
      const item = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.processing.add(item);
      this.dirty.delete(item);
      return Promise.resolve([item, false]);
    }
    if (this.shutting) return Promise.resolve([undefined, true]);
    return new Promise((r) => this.waiters.push(r));
  }

  /** The worker finished the item; if it was added meanwhile it is queued again. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.push(item);
    } else if (this.processing.size === 0 && this.drainWaiters.length) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** Ignore new items; waiting get() calls resolve with shutdown once the queue is empty. */
  shutDown(): void {
    this.shutting = true;
    this.onShutDown();
    for (const w of this.waiters.splice(0)) w([undefined, true]);
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /**
   * shutDown, then wait until every item handed out has been marked done (client-go's
   * ShutDownWithDrain).
   */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  shuttingDown(): boolean {
    return this.shutting;
  }

  protected onShutDown(): void {}
}

interface Waiting<T> {
  item: T;
  readyAt: number;
  index: number;
}

/** A Queue with addAfter(item, ms). */
export class DelayingQueue<T> extends Queue<T> {
  private heap: Waiting<T>[] = [];
  private waitingByItem = new Map<T, Waiting<T>>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;

  /** Add the item after the delay (immediately when ms <= 0). An earlier pending time wins. */
  addAfter(item: T, ms: number): void {
    if (this.shutting) return;
    if (!(ms > 0)) {
      this.add(item);
      return;
    }
    const readyAt = performance.now() + ms;
    const existing = this.waitingByItem.get(item);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.siftUp(existing.index);
      }
    } else {
      const w: Waiting<T> = { item, readyAt, index: this.heap.length };
      this.heap.push(w);
      this.waitingByItem.set(item, w);
      this.siftUp(w.index);
    }
    this.schedule();
  }

  /** Number of items waiting for their delay to pass. */
  numWaiting(): number {
    return this.heap.length;
  }

  private schedule(): void {
    const next = this.heap[0];
    if (!next) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= next.readyAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.readyAt;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.readyAt - performance.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const t = performance.now();
    while (this.heap.length && this.heap[0]!.readyAt <= t + 0.5) {
      const w = this.pop();
      this.waitingByItem.delete(w.item);
      this.add(w.item);
    }
    this.schedule();
  }

  protected override onShutDown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap = [];
    this.waitingByItem.clear();
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.index = j;
    b.index = i;
  }
  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.heap[p]!.readyAt <= this.heap[i]!.readyAt) break;
      this.swap(i, p);
      i = p;
    }
  }
  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.heap[l]!.readyAt < this.heap[m]!.readyAt) m = l;
      if (r < n && this.heap[r]!.readyAt < this.heap[m]!.readyAt) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
  private pop(): Waiting<T> {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length) {
      this.heap[0] = last;
      last.index = 0;
      this.siftDown(0);
    }
    return top;
  }
}

export interface RateLimitingQueueConfig<T> extends QueueConfig {
  rateLimiter?: TypedRateLimiter<T>;
}

/** A DelayingQueue whose addRateLimited delay comes from a RateLimiter. */
export class RateLimitingQueue<T> extends DelayingQueue<T> {
  readonly rateLimiter: TypedRateLimiter<T>;

  constructor(config: RateLimitingQueueConfig<T> = {}) {
    super(config);
    this.rateLimiter = config.rateLimiter ?? defaultControllerRateLimiter<T>();
  }

  /** Add the item once the rate limiter says it may be processed again. */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** The item is done being retried: reset its backoff (it is not removed from the queue). */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}

/** workqueue.NewTypedRateLimitingQueueWithConfig(DefaultTypedControllerRateLimiter(), {Name}) */
export function newRateLimitingQueue<T = string>(name?: string, rateLimiter?: TypedRateLimiter<T>): RateLimitingQueue<T> {
  return new RateLimitingQueue<T>({ name, rateLimiter });
}
