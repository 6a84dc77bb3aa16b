// The kubelet API on a real containerd, end to end.
//  1. The server alone: a pod made directly through CRI (busybox httpd and a stdin reader), the
//     kubelet server started with a fake pod list, a client CA made here and an API server for
//     TokenReview/SubjectAccessReview; /exec, /attach, /portForward driven with this repo's
//     WebSocket and SPDY clients, /containerLogs and the rest with plain HTTPS; 401 and 403.
//  2. The real kubectl 1.32 through the API server's proxy to `k8ts kubelet`
//     (startKubeletCluster): logs (-f, --tail, --since, --timestamps, --previous after a crash),
//     exec (exit code, -i stdin), attach, port-forward, cp both ways; :10250 refuses strangers.
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
import { KUBECTL, freePort, kc, startServer, until } from './harness.js';
import { startKubeletCluster } from './kubelet-harness.js';
import type { KubeletCluster } from './kubelet-harness.js';
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

/** kubectl with extra environment (e.g. turning its WebSocket transports off to force SPDY). */
function kubectlWithEnv(kubeconfig: string, args: string[], env: Record<string, string>, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(KUBECTL, [`--kubeconfig=${kubeconfig}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    p.stdin.end(input ?? '');
  });
}

/** A long-running kubectl (logs -f, port-forward): its output so far, a wait for a pattern, kill. */
function kubectlBackground(kubeconfig: string, args: string[], env: Record<string, string> = {}) {
  const p = spawn(KUBECTL, [`--kubeconfig=${kubeconfig}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d));
  p.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number>((r) => p.once('exit', (code) => r(code ?? -1)));
  return {
    out: () => out,
    waitFor: (re: RegExp, what: string) => until(async () => re.exec(out), `${what}; stdout: ${out} stderr: ${err}`, 30000, 100),
    exited,
    stop: async () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await exited;
    },
  };
}

describe('kubectl logs, exec, attach, port-forward and cp through the API server to the kubelet', () => {
  let c: KubeletCluster;
  let dir: string;
  const ns = 'default';
  const podYaml = (name: string, script: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
${extra}  containers:
  - name: main
    image: k8ts.io/busybox:latest
    imagePullPolicy: Never
    command: ["sh", "-c", ${JSON.stringify(script)}]
`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-kubectl-streaming-'));
    c = await startKubeletCluster({ kubeletArgs: ['--v=4'] });
    await c.kc(['apply', '-f', '-'], podYaml('web', 'echo line-one; echo line-two; mkdir -p /www; echo hello-through-port-forward > /www/index.html; httpd -p 8080 -h /www; i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done'));
    await c.kc(['apply', '-f', '-'], podYaml('crash', 'echo run-$(cat /proc/sys/kernel/random/uuid); sleep 1; exit 1'));
    await c.kc(['apply', '-f', '-'], podYaml('talker', 'read l; echo got:$l; sleep 1', '  restartPolicy: Never\n').replace('    command:', '    stdin: true\n    stdinOnce: true\n    command:'));
    await c.kc(['wait', '--for=condition=Ready', 'pod/web', 'pod/talker', '--timeout=60s']);
    await until(async () => (await c.kubectl(['logs', 'web'])).stdout.includes('tick 1'), 'web logs', 30000);
  });

  after(async () => {
    await c?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl logs with --tail, --timestamps and --since', { timeout: 60_000 }, async () => {
    const all = await c.kc(['logs', 'web']);
    assert.match(all, /^line-one\nline-two\ntick 0\n/);
    assert.match(await c.kc(['logs', 'web', '--tail=1']), /^tick \d+\n$/);
    assert.match(await c.kc(['logs', 'web', '--timestamps', '--tail=2']), /^\d{4}-\d\d-\d\dT[\d:.]+Z tick \d+\n\S+Z tick \d+\n$/);
    assert.match(await c.kc(['logs', 'web', '--since=1h']), /^line-one\n/);
    await until(async () => (await c.kubectl(['logs', 'web'])).stdout.includes('tick 5'), 'tick 5', 20000);
    const recent = await c.kc(['logs', 'web', '--since=2s']);
    assert.ok(!recent.includes('line-one'), recent);
  });

  it('kubectl logs -f streams new lines as they are written', { timeout: 60_000 }, async () => {
    const f = kubectlBackground(c.kubeconfig, ['logs', '-f', 'web', '--tail=1']);
    try {
      const first = Number((await f.waitFor(/tick (\d+)/, 'a first tick'))[1]);
      await f.waitFor(new RegExp(`tick ${first + 2}\\n`), 'two more ticks while following');
    } finally {
      await f.stop();
    }
  });

  it('kubectl logs --previous after a crash shows the previous run', { timeout: 90_000 }, async () => {
    await until(async () => Number((await c.kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout) >= 1, 'crash restarted', 60000);
    const prev = await c.kubectl(['logs', 'crash', '--previous']);
    assert.equal(prev.code, 0, prev.stderr);
    assert.match(prev.stdout, /^run-[0-9a-f-]{36}\n$/);
    const neverCrashed = await c.kubectl(['logs', 'web', '--previous']);
    assert.notEqual(neverCrashed.code, 0);
    assert.match(neverCrashed.stderr, /previous terminated container "main" in pod "web" not found/);
  });

  it('kubectl exec propagates exit codes and feeds stdin with -i', { timeout: 60_000 }, async () => {
    assert.equal((await c.kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 3'])).code, 3);
    const ok = await c.kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'out\n', 'err\n']);
    const cat = await c.kubectl(['exec', '-i', 'web', '--', 'cat'], 'hi from stdin\n');
    assert.deepEqual([cat.code, cat.stdout], [0, 'hi from stdin\n']);
  });

  it('kubectl exec over SPDY (its WebSocket transport turned off) works the same', { timeout: 60_000 }, async () => {
    const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
    const five = await kubectlWithEnv(c.kubeconfig, ['exec', '-v=8', 'web', '--', 'sh', '-c', 'exit 5'], env);
    assert.equal(five.code, 5, `${five.stderr}\nkubelet: ${c.kubeletLogs().split('\n').filter((l) => /stream|Stream|exec/.test(l)).slice(-10).join('\n')}`);
    const cat = await kubectlWithEnv(c.kubeconfig, ['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo done >&2'], env, 'spdy stdin\n');
    assert.deepEqual([cat.code, cat.stdout, cat.stderr], [0, 'spdy stdin\n', 'done\n']);
  });

  it('kubectl attach -i reaches the container', { timeout: 60_000 }, async () => {
    const r = await c.kubectl(['attach', '-i', 'talker'], 'ping\n', 30000);
    assert.match(r.stdout, /got:ping/, r.stderr);
  });

  for (const [transport, env] of [['WebSocket tunnel', {}], ['SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
    it(`kubectl port-forward carries HTTP to busybox httpd (${transport})`, { timeout: 60_000 }, async () => {
      const pf = kubectlBackground(c.kubeconfig, ['port-forward', 'pod/web', ':8080'], env);
      try {
        const port = Number((await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, 'port-forward ready'))[1]);
        for (let i = 0; i < 2; i++) {
          const r = await get(`http://127.0.0.1:${port}/`);
          assert.deepEqual(r, { status: 200, body: 'hello-through-port-forward\n' });
        }
      } finally {
        await pf.stop();
      }
    });
  }

  it('kubectl cp copies files into and out of a container', { timeout: 60_000 }, async () => {
    writeFileSync(join(dir, 'up.txt'), 'uploaded content\n');
    await c.kc(['cp', join(dir, 'up.txt'), 'web:/tmp/up.txt']);
    assert.equal(await c.kc(['exec', 'web', '--', 'cat', '/tmp/up.txt']), 'uploaded content\n');
    await c.kc(['cp', 'web:/www/index.html', join(dir, 'down.html')]);
    assert.equal(readFileSync(join(dir, 'down.html'), 'utf8'), 'hello-through-port-forward\n');
  });

  it('the kubelet port refuses requests without a valid client certificate or token', { timeout: 30_000 }, async () => {
    assert.deepEqual(await get(`https://127.0.0.1:${c.kubeletPort}/pods`), { status: 401, body: 'Unauthorized\n' });
    assert.equal((await get(`https://127.0.0.1:${c.kubeletPort}/exec/${ns}/web/main?command=id&output=1`, {}, 'POST', { Authorization: 'Bearer nope' })).status, 401);
  });
});
