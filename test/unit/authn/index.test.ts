import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../src/apimachinery/errors.js';
import {
  TokenAuthenticator, TokenFile, selfSubjectReview, tokenReview, tokenReviewResponse, withAuthenticatedGroup,
} from '../../../src/apiserver/authn/index.js';
import {
  ServiceAccountTokenIssuer, aggregateMessage, createTokenRequest, publicKeyEntry, serviceAccountAuthenticators, signingKeyFromPrivateKey,
} from '../../../src/apiserver/authn/serviceaccount.js';
import { Clock, MemorySource, pod, rsaKeys, serviceAccount } from './helpers.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

function setup(cacheTTLMs?: number) {
  const clock = new Clock();
  const objects = new MemorySource();
  const signing = signingKeyFromPrivateKey(rsaKeys().privateKey);
  const issuer = new ServiceAccountTokenIssuer({ signingKey: signing, issuer: ISSUER, apiAudiences: [ISSUER], now: clock.now });
  const auth = new TokenAuthenticator({
    tokenFile: TokenFile.parse('static-token,alice,alice-uid,"dev,system:authenticated"\nbob-token,bob,,\n', '/tokens.csv'),
    serviceAccounts: serviceAccountAuthenticators({ keys: [publicKeyEntry(signing.publicKey)], issuers: [ISSUER], apiAudiences: [ISSUER], objects, now: clock.now }),
    apiAudiences: [ISSUER],
    objects,
    now: clock.now,
    cacheTTLMs,
  });
  const sa = objects.put('', 'serviceaccounts', serviceAccount('ns1', 'robot'));
  return { clock, objects, issuer, auth, sa };
}

describe('TokenAuthenticator', () => {
  test('union: token file first, then ServiceAccount tokens; system:authenticated added once', async () => {
    const { auth } = setup();
    assert.deepEqual(await auth.authenticate('static-token'), { username: 'alice', uid: 'alice-uid', groups: ['dev', 'system:authenticated'] });
    assert.deepEqual(await auth.authenticate('bob-token'), { username: 'bob', uid: '', groups: ['', 'system:authenticated'] });
    assert.equal(await auth.authenticate(''), undefined);
    assert.deepEqual(withAuthenticatedGroup({ username: 'system:anonymous', groups: [] }), { username: 'system:anonymous', groups: [] });
  });

  test('cache: successes are cached (10s by default), keyed by audiences; failures are not', async () => {
    const { auth, issuer, objects, sa, clock } = setup();
    const { status } = createTokenRequest(sa, {}, objects, issuer);
    const first = auth.authenticateToken(status.token);
    assert.ok(first.ok && !first.cached);
    const gets = objects.gets;
    const again = auth.authenticateToken(status.token);
    assert.ok(again.ok && again.cached);
    assert.equal(objects.gets, gets, 'no object lookups on a cache hit');
    assert.deepEqual(again.user, first.user);

    // other audiences: another cache entry
    assert.equal(auth.authenticateToken(status.token, ['vault']).ok, false);
    assert.deepEqual(auth.stats, { hits: 1, misses: 2 });
    assert.equal(auth.authenticateToken('nope').ok, false);
    assert.equal(auth.authenticateToken('nope').ok, false);
    assert.equal(auth.cacheSize, 1);

    clock.advance(10);
    assert.equal(auth.authenticateToken(status.token).ok && auth.stats.hits, 1, 'expired after the TTL');

    // microseconds after the first request
    const n = 20000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) auth.authenticateToken(status.token);
    const perCall = Number(process.hrtime.bigint() - t0) / n / 1000;
    console.log(`cached ServiceAccount token: ${perCall.toFixed(2)} µs per authentication`);
    assert.ok(perCall < 50, `${perCall} µs`);
  });

  test('cached decisions die with the bound pod or ServiceAccount at once', async () => {
    const { auth, issuer, objects, sa } = setup();
    objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    const { status } = createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer);
    assert.ok(await auth.authenticate(status.token));
    assert.ok(auth.authenticateToken(status.token).ok && auth.stats.hits === 1);
    objects.delete('', 'pods', 'ns1', 'web');
    assert.equal(auth.authenticateToken(status.token).ok, false);

    const saTok = createTokenRequest(sa, {}, objects, issuer).status.token;
    assert.ok(await auth.authenticate(saTok));
    assert.equal(auth.cacheSize, 1);
    objects.delete('', 'serviceaccounts', 'ns1', 'robot');
    assert.equal(auth.cacheSize, 0);
    assert.equal(await auth.authenticate(saTok), undefined);
  });

  test('cache disabled with cacheTTLMs 0', () => {
    const { auth } = setup(0);
    auth.authenticateToken('static-token');
    auth.authenticateToken('static-token');
    assert.equal(auth.cacheSize, 0);
    assert.deepEqual(auth.stats, { hits: 0, misses: 0 });
  });

  test('Go aggregate texts', () => {
    assert.equal(aggregateMessage([]), undefined);
    assert.equal(aggregateMessage(['a']), 'a');
    assert.equal(aggregateMessage(['a', 'a']), 'a');
    assert.equal(aggregateMessage(['a', 'b', 'a']), '[a, b]');
  });
});

describe('TokenReview', () => {
  test('authenticated ServiceAccount token: user, audiences (status shape)', () => {
    const { auth, issuer, objects, sa } = setup();
    objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    const { status, object } = createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer);
    const jti = JSON.parse(Buffer.from(status.token.split('.')[1], 'base64url').toString()).jti;
    const podUID = (object.spec.boundObjectRef as { name: string }).name && objects.get('', 'pods', 'ns1', 'web')!.metadata.uid;
    assert.deepEqual(tokenReview({ token: status.token }, auth), {
      authenticated: true,
      user: {
        username: 'system:serviceaccount:ns1:robot',
        uid: sa.metadata.uid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
        extra: {
          'authentication.kubernetes.io/credential-id': [`JTI=${jti}`],
          'authentication.kubernetes.io/pod-name': ['web'],
          'authentication.kubernetes.io/pod-uid': [podUID],
        },
      },
      audiences: [ISSUER],
    });
  });

  test('other audiences: refused unless asked for (errors as the real API server prints them)', () => {
    const { auth, issuer, objects, sa } = setup();
    const { status } = createTokenRequest(sa, { audiences: ['coffre'] }, objects, issuer);
    assert.deepEqual(tokenReview({ token: status.token }, auth), {
      user: {},
      error: `[invalid bearer token, token audiences ["coffre"] is invalid for the target audiences ["${ISSUER}"]]`,
    });
    const ok = tokenReview({ token: status.token, audiences: ['coffre'] }, auth);
    assert.equal(ok.authenticated, true);
    assert.deepEqual(ok.audiences, ['coffre']);
    // a static token is only good for the API server's audiences
    assert.deepEqual(tokenReview({ token: 'static-token', audiences: ['coffre'] }, auth), { user: {}, error: 'invalid bearer token' });
    assert.deepEqual(tokenReview({ token: 'static-token' }, auth).audiences, [ISSUER]);
    assert.deepEqual(tokenReview({ token: 'garbage' }, auth), { user: {}, error: 'invalid bearer token' });
  });

  test('deleted objects; bad request without a token; the response object', () => {
    const { auth, issuer, objects, sa } = setup();
    objects.put('', 'pods', pod('ns1', 'web', 'robot'));
    const { status } = createTokenRequest(sa, { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, objects, issuer);
    objects.delete('', 'pods', 'ns1', 'web');
    assert.deepEqual(tokenReview({ token: status.token }, auth), { user: {}, error: '[invalid bearer token, service account token has been invalidated]' });
    assert.throws(() => tokenReview({}, auth), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'token is required for TokenReview in authentication');
    const resp = tokenReviewResponse({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'static-token' } }, auth);
    assert.deepEqual(resp, {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { token: 'static-token' },
      status: { authenticated: true, user: { username: 'alice', uid: 'alice-uid', groups: ['dev', 'system:authenticated'] }, audiences: [ISSUER] },
    });
  });
});

describe('SelfSubjectReview', () => {
  test('as kubectl auth whoami reads it', () => {
    const r = selfSubjectReview({ username: 'system:serviceaccount:ns1:robot', uid: 'u1', groups: ['system:serviceaccounts', 'system:authenticated'], extra: { 'b': ['2'], 'a': ['1'] } }, Date.UTC(2025, 0, 15, 12, 0, 0, 789));
    assert.equal(JSON.stringify(r), JSON.stringify({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: '2025-01-15T12:00:00Z' },
      status: { userInfo: { username: 'system:serviceaccount:ns1:robot', uid: 'u1', groups: ['system:serviceaccounts', 'system:authenticated'], extra: { a: ['1'], b: ['2'] } } },
    }));
    assert.deepEqual(selfSubjectReview({ username: 'admin', groups: ['system:masters'], extra: {} }, 0).status, { userInfo: { username: 'admin', groups: ['system:masters'] } });
  });
});
