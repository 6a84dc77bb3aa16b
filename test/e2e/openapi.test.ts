// E2E: the real kubectl (v1.32) reading k8ts' OpenAPI documents: explain over v3 (the default)
// and v2 (protobuf), and client-side apply, which takes patch strategies and merge keys from
// the v3 document of the object's group-version.
//
// Run: npx tsc -p tsconfig.json && node --test dist/test/e2e/openapi.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBECTL, kc, kubectlAvailable, startServer, type ServerProc } from './harness.js';

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
