// Tests for src/apiserver/admission/webhook and policy: rule matching ("*", "*/*", "x/*",
// "*/status", scope), selectors, matchConditions, the AdmissionReview request, denials,
// JSONPatch, reinvocation, dry run and sideEffects, failurePolicy, and ValidatingAdmissionPolicy
// actions and params — with the HTTPS call replaced by a function.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../src/apimachinery/errors.js';
import { admissionAuditAnnotations, admissionWarnings } from '../../../src/apiserver/admission/common.js';
import { mutatingWebhookPlugin, validatingWebhookPlugin } from '../../../src/apiserver/admission/webhook/dispatcher.js';
import { ruleMatches, attributesOf } from '../../../src/apiserver/admission/webhook/matching.js';
import { WebhookCallError } from '../../../src/apiserver/admission/webhook/client.js';
import { validatingAdmissionPolicyPlugin } from '../../../src/apiserver/admission/policy/plugin.js';
import { Registry } from '../../../src/apiserver/registry/index.js';
import { coreResources } from '../../../src/apiserver/registry/core/index.js';
import { groupResources } from '../../../src/apiserver/registry/groups.js';
import type { KObject } from '../../../src/apiserver/registry/types.js';
import { FakeObjects, rejection, run, scope } from './helpers.js';

function webhook(name: string, extra: KObject = {}): KObject {
  return {
    name,
    clientConfig: { url: 'https://example.test/' },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
    failurePolicy: 'Fail',
    sideEffects: 'None',
    namespaceSelector: {},
    objectSelector: {},
    timeoutSeconds: 10,
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

function config(name: string, hooks: KObject[]): KObject {
  return { metadata: { name }, webhooks: hooks };
}

type Answer = (req: KObject, hookName: string) => KObject | Error;

function poster(answer: Answer, calls: KObject[] = []) {
  return async (cc: KObject, review: KObject): Promise<unknown> => {
    calls.push(review.request);
    const r = answer(review.request, String(cc.url));
    if (r instanceof Error) throw r;
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...r } };
  };
}

function patch(ops: unknown[]): KObject {
  return { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
}

const cm = (labels: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels } });

describe('webhook rule matching', () => {
  const attrs = (resource: string, subresource = '', namespaced = true) => {
    const s = scope('', resource, { namespace: namespaced ? 'ns' : '', subresource });
    s.def.namespaced = namespaced;
    return attributesOf('UPDATE', {}, {}, s);
  };
  const rule = (resources: string[], scope = '*'): KObject => ({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources, scope });
  test('resources and subresources', () => {
    assert.equal(ruleMatches(rule(['*']), attrs('pods')), true);
    assert.equal(ruleMatches(rule(['*']), attrs('pods', 'status')), false);
    assert.equal(ruleMatches(rule(['*/*']), attrs('pods', 'status')), true);
    assert.equal(ruleMatches(rule(['pods/*']), attrs('pods', 'status')), true);
    assert.equal(ruleMatches(rule(['pods/*']), attrs('pods')), false);
    assert.equal(ruleMatches(rule(['*/status']), attrs('deployments', 'status')), true);
    assert.equal(ruleMatches(rule(['*/status']), attrs('deployments', 'scale')), false);
    assert.equal(ruleMatches(rule(['pods']), attrs('configmaps')), false);
  });
  test('operations, groups, versions and scope', () => {
    const a = attrs('configmaps');
    assert.equal(ruleMatches({ ...rule(['*']), operations: ['CREATE'] }, a), false);
    assert.equal(ruleMatches({ ...rule(['*']), apiGroups: ['apps'] }, a), false);
    assert.equal(ruleMatches({ ...rule(['*']), apiVersions: ['v2'] }, a), false);
    assert.equal(ruleMatches(rule(['*'], 'Cluster'), a), false);
    assert.equal(ruleMatches(rule(['*'], 'Namespaced'), a), true);
    assert.equal(ruleMatches(rule(['*'], 'Cluster'), attrs('nodes', '', false)), true);
  });
});

describe('admission webhooks', () => {
  test('the review request carries upstream\'s fields', async () => {
    const calls: KObject[] = [];
    const p = validatingWebhookPlugin({ objects: new FakeObjects(), configs: async () => [config('a', [webhook('a.b.c')])], post: poster(() => ({ allowed: true }), calls) });
    const s = scope('', 'configmaps', { namespace: 'ns', query: new URLSearchParams('fieldManager=kubectl') });
    const old = cm();
    await run(p, 'UPDATE', cm({ x: 'y' }), old, s);
    const r = calls[0]!;
    assert.match(r.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(r.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(r.requestResource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.equal(r.name, 'c');
    assert.equal(r.namespace, 'ns');
    assert.equal(r.operation, 'UPDATE');
    assert.equal(r.userInfo.username, 'admin');
    assert.deepEqual(r.oldObject, old);
    assert.equal(r.dryRun, false);
    assert.deepEqual(r.options, { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl' });
  });

  test('a denial is answered with the webhook\'s code and message', async () => {
    const p = validatingWebhookPlugin({
      objects: new FakeObjects(),
      configs: async () => [config('a', [webhook('deny.k8ts.test')])],
      post: poster(() => ({ allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no way' } })),
    });
    const err = await rejection(run(p, 'CREATE', cm(), undefined, scope('', 'configmaps', { namespace: 'ns' })));
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 403);
    assert.equal(err.message, 'admission webhook "deny.k8ts.test" denied the request: no way');
    const bare = validatingWebhookPlugin({ objects: new FakeObjects(), configs: async () => [config('a', [webhook('deny.k8ts.test')])], post: poster(() => ({ allowed: false })) });
    const e2 = await rejection(run(bare, 'CREATE', cm(), undefined, scope('', 'configmaps', { namespace: 'ns' })));
    assert.equal(e2.code, 400);
    assert.equal(e2.message, 'admission webhook "deny.k8ts.test" denied the request without explanation');
  });

  test('JSONPatch responses are applied; warnings and audit annotations are recorded', async () => {
    const p = mutatingWebhookPlugin({
      objects: new FakeObjects(),
      configs: async () => [config('m', [webhook('m.k8ts.test')])],
      post: poster(() => ({ ...patch([{ op: 'add', path: '/metadata/labels/added', value: 'yes' }]), warnings: ['careful'], auditAnnotations: { k: 'v' } })),
    });
    const toAuditEvent: Record<string, string> = {};
    const s = scope('', 'configmaps', { namespace: 'ns', annotate: (k, v) => (toAuditEvent[k] = v) });
    const obj = cm();
    await run(p, 'CREATE', obj, undefined, s);
    assert.equal(obj.metadata.labels.added, 'yes');
    assert.equal(toAuditEvent['m.k8ts.test/k'], 'v', 'annotations reach the request\'s audit event');
    assert.deepEqual(admissionWarnings(s), ['careful']);
    const audit = admissionAuditAnnotations(s);
    assert.equal(audit['m.k8ts.test/k'], 'v');
    assert.deepEqual(JSON.parse(audit['mutation.webhook.admission.k8s.io/round_0_index_0']!), { configuration: 'm', webhook: 'm.k8ts.test', mutated: true });
  });

  test('reinvocationPolicy IfNeeded: an earlier webhook runs again after a later one changed the object', async () => {
    const calls: KObject[] = [];
    const p = mutatingWebhookPlugin({
      objects: new FakeObjects(),
      configs: async () => [config('a', [
        webhook('first.k8ts.test', { clientConfig: { url: 'https://first/' }, reinvocationPolicy: 'IfNeeded' }),
        webhook('second.k8ts.test', { clientConfig: { url: 'https://second/' }, reinvocationPolicy: 'Never' }),
      ])],
      post: poster((req, url) => (url === 'https://second/' ? patch([{ op: 'add', path: '/metadata/labels/second', value: '1' }]) : { allowed: true }), calls),
    });
    const obj = cm();
    await run(p, 'CREATE', obj, undefined, scope('', 'configmaps', { namespace: 'ns' }));
    assert.equal(calls.length, 3, 'first, second, first again');
    assert.equal(calls[2]!.object.metadata.labels.second, '1');
  });

  test('dry run: webhooks with side effects refuse, None and NoneOnDryRun are called with dryRun', async () => {
    const calls: KObject[] = [];
    const mk = (sideEffects: string) => validatingWebhookPlugin({
      objects: new FakeObjects(), configs: async () => [config('a', [webhook('se.k8ts.test', { sideEffects })])], post: poster(() => ({ allowed: true }), calls),
    });
    const s = () => scope('', 'configmaps', { namespace: 'ns', dryRun: true });
    for (const se of ['Unknown', 'Some']) {
      const err = await rejection(run(mk(se), 'CREATE', cm(), undefined, s()));
      assert.equal(err.code, 400);
      assert.equal(err.message, 'admission webhook "se.k8ts.test" does not support dry run');
    }
    await run(mk('None'), 'CREATE', cm(), undefined, s());
    await run(mk('NoneOnDryRun'), 'CREATE', cm(), undefined, s());
    assert.equal(calls.length, 2);
    assert.ok(calls.every((c) => c.dryRun === true));
  });

  test('failurePolicy: Fail is an internal error naming the webhook, Ignore fails open', async () => {
    const failing = (failurePolicy: string) => validatingWebhookPlugin({
      objects: new FakeObjects(),
      configs: async () => [config('a', [webhook('down.k8ts.test', { failurePolicy })])],
      post: poster(() => new WebhookCallError('Post "https://example.test/?timeout=10s": dial tcp 10.0.0.1:443: connect: connection refused')),
    });
    const err = await rejection(run(failing('Fail'), 'CREATE', cm(), undefined, scope('', 'configmaps', { namespace: 'ns' })));
    assert.equal(err.code, 500);
    assert.equal(err.reason, 'InternalError');
    assert.equal(err.message, 'Internal error occurred: failed calling webhook "down.k8ts.test": failed to call webhook: Post "https://example.test/?timeout=10s": dial tcp 10.0.0.1:443: connect: connection refused');
    const s = scope('', 'configmaps', { namespace: 'ns' });
    await run(failing('Ignore'), 'CREATE', cm(), undefined, s);
    assert.equal(admissionAuditAnnotations(s)['failed-open.validating.webhook.admission.k8s.io/round_0_index_0'], 'down.k8ts.test');
    const wrongUid = validatingWebhookPlugin({
      objects: new FakeObjects(), configs: async () => [config('a', [webhook('uid.k8ts.test')])],
      post: async () => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: true } }),
    });
    const e3 = await rejection(run(wrongUid, 'CREATE', cm(), undefined, scope('', 'configmaps', { namespace: 'ns' })));
    assert.match(e3.message, /failed calling webhook "uid\.k8ts\.test": received invalid webhook response: expected response\.uid="[0-9a-f-]+", got "nope"/);
  });

  test('namespaceSelector, objectSelector and matchConditions skip the call', async () => {
    const objects = new FakeObjects().put('', 'namespaces', { metadata: { name: 'ns', labels: { team: 'a' } } });
    const calls: KObject[] = [];
    const p = (extra: KObject) => validatingWebhookPlugin({ objects, configs: async () => [config('a', [webhook('s.k8ts.test', extra)])], post: poster(() => ({ allowed: true }), calls) });
    const go = (extra: KObject, obj = cm({ app: 'x' })) => run(p(extra), 'CREATE', obj, undefined, scope('', 'configmaps', { namespace: 'ns' }));
    await go({ namespaceSelector: { matchLabels: { team: 'b' } } });
    await go({ objectSelector: { matchLabels: { app: 'y' } } });
    await go({ matchConditions: [{ name: 'only-y', expression: 'object.metadata.labels.app == "y"' }] });
    await go({ matchConditions: [{ name: 'not-admin', expression: 'request.userInfo.username != "admin"' }] });
    assert.equal(calls.length, 0);
    await go({ namespaceSelector: { matchLabels: { team: 'a' } }, objectSelector: { matchLabels: { app: 'x' } }, matchConditions: [{ name: 'x', expression: 'namespaceObject.metadata.labels.team == "a"' }] });
    assert.equal(calls.length, 1);
    const err = await rejection(go({ matchConditions: [{ name: 'broken', expression: 'object.spec.nothing' }] }));
    assert.match(err.message, /failed calling webhook "s\.k8ts\.test": failed to evaluate match conditions: broken: no such key: spec/);
  });

  test('webhooks never see requests for the admission configuration resources', async () => {
    const calls: KObject[] = [];
    const p = validatingWebhookPlugin({
      objects: new FakeObjects(),
      configs: async () => [config('a', [webhook('all.k8ts.test', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] })])],
      post: poster(() => ({ allowed: false }), calls),
    });
    const s = scope('admissionregistration.k8s.io', 'validatingwebhookconfigurations');
    s.def.namespaced = false;
    await run(p, 'CREATE', { metadata: { name: 'x' } }, undefined, s);
    assert.equal(calls.length, 0);
  });
});

describe('ValidatingAdmissionPolicy', () => {
  const registry = new Registry([...coreResources, ...groupResources]);
  const policy = (spec: KObject): KObject => ({
    metadata: { name: 'p.k8ts.test' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
      ...spec,
    },
  });
  const binding = (spec: KObject): KObject => ({ metadata: { name: 'b' }, spec: { policyName: 'p.k8ts.test', validationActions: ['Deny'], ...spec } });
  const deploy = (replicas: number): KObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { replicas } });
  const plugin = (p: KObject, b: KObject, objects = new FakeObjects()) =>
    validatingAdmissionPolicyPlugin({ objects, registry, policies: async () => [p], bindings: async () => [b] });

  test('Deny: refused with the failed expression, reason Invalid (422) and one cause', async () => {
    const err = await rejection(run(plugin(policy({}), binding({})), 'CREATE', deploy(6), undefined, scope('apps', 'deployments', { namespace: 'ns' })));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, "deployments.apps \"d\" is forbidden: ValidatingAdmissionPolicy 'p.k8ts.test' with binding 'b' denied request: failed expression: object.spec.replicas <= 5");
    assert.equal(err.details.causes.length, 1);
    await run(plugin(policy({}), binding({})), 'CREATE', deploy(5), undefined, scope('apps', 'deployments', { namespace: 'ns' }));
  });

  test('Warn and Audit actions; reason and messageExpression', async () => {
    const s = scope('apps', 'deployments', { namespace: 'ns' });
    const p = policy({ validations: [{ expression: 'object.spec.replicas <= 5', messageExpression: '"too many: " + string(object.spec.replicas)', reason: 'Forbidden' }] });
    await run(plugin(p, binding({ validationActions: ['Warn', 'Audit'] })), 'CREATE', deploy(7), undefined, s);
    assert.deepEqual(admissionWarnings(s), ["Validation failed for ValidatingAdmissionPolicy 'p.k8ts.test' with binding 'b': too many: 7"]);
    const audit = JSON.parse(admissionAuditAnnotations(s)['validation.policy.admission.k8s.io/validation_failure']!);
    assert.equal(audit[0].policy, 'p.k8ts.test');
    assert.deepEqual(audit[0].validationActions, ['Warn', 'Audit']);
    const err = await rejection(run(plugin(p, binding({})), 'CREATE', deploy(7), undefined, scope('apps', 'deployments', { namespace: 'ns' })));
    assert.equal(err.code, 403);
  });

  test('params from a ConfigMap, variables, and parameterNotFoundAction', async () => {
    const objects = new FakeObjects().put('', 'configmaps', { metadata: { name: 'limits', namespace: 'cfg' }, data: { max: '2' } });
    const p = policy({
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      variables: [{ name: 'max', expression: 'int(params.data.max)' }],
      validations: [{ expression: 'object.spec.replicas <= variables.max', messageExpression: '"at most " + string(variables.max)' }],
    });
    const b = binding({ paramRef: { name: 'limits', namespace: 'cfg', parameterNotFoundAction: 'Deny' } });
    const err = await rejection(run(plugin(p, b, objects), 'CREATE', deploy(3), undefined, scope('apps', 'deployments', { namespace: 'ns' })));
    assert.match(err.message, /denied request: at most 2$/);
    await run(plugin(p, b, objects), 'CREATE', deploy(2), undefined, scope('apps', 'deployments', { namespace: 'ns' }));
    const missing = binding({ paramRef: { name: 'nope', namespace: 'cfg', parameterNotFoundAction: 'Deny' } });
    const e2 = await rejection(run(plugin(p, missing, objects), 'CREATE', deploy(1), undefined, scope('apps', 'deployments', { namespace: 'ns' })));
    assert.match(e2.message, /no params found for policy binding with `Deny` parameterNotFoundAction/);
    const allow = binding({ paramRef: { name: 'nope', namespace: 'cfg', parameterNotFoundAction: 'Allow' } });
    await run(plugin(p, allow, objects), 'CREATE', deploy(9), undefined, scope('apps', 'deployments', { namespace: 'ns' }));
  });

  test('failurePolicy decides about evaluation errors; matchConditions and binding matchResources select', async () => {
    const broken = policy({ validations: [{ expression: 'object.spec.nothing > 1' }] });
    const err = await rejection(run(plugin(broken, binding({})), 'CREATE', deploy(1), undefined, scope('apps', 'deployments', { namespace: 'ns' })));
    assert.match(err.message, /expression 'object\.spec\.nothing > 1' resulted in error: no such key: nothing/);
    await run(plugin({ ...broken, spec: { ...broken.spec, failurePolicy: 'Ignore' } }, binding({})), 'CREATE', deploy(1), undefined, scope('apps', 'deployments', { namespace: 'ns' }));
    const conditional = policy({ matchConditions: [{ name: 'big-only', expression: 'object.metadata.name != "d"' }] });
    await run(plugin(conditional, binding({})), 'CREATE', deploy(9), undefined, scope('apps', 'deployments', { namespace: 'ns' }));
    const objects = new FakeObjects().put('', 'namespaces', { metadata: { name: 'ns', labels: {} } });
    const scoped = binding({ matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } });
    await run(plugin(policy({}), scoped, objects), 'CREATE', deploy(9), undefined, scope('apps', 'deployments', { namespace: 'ns' }));
  });
});
