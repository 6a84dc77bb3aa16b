// The etcd cluster fixture itself: three members form one cluster, survive the loss of their
// leader, come back on their data after a full restart, and leave nothing behind.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { EtcdCluster } from './etcd-cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function retry<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
}

describe('etcd cluster fixture', { timeout: 120_000 }, () => {
  let cluster: EtcdCluster | undefined;
  after(async () => cluster?.stop());

  it('runs 3 members, fails over, restarts on its data and cleans up', async () => {
    cluster = await EtcdCluster.start({ size: 3 });
    await cluster.waitHealthy();
    const st = await cluster.status();
    assert.equal(st.length, 3);
    assert.equal(new Set(st.map((s) => s.memberId)).size, 3, 'three distinct members');
    assert.equal(new Set(st.map((s) => s.leaderId)).size, 1, 'one leader for all');
    await cluster.etcdctl('put', '/k/a', '1');

    const leader = await cluster.leaderIndex();
    assert.ok(leader >= 0);
    await cluster.kill(leader);
    assert.equal(cluster.members[leader].running, false);
    await retry(() => cluster!.etcdctl('put', '/k/b', '2'));
    await retry(async () => assert.ok((await cluster!.leaderIndex()) >= 0));
    await cluster.restart(leader);
    await cluster.waitHealthy();
    const keys = await retry(async () => {
      const out = await cluster!.members[leader].etcdctl('get', '--prefix', '/k/', '--keys-only');
      assert.deepEqual(out.split('\n').filter(Boolean), ['/k/a', '/k/b']);
      return out;
    });
    assert.ok(keys);

    await cluster.killAll();
    assert.ok(cluster.members.every((m) => !m.running));
    await cluster.restartAll();
    await cluster.waitHealthy();
    const out = await retry(() => cluster!.etcdctl('get', '--prefix', '/k/', '--print-value-only'));
    assert.deepEqual(out.split('\n').filter(Boolean), ['1', '2']);

    const pids = cluster.members.map((m) => m.pid!);
    const dirs = cluster.members.map((m) => m.base);
    await cluster.stop();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'member process group gone');
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} removed`);
  });
});
