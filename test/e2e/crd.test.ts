// E2E: CustomResourceDefinitions with the real kubectl and @kubernetes/client-node — the
// upstream docs' CronTab (group stable.example.com: cronSpec/image/replicas with a schema, a
// default, printer columns, a CEL rule, status and scale subresources, shortName ct, category
// all): served and in discovery at once, custom resources created, listed with their printer
// columns, validated (type, enum, pattern, CEL), defaulted, pruned, scaled, their status
// written through --subresource=status; `kubectl get all`; a second served version with None
// conversion; a cluster-scoped CRD; a name conflict (NamesAccepted=False); an informer on the
// custom resource; deleting the CRD deletes its objects.
//
// One server for the whole file.
// Run: npx tsc -p tsconfig.json && node --test dist/test/e2e/crd.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { H2Client, kc, kubectl, startServer, until, type ServerProc } from './harness.js';
import { CRONTAB_CRD } from './crontab-crd.js';

let srv: ServerProc;
let h2: H2Client;
const T = { timeout: 60_000 };

const crontab = (name: string, spec: Record<string, unknown>, apiVersion = 'stable.example.com/v1') =>
  YAML.stringify({ apiVersion, kind: 'CronTab', metadata: { name }, spec });

before(async () => {
  srv = await startServer();
  h2 = H2Client.fromKubeconfig(srv.kubeconfig);
});

after(async () => {
  h2?.close();
  await srv?.destroy();
});

describe('CronTab CustomResourceDefinition', () => {
  test('a created CRD is Established and served in discovery at once', T, async () => {
    const t0 = Date.now();
    const r = await h2.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRONTAB_CRD);
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json().status.storedVersions, ['v1']);
    await until(async () => (await h2.request('GET', '/apis/stable.example.com/v1')).status === 200, 'discovery of stable.example.com/v1', 5000, 10);
    const servedMs = Date.now() - t0;
    assert.ok(servedMs < 2000, `served after ${servedMs}ms`);
    const rl = (await h2.request('GET', '/apis/stable.example.com/v1')).json();
    const res = rl.resources.find((x: any) => x.name === 'crontabs');
    assert.deepEqual(res.shortNames, ['ct']);
    assert.deepEqual(res.categories, ['all']);
    assert.equal(res.kind, 'CronTab');
    assert.ok(rl.resources.some((x: any) => x.name === 'crontabs/status'));
    assert.ok(rl.resources.some((x: any) => x.name === 'crontabs/scale'));
    const ar = await kc(srv.kubeconfig, ['api-resources', '--api-group=stable.example.com']);
    assert.match(ar, /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
    const crd = JSON.parse(await kc(srv.kubeconfig, ['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']));
    const cond = (t: string) => crd.status.conditions.find((c: any) => c.type === t);
    assert.equal(cond('NamesAccepted').status, 'True');
    assert.equal(cond('NamesAccepted').reason, 'NoConflicts');
    assert.equal(cond('Established').status, 'True');
    assert.equal(cond('Established').reason, 'InitialNamesAccepted');
    assert.equal(crd.status.acceptedNames.plural, 'crontabs');
    const table = await kc(srv.kubeconfig, ['get', 'crds']);
    assert.match(table, /^NAME\s+CREATED AT\n/);
    assert.match(table, /crontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/);
  });

  test('custom resources are created, defaulted and listed with their printer columns', T, async () => {
    await kc(srv.kubeconfig, ['apply', '-f', '-'], crontab('my-new-cron-object', { cronSpec: '* * * * */5', image: 'my-awesome-cron-image' }));
    const obj = JSON.parse(await kc(srv.kubeconfig, ['get', 'ct', 'my-new-cron-object', '-o', 'json']));
    assert.equal(obj.apiVersion, 'stable.example.com/v1');
    assert.equal(obj.spec.replicas, 1, 'defaulted');
    assert.equal(obj.spec.maxReplicas, 10, 'defaulted');
    assert.equal(obj.metadata.generation, 1);
    const out = await kc(srv.kubeconfig, ['get', 'crontabs']);
    assert.match(out, /^NAME\s+SPEC\s+REPLICAS\s+AGE\n/);
    assert.match(out, /my-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+\d+s\n/);
    const all = await kc(srv.kubeconfig, ['get', 'all']);
    assert.match(all, /crontab\.stable\.example\.com\/my-new-cron-object/);
    const list = JSON.parse(await kc(srv.kubeconfig, ['get', 'crontab.stable.example.com', '-o', 'json']));
    assert.equal(list.items.length, 1);
  });

  test('schema validation: types, enums and patterns answered as upstream', T, async () => {
    const r = await kubectl(srv.kubeconfig, ['apply', '-f', '-'], crontab('bad', { cronSpec: 'bad', replicas: 'x', policy: 'Maybe', image: 'i' }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The CronTab "bad" is invalid/);
    assert.match(r.stderr, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/);
    assert.match(r.stderr, /spec\.policy: Unsupported value: "Maybe": supported values: "Allow", "Forbid"/);
    assert.match(r.stderr, /spec\.cronSpec: Invalid value: "bad": spec\.cronSpec in body should match '\^\(\\d\+\|\\\*\)/);
    const neg = await kubectl(srv.kubeconfig, ['apply', '-f', '-'], crontab('neg', { cronSpec: '* * * * *', replicas: -1 }));
    assert.match(neg.stderr, /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/);
    const raw = await h2.request('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'bad' }, spec: { replicas: 'x' } });
    assert.equal(raw.status, 422);
    const st = raw.json();
    assert.equal(st.reason, 'Invalid');
    assert.equal(st.details.kind, 'CronTab');
    assert.equal(st.details.group, 'stable.example.com');
    assert.deepEqual(st.details.causes[0], { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"', field: 'spec.replicas' });
  });

  test('x-kubernetes-validations: a CEL rule with its message', T, async () => {
    const r = await kubectl(srv.kubeconfig, ['apply', '-f', '-'], crontab('too-many', { cronSpec: '* * * * *', replicas: 20, maxReplicas: 5 }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The CronTab "too-many" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas/);
  });

  test('unknown fields: Strict fails, Warn warns, both prune', T, async () => {
    const body = YAML.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'pruned', foo: 'x' }, spec: { cronSpec: '* * * * *', image: 'i', bogus: 1, nested: { a: 1 } } });
    const strict = await kubectl(srv.kubeconfig, ['apply', '-f', '-'], body);
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /strict decoding error: unknown field "metadata\.foo", unknown field "spec\.bogus", unknown field "spec\.nested"/);
    const warn = await kubectl(srv.kubeconfig, ['apply', '--validate=warn', '-f', '-'], body);
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /Warning: unknown field "spec\.bogus"/);
    const obj = JSON.parse(await kc(srv.kubeconfig, ['get', 'ct', 'pruned', '-o', 'json']));
    assert.deepEqual(obj.spec, { cronSpec: '* * * * *', image: 'i', replicas: 1, maxReplicas: 10 });
    assert.equal(obj.metadata.foo, undefined);
    await kc(srv.kubeconfig, ['delete', 'ct', 'pruned']);
  });

  test('scale and status subresources', T, async () => {
    await kc(srv.kubeconfig, ['scale', 'ct', 'my-new-cron-object', '--replicas=3']);
    let obj = JSON.parse(await kc(srv.kubeconfig, ['get', 'ct', 'my-new-cron-object', '-o', 'json']));
    assert.equal(obj.spec.replicas, 3);
    assert.equal(obj.metadata.generation, 2, 'spec change bumps generation');
    await kc(srv.kubeconfig, ['patch', 'ct', 'my-new-cron-object', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3,"labelSelector":"app=cron"}}']);
    obj = JSON.parse(await kc(srv.kubeconfig, ['get', 'ct', 'my-new-cron-object', '--subresource=status', '-o', 'json']));
    assert.deepEqual(obj.status, { replicas: 3, labelSelector: 'app=cron' });
    assert.equal(obj.metadata.generation, 2, 'status change keeps generation');
    const scale = (await h2.request('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object/scale')).json();
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.deepEqual(scale.spec, { replicas: 3 });
    assert.deepEqual(scale.status, { replicas: 3, selector: 'app=cron' });
    // the main resource ignores status; the status subresource ignores spec
    await kc(srv.kubeconfig, ['patch', 'ct', 'my-new-cron-object', '--type=merge', '-p', '{"status":{"replicas":9}}']);
    await kc(srv.kubeconfig, ['patch', 'ct', 'my-new-cron-object', '--subresource=status', '--type=merge', '-p', '{"spec":{"replicas":9}}']);
    obj = JSON.parse(await kc(srv.kubeconfig, ['get', 'ct', 'my-new-cron-object', '-o', 'json']));
    assert.equal(obj.status.replicas, 3);
    assert.equal(obj.spec.replicas, 3);
  });

  test('a second version is served with None conversion; objects are stored at the storage version', T, async () => {
    const crd = structuredClone(CRONTAB_CRD) as any;
    const v2 = structuredClone(crd.spec.versions[0]);
    v2.name = 'v2';
    v2.storage = false;
    crd.spec.versions.push(v2);
    await kc(srv.kubeconfig, ['apply', '-f', '-'], YAML.stringify(crd));
    await until(async () => (await h2.request('GET', '/apis/stable.example.com/v2')).status === 200, 'v2 served', 10000, 20);
    const viaV2 = JSON.parse(await kc(srv.kubeconfig, ['get', 'crontabs.v2.stable.example.com', 'my-new-cron-object', '-o', 'json']));
    assert.equal(viaV2.apiVersion, 'stable.example.com/v2');
    assert.equal(viaV2.spec.cronSpec, '* * * * */5');
    const list = (await h2.request('GET', '/apis/stable.example.com/v2/namespaces/default/crontabs')).json();
    assert.equal(list.apiVersion, 'stable.example.com/v2');
    assert.ok(list.items.every((i: any) => i.apiVersion === 'stable.example.com/v2'));
    await kc(srv.kubeconfig, ['apply', '-f', '-'], crontab('from-v2', { cronSpec: '* * * * *' }, 'stable.example.com/v2'));
    const viaV1 = JSON.parse(await kc(srv.kubeconfig, ['get', 'crontabs.v1.stable.example.com', 'from-v2', '-o', 'json']));
    assert.equal(viaV1.apiVersion, 'stable.example.com/v1');
    const group = (await h2.request('GET', '/apis/stable.example.com')).json();
    assert.equal(group.preferredVersion.version, 'v2');
    const stored = JSON.parse(await kc(srv.kubeconfig, ['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']));
    assert.deepEqual(stored.status.storedVersions, ['v1']);
    await kc(srv.kubeconfig, ['delete', 'ct', 'from-v2']);
  });

  test('an informer of @kubernetes/client-node sees adds, updates and deletes of custom resources', T, async () => {
    const config = new k8s.KubeConfig();
    config.loadFromFile(srv.kubeconfig);
    const api = config.makeApiClient(k8s.CustomObjectsApi);
    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs';
    const informer = k8s.makeInformer(config, path, () => api.listNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs' }) as any);
    const seen: string[] = [];
    informer.on('add', (o: any) => seen.push(`add ${o.metadata.name}`));
    informer.on('update', (o: any) => seen.push(`update ${o.metadata.name} ${o.spec.image}`));
    informer.on('delete', (o: any) => seen.push(`delete ${o.metadata.name}`));
    await informer.start();
    try {
      await until(async () => seen.includes('add my-new-cron-object'), 'initial add', 10000, 50);
      await api.createNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs', body: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'informed' }, spec: { cronSpec: '* * * * *', image: 'a' } } });
      await until(async () => seen.includes('add informed'), 'add event', 10000, 50);
      await api.patchNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs', name: 'informed', body: { spec: { image: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await until(async () => seen.includes('update informed b'), 'update event', 10000, 50);
      await api.deleteNamespacedCustomObject({ group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs', name: 'informed' });
      await until(async () => seen.includes('delete informed'), 'delete event', 10000, 50);
    } finally {
      await informer.stop();
    }
  });

  test('a second CRD asking for taken names is not accepted', T, async () => {
    const other = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'crontabz.stable.example.com' },
      spec: {
        group: 'stable.example.com',
        scope: 'Namespaced',
        names: { plural: 'crontabz', kind: 'CronTabZ', shortNames: ['ct'] },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    await kc(srv.kubeconfig, ['apply', '-f', '-'], YAML.stringify(other));
    const crd = await until(async () => {
      const c = JSON.parse(await kc(srv.kubeconfig, ['get', 'crd', 'crontabz.stable.example.com', '-o', 'json']));
      return c.status?.conditions?.some((x: any) => x.type === 'NamesAccepted') ? c : undefined;
    }, 'NamesAccepted condition', 10000, 50);
    const acc = crd.status.conditions.find((c: any) => c.type === 'NamesAccepted');
    assert.deepEqual([acc.status, acc.reason, acc.message], ['False', 'ShortNamesConflict', '"ct" is already in use']);
    const est = crd.status.conditions.find((c: any) => c.type === 'Established');
    assert.deepEqual([est.status, est.reason], ['False', 'NotAccepted']);
    await kc(srv.kubeconfig, ['delete', 'crd', 'crontabz.stable.example.com']);
  });

  test('invalid CRDs are refused with upstream messages', T, async () => {
    const bad = structuredClone(CRONTAB_CRD) as any;
    bad.metadata.name = 'crontab.stable.example.com';
    bad.spec.versions[0].storage = false;
    bad.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.image = {};
    const r = await kubectl(srv.kubeconfig, ['create', '-f', '-'], YAML.stringify(bad));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /metadata\.name: Invalid value: "crontab\.stable\.example\.com": must be spec\.names\.plural\+"\."\+spec\.group/);
    assert.match(r.stderr, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.properties\[image\]\.type: Required value: must not be empty for specified object fields/);
    assert.match(r.stderr, /must have exactly one version marked as storage version/);
  });

  test('a cluster-scoped CRD', T, async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'clusterthings.example.org' },
      spec: {
        group: 'example.org',
        scope: 'Cluster',
        names: { plural: 'clusterthings', kind: 'ClusterThing' },
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
      },
    };
    await kc(srv.kubeconfig, ['apply', '-f', '-'], YAML.stringify(crd));
    await until(async () => (await h2.request('GET', '/apis/example.org/v1alpha1')).status === 200, 'served', 10000, 20);
    await kc(srv.kubeconfig, ['apply', '-f', '-'], YAML.stringify({ apiVersion: 'example.org/v1alpha1', kind: 'ClusterThing', metadata: { name: 'one' }, spec: { anything: { goes: [1, 2] } } }));
    const obj = JSON.parse(await kc(srv.kubeconfig, ['get', 'clusterthing', 'one', '-o', 'json']));
    assert.equal(obj.metadata.namespace, undefined);
    assert.deepEqual(obj.spec, { anything: { goes: [1, 2] } });
    const out = await kc(srv.kubeconfig, ['get', 'clusterthings']);
    assert.match(out, /^NAME\s+AGE\n/);
    const rl = (await h2.request('GET', '/apis/example.org/v1alpha1')).json();
    assert.equal(rl.resources[0].namespaced, false);
    await kc(srv.kubeconfig, ['delete', 'crd', 'clusterthings.example.org']);
  });

  test('the CRD is published in OpenAPI v3 and kubectl explain reads it', T, async () => {
    const idx = (await h2.request('GET', '/openapi/v3')).json();
    assert.ok(idx.paths['apis/stable.example.com/v1'], 'listed in /openapi/v3');
    const doc = await h2.request('GET', '/openapi/v3/apis/stable.example.com/v1');
    assert.equal(doc.status, 200);
    const explained = await kc(srv.kubeconfig, ['explain', 'ct.spec']);
    assert.match(explained, /GROUP:\s+stable\.example\.com/);
    assert.match(explained, /KIND:\s+CronTab/);
    assert.match(explained, /cronSpec\s+<string>/);
    assert.match(explained, /replicas\s+<integer>/);
  });

  test('selectableFields serve field selectors, also when the CRD changes them', T, async () => {
    const select = async (field: string) => {
      const crd = JSON.parse(await kc(srv.kubeconfig, ['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']));
      for (const v of crd.spec.versions) v.selectableFields = [{ jsonPath: field }];
      delete crd.metadata.resourceVersion;
      await kc(srv.kubeconfig, ['replace', '-f', '-'], JSON.stringify(crd));
    };
    await select('.spec.image');
    // served from the watch cache (no limit) and from the store (kubectl's chunked list)
    const names = async (sel: string, chunk: string) => (await kc(srv.kubeconfig, ['get', 'ct', `--field-selector=${sel}`, `--chunk-size=${chunk}`, '-o', 'name'])).trim();
    await until(async () => (await names('spec.image=my-awesome-cron-image', '0')) === 'crontab.stable.example.com/my-new-cron-object', 'cache list by spec.image', 10000, 50);
    assert.equal(await names('spec.image=my-awesome-cron-image', '500'), 'crontab.stable.example.com/my-new-cron-object');
    assert.equal(await names('spec.image=other', '0'), '');
    await select('.spec.cronSpec');
    await until(async () => (await names('spec.cronSpec=* * * * */5', '0')) === 'crontab.stable.example.com/my-new-cron-object', 'cache list by spec.cronSpec', 10000, 50);
    const r = await kubectl(srv.kubeconfig, ['get', 'ct', '--field-selector=spec.image=x']);
    assert.match(r.stderr, /field label not supported: spec\.image/);
  });

  test('RBAC rules name the custom resource by group and resource', T, async () => {
    await kc(srv.kubeconfig, ['create', 'role', 'ct-reader', '--verb=get,list', '--resource=crontabs.stable.example.com']);
    await kc(srv.kubeconfig, ['create', 'rolebinding', 'ct-reader', '--role=ct-reader', '--user=alice']);
    const list = await kc(srv.kubeconfig, ['get', 'ct', '--as=alice']);
    assert.match(list, /my-new-cron-object/);
    const del = await kubectl(srv.kubeconfig, ['delete', 'ct', 'my-new-cron-object', '--as=alice']);
    assert.match(del.stderr, /User "alice" cannot delete resource "crontabs" in API group "stable\.example\.com" in the namespace "default"/);
  });

  test('deleting a namespace deletes the custom resources in it', T, async () => {
    await kc(srv.kubeconfig, ['create', 'namespace', 'crs']);
    await kc(srv.kubeconfig, ['apply', '-n', 'crs', '-f', '-'], crontab('in-ns', { cronSpec: '* * * * *' }));
    await kc(srv.kubeconfig, ['delete', 'namespace', 'crs', '--timeout=60s']);
    const left = await kc(srv.kubeconfig, ['get', 'ct', '-A', '-o', 'name']);
    assert.doesNotMatch(left, /in-ns/);
  });

  test('deleting the CRD deletes its custom resources, then the CRD', T, async () => {
    const before = JSON.parse(await kc(srv.kubeconfig, ['get', 'ct', '-A', '-o', 'json']));
    assert.ok(before.items.length >= 1);
    // a custom resource with a finalizer holds the CRD in Terminating
    await kc(srv.kubeconfig, ['apply', '-f', '-'], YAML.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: { cronSpec: '* * * * *' } }));
    await kc(srv.kubeconfig, ['delete', 'crd', 'crontabs.stable.example.com', '--wait=false']);
    const terminating = await until(async () => {
      const c = JSON.parse(await kc(srv.kubeconfig, ['get', 'crd', 'crontabs.stable.example.com', '-o', 'json']));
      return c.status.conditions.find((x: any) => x.type === 'Terminating' && x.reason === 'InstanceDeletionInProgress') ? c : undefined;
    }, 'Terminating condition', 10000, 50);
    assert.ok(terminating.metadata.finalizers.includes('customresourcecleanup.apiextensions.k8s.io'));
    const refused = await h2.request('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'late' }, spec: {} });
    assert.equal(refused.status, 405);
    assert.equal(refused.json().message, 'create not allowed while custom resource definition is terminating');
    await until(async () => (await kubectl(srv.kubeconfig, ['get', 'ct', 'my-new-cron-object'])).code !== 0, 'instances deleted', 10000, 50);
    await kc(srv.kubeconfig, ['patch', 'ct', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await until(async () => (await kubectl(srv.kubeconfig, ['get', 'crd', 'crontabs.stable.example.com'])).code !== 0, 'CRD deleted', 15000, 50);
    const gone = await kubectl(srv.kubeconfig, ['get', 'crd', 'crontabs.stable.example.com']);
    assert.match(gone.stderr, /NotFound/);
    await until(async () => (await h2.request('GET', '/apis/stable.example.com/v1')).status === 404, 'group gone from discovery', 10000, 50);
    const ar = await kc(srv.kubeconfig, ['api-resources']);
    assert.doesNotMatch(ar, /crontabs/);
    // recreated: nothing of the old objects is left
    await kc(srv.kubeconfig, ['apply', '-f', '-'], YAML.stringify(CRONTAB_CRD));
    await until(async () => (await h2.request('GET', '/apis/stable.example.com/v1/crontabs')).status === 200, 'served again', 10000, 20);
    const list = (await h2.request('GET', '/apis/stable.example.com/v1/crontabs')).json();
    assert.deepEqual(list.items, []);
  });
});
