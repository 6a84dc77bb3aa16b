// Test and benchmark fixture: an N-member etcd cluster (Debian's etcd 3.4) on free loopback
// ports, each member in its own temp data dir (tmpfs when there is one) and process group, with
// fast heartbeat/election settings. Members can be SIGKILLed and restarted on their data (one or
// all), health is checked over each member's /health and `etcdctl endpoint status`, and stop()
// (or this process exiting) leaves no process or directory behind — the single-member fixture
// (test/unit/storage/etcd-fixture.ts) does the per-process work.

import { EtcdInstance, etcdUnavailableReason, freePort, healthy } from '../unit/storage/etcd-fixture.js';

export { etcdUnavailableReason };

export interface EtcdClusterOptions {
  /** Members (default 3). */
  size?: number;
  /** Raft heartbeat and election timeout in ms (default 50/500: fast failover, stable on a busy machine). */
  heartbeatMs?: number;
  electionMs?: number;
  /** How long a member may take to become healthy (default 30 s). */
  startTimeoutMs?: number;
}

export interface MemberStatus {
  endpoint: string;
  memberId: string;
  leaderId: string;
  raftTerm: number;
  revision: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdCluster {
  private constructor(
    readonly members: EtcdInstance[],
    readonly names: string[],
  ) {}

  /** Starts every member at once (a member is healthy only once a quorum runs). */
  static async start(o: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const reason = etcdUnavailableReason();
    if (reason) throw new Error(reason);
    const size = o.size ?? 3;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const ports = new Set<number>();
      while (ports.size < 2 * size) ports.add(await freePort());
      const [clientPorts, peerPorts] = [[...ports].slice(0, size), [...ports].slice(size)];
      const tag = Math.random().toString(36).slice(2, 8);
      const names = clientPorts.map((_, i) => `m${i}-${tag}`);
      const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${peerPorts[i]}`).join(',');
      const started = await Promise.allSettled(names.map((name, i) => EtcdInstance.start({
        heartbeatMs: o.heartbeatMs ?? 50,
        electionMs: o.electionMs ?? 500,
        startTimeoutMs: o.startTimeoutMs ?? 30_000,
        member: { name, initialCluster, clientPort: clientPorts[i], peerPort: peerPorts[i] },
      })));
      const ok = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (ok.length === size) return new EtcdCluster(ok, names);
      lastErr = started.find((r) => r.status === 'rejected')?.reason;
      await Promise.all(ok.map((m) => m.stop())); // a port taken meanwhile: try new ones
    }
    throw lastErr;
  }

  /** Client URLs of every member, in member order. */
  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  /** The comma list for --etcd-servers. */
  get serversFlag(): string {
    return this.endpoints.join(',');
  }

  /** SIGKILLs member i (its data stays). */
  kill(i: number): Promise<void> {
    return this.members[i].kill();
  }

  /** Starts member i again on its data and ports; resolves once it is healthy. */
  restart(i: number): Promise<void> {
    return this.members[i].restart();
  }

  /** SIGKILLs every member at once. */
  async killAll(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
  }

  /** Restarts every stopped member together (each waits for a quorum to be healthy). */
  async restartAll(): Promise<void> {
    await Promise.all(this.members.map((m) => (m.running ? undefined : m.restart())));
  }

  /** Waits until every running member answers /health true (a leader is known to it). */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.members.filter((m) => m.running);
      const ok = await Promise.all(running.map((m) => healthy(m.endpoint)));
      if (ok.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`etcd cluster not healthy after ${timeoutMs} ms:\n${running.map((m) => m.logTail(10)).join('\n')}`);
      await sleep(100);
    }
  }

  /** `etcdctl endpoint status` of each running member. */
  async status(): Promise<MemberStatus[]> {
    const out: MemberStatus[] = [];
    for (const m of this.members.filter((x) => x.running)) {
      // member ids are uint64: read them as text, JSON numbers would lose digits
      const text = await m.etcdctl('endpoint', 'status', '--write-out=json');
      const num = (field: string) => new RegExp(`"${field}":\\s*"?(\\d+)`).exec(text)?.[1] ?? '0';
      out.push({ endpoint: m.endpoint, memberId: num('member_id'), leaderId: num('leader'), raftTerm: Number(num('raft_term')), revision: Number(num('revision')) });
    }
    return out;
  }

  /** Index of the current leader among members (-1 when none is known). */
  async leaderIndex(): Promise<number> {
    const st = await this.status();
    const leader = st.find((s) => s.memberId === s.leaderId);
    return leader ? this.members.findIndex((m) => m.endpoint === leader.endpoint) : -1;
  }

  /** Runs etcdctl against the first running member. */
  etcdctl(...args: string[]): Promise<string> {
    const m = this.members.find((x) => x.running);
    if (!m) throw new Error('no etcd member is running');
    return m.etcdctl(...args);
  }

  /** Kills every member and removes their directories. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
  }
}
