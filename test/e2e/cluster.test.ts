// The whole control plane together, as a user meets it: `k8ts server --sim-nodes=3` runs the
// API server, kube-controller-manager, kube-scheduler and three simulated nodes; everything
// below goes through the real kubectl and nothing in the test plays a component's part.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kc, kubectl, startServer, until, waitForNamespaceDefaults } from './harness.js';
import type { ServerProc } from './harness.js';

describe('k8ts server with simulated nodes', () => {
  let srv: ServerProc;
  let work: string;
  const k = (...args: string[]) => kc(srv.kubeconfig, args);
  const json = async (...args: string[]) => JSON.parse(await k(...args, '-o', 'json'));

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'k8ts-cluster-'));
    srv = await startServer({ extraArgs: ['--sim-nodes=3'], timeoutMs: 60_000 });
    await until(async () => (await json('get', 'nodes')).items.length === 3 || undefined, 'three nodes', 30_000);
  });
  after(async () => {
    await srv?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cidrContains = (cidr: string, ip: string) => {
    const [base, bits] = cidr.split('/');
    const n = (s: string) => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
    const mask = 2 ** 32 - 2 ** (32 - Number(bits));
    return (n(ip) & mask) >>> 0 === (n(base!) & mask) >>> 0;
  };

  it('nodes are Ready with pod CIDRs from --cluster-cidr (10.200.0.0/16, /24 each)', async () => {
    const nodes = await until(async () => {
      const items = (await json('get', 'nodes')).items;
      return items.every((n: { spec: { podCIDR?: string } }) => n.spec.podCIDR) ? items : undefined;
    }, 'pod CIDRs on every node');
    const cidrs = nodes.map((n: { spec: { podCIDR: string } }) => n.spec.podCIDR).sort();
    assert.deepEqual(cidrs, ['10.200.0.0/24', '10.200.1.0/24', '10.200.2.0/24']);
    const out = await k('get', 'nodes', '--no-headers');
    assert.equal(out.trim().split('\n').filter((l) => /\sReady\s/.test(l)).length, 3, out);
  });

  it('a deployment rolls out, scales, updates and rolls back; pods get IPs from their node', async () => {
    await k('create', 'deployment', 'web', '--image=busybox', '--replicas=3');
    await k('rollout', 'status', 'deployment/web', '--timeout=60s');
    const pods = (await json('get', 'pods', '-l', 'app=web')).items;
    assert.equal(pods.length, 3);
    const nodes = new Map<string, string>((await json('get', 'nodes')).items.map((n: { metadata: { name: string }; spec: { podCIDR: string } }) => [n.metadata.name, n.spec.podCIDR]));
    for (const p of pods) {
      assert.equal(p.status.phase, 'Running');
      assert.ok(cidrContains(nodes.get(p.spec.nodeName)!, p.status.podIP), `${p.status.podIP} in ${nodes.get(p.spec.nodeName)}`);
    }
    const events = await k('get', 'events', '--field-selector', `involvedObject.name=${pods[0].metadata.name}`, '-o', 'jsonpath={range .items[*]}{.reason} {.source.component}{"\\n"}{end}');
    assert.match(events, /Scheduled default-scheduler/);
    await k('scale', 'deployment/web', '--replicas=5');
    await k('rollout', 'status', 'deployment/web', '--timeout=60s');
    await k('set', 'image', 'deployment/web', 'busybox=busybox:1.36');
    await k('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(await k('rollout', 'history', 'deployment/web'), /1\s.*\n2\s/);
    await k('rollout', 'undo', 'deployment/web');
    await k('rollout', 'status', 'deployment/web', '--timeout=60s');
    const d = await json('get', 'deployment', 'web');
    assert.equal(d.spec.template.spec.containers[0].image, 'busybox');
    assert.equal(d.status.availableReplicas, 5);
  });

  it('a service gets endpoints of the ready pods', async () => {
    await k('expose', 'deployment', 'web', '--port=80', '--target-port=8080');
    const ep = await until(async () => {
      const e = await json('get', 'endpoints', 'web').catch(() => undefined);
      return e?.subsets?.[0]?.addresses?.length === 5 ? e : undefined;
    }, 'five endpoint addresses');
    const ips = ep.subsets[0].addresses.map((a: { ip: string }) => a.ip).sort();
    const podIPs = (await json('get', 'pods', '-l', 'app=web', '--field-selector=status.phase=Running')).items.map((p: { status: { podIP: string } }) => p.status.podIP).sort();
    assert.deepEqual(ips, podIPs);
    const slices = (await json('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web')).items;
    assert.equal(slices.reduce((n: number, s: { endpoints?: unknown[] }) => n + (s.endpoints?.length ?? 0), 0), 5);
  });

  it('a job completes, a daemonset covers every node, a statefulset comes up in order', async () => {
    await k('create', 'job', 'once', '--image=busybox', '--', 'true');
    await k('wait', '--for=condition=complete', 'job/once', '--timeout=60s');
    writeFileSync(
      join(work, 'ds.yaml'),
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'busybox' }] } } } }),
    );
    await k('apply', '-f', join(work, 'ds.yaml'));
    await k('rollout', 'status', 'daemonset/agent', '--timeout=60s');
    const dsPods = (await json('get', 'pods', '-l', 'app=agent')).items.map((p: { spec: { nodeName: string } }) => p.spec.nodeName).sort();
    assert.deepEqual(dsPods, ['sim-node-0', 'sim-node-1', 'sim-node-2']);
    writeFileSync(
      join(work, 'sts.yaml'),
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'd', image: 'busybox' }] } } } }),
    );
    await k('apply', '-f', join(work, 'sts.yaml'));
    await k('rollout', 'status', 'statefulset/db', '--timeout=60s');
    const sts = (await json('get', 'pods', '-l', 'app=db')).items;
    assert.deepEqual(sts.map((p: { metadata: { name: string } }) => p.metadata.name).sort(), ['db-0', 'db-1']);
    const started = (n: string) => Date.parse(sts.find((p: { metadata: { name: string } }) => p.metadata.name === n).metadata.creationTimestamp);
    assert.ok(started('db-0') <= started('db-1'));
  });

  it('deleting a namespace empties it; a deleted deployment takes its pods along', async () => {
    await k('create', 'namespace', 'scratch');
    await waitForNamespaceDefaults(srv.kubeconfig, 'scratch', 30_000);
    await k('-n', 'scratch', 'create', 'deployment', 'tmp', '--image=busybox', '--replicas=2');
    await k('-n', 'scratch', 'rollout', 'status', 'deployment/tmp', '--timeout=60s');
    await k('-n', 'scratch', 'create', 'configmap', 'c', '--from-literal=a=b');
    await k('delete', 'namespace', 'scratch', '--timeout=60s');
    const gone = await kubectl(srv.kubeconfig, ['get', 'namespace', 'scratch']);
    assert.notEqual(gone.code, 0);
    await k('delete', 'deployment', 'web');
    await until(async () => ((await json('get', 'pods', '-l', 'app=web')).items.length === 0 ? true : undefined), 'the deployment pods to go', 60_000);
  });

  it('kubectl certificate approve yields a certificate signed by the cluster CA', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyPath = join(work, 'u.key');
    writeFileSync(keyPath, createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })).export({ format: 'pem', type: 'pkcs8' }));
    const csrPem = execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', '/CN=jane/O=devs'], { encoding: 'utf8' });
    writeFileSync(
      join(work, 'csr.yaml'),
      JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'jane' }, spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600 } }),
    );
    await k('apply', '-f', join(work, 'csr.yaml'));
    await k('certificate', 'approve', 'jane');
    const cert = await until(async () => (await json('get', 'csr', 'jane')).status.certificate, 'the certificate');
    const certPath = join(work, 'jane.crt');
    writeFileSync(certPath, Buffer.from(cert, 'base64'));
    const verify = execFileSync('openssl', ['verify', '-CAfile', join(srv.dataDir, 'pki', 'ca.crt'), certPath], { encoding: 'utf8' });
    assert.match(verify, /OK/);
    assert.match(execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-subject'], { encoding: 'utf8' }), /CN\s*=\s*jane/);
  });
});
