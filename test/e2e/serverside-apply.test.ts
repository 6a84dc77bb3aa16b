// E2E: server-side apply with the real kubectl and @kubernetes/client-node against `k8ts
// server`: apply --server-side create/update, conflicts between managers (409 and kubectl's
// message) and --force-conflicts, fields removed from the applied config, shared ownership,
// client-side apply then --server-side (the csa→ssa upgrade), --dry-run=server, kubectl diff,
// --show-managed-fields, the status subresource, PatchOptions errors, and an operator-style
// apply loop with client-node.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { H2Client, kc, kubectl, startServer, type ServerProc } from './harness.js';
import { parse as parseYAML } from 'yaml';

let srv: ServerProc;
let h2: H2Client;
const T = { timeout: 60_000 };

before(async () => {
  srv = await startServer();
  h2 = H2Client.fromKubeconfig(srv.kubeconfig);
});

after(async () => {
  h2?.close();
  await srv?.destroy();
});

function deployment(name: string, opts: { replicas?: number; image?: string; labels?: Record<string, string> } = {}): string {
  const lines = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  labels: ${JSON.stringify(opts.labels ?? { app: name })}`,
    'spec:',
  ];
  if (opts.replicas !== undefined) lines.push(`  replicas: ${opts.replicas}`);
  lines.push(
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    '    spec:',
    '      containers:',
    `      - name: main`,
    `        image: ${opts.image ?? 'nginx:1.25'}`,
  );
  return lines.join('\n') + '\n';
}

async function getObj(args: string[]): Promise<any> {
  return JSON.parse(await kc(srv.kubeconfig, ['get', ...args, '-o', 'json', '--show-managed-fields']));
}

function entries(obj: any): string[] {
  return (obj.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}${e.subresource ? '/' + e.subresource : ''}`).sort();
}

function entry(obj: any, manager: string, op = 'Apply'): any {
  return (obj.metadata.managedFields ?? []).find((e: any) => e.manager === manager && e.operation === op);
}

async function newNamespace(name: string): Promise<string> {
  await kc(srv.kubeconfig, ['create', 'namespace', name]);
  return name;
}

describe('kubectl apply --server-side', () => {
  test('creates and updates; managedFields hold one Apply entry in FieldsV1 form', T, async () => {
    const ns = await newNamespace('ssa-create');
    const out = await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 2 }));
    assert.match(out, /deployment.apps\/web serverside-applied/);
    let d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.equal(d.spec.replicas, 2);
    const e = entry(d, 'kubectl');
    assert.ok(e, `entries: ${entries(d)}`);
    assert.equal(e.apiVersion, 'apps/v1');
    assert.equal(e.fieldsType, 'FieldsV1');
    assert.match(e.time, /Z$/);
    assert.deepEqual(e.fieldsV1['f:spec']['f:replicas'], {});
    assert.deepEqual(e.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"main"}'], { '.': {}, 'f:image': {}, 'f:name': {} });
    assert.deepEqual(e.fieldsV1['f:metadata']['f:labels'], { 'f:app': {} });

    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 3, image: 'nginx:1.26' }));
    d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.26');

    // the yaml form of --show-managed-fields, and its absence without the flag
    const yaml = parseYAML(await kc(srv.kubeconfig, ['-n', ns, 'get', 'deployment', 'web', '-o', 'yaml', '--show-managed-fields']));
    assert.ok(Array.isArray(yaml.metadata.managedFields));
    const plain = JSON.parse(await kc(srv.kubeconfig, ['-n', ns, 'get', 'deployment', 'web', '-o', 'json']));
    assert.equal(plain.metadata.managedFields, undefined);
  });

  test('a second manager conflicts (409, kubectl prints the conflict); --force-conflicts takes the field', T, async () => {
    const ns = await newNamespace('ssa-conflict');
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 2 }));
    const other = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 5}\n';
    const r = await kubectl(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '--field-manager=autoscaler', '-f', '-'], other);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    assert.match(r.stderr, /--force-conflicts/);

    // the raw Status: 409 Conflict with one FieldManagerConflict cause
    const raw = await h2.request('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web?fieldManager=autoscaler`, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } }), { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(raw.status, 409);
    const status = raw.json();
    assert.equal(status.reason, 'Conflict');
    assert.deepEqual(status.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }]);

    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '--field-manager=autoscaler', '--force-conflicts', '-f', '-'], other);
    const d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.equal(d.spec.replicas, 5);
    assert.deepEqual(entry(d, 'autoscaler').fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(d, 'kubectl').fieldsV1['f:spec']['f:replicas'], undefined);
  });

  test('a field removed from the applied config is removed; a field shared with another manager stays', T, async () => {
    const ns = await newNamespace('ssa-remove');
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 2, labels: { app: 'web', tier: 'front', team: 'a' } }));
    // another manager applies the same value of `team`: shared ownership, no conflict
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '--field-manager=labeller', '-f', '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {team: a}}\n');
    let d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.ok(entry(d, 'kubectl').fieldsV1['f:metadata']['f:labels']['f:team']);
    assert.ok(entry(d, 'labeller').fieldsV1['f:metadata']['f:labels']['f:team']);

    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { labels: { app: 'web' } }));
    d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.deepEqual(d.metadata.labels, { app: 'web', team: 'a' }, 'tier removed, team kept (still owned by labeller)');
    assert.equal(entry(d, 'kubectl').fieldsV1['f:spec']['f:replicas'], undefined);
  });

  test('kubectl apply (client-side) then --server-side: kubectl takes over without conflicts', T, async () => {
    const ns = await newNamespace('ssa-upgrade');
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '-f', '-'], deployment('web', { replicas: 2 }));
    let d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.ok(entry(d, 'kubectl-client-side-apply', 'Update'), `entries: ${entries(d)}`);
    assert.ok(entry(d, 'kubectl-client-side-apply', 'Update').fieldsV1['f:metadata']['f:annotations']['f:kubectl.kubernetes.io/last-applied-configuration']);

    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 3 }));
    d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.equal(d.spec.replicas, 3);
    assert.equal(entry(d, 'kubectl-client-side-apply', 'Update'), undefined, `entries: ${entries(d)}`);
    assert.deepEqual(entry(d, 'kubectl').fieldsV1['f:spec']['f:replicas'], {});
    const lastApplied = JSON.parse(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(lastApplied.spec.replicas, 3, 'the last-applied annotation follows the server-side apply');

    // and client-side apply still works on the object afterwards
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '-f', '-'], deployment('web', { replicas: 4 }));
    d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.equal(d.spec.replicas, 4);
  });

  test('--dry-run=server changes nothing; kubectl diff shows the change', T, async () => {
    const ns = await newNamespace('ssa-dry');
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 2 }));
    const before = await getObj(['-n', ns, 'deployment', 'web']);
    const out = await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '--dry-run=server', '-f', '-'], deployment('web', { replicas: 7 }));
    assert.match(out, /serverside-applied \(server dry run\)/);
    const after = await getObj(['-n', ns, 'deployment', 'web']);
    assert.equal(after.spec.replicas, 2);
    assert.equal(after.metadata.generation, before.metadata.generation);

    const created = await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '--dry-run=server', '-f', '-'], deployment('ghost'));
    assert.match(created, /ghost serverside-applied \(server dry run\)/);
    assert.equal((await kubectl(srv.kubeconfig, ['-n', ns, 'get', 'deployment', 'ghost'])).code, 1);

    for (const extra of [[], ['--server-side']]) {
      const diff = await kubectl(srv.kubeconfig, ['-n', ns, 'diff', ...extra, '-f', '-'], deployment('web', { replicas: 7 }));
      assert.equal(diff.code, 1, `diff ${extra}: ${diff.stderr}`);
      assert.match(diff.stdout, /^-\s+replicas: 2$/m);
      assert.match(diff.stdout, /^\+\s+replicas: 7$/m);
      const same = await kubectl(srv.kubeconfig, ['-n', ns, 'diff', '--server-side', '-f', '-'], deployment('web', { replicas: 2 }));
      assert.equal(same.code, 0, same.stdout + same.stderr);
    }
  });

  test('--subresource=status applies status only, recorded with subresource status', T, async () => {
    const ns = await newNamespace('ssa-status');
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 1 }));
    const status = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nstatus:\n  conditions:\n  - {type: Custom, status: "True", reason: Test}\n';
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '--subresource=status', '--field-manager=status-writer', '-f', '-'], status);
    const d = await getObj(['-n', ns, 'deployment', 'web']);
    assert.ok(d.status.conditions.some((c: any) => c.type === 'Custom' && c.reason === 'Test'));
    const e = entry(d, 'status-writer');
    assert.equal(e.subresource, 'status');
    assert.deepEqual(Object.keys(e.fieldsV1), ['f:status']);
  });

  test('other writers are tracked as Update entries per manager', T, async () => {
    const ns = await newNamespace('ssa-updates');
    await kc(srv.kubeconfig, ['-n', ns, 'create', 'configmap', 'cfg', '--from-literal=a=1']);
    await kc(srv.kubeconfig, ['-n', ns, 'label', 'configmap', 'cfg', 'x=y']);
    await kc(srv.kubeconfig, ['-n', ns, 'patch', 'configmap', 'cfg', '-p', '{"data":{"b":"2"}}']);
    const cm = await getObj(['-n', ns, 'configmap', 'cfg']);
    assert.deepEqual(entries(cm), ['kubectl-create/Update', 'kubectl-label/Update', 'kubectl-patch/Update']);
    assert.deepEqual(entry(cm, 'kubectl-create', 'Update').fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
    assert.deepEqual(entry(cm, 'kubectl-label', 'Update').fieldsV1, { 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } });
    assert.deepEqual(entry(cm, 'kubectl-patch', 'Update').fieldsV1, { 'f:data': { 'f:b': {} } });
    // a scale is recorded with subresource scale
    await kc(srv.kubeconfig, ['-n', ns, 'apply', '--server-side', '-f', '-'], deployment('web', { replicas: 1 }));
    await kc(srv.kubeconfig, ['-n', ns, 'scale', 'deployment', 'web', '--replicas=3']);
    const d = await getObj(['-n', ns, 'deployment', 'web']);
    const sc = (d.metadata.managedFields as any[]).find((x) => x.subresource === 'scale');
    assert.ok(sc, `entries: ${entries(d)}`);
    assert.deepEqual(sc.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(d, 'kubectl').fieldsV1['f:spec']['f:replicas'], undefined);
    // managedFields reset with an empty list
    await kc(srv.kubeconfig, ['-n', ns, 'patch', 'configmap', 'cfg', '--type=merge', '-p', '{"metadata":{"managedFields":[{}]}}']);
    const reset = await getObj(['-n', ns, 'configmap', 'cfg']);
    assert.equal(reset.metadata.managedFields, undefined);
  });

  test('PatchOptions: fieldManager required for apply, force only for apply, managedFields not allowed in the config', T, async () => {
    const ns = await newNamespace('ssa-options');
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
    const base = `/api/v1/namespaces/${ns}/configmaps/c`;
    let r = await h2.request('PATCH', base, body, { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(r.status, 422);
    assert.equal(r.json().message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    r = await h2.request('PATCH', `${base}?force=true`, '{}', { 'content-type': 'application/merge-patch+json' });
    assert.equal(r.status, 422);
    assert.match(r.json().message, /force: Forbidden: may not be specified for non-apply patch/);
    r = await h2.request('PATCH', `${base}?fieldManager=m`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [] } }), { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(r.status, 400);
    r = await h2.request('PATCH', `${base}?fieldManager=m`, JSON.stringify({ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'c' } }), { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(r.status, 400);
    assert.match(r.json().message, /Incorrect version specified in apply patch/);
    // YAML bodies, and apply creating the object (201)
    r = await h2.request('PATCH', `${base}?fieldManager=m`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n', { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(r.status, 201, r.body);
    r = await h2.request('PATCH', `${base}?fieldManager=m`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "2"\n', { 'content-type': 'application/apply-patch+yaml' });
    assert.equal(r.status, 200);
    assert.equal(r.json().data.a, '2');
  });
});

describe('@kubernetes/client-node server-side apply loop', () => {
  test('an operator applies its desired state repeatedly; forced applies win back changed fields', T, async () => {
    const ns = await newNamespace('ssa-operator');
    const kcfg = new k8s.KubeConfig();
    kcfg.loadFromFile(srv.kubeconfig);
    const core = kcfg.makeApiClient(k8s.CoreV1Api);
    const apps = kcfg.makeApiClient(k8s.AppsV1Api);
    const ssa = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    const desiredCm = (gen: number): k8s.V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'op-config', namespace: ns }, data: { generation: String(gen), mode: 'fast' } });
    const desiredDep = (replicas: number): k8s.V1Deployment => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'op-app', namespace: ns },
      spec: { replicas, selector: { matchLabels: { app: 'op' } }, template: { metadata: { labels: { app: 'op' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } } },
    });
    let lastRV = '';
    for (let gen = 1; gen <= 5; gen++) {
      const cm = await core.patchNamespacedConfigMap({ name: 'op-config', namespace: ns, body: desiredCm(gen), fieldManager: 'my-operator', force: true }, ssa);
      assert.equal(cm.data?.generation, String(gen));
      assert.notEqual(cm.metadata?.resourceVersion, lastRV);
      lastRV = cm.metadata!.resourceVersion!;
      const dep = await apps.patchNamespacedDeployment({ name: 'op-app', namespace: ns, body: desiredDep(2), fieldManager: 'my-operator', force: true }, ssa);
      assert.equal(dep.spec?.replicas, 2);
    }
    // an unchanged apply is a no-op: same resourceVersion
    const same = await core.patchNamespacedConfigMap({ name: 'op-config', namespace: ns, body: desiredCm(5), fieldManager: 'my-operator', force: true }, ssa);
    assert.equal(same.metadata?.resourceVersion, lastRV);
    // someone scales by hand; the operator's unforced apply conflicts, the forced one wins
    await kc(srv.kubeconfig, ['-n', ns, 'scale', 'deployment', 'op-app', '--replicas=9']);
    await assert.rejects(apps.patchNamespacedDeployment({ name: 'op-app', namespace: ns, body: desiredDep(2), fieldManager: 'my-operator' }, ssa), (e: any) => e.code === 409);
    const back = await apps.patchNamespacedDeployment({ name: 'op-app', namespace: ns, body: desiredDep(2), fieldManager: 'my-operator', force: true }, ssa);
    assert.equal(back.spec?.replicas, 2);
    const mf = back.metadata?.managedFields ?? [];
    assert.ok(mf.some((e) => e.manager === 'my-operator' && e.operation === 'Apply'));
    // the operator stops managing `mode`: it is removed
    const trimmed = desiredCm(6);
    delete trimmed.data!.mode;
    const cm = await core.patchNamespacedConfigMap({ name: 'op-config', namespace: ns, body: trimmed, fieldManager: 'my-operator', force: true }, ssa);
    assert.deepEqual(cm.data, { generation: '6' });
  });
});

describe('server-side apply on a custom resource', () => {
  const CRD = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.ssa.example.com' },
    spec: {
      group: 'ssa.example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{
        name: 'v1', served: true, storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer' },
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                  ports: {
                    type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
                    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
                  },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      }],
    },
  };

  test('an operator loop with client-node: list-map and set merge, conflicts and force', T, async () => {
    const ns = await newNamespace('ssa-cr');
    await kc(srv.kubeconfig, ['apply', '--server-side', '-f', '-'], JSON.stringify(CRD));
    const deadline = Date.now() + 20_000;
    while ((await h2.request('GET', '/apis/ssa.example.com/v1')).status !== 200) {
      if (Date.now() > deadline) assert.fail('the CRD was not served in time');
      await new Promise((r) => setTimeout(r, 100));
    }
    const kcfg = new k8s.KubeConfig();
    kcfg.loadFromFile(srv.kubeconfig);
    const custom = kcfg.makeApiClient(k8s.CustomObjectsApi);
    const ssa = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    const apply = (manager: string, spec: Record<string, unknown>, force = true) =>
      custom.patchNamespacedCustomObject({ group: 'ssa.example.com', version: 'v1', namespace: ns, plural: 'widgets', name: 'w', body: { apiVersion: 'ssa.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec }, fieldManager: manager, force }, ssa) as Promise<any>;
    for (let size = 1; size <= 3; size++) {
      const w = await apply('widget-operator', { size, tags: ['a'], ports: [{ name: 'http', port: 80 }] });
      assert.equal(w.spec.size, size);
    }
    // a second manager adds its own list items: merged by key and by value
    const both = await apply('sidecar-injector', { tags: ['b'], ports: [{ name: 'metrics', port: 9090 }] }, false);
    assert.deepEqual(both.spec.tags, ['a', 'b']);
    assert.deepEqual(both.spec.ports, [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]);
    const op = both.metadata.managedFields.find((e: any) => e.manager === 'widget-operator');
    assert.deepEqual(op.fieldsV1, { 'f:spec': { 'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:size': {}, 'f:tags': { 'v:"a"': {} } } });
    // changing the operator's port conflicts unless forced
    const err = await apply('sidecar-injector', { ports: [{ name: 'http', port: 8080 }] }, false).then(() => undefined, (e) => e);
    assert.equal(err?.code, 409);
    assert.match(String(err.body), /conflict with \\"widget-operator\\": \.spec\.ports\[name=\\"http\\"\]\.port/);
    // the operator drops the tag it applied: only the other manager's stays
    const trimmed = await apply('widget-operator', { size: 3, ports: [{ name: 'http', port: 80 }] });
    assert.deepEqual(trimmed.spec.tags, ['b']);
  });
});
