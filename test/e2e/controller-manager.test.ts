// kube-controller-manager as the Hard Way runs it: its unit file's flags as written (paths
// moved into a temp dir), a kubeconfig for CN=system:kube-controller-manager, secure serving,
// and leader election between two processes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { freePort, startServer, spawnK8ts, kubectl, until } from './harness.js';
import type { ServerProc, ComponentProc } from './harness.js';
import { issueCert } from '../../src/pki/certs.js';
import { buildKubeconfig, writeKubeconfig } from '../../src/pki/kubeconfig.js';
import { RestClient } from '../../src/client/rest.js';

function httpsGet(port: number, path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kube-controller-manager', () => {
  let srv: ServerProc;
  let dir: string;
  let client: RestClient;
  const procs: ComponentProc[] = [];

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kcm-'));
    // the Hard Way's /var/lib/kubernetes layout
    copyFileSync(join(srv.dataDir, 'pki', 'ca.crt'), join(dir, 'ca.crt'));
    copyFileSync(join(srv.dataDir, 'pki', 'ca.key'), join(dir, 'ca.key'));
    copyFileSync(join(srv.dataDir, 'pki', 'sa.key'), join(dir, 'service-accounts.key'));
    const ca = { certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
    const pair = await issueCert(ca, { commonName: 'system:kube-controller-manager', usages: ['client'], keyAlgorithm: 'ecdsa' });
    await writeKubeconfig(join(dir, 'kube-controller-manager.kubeconfig'), buildKubeconfig({ server: srv.url, caCertPem: ca.certPem, clientCertPem: pair.certPem, clientKeyPem: pair.keyPem, userName: 'system:kube-controller-manager' }));
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
  });

  after(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    client?.close();
    await srv?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const seedArgs = (port: number, extra: string[] = []) => [
    'kube-controller-manager',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--cluster-cidr=10.200.0.0/16',
    '--cluster-name=kubernetes',
    `--cluster-signing-cert-file=${dir}/ca.crt`,
    `--cluster-signing-key-file=${dir}/ca.key`,
    `--kubeconfig=${dir}/kube-controller-manager.kubeconfig`,
    `--root-ca-file=${dir}/ca.crt`,
    `--service-account-private-key-file=${dir}/service-accounts.key`,
    '--service-cluster-ip-range=10.32.0.0/24',
    '--use-service-account-credentials=true',
    '--v=2',
    ...extra,
  ];

  it('rejects a bad flag with upstream wording and a non-zero exit', async () => {
    const p = spawnK8ts(['kube-controller-manager', '--kubeconfig=/x', '--no-such-flag']);
    const code = await new Promise<number | null>((r) => p.proc.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(p.logs(), /Error: unknown flag: --no-such-flag/);
    const q = spawnK8ts(['kube-controller-manager', '--kubeconfig=/x', '--controllers=bogus']);
    assert.equal(await new Promise<number | null>((r) => q.proc.once('exit', (c) => r(c))), 1);
    assert.match(q.logs(), /"bogus" is not in the list of known controllers/);
  });

  it("runs with the Hard Way's flags, serves /healthz and /metrics, and leads through a Lease", async () => {
    const port = await freePort();
    const p = spawnK8ts(seedArgs(port, ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms']));
    procs.push(p);
    await p.waitForLog(/successfully acquired lease kube-system\/kube-controller-manager/);
    const health = await until(() => httpsGet(port, '/healthz').then((r) => (r.code === 200 ? r : undefined)), '/healthz');
    assert.equal(health.body, 'ok');
    const metrics = await httpsGet(port, '/metrics');
    assert.equal(metrics.code, 200);
    assert.match(metrics.body, /leader_election_master_status\{name="kube-controller-manager"\} 1/);
    const lease = await kubectl(srv.kubeconfig, ['get', 'lease', '-n', 'kube-system', 'kube-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}']);
    assert.equal(lease.code, 0, lease.stderr);
    assert.match(lease.stdout, /_[0-9a-f-]{36}$/);
  });

  it('a second instance takes over within the lease duration when the leader is SIGKILLed', async () => {
    const first = procs[0]!;
    const leaseOf = async () => (await client.get<{ spec?: { holderIdentity?: string; leaseTransitions?: number } }>({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system', name: 'kube-controller-manager' })).spec!;
    const before = await leaseOf();
    const second = spawnK8ts(seedArgs(await freePort(), ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms']));
    procs.push(second);
    await second.waitForLog(/attempting to acquire leader lease/);
    assert.equal((await leaseOf()).holderIdentity, before.holderIdentity, 'the first instance still leads');
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    await second.waitForLog(/successfully acquired lease kube-system\/kube-controller-manager/, 20000);
    const after = await leaseOf();
    assert.notEqual(after.holderIdentity, before.holderIdentity);
    assert.equal(after.leaseTransitions, (before.leaseTransitions ?? 0) + 1);
    // took over after the old lease expired, not before it (4 s lease from its last renewal)
    assert.ok(Date.now() - killedAt < 20000);
  });
});
