import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BootstrapTokenAuthenticator, bootstrapGroups, parseBootstrapToken, parseRFC3339 } from '../../../src/apiserver/authn/bootstrap.js';
import { TokenAuthenticator, tokenReview } from '../../../src/apiserver/authn/index.js';
import { Clock, MemorySource, secret } from './helpers.js';

function bootstrapSecret(id: string, tokenSecret: string, data: Record<string, string> = {}, type = 'bootstrap.kubernetes.io/token') {
  return secret('kube-system', `bootstrap-token-${id}`, type, { 'token-id': id, 'token-secret': tokenSecret, 'usage-bootstrap-authentication': 'true', ...data });
}

function setup() {
  const clock = new Clock();
  const objects = new MemorySource();
  const bootstrap = new BootstrapTokenAuthenticator({ objects, now: clock.now });
  const auth = new TokenAuthenticator({ bootstrap, objects, now: clock.now, apiAudiences: ['https://kubernetes.default.svc'] });
  return { clock, objects, bootstrap, auth };
}

describe('bootstrap tokens', () => {
  test('token format', () => {
    assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), ['abcdef', '0123456789abcdef']);
    for (const t of ['ABCDEF.0123456789abcdef', 'abcde.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef0123456789abcdef', 'abcdef.0123456789abcdef ']) {
      assert.equal(parseBootstrapToken(t), undefined, t);
    }
  });

  test('valid token: system:bootstrap:<id>, system:bootstrappers + extra groups (sorted) + system:authenticated', async () => {
    const { objects, auth } = setup();
    objects.put('', 'secrets', bootstrapSecret('abcdef', '0123456789abcdef', {
      expiration: '2025-01-16T00:00:00Z',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token,system:bootstrappers:a',
    }));
    assert.deepEqual(await auth.authenticate('abcdef.0123456789abcdef'), {
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    });
    const review = tokenReview({ token: 'abcdef.0123456789abcdef' }, auth);
    assert.deepEqual(review.audiences, ['https://kubernetes.default.svc']);
    assert.equal(review.user.uid, undefined);
  });

  test('rejected: wrong secret, missing usage, expired, bad type, bad group, deleted, id mismatch', async () => {
    const { objects, auth, clock, bootstrap } = setup();
    const s = objects.put('', 'secrets', bootstrapSecret('abcdef', '0123456789abcdef', { expiration: '2025-01-15T12:10:00+00:00' }));
    assert.ok(await auth.authenticate('abcdef.0123456789abcdef'));
    auth.clearCache();
    assert.equal(await auth.authenticate('abcdef.0000000000000000'), undefined);
    assert.match(bootstrap.log.at(-1)!, /has invalid value for key token-secret/);

    clock.advance(600);
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'expired exactly at the expiration');
    assert.equal(tokenReview({ token: 'abcdef.0123456789abcdef' }, auth).error, 'invalid bearer token', 'bootstrap failures are not errors');

    const put = (data: Record<string, string>, type?: string) => {
      auth.clearCache();
      objects.put('', 'secrets', bootstrapSecret('abcdef', '0123456789abcdef', data, type));
    };
    put({ 'usage-bootstrap-authentication': 'false' });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined);
    put({ 'usage-bootstrap-authentication': '' });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'missing usage');
    put({}, 'Opaque');
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'wrong type');
    put({ 'auth-extra-groups': 'system:masters' });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'extra groups must start with system:bootstrappers:');
    assert.match(bootstrap.log.at(-1)!, /has invalid value for key auth-extra-groups: bootstrap group "system:masters" is invalid/);
    put({ expiration: 'tomorrow' });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'unparseable expiration counts as expired');
    put({ 'token-id': 'zzzzzz' });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'token-id must match');
    put({});
    assert.ok(await auth.authenticate('abcdef.0123456789abcdef'), 'no expiration: valid');
    objects.put('', 'secrets', { ...s, metadata: { ...s.metadata, deletionTimestamp: '2025-01-15T12:00:00Z' } });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'being deleted');
    objects.delete('', 'secrets', 'kube-system', 'bootstrap-token-abcdef');
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined, 'deleted');
    // a secret in another namespace does not count
    objects.put('', 'secrets', { ...bootstrapSecret('abcdef', '0123456789abcdef'), metadata: { namespace: 'default', name: 'bootstrap-token-abcdef', uid: 'u' } });
    assert.equal(await auth.authenticate('abcdef.0123456789abcdef'), undefined);
  });

  test('only with --enable-bootstrap-token-auth; groups helper; RFC 3339', () => {
    const objects = new MemorySource();
    objects.put('', 'secrets', bootstrapSecret('abcdef', '0123456789abcdef'));
    assert.equal(TokenAuthenticator.fromFlags({ objects }).authenticateToken('abcdef.0123456789abcdef').ok, false);
    assert.equal(TokenAuthenticator.fromFlags({ objects, enableBootstrapTokenAuth: true }).authenticateToken('abcdef.0123456789abcdef').ok, true);
    assert.deepEqual(bootstrapGroups(bootstrapSecret('a', 'b', { 'auth-extra-groups': 'system:bootstrappers:x,system:bootstrappers:x' })), ['system:bootstrappers', 'system:bootstrappers:x']);
    assert.equal(parseRFC3339('2025-01-15T12:00:00Z'), Date.UTC(2025, 0, 15, 12));
    assert.equal(parseRFC3339('2025-01-15T14:00:00.5+02:00'), Date.UTC(2025, 0, 15, 12, 0, 0, 500));
    assert.equal(parseRFC3339('2025-02-30T00:00:00Z'), undefined);
    assert.equal(parseRFC3339('2025-01-15 12:00:00Z'), undefined);
  });
});
