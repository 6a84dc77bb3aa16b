import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAvailability, nextCondition } from '../../../../src/apiserver/aggregator/availability.js';
import { RemoteDiscovery, toDiscoveryResources } from '../../../../src/apiserver/aggregator/discovery.js';
import { ResolveError, resolveService } from '../../../../src/apiserver/aggregator/resolve.js';
import type { ServiceLookups } from '../../../../src/apiserver/aggregator/resolve.js';
import { authProxyHeaders, withoutRemoteHeaders } from '../../../../src/apiserver/aggregator/transport.js';

const apiService = (service?: Record<string, unknown>) => ({
  metadata: { name: 'v1beta1.metrics.k8s.io' },
  spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service },
});
const svcRef = { namespace: 'kube-system', name: 'metrics-server', port: 443 };

function lookups(o: { svc?: any; eps?: any; slices?: any[] } = {}): ServiceLookups {
  return { service: () => o.svc, endpoints: () => o.eps, endpointSlices: () => o.slices ?? [] };
}
const svc = (ports = [{ name: 'https', port: 443, targetPort: 4443 }], extra: Record<string, unknown> = {}) => ({ metadata: { name: 'metrics-server', namespace: 'kube-system' }, spec: { type: 'ClusterIP', clusterIP: '10.0.0.9', ports, ...extra } });
const eps = (addresses = [{ ip: '10.1.0.5' }], ports = [{ name: 'https', port: 4443 }]) => ({ subsets: [{ addresses, ports }] });
const passing = async () => ({ body: '{"resources":[]}' });

describe('availability', () => {
  test('Local APIServices are always available', async () => {
    const r = await checkAvailability(apiService(), lookups(), passing);
    assert.deepEqual([r.status, r.reason, r.message], ['True', 'Local', 'Local APIServices are always available']);
  });

  test('ServiceNotFound, ServicePortError, EndpointsNotFound, MissingEndpoints', async () => {
    let r = await checkAvailability(apiService(svcRef), lookups(), passing);
    assert.deepEqual([r.status, r.reason, r.message], ['False', 'ServiceNotFound', 'service/metrics-server in "kube-system" is not present']);
    r = await checkAvailability(apiService({ ...svcRef, port: 8443 }), lookups({ svc: svc() }), passing);
    assert.deepEqual([r.reason, r.message], ['ServicePortError', 'service/metrics-server in "kube-system" is not listening on port 8443']);
    r = await checkAvailability(apiService(svcRef), lookups({ svc: svc() }), passing);
    assert.deepEqual([r.reason, r.message], ['EndpointsNotFound', 'cannot find endpoints for service/metrics-server in "kube-system"']);
    r = await checkAvailability(apiService(svcRef), lookups({ svc: svc(), eps: eps([]) }), passing);
    assert.deepEqual([r.reason, r.message], ['MissingEndpoints', 'endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"']);
    r = await checkAvailability(apiService(svcRef), lookups({ svc: svc(), eps: eps(undefined, [{ name: 'other', port: 1 }]) }), passing);
    assert.equal(r.reason, 'MissingEndpoints');
  });

  test('EndpointSlices count when there are no Endpoints', async () => {
    const slice = { ports: [{ name: 'https', port: 4443 }], endpoints: [{ addresses: ['10.1.0.7'], conditions: { ready: true } }] };
    const r = await checkAvailability(apiService(svcRef), lookups({ svc: svc(), slices: [slice] }), passing);
    assert.equal(r.reason, 'Passed');
    const notReady = { ...slice, endpoints: [{ addresses: ['10.1.0.7'], conditions: { ready: false } }] };
    assert.equal((await checkAvailability(apiService(svcRef), lookups({ svc: svc(), slices: [notReady] }), passing)).reason, 'MissingEndpoints');
  });

  test('the discovery check decides between Passed and FailedDiscoveryCheck', async () => {
    const ok = await checkAvailability(apiService(svcRef), lookups({ svc: svc(), eps: eps() }), passing);
    assert.deepEqual([ok.status, ok.reason, ok.message, ok.body], ['True', 'Passed', 'all checks passed', '{"resources":[]}']);
    const bad = await checkAvailability(apiService(svcRef), lookups({ svc: svc(), eps: eps() }), async () => ({ error: 'failing or missing response from https://10.1.0.5:4443/apis/metrics.k8s.io/v1beta1: bad status from https://10.1.0.5:4443/apis/metrics.k8s.io/v1beta1: 500' }));
    assert.deepEqual([bad.status, bad.reason], ['False', 'FailedDiscoveryCheck']);
    assert.match(bad.message, /bad status from .*: 500$/);
  });

  test('NodePort and ExternalName services skip the endpoints checks', async () => {
    const r = await checkAvailability(apiService(svcRef), lookups({ svc: svc(undefined, { type: 'ExternalName', externalName: 'metrics.example.com' }) }), passing);
    assert.equal(r.reason, 'Passed');
  });

  test('the condition changes only when something changed; lastTransitionTime follows the status', () => {
    const obj: any = { status: { conditions: [{ type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed', lastTransitionTime: 'T0' }] } };
    assert.equal(nextCondition(obj, { status: 'True', reason: 'Passed', message: 'all checks passed' }, 'T1'), undefined);
    assert.deepEqual(nextCondition(obj, { status: 'False', reason: 'MissingEndpoints', message: 'm' }, 'T1'), { type: 'Available', status: 'False', lastTransitionTime: 'T1', reason: 'MissingEndpoints', message: 'm' });
    obj.status.conditions[0].status = 'False';
    assert.equal(nextCondition(obj, { status: 'False', reason: 'ServiceNotFound', message: 'x' }, 'T2')!.lastTransitionTime, 'T0');
  });
});

describe('service resolution', () => {
  test('endpoint routing picks a ready address on the endpoint port of the service port', () => {
    const l = lookups({ svc: svc(), eps: eps([{ ip: '10.1.0.5' }, { ip: '10.1.0.6' }]) });
    assert.equal(resolveService(svcRef, l, true, () => 1), '10.1.0.6:4443');
    assert.equal(resolveService(svcRef, l, false), '10.0.0.9:443');
  });

  test('errors as upstream words them', () => {
    assert.throws(() => resolveService(svcRef, lookups(), true), new ResolveError('service "metrics-server" not found'));
    assert.throws(() => resolveService({ ...svcRef, port: 1 }, lookups({ svc: svc() }), true), /no service port 1 found for service "metrics-server"/);
    assert.throws(() => resolveService(svcRef, lookups({ svc: svc(), eps: eps([]) }), true), /no endpoints available for service "metrics-server"/);
  });

  test('IPv6 endpoints are bracketed; ExternalName goes to its name', () => {
    assert.equal(resolveService(svcRef, lookups({ svc: svc(), eps: eps([{ ip: 'fd00::5' }]) }), true), '[fd00::5]:4443');
    assert.equal(resolveService(svcRef, lookups({ svc: svc(undefined, { type: 'ExternalName', externalName: 'm.example.com' }) }), true), 'm.example.com:443');
  });
});

describe('aggregated discovery and proxy headers', () => {
  test('an APIResourceList becomes aggregated discovery resources with subresources folded in', () => {
    const out = toDiscoveryResources('metrics.k8s.io', 'v1beta1', [
      { name: 'pods', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      { name: 'pods/status', namespaced: true, kind: 'PodMetrics', verbs: ['get'] },
    ]);
    assert.deepEqual(out, [{
      resource: 'pods',
      responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' },
      scope: 'Namespaced',
      singularResource: 'podmetrics',
      verbs: ['get', 'list'],
      subresources: [{ subresource: 'status', responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' }, verbs: ['get'] }],
    }]);
  });

  test('remote groups are ordered by priority, skip local groups, and go Stale when a check fails', () => {
    const d = new RemoteDiscovery((g) => g === 'apps');
    let changes = 0;
    d.onChange(() => changes++);
    const as = (group: string, version: string, gp: number, vp: number) => ({ metadata: { name: `${version}.${group}` }, spec: { group, version, groupPriorityMinimum: gp, versionPriority: vp, service: svcRef } });
    d.setAPIService('v1beta1.metrics.k8s.io', as('metrics.k8s.io', 'v1beta1', 100, 100));
    d.setAPIService('v1.custom.io', as('custom.io', 'v1', 200, 10));
    d.setAPIService('v2.custom.io', as('custom.io', 'v2', 200, 20));
    d.setAPIService('v9.apps', as('apps', 'v9', 20000, 20));
    assert.deepEqual(d.groups(), [{ name: 'custom.io', versions: ['v2', 'v1'] }, { name: 'metrics.k8s.io', versions: ['v1beta1'] }]);
    assert.deepEqual(d.aggregatedItems(), [], 'nothing fetched yet');
    d.setDocument('v1beta1.metrics.k8s.io', JSON.stringify({ resources: [{ name: 'nodes', kind: 'NodeMetrics', verbs: ['get'] }] }));
    assert.equal(d.aggregatedItems()[0].versions[0].freshness, 'Current');
    d.setDocument('v1beta1.metrics.k8s.io', undefined);
    assert.equal(d.aggregatedItems()[0].versions[0].freshness, 'Stale');
    d.setAPIService('v1beta1.metrics.k8s.io', undefined);
    assert.deepEqual(d.groups().map((g) => g.name), ['custom.io']);
    assert.ok(changes >= 6);
  });

  test('X-Remote-* headers replace whatever the client sent', () => {
    const h = authProxyHeaders({ username: 'alice', groups: ['devs', 'system:authenticated'], extra: { 'example.com/scope': ['a', 'b'] } });
    assert.deepEqual(h, { 'x-remote-user': 'alice', 'x-remote-group': ['devs', 'system:authenticated'], 'x-remote-extra-example.com%2Fscope': ['a', 'b'] });
    assert.deepEqual(withoutRemoteHeaders({ 'x-remote-user': 'mallory', 'X-Remote-Group': 'system:masters', accept: 'application/json' }), { accept: 'application/json' });
  });
});
