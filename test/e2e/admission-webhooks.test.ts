// Admission webhooks and ValidatingAdmissionPolicy end to end, with the real kubectl: a test
// HTTPS webhook server (own CA) registered by `url` and by Service (a selector-less Service +
// Endpoints to this host's address); mutation by JSONPatch, denial with the webhook's message, warnings,
// failurePolicy Ignore/Fail against a closed port, namespaceSelector / objectSelector /
// matchConditions, server-side dry run and sideEffects; policies denying with a message,
// warning, and reading a param from a ConfigMap.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, hostIPv4, kc, kubectl, startServer, until, type ServerProc } from './harness.js';
import { startWebhookServer, type WebhookServer } from './webhook-server.js';

let server: ServerProc;
let hooks: WebhookServer;
let kcfg: string;

function webhookYaml(kind: 'Mutating' | 'Validating', name: string, hooksYaml: string): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata:
  name: ${name}
webhooks:
${hooksYaml}`;
}

function hook(o: { name: string; path: string; resources?: string; url?: string; service?: boolean; extra?: string; sideEffects?: string; failurePolicy?: string; ns?: string }): string {
  const cc = o.service
    ? `    service:\n      namespace: default\n      name: hook\n      path: ${o.path}\n`
    : `    url: ${o.url ?? `https://127.0.0.1:${hooks.port}${o.path}`}\n`;
  return `- name: ${o.name}
  admissionReviewVersions: [v1]
  sideEffects: ${o.sideEffects ?? 'None'}
  failurePolicy: ${o.failurePolicy ?? 'Fail'}
  clientConfig:
${cc}    caBundle: ${hooks.caBundle}
  rules:
  - operations: [CREATE, UPDATE]
    apiGroups: [""]
    apiVersions: [v1]
    resources: [${o.resources ?? 'configmaps'}]
  namespaceSelector:
    matchLabels:
      hooks: "${o.ns ?? 'on'}"
${o.extra ?? ''}`;
}

async function createNs(name: string, labels: Record<string, string>): Promise<void> {
  await kc(kcfg, ['create', 'namespace', name]);
  if (Object.keys(labels).length) await kc(kcfg, ['label', 'namespace', name, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
}

before(async () => {
  hooks = await startWebhookServer('hook', 'default', '0.0.0.0');
  server = await startServer();
  kcfg = server.kubeconfig;
  await createNs('wh', { hooks: 'on' });
  await createNs('plain', {});
  await createNs('fail', { hooks: 'fail' });
});

after(async () => {
  await server?.destroy();
  await hooks?.close();
});

describe('admission webhooks', { timeout: 240000 }, () => {
  test('resources: served in discovery, defaults applied, WEBHOOKS column, validation messages', async () => {
    const res = await kc(kcfg, ['api-resources', '--api-group=admissionregistration.k8s.io', '-o', 'name']);
    for (const r of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
      assert.match(res, new RegExp(`^${r}\\.admissionregistration\\.k8s\\.io$`, 'm'));
    }
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Mutating', 'defaults-check', hook({ name: 'defaults.k8ts.test', path: '/allow', ns: 'nowhere' })));
    const obj = JSON.parse(await kc(kcfg, ['get', 'mutatingwebhookconfiguration', 'defaults-check', '-o', 'json']));
    const w = obj.webhooks[0];
    assert.equal(w.timeoutSeconds, 10);
    assert.equal(w.matchPolicy, 'Equivalent');
    assert.equal(w.reinvocationPolicy, 'Never');
    assert.deepEqual(w.objectSelector, {});
    assert.equal(w.rules[0].scope, '*');
    const table = await kc(kcfg, ['get', 'mutatingwebhookconfigurations', 'defaults-check']);
    assert.match(table, /^NAME\s+WEBHOOKS\s+AGE\n/);
    assert.match(table, /defaults-check\s+1\s+/);
    const bad = await kubectl(kcfg, ['apply', '-f', '-'], webhookYaml('Validating', 'bad', hook({ name: 'nodots', path: '/allow', sideEffects: 'Unknown' })));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /webhooks\[0\]\.name: Invalid value: "nodots": should be a domain with at least three segments separated by dots/);
    assert.match(bad.stderr, /webhooks\[0\]\.sideEffects: Unsupported value: "Unknown": supported values: "None", "NoneOnDryRun"/);
    await kc(kcfg, ['delete', 'mutatingwebhookconfiguration', 'defaults-check']);
  });

  test('a mutating webhook by url adds a label with a JSONPatch; namespaceSelector skips other namespaces', async () => {
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Mutating', 'mutate', hook({ name: 'mutate.k8ts.test', path: '/mutate' })));
    await until(async () => {
      await kubectl(kcfg, ['delete', 'configmap', 'm1', '-n', 'wh', '--ignore-not-found']);
      await kc(kcfg, ['create', 'configmap', 'm1', '-n', 'wh', '--from-literal=a=b']);
      return (await kc(kcfg, ['get', 'configmap', 'm1', '-n', 'wh', '-o', 'jsonpath={.metadata.labels.webhooked}'])) === 'true';
    }, 'the mutating webhook to apply', 20000, 300);
    const req = hooks.seen.filter((s) => s.path === '/mutate').at(-1)!.request;
    assert.equal(req.operation, 'CREATE');
    assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.equal(req.namespace, 'wh');
    assert.equal(req.name, 'm1');
    assert.equal(req.userInfo.username, 'kubernetes-admin');
    assert.ok(req.userInfo.groups.includes('system:masters'));
    assert.equal(req.dryRun, false);
    assert.equal(req.options.kind, 'CreateOptions');
    assert.equal(req.oldObject, null);
    await kc(kcfg, ['create', 'configmap', 'p1', '-n', 'plain']);
    assert.equal(await kc(kcfg, ['get', 'configmap', 'p1', '-n', 'plain', '-o', 'jsonpath={.metadata.labels}']), '');
    // an update goes through the webhook too: the label the user removed comes back
    await kc(kcfg, ['label', 'configmap', 'm1', '-n', 'wh', 'webhooked-']);
    assert.equal(await kc(kcfg, ['get', 'configmap', 'm1', '-n', 'wh', '-o', 'jsonpath={.metadata.labels.webhooked}']), 'true');
    await kc(kcfg, ['delete', 'mutatingwebhookconfiguration', 'mutate']);
  });

  test('a validating webhook behind a Service denies with its message; objectSelector and matchConditions skip', async () => {
    await kc(kcfg, ['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: hook, namespace: default}
spec:
  ports: [{name: https, port: 443, targetPort: ${hooks.port}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: hook, namespace: default}
subsets:
- addresses: [{ip: ${hostIPv4()}}]
  ports: [{name: https, port: ${hooks.port}}]
`);
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Validating', 'deny', hook({
      name: 'deny.k8ts.test', path: '/deny', service: true,
      extra: `  objectSelector:
    matchExpressions: [{key: skip, operator: DoesNotExist}]
  matchConditions:
  - name: not-skipped-by-name
    expression: '!object.metadata.name.startsWith("skip-")'
`,
    })));
    const cm = (name: string, labels: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: wh\n  labels: {${labels}}\n`;
    const denied = await until(async () => {
      const r = await kubectl(kcfg, ['create', '-f', '-'], cm('d1', 'deny: "true"'));
      if (r.code === 0) await kubectl(kcfg, ['delete', 'configmap', 'd1', '-n', 'wh']);
      return r.code !== 0 && r;
    }, 'the validating webhook to deny', 20000, 300);
    assert.match(denied.stderr, /admission webhook "deny\.k8ts\.test" denied the request: configmaps with deny=true are not allowed/);
    assert.equal((await kubectl(kcfg, ['get', 'configmap', 'd1', '-n', 'wh'])).code, 1);
    await kc(kcfg, ['create', '-f', '-'], cm('d2', 'deny: "false"'));
    await kc(kcfg, ['create', '-f', '-'], cm('d3', 'deny: "true", skip: "yes"'));
    await kc(kcfg, ['create', '-f', '-'], cm('skip-d4', 'deny: "true"'));
    await kc(kcfg, ['delete', 'validatingwebhookconfiguration', 'deny']);
  });

  test('warnings from a webhook are shown by kubectl', async () => {
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Validating', 'warn', hook({ name: 'warn.k8ts.test', path: '/warn' })));
    const r = await until(async () => {
      const name = `w${Date.now()}`;
      const out = await kubectl(kcfg, ['create', 'configmap', name, '-n', 'wh']);
      return out.stderr.includes('Warning:') && { out, name };
    }, 'the warning webhook', 20000, 300);
    assert.match(r.out.stderr, new RegExp(`Warning: the webhook saw CREATE of ${r.name}`));
    await kc(kcfg, ['delete', 'validatingwebhookconfiguration', 'warn']);
  });

  test('failurePolicy Ignore lets requests through a dead webhook, Fail refuses them with upstream\'s message', async () => {
    const dead = await freePort();
    const url = `https://127.0.0.1:${dead}/`;
    // the dead webhook fails open; the warning of the live one beside it shows the configuration is in effect
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Validating', 'dead-ignore',
      hook({ name: 'ignore.k8ts.test', path: '/', url, failurePolicy: 'Ignore', ns: 'fail' }) + hook({ name: 'live.k8ts.test', path: '/warn', ns: 'fail' })));
    const ok = await until(async () => {
      const out = await kubectl(kcfg, ['create', 'configmap', `i${Date.now()}`, '-n', 'fail']);
      return out.code === 0 && out.stderr.includes('Warning: the webhook saw') && out;
    }, 'the ignored webhook to fail open', 20000, 300);
    assert.doesNotMatch(ok.stderr, /failed calling webhook/);
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Validating', 'dead-fail', hook({ name: 'fail.k8ts.test', path: '/', url, failurePolicy: 'Fail', ns: 'fail' })));
    const r = await until(async () => {
      const out = await kubectl(kcfg, ['create', 'configmap', `f${Date.now()}`, '-n', 'fail']);
      return out.code !== 0 && out;
    }, 'the failing webhook to refuse', 20000, 300);
    assert.match(r.stderr, new RegExp(`Internal error occurred: failed calling webhook "fail\\.k8ts\\.test": failed to call webhook: Post "https://127\\.0\\.0\\.1:${dead}/\\?timeout=10s": dial tcp 127\\.0\\.0\\.1:${dead}: connect: connection refused`));
    await kc(kcfg, ['delete', 'validatingwebhookconfiguration', 'dead-ignore', 'dead-fail']);
  });

  test('--dry-run=server reaches webhooks with sideEffects None (dryRun: true) and stores nothing', async () => {
    await kc(kcfg, ['apply', '-f', '-'], webhookYaml('Mutating', 'dry', hook({ name: 'dry.k8ts.test', path: '/mutate', sideEffects: 'None' })));
    const out = await until(async () => {
      const o = await kc(kcfg, ['create', 'configmap', 'dry1', '-n', 'wh', '--dry-run=server', '-o', 'jsonpath={.metadata.labels.webhooked}']);
      return o === 'true' && o;
    }, 'the dry-run mutation', 20000, 300);
    assert.equal(out, 'true');
    const req = hooks.seen.filter((s) => s.path === '/mutate').at(-1)!.request;
    assert.equal(req.dryRun, true);
    assert.deepEqual(req.options.dryRun, ['All']);
    assert.equal((await kubectl(kcfg, ['get', 'configmap', 'dry1', '-n', 'wh'])).code, 1);
    await kc(kcfg, ['delete', 'mutatingwebhookconfiguration', 'dry']);
  });
});

describe('ValidatingAdmissionPolicy', { timeout: 240000 }, () => {
  test('a policy denies deployments with more than 5 replicas, with its message', async () => {
    await createNs('vap', { vap: 'on' });
    await kc(kcfg, ['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas.k8ts.test}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= 5
    message: at most 5 replicas, please
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-binding}
spec:
  policyName: max-replicas.k8ts.test
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {vap: "on"}
`);
    const table = await kc(kcfg, ['get', 'validatingadmissionpolicies']);
    assert.match(table, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\n/);
    assert.match(table, /max-replicas\.k8ts\.test\s+1\s+<unset>\s+/);
    const r = await until(async () => {
      const out = await kubectl(kcfg, ['create', 'deployment', 'big', '--image=nginx', '--replicas=6', '-n', 'vap']);
      if (out.code === 0) await kubectl(kcfg, ['delete', 'deployment', 'big', '-n', 'vap']);
      return out.code !== 0 && out;
    }, 'the policy to deny', 20000, 300);
    assert.match(r.stderr, /deployments\.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas\.k8ts\.test' with binding 'max-replicas-binding' denied request: at most 5 replicas, please/);
    await kc(kcfg, ['create', 'deployment', 'small', '--image=nginx', '--replicas=5', '-n', 'vap']);
    await kc(kcfg, ['create', 'deployment', 'elsewhere', '--image=nginx', '--replicas=6', '-n', 'plain']);
    const scale = await kubectl(kcfg, ['patch', 'deployment', 'small', '-n', 'vap', '-p', '{"spec":{"replicas":9}}']);
    assert.notEqual(scale.code, 0);
    assert.match(scale.stderr, /The deployments "small" is invalid: : ValidatingAdmissionPolicy 'max-replicas\.k8ts\.test' with binding 'max-replicas-binding' denied request: at most 5 replicas, please/);
  });

  test('a Warn binding warns instead of denying', async () => {
    await kc(kcfg, ['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: owner-label.k8ts.test}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [configmaps]
  validations:
  - expression: has(object.metadata.labels) && 'owner' in object.metadata.labels
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: owner-label-warn}
spec:
  policyName: owner-label.k8ts.test
  validationActions: [Warn]
  matchResources:
    namespaceSelector:
      matchLabels: {vap: "on"}
`);
    const r = await until(async () => {
      const out = await kubectl(kcfg, ['create', 'configmap', `nolabel${Date.now()}`, '-n', 'vap']);
      return out.code === 0 && out.stderr.includes('Warning:') && out;
    }, 'the policy to warn', 20000, 300);
    assert.match(r.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'owner-label\.k8ts\.test' with binding 'owner-label-warn': failed expression: has\(object\.metadata\.labels\) && 'owner' in object\.metadata\.labels/);
    await kc(kcfg, ['delete', 'validatingadmissionpolicybinding', 'owner-label-warn']);
    await kc(kcfg, ['delete', 'validatingadmissionpolicy', 'owner-label.k8ts.test']);
  });

  test('a param from a ConfigMap sets the limit (messageExpression)', async () => {
    await createNs('vap-params', {});
    await kc(kcfg, ['create', 'configmap', 'limits', '-n', 'vap-params', '--from-literal=maxReplicas=2']);
    await createNs('vap-p', { limits: 'param' });
    await kc(kcfg, ['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: param-replicas.k8ts.test}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  variables:
  - name: limit
    expression: int(params.data.maxReplicas)
  validations:
  - expression: object.spec.replicas <= variables.limit
    messageExpression: '"replicas must be no greater than " + string(variables.limit)'
    reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: param-replicas-binding}
spec:
  policyName: param-replicas.k8ts.test
  validationActions: [Deny]
  paramRef: {name: limits, namespace: vap-params, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {limits: param}
`);
    const table = await kc(kcfg, ['get', 'validatingadmissionpolicybindings', 'param-replicas-binding']);
    assert.match(table, /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\n/);
    assert.match(table, /param-replicas-binding\s+param-replicas\.k8ts\.test\s+vap-params\/limits\s+/);
    const r = await until(async () => {
      const out = await kubectl(kcfg, ['create', 'deployment', 'three', '--image=nginx', '--replicas=3', '-n', 'vap-p']);
      if (out.code === 0) await kubectl(kcfg, ['delete', 'deployment', 'three', '-n', 'vap-p']);
      return out.code !== 0 && out;
    }, 'the param policy to deny', 20000, 300);
    assert.match(r.stderr, /replicas must be no greater than 2/);
    await kc(kcfg, ['create', 'deployment', 'two', '--image=nginx', '--replicas=2', '-n', 'vap-p']);
    // the param changes: the limit follows
    await kc(kcfg, ['patch', 'configmap', 'limits', '-n', 'vap-params', '-p', '{"data":{"maxReplicas":"4"}}']);
    await until(async () => (await kubectl(kcfg, ['create', 'deployment', 'four', '--image=nginx', '--replicas=4', '-n', 'vap-p'])).code === 0, 'the new limit', 20000, 300);
  });
});
