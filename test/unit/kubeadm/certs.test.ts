// `kubeadm init phase certs`: the files of /etc/kubernetes/pki with kubeadm's modes, subjects,
// SANs, usages and validity; chains verified by openssl; upstream's output lines on the first
// run and the "Using existing" lines on a rerun; single phases and their failures.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCert, parseCert } from '../../../src/pki/certs.js';
import { CERT_PHASES, initCerts } from '../../../src/kubeadm/certs.js';
import { kubeadm, lines, mode, openssl, x509Text } from './util.js';

const DAY = 24 * 3600 * 1000;
const FLAGS = ['--apiserver-advertise-address=192.168.10.10', '--node-name=cp-1', '--service-cidr=10.96.0.0/12', '--apiserver-cert-extra-sans=api.example.com,10.0.0.5', '--control-plane-endpoint=lb.example.com:6443'];

describe('kubeadm init phase certs all', () => {
  let root: string;
  let pki: string;
  let first: Awaited<ReturnType<typeof kubeadm>>;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-kubeadm-certs-'));
    pki = join(root, 'pki');
    first = await kubeadm('init', 'phase', 'certs', 'all', `--cert-dir=${pki}`, ...FLAGS);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('prints upstream lines in upstream order', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(lines(first.stdout), [
      `[certs] Using certificateDir folder "${pki}"`,
      '[certs] Generating "ca" certificate and key',
      '[certs] Generating "apiserver" certificate and key',
      '[certs] apiserver serving cert is signed for DNS names [api.example.com cp-1 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local lb.example.com] and IPs [10.96.0.1 192.168.10.10 10.0.0.5]',
      '[certs] Generating "apiserver-kubelet-client" certificate and key',
      '[certs] Generating "front-proxy-ca" certificate and key',
      '[certs] Generating "front-proxy-client" certificate and key',
      '[certs] Generating "etcd/ca" certificate and key',
      '[certs] Generating "etcd/server" certificate and key',
      '[certs] etcd/server serving cert is signed for DNS names [cp-1 localhost] and IPs [192.168.10.10 127.0.0.1 ::1]',
      '[certs] Generating "etcd/peer" certificate and key',
      '[certs] etcd/peer serving cert is signed for DNS names [cp-1 localhost] and IPs [192.168.10.10 127.0.0.1 ::1]',
      '[certs] Generating "etcd/healthcheck-client" certificate and key',
      '[certs] Generating "apiserver-etcd-client" certificate and key',
      '[certs] Generating "sa" key and public key',
    ]);
    assert.equal(first.stderr, '');
  });

  test('every file exists with kubeadm modes (keys and sa.pub 0600, certificates 0644)', () => {
    const bases = ['ca', 'apiserver', 'apiserver-kubelet-client', 'front-proxy-ca', 'front-proxy-client', 'etcd/ca', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client'];
    for (const b of bases) {
      assert.equal(mode(join(pki, `${b}.crt`)), 0o644, `${b}.crt`);
      assert.equal(mode(join(pki, `${b}.key`)), 0o600, `${b}.key`);
    }
    assert.equal(mode(join(pki, 'sa.key')), 0o600);
    assert.equal(mode(join(pki, 'sa.pub')), 0o600);
    assert.match(readFileSync(join(pki, 'sa.key'), 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(readFileSync(join(pki, 'sa.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    assert.equal(mode(join(pki, 'etcd')), 0o755);
  });

  test('openssl verifies each chain against its own CA only', () => {
    const v = (ca: string, ...certs: string[]) => openssl('verify', '-CAfile', join(pki, ca), ...certs.map((c) => join(pki, c)));
    const out = v('ca.crt', 'apiserver.crt', 'apiserver-kubelet-client.crt');
    assert.match(out, /apiserver\.crt: OK/);
    assert.match(out, /apiserver-kubelet-client\.crt: OK/);
    const etcd = v('etcd/ca.crt', 'etcd/server.crt', 'etcd/peer.crt', 'etcd/healthcheck-client.crt', 'apiserver-etcd-client.crt');
    assert.equal((etcd.match(/: OK/g) ?? []).length, 4, etcd);
    assert.match(v('front-proxy-ca.crt', 'front-proxy-client.crt'), /front-proxy-client\.crt: OK/);
    assert.throws(() => v('ca.crt', 'front-proxy-client.crt'));
    assert.throws(() => v('ca.crt', 'etcd/server.crt'));
  });

  test('subjects and validity match kubeadm 1.32', () => {
    const expect: Record<string, { cn: string; o: string[]; ca: boolean; issuer: string }> = {
      ca: { cn: 'kubernetes', o: [], ca: true, issuer: 'kubernetes' },
      apiserver: { cn: 'kube-apiserver', o: [], ca: false, issuer: 'kubernetes' },
      'apiserver-kubelet-client': { cn: 'kube-apiserver-kubelet-client', o: ['kubeadm:cluster-admins'], ca: false, issuer: 'kubernetes' },
      'front-proxy-ca': { cn: 'front-proxy-ca', o: [], ca: true, issuer: 'front-proxy-ca' },
      'front-proxy-client': { cn: 'front-proxy-client', o: [], ca: false, issuer: 'front-proxy-ca' },
      'etcd/ca': { cn: 'etcd-ca', o: [], ca: true, issuer: 'etcd-ca' },
      'etcd/server': { cn: 'cp-1', o: [], ca: false, issuer: 'etcd-ca' },
      'etcd/peer': { cn: 'cp-1', o: [], ca: false, issuer: 'etcd-ca' },
      'etcd/healthcheck-client': { cn: 'kube-etcd-healthcheck-client', o: [], ca: false, issuer: 'etcd-ca' },
      'apiserver-etcd-client': { cn: 'kube-apiserver-etcd-client', o: [], ca: false, issuer: 'etcd-ca' },
    };
    for (const [base, e] of Object.entries(expect)) {
      const c = parseCert(readFileSync(join(pki, `${base}.crt`)));
      assert.equal(c.subject.commonName, e.cn, base);
      assert.deepEqual(c.subject.organizations, e.o, base);
      assert.equal(c.isCA, e.ca, base);
      assert.equal(c.issuer.commonName, e.issuer, base);
      const days = (c.notAfter.getTime() - Date.now()) / DAY;
      if (e.ca) assert.ok(days > 3649 && days <= 3650, `${base}: ${days} days`);
      else assert.ok(days > 364 && days <= 365, `${base}: ${days} days`);
    }
    assert.match(openssl('x509', '-noout', '-subject', '-in', join(pki, 'apiserver-kubelet-client.crt')), /O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client/);
  });

  test('openssl shows the SANs and usages', () => {
    const api = x509Text(join(pki, 'apiserver.crt'));
    assert.match(api, /DNS:api\.example\.com, DNS:cp-1, DNS:kubernetes, DNS:kubernetes\.default, DNS:kubernetes\.default\.svc, DNS:kubernetes\.default\.svc\.cluster\.local, DNS:lb\.example\.com, IP Address:10\.96\.0\.1, IP Address:192\.168\.10\.10, IP Address:10\.0\.0\.5/);
    assert.match(api, /Extended Key Usage: *\n *TLS Web Server Authentication\n/);
    assert.match(api, /Key Usage: critical\n *Digital Signature, Key Encipherment\n/);
    assert.match(api, /CA:FALSE/);
    for (const base of ['etcd/server', 'etcd/peer']) {
      const t = x509Text(join(pki, `${base}.crt`));
      assert.match(t, /DNS:cp-1, DNS:localhost, IP Address:192\.168\.10\.10, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/, base);
      assert.match(t, /TLS Web Server Authentication, TLS Web Client Authentication/, base);
    }
    for (const base of ['apiserver-kubelet-client', 'front-proxy-client', 'etcd/healthcheck-client', 'apiserver-etcd-client']) {
      const t = x509Text(join(pki, `${base}.crt`));
      assert.match(t, /Extended Key Usage: *\n *TLS Web Client Authentication\n/, base);
      assert.doesNotMatch(t, /Subject Alternative Name/, base);
    }
    for (const [base, cn] of [['ca', 'kubernetes'], ['front-proxy-ca', 'front-proxy-ca'], ['etcd/ca', 'etcd-ca']]) {
      const t = x509Text(join(pki, `${base}.crt`));
      assert.match(t, /CA:TRUE/, base);
      assert.match(t, /Digital Signature, Key Encipherment, Certificate Sign/, base);
      assert.match(t, new RegExp(`Subject Alternative Name: *\\n *DNS:${cn}\\n`), base);
    }
  });

  test('a rerun reuses every file and prints the "Using existing" lines', async () => {
    const before = readFileSync(join(pki, 'apiserver.crt'), 'utf8');
    const r = await kubeadm('init', 'phase', 'certs', 'all', `--cert-dir=${pki}`, ...FLAGS);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `[certs] Using certificateDir folder "${pki}"`,
      '[certs] Using existing ca certificate authority',
      '[certs] Using existing apiserver certificate and key on disk',
      '[certs] Using existing apiserver-kubelet-client certificate and key on disk',
      '[certs] Using existing front-proxy-ca certificate authority',
      '[certs] Using existing front-proxy-client certificate and key on disk',
      '[certs] Using existing etcd/ca certificate authority',
      '[certs] Using existing etcd/server certificate and key on disk',
      '[certs] Using existing etcd/peer certificate and key on disk',
      '[certs] Using existing etcd/healthcheck-client certificate and key on disk',
      '[certs] Using existing apiserver-etcd-client certificate and key on disk',
      '[certs] Using the existing "sa" key',
    ]);
    assert.equal(readFileSync(join(pki, 'apiserver.crt'), 'utf8'), before);
  });

  test('the programmatic API reports the same actions', async () => {
    const out: string[] = [];
    const res = await initCerts({ certDir: pki, advertiseAddress: '192.168.10.10', nodeName: 'cp-1', out: (l) => out.push(l) });
    assert.deepEqual(res.map((r) => r.phase), [...CERT_PHASES]);
    assert.ok(res.every((r) => r.action === 'existing'));
    assert.equal(out.length, 12);
  });
});

describe('kubeadm init phase certs <single phase>', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-kubeadm-phase-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a leaf phase without its CA fails like kubeadm', async () => {
    const dir = join(root, 'noca');
    const r = await kubeadm('init', 'phase', 'certs', 'apiserver', `--cert-dir=${dir}`, '--apiserver-advertise-address=192.168.10.10');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `error execution phase certs/apiserver: couldn't load CA certificate ca: couldn't load ca certificate authority from ${dir}\nTo see the stack trace of this error execute with --v=5 or higher\n`);
  });

  test('single phases print no certificateDir line; etcd-server honours --node-name', async () => {
    const dir = join(root, 'single');
    let r = await kubeadm('init', 'phase', 'certs', 'etcd-ca', `--cert-dir=${dir}`);
    assert.deepEqual(lines(r.stdout), ['[certs] Generating "etcd/ca" certificate and key']);
    r = await kubeadm('init', 'phase', 'certs', 'etcd-server', `--cert-dir=${dir}`, '--node-name=Etcd-Node');
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[0], '[certs] Generating "etcd/server" certificate and key');
    assert.match(out[1], /^\[certs\] etcd\/server serving cert is signed for DNS names \[etcd-node localhost\] and IPs \[\S+ 127\.0\.0\.1 ::1\]$/);
    assert.equal(parseCert(readFileSync(join(dir, 'etcd/server.crt'))).subject.commonName, 'etcd-node');
    r = await kubeadm('init', 'phase', 'certs', 'etcd-ca', `--cert-dir=${dir}`);
    assert.deepEqual(lines(r.stdout), ['[certs] Using existing etcd/ca certificate authority']);
    r = await kubeadm('init', 'phase', 'certs', 'sa', `--cert-dir=${dir}`);
    assert.deepEqual(lines(r.stdout), ['[certs] Generating "sa" key and public key']);
    r = await kubeadm('init', 'phase', 'certs', 'sa', `--cert-dir=${dir}`);
    assert.deepEqual(lines(r.stdout), ['[certs] Using the existing "sa" key']);
  });

  test('a certificate from another CA is refused; a lone key is checked, not overwritten', async () => {
    const dir = join(root, 'foreign');
    assert.equal((await kubeadm('init', 'phase', 'certs', 'ca', `--cert-dir=${dir}`)).code, 0);
    const other = await createCA({ commonName: 'other' });
    const leaf = await issueCert(other, { commonName: 'kube-apiserver', usages: ['server'] });
    writeFileSync(join(dir, 'apiserver.crt'), leaf.certPem);
    writeFileSync(join(dir, 'apiserver.key'), leaf.keyPem);
    let r = await kubeadm('init', 'phase', 'certs', 'apiserver', `--cert-dir=${dir}`, '--apiserver-advertise-address=192.168.10.10');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error execution phase certs\/apiserver: \[certs\] certificate apiserver not signed by CA certificate ca: x509: certificate signed by unknown authority\n/);

    unlinkSync(join(dir, 'apiserver.crt'));
    r = await kubeadm('init', 'phase', 'certs', 'apiserver', `--cert-dir=${dir}`, '--apiserver-advertise-address=192.168.10.10');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error execution phase certs/apiserver: failure loading apiserver certificate: couldn't load the certificate file ${join(dir, 'apiserver.crt')}: open ${join(dir, 'apiserver.crt')}: no such file or directory\n`));
    assert.equal(readFileSync(join(dir, 'apiserver.key'), 'utf8'), leaf.keyPem);
  });

  test('an existing CA without its key is a keyless CA', async () => {
    const dir = join(root, 'keyless');
    assert.equal((await kubeadm('init', 'phase', 'certs', 'front-proxy-ca', `--cert-dir=${dir}`)).code, 0);
    unlinkSync(join(dir, 'front-proxy-ca.key'));
    const r = await kubeadm('init', 'phase', 'certs', 'front-proxy-ca', `--cert-dir=${dir}`);
    assert.deepEqual(lines(r.stdout), ['[certs] Using existing front-proxy-ca keyless certificate authority']);
  });

  test('an existing CA is taken as found (its key is not matched against it), as upstream', async () => {
    const dir = join(root, 'copied');
    const src = join(root, 'single');
    assert.equal((await kubeadm('init', 'phase', 'certs', 'etcd-ca', `--cert-dir=${dir}`)).code, 0);
    copyFileSync(join(src, 'etcd/ca.crt'), join(dir, 'etcd/ca.crt'));
    const r = await kubeadm('init', 'phase', 'certs', 'etcd-ca', `--cert-dir=${dir}`);
    // the key no longer matches, but kubeadm only checks that both files load
    assert.deepEqual(lines(r.stdout), ['[certs] Using existing etcd/ca certificate authority']);
  });

  test('flags are per phase, as upstream; bad values fail', async () => {
    let r = await kubeadm('init', 'phase', 'certs', 'ca', '--service-cidr=10.0.0.0/16');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^unknown flag: --service-cidr\n/);
    r = await kubeadm('init', 'phase', 'certs', 'apiserver', `--cert-dir=${join(root, 'x')}`, '--apiserver-advertise-address=not-an-ip');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^couldn't use "not-an-ip" as "apiserver-advertise-address", must be ipv4 or ipv6 address\n/);
    r = await kubeadm('init', 'phase', 'certs', 'bogus');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown command "bogus" for "kubeadm init phase certs"/);
    r = await kubeadm('init', 'phase', 'certs');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Available Commands:[\s\S]*etcd-healthcheck-client/);
  });
});
