import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  buildEncryptionTransformer,
  defaultResourceOfKey,
  EncryptionConfigError,
  loadEncryptionConfig,
  parseEncryptionConfiguration,
  reencrypt,
  resourceOfKeyFromDefs,
  type EncryptionTransformer,
} from '../../../src/apiserver/encryption/index.js';
import { Codec } from '../../../src/apiserver/storage/codec.js';
import { MemoryStore } from '../../../src/storage/memory.js';
import { StorageError, type KeyValue, type Store, type UpdateOptions } from '../../../src/storage/types.js';
import { tempDir } from '../tempdir.js';

const dir = tempDir('k8ts-encryption-');
let n = 0;
function configFile(text: string): string {
  const p = join(dir, `enc-${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

const b64 = (b: Buffer) => b.toString('base64');

function seedsConfig(key: string): string {
  return `kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${key}
      - identity: {}
`;
}

function aescbcConfig(keys: [string, Buffer][], withIdentity = false, resources = ['secrets']): string {
  const keyLines = keys.map(([name, k]) => `            - name: ${name}\n              secret: ${b64(k)}\n`).join('');
  return (
    `kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n  - resources: [${resources.map((r) => JSON.stringify(r)).join(', ')}]\n    providers:\n` +
    `      - aescbc:\n          keys:\n${keyLines}` +
    (withIdentity ? '      - identity: {}\n' : '')
  );
}

function secret(name: string, password: string, namespace = 'default') {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: { password: b64(Buffer.from(password)) } };
}

test("the seeds' config with a generated key: secrets are stored as k8s:enc:aescbc:v1:key1: in the MemoryStore", async () => {
  const key = randomBytes(32);
  const t = await loadEncryptionConfig(configFile(seedsConfig(b64(key))), '/registry');
  const codec = new Codec(t);
  const store = new MemoryStore();
  try {
    const k = '/registry/secrets/default/s1';
    await store.create(k, codec.encode(secret('s1', 'hunter2-very-secret'), k));
    const raw = (await store.get(k))!.value;
    assert.equal(raw.subarray(0, 23).toString(), 'k8s:enc:aescbc:v1:key1:');
    assert.equal(raw.includes(Buffer.from('hunter2')), false);
    assert.equal(raw.includes(Buffer.from(b64(Buffer.from('hunter2-very-secret')))), false);
    assert.equal(raw.includes(Buffer.from('"kind"')), false);
    // upstream layout, decrypted by hand: IV(16) || AES-256-CBC with PKCS#7 padding
    const body = raw.subarray(23);
    const d = createDecipheriv('aes-256-cbc', key, body.subarray(0, 16));
    const json = JSON.parse(Buffer.concat([d.update(body.subarray(16)), d.final()]).toString());
    assert.equal(json.metadata.name, 's1');
    assert.equal(json.metadata.resourceVersion, undefined);
    // and back through the codec
    const obj = codec.decode((await store.get(k))!);
    assert.equal(obj.metadata?.name, 's1');
    assert.equal((obj as { data: { password: string } }).data.password, b64(Buffer.from('hunter2-very-secret')));

    // configmaps are not named by the config: stored in plain
    const ck = '/registry/configmaps/default/c1';
    await store.create(ck, codec.encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'default' }, data: { a: 'b' } }, ck));
    assert.equal((await store.get(ck))!.value.toString().startsWith('{"apiVersion":"v1","kind":"ConfigMap"'), true);

    // a secret written before encryption was enabled still reads (identity is listed)
    const pk = '/registry/secrets/default/plain';
    await store.create(pk, Buffer.from(JSON.stringify(secret('plain', 'x'))));
    assert.equal(codec.decode((await store.get(pk))!).metadata?.name, 'plain');
  } finally {
    await store.close();
  }
});

test('a value written by upstream kube-apiserver (aesgcm, key as additional data) reads back, and ours the other way', async () => {
  const key = randomBytes(32);
  const t = await loadEncryptionConfig(
    configFile(`kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys:\n      - {name: k1, secret: ${b64(key)}}\n`),
    '/registry',
  );
  const k = '/registry/secrets/kube-system/token';
  const plain = Buffer.from(JSON.stringify(secret('token', 'x', 'kube-system')));
  const stored = t.toStorage(plain, k);
  assert.ok(stored.toString('latin1').startsWith('k8s:enc:aesgcm:v1:k1:'));
  const body = stored.subarray('k8s:enc:aesgcm:v1:k1:'.length);
  const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
  d.setAAD(Buffer.from(k));
  d.setAuthTag(body.subarray(body.length - 16));
  assert.deepEqual(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]), plain);
  assert.deepEqual(t.fromStorage(stored, k), plain);
  // moved to another key (e.g. by someone with etcd access): refused
  assert.throws(() => t.fromStorage(stored, '/registry/secrets/default/token'), { message: 'cipher: message authentication failed' });
});

test('dispatch by resource: exact names, *.group, *.* and an exclusion placed before the wildcard', async () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const k3 = randomBytes(32);
  const t = await loadEncryptionConfig(
    configFile(`kind: EncryptionConfiguration
apiVersion: apiserver.config.k8s.io/v1
resources:
  - resources: [events]
    providers: [{identity: {}}]
  - resources: [secrets, configmaps, pandas.awesome.bears.example]
    providers: [{aescbc: {keys: [{name: key1, secret: ${b64(k1)}}]}}]
  - resources: ['*.apps']
    providers: [{secretbox: {keys: [{name: key2, secret: ${b64(k2)}}]}}]
  - resources: ['*.*']
    providers: [{aesgcm: {keys: [{name: key3, secret: ${b64(k3)}}]}}]
`),
    '/registry',
  );
  const cases: [string, string][] = [
    ['/registry/secrets/ns/a', 'k8s:enc:aescbc:v1:key1:'],
    ['/registry/configmaps/ns/a', 'k8s:enc:aescbc:v1:key1:'],
    ['/registry/awesome.bears.example/pandas/ns/p', 'k8s:enc:aescbc:v1:key1:'],
    ['/registry/deployments/ns/d', 'k8s:enc:secretbox:v1:key2:'],
    ['/registry/controllerrevisions/ns/r', 'k8s:enc:secretbox:v1:key2:'],
    ['/registry/pods/ns/p', 'k8s:enc:aesgcm:v1:key3:'],
    ['/registry/services/specs/ns/s', 'k8s:enc:aesgcm:v1:key3:'],
    ['/registry/minions/node1', 'k8s:enc:aesgcm:v1:key3:'],
    ['/registry/awesome.bears.example/koalas/ns/k', 'k8s:enc:aesgcm:v1:key3:'],
    ['/registry/apiextensions.k8s.io/customresourcedefinitions/pandas.awesome.bears.example', 'k8s:enc:aesgcm:v1:key3:'],
    ['/registry/events/ns/e', ''],
  ];
  for (const [key, prefix] of cases) {
    const stored = t.toStorage(Buffer.from('{"a":1}'), key);
    assert.equal(t.writePrefix(key), prefix, key);
    if (prefix) assert.ok(stored.toString('latin1').startsWith(prefix), `${key}: ${stored.toString('latin1').slice(0, 30)}`);
    else assert.equal(stored.toString(), '{"a":1}');
    assert.equal(t.fromStorage(stored, key).toString(), '{"a":1}');
  }
  // keys outside the prefix are never encrypted
  assert.equal(t.toStorage(Buffer.from('x'), '/other/secrets/a').toString(), 'x');
});

test('wildcard masking rules are errors, as upstream', async () => {
  const k = b64(randomBytes(32));
  const id = '[{identity: {}}]';
  const build = (rules: string) => loadEncryptionConfig(configFile(`kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n${rules}`), '/registry');
  await assert.rejects(build(`- resources: ['*.*']\n  providers: ${id}\n- resources: [secrets]\n  providers: ${id}\n`), {
    message: 'error while building transformers: resource "secrets" is masked by earlier rule "*.*"',
  });
  await assert.rejects(build(`- resources: ['*.']\n  providers: ${id}\n- resources: [configmaps]\n  providers: ${id}\n`), {
    message: 'error while building transformers: resource "configmaps" is masked by earlier rule "*."',
  });
  await assert.rejects(build(`- resources: ['*.apps']\n  providers: ${id}\n- resources: [deployments.apps]\n  providers: ${id}\n`), {
    message: 'error while building transformers: resource "deployments.apps" is masked by earlier rule "*.apps"',
  });
  // a resource named in two rules gets both rules' providers, in order
  const k2 = randomBytes(32);
  const t = await build(
    `- resources: [secrets]\n  providers: [{aescbc: {keys: [{name: a, secret: ${k}}]}}]\n- resources: [secrets]\n  providers: [{secretbox: {keys: [{name: b, secret: ${b64(k2)}}]}}]\n`,
  );
  assert.equal(t.writePrefix('/registry/secrets/x/y'), 'k8s:enc:aescbc:v1:a:');
  const other = buildEncryptionTransformer(
    parseEncryptionConfiguration(`kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers: [{secretbox: {keys: [{name: b, secret: ${b64(k2)}}]}}]\n`),
    '/registry',
  );
  assert.equal(t.fromStorage(other.toStorage(Buffer.from('v'), '/registry/secrets/x/y'), '/registry/secrets/x/y').toString(), 'v');
});

test('kms providers: a clear error (no KMS plugin client in k8ts)', async () => {
  await assert.rejects(
    loadEncryptionConfig(
      configFile('kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: vault, endpoint: "unix:///run/kms.sock"}\n'),
      '/registry',
    ),
    (e: unknown) =>
      e instanceof EncryptionConfigError &&
      e.message.startsWith('error while building transformers: could not configure KMSv2 plugin "vault" (resources[0].providers[0].kms): kms providers are not supported'),
  );
});

test('config errors from loadEncryptionConfig carry the file and upstream text', async () => {
  const p = configFile(aescbcConfig([['key1', randomBytes(5)]]));
  await assert.rejects(loadEncryptionConfig(p, '/registry'), (e: unknown) => {
    assert.ok(e instanceof EncryptionConfigError);
    assert.equal(e.file, p);
    assert.equal(e.message, 'error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 5, expected one of [16 24 32]');
    return true;
  });
});

test('unreadable values: no matching prefix without identity, unknown key, unnamed resource', async () => {
  const k1 = randomBytes(32);
  const encOnly = await loadEncryptionConfig(configFile(aescbcConfig([['key1', k1]])), '/registry');
  const key = '/registry/secrets/ns/s';
  assert.throws(() => encOnly.fromStorage(Buffer.from('{"plain":true}'), key), { message: 'no matching prefix found' });
  const withKey2 = await loadEncryptionConfig(configFile(aescbcConfig([['key2', randomBytes(32)]], true)), '/registry');
  const v = encOnly.toStorage(Buffer.from('{}'), key);
  assert.throws(() => withKey2.fromStorage(v, key), { message: 'no matching key was found for the provided AES transformer' });
  // an encrypted value under a resource the config does not name: the identity check refuses it
  assert.throws(() => encOnly.fromStorage(v, '/registry/configmaps/ns/s'), { message: 'identity transformer tried to read encrypted data' });
});

test('identity-only config: everything plain, encrypted data refused', async () => {
  const t = await loadEncryptionConfig(
    configFile('kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: ["*.*"]\n  providers:\n  - identity: {}\n'),
    '/registry',
  );
  const key = '/registry/secrets/ns/s';
  assert.equal(t.toStorage(Buffer.from('{"x":1}'), key).toString(), '{"x":1}');
  assert.equal(t.fromStorage(Buffer.from('{"x":1}'), key).toString(), '{"x":1}');
  assert.throws(() => t.fromStorage(Buffer.from('k8s:enc:aescbc:v1:key1:abcdefabcdefabcdef'), key), { message: 'no matching prefix found' });
  assert.equal(t.writePrefix(key), '');
});

async function writeSecrets(store: Store, t: EncryptionTransformer, count: number): Promise<string[]> {
  const codec = new Codec(t);
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = `/registry/secrets/ns${i % 2}/s${i}`;
    await store.create(k, codec.encode(secret(`s${i}`, `password-${i}`, `ns${i % 2}`), k));
    keys.push(k);
  }
  return keys;
}

async function prefixesOf(store: Store, prefix: string): Promise<string[]> {
  const r = await store.list(prefix);
  return r.items.map((kv) => {
    const s = kv.value.toString('latin1');
    const m = /^k8s:enc:[a-z]+:v1:[^:]+:/.exec(s);
    return m ? m[0] : 'plain';
  });
}

test('rotation by rewriting: add key2 first, reencrypt, drop key1, everything still reads', async () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const store = new MemoryStore();
  try {
    const v1 = await loadEncryptionConfig(configFile(aescbcConfig([['key1', k1]])), '/registry');
    const keys = await writeSecrets(store, v1, 7);
    // a configmap is not touched by a rewrite of secrets
    await store.create('/registry/configmaps/ns0/c', Buffer.from('{"kind":"ConfigMap","metadata":{"name":"c"}}'));
    assert.deepEqual(await prefixesOf(store, '/registry/secrets/'), Array(7).fill('k8s:enc:aescbc:v1:key1:'));

    // step 1: key2 first, key1 still listed (for reading)
    const v2 = await loadEncryptionConfig(configFile(aescbcConfig([['key2', k2], ['key1', k1]])), '/registry');
    assert.equal(v2.fromStorageWithStale((await store.get(keys[0]))!.value, keys[0]).stale, true);
    const before = await store.currentRevision();
    assert.equal(await reencrypt(store, v2, '/registry/secrets/', { pageSize: 3 }), 7);
    assert.equal(await store.currentRevision(), before + 7);
    assert.deepEqual(await prefixesOf(store, '/registry/secrets/'), Array(7).fill('k8s:enc:aescbc:v1:key2:'));
    // nothing stale left
    assert.equal(await reencrypt(store, v2, '/registry/secrets/', { onlyStale: true }), 0);

    // step 2: key1 dropped
    const v3 = await loadEncryptionConfig(configFile(aescbcConfig([['key2', k2]])), '/registry');
    const codec = new Codec(v3);
    for (const [i, k] of keys.entries()) {
      const obj = codec.decode((await store.get(k))!) as { data: { password: string } };
      assert.equal(Buffer.from(obj.data.password, 'base64').toString(), `password-${i}`);
    }
    // key1's config can no longer read them
    const rotated = (await store.get(keys[0]))!.value;
    assert.throws(() => v1.fromStorage(rotated, keys[0]), { message: 'no matching key was found for the provided AES transformer' });
    assert.equal((await store.get('/registry/configmaps/ns0/c'))!.version, 1);
  } finally {
    await store.close();
  }
});

test('reencrypt: encrypting existing plain data, and decrypting away (identity first)', async () => {
  const k1 = randomBytes(32);
  const store = new MemoryStore();
  try {
    const plain = buildEncryptionTransformer(
      parseEncryptionConfiguration('kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [configmaps]\n  providers: [{identity: {}}]\n'),
      '/registry',
    );
    await writeSecrets(store, plain, 4);
    assert.deepEqual(await prefixesOf(store, '/registry/secrets/'), Array(4).fill('plain'));

    const enc = await loadEncryptionConfig(configFile(seedsConfig(b64(k1))), '/registry');
    assert.equal(await reencrypt(store, enc, '/registry/secrets/', { onlyStale: true }), 4);
    assert.deepEqual(await prefixesOf(store, '/registry/secrets/'), Array(4).fill('k8s:enc:aescbc:v1:key1:'));

    const decrypt = await loadEncryptionConfig(
      configFile(`kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aescbc: {keys: [{name: key1, secret: ${b64(k1)}}]}\n`),
      '/registry',
    );
    assert.equal(await reencrypt(store, decrypt, '/registry/secrets/'), 4);
    assert.deepEqual(await prefixesOf(store, '/registry/secrets/'), Array(4).fill('plain'));
  } finally {
    await store.close();
  }
});

test('reencrypt keeps TTLs, retries on a concurrent change, skips deleted keys, names unreadable keys', async () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const mem = new MemoryStore();
  try {
    const v1 = await loadEncryptionConfig(configFile(aescbcConfig([['key1', k1]])), '/registry');
    const v2 = await loadEncryptionConfig(configFile(aescbcConfig([['key2', k2], ['key1', k1]])), '/registry');
    const codec1 = new Codec(v1);
    const ttlKey = '/registry/secrets/ns/ttl';
    await mem.create(ttlKey, codec1.encode(secret('ttl', 'x', 'ns'), ttlKey), { ttlSeconds: 3600 });
    const raceKey = '/registry/secrets/ns/race';
    await mem.create(raceKey, codec1.encode(secret('race', 'x', 'ns'), raceKey));
    const goneKey = '/registry/secrets/ns/gone';
    await mem.create(goneKey, codec1.encode(secret('gone', 'x', 'ns'), goneKey));
    const expiresAt = (await mem.get(ttlKey))!.expiresAt!;

    // a store whose first write of raceKey loses to a concurrent writer, and where goneKey is
    // deleted between the list and the write
    let raced = false;
    const store: Store = Object.create(mem) as Store;
    store.update = async (key: string, value: Buffer, opts?: UpdateOptions): Promise<KeyValue> => {
      if (key === raceKey && !raced) {
        raced = true;
        await mem.update(raceKey, codec1.encode(secret('race', 'changed', 'ns'), raceKey));
      }
      if (key === goneKey) await mem.delete(goneKey).catch(() => undefined);
      return mem.update(key, value, opts);
    };
    assert.equal(await reencrypt(store, v2, '/registry/secrets/'), 2);
    assert.ok(raced);
    const race = new Codec(v2).decode((await mem.get(raceKey))!) as { data: { password: string } };
    assert.equal(Buffer.from(race.data.password, 'base64').toString(), 'changed');
    assert.deepEqual(await prefixesOf(mem, '/registry/secrets/'), ['k8s:enc:aescbc:v1:key2:', 'k8s:enc:aescbc:v1:key2:']);
    const ttl = (await mem.get(ttlKey))!;
    assert.ok(ttl.expiresAt !== undefined && Math.abs(ttl.expiresAt - expiresAt) < 1000, 'TTL kept');

    // a value no key can read stops the rewrite, naming the key
    await mem.create('/registry/secrets/ns/zzz', Buffer.from('k8s:enc:aescbc:v1:key9:0123456789abcdef0123456789abcdef'));
    await assert.rejects(reencrypt(mem, v2, '/registry/secrets/'), {
      message: 'unable to transform key "/registry/secrets/ns/zzz": no matching key was found for the provided AES transformer',
    });
    // a conflict that never ends gives up
    const busy: Store = Object.create(mem) as Store;
    busy.update = async (key: string) => {
      throw new StorageError('Conflict', 'conflict', key, await mem.get(key));
    };
    await mem.delete('/registry/secrets/ns/zzz');
    await assert.rejects(reencrypt(busy, v2, '/registry/secrets/', { maxAttempts: 2 }), (e: unknown) => e instanceof StorageError && e.code === 'Conflict');
  } finally {
    await mem.close();
  }
});

test('default resource resolution of storage keys', () => {
  const r = defaultResourceOfKey('/registry/');
  assert.deepEqual(r('/registry/secrets/default/s1'), { group: '', resource: 'secrets' });
  assert.deepEqual(r('/registry/namespaces/default'), { group: '', resource: 'namespaces' });
  assert.deepEqual(r('/registry/services/specs/default/kubernetes'), { group: '', resource: 'services' });
  assert.deepEqual(r('/registry/services/endpoints/default/kubernetes'), { group: '', resource: 'endpoints' });
  assert.deepEqual(r('/registry/minions/n1'), { group: '', resource: 'nodes' });
  assert.deepEqual(r('/registry/controllers/ns/rc'), { group: '', resource: 'replicationcontrollers' });
  assert.deepEqual(r('/registry/ranges/serviceips'), { group: '', resource: 'serviceipallocations' });
  assert.deepEqual(r('/registry/deployments/ns/d'), { group: 'apps', resource: 'deployments' });
  assert.deepEqual(r('/registry/ingress/ns/i'), { group: 'networking.k8s.io', resource: 'ingresses' });
  assert.deepEqual(r('/registry/clusterroles/admin'), { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' });
  assert.deepEqual(r('/registry/leases/kube-system/l'), { group: 'coordination.k8s.io', resource: 'leases' });
  assert.deepEqual(r('/registry/example.com/widgets/ns/w'), { group: 'example.com', resource: 'widgets' });
  assert.deepEqual(r('/registry/somethingnew/x'), { group: '', resource: 'somethingnew' });
  assert.equal(r('/other/secrets/a'), undefined);
  assert.equal(r('/registry/'), undefined);

  const fromDefs = resourceOfKeyFromDefs(
    [
      { group: 'events.k8s.io', plural: 'events', storageResource: 'events' },
      { group: '', plural: 'events' },
      { group: 'example.com', plural: 'gadgets', storageResource: 'gizmos' },
    ],
    '/registry',
  );
  assert.deepEqual(fromDefs('/registry/events/ns/e'), { group: '', resource: 'events' });
  assert.deepEqual(fromDefs('/registry/gizmos/ns/g'), { group: 'example.com', resource: 'gadgets' });
  assert.deepEqual(fromDefs('/registry/secrets/ns/s'), { group: '', resource: 'secrets' });
});

test('a custom resourceOfKey decides the resource', async () => {
  const t = await loadEncryptionConfig(configFile(aescbcConfig([['key1', randomBytes(32)]], false, ['*.apps'])), '/registry', (key) =>
    key.startsWith('/registry/mydeploys/') ? { group: 'apps', resource: 'deployments' } : undefined,
  );
  assert.equal(t.writePrefix('/registry/mydeploys/ns/d'), 'k8s:enc:aescbc:v1:key1:');
  assert.equal(t.writePrefix('/registry/deployments/ns/d'), '');
});
