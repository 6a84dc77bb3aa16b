// Tests for src/apimachinery/validation.ts: the string-format checks with upstream's exact
// detail strings, ObjectMeta create/update validation, labels, annotations, selectors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isQualifiedName, isValidLabelValue,
  isCIdentifier, isValidPortNum, isValidPortName, isValidIP, isValidCIDR, isPercent,
  isHTTPHeaderName, isEnvVarName, isConfigMapKey, regexError, maskTrailingDash,
  validateObjectMeta, validateObjectMetaUpdate, validateLabels, validateAnnotations,
  validateLabelSelector, validateFinalizers, validateOwnerReferences, isValidPathSegmentName,
} from '../../../src/apimachinery/validation.js';
import { fieldErrorMessage, invalid, type FieldError } from '../../../src/apimachinery/errors.js';

const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const msgs = (errs: FieldError[]) => errs.map(fieldErrorMessage);

test('regexError formats examples as upstream (double space before "or")', () => {
  assert.equal(regexError('m', 'f'), "m (regex used for validation is 'f')");
  assert.equal(regexError('m', 'f', 'a'), "m (e.g. 'a', regex used for validation is 'f')");
  assert.equal(regexError('m', 'f', 'a', 'b'), "m (e.g. 'a',  or 'b', regex used for validation is 'f')");
});

test('isDNS1123Label', () => {
  for (const ok of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)]) {
    assert.deepEqual(isDNS1123Label(ok), [], ok);
  }
  for (const bad of ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', 'a@b', 'a,b', 'a/b', 'a:b', 'a;b', 'a\\b', 'a b']) {
    assert.deepEqual(isDNS1123Label(bad), [LABEL_MSG], bad);
  }
  assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(isDNS1123Label('A'.repeat(64)), ['must be no more than 63 characters', LABEL_MSG]);
});

test('isDNS1123Subdomain', () => {
  for (const ok of ['a', 'a.b.c.d.e', 'aaa.bbb.ccc', 'a1.a-1', '1.2.3.4', 'a'.repeat(253), 'example.com']) {
    assert.deepEqual(isDNS1123Subdomain(ok), [], ok);
  }
  for (const bad of ['', 'A', 'a.', '.a', 'a..b', 'a.-b', 'a-.b', 'a_b', 'a b', 'My-App']) {
    assert.deepEqual(isDNS1123Subdomain(bad), [SUBDOMAIN_MSG], bad);
  }
  assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
});

test('isDNS1035Label', () => {
  for (const ok of ['a', 'ab', 'a-1', 'a--1', 'a'.repeat(63)]) assert.deepEqual(isDNS1035Label(ok), [], ok);
  for (const bad of ['', '0', '1a', '-a', 'a-', 'A', 'a.b', 'a_b']) assert.deepEqual(isDNS1035Label(bad), [DNS1035_MSG], bad);
  assert.deepEqual(isDNS1035Label('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('isQualifiedName', () => {
  for (const ok of ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num',
    '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo',
    'a'.repeat(63), 'a'.repeat(253) + '/' + 'b'.repeat(63), 'app.kubernetes.io/name']) {
    assert.deepEqual(isQualifiedName(ok), [], ok);
  }
  assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', QNAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('a b'), [QNAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('-a'), [QNAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('/simple'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', QNAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('Example.com/x'), ['prefix part ' + SUBDOMAIN_MSG]);
  assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
  assert.deepEqual(isQualifiedName('a/b/c'), [
    "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  ]);
  assert.deepEqual(isQualifiedName('a'.repeat(254) + '/b'), ['prefix part must be no more than 253 characters']);
});

test('isValidLabelValue', () => {
  for (const ok of ['', 'simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), 'My_Value', 'a.b']) {
    assert.deepEqual(isValidLabelValue(ok), [], ok);
  }
  for (const bad of ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a b']) {
    assert.deepEqual(isValidLabelValue(bad), [LABEL_VALUE_MSG], bad);
  }
  assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('isCIdentifier, ports, percent, header, env, configmap key', () => {
  assert.deepEqual(isCIdentifier('_a1'), []);
  assert.deepEqual(isCIdentifier('1a'), ["a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"]);

  assert.deepEqual(isValidPortNum(1), []);
  assert.deepEqual(isValidPortNum(65535), []);
  assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
  assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);

  for (const ok of ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3']) assert.deepEqual(isValidPortName(ok), [], ok);
  assert.deepEqual(isValidPortName('longerthan15characters'), ['must be no more than 15 characters']);
  assert.deepEqual(isValidPortName(''), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('1234'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('Http'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('-http'), ['must not begin or end with a hyphen']);

  assert.deepEqual(isPercent('93%'), []);
  assert.deepEqual(isPercent('93'), ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]);

  assert.deepEqual(isHTTPHeaderName('X-Header-Name'), []);
  assert.deepEqual(isHTTPHeaderName('X_Header'), ["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"]);

  for (const ok of ['A', 'ABC', 'AbC_123', '_123', 'a.b', '-x', 'a-b', '.x']) assert.deepEqual(isEnvVarName(ok), [], ok);
  const envMsg = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
  assert.deepEqual(isEnvVarName('1ABC'), [envMsg]);
  assert.deepEqual(isEnvVarName('A=B'), [envMsg]);
  assert.deepEqual(isEnvVarName('.'), ["must not be '.'"]);
  assert.deepEqual(isEnvVarName('..'), ["must not be '..'"]);
  assert.deepEqual(isEnvVarName('..x'), ["must not start with '..'"]);

  for (const ok of ['a', 'a.b', 'a-b', 'a_b', 'A', '.a', 'a..b']) assert.deepEqual(isConfigMapKey(ok), [], ok);
  const cmMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
  assert.deepEqual(isConfigMapKey('a/b'), [cmMsg]);
  assert.deepEqual(isConfigMapKey(''), [cmMsg]);
  assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
  assert.deepEqual(isConfigMapKey('..a'), ["must not start with '..'"]);
  assert.deepEqual(isConfigMapKey('a'.repeat(254)), ['must be no more than 253 characters']);
});

test('isValidIP / isValidCIDR', () => {
  for (const ok of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '010.001.0.1', '::', '::1', '2001:db8::ffff', '::ffff:1.2.3.4', 'fe80::1']) {
    assert.deepEqual(isValidIP(ok), [], ok);
  }
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', 'a.b.c.d', '1.2.3.4/24', 'fe80::1%eth0', ':::', '1.2.3.-4', ' 1.2.3.4']) {
    assert.deepEqual(isValidIP(bad), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'], bad);
  }
  for (const ok of ['10.0.0.0/8', '10.0.0.1/24', '0.0.0.0/0', '2001:db8::/64', '::/0', '1.2.3.4/32', 'fd00::/128']) {
    assert.deepEqual(isValidCIDR(ok), [], ok);
  }
  for (const bad of ['', '10.0.0.0', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/a', '/8']) {
    assert.deepEqual(isValidCIDR(bad), ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'], bad);
  }
});

test('path segment names and generateName masking', () => {
  assert.deepEqual(isValidPathSegmentName('ok'), []);
  assert.deepEqual(isValidPathSegmentName('.'), ["may not be '.'"]);
  assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
  assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  assert.equal(maskTrailingDash('foo-'), 'foa');
  assert.equal(maskTrailingDash('-'), '-');
  assert.equal(maskTrailingDash('foo'), 'foo');
});

test('validateObjectMeta: name required, formats, namespace rules', () => {
  const sub = { namespaced: true, nameRule: 'subdomain' as const };
  assert.deepEqual(validateObjectMeta({ name: 'ok', namespace: 'default' }, sub), []);
  assert.deepEqual(msgs(validateObjectMeta({ namespace: 'default' }, sub)), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, sub)), [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'ok' }, sub)), ['metadata.namespace: Required value']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'ok', namespace: 'Bad' }, sub)), [`metadata.namespace: Invalid value: "Bad": ${LABEL_MSG}`]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'ok', namespace: 'x' }, { namespaced: false, nameRule: 'subdomain' })), ['metadata.namespace: Forbidden: not allowed on this type']);
  // DNS label rule (e.g. namespaces) and path-segment rule.
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameRule: 'label' })), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a/b' }, { namespaced: false, nameRule: 'path' })), [`metadata.name: Invalid value: "a/b": may not contain '/'`]);
  assert.deepEqual(validateObjectMeta({ name: 'Any Thing' }, { namespaced: false, nameRule: 'none' }), []);
  // The whole 422 message as the API server reports it.
  const err = invalid('Pod', '', 'Bad_Name', validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, sub));
  assert.equal(err.message, `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`);
});

test('validateObjectMeta: generateName', () => {
  const sub = { namespaced: true, nameRule: 'subdomain' as const };
  // generateName alone still needs the server to fill name first; a trailing dash is fine.
  assert.deepEqual(validateObjectMeta({ generateName: 'web-', name: 'web-x7k2p', namespace: 'ns' }, sub), []);
  assert.deepEqual(msgs(validateObjectMeta({ generateName: 'Web-', name: 'web-abcde', namespace: 'ns' }, sub)), [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(msgs(validateObjectMeta({ generateName: 'web-', namespace: 'ns' }, sub)), ['metadata.name: Required value: name or generateName is required']);
});

test('validateObjectMeta: labels, annotations, finalizers, owner references, generation', () => {
  const o = { namespaced: true, nameRule: 'subdomain' as const };
  const base = { name: 'x', namespace: 'ns' };
  assert.deepEqual(msgs(validateObjectMeta({ ...base, labels: { 'a b': 'ok', app: 'bad value' } }, o)), [
    `metadata.labels: Invalid value: "a b": ${QNAME_PART_MSG}`,
    `metadata.labels: Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
  ]);
  // Annotation keys are qualified names, case-insensitively (so uppercase prefixes pass).
  assert.deepEqual(validateObjectMeta({ ...base, annotations: { 'Example.COM/Thing': 'anything at all: {}' } }, o), []);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, annotations: { 'bad key': '' } }, o)), [`metadata.annotations: Invalid value: "bad key": ${QNAME_PART_MSG}`]);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, finalizers: ['example.com/ok', 'bad finalizer'] }, o)), [`metadata.finalizers: Invalid value: "bad finalizer": ${QNAME_PART_MSG}`]);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, finalizers: ['orphan', 'foregroundDeletion'] }, o)), ['metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set']);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, generation: -1 }, o)), ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(msgs(validateObjectMeta({ ...base, ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }] }, o)), [
    'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
    'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
    'metadata.ownerReferences.name: Invalid value: "": name must not be empty',
    'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
  ]);
  const refs = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
  ];
  const oe = validateOwnerReferences(refs, 'metadata.ownerReferences');
  assert.equal(oe.length, 1);
  assert.equal(fieldErrorMessage(oe[0]), 'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b');
  const ev = validateOwnerReferences([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' }], 'metadata.ownerReferences');
  assert.equal(fieldErrorMessage(ev[0]), 'metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}: /v1, Kind=Event is disallowed from being an owner');
  assert.deepEqual(msgs(validateObjectMeta({ ...base, managedFields: [{ manager: 'kubectl', operation: 'Patch' }] }, o)), ['metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`']);
});

test('annotations total size limit', () => {
  const big = 'x'.repeat(256 * 1024);
  assert.deepEqual(validateAnnotations({ a: big.slice(1) }, 'metadata.annotations'), []);
  const errs = validateAnnotations({ a: big }, 'metadata.annotations');
  assert.equal(errs.length, 1);
  assert.equal(errs[0].type, 'FieldValueTooLong');
  assert.match(fieldErrorMessage(errs[0]), /^metadata\.annotations: Too long: .*262144 bytes$/);
});

test('finalizers: duplicates only rejected on request', () => {
  assert.deepEqual(validateFinalizers(['a/b', 'a/b'], 'metadata.finalizers'), []);
  assert.deepEqual(msgs(validateFinalizers(['a/b', 'a/b'], 'metadata.finalizers', { noDuplicates: true })), ['metadata.finalizers[1]: Duplicate value: "a/b"']);
});

test('validateObjectMetaUpdate', () => {
  const old = { name: 'x', namespace: 'ns', uid: 'u1', resourceVersion: '5', generation: 3, creationTimestamp: '2024-01-01T00:00:00Z' };
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old), []);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, name: 'y' }, old)), ['metadata.name: Invalid value: "y": field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, namespace: 'other' }, old)), ['metadata.namespace: Invalid value: "other": field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, uid: 'u2' }, old)), ['metadata.uid: Invalid value: "u2": field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, creationTimestamp: '2025-01-01T00:00:00Z' }, old)), ['metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, generation: 2 }, old)), ['metadata.generation: Invalid value: 2: must not be decremented']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, resourceVersion: '' }, old)), ['metadata.resourceVersion: Invalid value: "": must be specified for an update']);
  const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x'] };
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'b.io/y'] }, deleting)), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
  ]);
  // Removing finalizers while deleting is fine.
  assert.deepEqual(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting), []);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ ...old, deletionGracePeriodSeconds: 30 }, old)), ['metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable']);
});

test('validateLabels / validateLabelSelector', () => {
  assert.deepEqual(validateLabels({ 'app.kubernetes.io/name': 'web', tier: '' }, 'metadata.labels'), []);
  assert.deepEqual(validateLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, 'spec.selector'), []);
  assert.deepEqual(msgs(validateLabelSelector({
    matchLabels: { app: 'bad value' },
    matchExpressions: [
      { key: 'a', operator: 'In', values: [] },
      { key: 'b', operator: 'Exists', values: ['x'] },
      { key: 'c', operator: 'Equals', values: ['x'] },
      { key: 'bad key', operator: 'NotIn', values: ['ok', 'not ok'] },
    ],
  }, 'spec.selector')), [
    `spec.selector.matchLabels: Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Equals": not a valid selector operator',
    `spec.selector.matchExpressions[3].key: Invalid value: "bad key": ${QNAME_PART_MSG}`,
    `spec.selector.matchExpressions[3].values[1]: Invalid value: "not ok": ${LABEL_VALUE_MSG}`,
  ]);
  assert.deepEqual(validateLabelSelector(undefined, 'spec.selector'), []);
  assert.deepEqual(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['not ok'] }] }, 'x', { allowInvalidLabelValueInSelector: true }), []);
});
