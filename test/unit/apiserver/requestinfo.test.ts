import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../../../src/apiserver/requestinfo.js';

const q = (s = '') => new URLSearchParams(s);

test('namespaced resource paths', () => {
  const i = parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web-1', q());
  assert.deepEqual([i.isResourceRequest, i.verb, i.apiGroup, i.apiVersion, i.namespace, i.resource, i.name, i.subresource], [true, 'get', '', 'v1', 'default', 'pods', 'web-1', '']);
  const s = parseRequestInfo('PUT', '/apis/apps/v1/namespaces/ns1/deployments/d/scale', q());
  assert.deepEqual([s.verb, s.apiGroup, s.namespace, s.resource, s.name, s.subresource], ['update', 'apps', 'ns1', 'deployments', 'd', 'scale']);
});

test('list, watch and deletecollection verbs', () => {
  assert.equal(parseRequestInfo('GET', '/api/v1/pods', q()).verb, 'list');
  assert.equal(parseRequestInfo('GET', '/api/v1/pods', q('watch=true')).verb, 'watch');
  assert.equal(parseRequestInfo('GET', '/api/v1/watch/namespaces/a/pods', q()).verb, 'watch');
  assert.equal(parseRequestInfo('DELETE', '/api/v1/namespaces/a/pods', q()).verb, 'deletecollection');
  assert.equal(parseRequestInfo('POST', '/api/v1/namespaces/a/pods', q()).verb, 'create');
  assert.equal(parseRequestInfo('PATCH', '/api/v1/namespaces/a/pods/x', q()).verb, 'patch');
});

test('namespaces are objects, with status and finalize subresources', () => {
  const n = parseRequestInfo('GET', '/api/v1/namespaces/kube-system', q());
  assert.deepEqual([n.resource, n.name, n.namespace], ['namespaces', 'kube-system', '']);
  const f = parseRequestInfo('PUT', '/api/v1/namespaces/foo/finalize', q());
  assert.deepEqual([f.resource, f.name, f.subresource], ['namespaces', 'foo', 'finalize']);
  const all = parseRequestInfo('GET', '/api/v1/namespaces', q());
  assert.deepEqual([all.resource, all.verb], ['namespaces', 'list']);
});

test('non-resource paths', () => {
  for (const p of ['/', '/healthz', '/version', '/api', '/apis', '/api/v1', '/apis/apps', '/apis/apps/v1']) {
    assert.equal(parseRequestInfo('GET', p, q()).isResourceRequest, false, p);
  }
  const g = parseRequestInfo('GET', '/apis/apps/v1', q());
  assert.deepEqual([g.apiGroup, g.apiVersion], ['apps', 'v1']);
});
