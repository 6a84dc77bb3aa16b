// OpenAPI benchmarks: the cost of the first request (building the built-in model from
// kubernetes-types and the wire schema, then every group-version document), of the v2 document
// (JSON and protobuf), of rebuilding one group-version after a custom resource changes, and the
// documents' sizes. In process; the model is built lazily, so server start-up does not pay it.

import { builtinModel } from '../src/apiserver/openapi/model.js';
import { OpenAPI } from '../src/apiserver/openapi/index.js';
import { Registry } from '../src/apiserver/registry/index.js';
import { coreResources } from '../src/apiserver/registry/core/index.js';
import { groupResources } from '../src/apiserver/registry/groups.js';
import { reviewDefs } from '../src/apiserver/reviews.js';
import type { ResourceDef } from '../src/apiserver/registry/types.js';

export interface Row {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

const ms = (t0: number) => performance.now() - t0;

function cronTab(n: number): ResourceDef {
  return {
    group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab', namespaced: true,
    schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' }, [`f${n}`]: { type: 'integer' } } } } },
  };
}

export async function run(): Promise<Row[]> {
  const registry = new Registry([...coreResources, ...groupResources, ...reviewDefs, cronTab(0)] as ResourceDef[]);
  const api = new OpenAPI(registry);
  let t0 = performance.now();
  const model = builtinModel();
  const modelMs = ms(t0);
  t0 = performance.now();
  const index = api.index();
  const indexMs = ms(t0);
  const docs = Object.keys(JSON.parse(index).paths).length;
  t0 = performance.now();
  const v2 = api.serve('/openapi/v2', null, 'application/json', undefined)!;
  const v2Ms = ms(t0);
  t0 = performance.now();
  const pb = api.serve('/openapi/v2', null, 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', undefined)!;
  const pbMs = ms(t0);
  const rounds = 20;
  t0 = performance.now();
  for (let i = 1; i <= rounds; i++) {
    registry.add(cronTab(i));
    api.index();
  }
  const crdMs = ms(t0) / rounds;
  t0 = performance.now();
  for (let i = 0; i < 200; i++) api.serve('/openapi/v3/apis/apps/v1', null, 'application/json', undefined);
  const cachedUs = (ms(t0) / 200) * 1000;
  return [
    { name: 'openapi: build built-in model (first use)', value: modelMs, unit: 'ms' },
    { name: 'openapi: built-in definitions', value: model.schemas.size, unit: 'schemas' },
    { name: `openapi: first /openapi/v3 index (${docs} documents)`, value: indexMs, unit: 'ms' },
    { name: 'openapi: first /openapi/v2 JSON', value: v2Ms, unit: 'ms' },
    { name: 'openapi: first /openapi/v2 protobuf', value: pbMs, unit: 'ms' },
    { name: 'openapi: v2 JSON size', value: Buffer.byteLength(v2.body) / 1024, unit: 'KiB' },
    { name: 'openapi: v2 protobuf size', value: (pb.body as Buffer).length / 1024, unit: 'KiB' },
    { name: 'openapi: apps/v1 v3 document size', value: Buffer.byteLength(api.document('apis/apps/v1')!) / 1024, unit: 'KiB' },
    { name: 'openapi: CRD change -> new index', value: crdMs, unit: 'ms' },
    { name: 'openapi: cached v3 document request', value: cachedUs, unit: 'µs' },
  ];
}
