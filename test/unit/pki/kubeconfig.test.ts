// Tests for src/pki/kubeconfig.ts: written kubeconfigs have kubectl's shape, round-trip
// through parse, are read by the real kubectl, and relative paths resolve correctly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCert } from '../../../src/pki/certs.js';
import {
  buildKubeconfig,
  parseKubeconfig,
  readKubeconfig,
  resolveKubeconfig,
  serializeKubeconfig,
  writeKubeconfig,
} from '../../../src/pki/kubeconfig.js';

const KUBECTL = '/usr/bin/kubectl';

test('written kubeconfig has kubectl shape, round-trips, and kubectl reads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kcfg-'));
  try {
    const ca = await createCA({ commonName: 'kubernetes' });
    const admin = await issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usages: ['client'] });
    const cfg = buildKubeconfig({ server: 'https://127.0.0.1:6443', caCertPem: ca.certPem, clientCertPem: admin.certPem, clientKeyPem: admin.keyPem });
    const path = join(dir, 'admin.conf');
    await writeKubeconfig(path, cfg);
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const text = readFileSync(path, 'utf8');
    const b64ca = Buffer.from(ca.certPem).toString('base64');
    const expected =
      'apiVersion: v1\n' +
      'clusters:\n' +
      '- cluster:\n' +
      `    certificate-authority-data: ${b64ca}\n` +
      '    server: https://127.0.0.1:6443\n' +
      '  name: kubernetes\n' +
      'contexts:\n' +
      '- context:\n' +
      '    cluster: kubernetes\n' +
      '    user: kubernetes-admin\n' +
      '  name: kubernetes-admin@kubernetes\n' +
      'current-context: kubernetes-admin@kubernetes\n' +
      'kind: Config\n' +
      'preferences: {}\n' +
      'users:\n' +
      '- name: kubernetes-admin\n' +
      '  user:\n' +
      `    client-certificate-data: ${Buffer.from(admin.certPem).toString('base64')}\n` +
      `    client-key-data: ${Buffer.from(admin.keyPem).toString('base64')}\n`;
    assert.equal(text, expected);

    // round trip
    const parsed = await readKubeconfig(path);
    assert.deepEqual(parsed, cfg);
    assert.equal(serializeKubeconfig(parsed), text);
    const r = await resolveKubeconfig(parsed);
    assert.equal(r.server, 'https://127.0.0.1:6443');
    assert.equal(r.caCertPem, ca.certPem);
    assert.equal(r.clientCertPem, admin.certPem);
    assert.equal(r.clientKeyPem, admin.keyPem);
    assert.equal(r.userName, 'kubernetes-admin');

    // the real kubectl reads it (no server needed)
    const out = execFileSync(KUBECTL, ['config', 'view', `--kubeconfig=${path}`, '--raw', '-o', 'json'], { encoding: 'utf8' });
    const view = JSON.parse(out);
    assert.equal(view['current-context'], 'kubernetes-admin@kubernetes');
    assert.equal(view.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.equal(view.clusters[0].cluster['certificate-authority-data'], b64ca);
    assert.equal(view.users[0].user['client-key-data'], Buffer.from(admin.keyPem).toString('base64'));
    assert.equal(view.contexts[0].context.user, 'kubernetes-admin');
    const ctx = execFileSync(KUBECTL, ['config', 'current-context', `--kubeconfig=${path}`], { encoding: 'utf8' });
    assert.equal(ctx.trim(), 'kubernetes-admin@kubernetes');

    // what kubectl writes (set-context on a copy) still parses to the same credentials
    const copy = join(dir, 'copy.conf');
    writeFileSync(copy, text);
    execFileSync(KUBECTL, ['config', 'set-context', '--current', '--namespace=kube-system', `--kubeconfig=${copy}`]);
    const reparsed = await readKubeconfig(copy);
    const r2 = await resolveKubeconfig(reparsed);
    assert.equal(r2.namespace, 'kube-system');
    assert.equal(r2.clientKeyPem, admin.keyPem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('token kubeconfig; relative file paths resolve against the kubeconfig directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kcfg-'));
  try {
    const ca = await createCA({ commonName: 'kubernetes', keyAlgorithm: 'ecdsa' });
    const u = await issueCert(ca, { commonName: 'u', usages: ['client'], keyAlgorithm: 'ecdsa' });
    mkdirSync(join(dir, 'conf', 'pki'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'pki', 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'conf', 'pki', 'u.crt'), u.certPem);
    writeFileSync(join(dir, 'conf', 'pki', 'u.key'), u.keyPem);
    writeFileSync(join(dir, 'conf', 'token'), 'abc.def\n');
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      '    server: https://10.0.0.1:6443',
      '    certificate-authority: pki/ca.crt',
      'users:',
      '- name: certuser',
      '  user:',
      '    client-certificate: pki/u.crt',
      '    client-key: ./pki/u.key',
      '- name: tokuser',
      '  user:',
      '    tokenFile: token',
      'contexts:',
      '- name: a',
      '  context: {cluster: c, user: certuser, namespace: ns1}',
      '- name: b',
      '  context: {cluster: c, user: tokuser}',
      'current-context: a',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'conf', 'kubeconfig'), text);
    const cfg = await readKubeconfig(join(dir, 'conf', 'kubeconfig'));
    assert.equal(cfg.clusters[0].cluster['certificate-authority'], join(dir, 'conf', 'pki', 'ca.crt'));
    assert.equal(cfg.users[0].user['client-key'], join(dir, 'conf', 'pki', 'u.key'));
    assert.equal(cfg.users[1].user.tokenFile, join(dir, 'conf', 'token'));
    assert.deepEqual(cfg.preferences, {});

    const a = await resolveKubeconfig(cfg);
    assert.equal(a.caCertPem, ca.certPem);
    assert.equal(a.clientCertPem, u.certPem);
    assert.equal(a.clientKeyPem, u.keyPem);
    assert.equal(a.namespace, 'ns1');
    const b = await resolveKubeconfig(cfg, 'b');
    assert.equal(b.token, 'abc.def');
    assert.equal(b.clientCertPem, undefined);
    await assert.rejects(resolveKubeconfig(cfg, 'nope'), /context "nope" does not exist/);

    // a token kubeconfig built here is read by kubectl too
    const tk = buildKubeconfig({ server: 'https://127.0.0.1:6443', caCertPem: ca.certPem, userName: 'sa', token: 'tok123', namespace: 'default' });
    await writeKubeconfig(join(dir, 'tok.conf'), tk);
    const view = JSON.parse(execFileSync(KUBECTL, ['config', 'view', `--kubeconfig=${join(dir, 'tok.conf')}`, '--raw', '-o', 'json'], { encoding: 'utf8' }));
    assert.equal(view.users[0].user.token, 'tok123');
    assert.equal(view.contexts[0].context.namespace, 'default');
    assert.deepEqual(parseKubeconfig(readFileSync(join(dir, 'tok.conf'), 'utf8')), tk);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
