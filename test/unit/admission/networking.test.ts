import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultIngressClassPlugin } from '../../../src/apiserver/admission/defaultingressclass.js';
import { denyServiceExternalIPsPlugin } from '../../../src/apiserver/admission/denyserviceexternalips.js';
import { FakeObjects, rejection, run, scope } from './helpers.js';

describe('DefaultIngressClass', () => {
  const objects = new FakeObjects()
    .put('networking.k8s.io', 'ingressclasses', { metadata: { name: 'nginx', creationTimestamp: '2024-01-01T00:00:00Z', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } })
    .put('networking.k8s.io', 'ingressclasses', { metadata: { name: 'traefik', creationTimestamp: '2024-03-01T00:00:00Z', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } });
  const p = defaultIngressClassPlugin(objects);
  const s = () => scope('networking.k8s.io', 'ingresses', { namespace: 'ns' });

  test('an ingress without a class gets the newest default', async () => {
    const ing: Record<string, any> = { metadata: { name: 'web', namespace: 'ns' }, spec: {} };
    await run(p, 'CREATE', ing, undefined, s());
    assert.equal(ing.spec.ingressClassName, 'traefik');
  });

  test('an explicit class or the legacy annotation is kept', async () => {
    const named: Record<string, any> = { metadata: { name: 'a' }, spec: { ingressClassName: 'nginx' } };
    await run(p, 'CREATE', named, undefined, s());
    assert.equal(named.spec.ingressClassName, 'nginx');
    const legacy: Record<string, any> = { metadata: { name: 'b', annotations: { 'kubernetes.io/ingress.class': 'haproxy' } }, spec: {} };
    await run(p, 'CREATE', legacy, undefined, s());
    assert.equal(legacy.spec.ingressClassName, undefined);
  });
});

describe('DenyServiceExternalIPs', () => {
  const p = denyServiceExternalIPsPlugin();
  const s = () => scope('', 'services', { namespace: 'ns', name: 'web' });
  const svc = (externalIPs?: string[]) => ({ metadata: { name: 'web', namespace: 'ns' }, spec: { ...(externalIPs ? { externalIPs } : {}) } });

  test('new external IPs are denied; existing ones may stay', async () => {
    const err = await rejection(run(p, 'CREATE', svc(['1.2.3.4']), undefined, s()));
    assert.equal(err.message, 'services "web" is forbidden: Use of external IPs is denied by admission control');
    await run(p, 'CREATE', svc(), undefined, s());
    await run(p, 'UPDATE', svc(['1.2.3.4']), svc(['1.2.3.4', '5.6.7.8']), s());
    await rejection(run(p, 'UPDATE', svc(['1.2.3.4', '9.9.9.9']), svc(['1.2.3.4']), s()));
  });
});
