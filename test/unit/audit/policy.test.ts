import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyFromFile, parsePolicy, PolicyError, PolicyRuleEvaluator } from '../../../src/apiserver/audit/policy.js';
import type { PolicyAttributes } from '../../../src/apiserver/audit/policy.js';
import { tempDir } from '../tempdir.js';

const tmp = tempDir('k8ts-audit-policy-');
let n = 0;
function file(text: string): string {
  const p = join(tmp, `policy-${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

const alice = { username: 'alice', groups: ['dev', 'system:authenticated'] };
function res(resource: string, o: Partial<PolicyAttributes> = {}): PolicyAttributes {
  return { user: alice, verb: 'get', isResourceRequest: true, apiGroup: '', namespace: 'default', resource, subresource: '', name: '', ...o };
}
function nonRes(path: string, o: Partial<PolicyAttributes> = {}): PolicyAttributes {
  return { user: alice, verb: 'get', isResourceRequest: false, path, ...o };
}
function evaluator(yaml: string): PolicyRuleEvaluator {
  return new PolicyRuleEvaluator(parsePolicy(yaml));
}
const level = (e: PolicyRuleEvaluator, a: PolicyAttributes) => e.evaluate(a).level;

// The example policy from the Kubernetes "Auditing" page (audit/audit-policy.yaml).
const DOCS_EXAMPLE = `apiVersion: audit.k8s.io/v1 # This is required.
kind: Policy
# Don't generate audit events for all requests in RequestReceived stage.
omitStages:
  - "RequestReceived"
rules:
  # Log pod changes at RequestResponse level
  - level: RequestResponse
    resources:
    - group: ""
      # Resource "pods" doesn't match requests to any subresource of pods,
      # which is consistent with the RBAC policy.
      resources: ["pods"]
  # Log "pods/log", "pods/status" at Metadata level
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]

  # Don't log requests to a configmap called "controller-leader"
  - level: None
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]

  # Don't log watch requests by the "system:kube-proxy" on endpoints or services
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: "" # core API group
      resources: ["endpoints", "services"]

  # Don't log authenticated requests to certain non-resource URL paths.
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs:
    - "/api*" # Wildcard matching.
    - "/version"

  # Log the request body of configmap changes in kube-system.
  - level: Request
    resources:
    - group: "" # core API group
      resources: ["configmaps"]
    # This rule only applies to resources in the "kube-system" namespace.
    # The empty string "" can be used to select non-namespaced resources.
    namespaces: ["kube-system"]

  # Log configmap and secret changes in all other namespaces at the Metadata level.
  - level: Metadata
    resources:
    - group: "" # core API group
      resources: ["secrets", "configmaps"]

  # Log all other resources in core and extensions at the Request level.
  - level: Request
    resources:
    - group: "" # core API group
    - group: "extensions" # Version of group should NOT be included.

  # A catch-all rule to log all other requests at the Metadata level.
  - level: Metadata
    # Long-running requests like watches that fall under this rule will not
    # generate an audit event in RequestReceived.
    omitStages:
      - "RequestReceived"
`;

test('the documentation example policy parses and evaluates as its comments say', () => {
  const p = loadPolicyFromFile(file(DOCS_EXAMPLE));
  assert.equal(p.rules.length, 9);
  const e = new PolicyRuleEvaluator(p);
  assert.equal(level(e, res('pods', { verb: 'create' })), 'RequestResponse');
  assert.equal(level(e, res('pods', { subresource: 'log' })), 'Metadata');
  assert.equal(level(e, res('pods', { subresource: 'status', verb: 'update' })), 'Metadata');
  // pods/exec is not named: falls to "all other core resources"
  assert.equal(level(e, res('pods', { subresource: 'exec', verb: 'create' })), 'Request');
  assert.equal(level(e, res('configmaps', { name: 'controller-leader', verb: 'update' })), 'None');
  assert.equal(level(e, res('configmaps', { name: 'other', namespace: 'kube-system', verb: 'update' })), 'Request');
  assert.equal(level(e, res('configmaps', { name: 'other' })), 'Metadata');
  assert.equal(level(e, res('secrets', { name: 's' })), 'Metadata');
  const proxy = { username: 'system:kube-proxy', groups: ['system:authenticated'] };
  assert.equal(level(e, res('endpoints', { user: proxy, verb: 'watch' })), 'None');
  assert.equal(level(e, res('endpoints', { user: proxy, verb: 'list' })), 'Request');
  assert.equal(level(e, nonRes('/apis/apps/v1')), 'None');
  assert.equal(level(e, nonRes('/version')), 'None');
  assert.equal(level(e, nonRes('/healthz')), 'Metadata');
  assert.equal(level(e, nonRes('/version', { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })), 'Metadata');
  assert.equal(level(e, res('deployments', { apiGroup: 'apps' })), 'Metadata');
  assert.equal(level(e, res('ingresses', { apiGroup: 'extensions' })), 'Request');
  // omitStages: the policy's everywhere, unioned with the rule's
  assert.deepEqual([...e.evaluate(res('pods')).omitStages], ['RequestReceived']);
  assert.deepEqual([...e.evaluate(res('deployments', { apiGroup: 'apps' })).omitStages], ['RequestReceived']);
});

test('a larger production-style policy (JSON) parses', () => {
  const rules = [
    { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'], resources: [{ group: '', resources: ['endpoints', 'services', 'services/status'] }] },
    { level: 'None', users: ['kubelet'], verbs: ['get'], resources: [{ group: '', resources: ['nodes', 'nodes/status'] }] },
    { level: 'None', userGroups: ['system:nodes'], verbs: ['get'], resources: [{ group: '', resources: ['nodes', 'nodes/status'] }] },
    { level: 'None', users: ['system:kube-controller-manager', 'system:kube-scheduler'], verbs: ['get', 'update'], namespaces: ['kube-system'], resources: [{ group: '', resources: ['endpoints'] }] },
    { level: 'None', users: ['system:apiserver'], verbs: ['get'], resources: [{ group: '', resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'] }] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version', '/swagger*', '/livez*', '/readyz*'] },
    { level: 'None', resources: [{ group: '', resources: ['events'] }] },
    { level: 'Request', users: ['kubelet', 'system:node-problem-detector'], verbs: ['update', 'patch'], resources: [{ group: '', resources: ['nodes/status', 'pods/status'] }], omitStages: ['RequestReceived'] },
    { level: 'Request', users: ['system:serviceaccount:kube-system:namespace-controller'], verbs: ['deletecollection'], omitStages: ['RequestReceived'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }, { group: 'authentication.k8s.io', resources: ['tokenreviews'] }], omitStages: ['RequestReceived'] },
    { level: 'Request', verbs: ['get', 'list', 'watch'], resources: [{ group: '' }, { group: 'apps' }, { group: 'batch' }, { group: 'rbac.authorization.k8s.io' }], omitStages: ['RequestReceived'] },
    { level: 'RequestResponse', resources: [{ group: '' }, { group: 'apps' }, { group: 'batch' }, { group: 'rbac.authorization.k8s.io' }], omitStages: ['RequestReceived'], omitManagedFields: false },
    { level: 'Metadata', omitStages: ['RequestReceived'] },
  ];
  const p = loadPolicyFromFile(file(JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitManagedFields: true, rules })));
  const e = new PolicyRuleEvaluator(p);
  assert.equal(level(e, nonRes('/healthz/etcd')), 'None');
  assert.equal(level(e, nonRes('/metrics')), 'Metadata');
  assert.equal(level(e, res('events')), 'None');
  assert.equal(level(e, res('pods', { verb: 'list' })), 'Request');
  const del = e.evaluate(res('pods', { verb: 'delete' }));
  assert.equal(del.level, 'RequestResponse');
  assert.equal(del.omitManagedFields, false, 'the rule overrides the policy default');
  assert.equal(e.evaluate(res('deployments', { apiGroup: 'apps', verb: 'list' })).omitManagedFields, true);
  assert.equal(e.evaluate(res('widgets', { apiGroup: 'example.com' })).omitManagedFields, true);
  assert.equal(level(e, res('namespaces', { user: { username: 'system:apiserver', groups: [] }, namespace: '', name: 'x', subresource: 'finalize' })), 'None');
});

test('users, userGroups and verbs all have to match', () => {
  const e = evaluator(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
  users: [alice, bob]
  userGroups: [admins]
  verbs: [delete]
- level: Request
  userGroups: [dev, ops]
- level: Metadata
  verbs: [list, watch]
`);
  const admin = { username: 'bob', groups: ['admins'] };
  assert.equal(level(e, res('pods', { user: admin, verb: 'delete' })), 'RequestResponse');
  assert.equal(level(e, res('pods', { user: { username: 'carol', groups: ['admins'] }, verb: 'delete' })), 'None');
  assert.equal(level(e, res('pods', { user: admin, verb: 'get' })), 'None');
  assert.equal(level(e, res('pods', { verb: 'delete' })), 'Request', 'alice is in dev, not admins');
  assert.equal(level(e, res('pods', { user: { username: 'x', groups: [] }, verb: 'watch' })), 'Metadata');
  assert.equal(level(e, res('pods', { user: undefined, verb: 'get' })), 'None');
});

test('resources: groups, subresources, wildcards and resourceNames', () => {
  const e = evaluator(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  resources:
  - group: ""
    resources: ["pods/log"]
- level: RequestResponse
  resources:
  - group: apps
    resources: ["*/scale"]
- level: Request
  resources:
  - group: ""
    resources: ["pods"]
- level: Metadata
  resources:
  - group: batch
    resources: ["jobs/*"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
    resourceNames: ["cfg-a"]
- level: Metadata
  resources:
  - group: "rbac.authorization.k8s.io"
    resources: ["*"]
`);
  assert.equal(level(e, res('pods', { subresource: 'log' })), 'None');
  assert.equal(level(e, res('pods')), 'Request');
  assert.equal(level(e, res('pods', { subresource: 'exec' })), 'None', '"pods" does not cover subresources');
  assert.equal(level(e, res('deployments', { apiGroup: 'apps', subresource: 'scale' })), 'RequestResponse');
  assert.equal(level(e, res('deployments', { apiGroup: 'apps' })), 'None', '"*/scale" needs the subresource');
  assert.equal(level(e, res('pods', { subresource: 'scale' })), 'None', 'group must match');
  assert.equal(level(e, res('jobs', { apiGroup: 'batch', subresource: 'status' })), 'Metadata');
  assert.equal(level(e, res('jobs', { apiGroup: 'batch' })), 'Metadata', '"jobs/*" also matches jobs');
  assert.equal(level(e, res('cronjobs', { apiGroup: 'batch' })), 'None');
  assert.equal(level(e, res('configmaps', { name: 'cfg-a' })), 'RequestResponse');
  assert.equal(level(e, res('configmaps', { name: 'cfg-b' })), 'None');
  assert.equal(level(e, res('configmaps', { name: '' })), 'None', 'a list has no name');
  assert.equal(level(e, res('roles', { apiGroup: 'rbac.authorization.k8s.io', subresource: 'x' })), 'Metadata', '"*" covers subresources');
  assert.equal(level(e, nonRes('/api/v1')), 'None', 'resource rules never match non-resource requests');
});

test('namespaces: "" selects cluster-scoped resources', () => {
  const e = evaluator(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
  namespaces: [""]
- level: Request
  namespaces: [kube-system]
`);
  assert.equal(level(e, res('nodes', { namespace: '' })), 'RequestResponse');
  assert.equal(level(e, res('pods', { namespace: 'kube-system' })), 'Request');
  assert.equal(level(e, res('pods', { namespace: 'default' })), 'None');
  assert.equal(level(e, nonRes('/healthz')), 'None');
});

test('nonResourceURLs: exact, trailing-* prefix and "*"', () => {
  const e = evaluator(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/healthz", "/readyz*"]
- level: Request
  nonResourceURLs: ["/logs/*"]
- level: Metadata
  verbs: [post]
  nonResourceURLs: ["*"]
`);
  assert.equal(level(e, nonRes('/healthz')), 'None');
  assert.equal(level(e, nonRes('/healthz/etcd', { verb: 'post' })), 'Metadata', 'no * on /healthz: exact only');
  assert.equal(level(e, nonRes('/readyz/shutdown')), 'None');
  assert.equal(level(e, nonRes('/readyz')), 'None');
  assert.equal(level(e, nonRes('/logs/kube.log')), 'Request');
  assert.equal(level(e, nonRes('/logs')), 'None', '"/logs/*" needs the slash');
  assert.equal(level(e, nonRes('/metrics', { verb: 'post' })), 'Metadata');
  assert.equal(level(e, res('pods', { verb: 'post' })), 'None', 'URL rules never match resource requests');
});

test('first matching rule wins, no match is None with the policy omitStages', () => {
  const e = evaluator(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
- level: Metadata
  resources: [{group: ""}]
  omitStages: [ResponseStarted]
- level: RequestResponse
  resources: [{group: "", resources: [pods]}]
`);
  const c = e.evaluate(res('pods'));
  assert.equal(c.level, 'Metadata');
  assert.deepEqual([...c.omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
  assert.equal(c.omitManagedFields, true);
  const none = e.evaluate(res('deployments', { apiGroup: 'apps' }));
  assert.equal(none.level, 'None');
  assert.deepEqual([...none.omitStages], ['RequestReceived']);
});

function loadError(text: string): string {
  const p = file(text);
  try {
    loadPolicyFromFile(p);
  } catch (e) {
    assert.ok(e instanceof PolicyError);
    assert.ok(e.message.endsWith(`: from file ${p}`), e.message);
    return e.message.slice(0, -`: from file ${p}`.length);
  }
  assert.fail('expected an error');
}

test('bad policy files: errors name the field and value, and the file', () => {
  const head = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';
  assert.equal(
    loadError(head + 'rules:\n- level: Everything\n'),
    'rules[0].level: Unsupported value: "Everything": supported values: "None", "Metadata", "Request", "RequestResponse"',
  );
  assert.equal(loadError(head + 'rules:\n- users: [a]\n'), 'rules[0].level: Required value');
  assert.equal(
    loadError(head + 'rules:\n- level: None\n  nonResourceURLs: ["healthz"]\n'),
    `rules[0].nonResourceURLs[0]: Invalid value: "healthz": non-resource URL rules must begin with a '/' character`,
  );
  assert.equal(
    loadError(head + 'rules:\n- level: None\n  nonResourceURLs: ["/a*b"]\n'),
    `rules[0].nonResourceURLs[0]: Invalid value: "/a*b": non-resource URL wildcards '*' must be the final character of the rule`,
  );
  assert.equal(
    loadError(head + 'rules:\n- level: None\n  namespaces: [a]\n  nonResourceURLs: ["/x"]\n'),
    'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
  );
  assert.equal(
    loadError(head + 'rules:\n- level: None\n  omitStages: [ResponseDone]\n'),
    'rules[0].omitStages[0]: Invalid value: "ResponseDone": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
  );
  assert.equal(
    loadError(head + 'rules:\n- level: None\n  resources: [{group: "", resourceNames: [x]}]\n'),
    'rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least one resource',
  );
  assert.match(loadError(head + 'rules:\n- level: None\n  resources: [{group: "apps/v1"}]\n'), /^rules\[0\]\.resources\.group: Invalid value: "apps\/v1": a lowercase RFC 1123 subdomain/);
  assert.equal(
    loadError(head + 'rules:\n- level: Bad\n- level: None\n  nonResourceURLs: ["x"]\n'),
    '[rules[0].level: Unsupported value: "Bad": supported values: "None", "Metadata", "Request", "RequestResponse", ' +
      `rules[1].nonResourceURLs[0]: Invalid value: "x": non-resource URL rules must begin with a '/' character]`,
  );
  assert.equal(loadError(head + 'rules: []\n'), 'loaded illegal policy with 0 rules');
  assert.equal(loadError(head), 'loaded illegal policy with 0 rules');
  assert.equal(loadError(head + 'rules:\n- level: None\n  verbs: get\n'), 'failed decoding: rules[0].verbs: Invalid value: "get": must be a list of strings');
  assert.equal(loadError(head + 'rules: {level: None}\n'), 'failed decoding: rules: Invalid value: {"level":"None"}: must be a list of rules');
  assert.equal(loadError(head + 'omitManagedFields: "yes"\nrules: [{level: None}]\n'), 'failed decoding: omitManagedFields: Invalid value: "yes": must be a boolean');
  assert.equal(
    loadError('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n'),
    'failed decoding: no kind "Policy" is registered for version "audit.k8s.io/v1beta1" in scheme',
  );
  assert.match(loadError('apiVersion: audit.k8s.io/v1\nrules: [{level: None}]\n'), /^failed decoding: Object 'Kind' is missing/);
  assert.match(loadError('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n   users: [a]\n'), /^failed decoding: yaml: line 5: /);
  assert.throws(() => loadPolicyFromFile(join(tmp, 'missing.yaml')), /^PolicyError: failed to read file path ".*missing\.yaml": /);
});

test('unknown fields are accepted with the lenient-decoding warning', () => {
  const warnings: string[] = [];
  const p = parsePolicy(
    'apiVersion: audit.k8s.io/v1\nkind: Policy\nrule: []\nrules:\n- level: Metadata\n  resource: [{group: ""}]\n',
    { onWarning: (m) => warnings.push(m) },
  );
  assert.equal(p.rules.length, 1);
  assert.deepEqual(warnings, [
    'Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field "rule", unknown field "rules[0].resource"',
  ]);
  // the misspelt field is ignored, so the rule matches everything (as upstream)
  assert.equal(new PolicyRuleEvaluator(p).evaluate(nonRes('/x')).level, 'Metadata');
});
