import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, hostAt, parseCidr, PodIPAllocator, subnet } from '../../../src/simnodes/cidr.js';

describe('simnodes cidr', () => {
  it('carves per-node fallback subnets out of a range', () => {
    const r = parseCidr('10.128.0.0/9')!;
    assert.equal(subnet(r, 24, 0)!.text, '10.128.0.0/24');
    assert.equal(subnet(r, 24, 1)!.text, '10.128.1.0/24');
    assert.equal(subnet(r, 24, 256)!.text, '10.129.0.0/24');
    assert.equal(subnet(r, 24, 4999)!.text, '10.147.135.0/24');
    assert.equal(subnet(r, 24, 1 << 15), undefined, 'past the end of the range');
    assert.equal(subnet(r, 8, 0), undefined, 'wider than the range');
    assert.equal(subnet(parseCidr('fd00:10::/56')!, 64, 3)!.text, 'fd00:10:0:3::/64');
  });

  it('gives node addresses by offset', () => {
    const r = parseCidr('172.16.0.0/12')!;
    assert.equal(hostAt(r, 1), '172.16.0.1');
    assert.equal(hostAt(r, 300), '172.16.1.44');
    assert.equal(hostAt(parseCidr('10.0.0.0/30')!, 4), undefined);
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('nonsense'), undefined);
  });

  it('allocates pod IPs from .2, skipping the broadcast address, and reuses released ones', () => {
    const a = new PodIPAllocator(parseCidr('10.244.3.0/29')!);
    assert.equal(a.capacity(), 5);
    const got = [a.allocate(), a.allocate(), a.allocate(), a.allocate(), a.allocate()];
    assert.deepEqual(got, ['10.244.3.2', '10.244.3.3', '10.244.3.4', '10.244.3.5', '10.244.3.6']);
    assert.equal(a.allocate(), undefined, 'exhausted: .7 is the broadcast address');
    a.release('10.244.3.4');
    assert.equal(a.allocate(), '10.244.3.4');
    assert.equal(a.inUse(), 5);
  });

  it('reserves addresses pods already have, only inside the range', () => {
    const a = new PodIPAllocator(parseCidr('10.244.0.0/24')!);
    assert.equal(a.reserve('10.244.0.2'), true);
    assert.equal(a.reserve('10.244.0.2'), false, 'taken');
    assert.equal(a.reserve('10.244.1.2'), false, 'outside');
    assert.equal(a.reserve('10.244.0.1'), false, 'the gateway');
    assert.equal(a.allocate(), '10.244.0.3');
    assert.ok(cidrContains(parseCidr('10.244.0.0/24')!, '10.244.0.255'));
    assert.ok(!cidrContains(parseCidr('10.244.0.0/24')!, 'fd00::1'));
  });

  it('allocates IPv6 pod IPs', () => {
    const a = new PodIPAllocator(parseCidr('fd00:10:0:3::/64')!);
    assert.equal(a.allocate(), 'fd00:10:0:3::2');
    assert.equal(a.allocate(), 'fd00:10:0:3::3');
  });
});
