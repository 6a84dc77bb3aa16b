import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509CertificateGenerator, cryptoProvider } from '@peculiar/x509';
import { StatusError } from '../../../src/apimachinery/errors.js';
import {
  ServiceAccountTokenIssuer, createTokenRequest, decodeJWT, generateLegacyToken, issueToken, keyIDFromPublicKey,
  legacyTokenLastUsedPatch, loadPublicKeysFile, loadServiceAccountKeyFiles, loadSigningKeyFile, parsePublicKeysPEM,
  publicKeyEntry, serviceAccountAuthenticators, signingKeyFromPrivateKey, validateTokenRequestMetadata,
} from '../../../src/apiserver/authn/serviceaccount.js';
import type { ServiceAccountSigningKey } from '../../../src/apiserver/authn/serviceaccount.js';
import { TokenAuthenticator } from '../../../src/apiserver/authn/index.js';
import { Clock, MemorySource, ecKeys, node, pod, rsaKeys, secret, serviceAccount } from './helpers.js';
import { tempDir } from '../tempdir.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

function setup(signing: ServiceAccountSigningKey = signingKeyFromPrivateKey(rsaKeys().privateKey), opts: { issuers?: string[]; apiAudiences?: string[]; verifyKeys?: ServiceAccountSigningKey[]; max?: number } = {}) {
  const clock = new Clock();
  const objects = new MemorySource();
  const issuers = opts.issuers ?? [ISSUER];
  const apiAudiences = opts.apiAudiences ?? issuers;
  const issuer = new ServiceAccountTokenIssuer({ signingKey: signing, issuer: issuers[0], apiAudiences, now: clock.now, maxExpirationSeconds: opts.max });
  const keys = (opts.verifyKeys ?? [signing]).map((k) => publicKeyEntry(k.publicKey));
  const auth = new TokenAuthenticator({
    serviceAccounts: serviceAccountAuthenticators({ keys, issuers, apiAudiences, objects, now: clock.now }),
    apiAudiences,
    objects,
    now: clock.now,
    cacheTTLMs: 0,
  });
  const sa = objects.put('', 'serviceaccounts', serviceAccount('ns1', 'robot'));
  return { clock, objects, issuer, auth, sa, signing };
}

function errorOf(r: ReturnType<TokenAuthenticator['authenticateToken']>): string {
  assert.equal(r.ok, false);
  return (r as { error: string }).error;
}

function statusError(f: () => unknown): StatusError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected an error');
}

describe('key ids and key files', () => {
  test('kid = base64url(SHA-256(DER SubjectPublicKeyInfo))', () => {
    const { publicKey } = rsaKeys();
    const der = publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(keyIDFromPublicKey(publicKey), createHash('sha256').update(der).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    assert.match(keyIDFromPublicKey(publicKey), /^[A-Za-z0-9_-]{43}$/);
  });

  test('signing keys: RSA -> RS256, P-256/384/521 -> ES256/384/512, PEM types as keyutil', () => {
    const dir = tempDir('k8ts-sa-');
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const rsa = rsaKeys();
    assert.equal(loadSigningKeyFile(write('rsa1.key', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string)).alg, 'RS256');
    assert.equal(loadSigningKeyFile(write('rsa8.key', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)).alg, 'RS256');
    for (const [curve, alg] of [['prime256v1', 'ES256'], ['secp384r1', 'ES384'], ['secp521r1', 'ES512']]) {
      const ec = ecKeys(curve);
      const k = loadSigningKeyFile(write(`${curve}.key`, ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string));
      assert.equal(k.alg, alg);
      assert.equal(k.kid, keyIDFromPublicKey(ec.publicKey));
    }
    // "EC PARAMETERS" blocks before the key are tolerated
    const ec = ecKeys();
    const withParams = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n' + (ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    assert.equal(loadSigningKeyFile(write('ec8.key', withParams)).alg, 'ES256');
    const pubOnly = write('pub.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    assert.throws(() => loadSigningKeyFile(pubOnly), {
      message: `failed to parse service-account-issuer-key-file: error reading private key file ${pubOnly}: data does not contain a valid RSA or ECDSA private key`,
    });
    assert.throws(() => loadSigningKeyFile('/nope.key'), { message: 'failed to parse service-account-issuer-key-file: open /nope.key: no such file or directory' });
    assert.throws(() => signingKeyFromPrivateKey(generateKeyPairSync('ec', { namedCurve: 'secp224r1' }).privateKey), /unknown private key curve, must be 256, 384, or 521/);
  });

  test('--service-account-key-file: public keys, certificates and private keys, several per file', async () => {
    const rsa = rsaKeys();
    const ec = ecKeys();
    const ec2 = ecKeys();
    // a self-signed certificate for the EC key
    const subtle = globalThis.crypto.subtle;
    cryptoProvider.set(globalThis.crypto);
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=sa', notBefore: new Date(), notAfter: new Date(Date.now() + 86400e3), keys, signingAlgorithm: alg });
    const certKey = createPublicKey(cert.toString('pem'));
    const pem = [
      rsa.publicKey.export({ type: 'spki', format: 'pem' }),
      '-----BEGIN GARBAGE-----\nAAAA\n-----END GARBAGE-----\n',
      cert.toString('pem') + '\n',
      ec.privateKey.export({ type: 'sec1', format: 'pem' }),
      rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }),
      ec2.publicKey.export({ type: 'spki', format: 'pem' }),
    ].join('');
    const got = parsePublicKeysPEM(pem).map(keyIDFromPublicKey);
    assert.deepEqual(got, [rsa.publicKey, certKey, ec.publicKey, rsa.publicKey, ec2.publicKey].map(keyIDFromPublicKey));
    // like keyutil, a PKCS#8 EC private key is not a verification key, nor is a PKCS#1 public key
    assert.throws(() => parsePublicKeysPEM(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), { message: 'data does not contain any valid RSA or ECDSA public keys' });
    assert.throws(() => parsePublicKeysPEM(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string), /data does not contain any valid/);
    const dir = tempDir('k8ts-sa-');
    const p = join(dir, 'sa.pub');
    writeFileSync(p, 'not a key\n');
    assert.throws(() => loadPublicKeysFile(p), { message: `error reading public key file ${p}: data does not contain any valid RSA or ECDSA public keys` });
    writeFileSync(p, pem);
    assert.equal(loadServiceAccountKeyFiles([p, p]).length, 10);
  });
});

describe('bound ServiceAccount tokens', () => {
  for (const [label, mk] of [['RSA', () => signingKeyFromPrivateKey(rsaKeys().privateKey)], ['ECDSA P-256', () => signingKeyFromPrivateKey(ecKeys().privateKey)], ['ECDSA P-384', () => signingKeyFromPrivateKey(ecKeys('secp384r1').privateKey)]] as const) {
    test(`issue and verify round trip (${label})`, () => {
      const { issuer, auth, sa, clock, signing } = setup(mk());
      const { token, claims } = issueToken({ issuer, serviceAccount: { namespace: 'ns1', name: 'robot', uid: sa.metadata.uid }, audiences: [ISSUER], expirationSeconds: 3600 });
      const d = decodeJWT(token)!;
      assert.deepEqual(d.header, { alg: signing.alg, kid: signing.kid });
      assert.deepEqual(d.claims, claims);
      const r = auth.authenticateToken(token);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.user, {
        username: 'system:serviceaccount:ns1:robot',
        uid: sa.metadata.uid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] },
      });
      assert.deepEqual(r.audiences, [ISSUER]);
      clock.advance(3600 + 59);
      assert.ok(auth.authenticateToken(token).ok, 'within the 60s leeway');
      clock.advance(2);
      assert.equal(errorOf(auth.authenticateToken(token)), 'service account token has expired');
    });
  }

  test('claims layout and JSON as upstream (sorted keys, arrays for aud)', () => {
    const { issuer, objects, sa, clock } = setup();
    const n = objects.put('', 'nodes', node('node-1'));
    const p = objects.put('', 'pods', pod('ns1', 'web', 'robot', 'node-1'));
    const res = createTokenRequest(sa, { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: p.metadata.uid } }, objects, issuer);
    const payload = Buffer.from(res.status.token.split('.')[1], 'base64url').toString();
    const now = clock.ms / 1000;
    const jti = JSON.parse(payload).jti;
    assert.match(jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(payload, `{"aud":["${ISSUER}"],"exp":${now + 31536000},"iat":${now},"iss":"${ISSUER}","jti":"${jti}",`
      + `"kubernetes.io":{"namespace":"ns1","node":{"name":"node-1","uid":"${n.metadata.uid}"},"pod":{"name":"web","uid":"${p.metadata.uid}"},`
      + `"serviceaccount":{"name":"robot","uid":"${sa.metadata.uid}"},"warnafter":${now + 3607}},"nbf":${now},"sub":"system:serviceaccount:ns1:robot"}`);
    const header = Buffer.from(res.status.token.split('.')[0], 'base64url').toString();
    assert.match(header, /^\{"alg":"RS256","kid":"[A-Za-z0-9_-]{43}"\}$/);
    // the status expiration is the requested one; the token itself is extended to a year
    assert.equal(res.status.expirationTimestamp, new Date(clock.ms + 3607e3).toISOString().replace('.000', ''));
    assert.deepEqual(res.object.spec, { audiences: [ISSUER], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: p.metadata.uid } });
    assert.deepEqual(res.object.metadata, { name: 'robot', namespace: 'ns1', creationTimestamp: '2025-01-15T12:00:00Z' });
    assert.deepEqual(res.auditAnnotations, { 'authentication.kubernetes.io/issued-credential-id': `JTI=${jti}` });
  });

  test('user of a pod-bound token: pod and node extras', () => {
    const { issuer, objects, sa, auth } = setup();
    const n = objects.put('', 'nodes', node('node-1'));
    const p = objects.put('', 'pods', pod('ns1', 'web', 'robot', 'node-1'));
    const { status } = createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer);
    const r = auth.authenticateToken(status.token);
    assert.ok(r.ok);
    assert.deepEqual(Object.keys(r.user.extra!), [
      'authentication.kubernetes.io/credential-id', 'authentication.kubernetes.io/node-name', 'authentication.kubernetes.io/node-uid',
      'authentication.kubernetes.io/pod-name', 'authentication.kubernetes.io/pod-uid',
    ]);
    assert.deepEqual(r.user.extra!['authentication.kubernetes.io/pod-uid'], [p.metadata.uid]);
    assert.deepEqual(r.user.extra!['authentication.kubernetes.io/node-uid'], [n.metadata.uid]);
  });

  test('rejections: wrong issuer (not recognised), audience, not yet valid, bad signature, unknown kid', () => {
    const { issuer, auth, sa, clock, signing } = setup();
    const saRef = { namespace: 'ns1', name: 'robot', uid: sa.metadata.uid };
    // another issuer: the token is simply not ours
    const other = new ServiceAccountTokenIssuer({ signingKey: signing, issuer: 'https://elsewhere', apiAudiences: [ISSUER], now: clock.now });
    assert.equal(errorOf(auth.authenticateToken(issueToken({ issuer: other, serviceAccount: saRef, audiences: [ISSUER], expirationSeconds: 600 }).token)), 'invalid bearer token');
    // audience
    const vault = issueToken({ issuer, serviceAccount: saRef, audiences: ['vault'], expirationSeconds: 600 }).token;
    assert.equal(errorOf(auth.authenticateToken(vault)), `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`);
    assert.ok(auth.authenticateToken(vault, ['vault']).ok);
    assert.equal(errorOf(auth.authenticateToken(vault, ['a', 'b'])), 'token audiences ["vault"] is invalid for the target audiences ["a" "b"]');
    // not yet valid / issued in the future
    const future = issueToken({ issuer, serviceAccount: saRef, audiences: [ISSUER], expirationSeconds: 600, nowMs: clock.ms + 120_000 }).token;
    assert.equal(errorOf(auth.authenticateToken(future)), 'service account token is not valid yet');
    // tampered payload
    const good = issueToken({ issuer, serviceAccount: saRef, audiences: [ISSUER], expirationSeconds: 600 }).token;
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims['kubernetes.io'].serviceaccount.name = 'admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    assert.equal(errorOf(auth.authenticateToken(forged)), 'go-jose/go-jose: error in cryptographic primitive');
    // signed by a key the server does not know, with its kid / without a kid
    const stranger = new ServiceAccountTokenIssuer({ signingKey: signingKeyFromPrivateKey(ecKeys().privateKey), issuer: ISSUER, apiAudiences: [ISSUER], now: clock.now });
    const strange = issueToken({ issuer: stranger, serviceAccount: saRef, audiences: [ISSUER], expirationSeconds: 600 }).token;
    assert.equal(errorOf(auth.authenticateToken(strange)), 'invalid signature, no keys found');
    const noKid = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${strange.split('.')[1]}.${strange.split('.')[2]}`;
    assert.equal(errorOf(auth.authenticateToken(noKid)), 'go-jose/go-jose: error in cryptographic primitive');
    // alg none
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    assert.equal(errorOf(auth.authenticateToken(none)), 'go-jose/go-jose: error in cryptographic primitive');
    // garbage is not recognised
    for (const t of ['abc', 'a.b.c', '{"iss":"x"}', `${h}.${p}`]) assert.equal(errorOf(auth.authenticateToken(t)), 'invalid bearer token');
  });

  test('several verification keys (rotation): any key verifies, kid selects', () => {
    const old = signingKeyFromPrivateKey(ecKeys().privateKey);
    const cur = signingKeyFromPrivateKey(rsaKeys().privateKey);
    const { issuer, auth, sa, clock } = setup(cur, { verifyKeys: [old, cur] });
    const saRef = { namespace: 'ns1', name: 'robot', uid: sa.metadata.uid };
    const byOld = issueToken({ issuer: new ServiceAccountTokenIssuer({ signingKey: old, issuer: ISSUER, apiAudiences: [ISSUER], now: clock.now }), serviceAccount: saRef, audiences: [ISSUER], expirationSeconds: 600 });
    assert.ok(auth.authenticateToken(byOld.token).ok);
    assert.ok(auth.authenticateToken(issueToken({ issuer, serviceAccount: saRef, audiences: [ISSUER], expirationSeconds: 600 }).token).ok);
  });

  test('all issuers are accepted, the first one issues; --api-audiences default to the issuers', () => {
    const { issuer, sa, clock, signing } = setup(undefined, { issuers: ['https://new', 'https://old'] });
    assert.equal(issuer.issuer, 'https://new');
    const objects = new MemorySource();
    objects.put('', 'serviceaccounts', sa);
    const auth = TokenAuthenticator.fromFlags({ serviceAccountKeys: [publicKeyEntry(signing.publicKey)], serviceAccountIssuers: ['https://new', 'https://old'], objects, now: clock.now });
    assert.deepEqual(auth.apiAudiences, ['https://new', 'https://old']);
    const oldIssuer = new ServiceAccountTokenIssuer({ signingKey: signing, issuer: 'https://old', apiAudiences: ['https://old'], now: clock.now });
    const r = auth.authenticateToken(issueToken({ issuer: oldIssuer, serviceAccount: { namespace: 'ns1', name: 'robot', uid: sa.metadata.uid }, audiences: ['https://old'], expirationSeconds: 600 }).token);
    assert.ok(r.ok);
    assert.deepEqual(r.audiences, ['https://old']);
  });

  test('tokens die with their ServiceAccount, pod, secret or node (or a recreation with a new uid)', () => {
    const { issuer, objects, auth, sa } = setup();
    const p = objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    const podTok = createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer).status.token;
    const sec = objects.put('', 'secrets', secret('ns1', 'bound', 'Opaque'));
    const secTok = createTokenRequest(sa, { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound' } }, objects, issuer).status.token;
    const n = objects.put('', 'nodes', node('node-9'));
    const nodeTok = createTokenRequest(sa, { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'node-9' } }, objects, issuer).status.token;
    const saTok = createTokenRequest(sa, {}, objects, issuer).status.token;
    for (const t of [podTok, secTok, nodeTok, saTok]) assert.ok(auth.authenticateToken(t).ok);

    const nodeUser = auth.authenticateToken(nodeTok);
    assert.ok(nodeUser.ok);
    assert.deepEqual(nodeUser.user.extra!['authentication.kubernetes.io/node-name'], ['node-9']);
    assert.equal(nodeUser.user.extra!['authentication.kubernetes.io/pod-name'], undefined);

    // pod: deleted, then recreated under the same name
    objects.delete('', 'pods', 'ns1', 'web');
    assert.equal(errorOf(auth.authenticateToken(podTok)), 'service account token has been invalidated');
    const p2 = objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    assert.equal(errorOf(auth.authenticateToken(podTok)), `pod UID (${p2.metadata.uid}) does not match service account pod ref claim (${p.metadata.uid})`);
    // a pod being deleted: fine during the leeway, invalid after
    objects.put('', 'pods', { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(Date.UTC(2025, 0, 15, 11, 59, 30)).toISOString() } });
    assert.ok(auth.authenticateToken(podTok).ok);
    objects.put('', 'pods', { ...p, metadata: { ...p.metadata, deletionTimestamp: '2025-01-15T11:58:00Z' } });
    assert.equal(errorOf(auth.authenticateToken(podTok)), 'service account token has been invalidated');

    objects.delete('', 'secrets', 'ns1', 'bound');
    assert.equal(errorOf(auth.authenticateToken(secTok)), 'service account token has been invalidated');
    const sec2 = objects.put('', 'secrets', secret('ns1', 'bound', 'Opaque'));
    assert.equal(errorOf(auth.authenticateToken(secTok)), `secret UID (${sec2.metadata.uid}) does not match service account secret ref claim (${sec.metadata.uid})`);

    objects.delete('', 'nodes', '', 'node-9');
    assert.equal(errorOf(auth.authenticateToken(nodeTok)), 'service account token has been invalidated');
    const n2 = objects.put('', 'nodes', node('node-9'));
    assert.equal(errorOf(auth.authenticateToken(nodeTok)), `node UID (${n2.metadata.uid}) does not match service account node ref claim (${n.metadata.uid})`);

    objects.delete('', 'serviceaccounts', 'ns1', 'robot');
    assert.equal(errorOf(auth.authenticateToken(saTok)), 'serviceaccounts "robot" not found');
    const sa2 = objects.put('', 'serviceaccounts', serviceAccount('ns1', 'robot'));
    assert.equal(errorOf(auth.authenticateToken(saTok)), `service account UID (${sa2.metadata.uid}) does not match claim (${sa.metadata.uid})`);
  });
});

describe('legacy secret-based tokens', () => {
  function legacySetup() {
    const env = setup();
    const { objects, sa, signing } = env;
    const s = secret('ns1', 'robot-token', 'kubernetes.io/service-account-token', {}, { metadata: { annotations: { 'kubernetes.io/service-account.name': 'robot' } } });
    const token = generateLegacyToken(signing, sa, s);
    s.data.token = Buffer.from(token).toString('base64');
    objects.put('', 'secrets', s);
    return { ...env, s, token };
  }

  test('claims as the tokens controller writes them; accepted while the secret holds the token', () => {
    const { token, auth, objects, sa, s, signing } = legacySetup();
    const d = decodeJWT(token)!;
    assert.deepEqual(d.header, { alg: 'RS256', kid: signing.kid });
    assert.equal(Buffer.from(token.split('.')[1], 'base64url').toString(),
      `{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ns1","kubernetes.io/serviceaccount/secret.name":"robot-token",`
      + `"kubernetes.io/serviceaccount/service-account.name":"robot","kubernetes.io/serviceaccount/service-account.uid":"${sa.metadata.uid}","sub":"system:serviceaccount:ns1:robot"}`);
    const r = auth.authenticateToken(token);
    assert.ok(r.ok);
    assert.deepEqual(r.user, { username: 'system:serviceaccount:ns1:robot', uid: sa.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] });
    assert.deepEqual(r.audiences, [ISSUER], 'legacy tokens count as API server audiences');
    assert.deepEqual(r.annotations, { 'authentication.k8s.io/legacy-token': 'system:serviceaccount:ns1:robot', 'authentication.k8s.io/legacy-token-manual-secret': 'robot-token' });
    assert.equal(errorOf(auth.authenticateToken(token, ['vault'])), `token audiences ["${ISSUER}"] is invalid for the target audiences ["vault"]`);

    // auto-generated (listed in the ServiceAccount's secrets): a warning
    objects.put('', 'serviceaccounts', { ...sa, secrets: [{ name: 'robot-token' }] });
    const w = auth.authenticateToken(token);
    assert.ok(w.ok);
    assert.deepEqual(w.warnings, ['Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.']);

    // marked invalid
    objects.put('', 'secrets', { ...s, metadata: { ...s.metadata, labels: { 'kubernetes.io/legacy-token-invalid-since': '2024-01-01' } } });
    assert.match(errorOf(auth.authenticateToken(token)), /^the token in secret ns1\/robot-token for service account ns1\/robot has been marked invalid\./);

    // token replaced, secret deleted
    objects.put('', 'secrets', { ...s, data: { token: Buffer.from('other').toString('base64') } });
    assert.equal(errorOf(auth.authenticateToken(token)), "Token does not match server's copy");
    objects.delete('', 'secrets', 'ns1', 'robot-token');
    assert.equal(errorOf(auth.authenticateToken(token)), 'Token has been invalidated');
  });

  test('ServiceAccount gone or recreated; last-used label patch', () => {
    const { token, auth, objects, sa, s } = legacySetup();
    objects.delete('', 'serviceaccounts', 'ns1', 'robot');
    assert.equal(errorOf(auth.authenticateToken(token)), 'serviceaccounts "robot" not found');
    const sa2 = objects.put('', 'serviceaccounts', serviceAccount('ns1', 'robot'));
    assert.equal(errorOf(auth.authenticateToken(token)), `ServiceAccount UID (${sa2.metadata.uid}) does not match claim (${sa.metadata.uid})`);
    const day = Date.UTC(2025, 0, 15, 12);
    assert.deepEqual(legacyTokenLastUsedPatch(s, day), { metadata: { labels: { 'kubernetes.io/legacy-token-last-used': '2025-01-15' }, name: 'robot-token', namespace: 'ns1', uid: s.metadata.uid } });
    assert.equal(legacyTokenLastUsedPatch({ ...s, metadata: { ...s.metadata, labels: { 'kubernetes.io/legacy-token-last-used': '2025-01-15' } } }, day), undefined);
  });
});

describe('TokenRequest', () => {
  test('defaults: audiences = --api-audiences, expirationSeconds 3600; no extension unless pod-bound 3607s', () => {
    const { issuer, objects, sa, clock } = setup();
    const r = createTokenRequest(sa, undefined, objects, issuer);
    assert.deepEqual(r.object.spec, { audiences: [ISSUER], expirationSeconds: 3600 });
    const c = decodeJWT(r.status.token)!.claims;
    assert.equal((c.exp as number) - (c.iat as number), 3600);
    assert.deepEqual(c['kubernetes.io'], { namespace: 'ns1', serviceaccount: { name: 'robot', uid: sa.metadata.uid } });
    assert.equal(r.status.expirationTimestamp, '2025-01-15T13:00:00Z');
    // 3607 without a pod: not extended; for a non-API audience: not extended
    objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    const plain = decodeJWT(createTokenRequest(sa, { expirationSeconds: 3607 }, objects, issuer).status.token)!.claims;
    assert.equal((plain.exp as number) - (plain.iat as number), 3607);
    const vault = decodeJWT(createTokenRequest(sa, { expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer).status.token)!.claims;
    assert.equal((vault.exp as number) - (vault.iat as number), 3607);
    assert.equal((vault['kubernetes.io'] as { warnafter?: number }).warnafter, undefined);
    void clock;
  });

  test('--service-account-max-token-expiration caps with a warning', () => {
    const { issuer, objects, sa } = setup(undefined, { max: 7200 });
    const r = createTokenRequest(sa, { expirationSeconds: 86400 }, objects, issuer);
    assert.deepEqual(r.warnings, ['requested expiration of 86400 seconds shortened to 7200 seconds']);
    assert.equal(r.object.spec.expirationSeconds, 7200);
    const c = decodeJWT(r.status.token)!.claims;
    assert.equal((c.exp as number) - (c.iat as number), 7200);
  });

  test('validation and bound object errors as upstream', () => {
    const { issuer, objects, sa } = setup();
    let e = statusError(() => createTokenRequest(sa, { expirationSeconds: 60 }, objects, issuer));
    assert.equal(e.code, 422);
    assert.equal(e.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    e = statusError(() => createTokenRequest(sa, { expirationSeconds: 2 ** 32 + 1 }, objects, issuer));
    assert.equal(e.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds');

    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'ghost' } }, objects, issuer));
    assert.deepEqual([e.code, e.reason, e.message], [404, 'NotFound', 'pods "ghost" not found']);
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'ghost' } }, objects, issuer));
    assert.deepEqual([e.code, e.message], [404, 'secrets "ghost" not found']);
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'ghost' } }, objects, issuer));
    assert.deepEqual([e.code, e.message], [404, 'nodes "ghost" not found']);
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }, objects, issuer));
    assert.deepEqual([e.code, e.reason, e.message], [400, 'BadRequest', 'cannot bind token to object of type /v1, Kind=ConfigMap']);
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'apps/v1', name: 'x' } }, objects, issuer));
    assert.equal(e.message, 'cannot bind token to object of type apps/v1, Kind=Pod');
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1' } }, objects, issuer));
    assert.deepEqual([e.code, e.message], [400, 'Name parameter required.']);

    objects.put('', 'pods', pod('ns1', 'other', 'someone-else'));
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } }, objects, issuer));
    assert.deepEqual([e.code, e.message], [400, 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.']);

    const p = objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    e = statusError(() => createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'stale-uid' } }, objects, issuer));
    assert.deepEqual([e.code, e.reason], [409, 'Conflict']);
    assert.equal(e.message, 'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (stale-uid) does not match the UID in record. The object might have been deleted and then recreated');
    assert.ok(createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: p.metadata.uid } }, objects, issuer).status.token);

    e = statusError(() => validateTokenRequestMetadata({ metadata: { name: 'x' } }, 'robot', 'ns1'));
    assert.equal(e.message, 'TokenRequest.authentication.k8s.io "robot" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified');
    validateTokenRequestMetadata({ metadata: { name: 'robot', namespace: 'ns1' } }, 'robot', 'ns1');
  });

  test('pod on a node that does not exist: node name without uid', () => {
    const { issuer, objects, sa, auth } = setup();
    objects.put('', 'pods', pod('ns1', 'web', 'robot', 'gone-node'));
    const { status } = createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer);
    assert.deepEqual((decodeJWT(status.token)!.claims['kubernetes.io'] as Record<string, unknown>).node, { name: 'gone-node' });
    const r = auth.authenticateToken(status.token);
    assert.ok(r.ok);
    assert.deepEqual(r.user.extra!['authentication.kubernetes.io/node-name'], ['gone-node']);
    assert.equal(r.user.extra!['authentication.kubernetes.io/node-uid'], undefined);
  });
});
