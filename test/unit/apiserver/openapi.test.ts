// The OpenAPI model (built-in schemas), typedSchemaFor, and the v3/v2 documents built from a
// registry that also holds a custom resource definition.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModel, nameOfRef } from '../../../src/apiserver/openapi/model.js';
import { OpenAPI, builtinTypedSchema, typedSchemaFor } from '../../../src/apiserver/openapi/index.js';
import { Registry } from '../../../src/apiserver/registry/index.js';
import { coreResources } from '../../../src/apiserver/registry/core/index.js';
import { groupResources } from '../../../src/apiserver/registry/groups.js';
import { reviewDefs } from '../../../src/apiserver/reviews.js';
import { customResourceDefinitionDef } from '../../../src/apiserver/apiextensions/crddef.js';
import type { ResourceDef } from '../../../src/apiserver/registry/types.js';
import { derefSchema, type Schema } from '../../../src/apimachinery/schema/types.js';

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const def = (name: string): Schema => {
  const s = builtinModel().schemas.get(name);
  assert.ok(s, `no schema ${name}`);
  return s;
};
const prop = (name: string, field: string): Schema => {
  const p = def(name).properties?.[field];
  assert.ok(p, `no ${name}.${field}`);
  return p;
};

test('model: kinds carry their group-version-kind, descriptions and required fields', () => {
  const pod = def(`${CORE}.Pod`);
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
  assert.match(pod.description!, /^Pod is a collection of containers/);
  assert.equal(builtinModel().byGVK.get('apps/v1/Deployment'), 'io.k8s.api.apps.v1.Deployment');
  assert.deepEqual(prop('io.k8s.api.apps.v1.Deployment', 'spec').allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
  assert.deepEqual(def('io.k8s.api.apps.v1.DeploymentSpec').required, ['selector', 'template']);
  assert.deepEqual(def(`${CORE}.ContainerPort`).required, ['containerPort']);
  assert.deepEqual(def(`${CORE}.Container`).required, ['name']);
  assert.match(prop(`${CORE}.Container`, 'image').description!, /Container image name/);
});

test('model: scalar formats come from the wire schema', () => {
  assert.deepEqual({ ...prop(`${CORE}.ContainerPort`, 'containerPort'), description: undefined }, { description: undefined, type: 'integer', format: 'int32', default: 0 });
  assert.equal(prop(`${META}.ObjectMeta`, 'generation').format, 'int64');
  assert.equal(prop(`${CORE}.PodSpec`, 'terminationGracePeriodSeconds').format, 'int64');
  assert.equal(prop('io.k8s.api.autoscaling.v2.HPAScalingPolicy', 'value').format, 'int32');
  const props = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
  assert.deepEqual([prop(props, 'maxLength').format, prop(props, 'minimum').type], ['int64', 'number']);
  assert.deepEqual(prop(`${CORE}.Secret`, 'data').additionalProperties, { type: 'string', format: 'byte' });
  assert.deepEqual(def(`${META}.Time`).format, 'date-time');
  assert.equal(def(`${META}.Time`).type, 'string');
  // a field newer than kubernetes-types' declarations comes from the wire schema
  assert.ok(prop(`${CORE}.PodSpec`, 'resources'));
});

test('model: IntOrString and Quantity are referenced special types', () => {
  assert.deepEqual(prop('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge').allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
  const ios = def('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(ios.format, 'int-or-string');
  assert.equal(ios['x-kubernetes-int-or-string'], true);
  assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  const limits = prop(`${CORE}.ResourceRequirements`, 'limits');
  assert.equal(nameOfRef((limits.additionalProperties as Schema).$ref!), 'io.k8s.apimachinery.pkg.api.resource.Quantity');
});

test('model: patch strategies, merge keys and list/map markers', () => {
  const containers = prop(`${CORE}.PodSpec`, 'containers');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  const ports = prop(`${CORE}.Container`, 'ports');
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(prop(`${CORE}.PodSpec`, 'volumes')['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.equal(prop('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.equal(prop(`${META}.ObjectMeta`, 'finalizers')['x-kubernetes-list-type'], 'set');
  assert.deepEqual(prop(`${META}.ObjectMeta`, 'ownerReferences')['x-kubernetes-list-map-keys'], ['uid']);
  assert.equal(prop('io.k8s.api.apps.v1.DeploymentStatus', 'conditions')['x-kubernetes-list-type'], 'map');
  assert.equal(prop(`${CORE}.PodSpec`, 'tolerations')['x-kubernetes-list-type'], 'atomic');
  assert.equal(prop(`${CORE}.PodSpec`, 'nodeSelector')['x-kubernetes-map-type'], 'atomic');
  assert.equal(def(`${META}.LabelSelector`)['x-kubernetes-map-type'], 'atomic');
  assert.deepEqual(prop(`${CORE}.ServiceSpec`, 'ports')['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  // list-map keys with upstream defaults (server-side apply fills them in)
  assert.equal(prop(`${CORE}.ContainerPort`, 'protocol').default, 'TCP');
  assert.equal(prop(`${CORE}.ServicePort`, 'protocol').default, 'TCP');
  assert.deepEqual(prop(`${CORE}.ContainerPort`, 'protocol').enum, ['SCTP', 'TCP', 'UDP']);
  assert.deepEqual(prop('io.k8s.api.apps.v1.DeploymentStrategy', 'type').enum, ['Recreate', 'RollingUpdate']);
});

test('model: every built-in served kind has a schema', () => {
  for (const d of [...coreResources, ...groupResources, ...reviewDefs] as ResourceDef[]) {
    assert.ok(builtinModel().byGVK.has(`${d.group}/${d.version}/${d.kind}`), `${d.group}/${d.version} ${d.kind}`);
  }
});

test('model: APIService (kube-aggregator) is a built-in definition', () => {
  const name = builtinModel().byGVK.get('apiregistration.k8s.io/v1/APIService')!;
  assert.equal(name, 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService');
  const spec = def('io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIServiceSpec');
  assert.deepEqual(spec.required, ['groupPriorityMinimum', 'versionPriority']);
  assert.equal(spec.properties!.caBundle.format, 'byte');
});

test('v3: a served kind without a model gets a minimal schema and no strategic merge patch', () => {
  const widget: ResourceDef = { group: 'example.k8s.io', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: false };
  const doc = JSON.parse(new OpenAPI(new Registry([widget])).document('apis/example.k8s.io/v1')!);
  const s = doc.components.schemas['io.k8s.example.v1.Widget'];
  assert.deepEqual(s['x-kubernetes-group-version-kind'], [{ group: 'example.k8s.io', version: 'v1', kind: 'Widget' }]);
  assert.equal(doc.paths['/apis/example.k8s.io/v1/widgets/{name}'].patch.requestBody.content['application/strategic-merge-patch+json'], undefined);
});

test('typedSchemaFor: built-in kinds resolve through the model; CRDs keep their own schema', () => {
  const deploy = (groupResources as ResourceDef[]).find((d) => d.group === 'apps' && d.kind === 'Deployment')!;
  const t = typedSchemaFor(deploy)!;
  assert.ok(t);
  assert.equal(typedSchemaFor(deploy), t, 'cached');
  const spec = derefSchema(t.schema.properties!.spec, t.resolve.bind(t))!;
  const tmpl = derefSchema(spec.properties!.template, t.resolve.bind(t))!;
  const podSpec = derefSchema(tmpl.properties!.spec, t.resolve.bind(t))!;
  assert.equal(podSpec.properties!.containers['x-kubernetes-list-type'], 'map');
  const crd: ResourceDef = { group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab', namespaced: true, schema: { type: 'object' } };
  assert.equal(typedSchemaFor(crd)!.schema, crd.schema);
  assert.equal(typedSchemaFor({ ...crd, schema: undefined }), undefined);
  assert.deepEqual(builtinTypedSchema('autoscaling', 'v1', 'Scale')!.schema['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }]);
  assert.equal(builtinTypedSchema('stable.example.com', 'v1', 'CronTab'), undefined);
});

function cronTab(extra: Record<string, Schema> = {}): ResourceDef {
  return {
    group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab', namespaced: true,
    subresources: { status: true },
    schema: {
      type: 'object',
      properties: {
        spec: { type: 'object', description: 'the spec', properties: { cronSpec: { type: 'string', description: 'cron expression' }, replicas: { type: 'integer', format: 'int32' }, ...extra } },
        status: { type: 'object', properties: { replicas: { type: 'integer' } } },
      },
    },
  };
}

function registry(): Registry {
  return new Registry([...coreResources, ...groupResources, cronTab()] as ResourceDef[]);
}

test('v3: index and group-version documents with paths and the schemas they reach', () => {
  const api = new OpenAPI(registry());
  const index = JSON.parse(api.index());
  assert.match(index.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  assert.ok(index.paths['apis/apps/v1']);
  assert.ok(index.paths['apis/stable.example.com/v1']);
  const apps = JSON.parse(api.document('apis/apps/v1')!);
  assert.equal(apps.openapi, '3.0.0');
  const schemas = apps.components.schemas;
  for (const n of ['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.apps.v1.DeploymentList', 'io.k8s.api.core.v1.PodSpec', `${META}.ObjectMeta`, `${META}.Status`, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'io.k8s.api.autoscaling.v1.Scale']) {
    assert.ok(schemas[n], n);
  }
  assert.equal(schemas['io.k8s.api.batch.v1.Job'], undefined, 'only what the group-version reaches');
  const get = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].get;
  assert.deepEqual(get['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.Deployment');
  const list = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].get;
  assert.equal(list.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.DeploymentList');
  assert.ok(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch.parameters.some((p: any) => p.name === 'fieldValidation'));
  assert.equal(api.document('apis/nope/v1'), undefined);
  assert.equal(api.document('bogus'), undefined);
});

test('v3: a custom resource is published with metadata, apiVersion, kind and its List', () => {
  const api = new OpenAPI(registry());
  const doc = JSON.parse(api.document('apis/stable.example.com/v1')!);
  const ct = doc.components.schemas['com.example.stable.v1.CronTab'];
  assert.deepEqual(ct['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
  assert.deepEqual(ct.properties.metadata.allOf, [{ $ref: `#/components/schemas/${META}.ObjectMeta` }]);
  assert.equal(ct.properties.apiVersion.type, 'string');
  assert.equal(ct.properties.spec.properties.cronSpec.description, 'cron expression');
  assert.ok(doc.components.schemas[`${META}.ObjectMeta`]);
  assert.equal(doc.components.schemas['com.example.stable.v1.CronTabList'].properties.items.items.$ref, '#/components/schemas/com.example.stable.v1.CronTab');
  assert.ok(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status']);
  // no strategic merge patch for custom resources: kubectl apply then sends a merge patch
  const patchTypes = Object.keys(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch.requestBody.content);
  assert.deepEqual(patchTypes, ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  const apps = JSON.parse(api.document('apis/apps/v1')!);
  assert.ok(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch.requestBody.content['application/strategic-merge-patch+json']);
});

test('v3: a changed custom resource changes only its group-version hash; stale hashes redirect; ETags answer 304', () => {
  const reg = registry();
  const api = new OpenAPI(reg);
  const before = JSON.parse(api.index()).paths;
  const appsBody = api.document('apis/apps/v1');
  reg.add(cronTab({ schedule: { type: 'string' } }));
  const after = JSON.parse(api.index()).paths;
  assert.notEqual(after['apis/stable.example.com/v1'].serverRelativeURL, before['apis/stable.example.com/v1'].serverRelativeURL);
  assert.equal(after['apis/apps/v1'].serverRelativeURL, before['apis/apps/v1'].serverRelativeURL);
  assert.equal(api.document('apis/apps/v1'), appsBody, 'unchanged documents are not rebuilt');
  assert.ok(JSON.parse(api.document('apis/stable.example.com/v1')!).components.schemas['com.example.stable.v1.CronTab'].properties.spec.properties.schedule);

  const oldHash = before['apis/stable.example.com/v1'].serverRelativeURL.split('hash=')[1];
  const newHash = after['apis/stable.example.com/v1'].serverRelativeURL.split('hash=')[1];
  const moved = api.serve('/openapi/v3/apis/stable.example.com/v1', oldHash, 'application/json', undefined)!;
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.location, `/openapi/v3/apis/stable.example.com/v1?hash=${newHash}`);
  const fresh = api.serve('/openapi/v3/apis/stable.example.com/v1', newHash, 'application/json', undefined)!;
  assert.equal(fresh.status, 200);
  assert.equal(fresh.headers['cache-control'], 'public, immutable');
  assert.equal(api.serve('/openapi/v3/apis/stable.example.com/v1', null, '', fresh.headers.etag)!.status, 304);
  assert.equal(api.serve('/openapi/v3/apis/x/v1', null, '', undefined), undefined);

  reg.remove('stable.example.com', 'v1', 'crontabs');
  assert.equal(JSON.parse(api.index()).paths['apis/stable.example.com/v1'], undefined);
});

test('v2: definitions in swagger form, as JSON and gnostic protobuf', () => {
  const api = new OpenAPI(registry());
  const json = api.serve('/openapi/v2', null, 'application/json', undefined)!;
  assert.equal(json.contentType, 'application/json');
  const doc = JSON.parse(json.body as string);
  assert.equal(doc.swagger, '2.0');
  const d = doc.definitions;
  assert.deepEqual(d['io.k8s.api.apps.v1.Deployment'].properties.spec, { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec', description: 'Specification of the desired behavior of the Deployment.' });
  assert.deepEqual(d['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], { description: d['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].description, type: 'string', format: 'int-or-string' });
  assert.equal(d['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  assert.ok(d['com.example.stable.v1.CronTab']);
  assert.equal(JSON.stringify(doc).includes('#/components/'), false);
  assert.equal(JSON.stringify(doc).includes('"allOf"'), false);

  const pb = api.serve('/openapi/v2', null, 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', undefined)!;
  assert.equal(pb.contentType, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  const buf = pb.body as Buffer;
  // field 1 (swagger) = "2.0", then info (field 2)
  assert.deepEqual([...buf.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]);
  assert.equal(buf[5], 0x12);
  assert.ok(buf.includes(Buffer.from('io.k8s.api.core.v1.PodSpec')));
  assert.ok(buf.includes(Buffer.from('x-kubernetes-group-version-kind')));
  assert.equal(json.headers.etag, pb.headers.etag);
  assert.equal(api.serve('/openapi/v2', null, '', json.headers.etag)!.status, 304);
});

test('every $ref of every v3 document and of v2 names a definition the document carries', () => {
  // kubectl refuses a document with a dangling reference ("unknown model in reference"), e.g.
  // JSONSchemaProps' property named `default` pointing at apiextensions' JSON.
  const refsOf = (doc: unknown, prefix: string): string[] => {
    const out: string[] = [];
    JSON.stringify(doc, (k, v) => {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(prefix)) out.push(v.slice(prefix.length));
      return v;
    });
    return out;
  };
  const api = new OpenAPI(new Registry([...coreResources, ...groupResources, ...reviewDefs, customResourceDefinitionDef, cronTab()] as ResourceDef[]));
  const index = JSON.parse(api.index());
  assert.ok(index.paths['apis/apiextensions.k8s.io/v1']);
  for (const path of Object.keys(index.paths)) {
    const doc = JSON.parse(api.document(path)!);
    for (const r of refsOf(doc, '#/components/schemas/')) assert.ok(doc.components.schemas[r], `${path}: dangling reference to ${r}`);
  }
  const v2 = JSON.parse(api.serve('/openapi/v2', null, 'application/json', undefined)!.body as string);
  for (const r of refsOf(v2, '#/definitions/')) assert.ok(v2.definitions[r], `v2: dangling reference to ${r}`);
});
