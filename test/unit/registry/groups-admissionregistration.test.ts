// Tests for the admissionregistration.k8s.io/v1 resource declarations: webhook configuration and
// policy defaults, validation messages (names, sideEffects, clientConfig, timeouts, CEL
// expressions, binding actions) and the Table cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/apimachinery/errors.js';
import { mutatingWebhookConfigurationDef, validatingWebhookConfigurationDef } from '../../../src/apiserver/registry/admissionregistration/webhookconfigurations.js';
import { validatingAdmissionPolicyBindingDef, validatingAdmissionPolicyDef } from '../../../src/apiserver/registry/admissionregistration/admissionpolicies.js';
import type { KObject, ResourceDef } from '../../../src/apiserver/registry/types.js';

function messages(def: ResourceDef, obj: KObject): string[] {
  def.defaults?.(obj);
  return (def.validate?.(obj, { operation: 'create', subresource: '' }) ?? []).map(fieldErrorMessage);
}

const hook = (extra: KObject = {}): KObject => ({
  name: 'a.k8ts.test',
  clientConfig: { service: { namespace: 'default', name: 'hook' } },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});

test('webhook configurations: upstream defaults', () => {
  const obj: KObject = { metadata: { name: 'm' }, webhooks: [hook()] };
  mutatingWebhookConfigurationDef.defaults!(obj);
  const w = obj.webhooks[0];
  assert.equal(w.failurePolicy, 'Fail');
  assert.equal(w.matchPolicy, 'Equivalent');
  assert.deepEqual(w.namespaceSelector, {});
  assert.deepEqual(w.objectSelector, {});
  assert.equal(w.timeoutSeconds, 10);
  assert.equal(w.reinvocationPolicy, 'Never');
  assert.equal(w.rules[0].scope, '*');
  assert.equal(w.clientConfig.service.port, 443);
  const v: KObject = { metadata: { name: 'v' }, webhooks: [hook()] };
  validatingWebhookConfigurationDef.defaults!(v);
  assert.equal(v.webhooks[0].reinvocationPolicy, undefined);
  assert.deepEqual(messages(validatingWebhookConfigurationDef, v), []);
});

test('webhook configurations: validation messages', () => {
  const m = messages(validatingWebhookConfigurationDef, {
    metadata: { name: 'v' },
    webhooks: [
      hook({ name: 'short', sideEffects: 'Unknown', timeoutSeconds: 31, admissionReviewVersions: [], clientConfig: { url: 'http://x.test/' } }),
      hook({ clientConfig: {}, sideEffects: undefined, matchConditions: [{ name: 'c', expression: 'object.' }] }),
      hook(),
    ],
  });
  assert.ok(m.includes('webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots'), m.join('\n'));
  assert.ok(m.includes('webhooks[0].sideEffects: Unsupported value: "Unknown": supported values: "None", "NoneOnDryRun"'), m.join('\n'));
  assert.ok(m.includes('webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds'), m.join('\n'));
  assert.ok(m.includes('webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1'), m.join('\n'));
  assert.ok(m.includes(`webhooks[0].clientConfig.url: Invalid value: "http://x.test/": 'https' is the only allowed URL scheme`), m.join('\n'));
  assert.ok(m.includes('webhooks[1].clientConfig: Required value: exactly one of url or service is required'), m.join('\n'));
  assert.ok(m.includes('webhooks[1].sideEffects: Required value: must specify one of None, NoneOnDryRun'), m.join('\n'));
  assert.ok(m.some((x) => x.startsWith('webhooks[1].matchConditions[0].expression: Invalid value: "object.": compilation failed: ERROR: <input>:')), m.join('\n'));
  assert.ok(m.includes('webhooks[2].name: Duplicate value: "a.k8ts.test"'), m.join('\n'));
});

test('webhook configurations: WEBHOOKS column', () => {
  const cells = mutatingWebhookConfigurationDef.table!.cells({ metadata: { name: 'm', creationTimestamp: new Date(Date.now() - 120000).toISOString() }, webhooks: [hook(), hook()] }, Date.now());
  assert.deepEqual(cells, ['m', 2, '2m']);
});

test('policies: defaults, validation and columns', () => {
  const p: KObject = {
    metadata: { name: 'p' },
    spec: { matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] }, validations: [{ expression: 'object.spec.replicas <= 5' }] },
  };
  assert.deepEqual(messages(validatingAdmissionPolicyDef, p), []);
  assert.equal(p.spec.failurePolicy, 'Fail');
  assert.equal(p.spec.matchConstraints.matchPolicy, 'Equivalent');
  assert.equal(p.spec.matchConstraints.resourceRules[0].scope, '*');
  const bad = messages(validatingAdmissionPolicyDef, { metadata: { name: 'p' }, spec: { validations: [{ expression: 'nope > 1', reason: 'Teapot' }] } });
  assert.ok(bad.includes('spec.matchConstraints: Required value'), bad.join('\n'));
  assert.ok(bad.includes(`spec.validations[0].expression: Invalid value: "nope > 1": compilation failed: ERROR: <input>:1:1: undeclared reference to 'nope' (in container '')`), bad.join('\n'));
  assert.ok(bad.includes('spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"'), bad.join('\n'));
  const none = messages(validatingAdmissionPolicyDef, { metadata: { name: 'p' }, spec: { matchConstraints: p.spec.matchConstraints } });
  assert.ok(none.includes('spec.validations: Required value: validations or auditAnnotations must contain at least one item'), none.join('\n'));
  assert.deepEqual(validatingAdmissionPolicyDef.table!.cells({ ...p, spec: { ...p.spec, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } }, Date.now()).slice(0, 3), ['p', 1, 'v1/ConfigMap']);
});

test('bindings: validation actions and paramRef', () => {
  const m = messages(validatingAdmissionPolicyBindingDef, { metadata: { name: 'b' }, spec: { validationActions: ['Deny', 'Warn', 'Nope'], paramRef: { name: 'x', selector: {} } } });
  assert.ok(m.includes('spec.policyName: Required value'), m.join('\n'));
  assert.ok(m.includes('spec.validationActions[2]: Unsupported value: "Nope": supported values: "Audit", "Deny", "Warn"'), m.join('\n'));
  assert.ok(m.some((x) => x.startsWith('spec.validationActions: Invalid value: ') && x.includes('must not contain both Deny and Warn')), m.join('\n'));
  assert.ok(m.includes('spec.paramRef.name: Forbidden: name and selector are mutually exclusive'), m.join('\n'));
  assert.ok(m.includes('spec.paramRef.parameterNotFoundAction: Required value'), m.join('\n'));
  const cells = validatingAdmissionPolicyBindingDef.table!.cells({ metadata: { name: 'b' }, spec: { policyName: 'p', paramRef: { name: 'limits', namespace: 'cfg' } } }, Date.now());
  assert.deepEqual(cells.slice(0, 3), ['b', 'p', 'cfg/limits']);
});
