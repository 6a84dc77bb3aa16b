// `kubeadm init phase kubeconfig`: admin.conf, super-admin.conf, kubelet.conf,
// controller-manager.conf and scheduler.conf as kubeadm 1.32 writes them, read back by the
// real kubectl; reruns keep them; a different CA or a missing CA fails as upstream.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCert } from '../../../src/pki/certs.js';
import { initCerts } from '../../../src/kubeadm/certs.js';
import { initKubeconfigs } from '../../../src/kubeadm/kubeconfig.js';
import { kubeadm, kubectlConfigView, lines, mode, openssl } from './util.js';

const ADV = '192.168.10.10';

describe('kubeadm init phase kubeconfig all', () => {
  let root: string;
  let pki: string;
  let kdir: string;
  let first: Awaited<ReturnType<typeof kubeadm>>;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k8ts-kubeadm-kc-'));
    pki = join(root, 'pki');
    kdir = join(root, 'kubernetes');
    await initCerts({ certDir: pki, advertiseAddress: ADV, nodeName: 'cp-1', out: () => {} });
    first = await kubeadm('init', 'phase', 'kubeconfig', 'all', `--cert-dir=${pki}`, `--kubeconfig-dir=${kdir}`, `--apiserver-advertise-address=${ADV}`, '--control-plane-endpoint=lb.example.com', '--node-name=cp-1');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('prints upstream lines', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(lines(first.stdout), [
      `[kubeconfig] Using kubeconfig folder "${kdir}"`,
      '[kubeconfig] Writing "admin.conf" kubeconfig file',
      '[kubeconfig] Writing "super-admin.conf" kubeconfig file',
      '[kubeconfig] Writing "kubelet.conf" kubeconfig file',
      '[kubeconfig] Writing "controller-manager.conf" kubeconfig file',
      '[kubeconfig] Writing "scheduler.conf" kubeconfig file',
    ]);
  });

  test('kubectl reads each file: cluster, user, context, server; client certs as kubeadm issues them', () => {
    const expect: Record<string, { user: string; o: string[]; server: string }> = {
      'admin.conf': { user: 'kubernetes-admin', o: ['kubeadm:cluster-admins'], server: 'https://lb.example.com:6443' },
      'super-admin.conf': { user: 'kubernetes-super-admin', o: ['system:masters'], server: 'https://lb.example.com:6443' },
      'kubelet.conf': { user: 'system:node:cp-1', o: ['system:nodes'], server: 'https://lb.example.com:6443' },
      'controller-manager.conf': { user: 'system:kube-controller-manager', o: [], server: `https://${ADV}:6443` },
      'scheduler.conf': { user: 'system:kube-scheduler', o: [], server: `https://${ADV}:6443` },
    };
    const caPem = Buffer.from(openssl('x509', '-in', join(pki, 'ca.crt')));
    for (const [file, e] of Object.entries(expect)) {
      const path = join(kdir, file);
      assert.equal(mode(path), 0o600, file);
      const cfg = kubectlConfigView(path);
      assert.equal(cfg['current-context'], `${e.user}@kubernetes`, file);
      assert.deepEqual(cfg.contexts, [{ name: `${e.user}@kubernetes`, context: { cluster: 'kubernetes', user: e.user } }], file);
      assert.equal(cfg.clusters.length, 1);
      assert.equal(cfg.clusters[0].name, 'kubernetes');
      assert.equal(cfg.clusters[0].cluster.server, e.server, file);
      assert.equal(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString().trim(), caPem.toString().trim(), file);
      assert.equal(cfg.users.length, 1);
      assert.equal(cfg.users[0].name, e.user, file);
      const certPem = Buffer.from(cfg.users[0].user['client-certificate-data'], 'base64').toString();
      const cert = parseCert(certPem);
      assert.equal(cert.subject.commonName, e.user, file);
      assert.deepEqual(cert.subject.organizations, e.o, file);
      assert.deepEqual(cert.usages, ['client'], file);
      assert.equal(cert.issuer.commonName, 'kubernetes', file);
      const days = (cert.notAfter.getTime() - Date.now()) / 86400000;
      assert.ok(days > 364 && days <= 365, `${file}: ${days}`);
      const tmp = join(root, 'client.crt');
      writeFileSync(tmp, certPem);
      assert.match(openssl('verify', '-CAfile', join(pki, 'ca.crt'), tmp), /: OK/, file);
      assert.match(Buffer.from(cfg.users[0].user['client-key-data'], 'base64').toString(), /^-----BEGIN RSA PRIVATE KEY-----/);
    }
  });

  test('a rerun keeps the files; a changed endpoint only warns', async () => {
    const r = await kubeadm('init', 'phase', 'kubeconfig', 'all', `--cert-dir=${pki}`, `--kubeconfig-dir=${kdir}`, `--apiserver-advertise-address=${ADV}`, '--node-name=cp-1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `[kubeconfig] Using kubeconfig folder "${kdir}"`,
      ...['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf'].map((f) => `[kubeconfig] Using existing kubeconfig file: "${join(kdir, f)}"`),
    ]);
    // admin, super-admin and kubelet were written for the control-plane endpoint
    const warnings = lines(r.stderr);
    assert.equal(warnings.length, 3, r.stderr);
    assert.match(warnings[0], /^W\d{4} .*\] a kubeconfig file ".*admin\.conf" exists already but has an unexpected API Server URL: expected: https:\/\/192\.168\.10\.10:6443, got: https:\/\/lb\.example\.com:6443$/);
  });

  test('single phases; a different CA is an error; no CA is an error', async () => {
    let r = await kubeadm('init', 'phase', 'kubeconfig', 'scheduler', `--cert-dir=${pki}`, `--kubeconfig-dir=${kdir}`, `--apiserver-advertise-address=${ADV}`);
    assert.deepEqual(lines(r.stdout), [`[kubeconfig] Using existing kubeconfig file: "${join(kdir, 'scheduler.conf')}"`]);

    const otherPki = join(root, 'other-pki');
    await initCerts({ certDir: otherPki, advertiseAddress: ADV, nodeName: 'cp-1', out: () => {} });
    r = await kubeadm('init', 'phase', 'kubeconfig', 'admin', `--cert-dir=${otherPki}`, `--kubeconfig-dir=${kdir}`, `--apiserver-advertise-address=${ADV}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error execution phase kubeconfig/admin: a kubeconfig file "${join(kdir, 'admin.conf')}" exists already but has got the wrong CA cert\n`));

    const none = join(root, 'none');
    r = await kubeadm('init', 'phase', 'kubeconfig', 'kubelet', `--cert-dir=${none}`, `--kubeconfig-dir=${join(root, 'k2')}`, `--apiserver-advertise-address=${ADV}`, '--node-name=w1');
    assert.equal(r.code, 1);
    assert.equal(
      lines(r.stderr)[0],
      `error execution phase kubeconfig/kubelet: the CA files do not exist, please run \`kubeadm init phase certs ca\` to generate it: couldn't load the certificate file ${join(none, 'ca.crt')}: open ${join(none, 'ca.crt')}: no such file or directory`,
    );

    r = await kubeadm('init', 'phase', 'kubeconfig', 'admin', '--node-name=x');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^unknown flag: --node-name\n/);
  });

  test('the programmatic API: kubelet.conf for another node, bind port', async () => {
    const dir = join(root, 'api');
    const out: string[] = [];
    const res = await initKubeconfigs({ certDir: pki, kubeconfigDir: dir, advertiseAddress: ADV, bindPort: 8443, nodeName: 'worker-7', out: (l) => out.push(l) });
    assert.deepEqual(res.map((r) => [r.phase, r.action]), [['admin', 'written'], ['super-admin', 'written'], ['kubelet', 'written'], ['controller-manager', 'written'], ['scheduler', 'written']]);
    const kubelet = kubectlConfigView(join(dir, 'kubelet.conf'));
    assert.equal(kubelet.users[0].name, 'system:node:worker-7');
    assert.equal(kubelet.clusters[0].cluster.server, `https://${ADV}:8443`);
  });
});
