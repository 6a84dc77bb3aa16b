// The node, certificate, service-account, bootstrap-token and TTL controllers against a real
// k8ts API server, run by a separate `k8ts kube-controller-manager` process with upstream's
// flags (--cluster-cidr, --cluster-signing-*, --root-ca-file, --service-account-private-key-file,
// --use-service-account-credentials). There is no kubelet: the test plays it by posting node
// status and renewing node Leases.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, spawnK8ts, kc, kubectl, until } from './harness.js';
import type { ServerProc, ComponentProc } from './harness.js';
import { RestClient } from '../../src/client/rest.js';

const NODES = { group: '', version: 'v1', resource: 'nodes' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const EVENTS = { group: '', version: 'v1', resource: 'events' };
const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

const CONTROLLERS = 'nodeipam,nodelifecycle,taint-eviction-controller,csrsigning,csrapproving,csrcleaner,serviceaccount,serviceaccount-token,root-ca-cert-publisher,bootstrap-signer,token-cleaner,ttl,horizontalpodautoscaling';

const rfc3339 = (ms = Date.now()) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const microTime = () => new Date().toISOString().replace('Z', '000Z');

describe('node, certificate and service-account controllers', () => {
  let srv: ServerProc;
  let kcm: ComponentProc;
  let client: RestClient;
  let work: string;
  let pki: string;

  const startKCM = async () => {
    kcm = spawnK8ts([
      'kube-controller-manager',
      `--kubeconfig=${srv.kubeconfig}`,
      `--controllers=${CONTROLLERS}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--v=2',
      '--cluster-cidr=10.200.0.0/16',
      '--service-cluster-ip-range=10.32.0.0/24',
      `--cluster-signing-cert-file=${pki}/ca.crt`,
      `--cluster-signing-key-file=${pki}/ca.key`,
      `--root-ca-file=${pki}/ca.crt`,
      `--service-account-private-key-file=${pki}/sa.key`,
      '--use-service-account-credentials=true',
      '--node-monitor-period=1s',
      '--node-monitor-grace-period=10s',
      '--horizontal-pod-autoscaler-sync-period=1s',
    ]);
    await kcm.waitForLog(/Starting TTL controller/, 60000);
  };

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    pki = join(srv.dataDir, 'pki');
    work = mkdtempSync(join(tmpdir(), 'k8ts-certs-'));
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
    await startKCM();
  });

  after(async () => {
    await kcm?.stop('SIGKILL');
    client?.close();
    await srv?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const getNode = (name: string) => client.get<any>({ ...NODES, name });
  const createNode = (name: string, labels: Record<string, string> = {}) => kc(srv.kubeconfig, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }));
  const events = async (ns: string, name: string): Promise<any[]> => (await client.list<any>({ ...EVENTS, namespace: ns }, { fieldSelector: `involvedObject.name=${name}` })).items;

  it('nodeipam gives nodes the next /24 of --cluster-cidr; a deleted node\'s range is reused; ttl annotates nodes', async () => {
    await createNode('ipam-a');
    const a = await until(async () => (await getNode('ipam-a')).spec?.podCIDR, 'podCIDR of ipam-a');
    assert.equal(a, '10.200.0.0/24');
    await createNode('ipam-b');
    const b = await until(async () => (await getNode('ipam-b')).spec?.podCIDRs, 'podCIDRs of ipam-b');
    assert.deepEqual(b, ['10.200.1.0/24']);
    assert.equal(await until(async () => (await getNode('ipam-b')).metadata.annotations?.['node.alpha.kubernetes.io/ttl'], 'ttl annotation'), '0');
    const reg = await until(async () => (await events('default', 'ipam-a')).find((e) => e.reason === 'RegisteredNode'), 'RegisteredNode event');
    assert.equal(reg.message, 'Node ipam-a event: Registered Node ipam-a in Controller');
    assert.equal(reg.source.component, 'node-controller');

    // a deleted node's range is free again: a restarted allocator marks the ranges in use and
    // hands out the lowest free one
    await kc(srv.kubeconfig, ['delete', 'node', 'ipam-a']);
    await kcm.stop('SIGTERM');
    await startKCM();
    await createNode('ipam-c');
    assert.equal(await until(async () => (await getNode('ipam-c')).spec?.podCIDR, 'podCIDR of ipam-c'), '10.200.0.0/24');
    assert.deepEqual((await getNode('ipam-b')).spec.podCIDRs, ['10.200.1.0/24']);
    await kc(srv.kubeconfig, ['delete', 'node', 'ipam-b', 'ipam-c']);
  });

  it('nodelifecycle: a node whose heartbeats stop goes Unknown, is tainted, its pods are marked NotReady and evicted; Ready again removes the taints', async () => {
    const zone = { 'topology.kubernetes.io/zone': 'z1' };
    for (const n of ['live', 'dead']) {
      await createNode(n, zone);
      await client.patch({ ...NODES, name: n, subresource: 'status' }, 'merge', {
        status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: rfc3339(), lastTransitionTime: rfc3339() }] },
      });
      await client.create({ ...LEASES, namespace: 'kube-node-lease' }, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: n, namespace: 'kube-node-lease' }, spec: { holderIdentity: n, leaseDurationSeconds: 40, renewTime: microTime() } });
    }
    let renewDead = true;
    let renewing = true;
    const renew = (async () => {
      while (renewing) {
        for (const n of renewDead ? ['live', 'dead'] : ['live']) {
          await client.patch({ ...LEASES, namespace: 'kube-node-lease', name: n }, 'merge', { spec: { renewTime: microTime() } }).catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    try {
      const pod = (name: string, tolerationSeconds?: number) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: {
          nodeName: 'dead',
          containers: [{ name: 'c', image: 'busybox' }],
          tolerations: tolerationSeconds === undefined ? undefined : [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }],
        },
      });
      await kc(srv.kubeconfig, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('evicted', 2), pod('patient', 3600)] }));
      for (const p of ['evicted', 'patient']) {
        await kc(srv.kubeconfig, ['patch', 'pod', p, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339() }] } })]);
      }
      // the node stays Ready while its lease is renewed past the grace period
      await new Promise((r) => setTimeout(r, 12000));
      assert.equal((await getNode('dead')).status.conditions.find((c: any) => c.type === 'Ready').status, 'True');

      renewDead = false;
      const ready = await until(async () => (await getNode('dead')).status.conditions.find((c: any) => c.type === 'Ready' && c.status === 'Unknown'), 'dead Ready=Unknown', 30000);
      assert.equal(ready.reason, 'NodeStatusUnknown');
      assert.equal(ready.message, 'Kubelet stopped posting node status.');
      const mem = (await getNode('dead')).status.conditions.find((c: any) => c.type === 'MemoryPressure');
      assert.deepEqual([mem.status, mem.reason, mem.message], ['Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.']);
      const taints = await until(async () => {
        const t = (await getNode('dead')).spec.taints ?? [];
        return t.length >= 2 ? t : undefined;
      }, 'unreachable taints');
      assert.ok(taints.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute' && t.timeAdded));
      assert.ok(taints.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule'));
      assert.equal((await getNode('live')).spec.taints, undefined);

      // MarkPodsNotReady, then the taint-eviction controller deletes the pod after its 2s
      const notReady = await until(async () => {
        const p = await client.get<any>({ ...PODS, namespace: 'default', name: 'patient' });
        return p.status.conditions.find((c: any) => c.type === 'Ready' && c.status === 'False');
      }, 'patient Ready=False');
      assert.ok(notReady);
      const evicted = await until(async () => {
        const p = await client.get<any>({ ...PODS, namespace: 'default', name: 'evicted' }).catch(() => ({ gone: true }));
        return p.gone || p.metadata.deletionTimestamp ? p : undefined;
      }, 'evicted pod deleted');
      if (!evicted.gone) {
        const dt = evicted.status.conditions.find((c: any) => c.type === 'DisruptionTarget');
        assert.deepEqual([dt.status, dt.reason, dt.message], ['True', 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint']);
      }
      const ev = await until(async () => (await events('default', 'evicted')).find((e) => e.reason === 'TaintManagerEviction'), 'TaintManagerEviction event');
      assert.equal(ev.message, 'Marking for deletion Pod default/evicted');
      assert.equal(ev.source.component, 'taint-eviction-controller');
      assert.ok((await events('default', 'dead')).some((e) => e.reason === 'NodeNotReady' && e.message === 'Node dead status is now: NodeNotReady'));
      const patient = await client.get<any>({ ...PODS, namespace: 'default', name: 'patient' });
      assert.equal(patient.metadata.deletionTimestamp, undefined, 'a pod tolerating the taint for an hour stays');

      // the kubelet comes back
      await client.patch({ ...NODES, name: 'dead', subresource: 'status' }, 'merge', {
        status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: rfc3339(), lastTransitionTime: rfc3339() }] },
      });
      renewDead = true;
      await until(async () => ((await getNode('dead')).spec.taints ?? []).length === 0, 'taints removed');
    } finally {
      renewing = false;
      await renew;
    }
    await kc(srv.kubeconfig, ['delete', 'pod', 'patient', 'evicted', '--ignore-not-found', '--grace-period=0', '--force']);
  });

  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  const csrManifest = (name: string, file: string, signerName: string, usages: string[], expirationSeconds?: number) =>
    JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: { request: readFileSync(join(work, file)).toString('base64'), signerName, usages, ...(expirationSeconds ? { expirationSeconds } : {}) },
    });

  it('csrsigning: kubectl certificate approve gets a certificate signed by the cluster CA; deny and invalid requests are not signed', async () => {
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'jane.key', '-subj', '/O=devs/CN=jane', '-out', 'jane.csr']);
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'bob.key', '-subj', '/O=devs/CN=bob', '-out', 'bob.csr']);
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-subj', '/O=devs/CN=system:node:w1', '-addext', 'subjectAltName=DNS:w1', '-out', 'srv.csr']);
    await kc(srv.kubeconfig, ['create', '-f', '-'], csrManifest('bob', 'bob.csr', 'kubernetes.io/kube-apiserver-client', ['client auth']));
    await kc(srv.kubeconfig, ['certificate', 'deny', 'bob']);
    await kc(srv.kubeconfig, ['create', '-f', '-'], csrManifest('bad-serving', 'srv.csr', 'kubernetes.io/kubelet-serving', ['digital signature', 'key encipherment', 'server auth']));
    await kc(srv.kubeconfig, ['certificate', 'approve', 'bad-serving']);
    await kc(srv.kubeconfig, ['create', '-f', '-'], csrManifest('jane', 'jane.csr', 'kubernetes.io/kube-apiserver-client', ['client auth', 'digital signature'], 3600));
    await kc(srv.kubeconfig, ['certificate', 'approve', 'jane']);
    const b64 = await until(async () => (await client.get<any>({ ...CSRS, name: 'jane' })).status?.certificate, 'jane certificate');
    writeFileSync(join(work, 'jane.crt'), Buffer.from(b64, 'base64'));
    assert.match(openssl(['verify', '-CAfile', join(pki, 'ca.crt'), 'jane.crt']), /jane.crt: OK/);
    const text = openssl(['x509', '-in', 'jane.crt', '-noout', '-subject', '-startdate', '-enddate', '-ext', 'extendedKeyUsage,keyUsage,basicConstraints']);
    assert.match(text, /subject=O ?= ?devs, CN ?= ?jane/);
    assert.match(text, /TLS Web Client Authentication/);
    assert.match(text, /Digital Signature/);
    assert.match(text, /CA:FALSE/);
    const start = Date.parse(/notBefore=(.*)/.exec(text)![1]!);
    const end = Date.parse(/notAfter=(.*)/.exec(text)![1]!);
    // expirationSeconds 3600 (below 8h: not shortened), NotBefore backdated 5 minutes
    assert.equal(end - start, 65 * 60 * 1000);
    const table = await kc(srv.kubeconfig, ['get', 'csr', 'jane']);
    assert.match(table, /Approved,Issued/);

    // by now the signer has also seen the earlier requests
    const bad = await until(async () => (await client.get<any>({ ...CSRS, name: 'bad-serving' })).status?.conditions?.find((c: any) => c.type === 'Failed'), 'Failed condition');
    assert.deepEqual([bad.status, bad.reason, bad.message], ['True', 'SignerValidationFailure', 'subject organization is not system:nodes']);
    const bob = await client.get<any>({ ...CSRS, name: 'bob' });
    assert.equal(bob.status.certificate, undefined);
    assert.ok(bob.status.conditions.some((c: any) => c.type === 'Denied'));
  });

  it('csrapproving auto-approves a kubelet client CSR from a bootstrap token after a SubjectAccessReview', async () => {
    await kc(srv.kubeconfig, ['create', '-n', 'kube-system', 'secret', 'generic', 'bootstrap-token-abcdef', '--type=bootstrap.kubernetes.io/token', '--from-literal=token-id=abcdef', '--from-literal=token-secret=0123456789abcdef', '--from-literal=usage-bootstrap-authentication=true', '--from-literal=usage-bootstrap-signing=true']);
    await kc(srv.kubeconfig, ['create', 'clusterrolebinding', 'node-autoapprove-bootstrap', '--clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient', '--group=system:bootstrappers']);
    await kc(srv.kubeconfig, ['create', 'clusterrolebinding', 'node-bootstrapper', '--clusterrole=system:node-bootstrapper', '--group=system:bootstrappers']);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'node.key', '-subj', '/O=system:nodes/CN=system:node:worker-9', '-out', 'node.csr']);
    const cfg = await kc(srv.kubeconfig, ['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    const r = await kubectl('/dev/null', [`--server=${cfg}`, `--certificate-authority=${pki}/ca.crt`, '--token=abcdef.0123456789abcdef', 'create', '-f', '-'], csrManifest('node-csr-1', 'node.csr', 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']));
    assert.equal(r.code, 0, r.stderr);
    const csr = await until(async () => {
      const c = await client.get<any>({ ...CSRS, name: 'node-csr-1' });
      return c.status?.certificate ? c : undefined;
    }, 'auto-approved and issued');
    const approved = csr.status.conditions.find((c: any) => c.type === 'Approved');
    assert.deepEqual([approved.reason, approved.message], ['AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.']);
    assert.equal(csr.spec.username, 'system:bootstrap:abcdef');
  });

  it('serviceaccount, root-ca-cert-publisher and serviceaccount-token', async () => {
    await kc(srv.kubeconfig, ['create', 'namespace', 'sa-test']);
    await until(async () => (await kubectl(srv.kubeconfig, ['get', 'sa', 'default', '-n', 'sa-test'])).code === 0, 'default ServiceAccount');
    const cm = JSON.parse(await until(async () => {
      const r = await kubectl(srv.kubeconfig, ['get', 'cm', 'kube-root-ca.crt', '-n', 'sa-test', '-o', 'json']);
      return r.code === 0 ? r.stdout : undefined;
    }, 'kube-root-ca.crt'));
    assert.equal(cm.data['ca.crt'], readFileSync(join(pki, 'ca.crt'), 'utf8'));
    assert.match(cm.metadata.annotations['kubernetes.io/description'], /^Contains a CA bundle that can be used to verify the kube-apiserver/);
    // repaired when edited
    await kc(srv.kubeconfig, ['patch', 'cm', 'kube-root-ca.crt', '-n', 'sa-test', '--type=merge', '-p', '{"data":{"ca.crt":"tampered"}}']);
    await until(async () => JSON.parse(await kc(srv.kubeconfig, ['get', 'cm', 'kube-root-ca.crt', '-n', 'sa-test', '-o', 'json'])).data['ca.crt'] !== 'tampered', 'kube-root-ca.crt repaired');

    // a legacy token Secret is filled in and authenticates as the ServiceAccount
    await kc(srv.kubeconfig, ['create', 'sa', 'robot', '-n', 'sa-test']);
    await kc(srv.kubeconfig, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'robot-token', namespace: 'sa-test', annotations: { 'kubernetes.io/service-account.name': 'robot' } }, type: 'kubernetes.io/service-account-token' }));
    const secret = await until(async () => {
      const s = JSON.parse(await kc(srv.kubeconfig, ['get', 'secret', 'robot-token', '-n', 'sa-test', '-o', 'json']));
      return s.data?.token ? s : undefined;
    }, 'token populated');
    assert.equal(Buffer.from(secret.data.namespace, 'base64').toString(), 'sa-test');
    assert.equal(Buffer.from(secret.data['ca.crt'], 'base64').toString(), readFileSync(join(pki, 'ca.crt'), 'utf8'));
    assert.ok(secret.metadata.annotations['kubernetes.io/service-account.uid']);
    const token = Buffer.from(secret.data.token, 'base64').toString();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.iss, 'kubernetes/serviceaccount');
    assert.equal(claims['kubernetes.io/serviceaccount/secret.name'], 'robot-token');
    const server = await kc(srv.kubeconfig, ['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    const who = await kubectl('/dev/null', [`--server=${server}`, `--certificate-authority=${pki}/ca.crt`, `--token=${token}`, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.stdout, 'system:serviceaccount:sa-test:robot', who.stderr);
    // the Secret goes with its ServiceAccount
    await kc(srv.kubeconfig, ['delete', 'sa', 'robot', '-n', 'sa-test']);
    await until(async () => (await kubectl(srv.kubeconfig, ['get', 'secret', 'robot-token', '-n', 'sa-test'])).code !== 0, 'token secret deleted');
  });

  it('bootstrap-signer signs cluster-info; token-cleaner deletes expired tokens', async () => {
    await kc(srv.kubeconfig, ['create', 'configmap', 'cluster-info', '-n', 'kube-public', '--from-literal=kubeconfig=apiVersion: v1\nkind: Config\n']);
    const sig = await until(async () => JSON.parse(await kc(srv.kubeconfig, ['get', 'cm', 'cluster-info', '-n', 'kube-public', '-o', 'json'])).data['jws-kubeconfig-abcdef'], 'jws-kubeconfig-abcdef');
    const [h, empty] = sig.split('.');
    assert.equal(empty, '');
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'HS256', kid: 'abcdef' });
    await kc(srv.kubeconfig, ['create', '-n', 'kube-system', 'secret', 'generic', 'bootstrap-token-zzzzzz', '--type=bootstrap.kubernetes.io/token', '--from-literal=token-id=zzzzzz', '--from-literal=token-secret=0123456789abcdef', '--from-literal=expiration=2020-01-01T00:00:00Z']);
    await until(async () => (await kubectl(srv.kubeconfig, ['get', 'secret', 'bootstrap-token-zzzzzz', '-n', 'kube-system'])).code !== 0, 'expired token deleted');
  });

  it('horizontalpodautoscaling: min/max clamps through the scale subresource; no metrics API gives ScalingActive=False FailedGetResourceMetric', async () => {
    await kc(srv.kubeconfig, ['create', 'deployment', 'web', '--image=nginx', '--replicas=1']);
    await kc(srv.kubeconfig, ['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=50']);
    const replicas = async () => JSON.parse(await kc(srv.kubeconfig, ['get', 'deployment', 'web', '-o', 'json'])).spec.replicas;
    await until(async () => (await replicas()) === 2, 'scaled up to minReplicas');
    const hpaEvents = async () => (await events('default', 'web')).filter((e) => e.involvedObject.kind === 'HorizontalPodAutoscaler');
    const up = await until(async () => (await hpaEvents()).find((e) => e.reason === 'SuccessfulRescale'), 'SuccessfulRescale event');
    assert.equal(up.message, 'New size: 2; reason: Current number of replicas below Spec.MinReplicas');
    const noMetrics = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
    const active = await until(async () => {
      const h = JSON.parse(await kc(srv.kubeconfig, ['get', 'hpa.v2.autoscaling', 'web', '-o', 'json']));
      return h.status.conditions?.find((c: any) => c.type === 'ScalingActive');
    }, 'ScalingActive condition');
    assert.deepEqual([active.status, active.reason, active.message], ['False', 'FailedGetResourceMetric', `the HPA was unable to compute the replica count: ${noMetrics}`]);
    assert.ok((await hpaEvents()).some((e) => e.reason === 'FailedGetResourceMetric' && e.type === 'Warning' && e.message === noMetrics));
    assert.match(await kc(srv.kubeconfig, ['get', 'hpa', 'web']), /web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+2\s+5\s+2/);
    await kc(srv.kubeconfig, ['scale', 'deployment', 'web', '--replicas=9']);
    await until(async () => (await replicas()) === 5, 'scaled down to maxReplicas');
    assert.ok((await hpaEvents()).some((e) => e.message === 'New size: 5; reason: Current number of replicas above Spec.MaxReplicas'));
  });

  it('--use-service-account-credentials: each controller acts as its kube-system ServiceAccount and RBAC allows its work', async () => {
    const audit = readFileSync(join(srv.dataDir, 'logs', 'audit.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const by = (sa: string) => audit.filter((e) => e.user?.username === `system:serviceaccount:kube-system:${sa}`);
    const did = (sa: string, verb: string, resource: string, subresource?: string) =>
      by(sa).some((e) => e.verb === verb && e.objectRef?.resource === resource && (subresource === undefined || e.objectRef?.subresource === subresource) && e.responseStatus?.code < 300);
    assert.ok(did('node-controller', 'patch', 'nodes'), 'node-controller patched nodes');
    assert.ok(did('node-controller', 'update', 'nodes', 'status'), 'node-controller updated node status');
    assert.ok(did('taint-eviction-controller', 'delete', 'pods'), 'taint-eviction-controller deleted a pod');
    assert.ok(did('certificate-controller', 'update', 'certificatesigningrequests', 'status'), 'certificate-controller signed');
    assert.ok(did('certificate-controller', 'update', 'certificatesigningrequests', 'approval'), 'certificate-controller approved');
    assert.ok(did('certificate-controller', 'create', 'subjectaccessreviews'), 'certificate-controller asked a SubjectAccessReview');
    assert.ok(did('ttl-controller', 'patch', 'nodes'), 'ttl-controller annotated nodes');
    assert.ok(did('bootstrap-signer', 'update', 'configmaps'), 'bootstrap-signer signed cluster-info');
    assert.ok(did('token-cleaner', 'delete', 'secrets'), 'token-cleaner deleted a token');
    assert.ok(did('horizontal-pod-autoscaler', 'update', 'deployments', 'scale'), 'horizontal-pod-autoscaler scaled a deployment');
    const controllers = ['node-controller', 'taint-eviction-controller', 'certificate-controller', 'ttl-controller', 'bootstrap-signer', 'token-cleaner', 'service-account-controller', 'root-ca-cert-publisher', 'horizontal-pod-autoscaler'];
    const denied = audit.filter((e) => e.responseStatus?.code === 403 && controllers.some((c) => e.user?.username === `system:serviceaccount:kube-system:${c}`));
    assert.deepEqual(denied.map((e) => `${e.user.username} ${e.verb} ${e.requestURI}`), []);
  });
});
