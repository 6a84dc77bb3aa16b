// Probe handlers and the worker: httpGet (status codes, redirects, headers, errors), tcpSocket,
// the grpc health messages, ports by name, thresholds and Unhealthy events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { httpProbe, probeUserAgent } from '../../../../src/kubelet/prober/http.js';
import { tcpProbe } from '../../../../src/kubelet/prober/tcp.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from '../../../../src/kubelet/prober/grpc.js';
import { resolvePort } from '../../../../src/kubelet/prober/prober.js';
import { ProberManager } from '../../../../src/kubelet/prober/manager.js';
import type { ProbeOutcome } from '../../../../src/kubelet/prober/results.js';
import { logger } from '../../../../src/util/klog.js';

describe('httpGet probe', () => {
  let srv: http.Server;
  let port = 0;
  let lastHeaders: http.IncomingHttpHeaders = {};
  before(async () => {
    srv = http.createServer((req, res) => {
      lastHeaders = req.headers;
      if (req.url === '/ok') res.end('fine');
      else if (req.url === '/fail') (res.statusCode = 500), res.end('bad');
      else if (req.url === '/moved') (res.statusCode = 302), res.setHeader('location', '/ok'), res.end();
      else if (req.url === '/away') (res.statusCode = 302), res.setHeader('location', 'http://example.invalid/'), res.end('bye');
      else (res.statusCode = 404), res.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
  });
  after(() => srv.close());
  const probe = (path: string) => httpProbe({ url: new URL(`http://127.0.0.1:${port}${path}`), headers: { 'X-Custom': 'v' }, timeoutMs: 1000 });

  it('succeeds on 2xx with kube-probe headers', async () => {
    assert.deepEqual(await probe('/ok'), { result: 'success', output: 'fine' });
    assert.equal(lastHeaders['user-agent'], probeUserAgent);
    assert.equal(lastHeaders['x-custom'], 'v');
  });
  it('fails with the status code', async () => {
    assert.deepEqual(await probe('/fail'), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  });
  it('follows same-host redirects and warns on others', async () => {
    assert.equal((await probe('/moved')).result, 'success');
    assert.deepEqual(await probe('/away'), { result: 'warning', output: 'Probe terminated redirects, Response body: bye' });
  });
  it('reports a refused connection as Go prints it', async () => {
    const free = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const out = await httpProbe({ url: new URL(`http://127.0.0.1:${free}/x`), headers: {}, timeoutMs: 1000 });
    assert.deepEqual(out, { result: 'failure', output: `Get "http://127.0.0.1:${free}/x": dial tcp 127.0.0.1:${free}: connect: connection refused` });
  });
});

describe('tcpSocket probe', () => {
  let srv: Server;
  before(async () => {
    srv = createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  });
  after(() => srv.close());
  it('succeeds when the port accepts', async () => {
    assert.equal((await tcpProbe('127.0.0.1', (srv.address() as AddressInfo).port, 1000)).result, 'success');
  });
});

describe('grpc health messages', () => {
  it('encodes the service name and decodes the serving status', () => {
    assert.deepEqual(encodeHealthCheckRequest(''), Buffer.alloc(0));
    assert.deepEqual(encodeHealthCheckRequest('svc'), Buffer.from([0x0a, 3, 0x73, 0x76, 0x63]));
    assert.equal(decodeHealthCheckResponse(Buffer.from([0x08, 0x01])), 1);
    assert.equal(decodeHealthCheckResponse(Buffer.from([0x08, 0x02])), 2);
    assert.equal(decodeHealthCheckResponse(Buffer.alloc(0)), 0);
  });
});

describe('ports', () => {
  it('resolves a port by number or by name', () => {
    const c: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
    assert.equal(resolvePort(80, c), 80);
    assert.equal(resolvePort('http', c), 8080);
    assert.throws(() => resolvePort('grpc', c), /couldn't find port: grpc in c/);
  });
});

describe('ProberManager', () => {
  it('applies thresholds, records Unhealthy events and answers ready/started/failed', async () => {
    const events: string[] = [];
    const outcomes: ProbeOutcome[] = [];
    let changes = 0;
    const readiness: Probe = { exec: { command: ['true'] }, periodSeconds: 3600, successThreshold: 1, failureThreshold: 1 };
    const liveness: Probe = { exec: { command: ['true'] }, periodSeconds: 3600, failureThreshold: 2 };
    const c: Container = { name: 'app', readinessProbe: readiness, livenessProbe: liveness };
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [c] } };
    const m = new ProberManager({
      cri: {} as never,
      recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) },
      log: logger('test'),
      lookup: () => ({ containerId: 'cid', running: true, startedAtMs: 0, podIP: '10.0.0.1' }),
      onChange: () => changes++,
      run: async () => outcomes.shift() ?? { result: 'success', output: '' },
    });
    // the first ticks run right away with the default (success) outcome
    m.addPod(pod);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(m.ready('u', c, 'cid'), true);
    assert.equal(m.started('u', c, 'cid'), true);
    assert.equal(m.failed('u', c, 'cid'), undefined);
    // liveness: one failure is under the threshold, the second one fails the container
    const workers = (m as unknown as { workers: Map<string, Map<string, { doProbe(): Promise<void> }>> }).workers.get('u')!;
    outcomes.push({ result: 'failure', output: 'nope' });
    await workers.get('app/liveness')!.doProbe();
    assert.equal(m.failed('u', c, 'cid'), undefined);
    outcomes.push({ result: 'failure', output: 'nope' });
    await workers.get('app/liveness')!.doProbe();
    assert.equal(m.failed('u', c, 'cid')?.message, 'Container app failed liveness probe');
    assert.deepEqual(events, ['Warning Unhealthy Liveness probe failed: nope', 'Warning Unhealthy Liveness probe failed: nope']);
    // readiness flips with one failure
    outcomes.push({ result: 'failure', output: 'HTTP probe failed with statuscode: 503' });
    await workers.get('app/readiness')!.doProbe();
    assert.equal(m.ready('u', c, 'cid'), false);
    assert.ok(events.includes('Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 503'));
    assert.ok(changes >= 2);
    // a container without a readiness probe is ready as soon as it runs
    assert.equal(m.ready('u', { name: 'other' }, 'x'), true);
    m.stop();
  });

  it('holds liveness and readiness until the startup probe passes, and marks the container started', async () => {
    const runs: string[] = [];
    const outcomes: Record<string, ProbeOutcome[]> = { startup: [{ result: 'failure', output: 'not yet' }, { result: 'success', output: '' }] };
    const startup: Probe = { exec: { command: ['s'] }, periodSeconds: 3600, failureThreshold: 30 };
    const c: Container = { name: 'app', startupProbe: startup, livenessProbe: { exec: { command: ['l'] }, periodSeconds: 3600 }, readinessProbe: { exec: { command: ['r'] }, periodSeconds: 3600 } };
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u2' }, spec: { containers: [c] } };
    const m = new ProberManager({
      cri: {} as never,
      recorder: { event() {} },
      log: logger('test'),
      lookup: () => ({ containerId: 'cid2', running: true, startedAtMs: 0, podIP: '10.0.0.1' }),
      onChange: () => undefined,
      run: async (probe) => {
        const kind = probe === startup ? 'startup' : probe === c.livenessProbe ? 'liveness' : 'readiness';
        runs.push(kind);
        return outcomes[kind]?.shift() ?? { result: 'success', output: '' };
      },
    });
    m.addPod(pod);
    await new Promise((r) => setTimeout(r, 20));
    // the startup probe failed once (under its threshold): nothing else ran
    assert.deepEqual(runs, ['startup']);
    assert.equal(m.started('u2', c, 'cid2'), false);
    assert.equal(m.ready('u2', c, 'cid2'), false);
    const workers = (m as unknown as { workers: Map<string, Map<string, { doProbe(): Promise<void> }>> }).workers.get('u2')!;
    await workers.get('app/startup')!.doProbe();
    assert.equal(m.started('u2', c, 'cid2'), true);
    await workers.get('app/readiness')!.doProbe();
    await workers.get('app/liveness')!.doProbe();
    assert.deepEqual(runs, ['startup', 'startup', 'readiness', 'liveness']);
    assert.equal(m.ready('u2', c, 'cid2'), true);
    m.stop();
  });
});
