// Test fixture: a real etcd (Debian's etcd-server, v3.4) as a child process on loopback, with a
// temp data dir and free ports; health-checked, restartable on the same data dir and ports, and
// always cleaned up: its own process group is killed by PID, the temp dir removed, and a shell
// watchdog kills etcd and removes the dir if this test process dies without cleaning up (its
// stdin pipe from us closes).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const ETCD_INSTALL_HINT = 'apt-get install -y etcd-server etcd-client';

/** Why a real etcd cannot run here (etcd or etcdctl missing), or undefined when it can. */
export function etcdUnavailableReason(): string | undefined {
  const missing = ['etcd', 'etcdctl'].filter((bin) => !onPath(bin));
  if (!missing.length) return undefined;
  return `${missing.join(' and ')} not found on PATH: the etcd3 storage tests need a real etcd (Debian: ${ETCD_INSTALL_HINT})`;
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function healthy(url: string, tls?: EtcdTLS): Promise<boolean> {
  return new Promise((resolve) => {
    const onRes = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
      res.on('error', () => resolve(false));
    };
    const req = tls
      ? httpsGet(`${url}/health`, { timeout: 1000, ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) }, onRes)
      : httpGet(`${url}/health`, { timeout: 1000 }, onRes);
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Runs etcd in the background and prints its PID. A watchdog reads our stdin: when it closes (we
// stopped it, or this process died) it kills etcd, and the wrapper then removes the base dir.
// When etcd exits otherwise (kill() for a restart), the watchdog is stopped and the data stays.
// The wrapper reaps both, so nothing is left as a zombie.
const WRAPPER = `
base=$1; shift
exec 3<&0
"$@" >>"$base/etcd.log" 2>&1 </dev/null &
e=$!
echo "$e"
{ read -r _ <&3; : >"$base/.stop"; kill -9 "$e" 2>/dev/null; } &
w=$!
wait "$e"; code=$?
if [ -e "$base/.stop" ]; then rm -rf "$base"; else kill "$w" 2>/dev/null; fi
wait "$w" 2>/dev/null
exit "$code"
`;

/** Every instance not stopped yet: killed synchronously if this process exits. */
const live = new Set<EtcdInstance>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const inst of live) inst.killSync();
  });
}

/** Client TLS of an etcd instance (PEM file paths): https client URL with client-cert auth. */
export interface EtcdTLS {
  ca: string;
  cert: string;
  key: string;
  /** A client certificate signed by ca (for the health check and etcdctl). */
  clientCert: string;
  clientKey: string;
}

export interface EtcdStartOptions {
  tls?: EtcdTLS;
  /** Heartbeat/election (ms): small values make startup fast and etcd's minimum lease TTL 1s. */
  heartbeatMs?: number;
  electionMs?: number;
  /** How long to wait for /health. */
  startTimeoutMs?: number;
  /**
   * Membership in a multi-member cluster (test/e2e/etcd-cluster.ts): this member's name, the
   * whole --initial-cluster list and fixed ports. Unset: a single member on free ports.
   */
  member?: { name: string; initialCluster: string; clientPort: number; peerPort: number };
}

export class EtcdInstance {
  readonly base: string;
  readonly dataDir: string;
  clientPort = 0;
  peerPort = 0;
  private child: ChildProcess | undefined;
  /** etcd's own PID, as printed by the wrapper (0 if it never said). */
  private etcdPid: Promise<number> = Promise.resolve(0);
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(private readonly opts: EtcdStartOptions) {
    // tmpfs when there is one: etcd fsyncs every write, which is free there.
    const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.base = mkdtempSync(join(root, 'k8ts-etcd-'));
    this.dataDir = join(this.base, 'data');
  }

  /** Starts a fresh etcd (new temp dir, free ports); retries on a port clash. */
  static async start(opts: EtcdStartOptions = {}): Promise<EtcdInstance> {
    const reason = etcdUnavailableReason();
    if (reason) throw new Error(reason);
    installExitHook();
    const inst = new EtcdInstance(opts);
    live.add(inst);
    if (opts.member) {
      inst.clientPort = opts.member.clientPort;
      inst.peerPort = opts.member.peerPort;
      try {
        await inst.launch();
        return inst;
      } catch (e) {
        await inst.stop();
        throw e;
      }
    }
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      inst.clientPort = await freePort();
      inst.peerPort = await freePort();
      if (inst.peerPort === inst.clientPort) continue;
      try {
        await inst.launch();
        return inst;
      } catch (e) {
        lastErr = e;
        await inst.kill();
      }
    }
    await inst.stop();
    throw lastErr;
  }

  get endpoint(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.clientPort}`;
  }

  /** PID of the process group leader (the wrapper shell); undefined when not running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** etcd's own PID while it runs (0 when unknown): for reading its CPU time in benchmarks. */
  async processId(): Promise<number> {
    return this.child ? await this.etcdPid : 0;
  }

  get running(): boolean {
    return !!this.child;
  }

  /** Starts etcd again on the same data dir and ports (after kill()). */
  async restart(): Promise<void> {
    if (this.child) await this.kill();
    await this.launch();
  }

  /** Kills etcd abruptly (SIGKILL); the data dir stays for restart(). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const pid = await this.etcdPid;
    try {
      if (pid) process.kill(pid, 'SIGKILL'); // the wrapper reaps it and exits
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => this.killGroup(child), pid ? 5000 : 0);
    await this.exited;
    clearTimeout(timer);
    this.killGroup(child); // anything left in its process group
  }

  /** Kills etcd and removes its temp dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    rmSync(this.base, { recursive: true, force: true });
    live.delete(this);
  }

  /** Synchronous last-resort cleanup (process exit hook). */
  killSync(): void {
    if (this.child) this.killGroup(this.child);
    try {
      rmSync(this.base, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }

  private killGroup(child: ChildProcess): void {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  /** Runs etcdctl (v3 API) against this instance; resolves to its stdout. */
  etcdctl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const tls = this.opts.tls;
      const tlsArgs = tls ? ['--cacert', tls.ca, '--cert', tls.clientCert, '--key', tls.clientKey] : [];
      execFile('etcdctl', ['--endpoints', this.endpoint, ...tlsArgs, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 10_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`etcdctl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }

  /** The end of etcd's log (for failure messages). */
  logTail(lines = 30): string {
    try {
      return readFileSync(join(this.base, 'etcd.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private async launch(): Promise<void> {
    const name = this.opts.member?.name ?? 'k8ts-test';
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const hb = this.opts.heartbeatMs ?? 10;
    const election = this.opts.electionMs ?? 100;
    const args = [
      'etcd',
      '--name', name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', this.endpoint,
      '--advertise-client-urls', this.endpoint,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', this.opts.member?.initialCluster ?? `${name}=${peer}`,
      '--initial-cluster-state', 'new',
      '--heartbeat-interval', String(hb),
      '--election-timeout', String(election),
      '--logger', 'zap',
      '--log-level', 'warn',
    ];
    const tls = this.opts.tls;
    if (tls) args.push('--cert-file', tls.cert, '--key-file', tls.key, '--client-cert-auth', '--trusted-ca-file', tls.ca);
    const child = spawn('bash', ['-c', WRAPPER, 'etcd-wrapper', this.base, ...args], {
      detached: true, // its own process group, killed as a whole by -pid as a last resort
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    child.stdin!.on('error', () => {}); // EPIPE after the wrapper exited
    this.child = child;
    this.etcdPid = new Promise<number>((resolve) => {
      let out = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (c: string) => {
        out += c;
        if (out.includes('\n')) resolve(Number(out.split('\n')[0]) || 0);
      });
      child.stdout!.on('close', () => resolve(Number(out.trim()) || 0));
    });
    let exitCode: number | null | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        exitCode = code ?? (signal ? -1 : 0);
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.on('error', () => {
        exitCode = -1;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });

    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`etcd exited during startup (code ${exitCode}):\n${this.logTail()}`);
      }
      if (await healthy(this.endpoint, tls)) return;
      await sleep(20);
    }
    throw new Error(`etcd did not become healthy at ${this.endpoint} within ${this.opts.startTimeoutMs ?? 20_000} ms:\n${this.logTail()}`);
  }
}

/**
 * Hands out fresh etcd instances, keeping `spares` more starting in the background so that a
 * test needing a fresh etcd (revisions start at 1) rarely waits for one.
 */
export class EtcdPool {
  private readonly spares: Array<Promise<EtcdInstance>> = [];
  private closed = false;

  constructor(
    private readonly size = 1,
    private readonly opts: EtcdStartOptions = {},
  ) {}

  async take(): Promise<EtcdInstance> {
    if (this.closed) throw new Error('etcd pool is closed');
    const next = this.spares.shift() ?? this.spawn();
    while (this.spares.length < this.size) this.spares.push(this.spawn());
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.spares.splice(0);
    await Promise.all(all.map((p) => p.then((i) => i.stop(), () => undefined)));
  }

  private spawn(): Promise<EtcdInstance> {
    const p = EtcdInstance.start(this.opts);
    p.catch(() => {}); // reported to whoever takes it
    return p;
  }
}

/** Stops every instance still running (for an after() hook). */
export async function stopAllEtcd(): Promise<void> {
  await Promise.all([...live].map((i) => i.stop()));
}
