// The kubelet API on a real containerd, end to end.
//  1. The server alone: a pod made directly through CRI (busybox httpd and a stdin reader), the
//     kubelet server started with a fake pod list, a client CA made here and an API server for
//     TokenReview/SubjectAccessReview; /exec, /attach, /portForward driven with this repo's
//     WebSocket and SPDY clients, /containerLogs and the rest with plain HTTPS; 401 and 403.
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Registry } from 'prom-client';
import { RestClient } from '../../src/client/rest.js';
import type { PodSandboxConfig } from '../../src/cri/types.js';
import { defaultKubeletConfiguration } from '../../src/kubelet/config/defaults.js';
import { startKubeletServer } from '../../src/kubelet/server/index.js';
import type { KubeletServer } from '../../src/kubelet/server/types.js';
import { createCA, issueCert } from '../../src/pki/certs.js';
import type { CertKeyPair } from '../../src/pki/certs.js';
import { execSpdy, execWebSocket } from '../../src/streaming/remotecommand/client.js';
import { dialPortForward, forwardOnce } from '../../src/streaming/portforward/client.js';
import { logger } from '../../src/util/klog.js';
import { freePort, kc, startServer, until } from './harness.js';
import type { ServerProc } from './harness.js';
import { startTestRuntime } from './runtime.js';
import type { TestRuntime } from './runtime.js';

interface Reply {
  status: number;
  body: string;
}

function get(url: string, tls: { cert?: string; key?: string; rejectUnauthorized?: boolean } = {}, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method, headers, rejectUnauthorized: false, ...tls }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kubelet API on a real containerd (server alone)', () => {
  let rt: TestRuntime;
  let api: ServerProc;
  let kubelet: KubeletServer;
  let dir: string;
  let base: string;
  let admin: { cert: string; key: string; rejectUnauthorized: boolean };
  let eve: { cert: string; key: string; rejectUnauthorized: boolean };
  let saToken: string;
  const uid = `kubelet-server-test-${process.pid}`;
  const ns = 'default';
  const podName = 'streams';
  const ids: Record<string, string> = {};
  let pod: Pod;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kubelet-server-'));
    [rt, api] = await Promise.all([startTestRuntime(), startServer()]);
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: podName, uid, namespace: ns, attempt: 0 },
      hostname: podName,
      logDirectory: join(rt.logDir, `${ns}_${podName}_${uid}`),
      labels: { 'io.kubernetes.pod.name': podName, 'io.kubernetes.pod.namespace': ns, 'io.kubernetes.pod.uid': uid },
      linux: {},
    };
    const sandbox = (await rt.cri.runPodSandbox({ config: sandboxConfig })).podSandboxId;
    const run = async (name: string, script: string, stdin = false) => {
      const { containerId } = await rt.cri.createContainer({
        podSandboxId: sandbox,
        sandboxConfig,
        config: {
          metadata: { name, attempt: 0 },
          image: { image: rt.images.busybox },
          command: ['sh', '-c', script],
          stdin,
          logPath: `${name}/0.log`,
          labels: { 'io.kubernetes.pod.name': podName, 'io.kubernetes.pod.namespace': ns, 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name },
          annotations: { 'io.kubernetes.container.restartCount': '0' },
        },
      });
      await rt.cri.startContainer({ containerId });
      ids[name] = containerId;
    };
    await run('web', 'echo line-one; echo line-two; sleep 0.2; echo to-stderr >&2; mkdir -p /www; echo hello-from-pod > /www/index.html; exec httpd -f -p 8080 -h /www');
    await run('talker', 'while read l; do echo "got:$l"; done', true);
    pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, namespace: ns, uid },
      spec: { containers: [{ name: 'web', image: rt.images.busybox }, { name: 'talker', image: rt.images.busybox, stdin: true }] },
      status: {
        phase: 'Running',
        containerStatuses: ['web', 'talker'].map((name) => ({ name, ready: true, restartCount: 0, image: rt.images.busybox, imageID: '', containerID: `containerd://${ids[name]}`, state: { running: { startedAt: new Date().toISOString() } } })),
      },
    };

    // identities: a client CA made here; "admin" is in system:masters (allowed by the API
    // server's SubjectAccessReview), "eve" has no rights
    const ca: CertKeyPair = await createCA({ commonName: 'kubelet-test-client-ca', keyAlgorithm: 'ecdsa' });
    writeFileSync(join(dir, 'client-ca.crt'), ca.certPem);
    const a = await issueCert(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usages: ['client'], keyAlgorithm: 'ecdsa' });
    const e = await issueCert(ca, { commonName: 'eve', usages: ['client'], keyAlgorithm: 'ecdsa' });
    admin = { cert: a.certPem, key: a.keyPem, rejectUnauthorized: false };
    eve = { cert: e.certPem, key: e.keyPem, rejectUnauthorized: false };
    await kc(api.kubeconfig, ['create', 'serviceaccount', 'kubelet-test', '-n', 'default']);
    saToken = (await kc(api.kubeconfig, ['create', 'token', 'kubelet-test', '-n', 'default'])).trim();

    const config = defaultKubeletConfiguration({
      address: '127.0.0.1',
      port: await freePort(),
      healthzPort: await freePort(),
      podLogsDir: rt.logDir,
      authentication: { x509: { clientCAFile: join(dir, 'client-ca.crt') }, webhook: { enabled: true }, anonymous: { enabled: false } },
      authorization: { mode: 'Webhook' },
    });
    kubelet = await startKubeletServer({
      config,
      client: await RestClient.fromKubeconfig(api.kubeconfig),
      nodeName: 'node-under-test',
      cri: rt.cri,
      listPods: () => [pod],
      rootDir: dir,
      healthz: () => ({ ok: true }),
      metrics: new Registry(),
      log: logger('kubelet-server-test'),
    });
    base = `https://127.0.0.1:${kubelet.port}`;
    await until(async () => (await get(`${base}/containerLogs/${ns}/${podName}/web`, admin)).body.includes('line-two'), 'web logs', 15000);
  });

  after(async () => {
    await kubelet?.close();
    await Promise.all([rt?.cleanup(), api?.destroy()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (rt) assert.deepEqual(await rt.leftovers(), []);
  });

  it('refuses requests without a valid client certificate or token (401) and unauthorized identities (403)', { timeout: 30_000 }, async () => {
    assert.deepEqual(await get(`${base}/pods`), { status: 401, body: 'Unauthorized\n' });
    assert.equal((await get(`${base}/pods`, {}, 'GET', { Authorization: 'Bearer not-a-token' })).status, 401);
    const forbidden = await get(`${base}/exec/${ns}/${podName}/web?command=id&output=1`, eve, 'POST');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body, 'Forbidden (user=eve, verb=create, resource=nodes, subresource=proxy)\n');
    const sa = await get(`${base}/stats/summary`, {}, 'GET', { Authorization: `Bearer ${saToken}` });
    assert.equal(sa.status, 403);
    assert.equal(sa.body, 'Forbidden (user=system:serviceaccount:default:kubelet-test, verb=get, resource=nodes, subresource=stats)\n');
  });

  it('serves healthz on both ports, the pod list, configz and running pods', { timeout: 30_000 }, async () => {
    assert.deepEqual(await get(`${base}/healthz`, admin), { status: 200, body: 'ok' });
    assert.deepEqual(await get(`http://127.0.0.1:${kubelet.healthzPort}/healthz`), { status: 200, body: 'ok' });
    const pods = JSON.parse((await get(`${base}/pods`, admin)).body);
    assert.equal(pods.kind, 'PodList');
    assert.deepEqual(pods.items.map((p: Pod) => p.metadata?.name), [podName]);
    assert.equal(JSON.parse((await get(`${base}/configz`, admin)).body).kubeletconfig.kind, 'KubeletConfiguration');
    const running = JSON.parse((await get(`${base}/runningpods/`, admin)).body);
    const mine = running.items.find((p: Pod) => p.metadata?.uid === uid);
    assert.deepEqual(mine.spec.containers.map((c: { name: string }) => c.name).sort(), ['talker', 'web']);
  });

  it('serves container logs with tailLines, timestamps, limitBytes and upstream errors', { timeout: 30_000 }, async () => {
    const all = await get(`${base}/containerLogs/${ns}/${podName}/web`, admin);
    assert.equal(all.status, 200);
    assert.equal(all.body, 'line-one\nline-two\nto-stderr\n');
    assert.equal((await get(`${base}/containerLogs/${ns}/${podName}/web?tailLines=1`, admin)).body, 'to-stderr\n');
    assert.match((await get(`${base}/containerLogs/${ns}/${podName}/web?timestamps=true&tailLines=3`, admin)).body, /^\d{4}-\d\d-\d\dT[\d:.]+Z line-one\n/);
    assert.equal((await get(`${base}/containerLogs/${ns}/${podName}/web?limitBytes=6`, admin)).body, 'line-o');
    assert.deepEqual(await get(`${base}/containerLogs/${ns}/${podName}/web?previous=true`, admin), { status: 400, body: `previous terminated container "web" in pod "${podName}" not found\n` });
    assert.deepEqual(await get(`${base}/containerLogs/${ns}/nope/web`, admin), { status: 404, body: 'pod "nope" does not exist\n' });
    assert.equal((await get(`${base}/containerLogs/${ns}/${podName}/web?tailLines=-1`, admin)).status, 422);
  });

  it('exec over WebSocket v5: stdout, stderr, stdin closed by the client, exit codes', { timeout: 30_000 }, async () => {
    const url = (cmd: string[], q = 'output=1&error=1') => `${base}/exec/${ns}/${podName}/web?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${q}`;
    const ok = await execWebSocket(url(['sh', '-c', 'echo out; echo err >&2']), { stdin: false, stdout: true, stderr: true, tty: false, tls: admin });
    assert.equal(ok.protocol, 'v5.channel.k8s.io');
    assert.equal(ok.stdout, 'out\n');
    assert.equal(ok.stderr, 'err\n');
    assert.equal(ok.exitCode, 0);
    const three = await execWebSocket(url(['sh', '-c', 'exit 3']), { stdin: false, stdout: true, stderr: true, tty: false, tls: admin });
    assert.equal(three.exitCode, 3);
    assert.equal(three.status.reason, 'NonZeroExitCode');
    const cat = await execWebSocket(url(['cat'], 'input=1&output=1&error=1'), { stdin: true, stdout: true, stderr: true, tty: false, input: 'hi through stdin\n', tls: admin });
    assert.equal(cat.stdout, 'hi through stdin\n');
    assert.equal(cat.exitCode, 0);
  });

  it('exec over SPDY (kubectl fallback): stdin, output and the exit code', { timeout: 30_000 }, async () => {
    const r = await execSpdy(`${base}/exec/${ns}/${podName}/web?command=sh&command=-c&command=${encodeURIComponent('cat; echo bye >&2; exit 2')}&input=1&output=1&error=1`, { stdin: true, stdout: true, stderr: true, tty: false, input: 'spdy stdin', tls: admin });
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(r.stdout, 'spdy stdin');
    assert.equal(r.stderr, 'bye\n');
    assert.equal(r.exitCode, 2);
  });

  it('exec with a tty passes tty to the runtime and relays resizes', { timeout: 30_000 }, async () => {
    const r = await execWebSocket(`${base}/exec/${ns}/${podName}/web?command=sh&command=-c&command=${encodeURIComponent('sleep 0.3; stty size; test -t 0 && echo is-a-tty')}&input=1&output=1&tty=1`, {
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
      resize: [{ Width: 100, Height: 40 }],
      closeStdin: false,
      tls: admin,
    });
    assert.match(r.stdout, /40 100/);
    assert.match(r.stdout, /is-a-tty/);
  });

  it('attach over WebSocket reaches the container stdin and stdout', { timeout: 30_000 }, async () => {
    // an attach session lasts as long as the container: hang up once the answer came back
    const r = await execWebSocket(`${base}/attach/${ns}/${podName}/talker?input=1&output=1&error=1`, { stdin: true, stdout: true, stderr: true, tty: false, input: 'ping\n', closeStdin: false, closeWhen: (out) => out.includes('got:ping'), tls: admin });
    assert.equal(r.stdout, 'got:ping\n');
  });

  it('port-forward over SPDY and over the WebSocket tunnel reaches the pod', { timeout: 30_000 }, async () => {
    for (const via of ['spdy', 'websocket'] as const) {
      const session = await dialPortForward(`${base}/portForward/${ns}/${podName}`, via, { tls: admin });
      try {
        const r1 = await forwardOnce(session, 8080, 0, 'GET / HTTP/1.0\r\n\r\n');
        assert.match(r1.data, /^HTTP\/1\.[01] 200/, via);
        assert.ok(r1.data.includes('hello-from-pod'), via);
        const r2 = await forwardOnce(session, 8080, 1, 'GET / HTTP/1.0\r\n\r\n');
        assert.ok(r2.data.includes('hello-from-pod'), via);
      } finally {
        session.close();
      }
    }
  });

  it('run executes a command and answers its output', { timeout: 30_000 }, async () => {
    const r = await get(`${base}/run/${ns}/${podName}/web?cmd=${encodeURIComponent('echo ran')}`, admin, 'POST');
    assert.deepEqual(r, { status: 200, body: 'ran\n' });
  });

  it('stats summary and resource metrics report the pod from CRI stats', { timeout: 30_000 }, async () => {
    const s = JSON.parse((await get(`${base}/stats/summary`, admin)).body);
    assert.equal(s.node.nodeName, 'node-under-test');
    assert.ok(s.node.memory.workingSetBytes > 0);
    const p = s.pods.find((x: { podRef: { uid: string } }) => x.podRef.uid === uid);
    assert.deepEqual(p.podRef, { name: podName, namespace: ns, uid });
    assert.deepEqual(p.containers.map((c: { name: string }) => c.name).sort(), ['talker', 'web']);
    const m = (await get(`${base}/metrics/resource`, admin)).body;
    assert.match(m, new RegExp(`container_memory_working_set_bytes\\{container="web",namespace="${ns}",pod="${podName}"\\} \\d+ \\d+`));
    assert.match(m, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
    const c = (await get(`${base}/metrics/cadvisor`, admin)).body;
    assert.match(c, new RegExp(`container_cpu_usage_seconds_total\\{container="talker",id="[^"]+",image="[^"]+",name="${ids.talker}",namespace="${ns}",pod="${podName}"\\}`));
    const own = (await get(`${base}/metrics`, admin)).body;
    assert.match(own, /kubelet_http_requests_total\{method="GET",path="containerLogs",server_type="readwrite",long_running="false"\} \d+/);
  });
});
