import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';

import {
  AESCBCTransformer,
  AESGCMTransformer,
  identityPrefixTransformer,
  IdentityTransformer,
  keyedPrefixTransformer,
  PrefixTransformers,
  SecretboxTransformer,
  TransformError,
  type KeyedProvider,
} from '../../../src/apiserver/encryption/transformers.js';
import { poly1305, secretboxOpen, secretboxSeal } from '../../../src/apiserver/encryption/secretbox.js';

const KEY = Buffer.from('/registry/secrets/default/s1');
const PLAIN = Buffer.from('{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","namespace":"default"},"data":{"password":"aHVudGVyMg=="}}');

function keyed(provider: KeyedProvider, keys: { name: string; bytes: Buffer }[]): PrefixTransformers {
  const t = keyedPrefixTransformer(
    provider,
    keys.map((k) => ({ name: k.name, secret: k.bytes.toString('base64') })),
  );
  return new PrefixTransformers([t], 'no matching prefix found');
}

test('each provider round-trips and lays out its prefix, never the plaintext', () => {
  const cases: [KeyedProvider, number, string][] = [
    ['aescbc', 32, 'k8s:enc:aescbc:v1:key1:'],
    ['aescbc', 16, 'k8s:enc:aescbc:v1:key1:'],
    ['aescbc', 24, 'k8s:enc:aescbc:v1:key1:'],
    ['aesgcm', 32, 'k8s:enc:aesgcm:v1:key1:'],
    ['aesgcm', 16, 'k8s:enc:aesgcm:v1:key1:'],
    ['secretbox', 32, 'k8s:enc:secretbox:v1:key1:'],
  ];
  for (const [provider, size, prefix] of cases) {
    const t = keyed(provider, [{ name: 'key1', bytes: randomBytes(size) }]);
    for (const plain of [PLAIN, Buffer.alloc(0), Buffer.alloc(16, 7), Buffer.alloc(1000, 'x')]) {
      const stored = t.transformToStorage(plain, KEY);
      assert.equal(stored.subarray(0, prefix.length).toString(), prefix, provider);
      if (plain.length > 8) assert.equal(stored.includes(plain.subarray(0, 16)), false, `${provider} leaks plaintext`);
      const back = t.transformFromStorage(stored, KEY);
      assert.deepEqual(back.data, plain);
      assert.equal(back.stale, false);
      // random IV / nonce: two writes differ
      assert.notDeepEqual(t.transformToStorage(plain, KEY), stored);
    }
  }
});

test('sizes: CBC IV + padded blocks, GCM nonce + tag, secretbox nonce + tag', () => {
  const body = (t: PrefixTransformers, prefix: string, n: number) => t.transformToStorage(Buffer.alloc(n), KEY).length - prefix.length;
  const cbc = keyed('aescbc', [{ name: 'k', bytes: randomBytes(32) }]);
  assert.equal(body(cbc, 'k8s:enc:aescbc:v1:k:', 0), 32); // IV + one block of padding
  assert.equal(body(cbc, 'k8s:enc:aescbc:v1:k:', 15), 32);
  assert.equal(body(cbc, 'k8s:enc:aescbc:v1:k:', 16), 48); // a full block gets a padding block
  const gcm = keyed('aesgcm', [{ name: 'k', bytes: randomBytes(32) }]);
  assert.equal(body(gcm, 'k8s:enc:aesgcm:v1:k:', 10), 12 + 10 + 16);
  const sb = keyed('secretbox', [{ name: 'k', bytes: randomBytes(32) }]);
  assert.equal(body(sb, 'k8s:enc:secretbox:v1:k:', 10), 24 + 16 + 10);
});

test('aescbc: decrypts a value built by hand (openssl enc -aes-256-cbc) in upstream layout', () => {
  // openssl enc -aes-256-cbc -K 000102..1f -iv 6465..73 < plaintext
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  const iv = Buffer.from('6465666768696a6b6c6d6e6f70717273', 'hex');
  const ct = Buffer.from(
    '44283a8a80a45cba29966b60a5c5bdab29df94c4e216912e2dd214420707bf0db6c99db71f64f8ad80a385316b4b7e7cc880049f231940f659d22354c495ae50911a750395e1dc04dfcf094d66aa94349ad4786abf7180bd9f5df68cbd2466a5a0cc7fe010fe4d4c42822b26210cfff360c8d06fc4e3d0deb8e9df0561a6d234',
    'hex',
  );
  const stored = Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), iv, ct]);
  const t = keyed('aescbc', [{ name: 'key1', bytes: key }]);
  assert.equal(t.transformFromStorage(stored, KEY).data.toString(), PLAIN.toString());
  // CBC carries no authenticated data: any storage key reads it
  assert.equal(t.transformFromStorage(stored, Buffer.from('/elsewhere')).data.toString(), PLAIN.toString());

  // and what we write, node:crypto decrypts the upstream way (IV prefix, PKCS#7)
  const mine = t.transformToStorage(PLAIN, KEY).subarray('k8s:enc:aescbc:v1:key1:'.length);
  const dec = createDecipheriv('aes-256-cbc', key, mine.subarray(0, 16));
  assert.equal(Buffer.concat([dec.update(mine.subarray(16)), dec.final()]).toString(), PLAIN.toString());
});

test('aesgcm: decrypts a value sealed by another implementation, with the etcd key as additional data', () => {
  // Python cryptography AESGCM(key).encrypt(nonce, plaintext, b"/registry/secrets/default/s1")
  const key = Buffer.from('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f', 'hex');
  const nonce = Buffer.from('c8c9cacbcccdcecfd0d1d2d3', 'hex');
  const sealed = Buffer.from(
    'de6bc58bdd3280f87ccce68e901d71f6bde6520eb8a41d832e9c4a94eb4947ce445439c3b61a49bdffbc79ee8d52319195b86cf117080921402057f2266507564f1471817d0938e493abcd91fcb8ba6c2099f1a02963970b0fb8846675ae8fd8c9f6d4fff3eef8ec276ccf5648b3884fb0cd059912ed20e19eee8a322394e1110d24baafab',
    'hex',
  );
  const stored = Buffer.concat([Buffer.from('k8s:enc:aesgcm:v1:key1:'), nonce, sealed]);
  const t = keyed('aesgcm', [{ name: 'key1', bytes: key }]);
  assert.equal(t.transformFromStorage(stored, KEY).data.toString(), PLAIN.toString());
  // the same bytes copied under another key do not authenticate
  assert.throws(() => t.transformFromStorage(stored, Buffer.from('/registry/secrets/default/s2')), {
    message: 'cipher: message authentication failed',
  });

  // AES-128 as well
  const t16 = keyed('aesgcm', [{ name: 'k', bytes: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex') }]);
  const v16 = Buffer.concat([Buffer.from('k8s:enc:aesgcm:v1:k:'), nonce, Buffer.from('5e4df8d2612b4fb68c8069336d51fc275409192d0f', 'hex')]);
  assert.equal(t16.transformFromStorage(v16, Buffer.from('/registry/configmaps/ns/cm')).data.toString(), 'hello');

  // what we write, node:crypto opens as nonce || ciphertext || tag with the key as AAD
  const mine = t.transformToStorage(PLAIN, KEY).subarray('k8s:enc:aesgcm:v1:key1:'.length);
  const dec = createDecipheriv('aes-256-gcm', key, mine.subarray(0, 12));
  dec.setAAD(KEY);
  dec.setAuthTag(mine.subarray(mine.length - 16));
  assert.equal(Buffer.concat([dec.update(mine.subarray(12, mine.length - 16)), dec.final()]).toString(), PLAIN.toString());
});

test('secretbox: NaCl known answer (x/crypto nacl/secretbox test vector) and upstream layout', () => {
  const key = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(24, 2);
  const message = Buffer.alloc(64, 3);
  const expected =
    '8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87db70acb6156dc5ef957ac04f6276cf6093b84be77ff0849cc33e34b7254d5a8f65ad';
  assert.equal(secretboxSeal(message, nonce, key).toString('hex'), expected);
  assert.deepEqual(secretboxOpen(Buffer.from(expected, 'hex'), nonce, key), message);
  // upstream stores nonce || box after the prefix
  const stored = Buffer.concat([Buffer.from('k8s:enc:secretbox:v1:key1:'), nonce, Buffer.from(expected, 'hex')]);
  const t = keyed('secretbox', [{ name: 'key1', bytes: key }]);
  assert.deepEqual(t.transformFromStorage(stored, KEY).data, message);
  // any flipped bit fails authentication
  for (let i = 'k8s:enc:secretbox:v1:key1:'.length; i < stored.length; i += 7) {
    const bad = Buffer.from(stored);
    bad[i] ^= 0x20;
    assert.throws(() => t.transformFromStorage(bad, KEY), { message: 'output array was not large enough for encryption' });
  }
});

test('poly1305: RFC 8439 section 2.5.2 test vector', () => {
  const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
  const tag = poly1305(key, Buffer.from('Cryptographic Forum Research Group'));
  assert.equal(tag.toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('multi-key provider: the first key writes, every key reads, reads by a later key are stale', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  for (const provider of ['aescbc', 'aesgcm', 'secretbox'] as const) {
    const old = keyed(provider, [{ name: 'key1', bytes: k1 }]);
    const rotated = keyed(provider, [
      { name: 'key2', bytes: k2 },
      { name: 'key1', bytes: k1 },
    ]);
    const v1 = old.transformToStorage(PLAIN, KEY);
    const v2 = rotated.transformToStorage(PLAIN, KEY);
    assert.ok(v2.toString('latin1').startsWith(`k8s:enc:${provider}:v1:key2:`));
    assert.deepEqual(rotated.transformFromStorage(v1, KEY), { data: PLAIN, stale: true });
    assert.deepEqual(rotated.transformFromStorage(v2, KEY), { data: PLAIN, stale: false });
    // the old configuration cannot read the new key's values: a clear error, not garbage
    assert.throws(
      () => old.transformFromStorage(v2, KEY),
      provider === 'secretbox' ? { message: 'no matching key was found for the provided Secretbox transformer' } : { message: 'no matching key was found for the provided AES transformer' },
    );
  }
});

test('wrong secret under the right key name fails clearly', () => {
  const good = keyed('aesgcm', [{ name: 'key1', bytes: randomBytes(32) }]);
  const bad = keyed('aesgcm', [{ name: 'key1', bytes: randomBytes(32) }]);
  assert.throws(() => bad.transformFromStorage(good.transformToStorage(PLAIN, KEY), KEY), { message: 'cipher: message authentication failed' });
  const sgood = keyed('secretbox', [{ name: 'key1', bytes: randomBytes(32) }]);
  const sbad = keyed('secretbox', [{ name: 'key1', bytes: randomBytes(32) }]);
  assert.throws(() => sbad.transformFromStorage(sgood.transformToStorage(PLAIN, KEY), KEY), { message: 'output array was not large enough for encryption' });
  // CBC has no authenticator: the padding check catches a wrong key almost always
  const cgood = keyed('aescbc', [{ name: 'key1', bytes: randomBytes(32) }]);
  let failures = 0;
  for (let i = 0; i < 50; i++) {
    const cbad = keyed('aescbc', [{ name: 'key1', bytes: randomBytes(32) }]);
    try {
      cbad.transformFromStorage(cgood.transformToStorage(PLAIN, KEY), KEY);
    } catch (e) {
      assert.match((e as Error).message, /^invalid (padding on input|PKCS7 data \(empty or not padded\))$/);
      failures++;
    }
  }
  assert.ok(failures >= 45, `only ${failures}/50 wrong-key reads failed`);
});

test('truncated and malformed values: upstream error texts', () => {
  const cbc = new AESCBCTransformer(randomBytes(32));
  assert.throws(() => cbc.transformFromStorage(Buffer.alloc(5)), { message: 'the stored data was shorter than the required size' });
  assert.throws(() => cbc.transformFromStorage(Buffer.alloc(20)), { message: 'the stored data is not a multiple of the block size' });
  assert.throws(() => cbc.transformFromStorage(Buffer.alloc(16)), { message: 'invalid PKCS7 data (empty or not padded)' });
  const gcm = new AESGCMTransformer(randomBytes(32));
  assert.throws(() => gcm.transformFromStorage(Buffer.alloc(11), KEY), { message: 'the stored data was shorter than the required size' });
  assert.throws(() => gcm.transformFromStorage(Buffer.alloc(20), KEY), { message: 'cipher: message authentication failed' });
  const sb = new SecretboxTransformer(randomBytes(32));
  assert.throws(() => sb.transformFromStorage(Buffer.alloc(39)), { message: 'the stored data was shorter than the required size' });
  assert.throws(() => sb.transformFromStorage(Buffer.alloc(40)), { message: 'output array was not large enough for encryption' });
});

test('identity: passes plain bytes, refuses encrypted ones', () => {
  const id = new IdentityTransformer();
  assert.deepEqual(id.transformFromStorage(PLAIN), { data: PLAIN, stale: false });
  assert.deepEqual(id.transformToStorage(PLAIN), PLAIN);
  assert.throws(() => id.transformFromStorage(Buffer.from('k8s:enc:aescbc:v1:key1:xxxx')), {
    message: 'identity transformer tried to read encrypted data',
  });
});

test('prefix transformers: provider order, identity fallbacks and the no-match error', () => {
  const key = randomBytes(32);
  const aes = keyedPrefixTransformer('aescbc', [{ name: 'key1', secret: key.toString('base64') }]);
  const encryptFirst = new PrefixTransformers([aes, identityPrefixTransformer()], 'no matching prefix found');
  const identityFirst = new PrefixTransformers([identityPrefixTransformer(), aes], 'no matching prefix found');
  const encryptOnly = new PrefixTransformers([aes], 'no matching prefix found');

  // identity first (decrypting away from encryption): writes plain, still reads encrypted
  const enc = encryptFirst.transformToStorage(PLAIN, KEY);
  assert.deepEqual(identityFirst.transformToStorage(PLAIN, KEY), PLAIN);
  assert.deepEqual(identityFirst.transformFromStorage(enc, KEY), { data: PLAIN, stale: true });
  // encrypting over existing plain data: plain values read (stale) while identity is listed
  assert.deepEqual(encryptFirst.transformFromStorage(PLAIN, KEY), { data: PLAIN, stale: true });
  // without identity, plain data has no matching prefix
  assert.throws(() => encryptOnly.transformFromStorage(PLAIN, KEY), (e: unknown) => e instanceof TransformError && e.message === 'no matching prefix found');
  // a provider that is not configured at all
  const other = keyedPrefixTransformer('secretbox', [{ name: 'key1', secret: randomBytes(32).toString('base64') }]);
  const sbValue = new PrefixTransformers([other], 'x').transformToStorage(PLAIN, KEY);
  assert.throws(() => encryptFirst.transformFromStorage(sbValue, KEY), { message: 'no matching prefix found' });
  assert.throws(() => encryptOnly.transformFromStorage(sbValue, KEY), { message: 'no matching prefix found' });
});

test('two providers of one kind share a prefix: a failure in the first tries the second', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const b64 = (b: Buffer) => b.toString('base64');
  // the same key name with two secrets, in two provider entries: the first fails, the second reads
  const first = keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: b64(k2) }]);
  const second = keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: b64(k1) }]);
  const both = new PrefixTransformers([first, second], 'no matching prefix found');
  const written = new PrefixTransformers([second], 'x').transformToStorage(PLAIN, KEY);
  assert.deepEqual(both.transformFromStorage(written, KEY), { data: PLAIN, stale: true });
  // both failing: the errors are aggregated as upstream does
  const gcmA = keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: b64(k1) }]);
  const gcmB = keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: b64(k2) }]);
  const v = new PrefixTransformers([keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: b64(randomBytes(32)) }])], 'x').transformToStorage(PLAIN, KEY);
  assert.throws(() => new PrefixTransformers([gcmA, gcmB], 'no matching prefix found').transformFromStorage(v, KEY), {
    message: 'cipher: message authentication failed',
  });
  const gcmC = keyedPrefixTransformer('aesgcm', [{ name: 'j', secret: b64(k1) }]);
  assert.throws(() => new PrefixTransformers([gcmA, gcmC], 'no matching prefix found').transformFromStorage(v, KEY), {
    message: '[cipher: message authentication failed, no matching key was found for the provided AES transformer]',
  });
});

test('construction errors are upstream words', () => {
  assert.throws(() => keyedPrefixTransformer('aescbc', []), { message: 'aes provider has no valid keys' });
  assert.throws(() => keyedPrefixTransformer('secretbox', []), { message: 'secretbox provider has no valid keys' });
  assert.throws(() => keyedPrefixTransformer('aesgcm', [{ name: '', secret: 'x' }]), { message: 'key with invalid name provided' });
  assert.throws(() => keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: '' }]), { message: 'key k has no provided secret' });
  assert.throws(() => keyedPrefixTransformer('aesgcm', [{ name: 'k', secret: Buffer.alloc(7).toString('base64') }]), {
    message: 'error while creating cipher for named key k: crypto/aes: invalid key size 7',
  });
  assert.throws(() => keyedPrefixTransformer('secretbox', [{ name: 'k', secret: Buffer.alloc(16).toString('base64') }]), {
    message: 'expected key size 32 for secretbox provider, got 16',
  });
});
