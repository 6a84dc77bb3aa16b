// E2E: `k8ts server` on this machine runs a real node (containerd started as its child, the
// kubelet in-process) that becomes Ready and runs a busybox pod with an IP from its podCIDR;
// stopping it with --teardown-node-on-exit leaves no containerd, shim, mount, bridge or nat
// rule. Without containerd on PATH, auto says so in one line and runs one simulated node.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { cniNatRules, containerdsOf, linkExists, mountsUnder, shimsOf, unmountUnder } from '../../src/containerd/teardown.js';
import { freePort, kc, startServer, until } from './harness.js';
import type { ServerProc } from './harness.js';
import { requireRuntime } from './runtime.js';

describe('k8ts server with a real node', () => {
  it('runs a node that becomes Ready, runs a busybox pod, and leaves nothing behind on stop', async () => {
    requireRuntime();
    const nodeName = `k8ts-srv-${randomBytes(3).toString('hex')}`;
    const bridge = `k8tsbr${randomBytes(3).toString('hex')}`;
    const podCIDR = `10.200.${randomInt(1, 255)}.0/24`;
    let srv: ServerProc | undefined;
    try {
      srv = await startServer({
        timeoutMs: 90_000,
        extraArgs: [
          '--container-runtime=containerd',
          `--node-name=${nodeName}`,
          `--cni-bridge-name=${bridge}`,
          `--cluster-cidr=${podCIDR}`,
          '--node-cidr-mask-size=24',
          `--kubelet-arg=--port=${await freePort()}`,
          `--kubelet-arg=--healthz-port=${await freePort()}`,
          '--teardown-node-on-exit',
        ],
      });
      const s = srv;
      await until(async () => (await kc(s.kubeconfig, ['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', `node ${nodeName} Ready`, 90_000);
      const node = JSON.parse(await kc(s.kubeconfig, ['get', 'node', nodeName, '-o', 'json']));
      assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
      assert.equal(node.spec.podCIDR, podCIDR);
      assert.equal((JSON.parse(await kc(s.kubeconfig, ['get', 'nodes', '-o', 'json'])).items as unknown[]).length, 1, 'one node, no simulated ones');

      await kc(s.kubeconfig, ['run', 'bb', '--image=k8ts.io/busybox:latest', '--image-pull-policy=IfNotPresent', '--restart=Never', '--', 'sleep', '3600']);
      await until(async () => (await kc(s.kubeconfig, ['get', 'pod', 'bb', '-o', 'jsonpath={.status.phase}'])) === 'Running', 'pod bb Running', 90_000);
      const podIP = await kc(s.kubeconfig, ['get', 'pod', 'bb', '-o', 'jsonpath={.status.podIP}']);
      assert.ok(podIP.startsWith(podCIDR.replace(/0\/24$/, '')), `pod IP ${podIP} in ${podCIDR}`);
      assert.equal(await kc(s.kubeconfig, ['get', 'pod', 'bb', '-o', 'jsonpath={.spec.nodeName}']), nodeName);
      // the API server reaches the in-process kubelet with its kubelet client certificate
      assert.equal(await kc(s.kubeconfig, ['exec', 'bb', '--', 'echo', 'hello from the node']), 'hello from the node\n');
    } finally {
      const dataDir = srv?.dataDir;
      await srv?.stop('SIGTERM');
      if (dataDir) {
        const address = join(dataDir, 'containerd', 'containerd.sock');
        const left = [
          ...containerdsOf(address).map((p) => `containerd ${p}`),
          ...shimsOf(address).map((p) => `shim ${p}`),
          ...mountsUnder(dataDir).map((m) => `mount ${m}`),
          ...(linkExists(bridge) ? [`bridge ${bridge}`] : []),
          ...(await cniNatRules(podCIDR)).chains.map((c) => `nat chain ${c}`),
        ];
        try {
          assert.deepEqual(left, [], 'nothing left after the server stopped');
        } finally {
          // even when something was left: leave nothing behind this test
          await unmountUnder(dataDir).catch(() => undefined);
          await srv?.destroy();
        }
      }
    }
  });

  it('without containerd says so in one line and runs one simulated node', async () => {
    const path = process.env.PATH;
    let srv: ServerProc | undefined;
    try {
      process.env.PATH = '/nonexistent-bin';
      srv = await startServer({ extraArgs: ['--container-runtime=auto'] });
    } finally {
      process.env.PATH = path;
    }
    try {
      const s = srv;
      const lines = s.logs.join('').split('\n').filter((l) => l.includes('no container runtime:'));
      assert.equal(lines.length, 1, s.logs.join(''));
      assert.match(lines[0], /no container runtime: missing containerd.*; running the simulated runtime$/);
      await until(async () => (JSON.parse(await kc(s.kubeconfig, ['get', 'nodes', '-o', 'json'])).items as unknown[]).length === 1, 'one simulated node', 30_000);
    } finally {
      await srv.destroy();
    }
  });
});
