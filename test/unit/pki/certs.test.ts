// Tests for src/pki/certs.ts and src/pki/files.ts: certificates verify with openssl, carry
// the expected extensions, parse back; keys are written 0600 and certificates 0644.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalIP,
  certMatchesKey,
  createCA,
  generateServiceAccountKeyPair,
  isSignedBy,
  issueCert,
  loadCertKey,
  parseCert,
} from '../../../src/pki/certs.js';
import { writeCertFile, writeCertKeyPair, writeIfAbsent, writeKeyFile } from '../../../src/pki/files.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'k8ts-pki-'));
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8' });
}

test('CA and leaf certificates verify with openssl and carry the expected extensions', async () => {
  const dir = tmp();
  try {
    const ca = await createCA({ commonName: 'kubernetes' });
    const server = await issueCert(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes', 'kubernetes.default.svc', 'localhost'],
      ipAddresses: ['127.0.0.1', '10.32.0.1', '::1'],
      usages: ['server'],
    });
    const client = await issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usages: ['client'] });
    await writeCertKeyPair(join(dir, 'ca.crt'), join(dir, 'ca.key'), ca);
    await writeCertKeyPair(join(dir, 'server.crt'), join(dir, 'server.key'), server);
    await writeCertKeyPair(join(dir, 'client.crt'), join(dir, 'client.key'), client);

    const out = openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'server.crt'), join(dir, 'client.crt')]);
    assert.match(out, /server\.crt: OK/);
    assert.match(out, /client\.crt: OK/);
    // purpose checks: the serving cert is fit for sslserver, the client cert for sslclient
    assert.match(openssl(['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.crt'), join(dir, 'server.crt')]), /OK/);
    assert.match(openssl(['verify', '-purpose', 'sslclient', '-CAfile', join(dir, 'ca.crt'), join(dir, 'client.crt')]), /OK/);

    const caText = openssl(['x509', '-noout', '-text', '-in', join(dir, 'ca.crt')]);
    assert.match(caText, /CA:TRUE/);
    assert.match(caText, /Digital Signature, Key Encipherment, Certificate Sign/);
    assert.match(caText, /Subject: CN ?= ?kubernetes/);
    assert.match(caText, /Subject Key Identifier/);

    const srvText = openssl(['x509', '-noout', '-text', '-in', join(dir, 'server.crt')]);
    assert.match(srvText, /TLS Web Server Authentication/);
    assert.doesNotMatch(srvText, /TLS Web Client Authentication/);
    assert.match(srvText, /CA:FALSE/);
    assert.match(srvText, /Digital Signature, Key Encipherment/);
    assert.match(srvText, /Authority Key Identifier/);
    for (const s of ['DNS:kubernetes,', 'DNS:kubernetes.default.svc', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:10.32.0.1', 'IP Address:0:0:0:0:0:0:0:1']) {
      assert.ok(srvText.includes(s), `missing ${s}`);
    }
    assert.match(srvText, /Public-Key: \(2048 bit\)/);

    const cliSubject = openssl(['x509', '-noout', '-subject', '-in', join(dir, 'client.crt')]);
    assert.match(cliSubject, /O ?= ?system:masters, CN ?= ?kubernetes-admin/);
    assert.match(openssl(['x509', '-noout', '-text', '-in', join(dir, 'client.crt')]), /TLS Web Client Authentication/);

    // openssl reads the keys (PKCS#1) and they match the certificates
    const keyMod = openssl(['rsa', '-noout', '-modulus', '-in', join(dir, 'server.key')]);
    const certMod = openssl(['x509', '-noout', '-modulus', '-in', join(dir, 'server.crt')]);
    assert.equal(keyMod, certMod);
    assert.match(server.keyPem, /^-----BEGIN RSA PRIVATE KEY-----/);

    // modes
    for (const k of ['ca.key', 'server.key', 'client.key']) assert.equal(statSync(join(dir, k)).mode & 0o777, 0o600, k);
    for (const c of ['ca.crt', 'server.crt', 'client.crt']) assert.equal(statSync(join(dir, c)).mode & 0o777, 0o644, c);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseCert reads subject, SANs, validity, usages; serials are positive and random', async () => {
  const ca = await createCA({ commonName: 'test-ca', keyAlgorithm: 'ecdsa' });
  const leaf = await issueCert(ca, {
    commonName: 'node-1',
    organizations: ['system:nodes', 'extra'],
    dnsNames: ['node-1.example'],
    ipAddresses: ['10.0.0.7', 'fd00:0:0:0::0001'],
    usages: ['server', 'client'],
    keyAlgorithm: 'ecdsa',
    validityDays: 10,
  });
  assert.match(leaf.keyPem, /^-----BEGIN EC PRIVATE KEY-----/);
  const p = parseCert(leaf.certPem);
  assert.equal(p.subject.commonName, 'node-1');
  assert.deepEqual(p.subject.organizations, ['system:nodes', 'extra']);
  assert.equal(p.issuer.commonName, 'test-ca');
  assert.deepEqual(p.dnsNames, ['node-1.example']);
  assert.deepEqual(p.ipAddresses, ['10.0.0.7', 'fd00::1']);
  assert.deepEqual(p.usages, ['server', 'client']);
  assert.equal(p.isCA, false);
  const now = Date.now();
  assert.ok(p.notBefore.getTime() <= now - 4 * 60 * 1000, 'NotBefore is backdated');
  const days = (p.notAfter.getTime() - now) / 86400000;
  assert.ok(days > 9.9 && days <= 10.01, `validity ${days}`);
  assert.ok(parseCert(ca.certPem).isCA);
  const caDays = (parseCert(ca.certPem).notAfter.getTime() - now) / 86400000;
  assert.ok(caDays > 3649 && caDays <= 3650.01);
  assert.ok(isSignedBy(leaf.certPem, ca.certPem));
  assert.ok(certMatchesKey(leaf.certPem, leaf.keyPem));
  assert.ok(!certMatchesKey(leaf.certPem, ca.keyPem));
  const other = await createCA({ commonName: 'test-ca', keyAlgorithm: 'ecdsa' });
  assert.ok(!isSignedBy(leaf.certPem, other.certPem));
  assert.notEqual(parseCert(other.certPem).serialNumber, parseCert(ca.certPem).serialNumber);
  // positive: the DER INTEGER's first byte has its high bit clear
  for (const pem of [ca.certPem, leaf.certPem, other.certPem]) {
    const serial = BigInt('0x' + parseCert(pem).serialNumber);
    assert.ok(serial > 0n && serial < 2n ** 63n);
  }
});

test('service account key pair is PKCS#1 private + PKIX public, and they match', async () => {
  const { privateKeyPem, publicKeyPem } = await generateServiceAccountKeyPair();
  assert.match(privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.match(publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  const derived = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' });
  assert.equal(derived, publicKeyPem);
  assert.equal(createPrivateKey(privateKeyPem).asymmetricKeyDetails?.modulusLength, 2048);
});

test('loadCertKey reads a pair and rejects a mismatch; writeIfAbsent never overwrites', async () => {
  const dir = tmp();
  try {
    const ca = await createCA({ commonName: 'x' });
    const leaf = await issueCert(ca, { commonName: 'y', usages: ['client'] });
    await writeCertFile(join(dir, 'sub', 'a.crt'), leaf.certPem);
    await writeKeyFile(join(dir, 'sub', 'a.key'), leaf.keyPem);
    await writeKeyFile(join(dir, 'sub', 'ca.key'), ca.keyPem);
    const loaded = await loadCertKey(join(dir, 'sub', 'a.crt'), join(dir, 'sub', 'a.key'));
    assert.equal(loaded.certPem, leaf.certPem);
    await assert.rejects(loadCertKey(join(dir, 'sub', 'a.crt'), join(dir, 'sub', 'ca.key')), /does not match/);

    assert.equal(await writeIfAbsent(join(dir, 'f'), 'one', 0o600), true);
    assert.equal(await writeIfAbsent(join(dir, 'f'), 'two', 0o600), false);
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'one');
    assert.equal(statSync(join(dir, 'f')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('canonicalIP', () => {
  assert.equal(canonicalIP('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIP('FD00:0:0:0:0:0:0:1'), 'fd00::1');
  assert.equal(canonicalIP('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIP('::ffff:10.0.0.1'), '::ffff:a00:1');
  assert.equal(canonicalIP('10.32.0.1'), '10.32.0.1');
  assert.equal(canonicalIP('::'), '::');
});
