// API aggregation end to end: `k8ts server` (front-proxy PKI and request-header flags out of
// the box) and a tiny HTTPS extension API server started here (its own CA, trusting the
// front-proxy CA it reads from kube-system/extension-apiserver-authentication) serving
// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics. Registered by an APIService pointing at
// a Service with selector-less Endpoints, it must show in discovery, answer `kubectl get
// --raw`, `kubectl top nodes` and `kubectl top pods` through the API server with the user in
// X-Remote-* headers and a verified front-proxy client certificate; RBAC still applies; the
// APIService is Available True, then False with the server stopped (and requests get 503).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { hostIPv4, kc, kubectl, loadCreds, startServer, until } from './harness.js';
import type { ServerProc } from './harness.js';
import { createCA, issueCert } from '../../src/pki/certs.js';
import { buildKubeconfig, writeKubeconfig } from '../../src/pki/kubeconfig.js';
import { CRONTAB_CRD } from './crontab-crd.js';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  authorized: boolean;
  clientCN: string;
}

const GV = 'metrics.k8s.io/v1beta1';

function resourceList() {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GV,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  };
}

/** The extension API server: metrics.k8s.io/v1beta1 with one NodeMetrics per given node and one PodMetrics. */
async function startExtensionServer(host: string, pem: { cert: string; key: string }, frontProxyCA: string, nodeNames: () => string[], port = 0) {
  const seen: Seen[] = [];
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const server = https.createServer({ cert: pem.cert, key: pem.key, ca: frontProxyCA, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const sock = req.socket as TLSSocket;
    const peer = sock.getPeerCertificate();
    const path = (req.url ?? '').split('?')[0];
    seen.push({ path: req.url ?? '', headers: req.headers, authorized: sock.authorized, clientCN: String(peer?.subject?.CN ?? '') });
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!sock.authorized || !req.headers['x-remote-user']) return json(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    if (path === `/apis/${GV}`) return json(200, resourceList());
    if (path === `/apis/${GV}/nodes` && (req.url ?? '').includes('watch=true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'NodeMetrics', apiVersion: GV, metadata: { name: 'first' } } })}\n`);
      setTimeout(() => res.end(`${JSON.stringify({ type: 'ADDED', object: { kind: 'NodeMetrics', apiVersion: GV, metadata: { name: 'second' } } })}\n`), 200);
      return;
    }
    if (path === `/apis/${GV}/nodes`) {
      return json(200, {
        kind: 'NodeMetricsList',
        apiVersion: GV,
        metadata: {},
        items: nodeNames().map((name) => ({ metadata: { name, creationTimestamp: now }, timestamp: now, window: '10s', usage: { cpu: '250m', memory: '512Mi' } })),
      });
    }
    if (path === `/apis/${GV}/namespaces/default/pods` || path === `/apis/${GV}/pods`) {
      return json(200, {
        kind: 'PodMetricsList',
        apiVersion: GV,
        metadata: {},
        items: [{ metadata: { name: 'web-1', namespace: 'default', creationTimestamp: now }, timestamp: now, window: '10s', containers: [{ name: 'web', usage: { cpu: '5m', memory: '20Mi' } }] }],
      });
    }
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  return {
    seen,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

/** A raw HTTPS request with a client certificate (status, body). */
function rawRequest(url: string, opts: { ca: Buffer | string; cert: Buffer | string; key: Buffer | string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', ca: opts.ca, cert: opts.cert, key: opts.key, headers: { 'content-type': 'application/json', ...opts.headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('API aggregation (APIService, front proxy, discovery, availability)', { timeout: 240_000 }, () => {
  let srv: ServerProc;
  let ext: Awaited<ReturnType<typeof startExtensionServer>>;
  let extPem: { cert: string; key: string; ca: string };
  let frontProxyCA: string;
  let hostIP: string;
  let nodes: string[] = [];
  let nobodyKubeconfig: string;

  before(async () => {
    srv = await startServer({ extraArgs: ['--sim-nodes=1'], timeoutMs: 60_000 });
    hostIP = hostIPv4();
    const ca = await createCA({ commonName: 'metrics-test-ca', keyAlgorithm: 'ecdsa' });
    const leaf = await issueCert(ca, { commonName: 'metrics-server', dnsNames: ['metrics-server.kube-system.svc'], usages: ['server'], keyAlgorithm: 'ecdsa' });
    extPem = { cert: leaf.certPem, key: leaf.keyPem, ca: ca.certPem };
    // what extension servers do: trust the front-proxy CA the API server publishes
    const cm = JSON.parse(await until(async () => kc(srv.kubeconfig, ['get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication', '-o', 'json']), 'extension-apiserver-authentication'));
    frontProxyCA = cm.data['requestheader-client-ca-file'];
    assert.match(frontProxyCA, /BEGIN CERTIFICATE/);
    assert.equal(cm.data['requestheader-allowed-names'], '["front-proxy-client"]');
    assert.equal(cm.data['requestheader-username-headers'], '["X-Remote-User"]');
    assert.match(cm.data['client-ca-file'], /BEGIN CERTIFICATE/);
    nodes = await until(async () => {
      const out = (await kc(srv.kubeconfig, ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'])).trim();
      return out ? out.split(/\s+/) : undefined;
    }, 'a simulated node', 60_000);
    ext = await startExtensionServer(hostIP, extPem, frontProxyCA, () => nodes);
    // a user without any rights
    const clusterCA = { certPem: readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8'), keyPem: readFileSync(join(srv.dataDir, 'pki', 'ca.key'), 'utf8') };
    const nobody = await issueCert(clusterCA, { commonName: 'nobody', usages: ['client'], keyAlgorithm: 'ecdsa' });
    nobodyKubeconfig = join(srv.dataDir, 'nobody.kubeconfig');
    await writeKubeconfig(nobodyKubeconfig, buildKubeconfig({ server: srv.url, caCertPem: clusterCA.certPem, clientCertPem: nobody.certPem, clientKeyPem: nobody.keyPem }));
  });

  after(async () => {
    await ext?.close();
    await srv?.destroy();
  });

  test('built-in group/versions are registered as Local APIServices', async () => {
    const out = await kc(srv.kubeconfig, ['get', 'apiservices']);
    assert.match(out, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE/);
    assert.match(out, /\nv1\.\s+Local\s+True\s/);
    assert.match(out, /\nv1\.apps\s+Local\s+True\s/);
    assert.match(out, /\nv1\.apiregistration\.k8s\.io\s+Local\s+True\s/);
    const apps = JSON.parse(await kc(srv.kubeconfig, ['get', 'apiservice', 'v1.apps', '-o', 'json']));
    assert.equal(apps.spec.groupPriorityMinimum, 17800);
    assert.equal(apps.metadata.labels['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
    const cond = apps.status.conditions.find((c: any) => c.type === 'Available');
    assert.deepEqual([cond.status, cond.reason, cond.message], ['True', 'Local', 'Local APIServices are always available']);
  });

  test('a CRD group/version gets an automanaged Local APIService, removed with the CRD', async () => {
    await kc(srv.kubeconfig, ['create', '-f', '-'], JSON.stringify(CRONTAB_CRD));
    const as = await until(async () => {
      const r = await kubectl(srv.kubeconfig, ['get', 'apiservice', 'v1.stable.example.com', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 'the CRD APIService', 30_000);
    assert.deepEqual([as.spec.group, as.spec.version, as.spec.groupPriorityMinimum, as.spec.versionPriority, as.spec.service], ['stable.example.com', 'v1', 1000, 100, undefined]);
    assert.equal(as.metadata.labels['kube-aggregator.kubernetes.io/automanaged'], 'true');
    await until(async () => /\nv1\.stable\.example\.com\s+Local\s+True\s/.test(await kc(srv.kubeconfig, ['get', 'apiservices'])), 'the CRD APIService to be Available', 30_000);
    await kc(srv.kubeconfig, ['delete', 'crd', 'crontabs.stable.example.com']);
    await until(async () => (await kubectl(srv.kubeconfig, ['get', 'apiservice', 'v1.stable.example.com'])).code !== 0, 'the CRD APIService to go', 30_000);
  });

  test('an invalid APIService is rejected with upstream field errors', async () => {
    const bad = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.wrong.example.com' }, spec: { group: 'example.com', version: 'v1', groupPriorityMinimum: 0, versionPriority: 10, insecureSkipTLSVerify: true, caBundle: Buffer.from('x').toString('base64'), service: { namespace: 'default', name: 's' } } };
    const r = await kubectl(srv.kubeconfig, ['create', '-f', '-'], JSON.stringify(bad));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The APIService "v1\.wrong\.example\.com" is invalid/);
    assert.match(r.stderr, /metadata\.name: Invalid value: "v1\.wrong\.example\.com": must be `spec\.version\+"\."\+spec\.group`: "v1\.example\.com"/);
    assert.match(r.stderr, /spec\.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000/);
    assert.match(r.stderr, /spec\.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present/);
  });

  test('an APIService with a Service and selector-less Endpoints becomes Available and serves through the API server', async () => {
    const manifest = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system' }, spec: { ports: [{ name: 'https', port: 443, targetPort: ext.port }] } },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server', namespace: 'kube-system' }, subsets: [{ addresses: [{ ip: hostIP }], ports: [{ name: 'https', port: ext.port }] }] },
      {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1beta1.metrics.k8s.io' },
        spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, caBundle: Buffer.from(extPem.ca).toString('base64'), service: { namespace: 'kube-system', name: 'metrics-server' } },
      },
    ];
    for (const obj of manifest) await kc(srv.kubeconfig, ['apply', '-f', '-'], JSON.stringify(obj));
    await until(async () => /\nv1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s/.test(await kc(srv.kubeconfig, ['get', 'apiservices'])), 'the APIService to be Available', 60_000);
    const as = JSON.parse(await kc(srv.kubeconfig, ['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'json']));
    assert.equal(as.spec.service.port, 443, 'service port defaulted');
    const cond = as.status.conditions.find((c: any) => c.type === 'Available');
    assert.deepEqual([cond.reason, cond.message], ['Passed', 'all checks passed']);

    // discovery: legacy and aggregated (kubectl api-resources uses the latter)
    await until(async () => (await kc(srv.kubeconfig, ['api-versions'])).split('\n').includes(GV), 'api-versions to list metrics.k8s.io/v1beta1', 30_000);
    const resources = await until(async () => {
      const out = await kc(srv.kubeconfig, ['api-resources', '--api-group=metrics.k8s.io']);
      return /\nnodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics/.test(out) ? out : undefined;
    }, 'api-resources to list NodeMetrics', 30_000);
    assert.match(resources, /\npods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
    const group = JSON.parse(await kc(srv.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io']));
    assert.equal(group.kind, 'APIGroup');
    assert.equal(group.preferredVersion.groupVersion, GV);

    // requests through the API server
    const list = JSON.parse(await kc(srv.kubeconfig, ['get', '--raw', `/apis/${GV}/nodes`]));
    assert.equal(list.kind, 'NodeMetricsList');
    assert.deepEqual(list.items.map((i: any) => i.metadata.name), nodes);
    const rl = JSON.parse(await kc(srv.kubeconfig, ['get', '--raw', `/apis/${GV}`]));
    assert.equal(rl.groupVersion, GV);

    // what the extension server saw: the front-proxy certificate (verified) and the user in headers
    const req = [...ext.seen].reverse().find((s) => s.path.startsWith(`/apis/${GV}/nodes`))!;
    assert.ok(req.authorized, 'front-proxy client certificate verified by the extension server');
    assert.equal(req.clientCN, 'front-proxy-client');
    assert.equal(req.headers['x-remote-user'], 'kubernetes-admin');
    assert.match(String(req.headers['x-remote-group']), /system:masters/);
    assert.match(String(req.headers['x-remote-group']), /system:authenticated/);
    assert.equal(req.headers.authorization, undefined);
  });

  test('kubectl top nodes and top pods', async () => {
    const top = await kc(srv.kubeconfig, ['top', 'nodes']);
    assert.match(top, /^NAME\s+CPU\(cores\)\s+CPU(%)?/);
    assert.match(top, new RegExp(`\\n${nodes[0]}\\s+250m\\s+`));
    const pods = await kc(srv.kubeconfig, ['top', 'pods', '-n', 'default']);
    assert.match(pods, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    assert.match(pods, /\nweb-1\s+5m\s+20Mi/);
  });

  test('a watch streams through', async () => {
    const creds = loadCreds(srv.kubeconfig);
    const r = await rawRequest(`${srv.url}/apis/${GV}/nodes?watch=true`, creds);
    assert.equal(r.status, 200);
    const names = r.body.trim().split('\n').map((l) => JSON.parse(l).object.metadata.name);
    assert.deepEqual(names, ['first', 'second']);
  });

  test('RBAC applies before the request is proxied', async () => {
    const before = ext.seen.length;
    const r = await kubectl(nobodyKubeconfig, ['get', '--raw', `/apis/${GV}/nodes`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nodes\.metrics\.k8s\.io is forbidden: User "nobody" cannot list resource "nodes" in API group "metrics\.k8s\.io" at the cluster scope/);
    assert.equal(ext.seen.length, before, 'the extension server never saw the forbidden request');
    // granted the right, the user reaches the extension server under its own name
    await kc(srv.kubeconfig, ['create', 'clusterrole', 'metrics-reader', '--verb=get,list', '--resource=nodes.metrics.k8s.io']);
    await kc(srv.kubeconfig, ['create', 'clusterrolebinding', 'nobody-metrics', '--clusterrole=metrics-reader', '--user=nobody']);
    await until(async () => (await kubectl(nobodyKubeconfig, ['get', '--raw', `/apis/${GV}/nodes`])).code === 0, 'nobody to read node metrics', 30_000);
    const seen = [...ext.seen].reverse().find((s) => s.path.startsWith(`/apis/${GV}/nodes`))!;
    assert.equal(seen.headers['x-remote-user'], 'nobody');
    assert.equal(seen.headers['x-remote-group'], 'system:authenticated');
  });

  test('request-header authentication: the front-proxy certificate makes X-Remote-User the identity', async () => {
    const pki = join(srv.dataDir, 'pki');
    const opts = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'front-proxy-client.crt')), key: readFileSync(join(pki, 'front-proxy-client.key')) };
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const r = await rawRequest(`${srv.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { ...opts, method: 'POST', body: review, headers: { 'x-remote-user': 'alice', 'x-remote-group': 'devs', 'x-remote-extra-scopes': 'read' } });
    assert.equal(r.status, 201, r.body);
    const info = JSON.parse(r.body).status.userInfo;
    assert.equal(info.username, 'alice');
    assert.deepEqual(info.groups, ['devs', 'system:authenticated']);
    assert.deepEqual(info.extra, { scopes: ['read'] });
    // without the header the front-proxy certificate is no identity of its own (another CA)
    const anon = await rawRequest(`${srv.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { ...opts, method: 'POST', body: review });
    assert.equal(anon.status, 401);
    // an ordinary client certificate does not get to name the user
    const admin = loadCreds(srv.kubeconfig);
    const r2 = await rawRequest(`${srv.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { ...admin, method: 'POST', body: review, headers: { 'x-remote-user': 'mallory' } });
    assert.equal(JSON.parse(r2.body).status.userInfo.username, 'kubernetes-admin');
  });

  test('with the extension server stopped the APIService turns False and requests get 503', async () => {
    const port = ext.port;
    await ext.close();
    // the first failed request triggers a re-check; later ones are refused with 503 up front
    const failed = await kubectl(srv.kubeconfig, ['get', '--raw', `/apis/${GV}/nodes`]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /ServiceUnavailable|unable to handle the request|error trying to reach service/);
    const line = await until(async () => {
      const out = await kc(srv.kubeconfig, ['get', 'apiservices', 'v1beta1.metrics.k8s.io']);
      return /False \(FailedDiscoveryCheck\)/.test(out) ? out : undefined;
    }, 'the APIService to turn unavailable', 90_000);
    assert.match(line, /v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+False \(FailedDiscoveryCheck\)/);
    const as = JSON.parse(await kc(srv.kubeconfig, ['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'json']));
    const cond = as.status.conditions.find((c: any) => c.type === 'Available');
    assert.match(cond.message, new RegExp(`^failing or missing response from https://${hostIP.replace(/\./g, '\\.')}:${port}/apis/metrics\\.k8s\\.io/v1beta1: `));
    const r = await kubectl(srv.kubeconfig, ['get', '--raw', `/apis/${GV}/nodes`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(ServiceUnavailable\): the server is currently unable to handle the request/);

    // back again: Available True once the check passes
    ext = await startExtensionServer(hostIP, extPem, frontProxyCA, () => nodes, port);
    await until(async () => /\nv1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s/.test(await kc(srv.kubeconfig, ['get', 'apiservices'])), 'the APIService to be Available again', 90_000);
  });

  test('deleting the Endpoints gives MissingEndpoints / EndpointsNotFound', async () => {
    await kc(srv.kubeconfig, ['patch', 'endpoints', '-n', 'kube-system', 'metrics-server', '--type=merge', '-p', '{"subsets":[]}']);
    const out = await until(async () => {
      const o = await kc(srv.kubeconfig, ['get', 'apiservices', 'v1beta1.metrics.k8s.io']);
      return /False \(MissingEndpoints\)/.test(o) ? o : undefined;
    }, 'MissingEndpoints', 60_000);
    assert.match(out, /False \(MissingEndpoints\)/);
    await kc(srv.kubeconfig, ['delete', 'apiservice', 'v1beta1.metrics.k8s.io']);
    await until(async () => !(await kc(srv.kubeconfig, ['api-versions'])).includes(GV), 'metrics.k8s.io to leave discovery', 30_000);
  });
});
