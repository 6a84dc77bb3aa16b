// Tests for core/v1 services and endpoints (src/apiserver/registry/core/services.ts,
// endpoints.ts): defaults, validation messages, update rules and the table cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { services } from '../../../src/apiserver/registry/core/services.js';
import { endpoints, formatEndpoints } from '../../../src/apiserver/registry/core/endpoints.js';
import { ago, cells, create, headers, update } from './core-helpers.js';

const svc = (spec: any, name = 'web') => ({ metadata: { name, namespace: 'default', creationTimestamp: ago(3600) }, spec });

test('service defaults', () => {
  const { obj, errors } = create(services, svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }));
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.type, 'ClusterIP');
  assert.equal(obj.spec.sessionAffinity, 'None');
  assert.deepEqual(obj.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(obj.spec.internalTrafficPolicy, 'Cluster');
  assert.equal(obj.spec.externalTrafficPolicy, undefined);
  assert.equal(obj.spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(obj.spec.ipFamilies, ['IPv4']);
  assert.deepEqual(obj.status, { loadBalancer: {} });

  const np = create(services, svc({ type: 'NodePort', ports: [{ port: 80, targetPort: 'http', nodePort: 30080 }], clusterIP: '10.96.0.10' })).obj;
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  assert.deepEqual(np.spec.clusterIPs, ['10.96.0.10']);
  assert.equal(np.spec.ports[0].targetPort, 'http');

  const lb = create(services, svc({ type: 'LoadBalancer', ports: [{ port: 80 }] })).obj;
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');

  const aff = create(services, svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] })).obj;
  assert.deepEqual(aff.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });

  const headless = create(services, svc({ clusterIP: 'None', selector: { app: 'db' } })).obj;
  assert.deepEqual(headless.spec.clusterIPs, ['None']);
  assert.equal(headless.spec.ipFamilyPolicy, 'SingleStack');

  const ext = create(services, svc({ type: 'ExternalName', externalName: 'example.com' }));
  assert.deepEqual(ext.errors, []);
  assert.equal(ext.obj.spec.ipFamilies, undefined);
  assert.equal(ext.obj.spec.internalTrafficPolicy, undefined);
});

test('service validation', () => {
  const errs = (spec: any) => create(services, svc(spec)).errors;
  assert.deepEqual(errs({}), ['spec.ports: Required value']);
  assert.deepEqual(errs({ clusterIP: 'None' }), []);
  assert.deepEqual(errs({ ports: [{ port: 80 }, { port: 443 }] }), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']);
  assert.deepEqual(errs({ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81, protocol: 'ICMP' }] }), [
    'spec.ports[1].name: Duplicate value: "a"',
    'spec.ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  assert.deepEqual(errs({ type: 'Magic', ports: [{ port: 80 }] }), [
    'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(errs({ ports: [{ port: 80, nodePort: 30000 }] }), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  assert.deepEqual(errs({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }), ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]);
  assert.deepEqual(errs({ type: 'ExternalName' }), ['spec.externalName: Required value']);
  // targetPort defaults to port, so both are reported (as upstream)
  assert.deepEqual(errs({ ports: [{ port: 0 }] }), [
    'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
  ]);
  assert.deepEqual(errs({ selector: { 'bad key!': 'x' }, ports: [{ port: 80 }] }).length, 1);
  assert.deepEqual(errs({ ports: [{ port: 80 }], externalIPs: ['127.0.0.1'] }), [
    'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
  ]);
  assert.equal(services.nameRule, 'dns1035');
});

test('service updates: cluster IP immutable, allocated values kept, type-dependent fields dropped', () => {
  const old = create(services, svc({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }], clusterIP: '10.96.0.10' })).obj;
  // A client that omits the allocated values keeps them.
  const omit = update(services, svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] }), old);
  assert.deepEqual(omit.errors, []);
  assert.equal(omit.obj.spec.clusterIP, '10.96.0.10');
  assert.equal(omit.obj.spec.ports[0].nodePort, 30080);
  // Changing the cluster IP is refused.
  const changed = JSON.parse(JSON.stringify(old));
  changed.spec.clusterIP = '10.96.0.11';
  changed.spec.clusterIPs = ['10.96.0.11'];
  assert.deepEqual(update(services, changed, old).errors, ['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']);
  // NodePort -> ClusterIP drops the node ports and externalTrafficPolicy.
  const toCIP = JSON.parse(JSON.stringify(old));
  toCIP.spec.type = 'ClusterIP';
  const r = update(services, toCIP, old);
  assert.deepEqual(r.errors, []);
  assert.equal(r.obj.spec.ports[0].nodePort, undefined);
  assert.equal(r.obj.spec.externalTrafficPolicy, undefined);
  // ClusterIP -> ExternalName drops the cluster IPs and IP families.
  const toExt = JSON.parse(JSON.stringify(r.obj));
  toExt.spec.type = 'ExternalName';
  toExt.spec.externalName = 'db.example.com';
  const e = update(services, toExt, r.obj);
  assert.deepEqual(e.errors, []);
  assert.equal(e.obj.spec.clusterIP, undefined);
  assert.equal(e.obj.spec.ipFamilies, undefined);
});

test('service table', () => {
  assert.deepEqual(headers(services), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  assert.deepEqual(headers(services, true).at(-1), 'SELECTOR');
  const s = create(services, svc({
    type: 'NodePort',
    selector: { app: 'web', tier: 'fe' },
    clusterIP: '10.96.12.34',
    ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443, nodePort: 30443 }],
  })).obj;
  assert.deepEqual(cells(services, s), ['web', 'NodePort', '10.96.12.34', '<none>', '80/TCP,443:30443/TCP', '60m', 'app=web,tier=fe']);
  const lb = create(services, svc({ type: 'LoadBalancer', clusterIP: '10.96.0.1', ports: [{ port: 80, nodePort: 31000 }] })).obj;
  assert.equal(cells(services, lb)[3], '<pending>');
  lb.status.loadBalancer.ingress = [{ ip: '203.0.113.7' }];
  assert.equal(cells(services, lb)[3], '203.0.113.7');
  const ext = create(services, svc({ type: 'ExternalName', externalName: 'example.com' })).obj;
  assert.deepEqual(cells(services, ext).slice(1, 5), ['ExternalName', '<none>', 'example.com', '<none>']);
  const headless = create(services, svc({ clusterIP: 'None' })).obj;
  assert.deepEqual(cells(services, headless).slice(2, 5), ['None', '<none>', '<none>']);
  assert.deepEqual(cells(services, headless)[6], '<none>');
});

test('service meta: storage key, names, field selectors', () => {
  assert.equal(services.storageResource, 'services/specs');
  assert.deepEqual(services.shortNames, ['svc']);
  assert.deepEqual(services.categories, ['all']);
  const s = create(services, svc({ ports: [{ port: 80 }], clusterIP: '10.96.0.5' })).obj;
  assert.deepEqual(services.selectableFields!(s), { 'spec.clusterIP': '10.96.0.5', 'spec.type': 'ClusterIP' });
});

test('endpoints: defaults, validation, table', () => {
  const ep = {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(30) },
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ port: 80 }, { port: 443, name: 'x' }] }],
  };
  const r = create(endpoints, ep);
  assert.deepEqual(r.errors, ['subsets[0].ports[0].name: Required value']);
  assert.equal(r.obj.subsets[0].ports[0].protocol, 'TCP');
  assert.equal(formatEndpoints(r.obj), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...');
  assert.deepEqual(cells(endpoints, { metadata: { name: 'x' } }), ['x', '<none>', '<unknown>']);
  assert.equal(formatEndpoints({ subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }] }), '[fd00::1]:53');
  assert.equal(formatEndpoints({ subsets: [{ addresses: [{ ip: '10.0.0.9' }] }] }), '10.0.0.9');
  assert.deepEqual(create(endpoints, { metadata: { name: 'x', namespace: 'd' }, subsets: [{}] }).errors, ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
  assert.equal(endpoints.storageResource, 'services/endpoints');
  assert.deepEqual(endpoints.shortNames, ['ep']);
  assert.deepEqual(headers(endpoints), ['NAME', 'ENDPOINTS', 'AGE']);
});
