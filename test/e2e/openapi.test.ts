// E2E: the real kubectl (v1.32) reading k8ts' OpenAPI documents: explain over v3 (the default)
// and v2 (protobuf), and client-side apply, which takes patch strategies and merge keys from
// the v3 document of the object's group-version.
//
// Run: npx tsc -p tsconfig.json && node --test dist/test/e2e/openapi.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBECTL, kc, kubectlAvailable, startServer, type ServerProc } from './harness.js';
import { Discovery } from '../../src/apiserver/discovery.js';
import { negotiate, type Req } from '../../src/apiserver/http.js';
import { OpenAPI } from '../../src/apiserver/openapi/index.js';
import { Registry } from '../../src/apiserver/registry/index.js';
import type { ResourceDef } from '../../src/apiserver/registry/types.js';

const skip = kubectlAvailable() ? false : `kubectl not found at ${KUBECTL}`;

let srv: ServerProc;
let work: string;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'k8ts-e2e-openapi-'));
  srv = await startServer({ extraArgs: ['--disable-scheduler', '--kube-controller-manager-arg=--controllers=serviceaccount,namespace'] });
});

after(async () => {
  await srv?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

const k = (...args: string[]) => kc(srv.kubeconfig, [`--cache-dir=${join(work, 'cache')}`, ...args]);

describe('openapi with kubectl', { skip, timeout: 120000 }, () => {
  test('explain pods (OpenAPI v3)', async () => {
    const out = await k('explain', 'pods');
    assert.match(out, /^KIND:\s+Pod\nVERSION:\s+v1\n/);
    assert.match(out, /Pod is a collection of containers that can run on a host/);
    assert.match(out, /\n {2}metadata\t<ObjectMeta>\n/);
    assert.match(out, /\n {2}spec\t<PodSpec>\n/);
    assert.match(out, /\n {2}status\t<PodStatus>\n/);
  });

  test('explain deployment.spec.strategy --recursive', async () => {
    const out = await k('explain', 'deployment.spec.strategy', '--recursive');
    assert.match(out, /GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/);
    assert.match(out, /FIELD: strategy <DeploymentStrategy>/);
    assert.match(out, /\n {2}rollingUpdate\t<RollingUpdateDeployment>\n {4}maxSurge\t<IntOrString>\n {4}maxUnavailable\t<IntOrString>\n {2}type\t<string>\n/);
    assert.match(await k('explain', 'deployment.spec.strategy.type'), /FIELD: type <string>\nENUM:\n {4}Recreate\n {4}RollingUpdate\n/);
  });

  test('explain pods.spec.containers.ports: fields, types, required', async () => {
    const out = await k('explain', 'pods.spec.containers.ports');
    assert.match(out, /FIELD: ports <\[\]ContainerPort>/);
    assert.match(out, /\n {2}containerPort\t<integer> -required-\n {4}Number of port to expose/);
    assert.match(out, /\n {2}hostIP\t<string>\n/);
    assert.match(out, /\n {2}protocol\t<string>\n/);
  });

  test('explain --output=plaintext-openapiv2 (OpenAPI v2 as protobuf)', async () => {
    const out = await k('explain', 'pods.spec.containers', '--output=plaintext-openapiv2');
    assert.match(out, /RESOURCE: containers <\[\]Object>/);
    assert.match(out, /\n {3}args\t<\[\]string>\n/);
    assert.match(out, /\n {3}ports\t<\[\]Object>\n/);
    assert.match(out, /\n {3}name\t<string> -required-\n/);
  });

  test('explain an unknown field fails as upstream', async () => {
    const r = await kc(srv.kubeconfig, ['explain', 'pods.spec.nope']).then(() => '', (e: Error) => e.message);
    assert.match(r, /field "nope" does not exist/);
  });

  test('client-side apply twice with a changed container list merges containers by name', async () => {
    await k('create', 'namespace', 'oa-apply');
    const manifest = (second: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: oa-apply}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: a, image: ${image}, ports: [{containerPort: 80}]}
      - {name: ${second}, image: busybox}
`;
    const f = join(work, 'deploy.yaml');
    writeFileSync(f, manifest('b', 'nginx'));
    assert.equal(await k('apply', '-f', f), 'deployment.apps/web created\n');
    // another writer adds an env var to container a: a strategic merge keeps it across the re-apply
    await k('-n', 'oa-apply', 'set', 'env', 'deployment/web', '-c', 'a', 'EXTRA=1');
    writeFileSync(f, manifest('c', 'nginx:2'));
    assert.equal(await k('apply', '-f', f), 'deployment.apps/web configured\n');
    const d = JSON.parse(await k('-n', 'oa-apply', 'get', 'deployment', 'web', '-o', 'json'));
    const cs = d.spec.template.spec.containers;
    assert.deepEqual(cs.map((c: any) => `${c.name}=${c.image}`), ['a=nginx:2', 'c=busybox']);
    assert.deepEqual(cs[0].env, [{ name: 'EXTRA', value: '1' }]);
    assert.deepEqual(cs[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, '25%');
    assert.equal(await k('apply', '-f', f), 'deployment.apps/web unchanged\n');
  });

  test('get --raw: the v3 index points at hashed documents; v2 is JSON for JSON clients', async () => {
    const index = JSON.parse(await k('get', '--raw', '/openapi/v3'));
    const url: string = index.paths['apis/apps/v1'].serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    const apps = JSON.parse(await k('get', '--raw', url));
    assert.ok(apps.components.schemas['io.k8s.api.apps.v1.Deployment']);
    const v2 = JSON.parse(await k('get', '--raw', '/openapi/v2'));
    assert.equal(v2.swagger, '2.0');
    assert.ok(v2.definitions['io.k8s.api.core.v1.Pod']);
  });
});

// Custom resources: until the API server serves CustomResourceDefinitions, a small plain-HTTP
// server answers kubectl's discovery and OpenAPI requests from a registry holding a CronTab
// ResourceDef with a structural schema, through the API server's own Discovery and OpenAPI.
describe('openapi of a custom resource with kubectl', { skip, timeout: 120000 }, () => {
  let http: Server;
  let kubeconfig: string;
  let dir: string;
  const cronTab: ResourceDef = {
    group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', singular: 'crontab', namespaced: true, shortNames: ['ct'],
    subresources: { status: true },
    schema: {
      type: 'object',
      description: 'CronTab runs a command on a schedule.',
      properties: {
        spec: {
          type: 'object',
          description: 'The desired schedule.',
          required: ['cronSpec'],
          properties: {
            cronSpec: { type: 'string', description: 'A cron expression.', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
            image: { type: 'string' },
            replicas: { type: 'integer', format: 'int32', minimum: 1, maximum: 10, default: 1 },
            mode: { type: 'string', enum: ['Fast', 'Slow'] },
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, value: { type: 'string', nullable: true } } } },
          },
        },
        status: { type: 'object', properties: { replicas: { type: 'integer' } } },
      },
    },
  };

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-openapi-crd-'));
    const registry = new Registry([cronTab]);
    const discovery = new Discovery(registry);
    const openapi = new OpenAPI(registry);
    http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      const send = (code: number, body: string | Buffer, type = 'application/json', headers: Record<string, string> = {}) => {
        res.writeHead(code, { 'content-type': type, ...headers });
        res.end(body);
      };
      try {
        if (p.startsWith('/openapi/')) {
          const r = openapi.serve(p, url.searchParams.get('hash'), String(req.headers.accept ?? ''), req.headers['if-none-match'] as string | undefined);
          return r ? send(r.status, r.body, r.contentType, r.headers) : send(404, '{}');
        }
        if (p === '/api' || p === '/apis') {
          const neg = negotiate(req as unknown as Req, { discovery: true });
          if (neg.kind === 'discovery-v2' || neg.kind === 'discovery-v2beta1') return send(200, discovery.aggregated(p === '/api', neg.kind === 'discovery-v2' ? 'v2' : 'v2beta1'), neg.contentType);
          return send(200, p === '/api' ? discovery.apiVersions('127.0.0.1') : discovery.apiGroupList());
        }
        const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
        const body = gv ? discovery.apiResourceList(gv[1], gv[2]) : undefined;
        return body ? send(200, body) : send(404, '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}');
      } catch (err) {
        send(500, String(err));
      }
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${(http.address() as AddressInfo).port}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {}\n`);
  });

  after(async () => {
    if (http) await new Promise<void>((r) => http.close(() => r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const kx = (...args: string[]) => kc(kubeconfig, [`--cache-dir=${join(dir, 'cache')}`, ...args]);

  test('explain crontabs and crontab.spec (v3)', async () => {
    const top = await kx('explain', 'crontabs');
    assert.match(top, /GROUP:\s+stable.example.com\nKIND:\s+CronTab\nVERSION:\s+v1/);
    assert.match(top, /CronTab runs a command on a schedule\./);
    assert.match(top, /\n {2}metadata\t<ObjectMeta>\n/);
    assert.match(top, /\n {2}spec\t<Object>\n/);
    const spec = await kx('explain', 'ct.spec');
    assert.match(spec, /\n {2}cronSpec\t<string> -required-\n {4}A cron expression\./);
    assert.match(spec, /\n {2}replicas\t<integer>\n/);
    assert.match(spec, /\n {2}mode\t<string>\n {2}enum: Fast, Slow\n/);
    assert.match(spec, /\n {2}items\t<\[\]Object>\n/);
    assert.match(await kx('explain', 'crontabs.metadata.name'), /FIELD: name <string>/);
  });

  test('explain a custom resource from OpenAPI v2 (protobuf)', async () => {
    const out = await kx('explain', 'crontabs.spec', '--output=plaintext-openapiv2');
    assert.match(out, /RESOURCE: spec <Object>/);
    assert.match(out, /\n {3}cronSpec\t<string> -required-\n {5}A cron expression\./);
    assert.match(out, /\n {3}replicas\t<integer>\n/);
  });
});
