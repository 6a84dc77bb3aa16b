import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BucketRateLimiter,
  DelayingQueue,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  Queue,
  RateLimitingQueue,
  defaultControllerRateLimiter,
  newRateLimitingQueue,
} from '../../../src/client/workqueue.js';
import { TokenBucketRateLimiter } from '../../../src/client/rest.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the get() result, or 'pending' if it did not resolve within ms. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, delay(ms).then(() => 'pending' as const)]);
}

describe('workqueue: Queue', () => {
  it('hands items out in FIFO order and deduplicates pending ones', async () => {
    const q = new Queue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('c');
    q.add('b');
    assert.equal(q.len(), 3);
    assert.deepEqual(await q.get(), ['a', false]);
    assert.deepEqual(await q.get(), ['b', false]);
    assert.deepEqual(await q.get(), ['c', false]);
    assert.equal(q.len(), 0);
  });

  it('does not hand out an item being processed; re-adds it after done()', async () => {
    const q = new Queue<string>();
    q.add('x');
    const [item] = await q.get();
    assert.equal(item, 'x');
    q.add('x'); // while processing: marked dirty, not queued
    q.add('x');
    assert.equal(q.len(), 0);
    const second = q.get();
    assert.equal(await within(second, 30), 'pending');
    q.done('x');
    assert.deepEqual(await second, ['x', false]);
    q.done('x');
    assert.equal(q.len(), 0);
    // done without re-add: nothing queued
    q.add('y');
    const [y] = await q.get();
    q.done(y!);
    assert.equal(q.len(), 0);
  });

  it('get() waits for an add; several waiters are served in order', async () => {
    const q = new Queue<number>();
    const g1 = q.get();
    const g2 = q.get();
    q.add(1);
    q.add(2);
    assert.deepEqual(await g1, [1, false]);
    assert.deepEqual(await g2, [2, false]);
  });

  it('shutDown: ignores adds, drains what is queued, then reports shutdown', async () => {
    const q = new Queue<string>();
    const waiting = q.get();
    q.shutDown();
    assert.deepEqual(await waiting, [undefined, true]);

    const q2 = new Queue<string>();
    q2.add('a');
    q2.add('b');
    q2.shutDown();
    assert.equal(q2.shuttingDown(), true);
    q2.add('c');
    assert.deepEqual(await q2.get(), ['a', false]);
    assert.deepEqual(await q2.get(), ['b', false]);
    assert.deepEqual(await q2.get(), [undefined, true]);
  });

  it('shutDownWithDrain waits until processed items are done', async () => {
    const q = new Queue<string>();
    q.add('a');
    const [a] = await q.get();
    let drained = false;
    const p = q.shutDownWithDrain().then(() => (drained = true));
    await delay(20);
    assert.equal(drained, false);
    q.done(a!);
    await p;
    assert.equal(drained, true);
  });
});

describe('workqueue: DelayingQueue', () => {
  it('addAfter adds the item once the delay passed', async () => {
    const q = new DelayingQueue<string>();
    q.addAfter('a', 60);
    assert.equal(q.len(), 0);
    assert.equal(q.numWaiting(), 1);
    const t0 = performance.now();
    const [item] = await q.get();
    const waited = performance.now() - t0;
    assert.equal(item, 'a');
    assert.ok(waited >= 50, `waited ${waited}ms`);
    assert.equal(q.numWaiting(), 0);
    q.shutDown();
  });

  it('the earliest pending time of an item wins; it is added once', async () => {
    const q = new DelayingQueue<string>();
    q.addAfter('a', 5000);
    q.addAfter('a', 30);
    q.addAfter('a', 2000);
    assert.equal(q.numWaiting(), 1);
    const r = await within(q.get(), 500);
    assert.deepEqual(r, ['a', false]);
    await delay(50);
    assert.equal(q.len(), 0);
    assert.equal(q.numWaiting(), 0);
    q.shutDown();
  });

  it('non-positive delays add immediately; items come out in readiness order', async () => {
    const q = new DelayingQueue<string>();
    q.addAfter('now', 0);
    assert.equal(q.len(), 1);
    q.addAfter('late', 80);
    q.addAfter('early', 20);
    q.addAfter('mid', 50);
    assert.deepEqual(await q.get(), ['now', false]);
    assert.deepEqual(await q.get(), ['early', false]);
    assert.deepEqual(await q.get(), ['mid', false]);
    assert.deepEqual(await q.get(), ['late', false]);
    q.shutDown();
  });

  it('shutDown drops delayed items (no timer keeps running)', async () => {
    const q = new DelayingQueue<string>();
    q.addAfter('a', 10_000);
    q.shutDown();
    assert.equal(q.numWaiting(), 0);
    assert.deepEqual(await q.get(), [undefined, true]);
  });
});

describe('workqueue: rate limiters', () => {
  it('ItemExponentialFailureRateLimiter: 5ms·2^n capped at 1000s; forget resets', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1000_000);
    assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('a'), rl.when('a')], [5, 10, 20, 40]);
    assert.equal(rl.numRequeues('a'), 4);
    assert.equal(rl.when('b'), 5);
    for (let i = 0; i < 40; i++) rl.when('a');
    assert.equal(rl.when('a'), 1000_000);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
    assert.equal(rl.when('a'), 5);
    // large exponents do not overflow
    const big = new ItemExponentialFailureRateLimiter<string>(1, 1000);
    for (let i = 0; i < 2000; i++) big.when('x');
    assert.equal(big.when('x'), 1000);
  });

  it('BucketRateLimiter: burst tokens free, then 1/qps apart', () => {
    const rl = new BucketRateLimiter<string>(10, 100);
    for (let i = 0; i < 100; i++) assert.equal(rl.when(`i${i}`), 0);
    const d1 = rl.when('x');
    const d2 = rl.when('y');
    assert.ok(d1 > 90 && d1 <= 100, `d1=${d1}`);
    assert.ok(d2 > 190 && d2 <= 200, `d2=${d2}`);
    assert.equal(rl.numRequeues('x'), 0);
  });

  it('ItemFastSlowRateLimiter and MaxOf', () => {
    const fs = new ItemFastSlowRateLimiter<string>(5, 10_000, 3);
    assert.deepEqual([fs.when('a'), fs.when('a'), fs.when('a'), fs.when('a'), fs.when('a')], [5, 5, 5, 10_000, 10_000]);
    assert.equal(fs.numRequeues('a'), 5);
    fs.forget('a');
    assert.equal(fs.when('a'), 5);

    const max = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(1, 1000), new ItemFastSlowRateLimiter<string>(5, 50, 2));
    assert.deepEqual([max.when('a'), max.when('a'), max.when('a'), max.when('a')], [5, 5, 50, 50]);
    assert.equal(max.numRequeues('a'), 4);
    max.forget('a');
    assert.equal(max.numRequeues('a'), 0);
  });

  it('defaultControllerRateLimiter: per-item backoff combined with a 10 qps / 100 burst bucket', () => {
    const rl = defaultControllerRateLimiter<string>();
    for (let i = 0; i < 100; i++) assert.equal(rl.when(`item-${i}`), 5);
    const d = rl.when('item-100');
    assert.ok(d > 90 && d <= 100, `101st first failure waits for the bucket: ${d}`);
    assert.equal(rl.numRequeues('item-0'), 1);
    rl.forget('item-0');
    assert.equal(rl.numRequeues('item-0'), 0);
  });

  it('TokenBucketRateLimiter.wait blocks once the burst is used', async () => {
    const tb = new TokenBucketRateLimiter(20, 2);
    const t0 = performance.now();
    await tb.wait();
    await tb.wait();
    assert.ok(performance.now() - t0 < 20);
    await tb.wait();
    const waited = performance.now() - t0;
    assert.ok(waited >= 40, `third token after ~50ms, waited ${waited}`);
    assert.equal(tb.tryAccept(), false);
    const ac = new AbortController();
    const p = tb.wait(ac.signal);
    ac.abort(new Error('cancelled'));
    await assert.rejects(p, /cancelled/);
  });
});

describe('workqueue: RateLimitingQueue', () => {
  it('addRateLimited backs off per item; forget resets; numRequeues counts', async () => {
    const q = new RateLimitingQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(20, 1000) });
    q.addRateLimited('k');
    assert.equal(q.numRequeues('k'), 1);
    assert.equal(q.len(), 0);
    let [k] = await q.get();
    assert.equal(k, 'k');
    q.done('k');
    const t0 = performance.now();
    q.addRateLimited('k'); // 40ms
    [k] = await q.get();
    assert.ok(performance.now() - t0 >= 30);
    q.done('k');
    assert.equal(q.numRequeues('k'), 2);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.shutDown();
  });

  it('a typical worker loop: failing items are retried with backoff until they succeed', async () => {
    const q = newRateLimitingQueue<string>('test');
    const attempts = new Map<string, number>();
    const processed: string[] = [];
    const worker = async () => {
      for (;;) {
        const [key, shutdown] = await q.get();
        if (shutdown) return;
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) {
          q.addRateLimited(key);
        } else {
          q.forget(key);
          processed.push(key);
        }
        q.done(key);
      }
    };
    q.add('ok');
    q.add('flaky');
    q.add('ok'); // still pending: deduplicated
    const workers = [worker(), worker()];
    const deadline = Date.now() + 2000;
    while (processed.length < 2 && Date.now() < deadline) await delay(5);
    assert.deepEqual(processed.sort(), ['flaky', 'ok']);
    assert.equal(attempts.get('flaky'), 3);
    assert.equal(attempts.get('ok'), 1);
    assert.equal(q.numRequeues('flaky'), 0);
    q.shutDown();
    await Promise.all(workers);
  });
});
