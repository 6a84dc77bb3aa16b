// Authentication and authorization of kubelet API requests: node attributes per path and method
// (upstream's nodeAuthorizerAttributesGetter), the 403 message, TokenReview/SubjectAccessReview
// bodies and their caching, anonymous requests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { apiVerb, forbiddenMessage, requestAttributes, subresourceFor } from '../../../../src/kubelet/server/attributes.js';
import { newAuthenticator } from '../../../../src/kubelet/server/authn.js';
import { newAuthorizer, subjectAccessReview } from '../../../../src/kubelet/server/authz.js';
import type { RestClient } from '../../../../src/client/rest.js';
import { logger } from '../../../../src/util/klog.js';

function fakeClient(answer: (resource: string, body: any) => any): { client: RestClient; calls: { resource: string; body: any }[] } {
  const calls: { resource: string; body: any }[] = [];
  const client = {
    async create(ref: { resource: string }, body: unknown) {
      calls.push({ resource: ref.resource, body });
      return answer(ref.resource, body);
    },
  } as unknown as RestClient;
  return { client, calls };
}

const req = (headers: Record<string, string> = {}) => ({ headers, socket: {} }) as unknown as IncomingMessage;

describe('kubelet authorization attributes', () => {
  it('maps HTTP methods to API verbs', () => {
    assert.deepEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map(apiVerb), ['get', 'create', 'update', 'patch', 'delete']);
  });

  it('uses stats, metrics and log for their trees and proxy for everything else', () => {
    assert.equal(subresourceFor('/stats/summary'), 'stats');
    assert.equal(subresourceFor('/stats'), 'stats');
    assert.equal(subresourceFor('/metrics'), 'metrics');
    assert.equal(subresourceFor('/metrics/cadvisor'), 'metrics');
    assert.equal(subresourceFor('/logs/syslog'), 'log');
    assert.equal(subresourceFor('/statsx'), 'proxy');
    for (const p of ['/exec/ns/p/c', '/attach/ns/p/c', '/portForward/ns/p', '/run/ns/p/c', '/containerLogs/ns/p/c', '/pods', '/healthz', '/configz']) assert.equal(subresourceFor(p), 'proxy', p);
  });

  it('builds nodes/<name> attributes and upstream 403 text', () => {
    const a = requestAttributes({ name: 'alice', groups: ['dev'] }, 'POST', '/exec/default/p/c', 'node-1');
    assert.equal(a.verb, 'create');
    assert.equal(a.resource, 'nodes');
    assert.equal(a.name, 'node-1');
    assert.equal(forbiddenMessage(a), 'Forbidden (user=alice, verb=create, resource=nodes, subresource=proxy)');
    const sar = subjectAccessReview(a) as any;
    assert.deepEqual(sar.spec, { user: 'alice', groups: ['dev'], resourceAttributes: { verb: 'create', version: 'v1', resource: 'nodes', subresource: 'proxy', name: 'node-1' } });
  });
});

describe('kubelet authentication', () => {
  const log = logger('test');

  it('reviews bearer tokens with TokenReview and caches the answer', async () => {
    const { client, calls } = fakeClient((_r, body) => ({ status: body.spec.token === 'good' ? { authenticated: true, user: { username: 'bob', groups: ['g1'], uid: 'u1' } } : { authenticated: false } }));
    const authn = newAuthenticator({ x509: true, webhook: true, cacheTTLMs: 60_000, anonymous: false, client, log });
    assert.deepEqual(await authn(req({ authorization: 'Bearer good' })), { name: 'bob', groups: ['g1'], uid: 'u1', extra: undefined });
    await authn(req({ authorization: 'Bearer good' }));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.resource, 'tokenreviews');
    assert.equal(await authn(req({ authorization: 'Bearer bad' })), undefined);
    await authn(req({ authorization: 'Bearer bad' }));
    assert.equal(calls.length, 2);
  });

  it('is anonymous only when enabled, and never with a rejected token', async () => {
    const { client } = fakeClient(() => ({ status: { authenticated: false } }));
    const on = newAuthenticator({ x509: true, webhook: true, cacheTTLMs: 0, anonymous: true, client, log });
    const off = newAuthenticator({ x509: true, webhook: true, cacheTTLMs: 0, anonymous: false, client, log });
    assert.deepEqual(await on(req()), { name: 'system:anonymous', groups: ['system:unauthenticated'] });
    assert.equal(await off(req()), undefined);
    assert.equal(await on(req({ authorization: 'Bearer nope' })), undefined);
  });
});

describe('kubelet authorizer', () => {
  it('AlwaysAllow never calls the API server', async () => {
    const { client, calls } = fakeClient(() => ({}));
    const authz = newAuthorizer({ mode: 'AlwaysAllow', client, authorizedTTLMs: 1, unauthorizedTTLMs: 1 });
    assert.equal((await authz(requestAttributes({ name: 'x', groups: [] }, 'GET', '/pods', 'n'))).allowed, true);
    assert.equal(calls.length, 0);
  });

  it('Webhook asks with a SubjectAccessReview and caches allowed and denied answers', async () => {
    const { client, calls } = fakeClient((_r, body) => ({ status: { allowed: body.spec.user === 'admin' } }));
    const authz = newAuthorizer({ mode: 'Webhook', client, authorizedTTLMs: 60_000, unauthorizedTTLMs: 60_000 });
    const admin = requestAttributes({ name: 'admin', groups: [] }, 'GET', '/stats/summary', 'n');
    const eve = requestAttributes({ name: 'eve', groups: [] }, 'GET', '/stats/summary', 'n');
    assert.equal((await authz(admin)).allowed, true);
    assert.equal((await authz(eve)).allowed, false);
    await authz(admin);
    await authz(eve);
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.resource, 'subjectaccessreviews');
    assert.equal(calls[0]!.body.spec.resourceAttributes.subresource, 'stats');
  });
});
