// The pure parts of the host teardown: iptables -S parsing and subnet membership (which decide
// which nat rules are ours), and mount discovery under a directory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inSubnet, mountsUnder, splitIptablesRule } from '../../../src/containerd/teardown.js';

describe('teardown helpers', () => {
  it('splits iptables -S lines, quoted comments included', () => {
    const line = '-A POSTROUTING -s 10.244.5.2/32 -m comment --comment "name: \\"bridge\\" id: \\"abc123\\"" -j CNI-0a1b2c3d4e5f';
    assert.deepEqual(splitIptablesRule(line), ['-A', 'POSTROUTING', '-s', '10.244.5.2/32', '-m', 'comment', '--comment', 'name: "bridge" id: "abc123"', '-j', 'CNI-0a1b2c3d4e5f']);
    assert.deepEqual(splitIptablesRule('-A X --comment ""'), ['-A', 'X', '--comment', '']);
  });

  it('inSubnet matches addresses and narrower CIDRs only', () => {
    assert.equal(inSubnet('10.244.5.2/32', '10.244.5.0/24'), true);
    assert.equal(inSubnet('10.244.5.0/24', '10.244.5.0/24'), true);
    assert.equal(inSubnet('10.244.6.2', '10.244.5.0/24'), false);
    assert.equal(inSubnet('10.244.0.0/16', '10.244.5.0/24'), false, 'a wider range is not ours');
    assert.equal(inSubnet('224.0.0.0/4', '10.244.5.0/24'), false);
    assert.equal(inSubnet('fd00::1', '10.244.5.0/24'), false);
  });

  it('mountsUnder finds /proc and nothing under a path with no mounts', () => {
    assert.deepEqual(mountsUnder('/nonexistent-k8ts-dir'), []);
    assert.ok(mountsUnder('/proc').includes('/proc'));
  });
});
