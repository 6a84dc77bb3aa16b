// Tests for src/pki/kubelet-client.ts: the API server's kubelet client certificate and a
// node's client/serving certificates have upstream's subjects, usages and SANs, are signed by
// the CA directory's CA, and are reused while valid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, isSignedBy, parseCert } from '../../../../src/pki/certs.js';
import { writeCertKeyPair } from '../../../../src/pki/files.js';
import {
  APISERVER_KUBELET_CLIENT_CN,
  APISERVER_KUBELET_CLIENT_ORG,
  ensureAPIServerKubeletClientCert,
  ensureKubeletCerts,
  loadCA,
  servingSANs,
} from '../../../../src/pki/kubelet-client.js';

async function caDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-pki-'));
  const ca = await createCA({ commonName: 'kubernetes', keyAlgorithm: 'ecdsa' });
  await writeCertKeyPair(join(dir, 'ca.crt'), join(dir, 'ca.key'), ca);
  return dir;
}

test('apiserver-kubelet-client: CN, O system:masters, client usage, signed by the CA, reused', async () => {
  const dir = await caDir();
  try {
    const p = await ensureAPIServerKubeletClientCert(dir);
    assert.equal(p.certPath, join(dir, 'apiserver-kubelet-client.crt'));
    const pem = readFileSync(p.certPath, 'utf8');
    const c = parseCert(pem);
    assert.equal(c.subject.commonName, APISERVER_KUBELET_CLIENT_CN);
    assert.deepEqual(c.subject.organizations, [APISERVER_KUBELET_CLIENT_ORG]);
    assert.deepEqual(c.usages, ['client']);
    assert.ok(isSignedBy(pem, readFileSync(join(dir, 'ca.crt'), 'utf8')));
    assert.equal(statSync(p.keyPath).mode & 0o777, 0o600);
    await ensureAPIServerKubeletClientCert(dir);
    assert.equal(readFileSync(p.certPath, 'utf8'), pem, 'a valid certificate is kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubelet certs: serving SANs, client identity system:node:<name>, combined pem; reissued when SANs change', async () => {
  const dir = await caDir();
  try {
    const out = join(dir, 'node');
    const p = await ensureKubeletCerts({ caDir: dir, outDir: out, nodeName: 'worker-1', ipAddresses: ['10.0.0.5'], dnsNames: ['Worker-1.example'] });
    const serving = parseCert(readFileSync(p.servingCertPath));
    assert.equal(serving.subject.commonName, 'system:node:worker-1');
    assert.deepEqual(serving.subject.organizations, ['system:nodes']);
    assert.deepEqual(serving.usages, ['server']);
    assert.deepEqual(serving.ipAddresses, ['10.0.0.5']);
    assert.deepEqual(serving.dnsNames.sort(), ['worker-1', 'worker-1.example']);
    const client = parseCert(readFileSync(p.clientCertPath));
    assert.equal(client.subject.commonName, 'system:node:worker-1');
    assert.deepEqual(client.usages, ['client']);
    const combined = readFileSync(p.clientCurrentPemPath, 'utf8');
    assert.match(combined, /BEGIN CERTIFICATE[\s\S]*PRIVATE KEY/);
    const before = readFileSync(p.servingCertPath, 'utf8');
    await ensureKubeletCerts({ caDir: dir, outDir: out, nodeName: 'worker-1', ipAddresses: ['10.0.0.5'] });
    assert.equal(readFileSync(p.servingCertPath, 'utf8'), before, 'kept while it covers the names');
    await ensureKubeletCerts({ caDir: dir, outDir: out, nodeName: 'worker-1', ipAddresses: ['10.0.0.6'] });
    assert.deepEqual(parseCert(readFileSync(p.servingCertPath)).ipAddresses, ['10.0.0.6']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('servingSANs splits IPs from names; loadCA names the missing file', async () => {
  assert.deepEqual(servingSANs('n1', { ipAddresses: ['::1', '127.0.0.1'], dnsNames: ['n1'] }), { dnsNames: ['n1'], ipAddresses: ['::1', '127.0.0.1'] });
  await assert.rejects(loadCA('/nonexistent-k8ts'), /no CA certificate at \/nonexistent-k8ts\/ca\.crt/);
});
