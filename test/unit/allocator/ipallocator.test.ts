// Tests for the ClusterIP allocator (src/apiserver/allocator/ipallocator.ts) and the shared
// store-backed bitmap core: errors as upstream, exhaustion, release/reuse, persistence,
// concurrent allocations from two instances on one store, upstream-compatible encoding.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllocationError, Bitmap } from '../../../src/apiserver/allocator/rangeallocator.js';
import { ServiceIPAllocator, firstServiceIP, formatIP, parseCIDR, parseIP } from '../../../src/apiserver/allocator/ipallocator.js';
import type { Store } from '../../../src/storage/types.js';
import { FakeStore } from './fakestore.js';

function ipIndex(ip: string): number {
  return Number(parseIP(ip)!.value & 0xffffn);
}

test('parse and format helpers', () => {
  assert.equal(parseCIDR('10.32.0.7/24').text, '10.32.0.0/24');
  assert.equal(parseCIDR('FD00:0:0:0::5/108').text, 'fd00::/108');
  assert.throws(() => parseCIDR('10.32.0.0'), /invalid CIDR/);
  assert.throws(() => parseCIDR('10.32.0.0/33'), /invalid CIDR/);
  assert.equal(parseIP('010.0.0.1'), undefined);
  assert.equal(parseIP('1.2.3'), undefined);
  assert.equal(formatIP('IPv6', parseIP('2001:db8:0:0:1:0:0:1')!.value), '2001:db8::1:0:0:1');
  assert.equal(formatIP('IPv6', parseIP('::ffff:10.0.0.1')!.value), '::ffff:a00:1');
  assert.equal(firstServiceIP('10.32.0.0/24'), '10.32.0.1');
  assert.equal(firstServiceIP('10.96.0.0/12'), '10.96.0.1');
  assert.equal(firstServiceIP('fd00:10:96::/108'), 'fd00:10:96::1');
});

test('allocate specific IPs: errors as upstream; network and broadcast never allocatable', async () => {
  const store = new FakeStore();
  const a = new ServiceIPAllocator({ store, cidr: '10.32.0.0/24' });
  assert.equal(a.size, 254);
  assert.equal(a.firstIP(), '10.32.0.1');
  assert.equal(a.key, '/registry/ranges/serviceips');
  await a.allocate('10.32.0.1');
  assert.equal(await a.has('10.32.0.1'), true);
  await assert.rejects(a.allocate('10.32.0.1'), (e: unknown) => e instanceof AllocationError && e.reason === 'Allocated' && e.message === 'provided IP is already allocated');
  await assert.rejects(a.allocate('10.0.0.5'), {
    name: 'AllocationError',
    message: 'the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.32.0.0/24',
  });
  for (const ip of ['10.32.0.0', '10.32.0.255', 'fd00::1', 'nonsense']) {
    await assert.rejects(a.allocate(ip), (e: unknown) => e instanceof AllocationError && e.reason === 'NotInRange', ip);
  }
  assert.equal(a.contains('10.32.0.254'), true);
  assert.equal(a.contains('10.32.0.255'), false);
  await a.allocate('10.32.0.254');
  // releasing outside the range or a free IP is a no-op
  await a.release('192.168.0.1');
  await a.release('10.32.0.77');
  assert.deepEqual(await a.allocated(), ['10.32.0.1', '10.32.0.254']);
});

test('allocateNext prefers the upper band, then uses the lower; exhaustion; release and reuse', async () => {
  const store = new FakeStore();
  const a = new ServiceIPAllocator({ store, cidr: '10.32.0.0/24' });
  // offset for a /24: max(16, 256/16) = 16 → dynamic IPs are 10.32.0.17 .. 10.32.0.254 first
  const got = new Set<string>();
  for (let i = 0; i < 254 - 16; i++) {
    const ip = await a.allocateNext();
    assert.ok(ipIndex(ip) >= 17 && ipIndex(ip) <= 254, ip);
    assert.ok(!got.has(ip), `duplicate ${ip}`);
    got.add(ip);
  }
  for (let i = 0; i < 16; i++) {
    const ip = await a.allocateNext();
    assert.ok(ipIndex(ip) >= 1 && ipIndex(ip) <= 16, ip);
    assert.ok(!got.has(ip));
    got.add(ip);
  }
  assert.equal(got.size, 254);
  assert.equal(await a.free(), 0);
  await assert.rejects(a.allocateNext(), (e: unknown) => e instanceof AllocationError && e.reason === 'Full' && e.message === 'range is full');
  await a.release('10.32.0.100');
  assert.equal(await a.has('10.32.0.100'), false);
  assert.equal(await a.allocateNext(), '10.32.0.100');
  await assert.rejects(a.allocateNext(), /range is full/);

  // a tiny range: /29 has 6 usable IPs, no dynamic band
  const small = new ServiceIPAllocator({ store: new FakeStore(), cidr: '192.168.5.8/29' });
  assert.equal(small.size, 6);
  const ips = await Promise.all(Array.from({ length: 6 }, () => small.allocateNext()));
  assert.deepEqual([...ips].sort(), ['192.168.5.10', '192.168.5.11', '192.168.5.12', '192.168.5.13', '192.168.5.14', '192.168.5.9']);
  await assert.rejects(small.allocateNext(), /range is full/);
  assert.throws(() => new ServiceIPAllocator({ store: new FakeStore(), cidr: '10.0.0.0/31' }), /too small/);
});

test('state is persisted as an upstream RangeAllocation and survives a new allocator', async () => {
  const store = new FakeStore();
  const a = new ServiceIPAllocator({ store, cidr: '10.32.0.0/24', prefix: '/registry/' });
  await a.allocate('10.32.0.1'); // index 0
  await a.allocate('10.32.0.10'); // index 9
  const kv = await store.get('/registry/ranges/serviceips');
  assert.ok(kv);
  const obj = JSON.parse(kv.value.toString());
  assert.equal(obj.kind, 'RangeAllocation');
  assert.equal(obj.apiVersion, 'v1');
  assert.equal(obj.range, '10.32.0.0/24');
  // bits 0 and 9 → the integer 0x201 → big-endian bytes 02 01
  assert.equal(obj.data, Buffer.from([0x02, 0x01]).toString('base64'));

  const b = new ServiceIPAllocator({ store, cidr: '10.32.0.0/24' });
  assert.equal(await b.has('10.32.0.10'), true);
  await assert.rejects(b.allocate('10.32.0.1'), /provided IP is already allocated/);
  assert.deepEqual(await b.allocated(), ['10.32.0.1', '10.32.0.10']);
  await b.release('10.32.0.10');
  // the first instance's cached state is stale; it must not hand out a taken IP nor refuse a freed one
  await a.allocate('10.32.0.10');
  await assert.rejects(b.allocate('10.32.0.10'), /already allocated/);

  // the range grows (/24 → /23): allocations carry over
  const c = new ServiceIPAllocator({ store, cidr: '10.32.0.0/23' });
  assert.deepEqual(await c.allocated(), ['10.32.0.1', '10.32.0.10']);
  await c.allocate('10.32.1.200');
  const stored = JSON.parse((await store.get('/registry/ranges/serviceips'))!.value.toString());
  assert.equal(stored.range, '10.32.0.0/23');
});

async function concurrentNoDuplicates(store: Store): Promise<void> {
  const a = new ServiceIPAllocator({ store, cidr: '10.32.0.0/23' });
  const b = new ServiceIPAllocator({ store, cidr: '10.32.0.0/23' });
  const jobs: Promise<string>[] = [];
  for (let i = 0; i < 500; i++) jobs.push((i % 2 ? a : b).allocateNext());
  const ips = await Promise.all(jobs);
  assert.equal(new Set(ips).size, 500, 'duplicate IPs handed out');
  const fresh = new ServiceIPAllocator({ store, cidr: '10.32.0.0/23' });
  assert.equal(await fresh.used(), 500);
  assert.deepEqual(await fresh.allocated(), [...ips].sort((x, y) => ipIndex2(x) - ipIndex2(y)));
  // the remaining 10 IPs go exactly once, then the range is full for both instances
  const rest = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).allocateNext()));
  const ok = rest.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value);
  assert.equal(ok.length, 10);
  assert.equal(new Set([...ips, ...ok]).size, 510);
  for (const r of rest) if (r.status === 'rejected') assert.match(String(r.reason), /range is full/);

  // the same specific IP requested from both instances at once: exactly one wins
  await a.release('10.32.0.50');
  const both = await Promise.allSettled([a.allocate('10.32.0.50'), b.allocate('10.32.0.50')]);
  assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1);
}

function ipIndex2(ip: string): number {
  return Number(parseIP(ip)!.value & 0xffffffffn);
}

test('500 concurrent allocations from two instances on one store: no duplicates', async () => {
  const store = new FakeStore();
  await concurrentNoDuplicates(store);
  assert.ok(store.writes < 500 + 200, `batched: ${store.writes} writes`);
});

test('500 concurrent allocations on the real MemoryStore', async () => {
  const { MemoryStore } = await import('../../../src/storage/memory.js');
  const store = new MemoryStore();
  try {
    await concurrentNoDuplicates(store);
  } finally {
    await store.close();
  }
});

test('IPv6 ranges are capped at 65536 addresses', async () => {
  const a = new ServiceIPAllocator({ store: new FakeStore(), cidr: 'fd00:10:96::/108' });
  assert.equal(a.family, 'IPv6');
  assert.equal(a.size, 65535);
  assert.equal(a.firstIP(), 'fd00:10:96::1');
  await a.allocate('fd00:10:96::1');
  await assert.rejects(a.allocate('fd00:10:96::1'), /already allocated/);
  await assert.rejects(a.allocate('fd00:10:96::1:0'), /not in the valid range. The range of valid IPs is fd00:10:96::\/108/);
  const ip = await a.allocateNext();
  assert.ok(a.contains(ip));
  assert.equal(await a.has(ip), true);
  const small = new ServiceIPAllocator({ store: new FakeStore(), cidr: 'fd00::/126' });
  assert.equal(small.size, 3); // ::1 ::2 ::3 (no broadcast in IPv6)
});

// Speed is measured in bench/, not asserted here; this checks many allocations stay unique.
test('25000 sequential and concurrent allocations are all distinct', async () => {
  const store = new FakeStore(false);
  const a = new ServiceIPAllocator({ store, cidr: '10.96.0.0/16' });
  for (let i = 0; i < 5000; i++) await a.allocateNext();
  const ips = await Promise.all(Array.from({ length: 20000 }, () => a.allocateNext()));
  assert.equal(new Set(ips).size, 20000);
  assert.equal(await a.used(), 25000);
});

test('Bitmap encode/decode is the big-endian integer form', () => {
  const bm = new Bitmap(20);
  assert.deepEqual([...bm.encode()], []);
  bm.set(0);
  bm.set(8);
  bm.set(19);
  assert.deepEqual([...bm.encode()], [0x08, 0x01, 0x01]);
  const back = Bitmap.decode(20, bm.encode());
  assert.deepEqual(back.indices(), [0, 8, 19]);
  assert.equal(back.count, 3);
  // bits beyond the size are dropped
  assert.deepEqual(Bitmap.decode(4, Buffer.from([0xff])).indices(), [0, 1, 2, 3]);
});
