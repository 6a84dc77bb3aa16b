import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { computeDetachedSignature } from '../../../src/controllers/bootstrap/jws.js';
import { tokenForSigning } from '../../../src/controllers/bootstrap/bootstrapsigner.js';
import { TTLSteps } from '../../../src/controllers/ttl/ttl_controller.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('detached JWS over the cluster-info kubeconfig (HS256, kid = token id, no payload)', async () => {
  const sig = await computeDetachedSignature('kubeconfig-content', 'abcdef', '0123456789abcdef');
  const [h, empty, s] = sig.split('.');
  assert.equal(empty, '');
  assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', kid: 'abcdef' });
  const mac = createHmac('sha256', '0123456789abcdef').update(`${h}.${Buffer.from('kubeconfig-content').toString('base64url')}`).digest('base64url');
  assert.equal(s, mac);
});

test('only valid, unexpired signing tokens sign', () => {
  const secret = (extra: Record<string, string>, name = 'bootstrap-token-abcdef') => ({ metadata: { name, namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token', data: Object.fromEntries(Object.entries({ 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-signing': 'true', ...extra }).map(([k, v]) => [k, b64(v)])) });
  assert.deepEqual(tokenForSigning(secret({})), ['abcdef', '0123456789abcdef']);
  assert.equal(tokenForSigning(secret({ 'usage-bootstrap-signing': 'false' })), undefined);
  assert.equal(tokenForSigning(secret({ expiration: '2000-01-01T00:00:00Z' })), undefined);
  assert.equal(tokenForSigning(secret({}, 'bootstrap-token-zzzzzz')), undefined);
});

test('TTL steps grow and shrink with hysteresis', () => {
  const s = new TTLSteps();
  for (let i = 0; i < 100; i++) s.added();
  assert.equal(s.desiredTTLSeconds, 0);
  s.added();
  assert.equal(s.desiredTTLSeconds, 15);
  for (let i = 0; i < 5; i++) s.deleted();
  assert.equal(s.desiredTTLSeconds, 15, 'stays above 90');
  for (let i = 0; i < 10; i++) s.deleted();
  assert.equal(s.desiredTTLSeconds, 0);
});
