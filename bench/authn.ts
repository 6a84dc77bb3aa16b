// Authenticated request overhead: `get pod` throughput and latency against `k8ts server`
// (Node,RBAC, admission on) for three callers — the admin certificate (system:masters: no RBAC
// evaluation, the baseline), a certificate user bound to `view` (x509 + RBAC), and a
// ServiceAccount token bound to `view` (JWT verification, cached, + RBAC).

import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCreds, startServer } from '../test/e2e/harness.js';
import { issueCert } from '../src/pki/certs.js';

interface Row { name: string; value: number; unit: string; target?: string }

function request(s: http2.ClientHttp2Session, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = s.request({ ':method': method, ':path': path, 'content-type': 'application/json', ...headers });
    let data = '';
    let status = 0;
    r.on('response', (h) => (status = Number(h[':status'])));
    r.setEncoding('utf8');
    r.on('data', (d) => (data += d));
    r.on('end', () => resolve({ status, body: data }));
    r.on('error', reject);
    r.end(body);
  });
}

async function measure(sessions: http2.ClientHttp2Session[], path: string, headers: Record<string, string>, n: number, concurrency: number): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      const r = await request(sessions[i % sessions.length], 'GET', path, headers);
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 200)}`);
      lat.push(performance.now() - t);
    }
  }));
  const dt = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rps: n / dt, p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)] };
}

export async function run(): Promise<Row[]> {
  const srv = await startServer();
  const rows: Row[] = [];
  const open: http2.ClientHttp2Session[] = [];
  try {
    const creds = loadCreds(srv.kubeconfig);
    const connect = (cert?: Buffer, key?: Buffer) => {
      const s = http2.connect(creds.server, { ca: creds.ca, cert, key });
      open.push(s);
      return s;
    };
    const admin = [connect(creds.cert, creds.key), connect(creds.cert, creds.key)];
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bench' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const mk = async (path: string, body: string) => {
      const r = await request(admin[0], 'POST', path, {}, body);
      if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${r.body.slice(0, 300)}`);
      return JSON.parse(r.body);
    };
    await mk('/api/v1/namespaces/default/pods', pod);
    await mk('/api/v1/namespaces/default/serviceaccounts', JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bench' } }));
    for (const subject of [{ kind: 'User', name: 'bench-user' }, { kind: 'ServiceAccount', name: 'bench', namespace: 'default' }]) {
      await mk('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `view-${subject.name}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [subject],
      }));
    }
    const tr = await mk('/api/v1/namespaces/default/serviceaccounts/bench/token', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
    const token = tr.status.token as string;
    const ca = { certPem: readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8'), keyPem: readFileSync(join(srv.dataDir, 'pki', 'ca.key'), 'utf8') };
    const user = await issueCert(ca, { commonName: 'bench-user', usages: ['client'], keyAlgorithm: 'ecdsa' });
    const userSessions = [connect(Buffer.from(user.certPem), Buffer.from(user.keyPem)), connect(Buffer.from(user.certPem), Buffer.from(user.keyPem))];
    const tokenSessions = [connect(), connect()];
    const path = '/api/v1/namespaces/default/pods/bench';
    const n = Number(process.env.BENCH_AUTHN_N ?? 5000);
    const c = 32;
    // warm-up
    await measure(admin, path, {}, 500, c);
    await measure(userSessions, path, {}, 500, c);
    await measure(tokenSessions, path, { authorization: `Bearer ${token}` }, 500, c);
    const base = await measure(admin, path, {}, n, c);
    const x509 = await measure(userSessions, path, {}, n, c);
    const sa = await measure(tokenSessions, path, { authorization: `Bearer ${token}` }, n, c);
    rows.push(
      { name: 'get pod, admin cert (system:masters, no RBAC)', value: base.rps, unit: 'req/s' },
      { name: 'get pod p99, admin cert', value: base.p99, unit: 'ms' },
      { name: 'get pod, x509 user + RBAC', value: x509.rps, unit: 'req/s' },
      { name: 'get pod p99, x509 user + RBAC', value: x509.p99, unit: 'ms', target: `< ${(base.p99 * 1.2).toFixed(1)} (+20%)` },
      { name: 'get pod, ServiceAccount token + RBAC', value: sa.rps, unit: 'req/s' },
      { name: 'get pod p99, ServiceAccount token + RBAC', value: sa.p99, unit: 'ms', target: `< ${(base.p99 * 1.2).toFixed(1)} (+20%)` },
    );
  } finally {
    for (const s of open) s.close();
    await srv.destroy();
  }
  return rows;
}
