// The Kubernetes-the-Hard-Way certificate set: file names and modes, ca.conf's subjects,
// SANs and usages (checked with openssl), chains, and the lab's kubeconfigs read by kubectl.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCert } from '../../../src/pki/certs.js';
import { HARDWAY_API_SERVER_DNS_NAMES, firstIPOf, generateHardWaySet, type HardWaySet } from '../../../src/pki/hardway.js';

const NODES = [
  { name: 'node-0', ip: '10.240.0.20' },
  { name: 'node-1', ip: '10.240.0.21' },
];
const NAMES = ['admin', 'node-0', 'node-1', 'kube-proxy', 'kube-scheduler', 'kube-controller-manager', 'kube-api-server', 'service-accounts'];

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const mode = (p: string) => statSync(p).mode & 0o777;
const view = (p: string) => JSON.parse(execFileSync('kubectl', ['config', 'view', `--kubeconfig=${p}`, '-o', 'json', '--raw'], { encoding: 'utf8' }));

describe('generateHardWaySet', () => {
  let dir: string;
  let set: HardWaySet;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-hardway-'));
    set = await generateHardWaySet(dir, { nodes: NODES, serviceCIDR: '10.32.0.0/24' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the lab\'s file names, keys 0600, certificates 0644, kubeconfigs 0600', () => {
    assert.equal(set.caCertPath, join(dir, 'ca.crt'));
    assert.equal(mode(join(dir, 'ca.crt')), 0o644);
    assert.equal(mode(join(dir, 'ca.key')), 0o600);
    for (const n of NAMES) {
      assert.equal(mode(join(dir, `${n}.crt`)), 0o644, n);
      assert.equal(mode(join(dir, `${n}.key`)), 0o600, n);
    }
    assert.deepEqual(set.certs.map((c) => c.name), NAMES);
    const kcs = ['node-0', 'node-1', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler', 'admin'];
    assert.deepEqual(set.kubeconfigs.map((k) => k.name), kcs);
    for (const k of kcs) assert.equal(mode(join(dir, `${k}.kubeconfig`)), 0o600, k);
  });

  test('every certificate chains to ca.crt', () => {
    const out = openssl('verify', '-CAfile', join(dir, 'ca.crt'), ...NAMES.map((n) => join(dir, `${n}.crt`)));
    assert.equal((out.match(/: OK/g) ?? []).length, NAMES.length, out);
    const ca = parseCert(readFileSync(join(dir, 'ca.crt')));
    assert.equal(ca.subject.commonName, 'CA');
    assert.ok(ca.isCA);
    const days = (ca.notAfter.getTime() - Date.now()) / 86400000;
    assert.ok(days > 3652 && days <= 3653, String(days));
  });

  test('subjects as ca.conf', () => {
    const expect: Record<string, [string, string[]]> = {
      admin: ['admin', ['system:masters']],
      'node-0': ['system:node:node-0', ['system:nodes']],
      'node-1': ['system:node:node-1', ['system:nodes']],
      'kube-proxy': ['system:kube-proxy', ['system:node-proxier']],
      'kube-scheduler': ['system:kube-scheduler', ['system:kube-scheduler']],
      'kube-controller-manager': ['system:kube-controller-manager', ['system:kube-controller-manager']],
      'kube-api-server': ['kubernetes', []],
      'service-accounts': ['service-accounts', []],
    };
    for (const [n, [cn, o]] of Object.entries(expect)) {
      const c = parseCert(readFileSync(join(dir, `${n}.crt`)));
      assert.equal(c.subject.commonName, cn, n);
      assert.deepEqual(c.subject.organizations, o, n);
      assert.equal(c.issuer.commonName, 'CA', n);
    }
    assert.match(openssl('x509', '-noout', '-subject', '-in', join(dir, 'node-0.crt')), /O = system:nodes, CN = system:node:node-0/);
  });

  test('SANs and usages (openssl -text)', () => {
    const text = (n: string) => openssl('x509', '-noout', '-text', '-in', join(dir, `${n}.crt`));
    const api = text('kube-api-server');
    assert.match(
      api,
      /DNS:kubernetes, DNS:kubernetes\.default, DNS:kubernetes\.default\.svc, DNS:kubernetes\.default\.svc\.cluster, DNS:kubernetes\.svc\.cluster\.local, DNS:server\.kubernetes\.local, DNS:api-server\.kubernetes\.local, IP Address:127\.0\.0\.1, IP Address:10\.32\.0\.1\n/,
    );
    assert.match(api, /TLS Web Client Authentication, TLS Web Server Authentication|TLS Web Server Authentication, TLS Web Client Authentication/);
    const parsed = parseCert(readFileSync(join(dir, 'kube-api-server.crt')));
    assert.deepEqual(parsed.dnsNames, HARDWAY_API_SERVER_DNS_NAMES);
    assert.deepEqual(parsed.ipAddresses, ['127.0.0.1', '10.32.0.1']);
    assert.match(text('node-0'), /DNS:node-0, IP Address:127\.0\.0\.1, IP Address:10\.240\.0\.20\n/);
    assert.match(text('node-1'), /DNS:node-1, IP Address:127\.0\.0\.1, IP Address:10\.240\.0\.21\n/);
    for (const n of ['kube-proxy', 'kube-scheduler', 'kube-controller-manager']) {
      const t = text(n);
      assert.match(t, new RegExp(`DNS:${n}, IP Address:127\\.0\\.0\\.1\\n`), n);
      assert.match(t, /TLS Web Server Authentication, TLS Web Client Authentication/, n);
    }
    for (const n of ['admin', 'service-accounts']) {
      const t = text(n);
      assert.match(t, /Extended Key Usage: *\n *TLS Web Client Authentication\n/, n);
      assert.doesNotMatch(t, /Subject Alternative Name/, n);
    }
    assert.equal(firstIPOf('10.32.0.0/24'), '10.32.0.1');
  });

  test('kubeconfigs as lab 05 writes them, read by kubectl', () => {
    const expect: Record<string, [string, string]> = {
      'node-0': ['system:node:node-0', 'https://server.kubernetes.local:6443'],
      'node-1': ['system:node:node-1', 'https://server.kubernetes.local:6443'],
      'kube-proxy': ['system:kube-proxy', 'https://server.kubernetes.local:6443'],
      'kube-controller-manager': ['system:kube-controller-manager', 'https://server.kubernetes.local:6443'],
      'kube-scheduler': ['system:kube-scheduler', 'https://server.kubernetes.local:6443'],
      admin: ['admin', 'https://127.0.0.1:6443'],
    };
    const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
    for (const [n, [user, server]] of Object.entries(expect)) {
      const cfg = view(join(dir, `${n}.kubeconfig`));
      assert.equal(cfg['current-context'], 'default', n);
      assert.deepEqual(cfg.contexts, [{ name: 'default', context: { cluster: 'kubernetes-the-hard-way', user } }], n);
      assert.equal(cfg.clusters[0].name, 'kubernetes-the-hard-way');
      assert.equal(cfg.clusters[0].cluster.server, server, n);
      assert.equal(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), caPem);
      assert.equal(cfg.users[0].name, user, n);
      const cert = Buffer.from(cfg.users[0].user['client-certificate-data'], 'base64').toString();
      assert.equal(cert, readFileSync(join(dir, `${n}.crt`), 'utf8'), n);
      const key = Buffer.from(cfg.users[0].user['client-key-data'], 'base64').toString();
      assert.equal(key, readFileSync(join(dir, `${n}.key`), 'utf8'), n);
    }
  });

  test('a rerun keeps the certificates; apiServerURL and extra SANs are honoured', async () => {
    const before = readFileSync(join(dir, 'kube-proxy.crt'), 'utf8');
    const again = await generateHardWaySet(dir, { nodes: NODES, serviceCIDR: '10.32.0.0/24', apiServerURL: 'https://10.240.0.10:6443' });
    assert.equal(readFileSync(join(dir, 'kube-proxy.crt'), 'utf8'), before);
    assert.equal(view(join(dir, 'kube-proxy.kubeconfig')).clusters[0].cluster.server, 'https://10.240.0.10:6443');
    assert.equal(again.kubeconfigs.find((k) => k.name === 'admin')!.server, 'https://127.0.0.1:6443');

    const dir2 = mkdtempSync(join(tmpdir(), 'k8ts-hardway2-'));
    try {
      await generateHardWaySet(dir2, { nodes: [{ name: 'w', ip: '192.168.0.5' }], serviceCIDR: '10.100.0.0/16', extraAPIServerSANs: ['kubernetes.default.svc.cluster.local', '10.240.0.10'] });
      const api = parseCert(readFileSync(join(dir2, 'kube-api-server.crt')));
      assert.ok(api.dnsNames.includes('kubernetes.default.svc.cluster.local'));
      assert.deepEqual(api.ipAddresses, ['127.0.0.1', '10.100.0.1', '10.240.0.10']);
      // a corrupted pair is regenerated
      writeFileSync(join(dir2, 'w.key'), readFileSync(join(dir2, 'admin.key')));
      await generateHardWaySet(dir2, { nodes: [{ name: 'w', ip: '192.168.0.5' }] });
      assert.match(openssl('verify', '-CAfile', join(dir2, 'ca.crt'), join(dir2, 'w.crt')), /OK/);
      assert.equal(parseCert(readFileSync(join(dir2, 'w.crt'))).subject.commonName, 'system:node:w');
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
