// CRI against a real containerd: version and status (cgroup driver), images, a pod sandbox on
// the CNI bridge, a busybox container with command/env/bind mount/log file, exec, the streaming
// URLs, stop/remove — and that cleanup leaves no shim, mount, netns, bridge or nat rule behind.
// Then a runtime whose CNI config containerd renders from the kubelet's podCIDR, and
// `k8ts images import`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isCriNotFound, runtimeCgroupDriver } from '../../src/cri/client.js';
import type { PodSandboxConfig } from '../../src/cri/types.js';
import { runImages } from '../../src/containerd/cmd.js';
import { DEFAULT_DISABLED_PLUGINS } from '../../src/containerd/config.js';
import { startContainerd } from '../../src/containerd/daemon.js';
import { ensureTestImages } from '../../src/containerd/images.js';
import { goArch, makeLayer, ociArchive, sha256, tarBuffer } from '../../src/containerd/oci.js';
import { cniNatRules, containerdsOf, inSubnet, linkExists, mountsUnder, shimsOf } from '../../src/containerd/teardown.js';
import { until } from './harness.js';
import { TEST_IMAGES_DIR, startTestRuntime, type TestRuntime } from './runtime.js';

/** One CRI log line: "<RFC3339Nano> <stdout|stderr> <F|P> <text>". */
const CRI_LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)) (stdout|stderr) (F|P) (.*)$/;

describe('CRI on a real containerd', () => {
  let rt: TestRuntime;
  let hostDir: string;
  let sandboxId = '';
  let containerId = '';
  let sandboxConfig: PodSandboxConfig;

  before(async () => {
    const t = Date.now();
    rt = await startTestRuntime();
    console.log(`test runtime (containerd started, images imported) ready in ${Date.now() - t} ms`);
    hostDir = mkdtempSync('/tmp/k8ts-cri-test-');
    writeFileSync(join(hostDir, 'greeting'), 'hello from the host\n');
    sandboxConfig = {
      metadata: { name: 'web', uid: 'cri-test-uid-1', namespace: 'default', attempt: 0 },
      hostname: 'web',
      logDirectory: join(rt.logDir, 'default_web_cri-test-uid-1'),
      dnsConfig: { servers: ['10.32.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      labels: { 'io.kubernetes.pod.name': 'web', app: 'cri-test' },
      annotations: { note: 'kept as given' },
      linux: {},
    };
  });

  after(async () => {
    await rt?.cleanup();
    if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  });

  it('Version names containerd and CRI v1', async () => {
    const v = await rt.cri.version();
    assert.equal(v.runtimeName, 'containerd');
    assert.equal(v.runtimeApiVersion, 'v1');
    assert.ok(v.runtimeVersion.length > 0);
  });

  it('Status is ready and tells the cgroup driver', async () => {
    const st = await rt.cri.statusInfo();
    const cond = Object.fromEntries(st.conditions.map((c) => [c.type, c.status]));
    assert.equal(cond['RuntimeReady'], true);
    assert.equal(cond['NetworkReady'], true, JSON.stringify(st.conditions));
    assert.equal(runtimeCgroupDriver(st), 'cgroupfs');
  });

  it('images already present with the same ID are not imported again; a missing one is', async () => {
    const again = await ensureTestImages({ address: rt.address, outDir: TEST_IMAGES_DIR });
    assert.deepEqual(again.imported, []);
    await rt.cri.removeImage({ image: { image: rt.images.busybox } });
    const after = await ensureTestImages({ address: rt.address, outDir: TEST_IMAGES_DIR });
    assert.deepEqual(after.imported, [rt.images.busybox]);
  });

  it('lists the imported images and reports a missing one as null', async () => {
    const { images } = await rt.cri.listImages();
    const tags = images.flatMap((i) => i.repoTags);
    assert.ok(tags.includes(rt.images.pause), tags.join(','));
    assert.ok(tags.includes(rt.images.busybox), tags.join(','));
    const present = await rt.cri.imageStatus({ image: { image: rt.images.busybox } });
    assert.match(present.image?.id ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok((present.image?.size ?? 0) > 0);
    const missing = await rt.cri.imageStatus({ image: { image: 'k8ts.io/does-not-exist:1' } });
    assert.equal(missing.image, null);
  });

  it('RunPodSandbox gives the pod an IP in the node subnet', async () => {
    const t = Date.now();
    sandboxId = (await rt.cri.runPodSandbox({ config: sandboxConfig })).podSandboxId;
    console.log(`RunPodSandbox: ${Date.now() - t} ms`);
    const { status } = await rt.cri.podSandboxStatus({ podSandboxId: sandboxId });
    assert.equal(status?.state, 'SANDBOX_READY');
    assert.ok(inSubnet(status?.network?.ip ?? '', rt.podCIDR), `${status?.network?.ip} not in ${rt.podCIDR}`);
    assert.deepEqual(status?.metadata, sandboxConfig.metadata);
    assert.equal(status?.annotations['note'], 'kept as given');
    const { items } = await rt.cri.listPodSandbox({ filter: { labelSelector: { app: 'cri-test' } } });
    assert.deepEqual(items.map((s) => s.id), [sandboxId]);
    assert.ok(linkExists(rt.bridgeName), `bridge ${rt.bridgeName} should exist while a pod runs`);
  });

  it('runs a busybox container with command, env, a bind mount and a CRI log file', async () => {
    const t = Date.now();
    containerId = (
      await rt.cri.createContainer({
        podSandboxId: sandboxId,
        sandboxConfig,
        config: {
          metadata: { name: 'main', attempt: 0 },
          image: { image: rt.images.busybox },
          command: ['sh', '-c'],
          args: ['echo "greeting=$GREETING"; cat /data/greeting; echo oops >&2; trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'],
          envs: [{ key: 'GREETING', value: 'hi there' }],
          mounts: [{ containerPath: '/data', hostPath: hostDir, readonly: true }],
          logPath: 'main/0.log',
          labels: { 'io.kubernetes.container.name': 'main' },
        },
      })
    ).containerId;
    await rt.cri.startContainer({ containerId });
    console.log(`CreateContainer+StartContainer: ${Date.now() - t} ms`);
    const { status } = await rt.cri.containerStatus({ containerId });
    assert.equal(status?.state, 'CONTAINER_RUNNING');
    assert.equal(status?.logPath, join(sandboxConfig.logDirectory!, 'main/0.log'));
    const logFile = join(sandboxConfig.logDirectory!, 'main', '0.log');
    const lines = await until(async () => {
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      const ls = text.split('\n').filter(Boolean);
      return ls.length >= 3 ? ls : undefined;
    }, 'three log lines');
    const parsed = lines.map((l) => CRI_LOG_LINE.exec(l));
    assert.ok(parsed.every(Boolean), lines.join('\n'));
    const byStream = (s: string) => parsed.filter((m) => m![4] === s).map((m) => m![6]);
    assert.deepEqual(byStream('stdout'), ['greeting=hi there', 'hello from the host']);
    assert.deepEqual(byStream('stderr'), ['oops']);
    assert.ok(parsed.every((m) => m![5] === 'F'));
  });

  it('ExecSync returns stdout, stderr and the exit code', async () => {
    const ok = await rt.cri.execSync({ containerId, cmd: ['sh', '-c', 'echo $GREETING; hostname; cat /etc/resolv.conf'], timeout: 10 });
    assert.equal(ok.exitCode, 0);
    const out = ok.stdout.toString();
    assert.match(out, /^hi there\nweb\n/);
    assert.match(out, /nameserver 10\.32\.0\.10/);
    assert.match(out, /search default\.svc\.cluster\.local/);
    const failed = await rt.cri.execSync({ containerId, cmd: ['sh', '-c', 'echo bad >&2; exit 3'], timeout: 10 });
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.stderr.toString(), 'bad\n');
    const readOnly = await rt.cri.execSync({ containerId, cmd: ['sh', '-c', 'echo x > /data/new'], timeout: 10 });
    assert.notEqual(readOnly.exitCode, 0, 'the bind mount is read-only');
  });

  it('Exec, Attach and PortForward return streaming-server URLs', async () => {
    const exec = await rt.cri.exec({ containerId, cmd: ['sh'], stdin: true, stdout: true, stderr: true });
    assert.match(exec.url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/\S+$/);
    const attach = await rt.cri.attach({ containerId, stdout: true, stderr: true });
    assert.match(attach.url, /^http:\/\/127\.0\.0\.1:\d+\/attach\/\S+$/);
    const pf = await rt.cri.portForward({ podSandboxId: sandboxId, port: [8080] });
    assert.match(pf.url, /^http:\/\/127\.0\.0\.1:\d+\/portforward\/\S+$/);
  });

  it('the busybox image serves HTTP to the host and has the tools exec, cp and probes use', async () => {
    const web = (
      await rt.cri.createContainer({
        podSandboxId: sandboxId,
        sandboxConfig,
        config: { metadata: { name: 'web', attempt: 0 }, image: { image: rt.images.busybox }, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], logPath: 'web/0.log' },
      })
    ).containerId;
    await rt.cri.startContainer({ containerId: web });
    const ip = (await rt.cri.podSandboxStatus({ podSandboxId: sandboxId })).status?.network?.ip;
    const body = await until(async () => {
      const res = await fetch(`http://${ip}:8080/`).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    }, `HTTP from the host to ${ip}:8080`, 15000);
    assert.match(body, /k8ts busybox httpd/);
    const tools = await rt.cri.execSync({ containerId, cmd: ['sh', '-c', 'for t in tar nc wget cat sleep sh env; do command -v $t || exit 1; done; wget -q -O - http://127.0.0.1:8080/ >/dev/null || exit 2'], timeout: 10 });
    assert.equal(tools.exitCode, 0, tools.stdout.toString() + tools.stderr.toString());
    await rt.cri.stopContainer({ containerId: web, timeout: 0 });
    await rt.cri.removeContainer({ containerId: web });
  });

  it('the pause image runs until SIGTERM and then exits 0', async () => {
    const pause = (
      await rt.cri.createContainer({ podSandboxId: sandboxId, sandboxConfig, config: { metadata: { name: 'pause-check', attempt: 0 }, image: { image: rt.images.pause }, logPath: 'pause-check/0.log' } })
    ).containerId;
    await rt.cri.startContainer({ containerId: pause });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await rt.cri.containerStatus({ containerId: pause })).status?.state, 'CONTAINER_RUNNING', 'it does not exit by itself');
    // A grace period far longer than the test: the container must end on SIGTERM, not SIGKILL.
    await rt.cri.stopContainer({ containerId: pause, timeout: 300 });
    const { status } = await rt.cri.containerStatus({ containerId: pause });
    assert.equal(status?.state, 'CONTAINER_EXITED');
    assert.equal(status?.exitCode, 0);
    await rt.cri.removeContainer({ containerId: pause });
  });

  it('reports container stats', async () => {
    const { stats } = await rt.cri.containerStats({ containerId });
    assert.equal(stats?.attributes?.id, containerId);
    assert.ok((stats?.memory?.workingSetBytes?.value ?? 0) > 0);
  });

  it('StopContainer ends it (the trap exits 0) and RemoveContainer deletes it', async () => {
    await rt.cri.stopContainer({ containerId, timeout: 10 });
    const { status } = await rt.cri.containerStatus({ containerId });
    assert.equal(status?.state, 'CONTAINER_EXITED');
    assert.equal(status?.exitCode, 0);
    assert.ok((status?.finishedAt ?? 0) > (status?.startedAt ?? 0));
    await rt.cri.removeContainer({ containerId });
    await assert.rejects(rt.cri.containerStatus({ containerId }), (err: unknown) => isCriNotFound(err));
    const { containers } = await rt.cri.listContainers({ filter: { podSandboxId: sandboxId } });
    assert.deepEqual(containers, []);
  });

  it('StopPodSandbox and RemovePodSandbox release the sandbox', async () => {
    await rt.cri.stopPodSandbox({ podSandboxId: sandboxId });
    const { status } = await rt.cri.podSandboxStatus({ podSandboxId: sandboxId });
    assert.equal(status?.state, 'SANDBOX_NOTREADY');
    await rt.cri.removePodSandbox({ podSandboxId: sandboxId });
    await assert.rejects(rt.cri.podSandboxStatus({ podSandboxId: sandboxId }), (err: unknown) => isCriNotFound(err));
    assert.deepEqual((await rt.cri.listPodSandbox()).items, []);
  });

  it('cleanup leaves no shim, mount, netns, bridge, nat rule or directory behind', async () => {
    // A sandbox still running at cleanup time must be torn down too.
    const { podSandboxId } = await rt.cri.runPodSandbox({ config: { ...sandboxConfig, metadata: { ...sandboxConfig.metadata, uid: 'cri-test-uid-2' } } });
    assert.ok(podSandboxId);
    assert.ok(shimsOf(rt.address).length > 0, 'a shim runs for the sandbox');
    await rt.cleanup();
    assert.deepEqual(await rt.leftovers(), []);
    assert.deepEqual(shimsOf(rt.address), []);
    assert.deepEqual(mountsUnder(rt.dir), []);
    assert.equal(linkExists(rt.bridgeName), false);
  });
});

describe('a node runtime whose CNI config waits for the kubelet', () => {
  let rt: TestRuntime;
  after(async () => {
    await rt?.cleanup();
  });

  it('UpdateRuntimeConfig(podCIDR) makes containerd render the bridge config; pods then get IPs from it', async () => {
    rt = await startTestRuntime({ cniFromKubelet: true });
    const before = await rt.cri.statusInfo();
    assert.equal(before.conditions.find((c) => c.type === 'NetworkReady')?.status, false, 'no CNI config yet');
    await rt.cri.updateRuntimeConfig({ runtimeConfig: { networkConfig: { podCidr: rt.podCIDR } } });
    await until(async () => (await rt.cri.statusInfo()).conditions.find((c) => c.type === 'NetworkReady')?.status, 'NetworkReady');
    const rendered = JSON.parse(readFileSync(join(rt.cniConfDir, '10-containerd-net.conflist'), 'utf8'));
    assert.equal(rendered.plugins[0].type, 'bridge');
    assert.equal(rendered.plugins[0].bridge, rt.bridgeName);
    assert.deepEqual(rendered.plugins[0].ipam.ranges, [[{ subnet: rt.podCIDR }]]);
    assert.equal(rendered.plugins[1].type, 'portmap');
    const { podSandboxId } = await rt.cri.runPodSandbox({ config: { metadata: { name: 'p', uid: 'tmpl-uid', namespace: 'default', attempt: 0 }, hostname: 'p', linux: {} } });
    const { status } = await rt.cri.podSandboxStatus({ podSandboxId });
    assert.ok(inSubnet(status?.network?.ip ?? '', rt.podCIDR), `${status?.network?.ip} not in ${rt.podCIDR}`);
  });

  it('k8ts images import loads an archive the CRI then sees', async () => {
    const layer = makeLayer(await tarBuffer([{ name: 'hello.txt', type: 'file', data: Buffer.from('hi\n') }]));
    const archive = join(rt.dir, 'extra.tar');
    writeFileSync(archive, await ociArchive([{ name: 'k8ts.io/import-test:1', config: { Cmd: ['/hello.txt'] }, layers: [layer] }]));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runImages(['import', archive, '--address', rt.endpoint], { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
    assert.equal(code, 0, err.join(''));
    const { image } = await rt.cri.imageStatus({ image: { image: 'k8ts.io/import-test:1' } });
    assert.ok(image, 'imported image visible through CRI');
    assert.match(out.join(''), new RegExp(`^k8ts.io/import-test:1 ${image.id}\\n$`));
    await rt.cri.removeImage({ image: { image: 'k8ts.io/import-test:1' } });
    assert.equal((await rt.cri.imageStatus({ image: { image: 'k8ts.io/import-test:1' } })).image, null);
  });

  it('k8ts images import also takes a Docker archive (docker save format)', async () => {
    const layerTar = await tarBuffer([{ name: 'hello.txt', type: 'file', data: Buffer.from('from docker\n') }]);
    const config = Buffer.from(JSON.stringify({ architecture: goArch(), os: 'linux', config: { Cmd: ['/hello.txt'] }, rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] } }));
    const configName = `${sha256(config).slice('sha256:'.length)}.json`;
    const archive = join(rt.dir, 'docker.tar');
    writeFileSync(
      archive,
      await tarBuffer([
        { name: 'layer1/', type: 'directory' },
        { name: 'layer1/layer.tar', type: 'file', data: layerTar },
        { name: configName, type: 'file', data: config },
        { name: 'manifest.json', type: 'file', data: Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['k8ts.io/docker-test:1'], Layers: ['layer1/layer.tar'] }])) },
      ]),
    );
    const err: string[] = [];
    const code = await runImages(['import', archive, '--address', rt.endpoint], { stdout: () => undefined, stderr: (s) => err.push(s) });
    assert.equal(code, 0, err.join(''));
    const { image } = await rt.cri.imageStatus({ image: { image: 'k8ts.io/docker-test:1' } });
    assert.ok(image);
    await rt.cri.removeImage({ image: { image: 'k8ts.io/docker-test:1' } });
  });

  it('k8ts images import of a missing file fails with a clear message', async () => {
    const err: string[] = [];
    const code = await runImages(['import', join(rt.dir, 'nope.tar'), '--address', rt.endpoint], { stdout: () => undefined, stderr: (s) => err.push(s) });
    assert.equal(code, 1);
    assert.match(err.join(''), /archive .*nope\.tar does not exist/);
  });

  it('cleans up after itself as well', async () => {
    await rt.cleanup();
    assert.deepEqual(await rt.leftovers(), []);
  });
});

describe('a runtime whose test process was killed', () => {
  let next: TestRuntime | undefined;
  let scriptDir: string | undefined;
  after(async () => {
    await next?.cleanup();
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
  });

  it('is torn down by the next startTestRuntime (containerd, shim, mounts, bridge, nat rules, dir)', async () => {
    // A child process starts a runtime with a running pod, then dies by SIGKILL: no cleanup runs.
    const runtimeModule = new URL(import.meta.url.endsWith('.ts') ? './runtime.ts' : './runtime.js', import.meta.url).href;
    scriptDir = mkdtempSync('/tmp/k8ts-cri-test-');
    const script = join(scriptDir, 'orphan.mjs');
    writeFileSync(
      script,
      `const { startTestRuntime } = await import(${JSON.stringify(runtimeModule)});
const rt = await startTestRuntime();
await rt.cri.runPodSandbox({ config: { metadata: { name: 'orphan', uid: 'orphan-uid', namespace: 'default', attempt: 0 }, hostname: 'orphan', linux: {} } });
process.stdout.write(JSON.stringify({ dir: rt.dir, address: rt.address, bridgeName: rt.bridgeName, podCIDR: rt.podCIDR }) + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const args = import.meta.url.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
    const child = spawn(process.execPath, args, { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const orphan = await until(async () => (out.includes('\n') ? (JSON.parse(out) as { dir: string; address: string; bridgeName: string; podCIDR: string }) : undefined), 'the child runtime', 60000);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(containerdsOf(orphan.address).length, 1, 'its containerd outlives it');
    assert.ok(shimsOf(orphan.address).length > 0, 'and so does the shim');
    assert.ok(linkExists(orphan.bridgeName));

    next = await startTestRuntime();
    assert.deepEqual(containerdsOf(orphan.address), []);
    assert.deepEqual(shimsOf(orphan.address), []);
    assert.deepEqual(mountsUnder(orphan.dir), []);
    assert.equal(linkExists(orphan.bridgeName), false);
    assert.deepEqual(await cniNatRules(orphan.podCIDR), { chains: [], postrouting: [] });
    assert.equal(existsSync(orphan.dir), false);
  });
});

describe('containerd without its CRI plugin', () => {
  let dir: string | undefined;
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fails at once, quoting why the plugin did not load, and leaves no daemon', async () => {
    dir = mkdtempSync('/tmp/k8ts-cri-test-');
    const address = join(dir, 'c.sock');
    const err = await startContainerd({
      root: join(dir, 'root'),
      state: join(dir, 'state'),
      address,
      timeoutMs: 60_000,
      // Without the legacy v1 runtime, containerd 1.6's tasks service and so the CRI cannot load.
      options: { disabledPlugins: [...DEFAULT_DISABLED_PLUGINS, 'io.containerd.runtime.v1.linux'] },
    }).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /runs without its CRI plugin/);
    assert.match(err.message, /failed to load plugin io\.containerd\.grpc\.v1\.cri/);
    assert.deepEqual(containerdsOf(address), []);
  });
});
