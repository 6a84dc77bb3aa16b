import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '../tempdir.js';
import {
  EncryptionConfigError,
  formatGoDuration,
  parseEncryptionConfiguration,
  parseGoDuration,
  readEncryptionConfiguration,
  validateEncryptionConfiguration,
} from '../../../src/apiserver/encryption/config.js';

const FILE = '/etc/kubernetes/encryption-config.yaml';
const key32 = () => randomBytes(32).toString('base64');

/** The file Kubernetes the Hard Way writes (ENCRYPTION_KEY substituted). */
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

function header(body: string): string {
  return `kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\n${body}`;
}

function parseError(text: string): EncryptionConfigError {
  try {
    parseEncryptionConfiguration(text, FILE);
  } catch (e) {
    assert.ok(e instanceof EncryptionConfigError, `not an EncryptionConfigError: ${e}`);
    return e;
  }
  assert.fail('expected an error');
}

test("the seeds' (Kubernetes the Hard Way) configuration parses", () => {
  const key = key32();
  const c = parseEncryptionConfiguration(seedsConfig(key), FILE);
  assert.deepEqual(c, {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'key1', secret: key }] } }, { identity: {} }] }],
  });
});

test('JSON and the legacy "v1 EncryptionConfig" kind (still registered upstream) are accepted', () => {
  const key = key32();
  const json = JSON.stringify({
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [{ resources: ['secrets', 'configmaps', '*.apps'], providers: [{ aesgcm: { keys: [{ name: 'a', secret: key }] } }] }],
  });
  assert.equal(parseEncryptionConfiguration(json, FILE).resources[0].providers[0].aesgcm?.keys[0].name, 'a');
  const legacy = parseEncryptionConfiguration(`apiVersion: v1\nkind: EncryptionConfig\nresources:\n- resources: [secrets]\n  providers: [{secretbox: {keys: [{name: k, secret: ${key}}]}}]\n`, FILE);
  assert.equal(legacy.kind, 'EncryptionConfig');
  assert.equal(legacy.resources[0].providers[0].secretbox?.keys[0].secret, key);
});

test('kms providers are decoded and defaulted as upstream (timeout 3s, apiVersion v1, cachesize 1000)', () => {
  const c = parseEncryptionConfiguration(header('resources:\n- resources: [secrets]\n  providers:\n  - kms: {name: vault, endpoint: "unix:///run/kms.sock"}\n  - kms: {apiVersion: v2, name: v2p, endpoint: "unix:///run/kms2.sock", timeout: 1m30s}\n'), FILE);
  assert.deepEqual(c.resources[0].providers[0].kms, { apiVersion: 'v1', name: 'vault', endpoint: 'unix:///run/kms.sock', timeoutNanos: 3e9, cachesize: 1000 });
  assert.deepEqual(c.resources[0].providers[1].kms, { apiVersion: 'v2', name: 'v2p', endpoint: 'unix:///run/kms2.sock', timeoutNanos: 90e9 });
});

test('key lengths: aescbc/aesgcm need 16, 24 or 32 bytes, secretbox 32; secrets are REDACTED', () => {
  const short = randomBytes(8).toString('base64');
  let e = parseError(header(`resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n        secret: ${short}\n`));
  assert.equal(
    e.message,
    'error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]',
  );
  assert.ok(!e.message.includes(short));
  assert.deepEqual(e.fieldErrors, [
    {
      type: 'Invalid',
      field: 'resources[0].providers[0].aescbc.keys[0].secret',
      value: '"REDACTED"',
      detail: 'secret is not of the expected length, got 8, expected one of [16 24 32]',
    },
  ]);
  assert.equal(e.file, FILE);
  e = parseError(header(`resources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: key1\n        secret: ${randomBytes(24).toString('base64')}\n`));
  assert.equal(
    e.message,
    'error while parsing file: resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 24, expected one of [32]',
  );
  for (const n of [16, 24, 32]) {
    parseEncryptionConfiguration(header(`resources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {keys: [{name: k, secret: ${randomBytes(n).toString('base64')}}]}\n`), FILE);
  }
});

test('an unsubstituted ${ENCRYPTION_KEY}, a missing name and a missing secret', () => {
  const e = parseError(
    header('resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n        secret: ${ENCRYPTION_KEY}\n      - secret: ' + key32() + '\n      - name: k3\n'),
  );
  assert.equal(
    e.message,
    'error while parsing file: [' +
      'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded, ' +
      'resources[0].providers[0].aescbc.keys[1].name: Required value: name is a mandatory field for a key, ' +
      'resources[0].providers[0].aescbc.keys[2].secret: Required value: secret is a mandatory field for a key]',
  );
  assert.equal(e.fieldErrors?.length, 3);
});

test('empty lists: resources, a rule without resources or providers, a provider without keys', () => {
  assert.equal(parseError(header('resources: []\n')).message, 'error while parsing file: resources: Required value: at least one resources is required');
  assert.equal(parseError(header('')).message, 'error while parsing file: resources: Required value: at least one resources is required');
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers: []\n')).message,
    'error while parsing file: resources[0].providers: Required value: at least one resources[0].providers is required',
  );
  assert.equal(
    parseError(header('resources:\n- providers: [{identity: {}}]\n')).message,
    'error while parsing file: resources[0].resources: Required value: at least one resources[0].resources is required',
  );
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers: [{aesgcm: {keys: []}}]\n')).message,
    'error while parsing file: resources[0].providers[0].aesgcm.keys: Required value: at least one keys is required',
  );
});

test('providers: unknown (strict decoding), empty, or two in one element', () => {
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers:\n  - aes: {keys: []}\n')).message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": strict decoding error: unknown field "resources[0].providers[0].aes"`,
  );
  const nil =
    'apiserver.ProviderConfiguration{AESGCM:(*apiserver.AESConfiguration)(nil), AESCBC:(*apiserver.AESConfiguration)(nil), Secretbox:(*apiserver.SecretboxConfiguration)(nil), Identity:(*apiserver.IdentityConfiguration)(nil), KMS:(*apiserver.KMSConfiguration)(nil)}';
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers:\n  - {}\n')).message,
    `error while parsing file: resources[0].providers[0]: Invalid value: ${nil}: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`,
  );
  // "identity:" with no value is null in YAML, i.e. no provider at all
  assert.match(parseError(header('resources:\n- resources: [secrets]\n  providers:\n  - identity:\n')).message, /resources\[0\]\.providers\[0\]: Invalid value: .*provider does not contain any/);
  assert.match(
    parseError(header(`resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n    aescbc: {keys: [{name: k, secret: ${key32()}}]}\n`)).message,
    /^error while parsing file: resources\[0\]\.providers\[0\]: Invalid value: apiserver\.ProviderConfiguration\{.*\}: more than one provider specified in a single element, should split into different list elements$/,
  );
});

test('resource names: duplicates, overlaps and names upstream refuses', () => {
  assert.equal(
    parseError(header('resources:\n- resources: [secrets, configmaps, secrets]\n  providers: [{identity: {}}]\n')).message,
    'error while parsing file: resources[0].resources: Invalid value: []string{"secrets", "configmaps", "secrets"}: the same resource cannot be specified multiple times',
  );
  assert.equal(
    parseError(header('resources:\n- resources: [secrets, "*."]\n  providers: [{identity: {}}]\n')).message,
    `error while parsing file: resources[0].resources: Invalid value: []string{"secrets", "*."}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`,
  );
  assert.equal(
    parseError(header('resources:\n- resources: ["*.*", deployments.apps]\n  providers: [{identity: {}}]\n')).message,
    `error while parsing file: resources[0].resources: Invalid value: []string{"*.*", "deployments.apps"}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`,
  );
  const cases: [string, string][] = [
    ['Secrets', 'resource name should not contain capital letters'],
    ['*', "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"],
    ['serviceipallocations', 'resources which do not have REST API/s cannot be encrypted'],
    ['events.events.k8s.io', "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file"],
    ['ingresses.extensions', "'extensions' group has been removed and cannot be used for encryption"],
    ['secrets.*', 'encrypting the same resource across groups is not supported'],
  ];
  for (const [res, detail] of cases) {
    assert.equal(
      parseError(header(`resources:\n- resources: ["${res}"]\n  providers: [{identity: {}}]\n`)).message,
      `error while parsing file: resources[0].resources[0]: Invalid value: "${res}": ${detail}`,
    );
  }
  // wildcards that upstream accepts
  parseEncryptionConfiguration(header('resources:\n- resources: ["*.", "*.apps", "*.example.com"]\n  providers: [{identity: {}}]\n- resources: ["*.*"]\n  providers: [{identity: {}}]\n'), FILE);
});

test('kms validation messages', () => {
  const e = parseError(
    header('resources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: "a:b", endpoint: "tcp://127.0.0.1:1234", timeout: 0s, cachesize: 5}\n  - kms: {name: k1, cachesize: 0}\n'),
  );
  assert.equal(
    e.message,
    'error while parsing file: [' +
      `resources[0].providers[0].kms.name: Invalid value: "a:b": invalid KMS provider name a:b, must not contain ':', ` +
      'resources[0].providers[0].kms.timeout: Invalid value: 0s: timeout should be a positive value, ' +
      'resources[0].providers[0].kms.endpoint: Invalid value: "tcp://127.0.0.1:1234": unsupported scheme "tcp" for KMS provider, only unix is supported, ' +
      'resources[0].providers[0].kms.cachesize: Invalid value: 5: cachesize is not supported in v2, ' +
      'resources[0].providers[1].kms.endpoint: Invalid value: "": endpoint is a mandatory field for a kms, ' +
      'resources[0].providers[1].kms.cachesize: Invalid value: 0: cachesize should be a positive value, or negative to disable]',
  );
});

test('decoding errors name the file', () => {
  assert.equal(
    parseError('apiVersion: v1\nkind: Secret\n').message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": no kind "Secret" is registered for version "v1" in scheme "k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go"`,
  );
  assert.equal(
    parseError('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: EncryptionConfiguration\n').message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": no kind "EncryptionConfiguration" is registered for version "apiserver.config.k8s.io/v1beta1" in scheme "k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go"`,
  );
  assert.equal(
    parseError('resources: []\n').message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": Object 'Kind' is missing in 'resources: []\n'`,
  );
  assert.equal(
    parseError('apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n').message,
    'error while parsing file: got unexpected config type: apiserver.config.k8s.io/v1, Kind=AdmissionConfiguration',
  );
  assert.equal(
    parseError(header('resources:\n- resources: secrets\n')).message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": json: cannot unmarshal string into Go struct field ResourceConfiguration.resources.resources of type []string`,
  );
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers: [{aescbc: {keys: [{name: 1, secret: x}]}}]\n')).message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": json: cannot unmarshal number into Go struct field Key.resources.providers.aescbc.keys.name of type string`,
  );
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers: [{identity: {}}]\nresources: []\n')).message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": strict decoding error: error converting YAML to JSON: yaml: unmarshal errors:\n  line 6: key "resources" already set in map`,
  );
  assert.equal(
    parseError('{"kind":"EncryptionConfiguration","apiVersion":"apiserver.config.k8s.io/v1","resources":[],"resources":[]}').message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": strict decoding error: duplicate field "resources"`,
  );
  assert.equal(
    parseError(header('resources:\n- resources: [secrets]\n  providers: [{identity: {}}]\n  extra: 1\n')).message,
    `error while parsing file: error decoding encryption provider configuration file "${FILE}": strict decoding error: unknown field "resources[0].extra"`,
  );
  assert.match(parseError(header('resources: [\n')).message, /^error while parsing file: error decoding encryption provider configuration file ".*": error converting YAML to JSON: yaml: line \d+: /);
  assert.equal(parseError('').message, `error while parsing file: error while loading file: encryption provider configuration file "${FILE}" is empty`);
});

test('reading the file: missing, a directory', async () => {
  const dir = tempDir('k8ts-enc-');
  const missing = join(dir, 'nope.yaml');
  await assert.rejects(readEncryptionConfiguration(missing), {
    message: `error while parsing file: error while loading file: error reading encryption provider configuration file "${missing}": open ${missing}: no such file or directory`,
  });
  mkdirSync(join(dir, 'd'));
  await assert.rejects(readEncryptionConfiguration(join(dir, 'd')), { message: new RegExp(`read ${join(dir, 'd')}: is a directory$`) });
  const ok = join(dir, 'enc.yaml');
  writeFileSync(ok, seedsConfig(key32()));
  assert.equal((await readEncryptionConfiguration(ok)).resources[0].resources[0], 'secrets');
});

test('validateEncryptionConfiguration on objects; a resource in two rules is not a validation error', () => {
  const k = key32();
  assert.deepEqual(
    validateEncryptionConfiguration({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'EncryptionConfiguration',
      resources: [
        { resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'a', secret: k }] } }] },
        { resources: ['secrets'], providers: [{ identity: {} }] },
      ],
    }),
    [],
  );
});

test('Go durations', () => {
  assert.equal(parseGoDuration('3s'), 3e9);
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('1.5h'), 5400e9);
  assert.equal(parseGoDuration('250ms'), 250e6);
  assert.equal(parseGoDuration('-2s'), -2e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' });
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(-1e9), '-1s');
  assert.equal(formatGoDuration(90e9), '1m30s');
  assert.equal(formatGoDuration(3600e9), '1h0m0s');
  assert.equal(formatGoDuration(1.5e9), '1.5s');
  assert.equal(formatGoDuration(250e6), '250ms');
});
