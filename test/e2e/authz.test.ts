// Authorization matrix driven by the real kubectl with different client certificates against
// `k8ts server` (Node,RBAC): the admin, a user bound to `view` in one namespace, node-0 and
// node-1, kube-proxy, anonymous, a certificate from a foreign CA and an expired one.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kc, kubectl, startServer } from './harness.js';
import type { ServerProc } from './harness.js';
import { createCA, issueCert } from '../../src/pki/certs.js';
import { buildKubeconfig, serializeKubeconfig } from '../../src/pki/kubeconfig.js';

describe('authorization matrix (Node,RBAC)', () => {
  let srv: ServerProc;
  const kubeconfigs: Record<string, string> = {};

  async function userKubeconfig(name: string, cn: string, orgs: string[], opts: { foreign?: boolean; validityDays?: number } = {}): Promise<string> {
    const caCertPem = readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8');
    const ca = opts.foreign
      ? await createCA({ commonName: 'someone-else', keyAlgorithm: 'ecdsa' })
      : { certPem: caCertPem, keyPem: readFileSync(join(srv.dataDir, 'pki', 'ca.key'), 'utf8') };
    const leaf = await issueCert(ca, { commonName: cn, organizations: orgs, usages: ['client'], keyAlgorithm: 'ecdsa', validityDays: opts.validityDays });
    const path = join(srv.dataDir, `${name}.kubeconfig`);
    writeFileSync(path, serializeKubeconfig(buildKubeconfig({ server: srv.url, caCertPem, clientCertPem: leaf.certPem, clientKeyPem: leaf.keyPem, userName: name })), { mode: 0o600 });
    return path;
  }

  before(async () => {
    srv = await startServer();
    const admin = srv.kubeconfig;
    kubeconfigs.bob = await userKubeconfig('bob', 'bob', ['devs']);
    kubeconfigs.node0 = await userKubeconfig('node0', 'system:node:node-0', ['system:nodes']);
    kubeconfigs.node1 = await userKubeconfig('node1', 'system:node:node-1', ['system:nodes']);
    kubeconfigs.proxy = await userKubeconfig('proxy', 'system:kube-proxy', ['system:node-proxier']);
    kubeconfigs.foreign = await userKubeconfig('foreign', 'mallory', ['system:masters'], { foreign: true });
    kubeconfigs.expired = await userKubeconfig('expired', 'old', ['system:masters'], { validityDays: -1 });
    await kc(admin, ['create', 'namespace', 'team']);
    await kc(admin, ['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team']);
    await kc(admin, ['-n', 'team', 'create', 'secret', 'generic', 's0', '--from-literal=k=v0']);
    await kc(admin, ['-n', 'team', 'create', 'secret', 'generic', 's1', '--from-literal=k=v1']);
    await kc(admin, ['-n', 'team', 'create', 'configmap', 'c0', '--from-literal=a=b']);
    for (const n of ['node-0', 'node-1']) {
      await kc(admin, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } }));
    }
    const pod = (name: string, node: string, secret: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'team' },
      spec: {
        nodeName: node,
        containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: 'c0' } }] }],
        volumes: [{ name: 's', secret: { secretName: secret } }],
      },
    });
    await kc(admin, ['apply', '-f', '-'], JSON.stringify(pod('p0', 'node-0', 's0')));
    await kc(admin, ['apply', '-f', '-'], JSON.stringify(pod('p1', 'node-1', 's1')));
  });

  after(async () => {
    await srv?.destroy();
  });

  const allowed = async (who: string, args: string[]) => {
    const r = await kubectl(who === 'admin' ? srv.kubeconfig : kubeconfigs[who], args);
    assert.equal(r.code, 0, `${who}: kubectl ${args.join(' ')} should be allowed:\n${r.stderr}`);
    return r.stdout;
  };
  const forbidden = async (who: string, args: string[], message?: RegExp) => {
    const r = await kubectl(kubeconfigs[who], args);
    assert.notEqual(r.code, 0, `${who}: kubectl ${args.join(' ')} should be denied`);
    assert.match(r.stderr, message ?? /Error from server \(Forbidden\)/);
    return r.stderr;
  };

  test('admin (system:masters) may do anything', async () => {
    await allowed('admin', ['get', 'secrets', '-A']);
    await allowed('admin', ['auth', 'can-i', '*', '*']);
  });

  test('a user bound to view reads but does not write, and never reads secrets', async () => {
    await allowed('bob', ['-n', 'team', 'get', 'configmaps']);
    await allowed('bob', ['-n', 'team', 'get', 'pods']);
    const msg = await forbidden('bob', ['-n', 'team', 'get', 'secret', 's0']);
    assert.match(msg, /secrets "s0" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "team"/);
    await forbidden('bob', ['-n', 'team', 'delete', 'configmap', 'c0']);
    await forbidden('bob', ['get', 'pods', '-A'], /at the cluster scope/);
    await forbidden('bob', ['-n', 'default', 'get', 'configmaps']);
    assert.equal((await allowed('bob', ['auth', 'can-i', 'list', 'pods', '-n', 'team'])).trim(), 'yes');
    const r = await kubectl(kubeconfigs.bob, ['auth', 'can-i', 'create', 'pods', '-n', 'team']);
    assert.equal(r.stdout.trim(), 'no');
    assert.match(await allowed('bob', ['auth', 'whoami']), /bob[\s\S]*devs/);
  });

  test('escalation: a user cannot grant permissions it does not hold', async () => {
    // bob may create rolebindings in team, but holds only view's permissions there
    await kc(srv.kubeconfig, ['-n', 'team', 'create', 'role', 'rb-writer', '--verb=create', '--resource=rolebindings.rbac.authorization.k8s.io']);
    await kc(srv.kubeconfig, ['-n', 'team', 'create', 'rolebinding', 'bob-rb-writer', '--role=rb-writer', '--user=bob']);
    const msg = await forbidden('bob', ['-n', 'team', 'create', 'rolebinding', 'grab', '--clusterrole=cluster-admin', '--user=bob'], /forbidden/);
    assert.match(msg, /rolebindings.rbac.authorization.k8s.io "grab" is forbidden: user "bob" \(groups=\["devs" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
    // binding a role whose rules bob holds is fine
    await allowed('bob', ['-n', 'team', 'create', 'rolebinding', 'share-view', '--clusterrole=view', '--user=alice']);
  });

  test('the Node authorizer: a node reads only what its pods use', async () => {
    await allowed('node0', ['-n', 'team', 'get', 'secret', 's0']);
    await allowed('node0', ['-n', 'team', 'get', 'configmap', 'c0']);
    const msg = await forbidden('node0', ['-n', 'team', 'get', 'secret', 's1']);
    assert.match(msg, /no relationship found between node 'node-0' and this object/);
    await allowed('node1', ['-n', 'team', 'get', 'secret', 's1']);
    await forbidden('node1', ['-n', 'team', 'get', 'secret', 's0']);
    await forbidden('node0', ['-n', 'team', 'get', 'secrets']);
    await allowed('node0', ['get', 'node', 'node-0']);
    await allowed('node0', ['get', 'pods', '-A', '--field-selector=spec.nodeName=node-0']);
  });

  test('NodeRestriction: a node modifies only its own Node', async () => {
    await allowed('node0', ['patch', 'node', 'node-0', '--type=merge', '-p', '{"metadata":{"annotations":{"k8ts.test/touched":"yes"}}}']);
    const msg = await forbidden('node0', ['patch', 'node', 'node-1', '--type=merge', '-p', '{"metadata":{"annotations":{"k8ts.test/touched":"yes"}}}']);
    assert.match(msg, /node-0.*node-1|cannot modify node "node-1"|is not allowed to modify node "node-1"/);
  });

  test('a ServiceAccount token authenticates as the ServiceAccount, and dies with it', async () => {
    await kc(srv.kubeconfig, ['-n', 'team', 'create', 'serviceaccount', 'robot']);
    await kc(srv.kubeconfig, ['-n', 'team', 'create', 'rolebinding', 'robot-view', '--clusterrole=view', '--serviceaccount=team:robot']);
    const token = (await kc(srv.kubeconfig, ['-n', 'team', 'create', 'token', 'robot'])).trim();
    assert.match(token, /^eyJ/);
    const base = ['--kubeconfig=/dev/null', `--server=${srv.url}`, `--certificate-authority=${join(srv.dataDir, 'pki', 'ca.crt')}`, `--token=${token}`];
    const who = await kubectl(srv.kubeconfig, [...base, 'auth', 'whoami']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /system:serviceaccount:team:robot/);
    assert.match(who.stdout, /system:serviceaccounts:team/);
    const cms = await kubectl(srv.kubeconfig, [...base, '-n', 'team', 'get', 'configmaps']);
    assert.equal(cms.code, 0, cms.stderr);
    const sec = await kubectl(srv.kubeconfig, [...base, '-n', 'team', 'get', 'secrets']);
    assert.match(sec.stderr, /Forbidden/);
    await kc(srv.kubeconfig, ['-n', 'team', 'delete', 'serviceaccount', 'robot']);
    const dead = await kubectl(srv.kubeconfig, [...base, '-n', 'team', 'get', 'configmaps']);
    assert.match(dead.stderr, /Unauthorized|must be logged in/);
    const bogus = await kubectl(srv.kubeconfig, ['--kubeconfig=/dev/null', `--server=${srv.url}`, `--certificate-authority=${join(srv.dataDir, 'pki', 'ca.crt')}`, '--token=not-a-token', 'get', 'pods']);
    assert.match(bogus.stderr, /Unauthorized|must be logged in/);
  });

  test('a bootstrap token authenticates as system:bootstrap:<id> in system:bootstrappers', async () => {
    const id = 'abcdef';
    const secret = '0123456789abcdef';
    await kc(srv.kubeconfig, ['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      stringData: { 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true' },
    }));
    const base = ['--kubeconfig=/dev/null', `--server=${srv.url}`, `--certificate-authority=${join(srv.dataDir, 'pki', 'ca.crt')}`];
    const who = await kubectl(srv.kubeconfig, [...base, `--token=${id}.${secret}`, 'auth', 'whoami']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /system:bootstrap:abcdef/);
    assert.match(who.stdout, /system:bootstrappers/);
    const wrong = await kubectl(srv.kubeconfig, [...base, `--token=${id}.ffffffffffffffff`, 'auth', 'whoami']);
    assert.match(wrong.stderr, /Unauthorized|must be logged in/);
  });

  test('kube-proxy (system:node-proxier) lists services and endpoints, nothing more', async () => {
    await allowed('proxy', ['get', 'services', '-A']);
    await allowed('proxy', ['get', 'endpointslices', '-A']);
    await forbidden('proxy', ['get', 'secrets', '-A']);
    await forbidden('proxy', ['-n', 'team', 'delete', 'service', 'nothing']);
  });

  test('anonymous requests reach only the public endpoints', async () => {
    const base = srv.url;
    const res = await fetchInsecure(`${base}/healthz`);
    assert.equal(res.status, 200);
    const v = await fetchInsecure(`${base}/version`);
    assert.equal(v.status, 200);
    const pods = await fetchInsecure(`${base}/api/v1/pods`);
    assert.equal(pods.status, 403);
    assert.match(pods.body, /User \\"system:anonymous\\" cannot list resource \\"pods\\"/);
  });

  test('certificates from a foreign CA and expired certificates are Unauthorized', async () => {
    await forbidden('foreign', ['get', 'pods'], /Unauthorized|must be logged in/);
    await forbidden('expired', ['get', 'pods'], /Unauthorized|must be logged in/);
  });
});

async function fetchInsecure(url: string): Promise<{ status: number; body: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}
