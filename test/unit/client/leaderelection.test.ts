import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { startServer } from '../../e2e/harness.js';
import type { ServerProc } from '../../e2e/harness.js';
import { RestClient, isConflict } from '../../../src/client/rest.js';
import {
  LeaderElector,
  LeaseLock,
  defaultIdentity,
  leaseSpecToRecord,
  recordToLeaseSpec,
} from '../../../src/client/leaderelection.js';
import { microTime } from '../../../src/apimachinery/time.js';
import type { Lease, LeaderElectionConfig } from '../../../src/client/leaderelection.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

async function waitUntil(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

interface Candidate {
  id: string;
  elector: LeaderElector;
  started: number;
  stopped: number;
  leaders: string[];
  leadingSignal?: AbortSignal;
}

function candidate(client: RestClient, name: string, id: string, extra: Partial<LeaderElectionConfig> = {}): Candidate {
  const c: Candidate = { id, started: 0, stopped: 0, leaders: [] } as unknown as Candidate;
  c.elector = new LeaderElector({
    lock: new LeaseLock(client, 'kube-system', name, { identity: id }),
    releaseOnCancel: true,
    name,
    callbacks: {
      onStartedLeading: (signal) => {
        c.started++;
        c.leadingSignal = signal;
      },
      onStoppedLeading: () => {
        c.stopped++;
      },
      onNewLeader: (leader) => c.leaders.push(leader),
    },
    ...extra,
  });
  return c;
}

describe('leader election helpers', () => {
  it('MicroTime, identities and the record <-> LeaseSpec conversion', () => {
    assert.match(microTime(), MICRO_TIME);
    assert.equal(microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678) + 0.9), '2024-01-02T03:04:05.678900Z');
    assert.match(defaultIdentity(), new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_[0-9a-f-]{36}$`));
    const rec = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2024-01-02T03:04:05.678900Z', renewTime: '2024-01-02T03:04:07.000001Z', leaderTransitions: 2 };
    assert.deepEqual(recordToLeaseSpec(rec), { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: rec.acquireTime, renewTime: rec.renewTime, leaseTransitions: 2 });
    assert.deepEqual(leaseSpecToRecord(recordToLeaseSpec(rec)), rec);
    assert.deepEqual(leaseSpecToRecord(undefined), { holderIdentity: '', leaseDurationSeconds: 0, acquireTime: '', renewTime: '', leaderTransitions: 0 });
  });

  it('validates the timing options as upstream', () => {
    const lock = { identity: () => 'x', describe: () => 'ns/x', recordEvent() {}, get: async () => ({ record: leaseSpecToRecord({}), raw: '' }), create: async () => {}, update: async () => {} };
    const callbacks = { onStartedLeading() {}, onStoppedLeading() {} };
    assert.throws(() => new LeaderElector({ lock, callbacks, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration must be greater than renewDeadline/);
    assert.throws(() => new LeaderElector({ lock, callbacks, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }), /renewDeadline must be greater than retryPeriod\*JitterFactor/);
    assert.throws(() => new LeaderElector({ lock: { ...lock, identity: () => '' }, callbacks }), /Lock identity is empty/);
    const e = new LeaderElector({ lock, callbacks });
    assert.equal(e.leaseDurationMs, 15_000);
    assert.equal(e.renewDeadlineMs, 10_000);
    assert.equal(e.retryPeriodMs, 2_000);
  });
});

describe('leader election against k8ts server', () => {
  let srv: ServerProc;
  let client: RestClient;
  const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system' };

  before(async () => {
    srv = await startServer();
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
  });

  after(async () => {
    client?.destroy();
    await srv?.destroy();
  });

  it('two candidates with upstream timings: exactly one leads; on release the other takes over within seconds', async (t) => {
    const a = candidate(client, 'two-candidates', 'node-a_1');
    const b = candidate(client, 'two-candidates', 'node-b_2');
    t.after(() => Promise.all([a.elector.stop(), b.elector.stop()]));
    a.elector.start();
    b.elector.start();
    await waitUntil(() => a.started + b.started === 1, 'a leader');
    const [leader, follower] = a.started ? [a, b] : [b, a];
    await delay(300);
    assert.equal(a.started + b.started, 1, 'exactly one leads');
    assert.equal(leader.elector.isLeader(), true);
    assert.equal(follower.elector.isLeader(), false);

    let lease = await client.get<Lease>({ ...leases, name: 'two-candidates' });
    assert.equal(lease.spec?.holderIdentity, leader.id);
    assert.equal(lease.spec?.leaseDurationSeconds, 15);
    assert.equal(lease.spec?.leaseTransitions, 0);
    assert.match(lease.spec?.acquireTime ?? '', MICRO_TIME);
    assert.match(lease.spec?.renewTime ?? '', MICRO_TIME);
    const acquired = lease.spec!.acquireTime;

    // the leader renews every retryPeriod (2s), keeping acquireTime and leaseTransitions
    const deadline = Date.now() + 6000;
    let renewed = lease;
    while (Date.now() < deadline) {
      renewed = await client.get<Lease>({ ...leases, name: 'two-candidates' });
      if (renewed.spec?.renewTime !== lease.spec?.renewTime) break;
      await delay(200);
    }
    assert.notEqual(renewed.spec?.renewTime, lease.spec?.renewTime, 'renewTime advances');
    assert.equal(renewed.spec?.acquireTime, acquired);
    assert.equal(renewed.spec?.leaseTransitions, 0);
    assert.equal(renewed.spec?.holderIdentity, leader.id);
    await waitUntil(() => follower.leaders.includes(leader.id) && leader.leaders.includes(leader.id), 'onNewLeader on both');
    assert.equal(follower.elector.getLeader(), leader.id);

    // stop the leader: it releases the lease (ReleaseOnCancel)
    const stoppedAt = Date.now();
    await leader.elector.stop();
    assert.equal(leader.stopped, 1);
    assert.equal(leader.leadingSignal?.aborted, true, 'the leading context is cancelled');
    assert.equal(leader.elector.isLeader(), false);
    await waitUntil(() => follower.started === 1, 'the follower to take over', 8000);
    const takeover = Date.now() - stoppedAt;
    assert.ok(takeover < 6000, `took over after ${takeover}ms`);
    lease = await client.get<Lease>({ ...leases, name: 'two-candidates' });
    assert.equal(lease.spec?.holderIdentity, follower.id);
    assert.equal(lease.spec?.leaseTransitions, 1);
    assert.equal(lease.spec?.leaseDurationSeconds, 15);
    assert.notEqual(lease.spec?.acquireTime, acquired);
    assert.ok(lease.spec!.acquireTime! > acquired!, 'acquireTime is the takeover time');
    assert.ok(lease.spec!.renewTime! >= lease.spec!.acquireTime!);
    await waitUntil(() => follower.leaders.at(-1) === follower.id, 'onNewLeader(self)');

    await follower.elector.stop();
    lease = await client.get<Lease>({ ...leases, name: 'two-candidates' });
    assert.equal(lease.spec?.holderIdentity, '', 'released: holderIdentity cleared');
    assert.equal(lease.spec?.leaseDurationSeconds, 1);
    assert.equal(lease.spec?.leaseTransitions, 1);
    assert.equal(lease.spec?.acquireTime, lease.spec?.renewTime);
  });

  it('without release the lease expires after leaseDuration and the other candidate takes over', async (t) => {
    const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
    const a = candidate(client, 'expiry', 'a', { ...timing, releaseOnCancel: false });
    t.after(() => a.elector.stop());
    a.elector.start();
    await waitUntil(() => a.started === 1, 'a leads');
    const b = candidate(client, 'expiry', 'b', timing);
    t.after(() => b.elector.stop());
    b.elector.start();
    await delay(800);
    assert.equal(b.started, 0);
    await a.elector.stop();
    const held = await client.get<Lease>({ ...leases, name: 'expiry' });
    assert.equal(held.spec?.holderIdentity, 'a', 'not released');
    assert.equal(held.spec?.leaseDurationSeconds, 3);
    const t0 = Date.now();
    await waitUntil(() => b.started === 1, 'b takes over after expiry', 10_000);
    const waited = Date.now() - t0;
    assert.ok(waited >= 1500, `b waited for the lease to expire (${waited}ms)`);
    const lease = await client.get<Lease>({ ...leases, name: 'expiry' });
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec?.leaseTransitions, 1);
  });

  it('the leader steps down when it cannot renew within renewDeadline', async (t) => {
    const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
    const a = candidate(client, 'stolen', 'a', timing);
    t.after(() => a.elector.stop());
    a.elector.start();
    await waitUntil(() => a.started === 1, 'a leads');
    // someone else takes the lease by force; a's renewals now fail (held by "intruder", not expired)
    const cur = await client.get<Lease>({ ...leases, name: 'stolen' });
    await client.update({ ...leases, name: 'stolen' }, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', renewTime: microTime(), leaseDurationSeconds: 60 } });
    await waitUntil(() => a.stopped === 1, 'a stops leading', 8000);
    assert.equal(a.leadingSignal?.aborted, true);
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.elector.getLeader(), 'intruder');
    const lease = await client.get<Lease>({ ...leases, name: 'stolen' });
    assert.equal(lease.spec?.holderIdentity, 'intruder', 'not released: a no longer holds it');
  });

  it('LeaseLock updates are optimistic (resourceVersion)', async () => {
    const l1 = new LeaseLock(client, 'kube-system', 'occ', { identity: 'one', labels: { component: 'test' } });
    const l2 = new LeaseLock(client, 'kube-system', 'occ', { identity: 'two' });
    const now = microTime();
    await l1.create({ holderIdentity: 'one', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaderTransitions: 0 });
    assert.deepEqual(l1.currentLease()?.metadata?.labels, { component: 'test' });
    const { record } = await l2.get();
    assert.equal(record.holderIdentity, 'one');
    await l1.update({ ...record, renewTime: microTime() });
    await assert.rejects(l2.update({ ...record, holderIdentity: 'two', leaderTransitions: 1 }), (e: unknown) => isConflict(e));
    await assert.rejects(new LeaseLock(client, 'kube-system', 'occ', { identity: 'x' }).update(record), /lease not initialized/);
  });

  it('stopping before acquiring still calls onStoppedLeading (as upstream Run)', async () => {
    const blocker = candidate(client, 'blocked', 'holder', { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
    blocker.elector.start();
    await waitUntil(() => blocker.started === 1, 'holder leads');
    const waiting = candidate(client, 'blocked', 'waiter', { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
    const ac = new AbortController();
    const run = waiting.elector.run(ac.signal);
    await delay(700);
    ac.abort();
    await run;
    assert.equal(waiting.started, 0);
    assert.equal(waiting.stopped, 1);
    await blocker.elector.stop();
  });
});
