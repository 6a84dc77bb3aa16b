// E2E harness: starts `k8ts server` as a child process in a fresh data dir (on a free
// port), runs the real kubectl against it, and cleans everything up.
// K8TS_E2E_STORE=etcd: each server (per data dir) stores the cluster in a private etcd on free
// loopback ports (test/unit/storage/etcd-fixture.ts), stopped and removed by destroy().

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { EtcdInstance } from '../unit/storage/etcd-fixture.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The repo root (works from dist/test/e2e and from test/e2e under tsx). */
export const repoRoot = resolve(here, here.includes(`${'/dist/'}`) ? '../../..' : '../..');
export const k8tsBin = join(repoRoot, 'bin', 'k8ts.js');
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface ServerProc {
  dataDir: string;
  kubeconfig: string;
  url: string;
  proc: ChildProcess;
  /** log lines (stderr) collected so far */
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stop and delete the data dir. */
  destroy(): Promise<void>;
}

/** The store the e2e servers use: 'etcd' (K8TS_E2E_STORE=etcd) or the embedded default. */
export const e2eStore: 'etcd' | 'embedded' = process.env.K8TS_E2E_STORE === 'etcd' ? 'etcd' : 'embedded';

/** The private etcd of each data dir (K8TS_E2E_STORE=etcd): kept across stop/start, removed by destroy(). */
const etcdByDataDir = new Map<string, EtcdInstance>();

/** --etcd-servers for a server on dataDir under K8TS_E2E_STORE=etcd (starting its etcd), else none. */
async function storeArgs(dataDir: string, extraArgs: string[]): Promise<string[]> {
  if (e2eStore !== 'etcd' || extraArgs.some((a) => a.startsWith('--etcd-servers') || a.startsWith('--storage-backend'))) return [];
  let etcd = etcdByDataDir.get(dataDir);
  if (!etcd) {
    etcd = await EtcdInstance.start();
    etcdByDataDir.set(dataDir, etcd);
  } else if (!etcd.running) {
    await etcd.restart();
  }
  return [`--etcd-servers=${etcd.endpoint}`];
}

/** Stops and removes the private etcd of dataDir (if any). */
async function dropEtcd(dataDir: string): Promise<void> {
  const etcd = etcdByDataDir.get(dataDir);
  etcdByDataDir.delete(dataDir);
  await etcd?.stop();
}

/** nodeArgs go to node itself (e.g. --cpu-prof for profiling a benchmark). */
export async function startServer(opts: { dataDir?: string; extraArgs?: string[]; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ServerProc> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  // API-level suites run the control plane only; a suite that wants the real node asks for it.
  const runtimeArgs = (opts.extraArgs ?? []).some((a) => a.startsWith('--container-runtime=')) ? [] : ['--container-runtime=none'];
  const etcdArgs = await storeArgs(dataDir, opts.extraArgs ?? []);
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), k8tsBin, 'server', `--data-dir=${dataDir}`, '--bind-address=127.0.0.1', '--secure-port=0', ...runtimeArgs, ...etcdArgs, ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  const logs: string[] = [];
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const startup = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`k8ts server did not start in time; logs:\n${logs.join('')}`)), opts.timeoutMs ?? (etcdArgs.length ? 40000 : 20000));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /k8ts is running at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`k8ts server exited with ${code}; logs:\n${logs.join('')}`));
    });
  });
  let url: string;
  try {
    url = await startup;
  } catch (err) {
    // leave nothing behind: a server that did not come up in time is killed, and a data dir
    // made here is removed
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGKILL');
      await gone;
    }
    if (!opts.dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      await dropEtcd(dataDir);
    }
    throw err;
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return {
    dataDir,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    url,
    proc,
    logs,
    stop,
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      await dropEtcd(dataDir);
    },
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run kubectl synchronously-in-a-child (async wrapper so tests can run it in parallel). */
export function kubectl(kubeconfig: string, args: string[], input?: string, timeoutMs = 30000): Promise<Result> {
  return new Promise((resolveRun) => {
    const p = spawn(KUBECTL, [`--kubeconfig=${kubeconfig}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** kubectl that must succeed; returns stdout. */
export async function kc(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(kubeconfig, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function kubectlAvailable(): boolean {
  return spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/2 clients with the admin client certificate (for tests and benchmarks that need
// exact status codes, streaming watches or many concurrent requests).

export interface Creds {
  /** https://host:port */
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The current context's server and client certificate from a kubeconfig (admin.kubeconfig). */
export function loadCreds(kubeconfig: string): Creds {
  const cfg = YAML.parse(readFileSync(kubeconfig, 'utf8'));
  const ctxName = cfg['current-context'];
  const ctx = (cfg.contexts ?? []).find((c: any) => c.name === ctxName)?.context ?? cfg.contexts?.[0]?.context;
  const cluster = (cfg.clusters ?? []).find((c: any) => c.name === ctx?.cluster)?.cluster ?? cfg.clusters?.[0]?.cluster;
  const user = (cfg.users ?? []).find((u: any) => u.name === ctx?.user)?.user ?? cfg.users?.[0]?.user;
  const b64 = (v: string | undefined, what: string): Buffer => {
    if (!v) throw new Error(`kubeconfig ${kubeconfig} has no ${what}`);
    return Buffer.from(v, 'base64');
  };
  return {
    server: cluster.server,
    ca: b64(cluster['certificate-authority-data'], 'certificate-authority-data'),
    cert: b64(user['client-certificate-data'], 'client-certificate-data'),
    key: b64(user['client-key-data'], 'client-key-data'),
  };
}

export interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  /** body parsed as JSON (throws when it is not) */
  json(): any;
}

export interface H2WatchEvent {
  type: string;
  object: any;
}

/** A streaming request (watch): lines parsed as JSON events as they arrive. */
export interface H2Stream {
  /** resolves with the response status and headers */
  response: Promise<{ status: number; headers: http2.IncomingHttpHeaders }>;
  /** events received so far (also delivered to onEvent) */
  events: H2WatchEvent[];
  /** resolves when the server ends the stream (or it errors / is closed) */
  ended: Promise<void>;
  /** wait for the next event not yet consumed by next(); rejects after timeoutMs */
  next(timeoutMs?: number): Promise<H2WatchEvent>;
  /** wait until pred matches some event (scanning from the first one); rejects after timeoutMs */
  waitFor(pred: (e: H2WatchEvent) => boolean, timeoutMs?: number): Promise<H2WatchEvent>;
  /** non-JSON text received (e.g. a Status body of a non-200 answer) */
  text(): string;
  close(): void;
}

/**
 * A pool of HTTP/2 sessions to one server authenticated with a client certificate.
 * Requests are spread round-robin over the sessions.
 */
export class H2Client {
  private sessions: http2.ClientHttp2Session[] = [];
  private rr = 0;
  private closed = false;

  constructor(
    readonly creds: Creds,
    readonly size = 1,
  ) {}

  static fromKubeconfig(kubeconfig: string, size = 1): H2Client {
    return new H2Client(loadCreds(kubeconfig), size);
  }

  private connect(): http2.ClientHttp2Session {
    const s = http2.connect(this.creds.server, {
      ca: this.creds.ca,
      cert: this.creds.cert,
      key: this.creds.key,
      settings: { enablePush: false, initialWindowSize: 8 * 1024 * 1024 },
    });
    s.on('error', () => {});
    s.on('connect', () => s.setLocalWindowSize(32 * 1024 * 1024));
    return s;
  }

  /** The session for slot i (reconnecting when it was closed). */
  session(i?: number): http2.ClientHttp2Session {
    if (this.closed) throw new Error('H2Client is closed');
    const idx = i ?? this.rr++ % this.size;
    const cur = this.sessions[idx];
    if (cur && !cur.closed && !cur.destroyed) return cur;
    const s = this.connect();
    this.sessions[idx] = s;
    return s;
  }

  /** Wait until every session of the pool is connected. */
  async ready(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.size }, (_, i) => {
        const s = this.session(i);
        if (!s.connecting) return undefined;
        return new Promise<void>((res, rej) => {
          s.once('connect', () => res());
          s.once('error', rej);
        });
      }),
    );
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, sessionIdx?: number): Promise<H2Response> {
    return new Promise((resolveReq, reject) => {
      let payload: Buffer | undefined;
      const h: http2.OutgoingHttpHeaders = { ':method': method, ':path': path, accept: 'application/json', ...headers };
      if (body !== undefined) {
        payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
        h['content-type'] ??= 'application/json';
        h['content-length'] = payload.length;
      }
      let req: http2.ClientHttp2Stream;
      try {
        req = this.session(sessionIdx).request(h, { endStream: payload === undefined });
      } catch (e) {
        reject(e);
        return;
      }
      const chunks: Buffer[] = [];
      let status = 0;
      let resHeaders: http2.IncomingHttpHeaders = {};
      req.on('response', (hs) => {
        status = Number(hs[':status']);
        resHeaders = hs;
      });
      let finished = false;
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('close', () => {
        if (!finished) reject(new Error(`${method} ${path}: stream closed before the response ended (rst code ${req.rstCode})`));
      });
      req.on('end', () => {
        finished = true;
        const text = Buffer.concat(chunks).toString('utf8');
        resolveReq({
          status,
          headers: resHeaders,
          body: text,
          json() {
            return JSON.parse(text);
          },
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.end(payload);
    });
  }

  get(path: string, headers?: Record<string, string>): Promise<H2Response> {
    return this.request('GET', path, undefined, headers);
  }

  /** Open a streaming GET (a watch); events are the JSON lines of the body. */
  stream(path: string, opts: { sessionIdx?: number; onEvent?: (e: H2WatchEvent) => void; headers?: Record<string, string> } = {}): H2Stream {
    const req = this.session(opts.sessionIdx).request({ ':method': 'GET', ':path': path, accept: 'application/json', ...opts.headers });
    const events: H2WatchEvent[] = [];
    let consumed = 0;
    let buf = '';
    let raw = '';
    let done = false;
    const waiters: (() => void)[] = [];
    const wake = () => {
      for (const w of waiters.splice(0)) w();
    };
    const response = new Promise<{ status: number; headers: http2.IncomingHttpHeaders }>((res, rej) => {
      req.once('response', (hs) => res({ status: Number(hs[':status']), headers: hs }));
      req.once('error', rej);
      req.once('close', () => rej(new Error('stream closed before a response')));
    });
    response.catch(() => {});
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let ev: H2WatchEvent;
        try {
          ev = JSON.parse(line);
        } catch {
          raw += line + '\n';
          continue;
        }
        events.push(ev);
        opts.onEvent?.(ev);
      }
      wake();
    });
    const ended = new Promise<void>((res) => {
      const fin = () => {
        if (buf.trim()) {
          try {
            const ev = JSON.parse(buf.trim());
            if (ev && typeof ev === 'object' && 'type' in ev) {
              events.push(ev);
              opts.onEvent?.(ev);
            } else raw += buf;
          } catch {
            raw += buf;
          }
          buf = '';
        }
        done = true;
        wake();
        res();
      };
      req.once('end', fin);
      req.once('close', fin);
      req.once('error', fin);
    });
    const waitUntil = async (check: () => H2WatchEvent | undefined, timeoutMs: number, what: string): Promise<H2WatchEvent> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = check();
        if (hit) return hit;
        if (done) throw new Error(`watch ${path} ended while waiting for ${what}; events: ${JSON.stringify(events.map((e) => e.type))} text: ${raw.slice(0, 500)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what} on watch ${path}; events so far: ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`);
        await new Promise<void>((res) => {
          const t = setTimeout(res, left);
          waiters.push(() => {
            clearTimeout(t);
            res();
          });
        });
      }
    };
    return {
      response,
      events,
      ended,
      next: (timeoutMs = 5000) => waitUntil(() => (consumed < events.length ? events[consumed++] : undefined), timeoutMs, 'the next event'),
      waitFor: (pred, timeoutMs = 5000) => waitUntil(() => events.find(pred), timeoutMs, 'a matching event'),
      text: () => raw + buf,
      close: () => {
        if (!req.closed) req.close(http2.constants.NGHTTP2_CANCEL);
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions) if (s && !s.destroyed) s.close();
    this.sessions = [];
  }

  /** Destroy the sessions at once (open streams are reset). */
  destroy(): void {
    this.closed = true;
    for (const s of this.sessions) if (s && !s.destroyed) s.destroy();
    this.sessions = [];
  }
}

// ---------------------------------------------------------------------------------------------
// What every namespace gets from kube-controller-manager (as on a real cluster): the
// ServiceAccounts controller creates the `default` ServiceAccount and the root-CA publisher the
// `kube-root-ca.crt` ConfigMap (data ca.crt: the cluster CA), a moment after the namespace.

/** Name of the ServiceAccount the ServiceAccounts controller creates in every namespace. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** Name of the ConfigMap the root-CA publisher creates in every namespace. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The annotation upstream's root-CA publisher puts on kube-root-ca.crt. */
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** Whether (kind, name) is one of the objects the controllers put in every namespace. */
export function isNamespaceDefault(kind: string, name: string): boolean {
  const k = kind.toLowerCase();
  if (k === 'configmap' || k === 'configmaps' || k === 'cm') return name === ROOT_CA_CONFIGMAP;
  if (k === 'serviceaccount' || k === 'serviceaccounts' || k === 'sa') return name === DEFAULT_SERVICE_ACCOUNT;
  return false;
}

/**
 * Wait until the controllers have populated a new namespace (its `default` ServiceAccount and
 * `kube-root-ca.crt` ConfigMap exist), as upstream's e2e framework does after creating a test
 * namespace (WaitForDefaultServiceAccountInNamespace, WaitForKubeRootCAInNamespace). Afterwards
 * a list or watch of the namespace deterministically includes them.
 */
export async function waitForNamespaceDefaults(client: string | H2Client, namespace: string, timeoutMs = 10000): Promise<void> {
  const c = typeof client === 'string' ? H2Client.fromKubeconfig(client) : client;
  const paths = [`/api/v1/namespaces/${namespace}/serviceaccounts/${DEFAULT_SERVICE_ACCOUNT}`, `/api/v1/namespaces/${namespace}/configmaps/${ROOT_CA_CONFIGMAP}`];
  const deadline = Date.now() + timeoutMs;
  try {
    for (const path of paths) {
      for (;;) {
        const r = await c.get(path);
        if (r.status === 200) break;
        if (r.status !== 404) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
        if (Date.now() > deadline) throw new Error(`namespace ${namespace}: ${path} still missing after ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  } finally {
    if (c !== client) c.close();
  }
}

/** VmRSS of a process in MB (Linux /proc), or NaN. */
export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export interface ComponentProc {
  proc: ChildProcess;
  /** stderr so far */
  logs: () => string;
  /** resolves when a stderr line matches */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** signal and wait for exit (SIGKILL after 5 s) */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawn `k8ts <component> [args]` (e.g. kube-controller-manager) as a child process. */
export function spawnK8ts(args: string[]): ComponentProc {
  const proc = spawn(process.execPath, [k8tsBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters]) if (w.re.test(text)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  proc.stderr!.on('data', onData);
  proc.stdout!.on('data', onData);
  return {
    proc,
    logs: () => text,
    waitForLog: (re, timeoutMs = 20000) =>
      new Promise<void>((resolveWait, reject) => {
        if (re.test(text)) return resolveWait();
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in logs:\n${text}`)), timeoutMs);
        waiters.push({ re, resolve: () => (clearTimeout(t), resolveWait()) });
      }),
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Poll fn until it returns a value other than undefined/false/null (errors count as not yet); throws after timeoutMs. */
export async function until<T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 30000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A non-loopback IPv4 address of this host (proxy targets and Endpoints may not be loopback, as upstream). */
export function hostIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this test needs a non-loopback IPv4 address on the host');
}

/** A TCP port free on 127.0.0.1 right now (for components given an explicit --secure-port). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
}
