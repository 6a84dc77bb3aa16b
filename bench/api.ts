// API server benchmarks: `k8ts server` runs as a child process (its own data dir, on a free
// port) and this process drives it over HTTP/2 with the admin client certificate: 32 requests
// in flight over a pool of 2 sessions (BENCH_API_SESSIONS). The client side is kept cheap so
// that the figures are the server's (client and server share the machine's cores): request
// bodies are serialised before the timed phases, responses are checked by status without
// parsing, and watch events are recognised by scanning the bytes of each line (every line is
// parsed and checked after the timed rounds).
//
//   - pod creates/s and create latency p50/p99 (20k pods of ~1 KB JSON)
//   - pod gets/s and get latency p50/p99
//   - list 10,000 pods: one plain list (served from the watch cache) and kubectl-style
//     paging with limit=500
//   - watch fan-out: 1,000 pod watches in one namespace, one create, per-watcher delivery
//     latency p50/p99 (measured from sending the create)
//   - server RSS with 10k and with 100k pods stored
//   - startup until `kubectl get ns` succeeds: on a fresh dir and on the dir with 100k pods
//
// Progress goes to stderr. Sizes can be scaled down for a quick run with BENCH_API_SCALE=0.1.
// The child and the temp dir are removed at the end (also on failure).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H2Client, KUBECTL, kubectl, kubectlAvailable, rssMB, startServer, type ServerProc } from '../test/e2e/harness.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const SCALE = Number(process.env.BENCH_API_SCALE ?? '1') || 1;
const CREATE_N = Math.round(20_000 * SCALE);
const LIST_N = Math.round(10_000 * SCALE);
const TOTAL_N = Math.round(100_000 * SCALE);
const GET_N = Math.round(20_000 * SCALE);
const WATCHERS = Math.max(10, Math.round(1000 * Math.min(1, SCALE * 10)));
const SESSIONS = Math.max(1, Number(process.env.BENCH_API_SESSIONS ?? '2') || 2);
const CONCURRENCY = 32;
const FILL_CONCURRENCY = 64;
/** The fill phase to TOTAL_N stops early after this long (the row then says how many). */
const FILL_BUDGET_MS = Number(process.env.BENCH_API_FILL_BUDGET_MS ?? 150_000);

function log(msg: string): void {
  process.stderr.write(`  [api] ${msg}\n`);
}

/** CPU seconds (user+system) used so far by a process (Linux /proc), or NaN. */
export function cpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far by one thread of a process (the main thread: tid === pid), or NaN. */
export function threadCpuSeconds(pid: number, tid: number): number {
  return cpuSeconds(`${pid}/task/${tid}`);
}

/** Log the CPU both processes used during a phase (to tell a busy server from a busy client). */
export function cpuMeter(pid: number) {
  const s0 = cpuSeconds(pid);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return (phase: string) => {
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const srvCpu = cpuSeconds(pid) - s0;
    const cliCpu = (c.user + c.system) / 1e6;
    log(`${phase}: ${wall.toFixed(1)} s wall; server CPU ${((srvCpu / wall) * 100).toFixed(0)}%, bench client CPU ${((cliCpu / wall) * 100).toFixed(0)}%`);
  };
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs as ArrayLike<number>).sort();
}

function median(xs: number[]): number {
  return percentile(sortedCopy(xs), 0.5);
}

/** A realistic pod (~1 KB of JSON as sent; the server adds defaults). */
function pod(ns: string, name: string, i: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: { app: 'bench-web', tier: 'frontend', shard: String(i % 16), 'pod-template-hash': '5d8f7c9b6' },
      annotations: { 'kubernetes.io/description': 'k8ts API benchmark pod', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'registry.k8s.io/nginx-slim:0.27',
          imagePullPolicy: 'IfNotPresent',
          args: ['--listen=:8080', '--metrics=:9090'],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env: [
            { name: 'MODE', value: 'bench' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, timeoutSeconds: 1 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
    },
  };
}

/**
 * The JSON text of pod(ns, name, i), built from pre-serialised pieces (the client's cost per
 * request is then a few string concatenations, not a JSON.stringify of the object).
 */
export function podBodyTemplate(ns: string): (name: string, i: number) => Buffer {
  const NAME = '@@NAME@@';
  const SHARD = '@@SHARD@@';
  const text = JSON.stringify(pod(ns, NAME, 0)).replace('"shard":"0"', `"shard":"${SHARD}"`);
  const [a, rest] = text.split(NAME);
  const [b, c] = rest.split(SHARD);
  if (a === undefined || b === undefined || c === undefined || text.split(NAME).length !== 2 || rest.split(SHARD).length !== 2) throw new Error('pod template: unexpected JSON layout');
  const body = (name: string, i: number) => Buffer.from(`${a}${name}${b}${i % 16}${c}`);
  const check = JSON.stringify(pod(ns, 'pod-000123', 123));
  if (body('pod-000123', 123).toString() !== check) throw new Error('pod template does not reproduce pod()');
  return body;
}

export function podName(i: number): string {
  return `pod-${String(i).padStart(6, '0')}`;
}

/**
 * One request on a session with a pre-serialised body: resolves with the status (the body is
 * read only for an error message).
 */
export function send(session: http2.ClientHttp2Session, method: string, path: string, body?: Buffer, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': path, accept: 'application/json' };
    if (body) {
      headers['content-type'] = contentType;
      headers['content-length'] = body.length;
    }
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(headers, { endStream: !body });
    } catch (e) {
      reject(e);
      return;
    }
    let status = 0;
    let chunks: Buffer[] | undefined;
    req.on('response', (h) => {
      status = Number(h[':status']);
      if (status >= 300) chunks = [];
    });
    req.on('data', (c: Buffer) => chunks?.push(c));
    req.on('end', () => resolve({ status, body: chunks ? Buffer.concat(chunks).toString('utf8') : '' }));
    req.on('error', reject);
    if (body) req.end(body);
  });
}

/** A GET whose body is kept as the chunks received (joined and parsed by the caller, untimed). */
function getRaw(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'GET', ':path': path, accept: 'application/json' }, { endStream: true });
    let status = 0;
    const chunks: Buffer[] = [];
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ status, chunks }));
    req.on('error', reject);
  });
}

/** metadata of a JSON list from the head of its body (everything before the items). */
function listMetaFromHead(chunks: Buffer[]): { continue?: string } {
  const marker = Buffer.from('"items":[');
  let head = chunks[0] ?? Buffer.alloc(0);
  for (let i = 1; head.indexOf(marker) < 0 && i < chunks.length; i++) head = Buffer.concat([head, chunks[i]]);
  const at = head.indexOf(marker);
  if (at < 0) throw new Error(`not a JSON list: ${head.subarray(0, 200).toString()}`);
  return JSON.parse(head.toString('utf8', 0, at) + '"items":[]}').metadata ?? {};
}

/** Run fn(0..total-1) with `concurrency` in flight; returns each call's latency in ms. */
export async function runPool(total: number, concurrency: number, fn: (i: number) => Promise<void>, progress?: string): Promise<{ lat: Float64Array; ms: number }> {
  const lat = new Float64Array(total);
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.round(total / 5));
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        await fn(i);
        lat[i] = performance.now() - t;
        if (progress && ++done % step === 0) log(`${progress}: ${done}/${total}`);
      }
    }),
  );
  return { lat, ms: performance.now() - t0 };
}

export async function createPods(c: H2Client, ns: string, from: number, to: number, concurrency: number, progress: string, budgetMs = Infinity, preserialise = true) {
  let created = 0;
  const deadline = performance.now() + budgetMs;
  let stopAt = to;
  const template = podBodyTemplate(ns);
  // the measured phases send bodies serialised beforehand; the long fill builds each one as it goes
  const bodies = preserialise ? Array.from({ length: to - from }, (_, k) => template(podName(from + k), from + k)) : undefined;
  const path = `/api/v1/namespaces/${ns}/pods`;
  const r = await runPool(
    to - from,
    concurrency,
    async (k) => {
      const i = from + k;
      if (i >= stopAt) return;
      if (performance.now() > deadline) {
        stopAt = Math.min(stopAt, i);
        return;
      }
      const body = bodies ? bodies[k] : template(podName(i), i);
      const res = await send(c.session(k % c.size), 'POST', path, body);
      if (res.status !== 201) throw new Error(`create ${podName(i)}: ${res.status} ${res.body.slice(0, 300)}`);
      created++;
    },
    progress,
  );
  return { ...r, created };
}

/** Spawn `k8ts server` on dataDir and time until `kubectl get ns` succeeds. */
async function timeStartup(dataDir: string, cacheDir: string): Promise<{ srv: ServerProc; ms: number }> {
  const t0 = performance.now();
  const srv = await startServer({ dataDir, timeoutMs: 120_000 });
  const useKubectl = kubectlAvailable();
  for (;;) {
    if (useKubectl) {
      const r = await kubectl(srv.kubeconfig, [`--cache-dir=${cacheDir}`, 'get', 'ns']);
      if (r.code === 0 && r.stdout.includes('kube-system')) break;
    } else {
      const c = H2Client.fromKubeconfig(srv.kubeconfig);
      const r = await c.get('/api/v1/namespaces').catch(() => undefined);
      c.destroy();
      if (r?.status === 200) break;
    }
    if (performance.now() - t0 > 120_000) throw new Error('server did not answer `kubectl get ns` within 120 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { srv, ms: performance.now() - t0 };
}

/**
 * A watch whose lines are recognised without parsing: each complete line that starts like an
 * ADDED pod event hands its metadata.name (read from the bytes) to onAdded with the arrival
 * time of the chunk; every such line is kept for checking after the timed rounds.
 */
function rawWatch(session: http2.ClientHttp2Session, path: string, onAdded: (name: string, at: number) => void) {
  const req = session.request({ ':method': 'GET', ':path': path, accept: 'application/json' });
  const response = new Promise<number>((res, rej) => {
    req.once('response', (h) => res(Number(h[':status'])));
    req.once('error', rej);
    req.once('close', () => rej(new Error('watch closed before a response')));
  });
  response.catch(() => {});
  const head = Buffer.from('{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{');
  const nameKey = Buffer.from('"name":"');
  const lines: Buffer[] = [];
  let rest: Buffer | undefined;
  req.on('data', (chunk: Buffer) => {
    const at = performance.now();
    if (rest) {
      chunk = Buffer.concat([rest, chunk]);
      rest = undefined;
    }
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(10, start)) >= 0) {
      if (chunk.compare(head, 0, head.length, start, Math.min(nl, start + head.length)) === 0) {
        const line = chunk.subarray(start, nl);
        lines.push(line);
        const n = line.indexOf(nameKey);
        const e = n >= 0 ? line.indexOf(34, n + nameKey.length) : -1;
        if (e > 0) onAdded(line.toString('latin1', n + nameKey.length, e), at);
      }
      start = nl + 1;
    }
    if (start < chunk.length) rest = chunk.subarray(start);
  });
  req.on('error', () => {});
  return {
    response,
    lines,
    close: () => {
      if (!req.closed) req.close();
    },
  };
}

async function watchFanout(srv: ServerProc, rows: Row[]): Promise<void> {
  const ns = 'fanout';
  const sessions = Math.max(1, Math.ceil(WATCHERS / 250));
  const wc = H2Client.fromKubeconfig(srv.kubeconfig, sessions);
  const c = H2Client.fromKubeconfig(srv.kubeconfig);
  try {
    await wc.ready();
    await c.ready();
    const nsRes = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (nsRes.status !== 201) throw new Error(`create namespace ${ns}: ${nsRes.status} ${nsRes.body}`);
    const rv = (await c.get(`/api/v1/namespaces/${ns}/pods`)).json().metadata.resourceVersion;
    log(`opening ${WATCHERS} watches over ${sessions} HTTP/2 sessions`);
    const ROUNDS = 5;
    const arrivals = new Map<string, Float64Array>();
    const names: string[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      names.push(`fan-${r}`);
      arrivals.set(`fan-${r}`, new Float64Array(WATCHERS).fill(NaN));
    }
    let duplicates = 0;
    const streams = [];
    for (let w = 0; w < WATCHERS; w++) {
      const idx = w;
      streams.push(
        rawWatch(wc.session(w % sessions), `/api/v1/namespaces/${ns}/pods?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, (name, at) => {
          const a = arrivals.get(name);
          if (!a) return;
          if (Number.isNaN(a[idx])) a[idx] = at;
          else duplicates++;
        }),
      );
    }
    const statuses = await Promise.all(streams.map((s) => s.response.catch(() => 0)));
    const ok = statuses.filter((s) => s === 200).length;
    if (ok !== WATCHERS) throw new Error(`${WATCHERS - ok} of ${WATCHERS} watches were not accepted (statuses: ${[...new Set(statuses)]})`);
    await new Promise((r) => setTimeout(r, 300)); // every watcher registered server-side
    const bodies = podBodyTemplate(ns);
    const created = names.map((name, r) => bodies(name, r));
    const lat: number[] = [];
    let missed = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const name = names[r];
      const t0 = performance.now();
      const res = await send(c.session(0), 'POST', `/api/v1/namespaces/${ns}/pods`, created[r]);
      if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${res.body.slice(0, 300)}`);
      const a = arrivals.get(name)!;
      const until = performance.now() + 10_000;
      while (a.some((x) => Number.isNaN(x)) && performance.now() < until) await new Promise((r) => setTimeout(r, 2));
      for (const x of a) {
        if (Number.isNaN(x)) missed++;
        else lat.push(x - t0);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // what was timed by its bytes must be the right event: parse and check every line now
    let bad = 0;
    for (const st of streams) {
      const seen = new Set<string>();
      for (const line of st.lines) {
        try {
          const e = JSON.parse(line.toString('utf8'));
          const name = e?.object?.metadata?.name;
          if (e.type !== 'ADDED' || e.object.kind !== 'Pod' || e.object.metadata.namespace !== ns || !arrivals.has(name) || seen.has(name)) bad++;
          seen.add(name);
        } catch {
          bad++;
        }
      }
    }
    if (missed) log(`WARNING: ${missed} deliveries did not arrive within 10 s`);
    if (duplicates || bad) log(`WARNING: ${duplicates} duplicate deliveries, ${bad} lines that are not the expected ADDED events`);
    const s = sortedCopy(lat);
    log(`fan-out: ${lat.length} deliveries, p50 ${percentile(s, 0.5).toFixed(1)} ms, p99 ${percentile(s, 0.99).toFixed(1)} ms`);
    rows.push({ name: `watch fan-out to ${WATCHERS} watchers p50`, value: percentile(s, 0.5), unit: 'ms' });
    rows.push({ name: `watch fan-out to ${WATCHERS} watchers p99`, value: percentile(s, 0.99), unit: 'ms', target: '< 50' });
    if (missed) rows.push({ name: 'watch fan-out: deliveries missing after 10 s', value: missed, unit: 'events', target: '0' });
    if (duplicates || bad) rows.push({ name: 'watch fan-out: duplicate or malformed deliveries', value: duplicates + bad, unit: 'events', target: '0' });
    for (const st of streams) st.close();
  } finally {
    wc.destroy();
    c.destroy();
  }
}

export async function run(): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-bench-api-'));
  const rows: Row[] = [];
  let srv: ServerProc | undefined;
  let c: H2Client | undefined;
  try {
    const dataDir = join(root, 'data');
    const cacheDir = join(root, 'kubectl-cache');
    if (!kubectlAvailable()) log(`kubectl not found at ${KUBECTL}: startup is timed until GET /api/v1/namespaces answers`);

    // ---- startup on a fresh dir (CA, certificates, bootstrap objects)
    log('starting k8ts server on a fresh data dir');
    let st = await timeStartup(dataDir, cacheDir);
    srv = st.srv;
    rows.push({ name: 'startup, fresh data dir (until kubectl get ns)', value: st.ms, unit: 'ms' });
    log(`fresh startup: ${st.ms.toFixed(0)} ms (server pid ${srv.proc.pid})`);

    c = H2Client.fromKubeconfig(srv.kubeconfig, SESSIONS);
    await c.ready();
    const ns = 'bench';
    const nsRes = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (nsRes.status !== 201) throw new Error(`create namespace: ${nsRes.status} ${nsRes.body}`);
    log(`pod JSON size: ${JSON.stringify(pod(ns, 'pod-000000', 0)).length} bytes`);

    // ---- creates (measured): LIST_N pods into the list namespace, RSS at that size, then the
    // rest of CREATE_N into the main namespace
    const listNs = 'list10k';
    const lnRes = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: listNs } });
    if (lnRes.status !== 201) throw new Error(`create namespace: ${lnRes.status} ${lnRes.body}`);
    log(`creating ${CREATE_N} pods with ${CONCURRENCY} in flight over ${SESSIONS} sessions (${LIST_N} in ${listNs}, the rest in ${ns})`);
    let meter = cpuMeter(srv.proc.pid!);
    const cr1 = await createPods(c, listNs, 0, LIST_N, CONCURRENCY, `create (${listNs})`);
    rows.push({ name: `server RSS with ${LIST_N} pods`, value: rssMB(srv.proc.pid!), unit: 'MB' });
    const cr2 = await createPods(c, ns, LIST_N, CREATE_N, CONCURRENCY, `create (${ns})`);
    meter('creates');
    const crMs = cr1.ms + cr2.ms;
    const crs = sortedCopy([...cr1.lat, ...cr2.lat]);
    rows.push({ name: `pod create (${CONCURRENCY} concurrent)`, value: (CREATE_N / crMs) * 1000, unit: 'ops/s', target: '>= 2000' });
    rows.push({ name: 'pod create latency p50', value: percentile(crs, 0.5), unit: 'ms' });
    rows.push({ name: 'pod create latency p99', value: percentile(crs, 0.99), unit: 'ms', target: '< 50' });
    log(`creates: ${((CREATE_N / crMs) * 1000).toFixed(0)}/s, p50 ${percentile(crs, 0.5).toFixed(2)} ms, p99 ${percentile(crs, 0.99).toFixed(2)} ms`);

    // ---- gets
    log(`getting ${GET_N} pods (spread over ${listNs}) with ${CONCURRENCY} in flight`);
    meter = cpuMeter(srv.proc.pid!);
    const getPaths = Array.from({ length: GET_N }, (_, i) => `/api/v1/namespaces/${listNs}/pods/${podName((i * 7919) % LIST_N)}`);
    const gr = await runPool(GET_N, CONCURRENCY, async (i) => {
      const res = await send(c!.session(i % c!.size), 'GET', getPaths[i]);
      if (res.status !== 200) throw new Error(`get: ${res.status} ${res.body.slice(0, 200)}`);
    });
    meter('gets');
    const grs = sortedCopy(gr.lat);
    rows.push({ name: `pod get (${CONCURRENCY} concurrent)`, value: (GET_N / gr.ms) * 1000, unit: 'ops/s' });
    rows.push({ name: 'pod get latency p50', value: percentile(grs, 0.5), unit: 'ms' });
    rows.push({ name: 'pod get latency p99', value: percentile(grs, 0.99), unit: 'ms' });

    // ---- list the LIST_N pods of the list namespace
    const plain: number[] = [];
    let bytes = 0;
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      const res = await getRaw(c.session(0), `/api/v1/namespaces/${listNs}/pods`);
      plain.push(performance.now() - t); // until the whole body is received (joining and parsing excluded)
      const body = Buffer.concat(res.chunks);
      const items = res.status === 200 ? JSON.parse(body.toString('utf8')).items.length : -1;
      bytes = body.length;
      if (items !== LIST_N) throw new Error(`list returned ${items} items (status ${res.status}), expected ${LIST_N}`);
    }
    rows.push({ name: `list ${LIST_N} pods (no limit, watch cache)`, value: median(plain), unit: 'ms', target: '< 300' });
    log(`plain list: median ${median(plain).toFixed(1)} ms of ${plain.map((x) => x.toFixed(0)).join(', ')} (${(bytes / 1e6).toFixed(1)} MB)`);
    const paged: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      let cont = '';
      const pages: Buffer[][] = [];
      for (;;) {
        const res = await getRaw(c.session(0), `/api/v1/namespaces/${listNs}/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        if (res.status !== 200) throw new Error(`paged list: ${res.status} ${Buffer.concat(res.chunks).toString().slice(0, 200)}`);
        pages.push(res.chunks);
        // the next page needs only the continue token: read it from the head of the body
        cont = listMetaFromHead(res.chunks).continue ?? '';
        if (!cont) break;
      }
      paged.push(performance.now() - t);
      let n = 0;
      for (const p of pages) n += JSON.parse(Buffer.concat(p).toString('utf8')).items.length;
      if (n !== LIST_N) throw new Error(`paged list returned ${n} items, expected ${LIST_N}`);
    }
    rows.push({ name: `list ${LIST_N} pods (limit=500 pages)`, value: median(paged), unit: 'ms', target: '< 300' });
    log(`paged list: median ${median(paged).toFixed(1)} ms`);

    // ---- watch fan-out
    await watchFanout(srv, rows);

    // ---- fill to TOTAL_N
    const fillFrom = CREATE_N;
    const fillTo = TOTAL_N;
    let total = CREATE_N + 5;
    if (fillTo > fillFrom) {
      log(`creating ${fillTo - fillFrom} more pods with ${FILL_CONCURRENCY} in flight (budget ${FILL_BUDGET_MS / 1000} s)`);
      meter = cpuMeter(srv.proc.pid!);
      const fr = await createPods(c, ns, fillFrom, fillTo, FILL_CONCURRENCY, 'fill', FILL_BUDGET_MS, false);
      meter('fill');
      total += fr.created;
      rows.push({ name: `pod create, bulk fill (${FILL_CONCURRENCY} concurrent)`, value: (fr.created / fr.ms) * 1000, unit: 'ops/s' });
      log(`fill: ${fr.created} pods in ${(fr.ms / 1000).toFixed(1)} s`);
    }
    rows.push({ name: `server RSS with ${total} pods`, value: rssMB(srv.proc.pid!), unit: 'MB' });

    // ---- restart on the full dir
    c.destroy();
    c = undefined;
    log('restarting on the existing data dir');
    await srv.stop();
    srv = undefined;
    st = await timeStartup(dataDir, cacheDir);
    srv = st.srv;
    rows.push({ name: `startup, existing dir with ${total} pods (until kubectl get ns)`, value: st.ms, unit: 'ms', target: '< 1000' });
    log(`restart: ${st.ms.toFixed(0)} ms`);
    c = H2Client.fromKubeconfig(srv.kubeconfig);
    await c.ready();
    const t = performance.now();
    const first = await getRaw(c.session(0), `/api/v1/namespaces/${listNs}/pods`);
    const firstMs = performance.now() - t;
    if (first.status !== 200 || JSON.parse(Buffer.concat(first.chunks).toString('utf8')).items.length !== LIST_N) throw new Error(`first pod list after restart: ${first.status}`);
    rows.push({ name: `first list of ${LIST_N} pods after restart (cache load)`, value: firstMs, unit: 'ms' });
    rows.push({ name: `server RSS after restart with ${total} pods`, value: rssMB(srv.proc.pid!), unit: 'MB' });
    return rows;
  } finally {
    c?.destroy();
    if (srv) await srv.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
