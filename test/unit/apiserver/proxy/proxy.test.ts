// Unit tests for the connect subresources' pieces: option decoding and validation (upstream's
// messages), kubelet query forms, node address selection, container defaulting, location
// building, proxy target checks, redirect rewriting, the backend-status mapping, the upgrade
// request head, and Go-style dial errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { StatusError } from '../../../../src/apimachinery/errors.js';
import { logQuery, parsePodLogOptions, parsePodStreamOptions, parsePortForwardOptions, portForwardQuery, queryBool, streamQuery, validatePodStreamOptions } from '../../../../src/apiserver/proxy/options.js';
import {
  ProxyError,
  isGlobalUnicast,
  isNonProxyableIP,
  kubeletLocation,
  locationURL,
  nodeProxyLocation,
  podProxyLocation,
  preferredNodeAddress,
  serviceProxyLocation,
  splitSchemeNamePort,
  validateContainer,
} from '../../../../src/apiserver/proxy/location.js';
import { appendForwardedFor, checkResponse, forwardableHeaders, rewriteLocationHeader } from '../../../../src/apiserver/proxy/forward.js';
import { upgradeRequestHead } from '../../../../src/apiserver/proxy/upgrade.js';
import { goNetError } from '../../../../src/apiserver/proxy/transport.js';
import { isConnectRequest, proxySubpath } from '../../../../src/apiserver/proxy/connect.js';
import { parseRequestInfo } from '../../../../src/apiserver/requestinfo.js';

const q = (s: string) => new URLSearchParams(s);
const status = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
};

test('PodLogOptions: decoding, validation messages and the kubelet query', () => {
  const o = parsePodLogOptions(q('container=c&follow=true&previous=1&timestamps=false&tailLines=10&limitBytes=5&sinceSeconds=30'), 'p');
  assert.deepEqual({ ...o }, { container: 'c', follow: true, previous: true, timestamps: false, sinceSeconds: 30, sinceTime: undefined, tailLines: 10, limitBytes: 5, insecureSkipTLSVerifyBackend: false });
  assert.equal(logQuery(o), 'follow=true&limitBytes=5&previous=true&sinceSeconds=30&tailLines=10');
  assert.equal(logQuery(parsePodLogOptions(q('sinceTime=2024-05-06T07:08:09.123Z'), 'p')), 'sinceTime=2024-05-06T07%3A08%3A09Z');
  const neg = status(() => parsePodLogOptions(q('tailLines=-1&limitBytes=0'), 'p'));
  assert.equal(neg.code, 422);
  assert.equal(neg.message, 'PodLogOptions "p" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]');
  assert.match(status(() => parsePodLogOptions(q('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z'), 'p')).message, /at most one of `sinceTime` or `sinceSeconds` may be specified/);
  assert.match(status(() => parsePodLogOptions(q('sinceSeconds=0'), 'p')).message, /sinceSeconds: Invalid value: 0: must be greater than 0/);
  const syntax = status(() => parsePodLogOptions(q('tailLines=abc'), 'p'));
  assert.equal(syntax.code, 400);
  assert.equal(syntax.message, 'strconv.ParseInt: parsing "abc": invalid syntax');
  assert.equal(status(() => parsePodLogOptions(q('sinceTime=yesterday'), 'p')).code, 400);
  assert.equal(queryBool(q('x=0'), 'x'), false);
  assert.equal(queryBool(q('x=yes'), 'x'), true);
  assert.equal(queryBool(q(''), 'x'), false);
});

test('exec/attach/portforward options and their kubelet queries', () => {
  const o = parsePodStreamOptions(q('command=sh&command=-c&command=echo hi&stdin=true&stdout=1&stderr=false&tty=true&container=c'));
  assert.deepEqual(o, { container: 'c', stdin: true, stdout: true, stderr: false, tty: true, command: ['sh', '-c', 'echo hi'] });
  assert.equal(streamQuery(o, true), 'command=sh&command=-c&command=echo+hi&input=1&output=1&tty=1');
  assert.equal(streamQuery(o, false), 'input=1&output=1&tty=1');
  assert.equal(status(() => validatePodStreamOptions(parsePodStreamOptions(q('command=ls')))).message, 'you must specify at least 1 of stdin, stdout, stderr');
  assert.deepEqual(parsePortForwardOptions(q('ports=80&ports=8080,9090')).ports, [80, 8080, 9090]);
  assert.equal(portForwardQuery({ ports: [80, 443] }), 'port=80%2C443');
  assert.equal(portForwardQuery({ ports: [] }), '');
  assert.equal(status(() => parsePortForwardOptions(q('ports=x'))).code, 400);
  assert.equal(status(() => parsePortForwardOptions(q('ports=70000'))).code, 400);
});

test('preferred node address follows --kubelet-preferred-address-types; port from daemonEndpoints', () => {
  const node = { status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.5' }, { type: 'ExternalIP', address: '1.2.3.4' }], daemonEndpoints: { kubeletEndpoint: { Port: 10255 } } } };
  assert.equal(preferredNodeAddress(node, ['InternalIP', 'Hostname']), '10.0.0.5');
  assert.equal(preferredNodeAddress(node, ['Hostname', 'InternalIP']), 'n1');
  assert.equal(preferredNodeAddress(node, ['InternalDNS', 'ExternalIP']), '1.2.3.4');
  assert.throws(() => preferredNodeAddress(node, ['InternalDNS']), (e: Error) => e instanceof ProxyError && e.message === 'no preferred addresses found; known addresses: [{Hostname n1} {InternalIP 10.0.0.5} {ExternalIP 1.2.3.4}]');
  const cfg = { preferredAddressTypes: ['InternalIP'], defaultPort: 10250 };
  const loc = kubeletLocation(node, cfg, ['containerLogs', 'ns', 'p', 'c'], 'follow=true');
  assert.equal(locationURL(loc), 'https://10.0.0.5:10255/containerLogs/ns/p/c?follow=true');
  const v6 = kubeletLocation({ status: { addresses: [{ type: 'InternalIP', address: 'fd00::1' }] } }, cfg, ['portForward', 'ns', 'p'], '', true);
  assert.equal(locationURL(v6), 'https://[fd00::1]:10250/portForward/ns/p');
  assert.equal(v6.transport, 'kubelet-insecure');
});

test('container defaulting and validation as upstream', () => {
  const one = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } };
  assert.equal(validateContainer(one, ''), 'c');
  assert.equal(validateContainer(one, 'c'), 'c');
  const two = { metadata: { name: 'p2' }, spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b' }], ephemeralContainers: [{ name: 'dbg' }] } };
  assert.equal(status(() => validateContainer(two, '')).message, 'a container name must be specified for pod p2, choose one of: [i a b dbg]');
  assert.equal(validateContainer(two, 'dbg'), 'dbg');
  assert.equal(status(() => validateContainer(two, 'x')).message, 'container x is not valid for pod p2');
  assert.equal(status(() => validateContainer({ metadata: { name: 'e' }, spec: { containers: [] } }, '')).message, 'a container name must be specified for pod e');
});

test('scheme:name:port ids and proxy target checks', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  assert.deepEqual(splitSchemeNamePort('web:8080'), { scheme: '', name: 'web', port: '8080' });
  assert.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
  assert.equal(splitSchemeNamePort('ftp:web:21'), undefined);
  assert.equal(splitSchemeNamePort(':80'), undefined);
  assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
  for (const ip of ['127.0.0.1', '169.254.1.1', '224.0.0.5', '::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1']) assert.equal(isNonProxyableIP(ip), true, ip);
  for (const ip of ['10.0.0.1', '192.0.2.2', 'fd00::1', '2001:db8::1']) assert.equal(isNonProxyableIP(ip), false, ip);
  for (const ip of ['10.244.1.2', '8.8.8.8', 'fd00::5']) assert.equal(isGlobalUnicast(ip), true, ip);
  for (const ip of ['127.0.0.1', '0.0.0.0', '255.255.255.255', '224.1.1.1', '169.254.3.3', '::', '::1', 'fe80::2']) assert.equal(isGlobalUnicast(ip), false, ip);
});

test('node, pod and service proxy locations', async () => {
  const node = { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } };
  const cfg = { preferredAddressTypes: ['InternalIP'], defaultPort: 10250 };
  assert.deepEqual(await nodeProxyLocation(node, cfg, '', '', '/healthz', ''), { scheme: 'https', host: '10.0.0.5', port: '10250', path: '/healthz', query: '', transport: 'kubelet' });
  assert.equal((await nodeProxyLocation(node, cfg, '10250', 'http', '/x', '')).transport, 'kubelet');
  assert.deepEqual(await nodeProxyLocation(node, cfg, '9100', '', '/metrics', 'a=1'), { scheme: 'http', host: '10.0.0.5', port: '9100', path: '/metrics', query: 'a=1', transport: 'proxy' });
  await assert.rejects(nodeProxyLocation({ status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }, cfg, '', '', '/', ''), /address not allowed/);

  const pod = { spec: { containers: [{ name: 'a' }, { name: 'b', ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }] }, status: { podIPs: [{ ip: '10.244.0.7' }] } };
  assert.equal(locationURL(podProxyLocation(pod, '', '', '/x', '')), 'http://10.244.0.7:8080/x');
  assert.equal(locationURL(podProxyLocation(pod, 'https', '443', '/', 'q=1')), 'https://10.244.0.7:443/?q=1');
  assert.equal(status(() => podProxyLocation({ spec: {}, status: {} }, '', '', '/', '')).message, 'address not allowed');

  const svc = { spec: { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9100 }] } };
  const eps = {
    metadata: { namespace: 'ns' },
    subsets: [
      { addresses: [{ ip: '10.244.0.7', targetRef: { kind: 'Pod', namespace: 'ns', name: 'w1' } }, { ip: '10.244.0.8' }], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }] },
    ],
  };
  const ips = (_ns: string, name: string) => (name === 'w1' ? ['10.244.0.7'] : undefined);
  const first = () => 0;
  const id = (raw: string) => ({ ...splitSchemeNamePort(raw)!, raw });
  assert.equal(locationURL(serviceProxyLocation(svc, eps, id('web:http'), ips, '/p', '', first)), 'http://10.244.0.7:8080/p');
  assert.equal(locationURL(serviceProxyLocation(svc, eps, id('https:web:9100'), ips, '/', '', first)), 'https://10.244.0.7:9100/');
  // an address without a pod behind it is never used
  const last = (n: number) => n - 1;
  assert.equal(serviceProxyLocation(svc, eps, id('web:http'), ips, '/', '', last).host, '10.244.0.7');
  assert.equal(status(() => serviceProxyLocation(svc, eps, id('web:81'), ips, '/', '', first)).message, 'no service port 81 found for service "web"');
  assert.equal(status(() => serviceProxyLocation(svc, { subsets: [] }, id('web'), ips, '/', '', first)).message, 'no endpoints available for service "web"');
  const none = status(() => serviceProxyLocation(svc, eps, id('web:other'), ips, '/', '', first));
  assert.equal(none.code, 503);
  assert.equal(none.message, 'no endpoints available for service "web:other"');
});

test('list/watch with a metadata.name field selector names the object for authorization (upstream RequestInfo)', () => {
  const r = (url: string) => {
    const [path, qs] = url.split('?');
    return parseRequestInfo('GET', path, new URLSearchParams(qs ?? ''));
  };
  assert.equal(r('/api/v1/namespaces/ns/secrets?fieldSelector=metadata.name%3Ds1&watch=true').selectorName, 's1');
  assert.equal(r('/api/v1/namespaces/ns/secrets?fieldSelector=metadata.name%3D%3Ds1').verb, 'list');
  assert.equal(r('/api/v1/namespaces/ns/secrets?fieldSelector=metadata.name%3D%3Ds1').selectorName, 's1');
  assert.equal(r('/api/v1/namespaces/ns/secrets?fieldSelector=metadata.name%3Ds1').name, '', 'routing still sees a collection');
  assert.equal(r('/api/v1/namespaces/ns/secrets?fieldSelector=metadata.name!%3Ds1').selectorName, undefined);
  assert.equal(r('/api/v1/namespaces/ns/secrets?fieldSelector=metadata.namespace%3Dns').selectorName, undefined);
});

test('connect routing and proxied sub-paths', () => {
  const info = (method: string, path: string) => parseRequestInfo(method, path, new URLSearchParams());
  assert.equal(isConnectRequest(info('GET', '/api/v1/namespaces/ns/pods/p/log')), true);
  assert.equal(isConnectRequest(info('POST', '/api/v1/namespaces/ns/pods/p/exec')), true);
  assert.equal(isConnectRequest(info('GET', '/api/v1/nodes/n/proxy/healthz')), true);
  assert.equal(isConnectRequest(info('PUT', '/api/v1/namespaces/ns/services/s:80/proxy/a/b')), true);
  assert.equal(isConnectRequest(info('GET', '/api/v1/namespaces/ns/pods/p/status')), false);
  assert.equal(isConnectRequest(info('GET', '/apis/apps/v1/namespaces/ns/deployments/d/proxy')), false);
  assert.deepEqual(proxySubpath('/api/v1/nodes/n/proxy/metrics/cadvisor', info('GET', '/api/v1/nodes/n/proxy/metrics/cadvisor')), { path: '/metrics/cadvisor', prepend: '/api/v1/nodes/n/proxy' });
  assert.deepEqual(proxySubpath('/api/v1/nodes/n/proxy', info('GET', '/api/v1/nodes/n/proxy')), { path: '', prepend: '/api/v1/nodes/n/proxy' });
  const p = '/api/v1/namespaces/ns/pods/web:80/proxy/a%20b/';
  assert.deepEqual(proxySubpath(p, info('GET', p)), { path: '/a%20b/', prepend: '/api/v1/namespaces/ns/pods/web:80/proxy' });
});

test('forwarded headers, redirect rewriting and backend statuses', () => {
  const h = forwardableHeaders({ ':method': 'GET', host: 'a', authorization: 'Bearer x', 'impersonate-user': 'u', connection: 'keep-alive, x-custom', 'x-custom': '1', 'transfer-encoding': 'chunked', accept: 'text/plain' });
  assert.deepEqual(h, { host: 'a', accept: 'text/plain' });
  assert.equal(appendForwardedFor('1.1.1.1', '127.0.0.1'), '1.1.1.1, 127.0.0.1');
  assert.equal(appendForwardedFor(undefined, '127.0.0.1'), '127.0.0.1');
  const pre = '/api/v1/namespaces/ns/services/web/proxy';
  assert.equal(rewriteLocationHeader('/login?next=/', '10.0.0.7:8080', 'api:6443', pre), `${pre}/login?next=/`);
  assert.equal(rewriteLocationHeader('http://10.0.0.7:8080/x/', '10.0.0.7:8080', 'api:6443', pre), `${pre}/x/`);
  assert.equal(rewriteLocationHeader('https://api:6443/y', '10.0.0.7:8080', 'api:6443', pre), `https://api:6443${pre}/y`);
  assert.equal(rewriteLocationHeader('https://example.com/z', '10.0.0.7:8080', 'api:6443', pre), 'https://example.com/z');
  assert.equal(rewriteLocationHeader('relative/path', '10.0.0.7:8080', 'api:6443', pre), 'relative/path');
  assert.equal(rewriteLocationHeader(`${pre}/already`, '10.0.0.7:8080', 'api:6443', pre), `${pre}/already`);

  assert.equal(checkResponse(200, '', 'pods/log', 'p'), undefined);
  assert.equal(checkResponse(400, 'container "c" in pod "p" is waiting to start: ContainerCreating', 'pods/log', 'p')!.message, 'container "c" in pod "p" is waiting to start: ContainerCreating');
  const ise = checkResponse(500, 'boom', 'pods/log', 'p')!;
  assert.equal(ise.reason, 'InternalError');
  assert.equal(ise.message, 'Internal error occurred: boom');
  const nf = checkResponse(404, 'x', 'pods/log', 'p')!;
  assert.deepEqual([nf.code, nf.reason, nf.message], [404, 'NotFound', 'the server could not find the requested resource ( pods/log p)']);
  const fb = checkResponse(403, 'Forbidden (user=kube-apiserver, verb=get, resource=nodes, subresource=log)', 'pods/log', 'p')!;
  assert.equal(fb.message, 'Forbidden (user=kube-apiserver, verb=get, resource=nodes, subresource=log) ( pods/log p)');
  assert.match(checkResponse(502, 'bad', 'pods/log', 'p')!.message, /^an error on the server \("bad"\) has prevented the request from succeeding/);
});

test('the upgrade request head: path rewritten, credentials dropped, X-Forwarded-For appended', () => {
  const req = {
    method: 'POST',
    rawHeaders: ['Host', 'api:6443', 'Connection', 'Upgrade', 'Upgrade', 'SPDY/3.1', 'Authorization', 'Bearer t', 'Impersonate-User', 'u', 'X-Forwarded-For', '9.9.9.9', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io'],
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const head = upgradeRequestHead(req, { scheme: 'https', host: '10.0.0.5', port: '10250', path: '/exec/ns/p/c', query: 'command=ls&output=1', transport: 'kubelet' });
  assert.equal(head, 'POST /exec/ns/p/c?command=ls&output=1 HTTP/1.1\r\nHost: api:6443\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Forwarded-For: 9.9.9.9, 127.0.0.1\r\n\r\n');
});

test('dial and TLS failures read as Go writes them', () => {
  const e = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);
  assert.equal(goNetError(e('ECONNREFUSED'), '10.0.0.5:10250', 'dial'), 'dial tcp 10.0.0.5:10250: connect: connection refused');
  assert.equal(goNetError(e('ETIMEDOUT'), '10.0.0.5:10250', 'dial'), 'dial tcp 10.0.0.5:10250: i/o timeout');
  assert.equal(goNetError(e('EHOSTUNREACH'), '10.0.0.5:10250', 'dial'), 'dial tcp 10.0.0.5:10250: connect: no route to host');
  assert.equal(goNetError(e('ENOTFOUND'), 'n1:10250', 'dial', 'n1'), 'dial tcp: lookup n1: no such host');
  assert.equal(goNetError(e('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'x', 'tls'), 'tls: failed to verify certificate: x509: certificate signed by unknown authority');
  assert.equal(goNetError(e('ERR_TLS_CERT_ALTNAME_INVALID', { host: '10.0.0.9', cert: { subjectaltname: 'DNS:n1, IP Address:10.0.0.5' } }), 'x', 'tls'), 'tls: failed to verify certificate: x509: certificate is valid for n1, 10.0.0.5, not 10.0.0.9');
});
