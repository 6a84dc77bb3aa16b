import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, parseCIDR, formatCIDR, cidrsOverlap } from '../../../src/controllers/nodeipam/cidrset.js';
import { newCidrSets } from '../../../src/controllers/nodeipam/range_allocator.js';

test('parseCIDR masks host bits and formats both families', () => {
  assert.equal(formatCIDR(parseCIDR('10.200.3.7/16')), '10.200.0.0/16');
  assert.equal(formatCIDR(parseCIDR('fd00:10:244::1/56')), 'fd00:10:244::/56');
  assert.throws(() => parseCIDR('10.0.0.0/33'));
  assert.throws(() => parseCIDR('10.0.0.0'));
  assert.ok(cidrsOverlap(parseCIDR('10.200.0.0/16'), parseCIDR('10.200.5.0/24')));
  assert.ok(!cidrsOverlap(parseCIDR('10.200.0.0/16'), parseCIDR('10.32.0.0/24')));
});

test('allocateNext hands out /24s in order and occupy marks existing ones', () => {
  const s = new CidrSet('10.200.0.0/16', 24);
  assert.equal(s.maxCIDRs, 256);
  assert.equal(s.allocateNext(), '10.200.0.0/24');
  assert.equal(s.allocateNext(), '10.200.1.0/24');
  s.occupy('10.200.2.0/24');
  assert.equal(s.allocateNext(), '10.200.3.0/24');
  assert.throws(() => s.occupy('10.201.0.0/24'), /out the range/);
});

test('round robin: a released range comes back after the pointer wraps; a fresh set starts at the lowest free', () => {
  const s = new CidrSet('10.200.0.0/23', 24);
  assert.equal(s.allocateNext(), '10.200.0.0/24');
  assert.equal(s.allocateNext(), '10.200.1.0/24');
  assert.throws(() => s.allocateNext(), /no remaining CIDRs/);
  s.release('10.200.0.0/24');
  assert.equal(s.allocateNext(), '10.200.0.0/24');
  const fresh = new CidrSet('10.200.0.0/16', 24);
  fresh.occupy('10.200.1.0/24');
  assert.equal(fresh.allocateNext(), '10.200.0.0/24');
  assert.equal(fresh.allocateNext(), '10.200.2.0/24');
});

test('an overlapping service range is taken out; IPv6 and dual-stack sets', () => {
  const [v4] = newCidrSets(['10.0.0.0/22'], 24, 64, ['10.0.1.0/24']);
  assert.equal(v4!.allocateNext(), '10.0.0.0/24');
  assert.equal(v4!.allocateNext(), '10.0.2.0/24');
  const sets = newCidrSets(['10.200.0.0/16', 'fd00:10:244::/56'], 24, 64, []);
  assert.deepEqual(sets.map((s) => s.allocateNext()), ['10.200.0.0/24', 'fd00:10:244::/64']);
  assert.equal(sets[1]!.allocateNext(), 'fd00:10:244:1::/64');
  assert.throws(() => newCidrSets(['10.0.0.0/16', '10.1.0.0/16'], 24, 64, []), /one IPv4 and one IPv6/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 28), /too big/);
});
