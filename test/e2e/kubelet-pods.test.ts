// The kubelet's pod lifecycle on a real containerd through the real `k8ts kubelet` (B1's
// harness: `k8ts server`, a private containerd, the kubelet as a child process with a Hard
// Way-shaped kubelet-config.yaml) and the real kubectl: a busybox httpd Deployment reachable from
// the host on its pod IP with readiness-driven Endpoints, init containers in order, env from
// every source, CrashLoopBackOff, a liveness restart, Never pods ending Succeeded/Failed with their
// exit code and termination message, a dead sandbox recreated, a sidecar with a postStart hook,
// ErrImageNeverPull, a SIGKILLed kubelet adopting running containers, and preStop on
// `kubectl delete pod`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { RestClient } from '../../src/client/rest.js';
import { until, waitForNamespaceDefaults } from './harness.js';
import { startKubeletCluster, type KubeletCluster } from './kubelet-harness.js';
import type { TestRuntime } from './runtime.js';

const NS = 'pods-e2e';

function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  return (n(ip) & mask) >>> 0 === (n(base) & mask) >>> 0;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('kubelet pod lifecycle on a real containerd', { timeout: 600_000 }, () => {
  let cluster: KubeletCluster;
  let rt: TestRuntime;
  let NODE: string;
  let hostDir: string;
  /** the test's own reads, as the cluster admin */
  let adminClient: RestClient;

  const kc = (args: string[], input?: string) => cluster.kc(args, input);
  const kubectl = (args: string[]) => cluster.kubectl(args);
  const getPod = (name: string) => adminClient.get<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS, name });
  const waitPod = (name: string, pred: (p: Pod) => boolean, what: string) =>
    until(async () => {
      const p = await getPod(name);
      return pred(p) ? p : undefined;
    }, what, 90_000, 500);
  /** A pod bound to the test node, through kubectl apply. */
  const runPod = (name: string, spec: Partial<Pod['spec']>, labels?: Record<string, string>) =>
    kc(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels }, spec: { nodeName: NODE, ...spec } }));
  const apply = (obj: unknown) => kc(['apply', '-f', '-'], JSON.stringify(obj));
  const busybox = () => rt.images.busybox;
  const events = async (name: string) => JSON.parse(await kc(['-n', NS, 'get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])).items as Array<{ reason: string; message: string }>;

  before(async () => {
    cluster = await startKubeletCluster();
    rt = cluster.runtime;
    NODE = cluster.nodeName;
    hostDir = join(cluster.dir, 'shared');
    mkdirSync(hostDir, { recursive: true });
    adminClient = await RestClient.fromKubeconfig(cluster.kubeconfig);
    await kc(['create', 'namespace', NS]);
    await waitForNamespaceDefaults(cluster.kubeconfig, NS);
  });

  after(async () => {
    try {
      if (cluster) {
        await kubectl(['-n', NS, 'delete', 'deployment,pods,services', '--all', '--grace-period=1', '--wait=false']);
        await until(async () => ((await rt.cri.listPodSandbox({})).items ?? []).length === 0, 'the kubelet to remove every sandbox', 60_000, 500).catch(() => undefined);
      }
    } finally {
      adminClient?.close();
      await cluster?.stop();
      if (rt) assert.deepEqual(await rt.leftovers(), [], 'the test runtime left nothing behind');
    }
  });

  it('runs a busybox httpd deployment the host reaches on its pod IP; readiness drives Ready and the Endpoints', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [{
              name: 'httpd',
              image: busybox(),
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', 'mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www'],
              ports: [{ name: 'http', containerPort: 8080 }],
              // httpd serves the host directory too: readiness follows a file the test writes
              readinessProbe: { httpGet: { path: '/shared/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              volumeMounts: [{ name: 'shared', mountPath: '/www/shared' }],
            }],
            volumes: [{ name: 'shared', hostPath: { path: hostDir, type: 'Directory' } }],
          },
        },
      },
    });
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const pod = await until(async () => {
      const list = await adminClient.list<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS }, { labelSelector: 'app=web' });
      const p = list.items[0];
      return p?.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    }, 'the web pod to run', 90_000, 500);
    const ip = pod.status!.podIP!;
    const node = await adminClient.get<Node>({ group: '', version: 'v1', resource: 'nodes', name: NODE });
    assert.ok(node.spec?.podCIDR && inCIDR(ip, node.spec.podCIDR), `pod IP ${ip} in the node's podCIDR ${node.spec?.podCIDR}`);
    assert.deepEqual(pod.status!.podIPs, [{ ip }]);
    const cs = pod.status!.containerStatuses![0];
    assert.match(cs.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal(cs.restartCount, 0);
    assert.match(cs.image, /busybox/);
    assert.ok(cs.imageID, 'imageID set');
    assert.equal(cs.started, true);
    assert.equal(cs.ready, false, 'not ready before /www/shared/ready exists');
    assert.ok(cs.state?.running?.startedAt);
    assert.equal(pod.status!.qosClass, 'BestEffort');
    const res = await until(() => httpGet(`http://${ip}:8080/`).catch(() => undefined), 'httpd to answer', 20_000, 250);
    assert.equal(res.status, 200);
    assert.equal(res.body.trim(), `hello-from-${pod.metadata!.name}`);
    const cond = (p: Pod, t: string) => p.status?.conditions?.find((c) => c.type === t);
    assert.equal(cond(pod, 'Ready')?.status, 'False');
    assert.equal(cond(pod, 'ContainersReady')?.reason, 'ContainersNotReady');
    assert.equal(cond(pod, 'ContainersReady')?.message, 'containers with unready status: [httpd]');
    assert.equal(cond(pod, 'PodReadyToStartContainers')?.status, 'True');
    // readiness flips on: Ready, and the endpoints list the pod
    writeFileSync(join(hostDir, 'ready'), 'ok');
    await until(async () => cond(await getPod(pod.metadata!.name!), 'Ready')?.status === 'True', 'the pod to be Ready', 30_000, 300);
    await until(async () => (await kubectl(['-n', NS, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).stdout === ip, 'the endpoints to list the pod', 30_000, 300);
    // and off again
    rmSync(join(hostDir, 'ready'));
    await until(async () => cond(await getPod(pod.metadata!.name!), 'Ready')?.status === 'False', 'the pod to be unready', 30_000, 300);
    await until(async () => (await kubectl(['-n', NS, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].notReadyAddresses[*].ip}'])).stdout === ip, 'the endpoints to move the pod to notReadyAddresses', 30_000, 300);
  });

  it('runs init containers in order before the app container; a Never pod ends Succeeded with its termination message', async () => {
    await runPod('init-order', {
      restartPolicy: 'Never',
      initContainers: [
        { name: 'one', image: busybox(), imagePullPolicy: 'Never', command: ['sh', '-c', 'echo one >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'two', image: busybox(), imagePullPolicy: 'Never', command: ['sh', '-c', 'echo two >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      containers: [{ name: 'main', image: busybox(), imagePullPolicy: 'Never', command: ['sh', '-c', 'echo main >> /work/order; cat /work/order > /dev/termination-log'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      volumes: [{ name: 'work', emptyDir: {} }],
    });
    const pod = await waitPod('init-order', (p) => p.status?.phase === 'Succeeded', 'init-order to succeed');
    const inits = pod.status!.initContainerStatuses!;
    assert.deepEqual(inits.map((s) => [s.name, s.state?.terminated?.exitCode, s.state?.terminated?.reason]), [['one', 0, 'Completed'], ['two', 0, 'Completed']]);
    const main = pod.status!.containerStatuses![0];
    assert.equal(main.state?.terminated?.exitCode, 0);
    assert.equal(main.state?.terminated?.message, 'one\ntwo\nmain\n');
    const c = (t: string) => pod.status!.conditions!.find((x) => x.type === t);
    assert.equal(c('Initialized')?.status, 'True');
    assert.equal(c('Ready')?.status, 'False');
    assert.equal(c('Ready')?.reason, 'PodCompleted');
  });

  it('gives containers env from values, $(VAR) expansion, fieldRef, resourceFieldRef, ConfigMaps and Secrets', async () => {
    await kc(['-n', NS, 'create', 'configmap', 'cfg', '--from-literal=color=blue', '--from-literal=size=L']);
    await kc(['-n', NS, 'create', 'secret', 'generic', 'sec', '--from-literal=password=hunter2']);
    await runPod('env', {
      restartPolicy: 'Never',
      containers: [{
        name: 'main',
        image: busybox(),
        imagePullPolicy: 'Never',
        command: ['sh', '-c', 'echo "$GREETING|$POD|$NS|$NODE|$IP|$TIER|$MEM|$COLOR|$PASS|$CFG_size|${OPT-unset}|$(LITERAL)" > /dev/termination-log'],
        resources: { limits: { memory: '64Mi' } },
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'NAME', value: 'world' },
          { name: 'GREETING', value: 'hello $(NAME) $$(NAME)' },
          { name: 'LITERAL', value: 'lit' },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
          { name: 'OPT', valueFrom: { secretKeyRef: { name: 'missing', key: 'x', optional: true } } },
        ],
      }],
    }, { tier: 'gold' });
    const pod = await waitPod('env', (p) => p.status?.phase === 'Succeeded', 'the env pod to succeed');
    const ip = pod.status!.podIP!;
    assert.equal(pod.status!.containerStatuses![0].state?.terminated?.message, `hello world $(NAME)|env|${NS}|${NODE}|${ip}|gold|64|blue|hunter2|L|unset|lit\n`);
  });

  it('puts a crashing container in CrashLoopBackOff with a growing restartCount and its last state', async () => {
    await runPod('crash', { containers: [{ name: 'main', image: busybox(), imagePullPolicy: 'Never', command: ['sh', '-c', 'echo boom; exit 3'] }] });
    const pod = await until(async () => {
      const p = await getPod('crash');
      const cs = p.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 1 && cs.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    }, 'crash to be in CrashLoopBackOff', 90_000, 500);
    const cs = pod.status!.containerStatuses![0];
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.match(cs.state!.waiting!.message!, /^back-off (10|20)s restarting failed container=main pod=crash_pods-e2e\(/);
    assert.equal(pod.status!.phase, 'Running');
    await until(async () => ((await getPod('crash')).status?.containerStatuses?.[0].restartCount ?? 0) >= 2, 'a second restart after the back-off', 90_000, 1000);
    const evs = await events('crash');
    assert.ok(evs.some((e) => e.reason === 'BackOff' && /^Back-off restarting failed container main in pod crash_pods-e2e\(/.test(e.message)), JSON.stringify(evs.map((e) => e.reason)));
  });

  it('restarts a container whose liveness probe fails', async () => {
    await runPod('liveness', {
      terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'main',
        image: busybox(),
        imagePullPolicy: 'Never',
        command: ['sh', '-c', 'touch /tmp/healthy; sleep 3; rm /tmp/healthy; exec sleep 3600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
      }],
    });
    const pod = await waitPod('liveness', (p) => (p.status?.containerStatuses?.[0].restartCount ?? 0) >= 1, 'the liveness restart');
    assert.ok(pod.status!.containerStatuses![0].lastState?.terminated, 'last state terminated');
    const evs = await events('liveness');
    assert.ok(evs.some((e) => e.reason === 'Unhealthy' && e.message.startsWith('Liveness probe failed: ')), JSON.stringify(evs));
    assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'), JSON.stringify(evs));
  });

  it('ends a Never pod Failed with its exit code and the log tail as message (FallbackToLogsOnError)', async () => {
    await runPod('fail', { restartPolicy: 'Never', containers: [{ name: 'main', image: busybox(), imagePullPolicy: 'Never', command: ['sh', '-c', 'echo first; echo oops >&2; exit 7'], terminationMessagePolicy: 'FallbackToLogsOnError' }] });
    const pod = await waitPod('fail', (p) => p.status?.phase === 'Failed', 'fail to fail');
    const t = pod.status!.containerStatuses![0].state?.terminated;
    assert.equal(t?.exitCode, 7);
    assert.equal(t?.reason, 'Error');
    // nothing in /dev/termination-log: the message falls back to the end of the log (stdout and
    // stderr are separate pipes, so the two lines may reach the log in either order)
    assert.deepEqual(t?.message?.split('\n').filter(Boolean).sort(), ['first', 'oops']);
    assert.ok(t?.message?.endsWith('\n'), JSON.stringify(t?.message));
  });

  it('recreates a sandbox that died, with the next attempt, and restarts its containers in it', async () => {
    await runPod('resilient', { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox(), imagePullPolicy: 'Never', command: ['sleep', '3600'] }] });
    const pod = await waitPod('resilient', (p) => p.status?.phase === 'Running', 'resilient to run');
    const firstID = pod.status!.containerStatuses![0].containerID;
    const byUID = { 'io.kubernetes.pod.uid': pod.metadata!.uid! };
    const [first] = (await rt.cri.listPodSandbox({ filter: { labelSelector: byUID } })).items;
    assert.equal(first.metadata?.attempt, 0);
    await rt.cri.stopPodSandbox({ podSandboxId: first.id });
    await until(async () => (await rt.cri.listPodSandbox({ filter: { labelSelector: byUID, state: { state: 'SANDBOX_READY' } } })).items.find((s) => s.metadata?.attempt === 1), 'a new sandbox with attempt 1', 60_000, 500);
    const again = await waitPod('resilient', (p) => !!p.status?.containerStatuses?.[0]?.state?.running && p.status.containerStatuses[0].containerID !== firstID, 'the container to run in the new sandbox');
    // StopPodSandbox stops the container before the sandbox reads NOTREADY: a relist in between may
    // restart the container once in the dying sandbox (upstream's kubelet has the same race)
    const restarts = again.status!.containerStatuses![0].restartCount;
    assert.ok(restarts >= 1 && restarts <= 2, `restartCount ${restarts}`);
    const evs = await events('resilient');
    assert.ok(evs.some((e) => e.reason === 'SandboxChanged' && e.message === 'Pod sandbox changed, it will be killed and re-created.'), JSON.stringify(evs));
  });

  it('keeps a sidecar init container running next to the app and runs postStart hooks', async () => {
    await runPod('sidecar', {
      terminationGracePeriodSeconds: 1,
      initContainers: [{ name: 'proxy', image: busybox(), imagePullPolicy: 'Never', restartPolicy: 'Always', command: ['sleep', '3600'] } as never],
      containers: [{
        name: 'app',
        image: busybox(),
        imagePullPolicy: 'Never',
        command: ['sleep', '3600'],
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo started > /shared/poststart'] } } },
        volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
      }],
      volumes: [{ name: 'shared', hostPath: { path: hostDir } }],
    });
    const pod = await waitPod('sidecar', (p) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.ready, 'the sidecar pod to run');
    const proxy = pod.status!.initContainerStatuses![0];
    assert.ok(proxy.state?.running, 'the sidecar keeps running');
    assert.equal(proxy.started, true);
    assert.equal(pod.status!.conditions!.find((c) => c.type === 'Initialized')?.status, 'True');
    assert.equal(readFileSync(join(hostDir, 'poststart'), 'utf8'), 'started\n');
  });

  it('reports ErrImageNeverPull for a missing image with imagePullPolicy Never', async () => {
    await runPod('no-image', { containers: [{ name: 'main', image: 'k8ts.io/not-imported:1', imagePullPolicy: 'Never' }] });
    const pod = await waitPod('no-image', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull', 'ErrImageNeverPull');
    assert.equal(pod.status!.containerStatuses![0].state!.waiting!.message, 'Container image "k8ts.io/not-imported:1" is not present with pull policy of Never');
    assert.equal(pod.status!.phase, 'Pending');
  });

  it('keeps running containers when the kubelet is SIGKILLed and restarted (adoption)', async () => {
    const before = (await adminClient.list<Pod>({ group: '', version: 'v1', resource: 'pods', namespace: NS }, { labelSelector: 'app=web' })).items[0];
    const id = before.status!.containerStatuses![0].containerID;
    await cluster.restartKubelet({ signal: 'SIGKILL' });
    // a few sync rounds later the same container still runs, not restarted
    await new Promise((r) => setTimeout(r, 4000));
    const afterPod = await getPod(before.metadata!.name!);
    const cs = afterPod.status!.containerStatuses![0];
    assert.equal(cs.containerID, id);
    assert.equal(cs.restartCount, 0);
    assert.ok(cs.state?.running);
    const running = ((await rt.cri.listContainers({ filter: { state: { state: 'CONTAINER_RUNNING' } } })).containers ?? []).filter((c) => c.labels['io.kubernetes.pod.name'] === before.metadata!.name);
    assert.equal(running.length, 1);
  });

  it('runs preStop on `kubectl delete pod` and removes the pod and its containers', async () => {
    const marker = join(hostDir, 'prestop');
    await runPod('graceful', {
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'main',
        image: busybox(),
        imagePullPolicy: 'Never',
        command: ['sleep', '3600'],
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo stopping > /shared/prestop'] } } },
        volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
      }],
      volumes: [{ name: 'shared', hostPath: { path: hostDir } }],
    });
    const pod = await waitPod('graceful', (p) => p.status?.phase === 'Running', 'graceful to run');
    await kc(['-n', NS, 'delete', 'pod', 'graceful', '--wait=true', '--timeout=60s']);
    assert.ok(existsSync(marker), 'the preStop hook wrote its file');
    assert.equal(readFileSync(marker, 'utf8'), 'stopping\n');
    const uid = pod.metadata!.uid!;
    await until(async () => {
      const cs = (await rt.cri.listContainers({ filter: { labelSelector: { 'io.kubernetes.pod.uid': uid } } })).containers ?? [];
      const sbs = (await rt.cri.listPodSandbox({ filter: { labelSelector: { 'io.kubernetes.pod.uid': uid } } })).items ?? [];
      return cs.length === 0 && sbs.length === 0;
    }, 'the containers and sandbox of the deleted pod to be removed', 30_000, 500);
    const evs = await events('graceful');
    assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Stopping container main'), JSON.stringify(evs));
  });
});
