// The API server side of the kubelet, end to end: a `k8ts kube-apiserver` with upstream's
// --kubelet-* flags, and a FAKE kubelet (an HTTPS server in this test with a serving
// certificate from the cluster CA, requiring the API server's client certificate) that a Node
// object points at. The real kubectl runs logs (-f, query parameters), exec over WebSocket
// (v5.channel.k8s.io: stdin echoed, exit code from channel 3), raw SPDY and port-forward
// upgrades, nodes/pods/services proxy, upstream's errors, RBAC on pods/exec, and everything
// the Node authorizer and NodeRestriction let a kubelet (system:node:<name>) do.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { WebSocketServer } from 'ws';
import { H2Client, KUBECTL, freePort, hostIPv4, kc, kubectl, spawnK8ts, until } from './harness.js';
import type { ComponentProc } from './harness.js';
import { ensureServerPKI } from '../../src/pki/server-pki.js';
import { ensureAPIServerKubeletClientCert, ensureKubeletCerts, issueKubeletClientCert, loadCA } from '../../src/pki/kubelet-client.js';
import { issueCert } from '../../src/pki/certs.js';
import { buildKubeconfig, writeKubeconfig } from '../../src/pki/kubeconfig.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  clientCN: string;
}

/** The fake kubelet: records what reaches it and answers like the kubelet API would. */
class FakeKubelet {
  server: https.Server;
  seen: Seen[] = [];
  closedFollows = 0;
  private sockets = new Set<Socket>();
  private wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });

  constructor(cert: string, key: string, ca: string) {
    this.server = https.createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true }, (req, res) => this.serve(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    this.server.on('secureConnection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  listen(): Promise<number> {
    return new Promise((r) => this.server.listen(0, '0.0.0.0', () => r((this.server.address() as AddressInfo).port)));
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }

  private record(req: http.IncomingMessage): Seen {
    const cert = (req.socket as tls.TLSSocket).getPeerCertificate();
    const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, clientCN: String(cert?.subject?.CN ?? '') };
    this.seen.push(s);
    return s;
  }

  last(prefix: string): Seen | undefined {
    return [...this.seen].reverse().find((s) => s.url.startsWith(prefix));
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.record(req);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const parts = url.pathname.split('/');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (parts[1] === 'containerLogs') {
      const [, , ns, pod, container] = parts;
      if (container === 'waiting') {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (url.searchParams.get('follow') !== 'true') {
        res.end(`hello from ${ns}/${pod}/${container}\n`);
        return;
      }
      let n = 0;
      const t = setInterval(() => res.write(`line ${++n}\n`), 100);
      res.once('close', () => {
        clearInterval(t);
        this.closedFollows++;
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found');
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    this.record(req);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const container = url.pathname.split('/')[4];
    if (container === 'refuse') {
      const body = 'you must specify at least 1 of stdin, stdout, stderr';
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    if (String(req.headers.upgrade).toLowerCase() === 'websocket') {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // v5.channel.k8s.io: stdin (0) is echoed on stdout (1); when the client closes stdin
        // ([255, 0]) the "command" exits 3, reported on the error channel (3)
        ws.on('message', (data: Buffer) => {
          if (data[0] === 0) ws.send(Buffer.concat([Buffer.from([1]), data.subarray(1)]));
          if (data[0] === 255 && data[1] === 0) {
            const status = {
              metadata: {},
              status: 'Failure',
              message: 'command terminated with non-zero exit code: error executing command [cat], exit code 3',
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: '3' }] },
            };
            ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]), () => ws.close(1000));
          }
        });
      });
      return;
    }
    // SPDY/3.1 (or anything else): agree, then echo bytes so the test sees both directions
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${req.headers.upgrade}\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    if (head.length) socket.write(head);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => {});
  }
}

/** Send a raw HTTP/1.1 upgrade request to the API server; resolves with the response head and a socket. */
function rawUpgrade(server: string, creds: { ca: string; cert: string; key: string }, path: string, headers: Record<string, string>): Promise<{ head: string; sock: tls.TLSSocket; rest: Buffer }> {
  const u = new URL(server);
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: u.hostname, port: Number(u.port), ca: creds.ca, cert: creds.cert, key: creds.key, ALPNProtocols: ['http/1.1'] }, () => {
      const lines = [`POST ${path} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      resolve({ head: buf.subarray(0, end).toString(), sock, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.once('error', reject);
    setTimeout(() => reject(new Error(`no answer to upgrade of ${path}; got ${JSON.stringify(buf.toString())}`)), 10000).unref();
  });
}

function readMore(sock: tls.TLSSocket, already: Buffer, until: (b: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = already;
    if (until(buf)) return resolve(buf);
    const t = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(buf.toString())}`)), 10000);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (until(buf)) {
        clearTimeout(t);
        sock.off('data', onData);
        resolve(buf);
      }
    };
    sock.on('data', onData);
    sock.once('end', () => {
      clearTimeout(t);
      resolve(buf);
    });
  });
}

describe('API server → kubelet: logs, exec, attach, port-forward, proxy', () => {
  let dir: string;
  let apiserver: ComponentProc;
  let server: string;
  let admin: string;
  let kubelet: FakeKubelet;
  let kubeletPort: number;
  let deadPort: number;
  let creds: { ca: string; cert: string; key: string };
  const hostIP = hostIPv4();
  const userKubeconfig = async (name: string, cn: string, groups: string[]) => {
    const ca = await loadCA(join(dir, 'pki'));
    const pair = await issueCert(ca, { commonName: cn, organizations: groups, usages: ['client'], keyAlgorithm: 'ecdsa' });
    const path = join(dir, `${name}.kubeconfig`);
    await writeKubeconfig(path, buildKubeconfig({ server, caCertPem: ca.certPem, clientCertPem: pair.certPem, clientKeyPem: pair.keyPem, userName: name }));
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-proxy-e2e-'));
    const pki = await ensureServerPKI(dir, { serviceIP: '10.32.0.1', bindAddress: '127.0.0.1' });
    const kcl = await ensureAPIServerKubeletClientCert(join(dir, 'pki'));
    const kcerts = await ensureKubeletCerts({ caDir: join(dir, 'pki'), outDir: join(dir, 'kubelet'), nodeName: 'node-a', ipAddresses: ['127.0.0.1', hostIP] });
    const caPem = readFileSync(pki.caCertPath, 'utf8');
    kubelet = new FakeKubelet(readFileSync(kcerts.servingCertPath, 'utf8'), readFileSync(kcerts.servingKeyPath, 'utf8'), caPem);
    kubeletPort = await kubelet.listen();
    deadPort = await freePort();
    const port = await freePort();
    const auditPolicy = join(dir, 'audit-policy.yaml');
    writeFileSync(auditPolicy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
    apiserver = spawnK8ts([
      'kube-apiserver',
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${pki.serverCertPath}`,
      `--tls-private-key-file=${pki.serverKeyPath}`,
      `--client-ca-file=${pki.caCertPath}`,
      '--storage-backend=memory',
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--service-account-key-file=${pki.saPubPath}`,
      `--service-account-signing-key-file=${pki.saKeyPath}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--kubelet-client-certificate=${kcl.certPath}`,
      `--kubelet-client-key=${kcl.keyPath}`,
      `--kubelet-certificate-authority=${pki.caCertPath}`,
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      '--kubelet-timeout=3s',
      `--audit-policy-file=${auditPolicy}`,
      `--audit-log-path=${join(dir, 'audit.log')}`,
    ]);
    await apiserver.waitForLog(/kube-apiserver is ready/, 30000);
    server = `https://127.0.0.1:${port}`;
    creds = { ca: caPem, cert: readFileSync(pki.adminCertPath, 'utf8'), key: readFileSync(pki.adminKeyPath, 'utf8') };
    admin = join(dir, 'admin.kubeconfig');
    await writeKubeconfig(admin, buildKubeconfig({ server, caCertPem: caPem, clientCertPem: creds.cert, clientKeyPem: creds.key }));

    await kc(admin, ['-n', 'default', 'create', 'serviceaccount', 'default']);
    const node = (name: string, ip: string, p: number) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }], daemonEndpoints: { kubeletEndpoint: { Port: p } } },
    });
    for (const n of [node('node-a', '127.0.0.1', kubeletPort), node('node-proxy', hostIP, kubeletPort), node('deadnode', '127.0.0.1', deadPort)]) {
      await kc(admin, ['create', '-f', '-'], JSON.stringify(n));
      await kc(admin, ['patch', 'node', n.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: n.status })]);
    }
    const pod = (name: string, nodeName: string | undefined, containers: string[], init: string[] = []) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        ...(init.length ? { initContainers: init.map((c) => ({ name: c, image: 'busybox' })) } : {}),
        containers: containers.map((c) => ({ name: c, image: 'busybox', ports: [{ containerPort: 8080 }] })),
      },
    });
    for (const p of [pod('p', 'node-a', ['c']), pod('twopod', 'node-a', ['a', 'b'], ['init1']), pod('pending', undefined, ['c']), pod('deadpod', 'deadnode', ['c']), pod('waitpod', 'node-a', ['waiting'])]) {
      await kc(admin, ['create', '-f', '-'], JSON.stringify(p));
    }
  });

  after(async () => {
    await apiserver?.stop();
    await kubelet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl logs reaches /containerLogs with the API server identity and the query parameters', async () => {
    const out = await kc(admin, ['logs', 'p']);
    assert.equal(out, 'hello from default/p/c\n');
    const seen = kubelet.last('/containerLogs/default/p/c')!;
    assert.equal(seen.clientCN, 'kube-apiserver-kubelet-client');
    assert.equal(seen.headers.authorization, undefined);
    await kc(admin, ['logs', 'p', '--tail=5', '--timestamps', '--since=1h', '--limit-bytes=100', '--previous']);
    const q = new URL(kubelet.last('/containerLogs/default/p/c')!.url, 'https://x').searchParams;
    assert.deepEqual(Object.fromEntries(q), { limitBytes: '100', previous: 'true', sinceSeconds: '3600', tailLines: '5', timestamps: 'true' });
    await kc(admin, ['logs', 'p', '--since-time=2024-01-02T03:04:05Z']);
    assert.equal(new URL(kubelet.last('/containerLogs/default/p/c')!.url, 'https://x').searchParams.get('sinceTime'), '2024-01-02T03:04:05Z');
  });

  test('kubectl logs -f streams as lines arrive and the kubelet request ends when kubectl goes away', async () => {
    const before = kubelet.closedFollows;
    const p = spawn(KUBECTL, [`--kubeconfig=${admin}`, 'logs', '-f', 'p'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    try {
      await until(async () => /line 3\n/.test(out), 'three streamed lines', 15000, 50);
      assert.equal(kubelet.last('/containerLogs/default/p/c')!.url.includes('follow=true'), true);
    } finally {
      p.kill('SIGKILL');
    }
    await until(async () => kubelet.closedFollows > before, 'the kubelet stream to close after kubectl left', 10000, 50);
  });

  test('pods/log errors as upstream: container choice, validation, waiting, unscheduled, kubelet down', async () => {
    const two = await kubectl(admin, ['get', '--raw', '/api/v1/namespaces/default/pods/twopod/log']);
    assert.match(two.stderr, /a container name must be specified for pod twopod, choose one of: \[init1 a b\]/);
    const bad = await kubectl(admin, ['logs', 'p', '-c', 'nope']);
    assert.match(bad.stderr, /container nope is not valid for pod p/);
    const tail = await kubectl(admin, ['get', '--raw', '/api/v1/namespaces/default/pods/p/log?tailLines=-1']);
    assert.match(tail.stderr, /PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0/);
    const both = await kubectl(admin, ['get', '--raw', '/api/v1/namespaces/default/pods/p/log?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z']);
    assert.match(both.stderr, /at most one of `sinceTime` or `sinceSeconds` may be specified/);
    const waiting = await kubectl(admin, ['logs', 'waitpod']);
    assert.match(waiting.stderr, /Error from server \(BadRequest\): container "waiting" in pod "waitpod" is waiting to start: ContainerCreating/);
    const pending = await kubectl(admin, ['get', '--raw', '/api/v1/namespaces/default/pods/pending/log']);
    assert.equal(pending.code, 0, pending.stderr);
    assert.equal(pending.stdout, '');
    const missing = await kubectl(admin, ['logs', 'nosuchpod']);
    assert.match(missing.stderr, /pods "nosuchpod" not found/);
    const dead = await kubectl(admin, ['logs', 'deadpod']);
    assert.match(dead.stderr, new RegExp(`Get "https://127\\.0\\.0\\.1:${deadPort}/containerLogs/default/deadpod/c": dial tcp 127\\.0\\.0\\.1:${deadPort}: connect: connection refused`));
  });

  test('kubectl exec over WebSocket v5: stdin echoed, the exit code from channel 3', async () => {
    const r = await kubectl(admin, ['exec', '-i', 'p', '--', 'cat'], 'hello through the proxy\n');
    assert.equal(r.stdout, 'hello through the proxy\n');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /command terminated with exit code 3/);
    const seen = kubelet.last('/exec/default/p/c')!;
    assert.equal(seen.headers.upgrade, 'websocket');
    assert.equal(seen.clientCN, 'kube-apiserver-kubelet-client');
    const q = new URL(seen.url, 'https://x').searchParams;
    assert.deepEqual(q.getAll('command'), ['cat']);
    assert.equal(q.get('input'), '1');
    assert.equal(q.get('output'), '1');
  });

  test('connect requests are authorized with upstream verbs and audited (the upgrade as 101)', async () => {
    const events = () => readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const execs = await until(async () => {
      const ev = events().filter((e) => e.objectRef?.subresource === 'exec' && e.objectRef?.name === 'p' && e.stage === 'ResponseComplete');
      return ev.length ? ev : undefined;
    }, 'the exec audit event', 10000);
    // kubectl's WebSocket attempt is a GET (verb get), relayed as 101
    const ws = execs.find((e) => e.verb === 'get')!;
    assert.equal(ws.responseStatus.code, 101);
    assert.equal(ws.user.username, 'kubernetes-admin');
    assert.equal(ws.objectRef.resource, 'pods');
    assert.equal(ws.objectRef.namespace, 'default');
    const logs = events().find((e) => e.objectRef?.subresource === 'log' && e.stage === 'ResponseComplete')!;
    assert.equal(logs.verb, 'get');
    assert.equal(logs.responseStatus.code, 200);
  });

  test('a SPDY upgrade goes through byte for byte: path rewritten, credentials stripped, 101 relayed', async () => {
    const { head, sock, rest } = await rawUpgrade(server, creds, '/api/v1/namespaces/default/pods/p/exec?command=sh&command=-c&command=echo%20hi&stdin=true&stdout=true&tty=true', {
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
      Authorization: 'Bearer not-forwarded',
      'Content-Length': '0',
    });
    try {
      assert.match(head, /^HTTP\/1\.1 101 Switching Protocols/);
      assert.match(head, /X-Stream-Protocol-Version: v4\.channel\.k8s\.io/);
      const seen = kubelet.last('/exec/default/p/c')!;
      assert.equal(seen.url, '/exec/default/p/c?command=sh&command=-c&command=echo+hi&input=1&output=1&tty=1');
      assert.equal(seen.headers.upgrade, 'SPDY/3.1');
      assert.equal(seen.headers['x-stream-protocol-version'], 'v4.channel.k8s.io');
      assert.equal(seen.headers.authorization, undefined);
      assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
      sock.write('ping-pong');
      const echoed = await readMore(sock, rest, (b) => b.toString().includes('ping-pong'));
      assert.equal(echoed.toString(), 'ping-pong');
    } finally {
      sock.destroy();
    }
  });

  test('port-forward and attach upgrades reach /portForward and /attach; a kubelet refusal is relayed as-is', async () => {
    const pf = await rawUpgrade(server, creds, '/api/v1/namespaces/default/pods/p/portforward?ports=8080', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
    pf.sock.destroy();
    assert.match(pf.head, /^HTTP\/1\.1 101/);
    assert.equal(kubelet.last('/portForward/')!.url, '/portForward/default/p?port=8080');
    const at = await rawUpgrade(server, creds, '/api/v1/namespaces/default/pods/twopod/attach?container=b&stdout=true&stderr=true', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' });
    at.sock.destroy();
    assert.match(at.head, /^HTTP\/1\.1 101/);
    assert.equal(kubelet.last('/attach/')!.url, '/attach/default/twopod/b?error=1&output=1');
    // the kubelet's own 400 comes back untouched, then the connection closes
    await kc(admin, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'refusepod', namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'refuse', image: 'busybox' }] } }));
    const r = await rawUpgrade(server, creds, '/api/v1/namespaces/default/pods/refusepod/exec?stdout=true&command=x', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' });
    const body = await readMore(r.sock, r.rest, (b) => b.toString().includes('stderr'));
    r.sock.destroy();
    assert.match(r.head, /^HTTP\/1\.1 400 Bad Request/);
    assert.equal(body.toString(), 'you must specify at least 1 of stdin, stdout, stderr');
  });

  test('exec errors: no upgrade, no streams, unscheduled pod, kubelet down', async () => {
    const plain = await kubectl(admin, ['create', '--raw', '/api/v1/namespaces/default/pods/p/exec?command=ls&stdout=true', '-f', '-'], '{}');
    assert.match(plain.stderr, /Upgrade request required/);
    const none = await rawUpgrade(server, creds, '/api/v1/namespaces/default/pods/p/exec?command=ls', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' });
    none.sock.destroy();
    assert.match(none.head, /^HTTP\/1\.1 400/);
    const pend = await kubectl(admin, ['exec', 'pending', '--', 'ls']);
    assert.match(pend.stderr, /pod pending does not have a host assigned/);
    const dead = await kubectl(admin, ['exec', 'deadpod', '--', 'ls']);
    assert.notEqual(dead.code, 0);
    assert.match(dead.stderr, new RegExp(`error dialing backend: dial tcp 127\\.0\\.0\\.1:${deadPort}: connect: connection refused`));
  });

  test('nodes/proxy reaches the kubelet; loopback kubelets are refused as upstream', async () => {
    assert.equal(await kc(admin, ['get', '--raw', '/api/v1/nodes/node-proxy/proxy/healthz']), 'ok');
    const seen = kubelet.last('/healthz')!;
    assert.equal(seen.clientCN, 'kube-apiserver-kubelet-client');
    assert.equal(seen.headers['x-forwarded-uri'], '/api/v1/nodes/node-proxy/proxy/healthz');
    const notFound = await kubectl(admin, ['get', '--raw', '/api/v1/nodes/node-proxy/proxy/nothing-here']);
    assert.match(notFound.stderr, /NotFound|not found/);
    const loop = await kubectl(admin, ['get', '--raw', '/api/v1/nodes/node-a/proxy/healthz']);
    assert.match(loop.stderr, /address not allowed/);
    const none = await kubectl(admin, ['get', '--raw', '/api/v1/nodes/ghost/proxy/healthz']);
    assert.match(none.stderr, /nodes "ghost" not found/);
  });

  test('pods/proxy and services/proxy reach the pod IP over HTTP', async () => {
    // a plain HTTP "pod" on this host's address
    const web = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`web saw ${req.method} ${req.url}`);
    });
    await new Promise<void>((r) => web.listen(0, hostIP, () => r()));
    const webPort = (web.address() as AddressInfo).port;
    try {
      await kc(admin, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'busybox', ports: [{ containerPort: webPort }] }] } }));
      await kc(admin, ['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', podIP: hostIP, podIPs: [{ ip: hostIP }] } })]);
      assert.equal(await kc(admin, ['get', '--raw', '/api/v1/namespaces/default/pods/web/proxy/hello?x=1']), 'web saw GET /hello?x=1');
      assert.equal(await kc(admin, ['get', '--raw', `/api/v1/namespaces/default/pods/web:${webPort}/proxy/`]), 'web saw GET /');
      await kc(admin, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'websvc', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: webPort }] } }));
      const noEps = await kubectl(admin, ['get', '--raw', '/api/v1/namespaces/default/services/websvc:http/proxy/']);
      assert.match(noEps.stderr, /endpoints "websvc" not found|no endpoints available for service "websvc"/);
      await kc(admin, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'websvc', namespace: 'default' }, subsets: [{ addresses: [{ ip: hostIP, targetRef: { kind: 'Pod', namespace: 'default', name: 'web' } }], ports: [{ name: 'http', port: webPort }] }] }));
      assert.equal(await kc(admin, ['get', '--raw', '/api/v1/namespaces/default/services/websvc:http/proxy/svc']), 'web saw GET /svc');
      assert.equal(await kc(admin, ['get', '--raw', '/api/v1/namespaces/default/services/http:websvc:80/proxy/num']), 'web saw GET /num');
      const wrongPort = await kubectl(admin, ['get', '--raw', '/api/v1/namespaces/default/services/websvc:81/proxy/']);
      assert.match(wrongPort.stderr, /no service port 81 found for service "websvc"/);
      const down = await kubectl(admin, ['get', '--raw', `/api/v1/namespaces/default/pods/web:${deadPort}/proxy/`]);
      assert.match(down.stderr, new RegExp(`error trying to reach service: dial tcp ${hostIP.replace(/\./g, '\\.')}:${deadPort}: connect: connection refused`));
    } finally {
      await new Promise<void>((r) => web.close(() => r()));
    }
  });

  describe('what a kubelet (system:node:node-kb) may do: Node authorizer + NodeRestriction', () => {
    let node: string;
    let nodeClient: H2Client;
    const asNode = (args: string[], input?: string) => kubectl(node, args, input);
    /** A merge patch as the kubelet sends it (no GET first: nodes/status and pods/status are patch-only for nodes). */
    const patchAsNode = (path: string, body: unknown) => nodeClient.request('PATCH', path, body, { 'content-type': 'application/merge-patch+json' });
    const ok = async (args: string[], input?: string) => {
      const r = await asNode(args, input);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} as node-kb should be allowed:\n${r.stderr}`);
      return r.stdout;
    };
    const denied = async (args: string[], message: RegExp, input?: string) => {
      const r = await asNode(args, input);
      assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} as node-kb should be denied`);
      assert.match(r.stderr, message);
    };
    const json = (o: unknown) => JSON.stringify(o);

    before(async () => {
      const ca = await loadCA(join(dir, 'pki'));
      const pair = await issueKubeletClientCert(ca, 'node-kb');
      node = join(dir, 'node-kb.kubeconfig');
      await writeKubeconfig(node, buildKubeconfig({ server, caCertPem: ca.certPem, clientCertPem: pair.certPem, clientKeyPem: pair.keyPem, userName: 'system:node:node-kb' }));
      nodeClient = H2Client.fromKubeconfig(node);
      await kc(admin, ['-n', 'default', 'create', 'configmap', 'cm1', '--from-literal=a=1']);
      await kc(admin, ['-n', 'default', 'create', 'secret', 'generic', 's1', '--from-literal=a=1']);
      await kc(admin, ['-n', 'default', 'create', 'secret', 'generic', 's-other', '--from-literal=a=1']);
      await kc(admin, ['-n', 'default', 'create', 'serviceaccount', 'kbsa']);
      await kc(admin, ['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pvc1', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
      await kc(admin, ['create', '-f', '-'], json({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kbpod', namespace: 'default' },
        spec: {
          nodeName: 'node-kb', serviceAccountName: 'kbsa',
          containers: [{ name: 'c', image: 'busybox', env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's1', key: 'a' } } }], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'data', mountPath: '/data' }] }],
          volumes: [{ name: 'cfg', configMap: { name: 'cm1' } }, { name: 'data', persistentVolumeClaim: { claimName: 'pvc1' } }],
        },
      }));
    });

    after(() => nodeClient?.close());

    test('registers and updates its own Node and node status, not another node', async () => {
      await ok(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-kb', labels: { 'kubernetes.io/hostname': 'node-kb' } } }));
      await denied(['create', '-f', '-'], /node "node-kb" is not allowed to modify node "node-zz"/, json({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-zz' } }));
      await ok(['get', 'node', 'node-kb']);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const st = await patchAsNode('/api/v1/nodes/node-kb/status', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }] } });
      assert.equal(st.status, 200, st.body);
      await ok(['patch', 'node', 'node-kb', '--type=merge', '-p', json({ metadata: { annotations: { 'node.alpha.kubernetes.io/ttl': '0' } } })]);
      const other = await patchAsNode('/api/v1/nodes/node-a/status', { status: { phase: 'Running' } });
      assert.equal(other.status, 403);
      assert.match(other.json().message, /not allowed to modify node "node-a"/);
    });

    test('keeps its own Lease in kube-node-lease, no other', async () => {
      const lease = (name: string) => json({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') } });
      await ok(['create', '-f', '-'], lease('node-kb'));
      await ok(['-n', 'kube-node-lease', 'patch', 'lease', 'node-kb', '--type=merge', '-p', json({ spec: { renewTime: new Date().toISOString().replace('Z', '000Z') } })]);
      await ok(['-n', 'kube-node-lease', 'get', 'lease', 'node-kb']);
      await denied(['create', '-f', '-'], /can only access node lease with the same name as the requesting node/, lease('node-a'));
    });

    test('reads and watches the pods bound to it; updates their status only', async () => {
      const list = await ok(['get', 'pods', '-A', '--field-selector=spec.nodeName=node-kb', '-o', 'name']);
      assert.match(list, /pod\/kbpod/);
      assert.doesNotMatch(list, /pod\/p\b/);
      await ok(['-n', 'default', 'get', 'pod', 'kbpod']);
      await ok(['get', '--raw', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-kb&watch=true&timeoutSeconds=1']);
      const mine = await patchAsNode('/api/v1/namespaces/default/pods/kbpod/status', { status: { phase: 'Running', podIP: '10.244.9.9', podIPs: [{ ip: '10.244.9.9' }] } });
      assert.equal(mine.status, 200, mine.body);
      const theirs = await patchAsNode('/api/v1/namespaces/default/pods/p/status', { status: { phase: 'Running' } });
      assert.equal(theirs.status, 403);
      assert.match(theirs.json().message, /can only update pod status for pods with spec.nodeName set to itself/);
      await denied(['-n', 'default', 'delete', 'pod', 'p'], /can only delete pods with spec.nodeName set to itself/);
    });

    test('creates and deletes mirror pods of its static pods, and no other pods', async () => {
      const uid = (await kc(admin, ['get', 'node', 'node-kb', '-o', 'jsonpath={.metadata.uid}'])).trim();
      const mirror = (name: string, annotations: Record<string, string>) => json({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, namespace: 'default', annotations, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-kb', uid, controller: true }] },
        spec: { nodeName: 'node-kb', containers: [{ name: 'web', image: 'busybox' }] },
      });
      const annotations = { 'kubernetes.io/config.mirror': 'abc123', 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.hash': 'abc123' };
      await ok(['create', '-f', '-'], mirror('static-web-node-kb', annotations));
      await denied(['create', '-f', '-'], /pod does not have "kubernetes.io\/config.mirror" annotation, node "node-kb" can only create mirror pods/, mirror('plain-pod', {}));
      await ok(['-n', 'default', 'delete', 'pod', 'static-web-node-kb', '--wait=false']);
    });

    test('reads what every kubelet watches: services, nodes, runtime classes, CSI drivers, its CSINode', async () => {
      await ok(['get', 'services', '-A']);
      await ok(['get', '--raw', '/api/v1/nodes?fieldSelector=metadata.name%3Dnode-kb&watch=true&timeoutSeconds=1']);
      await ok(['get', 'runtimeclasses']);
      await ok(['get', 'csidrivers']);
      await ok(['create', '-f', '-'], json({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-kb' }, spec: { drivers: [] } }));
      await denied(['create', '-f', '-'], /forbidden/, json({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-a' }, spec: { drivers: [] } }));
    });

    test('records events', async () => {
      await ok(['create', '-f', '-'], json({
        apiVersion: 'v1', kind: 'Event', metadata: { name: 'node-kb.starting', namespace: 'default' },
        involvedObject: { kind: 'Node', name: 'node-kb', uid: 'node-kb' }, reason: 'Starting', message: 'Starting kubelet.', type: 'Normal', source: { component: 'kubelet', host: 'node-kb' },
      }));
    });

    test('gets the secrets, configmaps and PVCs its pods use (also by metadata.name list and watch), nothing else', async () => {
      await until(async () => (await asNode(['-n', 'default', 'get', 'secret', 's1'])).code === 0, 'the node graph to include kbpod', 15000);
      await ok(['-n', 'default', 'get', 'configmap', 'cm1']);
      await ok(['-n', 'default', 'get', 'pvc', 'pvc1']);
      await ok(['-n', 'default', 'get', 'secrets', '--field-selector=metadata.name=s1']);
      await ok(['get', '--raw', '/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Ds1&watch=true&timeoutSeconds=1']);
      await ok(['get', '--raw', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dcm1&watch=true&timeoutSeconds=1']);
      await denied(['-n', 'default', 'get', 'secret', 's-other'], /no relationship found between node 'node-kb' and this object/);
      await denied(['-n', 'default', 'get', 'secrets'], /Forbidden/);
    });

    test('requests pod-bound tokens for its pods\' service accounts only', async () => {
      const podUID = (await kc(admin, ['-n', 'default', 'get', 'pod', 'kbpod', '-o', 'jsonpath={.metadata.uid}'])).trim();
      const token = (await ok(['-n', 'default', 'create', 'token', 'kbsa', '--bound-object-kind=Pod', '--bound-object-name=kbpod', `--bound-object-uid=${podUID}`])).trim();
      assert.match(token, /^eyJ/);
      await denied(['-n', 'default', 'create', 'token', 'kbsa'], /node requested token not bound to a pod/);
      await denied(['-n', 'default', 'create', 'token', 'kbsa', '--bound-object-kind=Pod', '--bound-object-name=kbpod'], /node requested token with a pod binding without a uid/);
      const otherUID = (await kc(admin, ['-n', 'default', 'get', 'pod', 'p', '-o', 'jsonpath={.metadata.uid}'])).trim();
      await denied(['-n', 'default', 'create', 'token', 'default', '--bound-object-kind=Pod', '--bound-object-name=p', `--bound-object-uid=${otherUID}`], /no relationship found between node 'node-kb' and this object/);
      // the kubelet's webhook authentication and authorization
      const review = JSON.parse(await ok(['create', '-o', 'json', '-f', '-'], json({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } })));
      assert.equal(review.status.authenticated, true);
      assert.equal(review.status.user.username, 'system:serviceaccount:default:kbsa');
      const sar = JSON.parse(await ok(['create', '-o', 'json', '-f', '-'], json({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'viewer', resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'node-kb' } } })));
      assert.equal(sar.status.allowed, false);
    });

    test('creates CertificateSigningRequests for its client certificate', async () => {
      const keyPath = join(dir, 'node-kb-csr.key');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      writeFileSync(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const csrPem = execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', '/O=system:nodes/CN=system:node:node-kb'], { encoding: 'utf8' });
      await ok(['create', '-f', '-'], json({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'node-csr-node-kb' }, spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] } }));
      await ok(['get', 'csr', 'node-csr-node-kb']);
    });
  });

  test('RBAC: a user who may read logs but not exec gets 403 on pods/exec', async () => {
    await kc(admin, ['-n', 'default', 'create', 'role', 'log-reader', '--verb=get,list', '--resource=pods,pods/log']);
    await kc(admin, ['-n', 'default', 'create', 'rolebinding', 'viewer-logs', '--role=log-reader', '--user=viewer']);
    const viewer = await userKubeconfig('viewer', 'viewer', []);
    assert.equal(await kc(viewer, ['logs', 'p']), 'hello from default/p/c\n');
    const r = await kubectl(viewer, ['exec', 'p', '--', 'ls']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pods "p" is forbidden: User "viewer" cannot (create|get) resource "pods\/exec" in API group "" in the namespace "default"/);
    const pf = await kubectl(viewer, ['get', '--raw', '/api/v1/nodes/node-proxy/proxy/healthz']);
    assert.match(pf.stderr, /cannot get resource "nodes\/proxy"/);
  });
});
