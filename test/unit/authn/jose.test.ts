// Tokens made by k8ts verify with jose (an independent JOSE implementation), and their header
// and claims have upstream's shape.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, importSPKI, jwtVerify } from 'jose';
import { ServiceAccountTokenIssuer, createTokenRequest, generateLegacyToken, signingKeyFromPrivateKey } from '../../../src/apiserver/authn/serviceaccount.js';
import { MemorySource, ecKeys, node, pod, rsaKeys, secret, serviceAccount } from './helpers.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

describe('jose cross-check', () => {
  for (const [label, mk, alg] of [
    ['RSA', () => rsaKeys().privateKey, 'RS256'],
    ['ECDSA P-256', () => ecKeys().privateKey, 'ES256'],
    ['ECDSA P-521', () => ecKeys('secp521r1').privateKey, 'ES512'],
  ] as const) {
    test(`bound token verifies with jose (${label})`, async () => {
      const signing = signingKeyFromPrivateKey(mk());
      const issuer = new ServiceAccountTokenIssuer({ signingKey: signing, issuer: ISSUER, apiAudiences: [ISSUER] });
      const objects = new MemorySource();
      const sa = objects.put('', 'serviceaccounts', serviceAccount('default', 'builder'));
      const n = objects.put('', 'nodes', node('worker-1'));
      const p = objects.put('', 'pods', pod('default', 'build-7f9c', 'builder', 'worker-1'));
      const { status } = createTokenRequest(sa, { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'build-7f9c', uid: p.metadata.uid } }, objects, issuer);

      const key = await importSPKI(signing.publicKey.export({ type: 'spki', format: 'pem' }) as string, alg);
      const { payload, protectedHeader } = await jwtVerify(status.token, key, { issuer: ISSUER, audience: ISSUER, algorithms: [alg] });
      assert.deepEqual(protectedHeader, { alg, kid: signing.kid });
      assert.deepEqual(Object.keys(payload), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
      assert.equal(payload.sub, 'system:serviceaccount:default:builder');
      assert.deepEqual(payload.aud, [ISSUER]);
      assert.equal(payload.nbf, payload.iat);
      assert.equal(payload.exp! - payload.iat!, 365 * 24 * 3600);
      assert.deepEqual(payload['kubernetes.io'], {
        namespace: 'default',
        node: { name: 'worker-1', uid: n.metadata.uid },
        pod: { name: 'build-7f9c', uid: p.metadata.uid },
        serviceaccount: { name: 'builder', uid: sa.metadata.uid },
        warnafter: payload.iat! + 3607,
      });
      // a JWK of the key, as /openid/v1/jwks would publish it, also verifies (kid is not the RFC 7638 thumbprint)
      const jwk = { ...(await exportJWK(signing.publicKey)), kid: signing.kid, alg, use: 'sig' };
      assert.notEqual(await calculateJwkThumbprint(jwk), signing.kid);
      await jwtVerify(status.token, jwk, { audience: ISSUER });
      // and a flipped signature bit does not
      const sig = Buffer.from(status.token.split('.')[2], 'base64url');
      sig[5] ^= 1;
      await assert.rejects(jwtVerify(status.token.split('.').slice(0, 2).concat(sig.toString('base64url')).join('.'), key));

      if (alg === 'RS256') {
        console.log('decoded bound token header:', JSON.stringify(decodeProtectedHeader(status.token)));
        console.log('decoded bound token claims:', JSON.stringify(decodeJwt(status.token), null, 2));
      }
    });
  }

  test('legacy secret-based token verifies with jose', async () => {
    const signing = signingKeyFromPrivateKey(rsaKeys().privateKey);
    const sa = serviceAccount('default', 'builder');
    const token = generateLegacyToken(signing, sa, secret('default', 'builder-token', 'kubernetes.io/service-account-token'));
    const key = await importSPKI(signing.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'RS256');
    const { payload, protectedHeader } = await jwtVerify(token, key, { issuer: 'kubernetes/serviceaccount' });
    assert.deepEqual(protectedHeader, { alg: 'RS256', kid: signing.kid });
    assert.deepEqual(payload, {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'builder-token',
      'kubernetes.io/serviceaccount/service-account.name': 'builder',
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
      sub: 'system:serviceaccount:default:builder',
    });
    console.log('decoded legacy token claims:', JSON.stringify(payload));
  });
});
