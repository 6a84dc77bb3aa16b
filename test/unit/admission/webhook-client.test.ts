// Tests for src/apiserver/admission/webhook/client.ts: Service references resolved to a ready
// endpoint (Endpoints, then EndpointSlices) with the `<name>.<namespace>.svc` server name, the
// `?timeout=` query, and Go-worded errors for refused connections and timeouts.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueCert } from '../../../src/pki/certs.js';
import { postReview, resolveService, targetOf, WebhookCallError } from '../../../src/apiserver/admission/webhook/client.js';
import { FakeObjects, rejection } from './helpers.js';

const service = { metadata: { name: 'hook', namespace: 'ns' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } };

describe('webhook client', () => {
  test('a Service resolves through Endpoints, else EndpointSlices', async () => {
    const withEndpoints = new FakeObjects().put('', 'services', service).put('', 'endpoints', {
      metadata: { name: 'hook', namespace: 'ns' }, subsets: [{ addresses: [{ ip: '10.0.0.7' }], ports: [{ name: 'https', port: 8443 }] }],
    });
    assert.deepEqual(await resolveService({ namespace: 'ns', name: 'hook', port: 443 }, withEndpoints), { host: '10.0.0.7', port: 8443 });
    const withSlices = new FakeObjects().put('', 'services', service).put('discovery.k8s.io', 'endpointslices', {
      metadata: { name: 'hook-abc', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'hook' } },
      ports: [{ name: 'https', port: 9443 }],
      endpoints: [{ addresses: ['10.0.0.8'], conditions: { ready: false } }, { addresses: ['10.0.0.9'], conditions: { ready: true } }],
    });
    assert.deepEqual(await resolveService({ namespace: 'ns', name: 'hook', port: 443 }, withSlices), { host: '10.0.0.9', port: 9443 });
    const t = await targetOf({ service: { namespace: 'ns', name: 'hook', path: '/validate', port: 443 } }, withSlices, 5);
    assert.equal(t.url.toString(), 'https://10.0.0.9:9443/validate?timeout=5s');
    assert.equal(t.serverName, 'hook.ns.svc');
    assert.equal(t.display, 'https://hook.ns.svc:443/validate?timeout=5s');
    const err = await rejection(targetOf({ service: { namespace: 'ns', name: 'missing' } }, withSlices, 10));
    assert.ok(err instanceof WebhookCallError);
    assert.equal(err.message, 'Post "https://missing.ns.svc:443/?timeout=10s": service "missing" not found');
    const noEndpoints = new FakeObjects().put('', 'services', service);
    assert.match((await rejection(resolveService({ namespace: 'ns', name: 'hook', port: 443 }, noEndpoints))).message, /no endpoints available for service "hook"/);
  });

  test('a webhook that does not answer in timeoutSeconds: context deadline exceeded; refused: connection refused', async () => {
    const ca = await createCA({ commonName: 'ca', keyAlgorithm: 'ecdsa' });
    const cert = await issueCert(ca, { commonName: 'w', ipAddresses: ['127.0.0.1'], usages: ['server'], keyAlgorithm: 'ecdsa' });
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, () => { /* never answers */ });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const caBundle = Buffer.from(ca.certPem).toString('base64');
    try {
      const t = await targetOf({ url: `https://127.0.0.1:${port}/hang` }, new FakeObjects(), 1);
      const err = await rejection(postReview(t, caBundle, {}, 1));
      assert.equal(err.message, `Post "https://127.0.0.1:${port}/hang?timeout=1s": context deadline exceeded`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const t = await targetOf({ url: `https://127.0.0.1:${port}/` }, new FakeObjects(), 10);
    const refused = await rejection(postReview(t, caBundle, {}, 10));
    assert.equal(refused.message, `Post "https://127.0.0.1:${port}/?timeout=10s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });
});
