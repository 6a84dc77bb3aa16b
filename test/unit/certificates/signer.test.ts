import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createCA, isSignedBy, parseCert } from '../../../src/pki/certs.js';
import { parseCSR, signerValidationError, validateKubeletServingCSR } from '../../../src/controllers/certificates/csr.js';
import { CertificateAuthority, certificateValidity, keyUsagesFromStrings, signingDurationMs, BACKDATE_MS } from '../../../src/controllers/certificates/authority.js';
import { cleanReason } from '../../../src/controllers/certificates/cleaner.js';

async function makeCSR(name: string, san?: x509.JsonGeneralName[]): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: alg,
    extensions: san ? [new x509.SubjectAlternativeNameExtension(san)] : [],
  });
  return Buffer.from(csr.toString('pem')).toString('base64');
}

test('signer restrictions (kubelet-serving, kubelet client, apiserver client)', async () => {
  const serving = await parseCSR(await makeCSR('O=system:nodes, CN=system:node:worker-1', [{ type: 'dns', value: 'worker-1' }, { type: 'ip', value: '10.0.0.5' }]));
  assert.equal(serving.commonName, 'system:node:worker-1');
  assert.deepEqual(serving.organizations, ['system:nodes']);
  assert.deepEqual(serving.dnsNames, ['worker-1']);
  assert.equal(validateKubeletServingCSR(serving, ['digital signature', 'server auth']), undefined);
  assert.equal(validateKubeletServingCSR(serving, ['client auth']), 'usages did not match [digital signature key encipherment server auth]');
  const noSan = await parseCSR(await makeCSR('O=system:nodes, CN=system:node:worker-1'));
  assert.equal(signerValidationError('kubernetes.io/kubelet-serving', noSan, ['digital signature', 'server auth'], 'kubernetes.io/kubelet-serving'), 'DNS or IP subjectAltName is required');
  const wrongOrg = await parseCSR(await makeCSR('O=devs, CN=system:node:worker-1', [{ type: 'dns', value: 'a' }]));
  assert.equal(signerValidationError('kubernetes.io/kubelet-serving', wrongOrg, ['digital signature', 'server auth'], 'kubernetes.io/kubelet-serving'), 'subject organization is not system:nodes');
  assert.equal(signerValidationError('kubernetes.io/kube-apiserver-client-kubelet', serving, ['digital signature', 'client auth'], 'kubernetes.io/kube-apiserver-client-kubelet'), 'DNS subjectAltNames are not allowed');
  const client = await parseCSR(await makeCSR('O=devs, CN=jane'));
  assert.equal(signerValidationError('kubernetes.io/kube-apiserver-client', client, ['client auth', 'digital signature'], 'kubernetes.io/kube-apiserver-client'), undefined);
  assert.equal(signerValidationError('kubernetes.io/kube-apiserver-client', client, ['server auth'], 'kubernetes.io/kube-apiserver-client'), 'invalid usage for client certificate: server auth');
  await assert.rejects(parseCSR(Buffer.from('not a pem').toString('base64')), /CERTIFICATE REQUEST/);
});

test('validity: backdated 5 minutes, capped by the duration flag and the CA', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.deepEqual(certificateValidity(now, 3600_000, now + 365 * 86400_000), { notBefore: now - BACKDATE_MS, notAfter: now + 3600_000 });
  assert.deepEqual(certificateValidity(now, 86400_000, now + 365 * 86400_000), { notBefore: now - BACKDATE_MS, notAfter: now + 86400_000 - BACKDATE_MS });
  assert.equal(certificateValidity(now, 86400_000, now + 3600_000).notAfter, now + 3600_000);
  assert.throws(() => certificateValidity(now, 1000, now - 1), /expired/);
  assert.equal(signingDurationMs(undefined, 8760 * 3600_000), 8760 * 3600_000);
  assert.equal(signingDurationMs(3600, 8760 * 3600_000), 3600_000);
  assert.equal(signingDurationMs(10 * 8760 * 3600, 8760 * 3600_000), 8760 * 3600_000);
  assert.deepEqual(keyUsagesFromStrings(['digital signature', 'client auth']).extKeyUsages, ['1.3.6.1.5.5.7.3.2']);
  assert.throws(() => keyUsagesFromStrings(['bogus']), /unrecognized/);
});

test('the authority signs the request: subject, SANs, usages, issuer', async () => {
  const ca = await createCA({ commonName: 'kubernetes', keyAlgorithm: 'ecdsa' });
  const auth = new CertificateAuthority(ca.certPem, ca.keyPem);
  const r = await parseCSR(await makeCSR('O=system:nodes, CN=system:node:worker-1', [{ type: 'dns', value: 'worker-1' }, { type: 'ip', value: '10.0.0.5' }]));
  const now = Date.now();
  const pem = await auth.sign(r, ['digital signature', 'key encipherment', 'server auth'], 3600_000, now);
  const cert = parseCert(pem);
  assert.equal(cert.subject.commonName, 'system:node:worker-1');
  assert.deepEqual(cert.subject.organizations, ['system:nodes']);
  assert.deepEqual(cert.dnsNames, ['worker-1']);
  assert.deepEqual(cert.ipAddresses, ['10.0.0.5']);
  assert.deepEqual(cert.usages, ['server']);
  assert.equal(cert.isCA, false);
  assert.ok(isSignedBy(pem, ca.certPem));
  const x = new X509Certificate(pem);
  assert.ok(Math.abs(Date.parse(x.validTo) - (now + 3600_000)) < 2000);
  assert.ok(Math.abs(Date.parse(x.validFrom) - (now - BACKDATE_MS)) < 2000);
});

test('cleaner: denied after 1h, pending after 24h, issued-expired', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const base = { metadata: { name: 'x', creationTimestamp: '2026-01-01T23:30:00Z' }, spec: { request: '', signerName: 'a/b', usages: [] } };
  assert.equal(cleanReason({ ...base }, now), undefined);
  assert.deepEqual(cleanReason({ ...base, metadata: { name: 'x', creationTimestamp: '2025-12-31T23:00:00Z' } }, now), ['Cleaning CSR as it is more than pendingExpiration duration old and unhandled.', { pendingExpiration: '24h0m0s' }]);
  assert.deepEqual(cleanReason({ ...base, status: { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: '2026-01-01T22:00:00Z' }] } }, now), ['Cleaning CSR as it is more than deniedExpiration duration old and denied.', { deniedExpiration: '1h0m0s' }]);
  assert.equal(cleanReason({ ...base, status: { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: '2026-01-01T23:30:00Z' }] } }, now), undefined);
});
