// E2E: `k8ts server` on an external etcd (Debian's etcd-server): over TLS with kubeadm's etcd PKI
// (etcd/ca, etcd/server, apiserver-etcd-client), keys laid out as upstream (etcdctl get --prefix
// --keys-only /registry), Secrets encrypted at rest as the Kubernetes-the-Hard-Way smoke test
// checks them (etcdctl get ... | hexdump -C), apiserver_storage_objects polled from etcd, and
// `k8ts migrate-storage` moving a populated cluster sqlite → etcd → sqlite with every object and
// resourceVersion kept.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdInstance, stopAllEtcd } from '../unit/storage/etcd-fixture.js';
import { H2Client, kc, k8tsBin, kubectl, loadCreds, startServer, until, type ServerProc } from './harness.js';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const k8ts = (...args: string[]) => run(process.execPath, [k8tsBin, ...args]);

after(async () => {
  await stopAllEtcd();
});

describe('k8ts server on etcd over TLS (kubeadm etcd PKI)', { timeout: 240_000 }, () => {
  let pki: string;
  let etcd: EtcdInstance;
  let srv: ServerProc;
  let etcdctl: (...args: string[]) => Promise<string>;

  before(async () => {
    pki = mkdtempSync(join(tmpdir(), 'k8ts-etcd-pki-'));
    for (const phase of ['etcd-ca', 'etcd-server', 'etcd-healthcheck-client', 'apiserver-etcd-client']) {
      const r = await k8ts('kubeadm', 'init', 'phase', 'certs', phase, `--cert-dir=${pki}`);
      assert.equal(r.code, 0, `kubeadm init phase certs ${phase}: ${r.stderr}`);
    }
    etcd = await EtcdInstance.start({
      tls: {
        ca: join(pki, 'etcd/ca.crt'),
        cert: join(pki, 'etcd/server.crt'),
        key: join(pki, 'etcd/server.key'),
        clientCert: join(pki, 'etcd/healthcheck-client.crt'),
        clientKey: join(pki, 'etcd/healthcheck-client.key'),
      },
    });
    etcdctl = (...args) => etcd.etcdctl(...args);
    srv = await startServer({
      timeoutMs: 60_000,
      extraArgs: [
        `--etcd-servers=${etcd.endpoint}`,
        `--etcd-cafile=${join(pki, 'etcd/ca.crt')}`,
        `--etcd-certfile=${join(pki, 'apiserver-etcd-client.crt')}`,
        `--etcd-keyfile=${join(pki, 'apiserver-etcd-client.key')}`,
        '--etcd-count-metric-poll-period=1s',
      ],
    });
  });

  after(async () => {
    await srv?.destroy();
    await etcd?.stop();
    if (pki) rmSync(pki, { recursive: true, force: true });
  });

  test('the server stores in etcd over https with the apiserver-etcd-client certificate', async () => {
    assert.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:/);
    assert.ok(srv.logs.join('').includes('using etcd'), 'server log says it uses etcd');
    assert.equal(await kc(srv.kubeconfig, ['get', '--raw', '/healthz/etcd']), 'ok');
    // a client certificate of another CA is refused by this etcd: the server really used TLS auth
    const r = await run('etcdctl', ['--endpoints', etcd.endpoint, '--cacert', join(pki, 'etcd/ca.crt'), '--dial-timeout=2s', '--command-timeout=3s', 'get', '/registry/namespaces/default'], { ETCDCTL_API: '3' });
    assert.notEqual(r.code, 0, 'etcdctl without a client certificate must be refused');
  });

  test('etcdctl get --prefix --keys-only /registry lists the keys upstream uses', async () => {
    await kc(srv.kubeconfig, ['create', 'configmap', 'cm1', '--from-literal=a=b']);
    await kc(srv.kubeconfig, ['create', 'deployment', 'web', '--image=nginx']);
    const keys = await until(async () => {
      const out = (await etcdctl('get', '--prefix', '--keys-only', '/registry')).split('\n').filter(Boolean);
      return out.includes('/registry/deployments/default/web') && out.some((k) => k.startsWith('/registry/replicasets/default/web-')) ? out : undefined;
    }, 'the deployment and its replicaset in etcd', 60_000);
    for (const k of [
      '/registry/namespaces/default',
      '/registry/namespaces/kube-system',
      '/registry/configmaps/default/cm1',
      '/registry/services/specs/default/kubernetes',
      '/registry/services/endpoints/default/kubernetes',
      '/registry/clusterroles/cluster-admin',
      '/registry/clusterrolebindings/cluster-admin',
      '/registry/priorityclasses/system-node-critical',
      '/registry/ranges/serviceips',
      // written by the range repair loop at start, before any NodePort Service exists
      '/registry/ranges/servicenodeports',
    ]) {
      assert.ok(keys.includes(k), `${k} in:\n${keys.join('\n')}`);
    }
    assert.ok(keys.every((k) => k.startsWith('/registry/')), 'every key is under /registry/');
    // values are protobuf-free JSON for built-ins here, but the key is what kubectl users inspect
    const cm = JSON.parse(await etcdctl('get', '/registry/configmaps/default/cm1', '--print-value-only'));
    assert.equal(cm.kind, 'ConfigMap');
    assert.equal(cm.data.a, 'b');
  });

  test('Secrets are encrypted in etcd: hexdump shows k8s:enc:aescbc:v1:key1 and no plaintext', async () => {
    await kc(srv.kubeconfig, ['create', 'secret', 'generic', 'kubernetes-the-hard-way', '--from-literal=mykey=mydata-plaintext-7f3a']);
    const tls = ['--cacert', join(pki, 'etcd/ca.crt'), '--cert', join(pki, 'etcd/healthcheck-client.crt'), '--key', join(pki, 'etcd/healthcheck-client.key')];
    // exactly the smoke test's pipeline
    const r = await run('bash', ['-c', `etcdctl --endpoints ${etcd.endpoint} ${tls.join(' ')} get /registry/secrets/default/kubernetes-the-hard-way | hexdump -C`], { ETCDCTL_API: '3' });
    assert.equal(r.code, 0, r.stderr);
    const dump = r.stdout;
    // hexdump's ASCII column splits the text across 16-byte lines: rebuild it
    const ascii = dump.split('\n').map((l) => /\|(.*)\|$/.exec(l)?.[1] ?? '').join('');
    assert.ok(ascii.startsWith('/registry/secrets/default/kubernetes-the-hard-way.'), dump);
    assert.ok(ascii.includes('k8s:enc:aescbc:v1:key1:'), ascii);
    assert.ok(!ascii.includes('mydata-plaintext'), 'plaintext value is not in etcd');
    assert.ok(!ascii.includes(Buffer.from('mydata-plaintext-7f3a').toString('base64').slice(0, 16)), 'base64 value is not in etcd');
    // and the API server decrypts it
    const got = await kc(srv.kubeconfig, ['get', 'secret', 'kubernetes-the-hard-way', '-o', 'jsonpath={.data.mykey}']);
    assert.equal(Buffer.from(got, 'base64').toString(), 'mydata-plaintext-7f3a');
  });

  test('apiserver_storage_objects counts objects in etcd (--etcd-count-metric-poll-period)', async () => {
    const h2 = new H2Client(loadCreds(srv.kubeconfig));
    try {
      await kc(srv.kubeconfig, ['create', 'configmap', 'cm2', '--from-literal=a=b']);
      const want = (await etcdctl('get', '--prefix', '--keys-only', '/registry/configmaps/')).split('\n').filter(Boolean).length;
      const text = await until(async () => {
        const res = await h2.request('GET', '/metrics');
        const m = /^apiserver_storage_objects\{resource="configmaps"\} (\d+)$/m.exec(res.body);
        // one poll counts the resources one after another, so wait for the one that includes both
        const deployments = /^apiserver_storage_objects\{resource="deployments\.apps"\} 1$/m.test(res.body);
        return m && Number(m[1]) >= want && deployments ? res.body : undefined;
      }, 'apiserver_storage_objects for configmaps and deployments.apps', 30_000);
      assert.match(text, /^apiserver_storage_objects\{resource="secrets"\} \d+$/m);
    } finally {
      h2.close();
    }
  });
});

describe('k8ts migrate-storage: sqlite → etcd → sqlite', { timeout: 300_000 }, () => {
  let dataDir: string;
  let etcd: EtcdInstance;
  let srv: ServerProc | undefined;
  /** Every server started here: stopped in after() even when a test failed half-way. */
  const started: ServerProc[] = [];
  const start = async (extraArgs: string[]) => {
    srv = await startServer({ dataDir, timeoutMs: 60_000, extraArgs });
    started.push(srv);
    return srv;
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'k8ts-e2e-migrate-'));
    etcd = await EtcdInstance.start();
  });
  after(async () => {
    for (const s of started) await s.stop();
    await etcd?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** name → resourceVersion of every object of these kinds (all namespaces). */
  async function snapshot(kubeconfig: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const list = JSON.parse(await kc(kubeconfig, ['get', 'namespaces,configmaps,secrets,deployments,services,serviceaccounts,clusterroles', '-A', '-o', 'json']));
    for (const o of list.items) {
      // the kubernetes Service follows the API server's (random) port: rewritten at each start
      if (o.kind === 'Service' && o.metadata.name === 'kubernetes') continue;
      out.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.metadata.resourceVersion);
    }
    return out;
  }

  let before1: Map<string, string>;
  let etcdSnapshot: Map<string, string>;

  test('a populated embedded cluster moves to etcd with every resourceVersion kept', async () => {
    srv = await start(['--storage-backend=sqlite', '--disable-controller-manager', '--disable-scheduler']);
    await kc(srv.kubeconfig, ['create', 'namespace', 'mig']);
    const manifests = Array.from({ length: 30 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: mig\ndata:\n  i: "${i}"\n`).join('---\n');
    await kc(srv.kubeconfig, ['apply', '-f', '-'], manifests);
    await kc(srv.kubeconfig, ['-n', 'mig', 'create', 'secret', 'generic', 's1', '--from-literal=password=hunter2']);
    await kc(srv.kubeconfig, ['-n', 'mig', 'create', 'deployment', 'web', '--image=nginx']);
    await kc(srv.kubeconfig, ['-n', 'mig', 'delete', 'configmap', 'cm-3']); // a gap in the revisions
    await kc(srv.kubeconfig, ['-n', 'mig', 'label', 'configmap', 'cm-1', 'x=y']);
    before1 = await snapshot(srv.kubeconfig);
    assert.ok(before1.has('ConfigMap/mig/cm-29') && !before1.has('ConfigMap/mig/cm-3'));
    await srv.stop();

    // the store is locked while the server runs; stopped, it migrates
    const r = await k8ts('migrate-storage', `--from=sqlite:${dataDir}`, `--to=${etcd.endpoint}`);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /source \(sqlite\): \d+ keys under \/registry\/ at revision \d+/);
    assert.match(r.stdout, /copied \d+\/\d+ keys/);
    assert.match(r.stdout, /configmaps: \d+/);
    assert.match(r.stdout, /verified: \d+ keys copied, counts match; every resourceVersion kept/);

    // a second run refuses the now non-empty target
    const again = await k8ts('migrate-storage', `--from=sqlite:${dataDir}`, `--to=etcd:${etcd.endpoint}`);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds \d+ keys under \/registry\/: refusing/);

    // no filler key is left behind
    const keys = (await etcd.etcdctl('get', '--prefix', '--keys-only', '/')).split('\n').filter(Boolean);
    assert.ok(keys.every((k) => k.startsWith('/registry/')), keys.filter((k) => !k.startsWith('/registry/')).join(','));

    srv = await start([`--etcd-servers=${etcd.endpoint}`, '--disable-controller-manager', '--disable-scheduler']);
    const after1 = await snapshot(srv.kubeconfig);
    for (const [k, rv] of before1) assert.equal(after1.get(k), rv, `${k} keeps resourceVersion ${rv}`);
    // the secret is still readable (same encryption key, same ciphertext)
    const pw = await kc(srv.kubeconfig, ['-n', 'mig', 'get', 'secret', 's1', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(pw, 'base64').toString(), 'hunter2');
    // new writes continue above every migrated resourceVersion
    await kc(srv.kubeconfig, ['-n', 'mig', 'create', 'configmap', 'after-etcd']);
    const rv = Number(await kc(srv.kubeconfig, ['-n', 'mig', 'get', 'configmap', 'after-etcd', '-o', 'jsonpath={.metadata.resourceVersion}']));
    assert.ok([...before1.values()].every((v) => Number(v) < rv), `new resourceVersion ${rv} is above the migrated ones`);
    etcdSnapshot = await snapshot(srv.kubeconfig);
    await srv.stop();
  });

  test('and back from etcd into a fresh embedded store, refusing the old non-empty one', async () => {
    const refused = await k8ts('migrate-storage', `--from=etcd:${etcd.endpoint}`, `--to=sqlite:${dataDir}`);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /refusing/);

    rmSync(join(dataDir, 'db'), { recursive: true, force: true });
    const r = await k8ts('migrate-storage', `--from=etcd:${etcd.endpoint}`, `--to=sqlite://${join(dataDir, 'db', 'state.db')}`);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /source \(etcd3\)/);
    assert.match(r.stdout, /every resourceVersion kept/);

    srv = await start(['--storage-backend=sqlite', '--disable-controller-manager', '--disable-scheduler']);
    const back = await snapshot(srv.kubeconfig);
    assert.equal(back.size, etcdSnapshot.size);
    for (const [k, rv] of etcdSnapshot) assert.equal(back.get(k), rv, `${k} keeps resourceVersion ${rv}`);
    // a watch from before the migration is answered 410 Gone (clients relist), not a partial replay
    const old = [...before1.values()].map(Number).sort((a, b) => a - b)[0];
    const w = await kubectl(srv.kubeconfig, ['get', '--raw', `/api/v1/namespaces/mig/configmaps?watch=1&resourceVersion=${old}&timeoutSeconds=2`]);
    assert.match(w.stdout + w.stderr, /410|Expired|too old/i);
    await srv.stop();
    srv = undefined;
  });

  test('bad arguments get a clear error', async () => {
    const r = await k8ts('migrate-storage', '--from=mysql://x', '--to=sqlite:/tmp/x');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /expected sqlite:PATH or etcd:/);
    const missing = await k8ts('migrate-storage', `--from=sqlite:${join(dataDir, 'nope.db')}`, `--to=${etcd.endpoint}`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no embedded store at/);
  });
});


