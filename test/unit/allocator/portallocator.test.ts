// Tests for the NodePort allocator (src/apiserver/allocator/portallocator.ts): upstream error
// messages, upper-band preference, exhaustion, release/reuse, persistence, concurrency.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllocationError } from '../../../src/apiserver/allocator/rangeallocator.js';
import { NodePortAllocator, parsePortRange } from '../../../src/apiserver/allocator/portallocator.js';
import { FakeStore } from './fakestore.js';

test('port range parsing', () => {
  assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
  assert.deepEqual(parsePortRange('30000+10'), { base: 30000, size: 11 });
  assert.deepEqual(parsePortRange('8080'), { base: 8080, size: 1 });
  assert.throws(() => parsePortRange('32767-30000'), /invalid port range/);
  assert.throws(() => parsePortRange('1-70000'), /invalid port range/);
  assert.throws(() => parsePortRange('abc'), /unable to parse/);
});

test('allocate specific ports: errors as upstream', async () => {
  const store = new FakeStore();
  const a = new NodePortAllocator({ store });
  assert.equal(a.range, '30000-32767');
  assert.equal(a.size, 2768);
  assert.equal(a.key, '/registry/ranges/servicenodeports');
  await a.allocate(30000);
  await a.allocate(32767);
  await assert.rejects(a.allocate(30000), (e: unknown) => e instanceof AllocationError && e.reason === 'Allocated' && e.message === 'provided port is already allocated');
  for (const p of [29999, 32768, 80, 30000.5]) {
    await assert.rejects(a.allocate(p), {
      name: 'AllocationError',
      message: 'provided port is not in the valid range. The range of valid ports is 30000-32767',
    });
  }
  assert.equal(await a.has(30000), true);
  assert.equal(await a.has(30001), false);
  assert.equal(await a.has(80), false);
  await a.release(80); // outside: no-op
  await a.release(30000);
  assert.equal(await a.has(30000), false);
  assert.deepEqual(await a.allocated(), [32767]);
});

test('allocateNext: upper band first, exhaustion, release and reuse', async () => {
  const a = new NodePortAllocator({ store: new FakeStore(), range: '30000-30099' });
  // size 100 → offset max(16, 100/32) = 16: dynamic ports come from 30016.. first
  const got: number[] = [];
  for (let i = 0; i < 84; i++) got.push(await a.allocateNext());
  assert.ok(got.every((p) => p >= 30016 && p <= 30099), 'upper band first');
  for (let i = 0; i < 16; i++) got.push(await a.allocateNext());
  assert.equal(new Set(got).size, 100);
  assert.ok(got.slice(84).every((p) => p >= 30000 && p < 30016));
  await assert.rejects(a.allocateNext(), (e: unknown) => e instanceof AllocationError && e.reason === 'Full' && e.message === 'range is full');
  await a.release(30042);
  assert.equal(await a.allocateNext(), 30042);
  assert.equal(await a.free(), 0);
});

test('state survives a new allocator; two instances never hand out a duplicate', async () => {
  const store = new FakeStore();
  const a = new NodePortAllocator({ store, range: '30000-30599' });
  const b = new NodePortAllocator({ store, range: '30000-30599' });
  const ports = await Promise.all(Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).allocateNext()));
  assert.equal(new Set(ports).size, 500);
  const c = new NodePortAllocator({ store, range: '30000-30599' });
  assert.equal(await c.used(), 500);
  assert.deepEqual(await c.allocated(), [...ports].sort((x, y) => x - y));
  await assert.rejects(c.allocate(ports[7]), /provided port is already allocated/);

  // a mix of explicit requests, dynamic requests and releases from three instances
  const free = [];
  for (let p = 30000; p < 30600; p++) if (!ports.includes(p)) free.push(p);
  const explicit = free.slice(0, 50);
  const results = await Promise.allSettled([
    ...explicit.map((p) => a.allocate(p).then(() => p)),
    ...explicit.map((p) => b.allocate(p).then(() => p)),
    ...Array.from({ length: 50 }, () => c.allocateNext()),
    ...ports.slice(0, 20).map((p) => c.release(p).then(() => -1)),
  ]);
  const won = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value).filter((p) => p > 0);
  const dynamic = results.slice(100, 150).map((r) => (r as PromiseFulfilledResult<number>).value);
  assert.ok(results.slice(100).every((r) => r.status === 'fulfilled'));
  // no port went to two requests; each explicit port went exactly once (to a, b, or a dynamic request that got there first)
  assert.equal(new Set(won).size, won.length, 'duplicate port');
  for (const p of explicit) assert.equal(won.filter((x) => x === p).length, 1, `port ${p}`);
  for (const r of results.slice(0, 100)) if (r.status === 'rejected') assert.match(String(r.reason), /provided port is already allocated/);
  assert.equal(dynamic.length, 50);
  const d = new NodePortAllocator({ store, range: '30000-30599' });
  const expectTaken = new Set([...ports.slice(20), ...won]);
  assert.deepEqual(await d.allocated(), [...expectTaken].sort((x, y) => x - y));
});

test('a changed --service-node-port-range keeps the ports still inside it', async () => {
  const store = new FakeStore();
  const a = new NodePortAllocator({ store, range: '30000-30099' });
  await a.allocate(30010);
  await a.allocate(30090);
  const b = new NodePortAllocator({ store, range: '30050-30149' });
  assert.deepEqual(await b.allocated(), [30090]);
  await b.allocate(30120);
  assert.equal(JSON.parse((await store.get('/registry/ranges/servicenodeports'))!.value.toString()).range, '30050-30149');
});
