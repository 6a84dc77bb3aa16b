// The API server's per-request metrics are kept outside prom-client's Counter/Histogram (for
// speed) but must print exactly what those would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import client from 'prom-client';
import { Metrics } from '../../../src/apiserver/metrics.js';
import type { RequestInfo } from '../../../src/apiserver/requestinfo.js';

const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

function info(p: Partial<RequestInfo>): RequestInfo {
  return { isResourceRequest: true, verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', namespace: '', resource: 'pods', subresource: '', name: '', rest: [], path: '', ...p } as RequestInfo;
}

/** The section of a metric (HELP, TYPE and its lines) in a /metrics text. */
function section(text: string, name: string): string {
  const lines = text.split('\n');
  const from = lines.indexOf(lines.find((l) => l.startsWith(`# HELP ${name} `))!);
  assert.ok(from >= 0, `${name} missing`);
  let to = from + 1;
  while (to < lines.length && lines[to] !== '' && !lines[to].startsWith('# HELP')) to++;
  return lines.slice(from, to).join('\n');
}

test('request counter and duration histogram print as prom-client would', async () => {
  const m = new Metrics();
  const ref = new client.Registry();
  const counter = new client.Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
    registers: [ref],
  });
  const hist = new client.Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
    buckets: BUCKETS,
    registers: [ref],
  });
  const cases: [RequestInfo | undefined, string, number, number][] = [
    [info({ verb: 'create', namespace: 'default' }), 'POST', 201, 0.0031],
    [info({ verb: 'create', namespace: 'default' }), 'POST', 201, 0.025],
    [info({ verb: 'create', namespace: 'default' }), 'POST', 409, 0.07],
    [info({ verb: 'get', namespace: 'default', name: 'p' }), 'GET', 200, 1.3],
    [info({ verb: 'list', apiGroup: 'apps', resource: 'deployments' }), 'GET', 200, 61],
    [info({ verb: 'watch', namespace: 'ns' }), 'GET', 200, 5],
    [info({ verb: 'update', name: 'n', resource: 'nodes', subresource: 'status' }), 'PUT', 200, 0.4],
    [{ isResourceRequest: false, verb: 'get', path: '/healthz' } as RequestInfo, 'GET', 200, 0.0001],
    [undefined, 'GET', 401, 0.002],
  ];
  for (const [i, method, code, secs] of cases) {
    m.observe(i, method, code, secs);
    // the reference: the labels the previous implementation passed to prom-client
    const isRes = !!i?.isResourceRequest;
    const labels = {
      verb: isRes ? i!.verb.toUpperCase() : method,
      group: i?.apiGroup ?? '',
      version: i?.apiVersion ?? '',
      resource: i?.resource ?? '',
      subresource: i?.subresource ?? '',
      scope: !isRes ? '' : i!.name ? 'resource' : i!.namespace ? 'namespace' : 'cluster',
      component: 'apiserver',
    };
    counter.inc({ ...labels, code: String(code) });
    if (i?.verb !== 'watch') hist.observe(labels, secs);
  }
  const got = await m.registry.metrics();
  const want = await ref.metrics();
  for (const name of ['apiserver_request_total', 'apiserver_request_duration_seconds']) {
    assert.equal(section(got, name), section(want, name));
  }
  // the JSON form has the same values too
  const json = await m.registry.getMetricsAsJSON();
  const refJson = await ref.getMetricsAsJSON();
  for (const name of ['apiserver_request_total', 'apiserver_request_duration_seconds']) {
    const a = json.find((x) => x.name === name)!;
    const b = refJson.find((x) => x.name === name)!;
    const norm = (vs: any[]) => vs.map((v) => JSON.stringify([v.metricName ?? name, Object.entries(v.labels).sort(), v.value])).sort();
    assert.deepEqual(norm(a.values), norm(b.values));
  }
});
