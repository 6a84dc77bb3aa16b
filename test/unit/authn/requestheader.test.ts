import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestHeaderAuthenticator, identityFromHeaders, issuedByAny, parseBundle } from '../../../src/apiserver/authn/requestheader.js';
import { createCA, issueCert } from '../../../src/pki/certs.js';
import type { CertKeyPair } from '../../../src/pki/certs.js';

const headersCfg = { usernameHeaders: ['X-Remote-User', 'X-Other-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };

describe('request-header identity', () => {
  test('username from the first non-empty header, groups and extras', () => {
    const u = identityFromHeaders({ 'x-remote-user': '', 'x-other-user': 'bob', 'x-remote-group': ['a', 'b'], 'x-remote-extra-example.com%2fscope': 'x', 'x-remote-extra-Reason': ['r1'] } as any, headersCfg);
    assert.deepEqual(u, { username: 'bob', groups: ['a', 'b'], extra: { 'example.com/scope': ['x'], reason: ['r1'] } });
  });

  test('no username header: no identity', () => {
    assert.equal(identityFromHeaders({ 'x-remote-group': 'a' }, headersCfg), undefined);
    assert.equal(identityFromHeaders({ 'x-remote-user': 'a' }, { ...headersCfg, usernameHeaders: [] }), undefined);
  });
});

describe('front-proxy certificate checks', () => {
  let dir: string;
  let proxyCA: CertKeyPair;
  let clientCA: CertKeyPair;
  let auth: RequestHeaderAuthenticator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-rh-'));
    proxyCA = await createCA({ commonName: 'front-proxy-ca', keyAlgorithm: 'ecdsa' });
    clientCA = await createCA({ commonName: 'kubernetes', keyAlgorithm: 'ecdsa' });
    writeFileSync(join(dir, 'fp.crt'), proxyCA.certPem);
    writeFileSync(join(dir, 'ca.crt'), clientCA.certPem);
    auth = new RequestHeaderAuthenticator({ caFile: join(dir, 'fp.crt'), allowedNames: ['front-proxy-client'], ...headersCfg }, join(dir, 'ca.crt'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const leaf = async (ca: CertKeyPair, cn: string) => new X509Certificate((await issueCert(ca, { commonName: cn, usages: ['client'], keyAlgorithm: 'ecdsa' })).certPem);

  test('a certificate of the front-proxy CA with an allowed CN is accepted', async () => {
    assert.deepEqual(auth.checkProxyCert(await leaf(proxyCA, 'front-proxy-client')), { ok: true, why: '' });
  });

  test('another CN, another CA, or no certificate is refused with upstream\'s reason', async () => {
    assert.deepEqual(auth.checkProxyCert(await leaf(proxyCA, 'someone')), { ok: false, why: 'x509: subject with cn=someone is not in the allowed list' });
    assert.deepEqual(auth.checkProxyCert(await leaf(clientCA, 'front-proxy-client')), { ok: false, why: 'x509: certificate signed by unknown authority' });
    assert.equal(auth.checkProxyCert(undefined).ok, false);
  });

  test('an empty allowed-names list accepts any CN of the CA', async () => {
    const any = new RequestHeaderAuthenticator({ caFile: join(dir, 'fp.crt'), allowedNames: [], ...headersCfg });
    assert.equal(any.checkProxyCert(await leaf(proxyCA, 'whoever')).ok, true);
  });

  test('authenticate: header identity only over a verified front-proxy connection, cached per session', async () => {
    const good = await leaf(proxyCA, 'front-proxy-client');
    const bad = await leaf(clientCA, 'kubernetes-admin');
    const sock = (c: X509Certificate) => ({ getPeerX509Certificate: () => c }) as any;
    const s1 = {};
    assert.deepEqual(auth.authenticate({ 'x-remote-user': 'alice', 'x-remote-group': 'devs' }, sock(good), s1), { username: 'alice', groups: ['devs', 'system:authenticated'] });
    assert.equal(auth.authenticate({}, sock(good), s1), undefined);
    assert.equal(auth.authenticate({ 'x-remote-user': 'mallory' }, sock(bad), {}), undefined);
    assert.equal(auth.issuedByClientCA(sock(bad)), true);
    assert.equal(auth.issuedByClientCA(sock(good)), false);
  });

  test('bundles and validity', async () => {
    assert.equal(parseBundle(proxyCA.certPem + clientCA.certPem).length, 2);
    const c = await leaf(proxyCA, 'x');
    assert.equal(issuedByAny(c, parseBundle(proxyCA.certPem)), true);
    assert.equal(issuedByAny(c, parseBundle(proxyCA.certPem), Date.parse(c.validTo) + 1000), false);
  });
});
