// E2E: the real kubectl (v1.32) against `k8ts server`, asserting upstream's output and
// behaviour. One server for the whole file; every test works in its own namespace.
//
// Run: npx tsc -p tsconfig.json && node --test dist/test/e2e/kubectl.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { KUBECTL, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION, kubectlAvailable, startServer, waitForNamespaceDefaults, type Result, type ServerProc } from './harness.js';

const skip = kubectlAvailable() ? false : `kubectl not found at ${KUBECTL}`;

let srv: ServerProc;
/** Scratch dir for manifests, kubectl's discovery cache and kubectl edit's temp files. */
let work: string;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'k8ts-e2e-kubectl-'));
  // the API on its own: only the controllers every namespace needs (default ServiceAccount,
  // kube-root-ca.crt, namespace deletion) act on what these tests create — no scheduler, no
  // workload controllers, no garbage collector
  srv = await startServer({ extraArgs: ['--disable-scheduler', '--kube-controller-manager-arg=--controllers=serviceaccount,serviceaccount-token,root-ca-cert-publisher,namespace'] });
});

after(async () => {
  await srv?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// helpers

interface RunOpts {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function kubectlArgs(args: string[]): string[] {
  return [`--kubeconfig=${srv.kubeconfig}`, `--cache-dir=${join(work, 'cache')}`, ...args];
}

/** Run kubectl; never throws. */
function run(args: string[], opts: RunOpts = {}): Promise<Result> {
  return new Promise((resolveRun) => {
    const p = spawn(KUBECTL, kubectlArgs(args), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: work, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
    p.stdin.end(opts.input);
  });
}

/** kubectl that must succeed; returns stdout. */
async function ok(args: string[], opts: RunOpts = {}): Promise<string> {
  const r = await run(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
  return r.stdout;
}

/** kubectl that must fail; returns stderr (trimmed). */
async function fails(args: string[], opts: RunOpts = {}): Promise<string> {
  const r = await run(args, opts);
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} unexpectedly succeeded:\n${r.stdout}`);
  return r.stderr.trim();
}

interface Bg {
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once the output so far satisfies pred (rejects after ms). */
  waitFor(pred: (stdout: string, stderr: string) => boolean, ms?: number): Promise<void>;
  /** Resolves once kubectl has its watch open (needs -v=6: the GET ...watch=true line). */
  watching(ms?: number): Promise<void>;
  /** Resolves when the process exits on its own. */
  done: Promise<Result>;
  /** SIGTERM it (if still running) and wait for it. */
  stop(): Promise<Result>;
}

/** kubectl running in the background (watches, waits). */
function bg(args: string[], opts: RunOpts = {}): Bg {
  const p = spawn(KUBECTL, kubectlArgs(args), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: work, ...opts.env } });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  p.stdout.on('data', (d) => {
    stdout += d;
    for (const l of listeners) l();
  });
  p.stderr.on('data', (d) => {
    stderr += d;
    for (const l of listeners) l();
  });
  const killer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60000);
  const done = new Promise<Result>((r) =>
    p.on('close', (code) => {
      clearTimeout(killer);
      for (const l of listeners) l();
      r({ code: code ?? -1, stdout, stderr });
    }),
  );
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
    waitFor(pred, ms = 10000) {
      return new Promise<void>((resolveWait, reject) => {
        const check = () => {
          if (pred(stdout, stderr)) {
            cleanup();
            resolveWait();
          } else if (p.exitCode !== null || p.signalCode !== null) {
            cleanup();
            reject(new Error(`kubectl ${args.join(' ')} exited (${p.exitCode}) before the expected output;\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for output of kubectl ${args.join(' ')};\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    watching(ms = 10000) {
      return this.waitFor((_o, e) => /\] GET https:\S+[?&]watch=true\S* 200 OK/.test(e), ms);
    },
    async stop() {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
      return done;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nsCounter = 0;
/**
 * Create a fresh namespace (with create -f, which sends JSON) and return its name, once the
 * controllers have given it its `default` ServiceAccount and `kube-root-ca.crt` ConfigMap (as
 * upstream's e2e framework waits for them), so lists and watches of it include them every time.
 */
async function newNs(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCounter}`;
  await ok(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
  await waitForNamespaceDefaults(srv.kubeconfig, name);
  return name;
}

/** The cluster CA (PEM) from the admin kubeconfig: what kube-root-ca.crt must hold. */
function clusterCaPem(): string {
  const cfg = YAML.parse(readFileSync(srv.kubeconfig, 'utf8'));
  return Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
}

/** create -f - with the given objects (a stream of JSON documents). */
async function createObjs(...objs: object[]): Promise<string> {
  return ok(['create', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });
}

function cm(ns: string, name: string, data: Record<string, string> = {}, labels?: Record<string, string>): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, data };
}

function pod(ns: string, name: string, extra: { labels?: Record<string, string>; nodeName?: string; image?: string } = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { ...(extra.nodeName ? { nodeName: extra.nodeName } : {}), containers: [{ name: 'c', image: extra.image ?? 'nginx' }] },
  };
}

function deployment(ns: string, name: string, replicas = 2, image = 'nginx:1.25'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

function service(ns: string, name: string, selector: Record<string, string> = { app: name }): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/** Parse kubectl's column output (cells start where their header starts). */
function parseTable(text: string): Table {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 0, `no table in output: ${JSON.stringify(text)}`);
  const headerLine = lines[0];
  const header = headerLine.trim().split(/\s{2,}/);
  const starts: number[] = [];
  let from = 0;
  for (const h of header) {
    const i = headerLine.indexOf(h, from);
    starts.push(i);
    from = i + h.length;
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    header.forEach((h, i) => {
      row[h] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return row;
  });
  return { header, rows };
}

/** Several tables separated by blank lines (kubectl get all, get a,b). */
function parseTables(text: string): Table[] {
  return text
    .split(/\n\s*\n/)
    .filter((b) => b.trim())
    .map(parseTable);
}

function rowByName(t: Table, name: string): Record<string, string> {
  const r = t.rows.find((x) => x.NAME === name);
  assert.ok(r, `no row named ${name} in ${JSON.stringify(t.rows)}`);
  return r;
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

// ---------------------------------------------------------------------------------------------

describe('kubectl against k8ts server', { skip }, () => {
  // ------------------------------------------------------------------ discovery & cluster info
  describe('cluster info and discovery', () => {
    test('kubectl version prints client and server versions', async () => {
      const out = await ok(['version']);
      assert.match(out, /^Client Version: v1\.32\.\d+/m);
      assert.match(out, /^Kustomize Version: v\d+/m);
      assert.match(out, /^Server Version: v1\.32\.\d+/m);
      const json = JSON.parse(await ok(['version', '-o', 'json']));
      assert.equal(json.serverVersion.major, '1');
      assert.equal(json.serverVersion.minor, '32');
      assert.match(json.serverVersion.gitVersion, /^v1\.32\.\d+/);
      assert.match(json.serverVersion.platform, /^linux\//);
      // no version skew warning for a 1.32 client against a 1.32 server
      const r = await run(['version']);
      assert.doesNotMatch(r.stderr, /version difference/);
    });

    test('kubectl cluster-info', async () => {
      const out = stripAnsi(await ok(['cluster-info']));
      assert.equal(lines(out)[0], `Kubernetes control plane is running at ${srv.url}`);
      assert.match(out, /To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'\./);
    });

    test('kubectl api-resources lists names, shortnames, versions, scope and kinds', async () => {
      const t = parseTable(await ok(['api-resources']));
      assert.deepEqual(t.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      const has = (name: string, short: string, gv: string, namespaced: boolean, kind: string) => {
        const r = t.rows.find((x) => x.NAME === name && x.APIVERSION === gv);
        assert.ok(r, `api-resources has no ${name} in ${gv}`);
        assert.deepEqual(r, { NAME: name, SHORTNAMES: short, APIVERSION: gv, NAMESPACED: String(namespaced), KIND: kind });
      };
      has('pods', 'po', 'v1', true, 'Pod');
      has('services', 'svc', 'v1', true, 'Service');
      has('configmaps', 'cm', 'v1', true, 'ConfigMap');
      has('secrets', '', 'v1', true, 'Secret');
      has('serviceaccounts', 'sa', 'v1', true, 'ServiceAccount');
      has('namespaces', 'ns', 'v1', false, 'Namespace');
      has('nodes', 'no', 'v1', false, 'Node');
      has('events', 'ev', 'v1', true, 'Event');
      has('endpoints', 'ep', 'v1', true, 'Endpoints');
      has('persistentvolumes', 'pv', 'v1', false, 'PersistentVolume');
      has('persistentvolumeclaims', 'pvc', 'v1', true, 'PersistentVolumeClaim');
      has('replicationcontrollers', 'rc', 'v1', true, 'ReplicationController');
      has('resourcequotas', 'quota', 'v1', true, 'ResourceQuota');
      has('limitranges', 'limits', 'v1', true, 'LimitRange');
      has('podtemplates', '', 'v1', true, 'PodTemplate');
      has('deployments', 'deploy', 'apps/v1', true, 'Deployment');
      has('replicasets', 'rs', 'apps/v1', true, 'ReplicaSet');
      has('statefulsets', 'sts', 'apps/v1', true, 'StatefulSet');
      has('daemonsets', 'ds', 'apps/v1', true, 'DaemonSet');
      has('controllerrevisions', '', 'apps/v1', true, 'ControllerRevision');
      has('jobs', '', 'batch/v1', true, 'Job');
      has('cronjobs', 'cj', 'batch/v1', true, 'CronJob');
      has('ingresses', 'ing', 'networking.k8s.io/v1', true, 'Ingress');
      has('ingressclasses', '', 'networking.k8s.io/v1', false, 'IngressClass');
      has('networkpolicies', 'netpol', 'networking.k8s.io/v1', true, 'NetworkPolicy');
      has('poddisruptionbudgets', 'pdb', 'policy/v1', true, 'PodDisruptionBudget');
      has('priorityclasses', 'pc', 'scheduling.k8s.io/v1', false, 'PriorityClass');
      has('roles', '', 'rbac.authorization.k8s.io/v1', true, 'Role');
      has('rolebindings', '', 'rbac.authorization.k8s.io/v1', true, 'RoleBinding');
      has('clusterroles', '', 'rbac.authorization.k8s.io/v1', false, 'ClusterRole');
      has('clusterrolebindings', '', 'rbac.authorization.k8s.io/v1', false, 'ClusterRoleBinding');
      has('storageclasses', 'sc', 'storage.k8s.io/v1', false, 'StorageClass');
      has('leases', '', 'coordination.k8s.io/v1', true, 'Lease');
      has('endpointslices', '', 'discovery.k8s.io/v1', true, 'EndpointSlice');
      has('certificatesigningrequests', 'csr', 'certificates.k8s.io/v1', false, 'CertificateSigningRequest');
      has('events', 'ev', 'events.k8s.io/v1', true, 'Event');
      has('runtimeclasses', '', 'node.k8s.io/v1', false, 'RuntimeClass');
      // subresources are not listed
      assert.ok(!t.rows.some((r) => r.NAME.includes('/')), 'api-resources must not list subresources');
    });

    test('kubectl api-resources --namespaced=false, -o name, -o wide and --api-group', async () => {
      const t = parseTable(await ok(['api-resources', '--namespaced=false']));
      assert.ok(t.rows.length > 5);
      for (const r of t.rows) assert.equal(r.NAMESPACED, 'false', `${r.NAME} listed as namespaced`);
      for (const n of ['namespaces', 'nodes', 'persistentvolumes', 'clusterroles', 'clusterrolebindings', 'storageclasses', 'priorityclasses', 'certificatesigningrequests']) {
        assert.ok(t.rows.some((r) => r.NAME === n), `missing cluster-scoped ${n}`);
      }
      assert.ok(!t.rows.some((r) => r.NAME === 'pods'));

      const names = lines(await ok(['api-resources', '-o', 'name']));
      for (const n of ['pods', 'deployments.apps', 'cronjobs.batch', 'roles.rbac.authorization.k8s.io', 'ingresses.networking.k8s.io']) {
        assert.ok(names.includes(n), `api-resources -o name lacks ${n}`);
      }

      const wide = parseTable(await ok(['api-resources', '-o', 'wide']));
      assert.deepEqual(wide.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
      const pods = wide.rows.find((r) => r.NAME === 'pods')!;
      assert.equal(pods.VERBS, 'create,delete,deletecollection,get,list,patch,update,watch');
      assert.equal(pods.CATEGORIES, 'all');
      const nsRow = wide.rows.find((r) => r.NAME === 'namespaces')!;
      assert.equal(nsRow.VERBS, 'create,delete,get,list,patch,update,watch');

      const apps = parseTable(await ok(['api-resources', '--api-group=apps']));
      assert.deepEqual(apps.rows.map((r) => r.NAME).sort(), ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']);
    });

    test('kubectl api-versions', async () => {
      const v = lines(await ok(['api-versions']));
      for (const gv of ['v1', 'apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1', 'policy/v1', 'scheduling.k8s.io/v1', 'storage.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1', 'certificates.k8s.io/v1']) {
        assert.ok(v.includes(gv), `api-versions lacks ${gv}`);
      }
      assert.deepEqual(v, [...v].sort(), 'kubectl prints api-versions sorted');
      assert.equal(new Set(v).size, v.length);
    });

    test('kubectl get --raw /healthz, /livez, /readyz?verbose, /version', async () => {
      assert.equal(await ok(['get', '--raw', '/healthz']), 'ok');
      assert.equal(await ok(['get', '--raw', '/livez']), 'ok');
      assert.equal(await ok(['get', '--raw', '/readyz']), 'ok');
      assert.equal(await ok(['get', '--raw', '/readyz/ping']), 'ok');
      assert.equal(await ok(['get', '--raw', '/healthz/etcd']), 'ok');
      const ready = await ok(['get', '--raw', '/readyz?verbose']);
      const rl = lines(ready);
      assert.ok(rl.includes('[+]ping ok'), ready);
      assert.ok(rl.includes('[+]etcd ok'), ready);
      assert.ok(rl.every((l) => l.startsWith('[+]') || l === 'readyz check passed'), ready);
      assert.equal(rl[rl.length - 1], 'readyz check passed');
      const live = lines(await ok(['get', '--raw', '/livez?verbose']));
      assert.equal(live[live.length - 1], 'livez check passed');
      const ver = JSON.parse(await ok(['get', '--raw', '/version']));
      assert.equal(ver.major, '1');
      assert.equal(ver.minor, '32');
      assert.match(ver.gitVersion, /^v1\.32\./);
      for (const k of ['gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']) assert.equal(typeof ver[k], 'string', k);
      const r = await run(['get', '--raw', '/healthz/nope']);
      assert.notEqual(r.code, 0, `GET /healthz/nope must be a 404 (no such check), got: ${r.stdout}`);
      assert.equal(r.stderr.trim(), 'Error from server (NotFound): the server could not find the requested resource');
    });

    test('/version is indented JSON like upstream (responsewriters.WriteRawJSON uses MarshalIndent)', async () => {
      const raw = await ok(['get', '--raw', '/version']);
      assert.match(raw, /^\{\n {2}"major": "1",\n {2}"minor": "32",\n/);
    });

    test('kubectl get --raw of discovery documents', async () => {
      const api = JSON.parse(await ok(['get', '--raw', '/api']));
      assert.equal(api.kind, 'APIVersions');
      assert.deepEqual(api.versions, ['v1']);
      const groups = JSON.parse(await ok(['get', '--raw', '/apis']));
      assert.equal(groups.kind, 'APIGroupList');
      const apps = groups.groups.find((g: any) => g.name === 'apps');
      assert.deepEqual(apps.preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
      const v1 = JSON.parse(await ok(['get', '--raw', '/api/v1']));
      assert.equal(v1.kind, 'APIResourceList');
      assert.equal(v1.groupVersion, 'v1');
      assert.ok(v1.resources.some((r: any) => r.name === 'pods/status'));
      assert.ok(v1.resources.some((r: any) => r.name === 'pods/log'));
    });
  });

  // ------------------------------------------------------------------ create / apply / replace
  describe('create, apply, replace', () => {
    test('create -f with a multi-document YAML file', async () => {
      const ns = await newNs('create-yaml');
      const file = join(work, 'multi.yaml');
      writeFileSync(
        file,
        `apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  namespace: ${ns}
data:
  k: v
---
# a comment-only document is skipped
---
apiVersion: v1
kind: Secret
metadata:
  name: two
  namespace: ${ns}
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: three
  namespace: ${ns}
spec:
  selector:
    matchLabels: {app: three}
  template:
    metadata:
      labels: {app: three}
    spec:
      containers:
      - name: c
        image: nginx
`,
      );
      const out = await ok(['create', '-f', file]);
      assert.deepEqual(lines(out), ['configmap/one created', 'secret/two created', 'deployment.apps/three created']);
      assert.equal(await ok(['-n', ns, 'get', 'secret', 'two', '-o', 'jsonpath={.data.password}']), Buffer.from('hunter2').toString('base64'));
      // defaults applied by the server
      const d = JSON.parse(await ok(['-n', ns, 'get', 'deploy', 'three', '-o', 'json']));
      assert.equal(d.spec.replicas, 1);
      assert.equal(d.spec.strategy.type, 'RollingUpdate');
      assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: '25%', maxUnavailable: '25%' });
      assert.equal(d.spec.revisionHistoryLimit, 10);
      assert.equal(d.spec.progressDeadlineSeconds, 600);
      assert.equal(d.spec.template.spec.restartPolicy, 'Always');
      assert.equal(d.metadata.generation, 1);
    });

    test('create -f with a JSON file', async () => {
      const ns = await newNs('create-json');
      const one = join(work, `one-${ns}.json`);
      writeFileSync(one, JSON.stringify(cm(ns, 'j1', { a: '1' }), null, 2));
      assert.equal(await ok(['create', '-f', one]), 'configmap/j1 created\n');
      assert.equal(await ok(['-n', ns, 'get', 'cm', 'j1', '-o', 'jsonpath={.data.a}']), '1');
    });

    test('create -f with a JSON List (kubectl validates it against /openapi/v2)', async () => {
      const ns = await newNs('create-list');
      await createObjs(cm(ns, 'j1'));
      const list = join(work, `list-${ns}.json`);
      writeFileSync(list, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [cm(ns, 'j2'), cm(ns, 'j3')] }));
      assert.deepEqual(lines(await ok(['create', '-f', list])), ['configmap/j2 created', 'configmap/j3 created']);
      // every namespace also holds the root-CA publisher's kube-root-ca.crt
      assert.deepEqual(lines(await ok(['-n', ns, 'get', 'cm', '-o', 'name'])), ['configmap/j1', 'configmap/j2', 'configmap/j3', `configmap/${ROOT_CA_CONFIGMAP}`]);
    });

    test('create -f dir/ creates every manifest in the directory', async () => {
      const ns = await newNs('create-dir');
      const dir = join(work, `dir-${ns}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ${ns}\n`);
      writeFileSync(join(dir, 'b.json'), JSON.stringify(cm(ns, 'b')));
      writeFileSync(join(dir, 'c.yml'), `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: c\n  namespace: ${ns}\n`);
      writeFileSync(join(dir, 'README.txt'), 'not a manifest');
      const out = await ok(['create', '-f', `${dir}/`]);
      assert.deepEqual(lines(out), ['configmap/a created', 'configmap/b created', 'serviceaccount/c created']);
      assert.deepEqual(lines(await ok(['-n', ns, 'get', 'cm,sa', '-o', 'name'])), ['configmap/a', 'configmap/b', `configmap/${ROOT_CA_CONFIGMAP}`, 'serviceaccount/c', 'serviceaccount/default']);
    });

    test('apply: created, unchanged, configured, pruned field, last-applied annotation', async () => {
      const ns = await newNs('apply');
      const file = join(work, `apply-${ns}.yaml`);
      writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${ns}\ndata:\n  a: "1"\n  b: "2"\n`);
      assert.equal(await ok(['apply', '-f', file]), 'configmap/app created\n');
      assert.equal(await ok(['apply', '-f', file]), 'configmap/app unchanged\n');

      const obj = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'app', '-o', 'json']));
      const last = JSON.parse(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
      assert.deepEqual(last, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { annotations: {}, name: 'app', namespace: ns }, data: { a: '1', b: '2' } });

      // edit a field and drop another: 3-way merge changes a and removes b
      writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${ns}\ndata:\n  a: "10"\n`);
      assert.equal(await ok(['apply', '-f', file]), 'configmap/app configured\n');
      const after1 = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'app', '-o', 'json']));
      assert.deepEqual(after1.data, { a: '10' });
      assert.ok(Number(after1.metadata.resourceVersion) > Number(obj.metadata.resourceVersion));
      const view = JSON.parse(await ok(['-n', ns, 'apply', 'view-last-applied', 'configmap/app', '-o', 'json']));
      assert.deepEqual(view.data, { a: '10' });

      // a field set by someone else (not in last-applied) survives apply
      await ok(['-n', ns, 'patch', 'cm', 'app', '--type=merge', '-p', '{"data":{"other":"x"}}']);
      assert.equal(await ok(['apply', '-f', file]), 'configmap/app unchanged\n');
      assert.deepEqual(JSON.parse(await ok(['-n', ns, 'get', 'cm', 'app', '-o', 'jsonpath={.data}'])), { a: '10', other: 'x' });
    });

    test('apply of a deployment: image change is configured, server-side dry run', async () => {
      const ns = await newNs('apply-deploy');
      const file = join(work, `deploy-${ns}.json`);
      writeFileSync(file, JSON.stringify(deployment(ns, 'web', 2, 'nginx:1.25')));
      assert.equal(await ok(['apply', '-f', file]), 'deployment.apps/web created\n');
      writeFileSync(file, JSON.stringify(deployment(ns, 'web', 2, 'nginx:1.27')));
      assert.equal(await ok(['apply', '-f', file, '--dry-run=server']), 'deployment.apps/web configured (server dry run)\n');
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.25');
      assert.equal(await ok(['apply', '-f', file]), 'deployment.apps/web configured\n');
      const d = JSON.parse(await ok(['-n', ns, 'get', 'deploy', 'web', '-o', 'json']));
      assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
      assert.equal(d.metadata.generation, 2, 'a spec change bumps generation');
      assert.equal(await ok(['apply', '-f', file]), 'deployment.apps/web unchanged\n');
    });

    test('replace, replace --force, and Conflict on a stale resourceVersion', async () => {
      const ns = await newNs('replace');
      await createObjs(cm(ns, 'r', { a: '1' }));
      const cur = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'r', '-o', 'json']));
      const next = { ...cur, data: { a: '2' } };
      assert.equal(await ok(['replace', '-f', '-'], { input: JSON.stringify(next) }), 'configmap/r replaced\n');
      assert.equal(await ok(['-n', ns, 'get', 'cm', 'r', '-o', 'jsonpath={.data.a}']), '2');
      // `next` still carries the old resourceVersion
      const err = await fails(['replace', '-f', '-'], { input: JSON.stringify({ ...cur, data: { a: '3' } }) });
      assert.equal(
        err,
        `Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "r": the object has been modified; please apply your changes to the latest version and try again`,
      );
      // without a resourceVersion, replace is unconditional
      const noRv = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'r', namespace: ns }, data: { a: '4' } };
      assert.equal(await ok(['replace', '-f', '-'], { input: JSON.stringify(noRv) }), 'configmap/r replaced\n');
      const uid = await ok(['-n', ns, 'get', 'cm', 'r', '-o', 'jsonpath={.metadata.uid}']);
      assert.deepEqual(lines(await ok(['replace', '--force', '-f', '-'], { input: JSON.stringify(noRv) })), ['configmap "r" deleted', 'configmap/r replaced']);
      assert.notEqual(await ok(['-n', ns, 'get', 'cm', 'r', '-o', 'jsonpath={.metadata.uid}']), uid, 'replace --force recreates the object');
      // replace of something that does not exist
      const e2 = await fails(['replace', '-f', '-'], { input: JSON.stringify(cm(ns, 'ghost')) });
      assert.equal(e2, `Error from server (NotFound): error when replacing "STDIN": configmaps "ghost" not found`);
    });

    test('create --dry-run=server -o yaml does not persist; --save-config records last-applied', async () => {
      const ns = await newNs('dryrun');
      const yaml = await ok(['create', '--dry-run=server', '-o', 'yaml', '-f', '-'], { input: JSON.stringify(cm(ns, 'dry', { a: '1' })) });
      assert.match(yaml, /^apiVersion: v1\ndata:\n {2}a: "1"\nkind: ConfigMap\nmetadata:\n/);
      assert.match(yaml, /\n {2}name: dry\n/);
      assert.match(yaml, /\n {2}uid: [0-9a-f-]{36}\n/);
      assert.match(yaml, /\n {2}creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\n/);
      assert.doesNotMatch(yaml, /resourceVersion/, 'a dry-run create is never stored, so it has no resourceVersion');
      assert.equal(await fails(['-n', ns, 'get', 'cm', 'dry']), 'Error from server (NotFound): configmaps "dry" not found');
      assert.equal(await ok(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(cm(ns, 'dry')) }), 'configmap/dry created (server dry run)\n');

      await ok(['create', '--save-config', '-f', '-'], { input: JSON.stringify(cm(ns, 'saved', { a: '1' })) });
      const ann = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'saved', '-o', 'json'])).metadata.annotations;
      assert.deepEqual(JSON.parse(ann['kubectl.kubernetes.io/last-applied-configuration']), {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { annotations: {}, name: 'saved', namespace: ns },
        data: { a: '1' },
      });
      // a dry-run create of an existing name still reports AlreadyExists
      const e = await fails(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(cm(ns, 'saved')) });
      assert.equal(e, `Error from server (AlreadyExists): error when creating "STDIN": configmaps "saved" already exists`);
      // delete --dry-run=server leaves the object in place
      assert.equal(await ok(['-n', ns, 'delete', 'cm', 'saved', '--dry-run=server']), 'configmap "saved" deleted (server dry run)\n');
      await ok(['-n', ns, 'get', 'cm', 'saved']);
    });
  });

  // ------------------------------------------------------------------ get
  describe('get', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('get');
      await createObjs(
        pod(ns, 'p1', { labels: { app: 'web', tier: 'fe' } }),
        pod(ns, 'p2', { labels: { app: 'db', tier: 'be' } }),
        pod(ns, 'p3', { labels: { tier: 'be' }, nodeName: 'node-a', image: 'busybox:1.36' }),
      );
    });

    test('get -o json (single object and list)', async () => {
      const p = JSON.parse(await ok(['-n', ns, 'get', 'pod', 'p1', '-o', 'json']));
      assert.equal(p.apiVersion, 'v1');
      assert.equal(p.kind, 'Pod');
      assert.equal(p.metadata.name, 'p1');
      assert.equal(p.metadata.namespace, ns);
      assert.match(p.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(p.metadata.resourceVersion, /^\d+$/);
      assert.equal(p.metadata.managedFields, undefined, 'kubectl hides managedFields');
      assert.equal(p.status.phase, 'Pending');
      assert.equal(p.status.qosClass, 'BestEffort');
      // pod defaults
      assert.equal(p.spec.restartPolicy, 'Always');
      assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
      assert.equal(p.spec.terminationGracePeriodSeconds, 30);
      assert.equal(p.spec.schedulerName, 'default-scheduler');
      assert.equal(p.spec.containers[0].imagePullPolicy, 'Always');
      assert.equal(p.spec.containers[0].terminationMessagePath, '/dev/termination-log');
      assert.equal(p.spec.containers[0].terminationMessagePolicy, 'File');
      const l = JSON.parse(await ok(['-n', ns, 'get', 'pods', '-o', 'json']));
      assert.equal(l.kind, 'List');
      assert.equal(l.apiVersion, 'v1');
      assert.deepEqual(l.items.map((i: any) => i.metadata.name), ['p1', 'p2', 'p3']);
      assert.ok(l.items.every((i: any) => i.kind === 'Pod' && i.apiVersion === 'v1'));
    });

    test('get -o yaml', async () => {
      const y = await ok(['-n', ns, 'get', 'pod', 'p3', '-o', 'yaml']);
      assert.match(y, /^apiVersion: v1\nkind: Pod\nmetadata:\n/);
      assert.match(y, /\n {2}nodeName: node-a\n/);
      assert.match(y, /\nspec:\n/);
      assert.match(y, /\nstatus:\n {2}phase: Pending\n/);
      assert.match(y, /\n {2}- image: busybox:1\.36\n {4}imagePullPolicy: IfNotPresent\n/);
    });

    test('get -o wide, -o name, --show-labels', async () => {
      const wide = parseTable(await ok(['-n', ns, 'get', 'pods', '-o', 'wide']));
      assert.deepEqual(wide.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
      const p1 = rowByName(wide, 'p1');
      assert.equal(p1.READY, '0/1');
      assert.equal(p1.STATUS, 'Pending');
      assert.equal(p1.RESTARTS, '0');
      assert.equal(p1.IP, '<none>');
      assert.equal(p1.NODE, '<none>');
      assert.equal(p1['NOMINATED NODE'], '<none>');
      assert.equal(p1['READINESS GATES'], '<none>');
      assert.equal(rowByName(wide, 'p3').NODE, 'node-a');

      assert.equal(await ok(['-n', ns, 'get', 'pods', '-o', 'name']), 'pod/p1\npod/p2\npod/p3\n');
      assert.equal(await ok(['-n', ns, 'get', 'pod', 'p2', '-o', 'name']), 'pod/p2\n');

      const sl = parseTable(await ok(['-n', ns, 'get', 'pods', '--show-labels']));
      assert.deepEqual(sl.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
      assert.equal(rowByName(sl, 'p1').LABELS, 'app=web,tier=fe');
      assert.equal(rowByName(sl, 'p3').LABELS, 'tier=be');
      const lc = parseTable(await ok(['-n', ns, 'get', 'pods', '-L', 'app']));
      assert.deepEqual(lc.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'APP']);
      assert.equal(rowByName(lc, 'p2').APP, 'db');
      assert.equal(rowByName(lc, 'p3').APP, '');
    });

    test('get -o jsonpath and -o custom-columns', async () => {
      assert.equal(await ok(['-n', ns, 'get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']), 'p1 p2 p3');
      assert.equal(
        await ok(['-n', ns, 'get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image}{"\\n"}{end}']),
        'p1=nginx\np2=nginx\np3=busybox:1.36\n',
      );
      assert.equal(await ok(['-n', ns, 'get', 'pod', 'p1', '-o', 'jsonpath={.metadata.labels.app}']), 'web');
      assert.equal(await ok(['-n', ns, 'get', 'pods', '-o', 'jsonpath={.items[?(@.spec.nodeName=="node-a")].metadata.name}']), 'p3');
      const cc = parseTable(await ok(['-n', ns, 'get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image,NODE:.spec.nodeName,PHASE:.status.phase']));
      assert.deepEqual(cc.header, ['NAME', 'IMAGE', 'NODE', 'PHASE']);
      assert.deepEqual(cc.rows, [
        { NAME: 'p1', IMAGE: 'nginx', NODE: '<none>', PHASE: 'Pending' },
        { NAME: 'p2', IMAGE: 'nginx', NODE: '<none>', PHASE: 'Pending' },
        { NAME: 'p3', IMAGE: 'busybox:1.36', NODE: 'node-a', PHASE: 'Pending' },
      ]);
      const nh = await ok(['-n', ns, 'get', 'pods', '--no-headers', '-o', 'custom-columns=N:.metadata.name']);
      assert.equal(nh, 'p1\np2\np3\n');
    });

    test('get -l label selectors (=, !=, in, notin, exists, !exists)', async () => {
      const names = async (sel: string) => lines(await ok(['-n', ns, 'get', 'pods', '-l', sel, '-o', 'name'])).map((s) => s.replace('pod/', ''));
      assert.deepEqual(await names('app=web'), ['p1']);
      assert.deepEqual(await names('app==web'), ['p1']);
      assert.deepEqual(await names('app!=web'), ['p2', 'p3'], 'a != selector also matches objects without the label');
      assert.deepEqual(await names('app in (web,db)'), ['p1', 'p2']);
      assert.deepEqual(await names('app notin (web)'), ['p2', 'p3']);
      assert.deepEqual(await names('app'), ['p1', 'p2']);
      assert.deepEqual(await names('!app'), ['p3']);
      assert.deepEqual(await names('tier=be,app'), ['p2']);
      const r = await run(['-n', ns, 'get', 'pods', '-l', 'app=nothing']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim(), `No resources found in ${ns} namespace.`);
    });

    test('get --field-selector (metadata.name, status.phase, spec.nodeName, unsupported field)', async () => {
      const names = async (sel: string) => lines(await ok(['-n', ns, 'get', 'pods', '--field-selector', sel, '-o', 'name'])).map((s) => s.replace('pod/', ''));
      assert.deepEqual(await names('metadata.name=p2'), ['p2']);
      assert.deepEqual(await names('metadata.name!=p2'), ['p1', 'p3']);
      assert.deepEqual(await names('status.phase=Pending'), ['p1', 'p2', 'p3']);
      assert.deepEqual(await names('status.phase!=Pending,metadata.name=p1'), []);
      assert.deepEqual(await names('spec.nodeName='), ['p1', 'p2'], 'unscheduled pods');
      assert.deepEqual(await names('spec.nodeName=node-a'), ['p3']);
      assert.deepEqual(await names('metadata.namespace=' + ns), ['p1', 'p2', 'p3']);
      const err = await fails(['-n', ns, 'get', 'pods', '--field-selector', 'spec.foo=bar']);
      assert.equal(err, `Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo`);
      const err2 = await fails(['-n', ns, 'get', 'cm', '--field-selector', 'data.a=1']);
      assert.match(err2, /field label not supported: data\.a$/);
    });

    test('get -A / --all-namespaces adds a NAMESPACE column', async () => {
      const t = parseTable(await ok(['get', 'pods', '-A', '-l', 'tier']));
      assert.deepEqual(t.header, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      const mine = t.rows.filter((r) => r.NAMESPACE === ns).map((r) => r.NAME);
      assert.deepEqual(mine, ['p1', 'p2', 'p3']);
      const svc = parseTable(await ok(['get', 'svc', '--all-namespaces', '--field-selector', 'metadata.name=kubernetes']));
      assert.deepEqual(svc.rows.map((r) => [r.NAMESPACE, r.NAME]), [['default', 'kubernetes']]);
    });

    test('get --sort-by', async () => {
      const sns = await newNs('sort');
      await createObjs(cm(sns, 'b', { order: '3' }), cm(sns, 'c', { order: '1' }), cm(sns, 'a', { order: '2' }));
      // the namespace's kube-root-ca.crt is listed too: by name it sorts after a, b, c; it has no
      // .data.order, and kubectl's sorter puts an item without the field first
      assert.deepEqual(lines(await ok(['-n', sns, 'get', 'cm', '--sort-by=.metadata.name', '-o', 'name'])), ['configmap/a', 'configmap/b', 'configmap/c', `configmap/${ROOT_CA_CONFIGMAP}`]);
      assert.deepEqual(lines(await ok(['-n', sns, 'get', 'cm', '--sort-by={.data.order}', '-o', 'name'])), [`configmap/${ROOT_CA_CONFIGMAP}`, 'configmap/c', 'configmap/a', 'configmap/b']);
      const t = parseTable(await ok(['-n', sns, 'get', 'cm', '--sort-by=.data.order']));
      assert.deepEqual(t.rows.map((r) => r.NAME), [ROOT_CA_CONFIGMAP, 'c', 'a', 'b']);
      // the server's own order (a list is sorted by name) with a different sort key
      const byRv = lines(await ok(['-n', sns, 'get', 'cm', '--sort-by=.metadata.resourceVersion', '-o', 'name']));
      assert.deepEqual(byRv, [`configmap/${ROOT_CA_CONFIGMAP}`, 'configmap/b', 'configmap/c', 'configmap/a'], 'in creation order');
    });

    test('get --chunk-size=2 pages through 8 objects (7 + kube-root-ca.crt) with limit/continue', async () => {
      const cns = await newNs('chunk');
      await createObjs(...Array.from({ length: 7 }, (_, i) => cm(cns, `item-${i}`, { i: String(i) })));
      // in name order the namespace's kube-root-ca.crt comes last: 8 objects, 4 full pages
      const all = [...Array.from({ length: 7 }, (_, i) => `item-${i}`), ROOT_CA_CONFIGMAP];
      const r = await run(['-n', cns, 'get', 'configmaps', '--chunk-size=2', '-v=6']);
      assert.equal(r.code, 0, r.stderr);
      const gets = r.stderr.split('\n').filter((l) => /GET https:\/\/\S+\/api\/v1\/namespaces\/[^/]+\/configmaps\?\S*limit=2/.test(l));
      assert.equal(gets.length, 4, `expected 4 paged requests, got:\n${gets.join('\n')}`);
      assert.ok(gets.slice(1).every((l) => /continue=/.test(l)), 'pages after the first carry a continue token');
      assert.ok(gets.every((l) => / 200 OK /.test(l)));
      const t = parseTable(r.stdout);
      assert.equal(lines(r.stdout).filter((l) => l.startsWith('NAME')).length, 1, 'one header for all pages');
      assert.deepEqual(t.rows.map((x) => x.NAME), all);
      assert.equal(t.rows[0].DATA, '1');
      assert.equal(t.rows[7].DATA, '1', 'kube-root-ca.crt holds ca.crt');

      // the same through the raw API
      const page = JSON.parse(await ok(['get', '--raw', `/api/v1/namespaces/${cns}/configmaps?limit=2`]));
      assert.equal(page.items.length, 2);
      assert.equal(typeof page.metadata.continue, 'string');
      assert.ok(page.metadata.continue.length > 0);
      assert.equal(page.metadata.remainingItemCount, 6);
      const names: string[] = page.items.map((i: any) => i.metadata.name);
      let cont: string | undefined = page.metadata.continue;
      while (cont) {
        const p = JSON.parse(await ok(['get', '--raw', `/api/v1/namespaces/${cns}/configmaps?limit=2&continue=${encodeURIComponent(cont)}`]));
        names.push(...p.items.map((i: any) => i.metadata.name));
        assert.equal(p.metadata.resourceVersion, page.metadata.resourceVersion, 'all pages are served at the first page\'s resourceVersion');
        cont = p.metadata.continue;
      }
      assert.deepEqual(names, all);
    });

    test('get all', async () => {
      const ans = await newNs('all');
      await createObjs(pod(ans, 'solo'), service(ans, 'front'), deployment(ans, 'front', 3));
      const tables = parseTables(await ok(['-n', ans, 'get', 'all']));
      const byFirst = (prefix: string) => {
        const t = tables.find((x) => x.rows.some((r) => r.NAME.startsWith(prefix)));
        assert.ok(t, `get all printed no ${prefix} table`);
        return t;
      };
      const pods = byFirst('pod/');
      assert.deepEqual(pods.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.equal(rowByName(pods, 'pod/solo').STATUS, 'Pending');
      const svcs = byFirst('service/');
      assert.deepEqual(svcs.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.equal(rowByName(svcs, 'service/front').TYPE, 'ClusterIP');
      assert.equal(rowByName(svcs, 'service/front')['PORT(S)'], '80/TCP');
      const deps = byFirst('deployment.apps/');
      assert.deepEqual(deps.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      assert.equal(rowByName(deps, 'deployment.apps/front').READY, '0/3');
      const empty = await run(['-n', await newNs('all-empty'), 'get', 'all']);
      assert.equal(empty.code, 0);
      assert.equal(empty.stdout, '');
      assert.match(empty.stderr, /^No resources found in all-empty-\d+ namespace\.\n$/);
    });

    test('get ns lists the system namespaces as Active', async () => {
      const t = parseTable(await ok(['get', 'ns']));
      assert.deepEqual(t.header, ['NAME', 'STATUS', 'AGE']);
      for (const n of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.equal(rowByName(t, n).STATUS, 'Active');
      const d = JSON.parse(await ok(['get', 'ns', 'default', '-o', 'json']));
      assert.deepEqual(d.spec, { finalizers: ['kubernetes'] });
      assert.deepEqual(d.metadata.labels, { 'kubernetes.io/metadata.name': 'default' });
      assert.equal(d.status.phase, 'Active');
    });

    test('get svc shows the kubernetes service (ClusterIP 10.32.0.1, 443/TCP)', async () => {
      const t = parseTable(await ok(['-n', 'default', 'get', 'svc']));
      assert.deepEqual(t.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      const k = rowByName(t, 'kubernetes');
      assert.equal(k.TYPE, 'ClusterIP');
      assert.equal(k['CLUSTER-IP'], '10.32.0.1');
      assert.equal(k['EXTERNAL-IP'], '<none>');
      assert.equal(k['PORT(S)'], '443/TCP');
      const w = parseTable(await ok(['-n', 'default', 'get', 'svc', 'kubernetes', '-o', 'wide']));
      assert.deepEqual(w.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
      assert.equal(w.rows[0].SELECTOR, '<none>');
      const s = JSON.parse(await ok(['-n', 'default', 'get', 'svc', 'kubernetes', '-o', 'json']));
      assert.deepEqual(s.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
      assert.deepEqual(s.spec.clusterIPs, ['10.32.0.1']);
      assert.equal(s.spec.ports[0].name, 'https');
      assert.equal(s.spec.ports[0].port, 443);
      assert.equal(s.spec.ports[0].targetPort, Number(new URL(srv.url).port));
      const ep = JSON.parse(await ok(['-n', 'default', 'get', 'endpoints', 'kubernetes', '-o', 'json']));
      assert.equal(ep.subsets[0].ports[0].port, Number(new URL(srv.url).port));
      assert.equal(ep.subsets[0].ports[0].name, 'https');
    });

    test('get events and kubectl events', async () => {
      const ens = await newNs('events');
      await createObjs(pod(ens, 'victim'));
      const uid = await ok(['-n', ens, 'get', 'pod', 'victim', '-o', 'jsonpath={.metadata.uid}']);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await createObjs({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'victim.1', namespace: ens },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'victim', namespace: ens, uid },
        reason: 'Testing',
        message: 'hello from the e2e test',
        type: 'Warning',
        source: { component: 'e2e' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
      const t = parseTable(await ok(['-n', ens, 'get', 'events']));
      assert.deepEqual(t.header, ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      assert.equal(t.rows.length, 1);
      assert.equal(t.rows[0].TYPE, 'Warning');
      assert.equal(t.rows[0].REASON, 'Testing');
      assert.equal(t.rows[0].OBJECT, 'pod/victim');
      assert.equal(t.rows[0].MESSAGE, 'hello from the e2e test');
      const fs = lines(await ok(['-n', ens, 'get', 'events', '--field-selector', 'involvedObject.kind=Pod,involvedObject.name=victim,type=Warning,reason=Testing', '-o', 'name']));
      assert.deepEqual(fs, ['event/victim.1']);
      const ev = parseTable(await ok(['-n', ens, 'events']));
      assert.deepEqual(ev.header, ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      assert.equal(ev.rows[0].OBJECT, 'Pod/victim');
      // describe pod finds the event through its involvedObject field selector
      const d = await ok(['-n', ens, 'describe', 'pod', 'victim']);
      assert.match(d, /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n\s+----\s+------\s+----\s+----\s+-------\n\s+Warning\s+Testing\s+\S+\s+e2e\s+hello from the e2e test\n/);
      const empty = await run(['-n', await newNs('noevents'), 'get', 'events']);
      assert.equal(empty.code, 0);
      assert.match(empty.stderr, /^No resources found in noevents-\d+ namespace\.\n$/);
    });
  });

  // ------------------------------------------------------------------ describe
  describe('describe', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('describe');
      await createObjs(pod(ns, 'dp', { labels: { app: 'dp' } }), deployment(ns, 'dd', 2, 'nginx:1.25'), service(ns, 'ds'));
    });

    test('describe pod', async () => {
      const d = await ok(['-n', ns, 'describe', 'pod', 'dp']);
      assert.match(d, /^Name:\s+dp\n/);
      assert.match(d, new RegExp(`\\nNamespace:\\s+${ns}\\n`));
      assert.match(d, /\nNode:\s+<none>\n/);
      assert.match(d, /\nLabels:\s+app=dp\n/);
      assert.match(d, /\nAnnotations:\s+<none>\n/);
      assert.match(d, /\nStatus:\s+Pending\n/);
      assert.match(d, /\nContainers:\n {2}c:\n {4}Image:\s+nginx\n/);
      assert.match(d, /\nQoS Class:\s+BestEffort\n/);
      assert.match(d, /\nEvents:\s+<none>\n/);
    });

    test('describe deployment', async () => {
      const d = await ok(['-n', ns, 'describe', 'deployment', 'dd']);
      assert.match(d, /^Name:\s+dd\n/);
      assert.match(d, /\nCreationTimestamp:\s+\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\n/);
      assert.match(d, /\nSelector:\s+app=dd\n/);
      assert.match(d, /\nReplicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable\n/);
      assert.match(d, /\nStrategyType:\s+RollingUpdate\n/);
      assert.match(d, /\nMinReadySeconds:\s+0\n/);
      assert.match(d, /\nRollingUpdateStrategy:\s+25% max unavailable, 25% max surge\n/);
      assert.match(d, /\nPod Template:\n {2}Labels:\s+app=dd\n {2}Containers:\n {3}c:\n {4}Image:\s+nginx:1\.25\n/);
      assert.match(d, /\nEvents:\s+<none>\n/);
    });

    test('describe service', async () => {
      const ip = await ok(['-n', ns, 'get', 'svc', 'ds', '-o', 'jsonpath={.spec.clusterIP}']);
      const d = await ok(['-n', ns, 'describe', 'service', 'ds']);
      assert.match(d, /^Name:\s+ds\n/);
      assert.match(d, /\nSelector:\s+app=ds\n/);
      assert.match(d, /\nType:\s+ClusterIP\n/);
      assert.match(d, /\nIP Family Policy:\s+SingleStack\n/);
      assert.match(d, /\nIP Families:\s+IPv4\n/);
      assert.ok(d.includes(`\nIP:`) && new RegExp(`\\nIP:\\s+${ip.replace(/\./g, '\\.')}\\n`).test(d), d);
      assert.ok(new RegExp(`\\nIPs:\\s+${ip.replace(/\./g, '\\.')}\\n`).test(d), d);
      assert.match(d, /\nPort:\s+<unset>\s+80\/TCP\n/);
      assert.match(d, /\nTargetPort:\s+8080\/TCP\n/);
      assert.match(d, /\nSession Affinity:\s+None\n/);
      assert.match(d, /\nEvents:\s+<none>\n/);
    });

    test('describe namespace (with a quota and a limit range)', async () => {
      const d = await ok(['describe', 'namespace', ns]);
      assert.match(d, new RegExp(`^Name:\\s+${ns}\\n`));
      assert.match(d, new RegExp(`\\nLabels:\\s+kubernetes.io/metadata.name=${ns}\\n`));
      assert.match(d, /\nStatus:\s+Active\n/);
      assert.match(d, /\nNo resource quota\.\n/);
      assert.match(d, /\nNo LimitRange resource\./);
      await createObjs(
        { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: ns }, spec: { hard: { pods: '10' } } },
        { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: ns }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] } },
      );
      const d2 = await ok(['describe', 'namespace', ns]);
      assert.match(d2, /\nResource Quotas\n {2}Name:\s+q\n/);
      assert.match(d2, /\nResource Limits\n/);
      assert.match(d2, /Container\s+cpu\s+-\s+-\s+500m\s+500m\s+-/);
    });
  });

  // ------------------------------------------------------------------ label / annotate / patch / scale / set / edit
  describe('modify', () => {
    test('label: add, conflict without --overwrite, overwrite, remove', async () => {
      const ns = await newNs('label');
      await createObjs(pod(ns, 'lp'));
      assert.equal(await ok(['-n', ns, 'label', 'pod', 'lp', 'env=prod']), 'pod/lp labeled\n');
      const err = await fails(['-n', ns, 'label', 'pod', 'lp', 'env=dev']);
      assert.equal(err, "error: 'env' already has a value (prod), and --overwrite is false");
      assert.equal(await ok(['-n', ns, 'get', 'pod', 'lp', '-o', 'jsonpath={.metadata.labels.env}']), 'prod');
      assert.equal(await ok(['-n', ns, 'label', 'pod', 'lp', 'env=dev', '--overwrite']), 'pod/lp labeled\n');
      assert.equal(await ok(['-n', ns, 'get', 'pod', 'lp', '-o', 'jsonpath={.metadata.labels.env}']), 'dev');
      assert.equal(await ok(['-n', ns, 'label', 'pod', 'lp', 'env-']), 'pod/lp unlabeled\n');
      const afterRemove = await ok(['-n', ns, 'get', 'pod', 'lp', '-o', 'jsonpath={.metadata.labels}']);
      assert.deepEqual(JSON.parse(afterRemove || '{}'), {});
      // label values are validated by the server too (kubectl label checks them client-side, patch does not)
      const inv = await fails(['-n', ns, 'patch', 'pod', 'lp', '--type=merge', '-p', JSON.stringify({ metadata: { labels: { k: 'v'.repeat(64) } } })]);
      assert.match(inv, /^The Pod "lp" is invalid: metadata\.labels: Invalid value: "v{64}": must be no more than 63 characters/);
      const badKey = await fails(['-n', ns, 'patch', 'pod', 'lp', '--type=merge', '-p', '{"metadata":{"labels":{"bad key":"x"}}}']);
      assert.match(badKey, /^The Pod "lp" is invalid: metadata\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/);
      // upstream drops the emptied map (omitempty), so there is no labels field left at all
      assert.equal(afterRemove, '');
    });

    test('annotate: add, conflict, overwrite, remove', async () => {
      const ns = await newNs('annotate');
      await createObjs(cm(ns, 'ac'));
      assert.equal(await ok(['-n', ns, 'annotate', 'cm', 'ac', 'note=hello world']), 'configmap/ac annotated\n');
      const err = await fails(['-n', ns, 'annotate', 'cm', 'ac', 'note=other']);
      assert.equal(err, "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello world)");
      assert.equal(await ok(['-n', ns, 'annotate', 'cm', 'ac', 'note=other', '--overwrite']), 'configmap/ac annotated\n');
      assert.equal(await ok(['-n', ns, 'get', 'cm', 'ac', '-o', 'jsonpath={.metadata.annotations.note}']), 'other');
      assert.equal(await ok(['-n', ns, 'annotate', 'cm', 'ac', 'note-']), 'configmap/ac annotated\n');
      const o = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'ac', '-o', 'json']));
      // upstream drops the emptied map (omitempty): no annotations field at all
      assert.equal(o.metadata.annotations, undefined, `annotations: ${JSON.stringify(o.metadata.annotations)}`);
    });

    test('patch --type=strategic (default): container image by name, keeps other containers', async () => {
      const ns = await newNs('patch-smp');
      const d = deployment(ns, 'pd', 1, 'nginx:1.25') as any;
      d.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox:1.36' });
      await createObjs(d);
      const out = await ok(['-n', ns, 'patch', 'deployment', 'pd', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}']);
      assert.equal(out, 'deployment.apps/pd patched\n');
      const cs = JSON.parse(await ok(['-n', ns, 'get', 'deploy', 'pd', '-o', 'jsonpath={.spec.template.spec.containers}']));
      assert.deepEqual(cs.map((c: any) => [c.name, c.image]), [['c', 'nginx:1.27'], ['sidecar', 'busybox:1.36']]);
      // the same patch again changes nothing
      assert.equal(await ok(['-n', ns, 'patch', 'deployment', 'pd', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}']), 'deployment.apps/pd patched (no change)\n');
      // $patch: delete removes a list element by merge key
      await ok(['-n', ns, 'patch', 'deployment', 'pd', '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}']);
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'pd', '-o', 'jsonpath={.spec.template.spec.containers[*].name}']), 'c');
    });

    test('patch --type=merge replaces lists and deletes keys with null', async () => {
      const ns = await newNs('patch-merge');
      await createObjs(cm(ns, 'mc', { a: '1', b: '2' }));
      assert.equal(await ok(['-n', ns, 'patch', 'cm', 'mc', '--type=merge', '-p', '{"data":{"b":null,"c":"3"}}']), 'configmap/mc patched\n');
      assert.deepEqual(JSON.parse(await ok(['-n', ns, 'get', 'cm', 'mc', '-o', 'jsonpath={.data}'])), { a: '1', c: '3' });
      const d = deployment(ns, 'md', 1) as any;
      d.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
      await createObjs(d);
      await ok(['-n', ns, 'patch', 'deploy', 'md', '--type=merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"redis"}]}}}}']);
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'md', '-o', 'jsonpath={.spec.template.spec.containers[*].name}']), 'only');
    });

    test('patch --type=json: add, replace, remove, failing test op', async () => {
      const ns = await newNs('patch-json');
      await createObjs(cm(ns, 'jc', { a: '1', b: '2' }));
      const ops = [
        { op: 'add', path: '/data/c', value: '3' },
        { op: 'replace', path: '/data/a', value: '10' },
        { op: 'remove', path: '/data/b' },
        { op: 'test', path: '/data/c', value: '3' },
        { op: 'add', path: '/metadata/labels', value: { x: 'y' } },
      ];
      assert.equal(await ok(['-n', ns, 'patch', 'cm', 'jc', '--type=json', '-p', JSON.stringify(ops)]), 'configmap/jc patched\n');
      const o = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'jc', '-o', 'json']));
      assert.deepEqual(o.data, { a: '10', c: '3' });
      assert.deepEqual(o.metadata.labels, { x: 'y' });
      const failing = await run(['-n', ns, 'patch', 'cm', 'jc', '--type=json', '-p', '[{"op":"test","path":"/data/a","value":"nope"},{"op":"remove","path":"/data/a"}]']);
      assert.equal(failing.code, 1);
      assert.equal(failing.stderr.trim(), 'The request is invalid: the server rejected our request due to an error in our request');
      assert.deepEqual(JSON.parse(await ok(['-n', ns, 'get', 'cm', 'jc', '-o', 'jsonpath={.data}'])), { a: '10', c: '3' }, 'a failed patch changes nothing');
      const missing = await fails(['-n', ns, 'patch', 'cm', 'jc', '--type=json', '-p', '[{"op":"remove","path":"/data/zzz"}]']);
      assert.equal(missing, 'The request is invalid: the server rejected our request due to an error in our request');
      const notFound = await fails(['-n', ns, 'patch', 'cm', 'nope', '--type=json', '-p', '[{"op":"add","path":"/data/x","value":"1"}]']);
      assert.equal(notFound, 'Error from server (NotFound): configmaps "nope" not found');
    });

    test('patch --subresource=status; status changes through the main resource are ignored', async () => {
      const ns = await newNs('patch-status');
      await createObjs(pod(ns, 'sp'), deployment(ns, 'sd', 1));
      assert.equal(await ok(['-n', ns, 'patch', 'pod', 'sp', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']), 'pod/sp patched\n');
      assert.equal(parseTable(await ok(['-n', ns, 'get', 'pod', 'sp'])).rows[0].STATUS, 'Running');
      assert.equal(await ok(['-n', ns, 'patch', 'pod', 'sp', '--type=merge', '-p', '{"status":{"phase":"Failed"}}']), 'pod/sp patched (no change)\n');
      assert.equal(await ok(['-n', ns, 'get', 'pod', 'sp', '-o', 'jsonpath={.status.phase}']), 'Running');
      await ok(['-n', ns, 'patch', 'deploy', 'sd', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":1,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":1}}']);
      const row = parseTable(await ok(['-n', ns, 'get', 'deploy', 'sd'])).rows[0];
      assert.equal(row.READY, '1/1');
      assert.equal(row['UP-TO-DATE'], '1');
      assert.equal(row.AVAILABLE, '1');
      // spec changes through the status subresource are ignored
      await ok(['-n', ns, 'patch', 'deploy', 'sd', '--subresource=status', '--type=merge', '-p', '{"spec":{"replicas":7}}']);
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'sd', '-o', 'jsonpath={.spec.replicas}']), '1');
    });

    test('scale deployment (and --current-replicas mismatch)', async () => {
      const ns = await newNs('scale');
      await createObjs(deployment(ns, 'sc', 2));
      assert.equal(await ok(['-n', ns, 'scale', 'deployment', 'sc', '--replicas=5']), 'deployment.apps/sc scaled\n');
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'sc', '-o', 'jsonpath={.spec.replicas}']), '5');
      assert.equal(parseTable(await ok(['-n', ns, 'get', 'deploy', 'sc'])).rows[0].READY, '0/5');
      const err = await fails(['-n', ns, 'scale', 'deployment', 'sc', '--current-replicas=2', '--replicas=3']);
      assert.equal(err, 'error: Expected replicas to be 2, was 5');
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'sc', '-o', 'jsonpath={.spec.replicas}']), '5');
      assert.equal(await ok(['-n', ns, 'scale', 'deployment', 'sc', '--current-replicas=5', '--replicas=1']), 'deployment.apps/sc scaled\n');
      const scale = JSON.parse(await ok(['get', '--raw', `/apis/apps/v1/namespaces/${ns}/deployments/sc/scale`]));
      assert.equal(scale.kind, 'Scale');
      assert.equal(scale.apiVersion, 'autoscaling/v1');
      assert.equal(scale.spec.replicas, 1);
      assert.equal(scale.status.selector, 'app=sc');
    });

    test('set image deployment/x c=img', async () => {
      const ns = await newNs('setimage');
      await createObjs(deployment(ns, 'si', 1, 'nginx:1.25'));
      assert.equal(await ok(['-n', ns, 'set', 'image', 'deployment/si', 'c=nginx:1.27']), 'deployment.apps/si image updated\n');
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'si', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.27');
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'si', '-o', 'jsonpath={.metadata.generation}']), '2');
      const err = await fails(['-n', ns, 'set', 'image', 'deployment/si', 'nope=busybox']);
      assert.equal(err, 'error: unable to find container named "nope"');
    });

    test('edit with KUBE_EDITOR', async () => {
      const ns = await newNs('edit');
      await createObjs(deployment(ns, 'ed', 1, 'nginx:1.25'));
      const env = { KUBE_EDITOR: 'sed -i s/nginx:1.25/nginx:1.27/', EDITOR: '' };
      assert.equal(await ok(['-n', ns, 'edit', 'deployment', 'ed'], { env }), 'deployment.apps/ed edited\n');
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'ed', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.27');
      // the editor changes nothing: kubectl cancels the edit
      const r = await run(['-n', ns, 'edit', 'deployment', 'ed'], { env: { KUBE_EDITOR: 'true' } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.trim(), 'Edit cancelled, no changes made.');
      // json output format
      const script = join(work, 'editor.sh');
      writeFileSync(script, '#!/bin/sh\nsed -i \'s/"replicas": 1,/"replicas": 4,/\' "$1"\n', { mode: 0o755 });
      // -o json: edit the object as JSON; kubectl then prints the result in that format
      const edited = JSON.parse(await ok(['-n', ns, 'edit', 'deployment', 'ed', '-o', 'json'], { env: { KUBE_EDITOR: script } }));
      assert.equal(edited.spec.replicas, 4);
      assert.equal(await ok(['-n', ns, 'get', 'deploy', 'ed', '-o', 'jsonpath={.spec.replicas}']), '4');
    });
  });

  // ------------------------------------------------------------------ delete
  describe('delete', () => {
    test('delete by name, by -l, --all, --ignore-not-found, NotFound', async () => {
      const ns = await newNs('delete');
      await createObjs(cm(ns, 'd1'), cm(ns, 'd2', {}, { grp: 'x' }), cm(ns, 'd3', {}, { grp: 'x' }), cm(ns, 'd4'), cm(ns, 'd5'));
      assert.equal(await ok(['-n', ns, 'delete', 'cm', 'd1']), 'configmap "d1" deleted\n');
      assert.equal(await ok(['-n', ns, 'delete', 'cm', '-l', 'grp=x']), 'configmap "d2" deleted\nconfigmap "d3" deleted\n');
      // --all also deletes the namespace's kube-root-ca.crt (as on any cluster) ...
      const caUid = await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'jsonpath={.metadata.uid}']);
      assert.equal(await ok(['-n', ns, 'delete', 'cm', '--all']), `configmap "d4" deleted\nconfigmap "d5" deleted\nconfigmap "${ROOT_CA_CONFIGMAP}" deleted\n`);
      // ... which the root-CA publisher then recreates (a new object), and only that is left
      let left = '';
      for (let i = 0; i < 100 && left !== `configmap/${ROOT_CA_CONFIGMAP}\n`; i++) {
        if (i) await sleep(50);
        left = await ok(['-n', ns, 'get', 'cm', '-o', 'name']);
      }
      assert.equal(left, `configmap/${ROOT_CA_CONFIGMAP}\n`);
      assert.notEqual(await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'jsonpath={.metadata.uid}']), caUid, 'kube-root-ca.crt was recreated');
      assert.equal(await fails(['-n', ns, 'delete', 'cm', 'd1']), 'Error from server (NotFound): configmaps "d1" not found');
      const r = await run(['-n', ns, 'delete', 'cm', 'd1', '--ignore-not-found']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout + r.stderr, '');
      const nothing = await run(['-n', ns, 'delete', 'cm', '-l', 'grp=x']);
      assert.equal(nothing.code, 0);
      assert.equal((nothing.stdout + nothing.stderr).trim(), 'No resources found');
    });

    test('delete --cascade=background removes a deployment at once', async () => {
      const ns = await newNs('cascade-bg');
      await createObjs(deployment(ns, 'bgd', 1));
      assert.equal(await ok(['-n', ns, 'delete', 'deployment', 'bgd', '--cascade=background']), 'deployment.apps "bgd" deleted\n');
      assert.equal(await fails(['-n', ns, 'get', 'deploy', 'bgd']), 'Error from server (NotFound): deployments.apps "bgd" not found');
    });

    test('delete --cascade=foreground leaves the foregroundDeletion finalizer (no GC yet); removing it deletes', async () => {
      const ns = await newNs('cascade-fg');
      await createObjs(deployment(ns, 'fgd', 1));
      assert.equal(await ok(['-n', ns, 'delete', 'deployment', 'fgd', '--cascade=foreground', '--wait=false']), 'deployment.apps "fgd" deleted\n');
      const d = JSON.parse(await ok(['-n', ns, 'get', 'deploy', 'fgd', '-o', 'json']));
      assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);
      assert.match(d.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(d.metadata.deletionGracePeriodSeconds, 0);
      await ok(['-n', ns, 'patch', 'deploy', 'fgd', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      assert.equal(await fails(['-n', ns, 'get', 'deploy', 'fgd']), 'Error from server (NotFound): deployments.apps "fgd" not found');
    });

    test('delete --cascade=orphan records the orphan finalizer (no GC yet); removing it deletes', async () => {
      const ns = await newNs('cascade-orphan');
      await createObjs(deployment(ns, 'od', 1));
      assert.equal(await ok(['-n', ns, 'delete', 'deployment', 'od', '--cascade=orphan', '--wait=false']), 'deployment.apps "od" deleted\n');
      const d = JSON.parse(await ok(['-n', ns, 'get', 'deploy', 'od', '-o', 'json']));
      assert.deepEqual(d.metadata.finalizers, ['orphan']);
      assert.ok(d.metadata.deletionTimestamp);
      await ok(['-n', ns, 'patch', 'deploy', 'od', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
      assert.equal(await fails(['-n', ns, 'get', 'deploy', 'od']), 'Error from server (NotFound): deployments.apps "od" not found');
    });

    test('custom finalizer: object stays until the finalizer is removed; --wait returns once gone', async () => {
      const ns = await newNs('finalizer');
      const withFin = (name: string) => ({ ...(cm(ns, name) as any), metadata: { name, namespace: ns, finalizers: ['example.com/keep'] } });
      await createObjs(withFin('fin'), withFin('fin2'));
      // default --wait=true: kubectl waits for the object to go away, and times out
      const t = await run(['-n', ns, 'delete', 'cm', 'fin', '--timeout=2s']);
      assert.equal(t.code, 1);
      assert.equal(t.stdout, 'configmap "fin" deleted\n');
      // (under load kubectl can print its timeout line twice: every line must be that line)
      const errLines = t.stderr.trim().split('\n');
      assert.ok(errLines.length >= 1 && errLines.every((l) => l === 'error: timed out waiting for the condition on configmaps/fin'), t.stderr);
      const o = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'fin', '-o', 'json']));
      assert.ok(o.metadata.deletionTimestamp, 'deletionTimestamp set');
      assert.equal(o.metadata.deletionGracePeriodSeconds, 0);
      assert.deepEqual(o.metadata.finalizers, ['example.com/keep']);
      // no new finalizers once deleting
      const e = await fails(['-n', ns, 'patch', 'cm', 'fin', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/keep","example.com/other"]}}']);
      assert.equal(e, `The ConfigMap "fin" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/other"}`);
      // other updates are still allowed
      await ok(['-n', ns, 'label', 'cm', 'fin', 'still=here']);
      await ok(['-n', ns, 'patch', 'cm', 'fin', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      assert.equal(await fails(['-n', ns, 'get', 'cm', 'fin']), 'Error from server (NotFound): configmaps "fin" not found');

      // delete (waiting) returns once another client removes the finalizer
      const started = Date.now();
      const del = bg(['-n', ns, 'delete', 'cm', 'fin2']);
      await del.waitFor((s) => s.includes('configmap "fin2" deleted'));
      await sleep(1000);
      await ok(['-n', ns, 'patch', 'cm', 'fin2', '--type=merge', '-p', '{"metadata":{"finalizers":[]}}']);
      const r = await del.done;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - started >= 1000);
      assert.equal(await fails(['-n', ns, 'get', 'cm', 'fin2']), 'Error from server (NotFound): configmaps "fin2" not found');
    });

    test('pods: unbound pods go at once; a bound pod is Terminating until --grace-period=0 --force', async () => {
      const ns = await newNs('podgrace');
      await createObjs(pod(ns, 'free'), pod(ns, 'bound', { nodeName: 'node-1' }));
      assert.equal(await ok(['-n', ns, 'delete', 'pod', 'free']), 'pod "free" deleted\n');
      assert.equal(await fails(['-n', ns, 'get', 'pod', 'free']), 'Error from server (NotFound): pods "free" not found');

      assert.equal(await ok(['-n', ns, 'delete', 'pod', 'bound', '--wait=false']), 'pod "bound" deleted\n');
      const p = JSON.parse(await ok(['-n', ns, 'get', 'pod', 'bound', '-o', 'json']));
      assert.equal(p.metadata.deletionGracePeriodSeconds, 30);
      assert.ok(p.metadata.deletionTimestamp);
      assert.ok(Date.parse(p.metadata.deletionTimestamp) > Date.now() + 20000, 'deletionTimestamp = now + grace period');
      assert.equal(parseTable(await ok(['-n', ns, 'get', 'pod', 'bound'])).rows[0].STATUS, 'Terminating');
      // a second graceful delete with a shorter grace period shortens it
      await ok(['-n', ns, 'delete', 'pod', 'bound', '--grace-period=10', '--wait=false']);
      assert.equal(await ok(['-n', ns, 'get', 'pod', 'bound', '-o', 'jsonpath={.metadata.deletionGracePeriodSeconds}']), '10');
      const f = await run(['-n', ns, 'delete', 'pod', 'bound', '--grace-period=0', '--force']);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(f.stdout, 'pod "bound" force deleted\n');
      assert.equal(
        f.stderr.trim(),
        'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.',
      );
      assert.equal(await fails(['-n', ns, 'get', 'pod', 'bound']), 'Error from server (NotFound): pods "bound" not found');
    });

    test('delete ns: Terminating while content is held by a finalizer, no new content in it, then gone', async () => {
      const ns = await newNs('doomed');
      // the namespace controller deletes the content at once; a finalizer on one object keeps the
      // namespace Terminating until it is removed
      await createObjs({ ...(cm(ns, 'inside') as any), metadata: { name: 'inside', namespace: ns, finalizers: ['example.com/hold'] } });
      assert.equal(await ok(['delete', 'ns', ns, '--wait=false']), `namespace "${ns}" deleted\n`);
      const row = rowByName(parseTable(await ok(['get', 'ns', ns])), ns);
      assert.equal(row.STATUS, 'Terminating');
      const o = JSON.parse(await ok(['get', 'ns', ns, '-o', 'json']));
      assert.ok(o.metadata.deletionTimestamp);
      assert.equal(o.status.phase, 'Terminating');
      assert.deepEqual(o.spec.finalizers, ['kubernetes']);
      const err = await fails(['create', '-f', '-'], { input: JSON.stringify(cm(ns, 'late')) });
      assert.equal(
        err,
        `Error from server (Forbidden): error when creating "STDIN": configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      );
      // the content is deleted (kube-root-ca.crt too, and not recreated in a terminating
      // namespace); what a finalizer holds can still be read
      let left: string[] = [];
      for (let i = 0; i < 100; i++) {
        if (i) await sleep(50);
        left = lines(await ok(['-n', ns, 'get', 'cm,sa', '-o', 'name']));
        if (left.length === 1) break;
      }
      assert.deepEqual(left, ['configmap/inside']);
      const inside = JSON.parse(await ok(['-n', ns, 'get', 'cm', 'inside', '-o', 'json']));
      assert.ok(inside.metadata.deletionTimestamp, 'the namespace controller deleted it');
      assert.equal(rowByName(parseTable(await ok(['get', 'ns', ns])), ns).STATUS, 'Terminating');
      // once the finalizer is gone, so is the object and then the namespace
      await ok(['-n', ns, 'patch', 'cm', 'inside', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      assert.equal(await ok(['wait', '--for=delete', `namespace/${ns}`, '--timeout=20s']), `namespace/${ns} condition met\n`);
      assert.equal(await fails(['get', 'ns', ns]), `Error from server (NotFound): namespaces "${ns}" not found`);
    });
  });

  // ------------------------------------------------------------------ watch / wait
  describe('watch and wait', () => {
    test('get -w prints the initial list and then every change', async () => {
      const ns = await newNs('watch');
      await createObjs(cm(ns, 'pre'));
      const w = bg(['-n', ns, 'get', 'cm', '-w']);
      try {
        await w.waitFor((s) => /\npre\s+0\s+/.test(s));
        await createObjs(cm(ns, 'w1'));
        await w.waitFor((s) => /\nw1\s+0\s+/.test(s));
        await ok(['-n', ns, 'patch', 'cm', 'w1', '--type=merge', '-p', '{"data":{"k":"v"}}']);
        await w.waitFor((s) => /\nw1\s+1\s+/.test(s));
        await ok(['-n', ns, 'delete', 'cm', 'w1']);
        await w.waitFor((s) => (s.match(/\nw1\s+1\s+/g) ?? []).length === 2);
      } finally {
        await w.stop();
      }
      const ls = lines(w.stdout);
      assert.match(ls[0], /^NAME\s+DATA\s+AGE$/);
      // the initial list has the namespace's kube-root-ca.crt (1 key) too
      assert.deepEqual(ls.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' ')), [`${ROOT_CA_CONFIGMAP} 1`, 'pre 0', 'w1 0', 'w1 1', 'w1 1']);
    });

    test('get -w --output-watch-events', async () => {
      const ns = await newNs('watch-ev');
      const w = bg(['-n', ns, 'get', 'cm', '-w', '--output-watch-events', '-v=6']);
      try {
        await w.watching();
        await createObjs(cm(ns, 'e1'));
        await ok(['-n', ns, 'label', 'cm', 'e1', 'x=y']);
        await ok(['-n', ns, 'delete', 'cm', 'e1']);
        await w.waitFor((s) => s.includes('DELETED'));
      } finally {
        await w.stop();
      }
      const t = parseTable(w.stdout);
      assert.deepEqual(t.header, ['EVENT', 'NAME', 'DATA', 'AGE']);
      // the initial list (the namespace's kube-root-ca.crt) is printed as ADDED, then the changes
      assert.deepEqual(t.rows.map((r) => `${r.EVENT} ${r.NAME}`), [`ADDED ${ROOT_CA_CONFIGMAP}`, 'ADDED e1', 'MODIFIED e1', 'DELETED e1']);
    });

    test('get --watch-only -o json prints only the changes, as JSON objects', async () => {
      const ns = await newNs('watch-only');
      await createObjs(cm(ns, 'old'));
      const w = bg(['-n', ns, 'get', 'cm', '--watch-only', '-o', 'json', '-v=6']);
      try {
        await w.watching();
        await createObjs(cm(ns, 'new1', { a: '1' }));
        await ok(['-n', ns, 'patch', 'cm', 'new1', '--type=merge', '-p', '{"data":{"a":"2"}}']);
        await w.waitFor((s) => s.includes('"a": "2"'));
      } finally {
        await w.stop();
      }
      const docs = w.stdout
        .split(/\n(?=\{)/)
        .filter((s) => s.trim())
        .map((s) => JSON.parse(s));
      assert.equal(docs.length, 2, w.stdout);
      assert.ok(docs.every((d) => d.kind === 'ConfigMap' && d.metadata.name === 'new1'));
      assert.deepEqual(docs.map((d) => d.data.a), ['1', '2']);
      assert.ok(Number(docs[1].metadata.resourceVersion) > Number(docs[0].metadata.resourceVersion));
      assert.match(w.stdout, /^\{\n {4}"apiVersion": "v1",\n/, 'kubectl prints JSON with 4-space indent');
    });

    test('wait --for=delete', async () => {
      const ns = await newNs('wait-del');
      await createObjs({ ...(cm(ns, 'wd') as any), metadata: { name: 'wd', namespace: ns, finalizers: ['example.com/hold'] } });
      await ok(['-n', ns, 'delete', 'cm', 'wd', '--wait=false']);
      const w = bg(['-n', ns, 'wait', '--for=delete', 'configmap/wd', '--timeout=20s', '-v=6']);
      await w.watching();
      await ok(['-n', ns, 'patch', 'cm', 'wd', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      const r = await w.done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'configmap/wd condition met\n');
      const timeout = await run(['-n', ns, 'wait', '--for=delete', 'namespace/default', '--timeout=1s']);
      assert.equal(timeout.code, 1);
      assert.equal(timeout.stderr.trim(), 'error: timed out waiting for the condition on namespaces/default');
    });

    test('wait --for=jsonpath after a patch; --for=condition times out', async () => {
      const ns = await newNs('wait-jp');
      await createObjs(deployment(ns, 'wj', 1));
      const w = bg(['-n', ns, 'wait', '--for=jsonpath={.spec.replicas}=3', 'deployment/wj', '--timeout=20s', '-v=6']);
      await w.watching();
      await ok(['-n', ns, 'patch', 'deploy', 'wj', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
      const r = await w.done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'deployment.apps/wj condition met\n');
      // already true: returns at once
      assert.equal(await ok(['-n', ns, 'wait', '--for=jsonpath={.metadata.name}=wj', 'deployment/wj', '--timeout=5s']), 'deployment.apps/wj condition met\n');
      const t = await run(['-n', ns, 'wait', '--for=condition=Available', 'deployment/wj', '--timeout=1s']);
      assert.equal(t.code, 1);
      assert.equal(t.stderr.trim(), 'error: timed out waiting for the condition on deployments/wj');
    });
  });

  // ------------------------------------------------------------------ kubectl create <type>
  describe('kubectl create <type> and their table columns', () => {
    let ns: string;
    before(async () => {
      ns = await newNs('types');
    });

    test('create configmap', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'configmap', 'cm1', '--from-literal=a=1', '--from-literal=b=2']), 'configmap/cm1 created\n');
      const t = parseTable(await ok(['-n', ns, 'get', 'configmap', 'cm1']));
      assert.deepEqual(t.header, ['NAME', 'DATA', 'AGE']);
      assert.equal(t.rows[0].DATA, '2');
    });

    test('create secret generic / tls / docker-registry', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'secret', 'generic', 'sg', '--from-literal=user=admin', '--from-literal=pass=s3cr3t']), 'secret/sg created\n');
      assert.equal(
        await ok(['-n', ns, 'create', 'secret', 'tls', 'st', `--cert=${join(srv.dataDir, 'pki', 'apiserver.crt')}`, `--key=${join(srv.dataDir, 'pki', 'apiserver.key')}`]),
        'secret/st created\n',
      );
      assert.equal(
        await ok(['-n', ns, 'create', 'secret', 'docker-registry', 'sd', '--docker-server=registry.example.com', '--docker-username=u', '--docker-password=p']),
        'secret/sd created\n',
      );
      const t = parseTable(await ok(['-n', ns, 'get', 'secrets']));
      assert.deepEqual(t.header, ['NAME', 'TYPE', 'DATA', 'AGE']);
      assert.deepEqual([rowByName(t, 'sg').TYPE, rowByName(t, 'sg').DATA], ['Opaque', '2']);
      assert.deepEqual([rowByName(t, 'st').TYPE, rowByName(t, 'st').DATA], ['kubernetes.io/tls', '2']);
      assert.deepEqual([rowByName(t, 'sd').TYPE, rowByName(t, 'sd').DATA], ['kubernetes.io/dockerconfigjson', '1']);
      assert.equal(Buffer.from(await ok(['-n', ns, 'get', 'secret', 'sg', '-o', 'jsonpath={.data.pass}']), 'base64').toString(), 's3cr3t');
    });

    test('create service clusterip / nodeport; port and IP allocation errors', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'service', 'clusterip', 'sc1', '--tcp=80:8080']), 'service/sc1 created\n');
      assert.equal(await ok(['-n', ns, 'create', 'service', 'nodeport', 'np1', '--tcp=80:8080']), 'service/np1 created\n');
      const t = parseTable(await ok(['-n', ns, 'get', 'svc']));
      assert.deepEqual(t.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      const sc1 = rowByName(t, 'sc1');
      assert.equal(sc1.TYPE, 'ClusterIP');
      assert.match(sc1['CLUSTER-IP'], /^10\.32\.0\.\d+$/);
      assert.notEqual(sc1['CLUSTER-IP'], '10.32.0.1');
      assert.equal(sc1['PORT(S)'], '80/TCP');
      const np1 = rowByName(t, 'np1');
      assert.equal(np1.TYPE, 'NodePort');
      const m = /^80:(\d+)\/TCP$/.exec(np1['PORT(S)']);
      assert.ok(m, np1['PORT(S)']);
      const nodePort = Number(m[1]);
      assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort} outside 30000-32767`);

      // explicit nodePort collision
      const e1 = await fails(['-n', ns, 'create', 'service', 'nodeport', 'np2', '--tcp=81:8080', `--node-port=${nodePort}`]);
      // (kubectl create service wraps the server's error: "failed to create <type> service: <StatusError>")
      assert.equal(e1, `error: failed to create NodePort service: Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`);
      const e1b = await fails(['-n', ns, 'create', 'service', 'nodeport', 'np3', '--tcp=81:8080', '--node-port=80']);
      assert.equal(
        e1b,
        'error: failed to create NodePort service: Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
      );
      // explicit clusterIP collision
      const e2 = await fails(['-n', ns, 'create', 'service', 'clusterip', 'sc2', '--tcp=80:80', `--clusterip=${sc1['CLUSTER-IP']}`]);
      assert.match(e2, /^error: failed to create ClusterIP service: Service "sc2" is invalid: spec\.clusterIPs: Invalid value: .*: provided IP is already allocated$/);
      const e3 = await fails(['-n', ns, 'create', 'service', 'clusterip', 'sc3', '--tcp=80:80', '--clusterip=10.99.0.5']);
      assert.match(e3, /^error: failed to create ClusterIP service: Service "sc3" is invalid: spec\.clusterIPs: Invalid value: .*: the provided IP \(10\.99\.0\.5\) is not in the valid range\. The range of valid IPs is 10\.32\.0\.0\/24$/);
      // an explicit free IP (one no service of the shared server holds: others are allocated at
      // random) and a headless service
      const taken = new Set((await ok(['get', 'svc', '-A', '-o', 'jsonpath={.items[*].spec.clusterIP}'])).split(' '));
      const freeIP = [...Array(100).keys()].map((i) => `10.32.0.${250 - i}`).find((ip) => !taken.has(ip))!;
      assert.equal(await ok(['-n', ns, 'create', 'service', 'clusterip', 'sc4', '--tcp=80:80', `--clusterip=${freeIP}`]), 'service/sc4 created\n');
      assert.equal(await ok(['-n', ns, 'create', 'service', 'clusterip', 'hl', '--clusterip=None']), 'service/hl created\n');
      const t2 = parseTable(await ok(['-n', ns, 'get', 'svc', 'sc4', 'hl']));
      assert.equal(rowByName(t2, 'sc4')['CLUSTER-IP'], freeIP);
      assert.equal(rowByName(t2, 'hl')['CLUSTER-IP'], 'None');
      assert.equal(rowByName(t2, 'hl')['PORT(S)'], '<none>');
      // deleting a service releases its IP and port
      await ok(['-n', ns, 'delete', 'svc', 'np1']);
      assert.equal(await ok(['-n', ns, 'create', 'service', 'nodeport', 'np4', '--tcp=82:8080', `--node-port=${nodePort}`]), 'service/np4 created\n');
      // upstream prints the []string bad value with Go's %#v (field.Error.ErrorBody)
      assert.equal(
        e2,
        `error: failed to create ClusterIP service: Service "sc2" is invalid: spec.clusterIPs: Invalid value: []string{"${sc1['CLUSTER-IP']}"}: failed to allocate IP ${sc1['CLUSTER-IP']}: provided IP is already allocated`,
      );
      assert.equal(
        e3,
        'error: failed to create ClusterIP service: Service "sc3" is invalid: spec.clusterIPs: Invalid value: []string{"10.99.0.5"}: failed to allocate IP 10.99.0.5: the provided IP (10.99.0.5) is not in the valid range. The range of valid IPs is 10.32.0.0/24',
      );
    });

    test('create deployment', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80']), 'deployment.apps/web created\n');
      const t = parseTable(await ok(['-n', ns, 'get', 'deployment', 'web', '-o', 'wide']));
      assert.deepEqual(t.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual(
        { READY: t.rows[0].READY, UP: t.rows[0]['UP-TO-DATE'], AV: t.rows[0].AVAILABLE, C: t.rows[0].CONTAINERS, I: t.rows[0].IMAGES, S: t.rows[0].SELECTOR },
        { READY: '0/3', UP: '0', AV: '0', C: 'nginx', I: 'nginx:1.27', S: 'app=web' },
      );
    });

    test('create job and cronjob', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi']), 'job.batch/once created\n');
      const j = parseTable(await ok(['-n', ns, 'get', 'job', 'once']));
      assert.deepEqual(j.header, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
      assert.equal(j.rows[0].STATUS, 'Running');
      assert.equal(j.rows[0].COMPLETIONS, '0/1');
      assert.equal(j.rows[0].DURATION, '');
      const job = JSON.parse(await ok(['-n', ns, 'get', 'job', 'once', '-o', 'json']));
      assert.equal(job.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'once');
      assert.equal(job.spec.template.metadata.labels['job-name'], 'once');
      assert.deepEqual(job.spec.selector.matchLabels, { 'batch.kubernetes.io/controller-uid': job.metadata.uid });
      assert.equal(job.spec.template.spec.restartPolicy, 'Never');

      assert.equal(await ok(['-n', ns, 'create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']), 'cronjob.batch/tick created\n');
      const c = parseTable(await ok(['-n', ns, 'get', 'cronjob', 'tick']));
      assert.deepEqual(c.header, ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
      assert.deepEqual([c.rows[0].SCHEDULE, c.rows[0].TIMEZONE, c.rows[0].SUSPEND, c.rows[0].ACTIVE, c.rows[0]['LAST SCHEDULE']], ['*/5 * * * *', '<none>', 'False', '0', '<none>']);
      const bad = await fails(['-n', ns, 'create', 'cronjob', 'badsched', '--image=busybox', '--schedule=not a schedule']);
      assert.equal(bad, 'error: failed to create cronjob: CronJob.batch "badsched" is invalid: spec.schedule: Invalid value: "not a schedule": expected exactly 5 fields, found 3: [not a schedule]');
    });

    test('create role, rolebinding, clusterrole, clusterrolebinding', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'role', 'reader', '--verb=get,list', '--resource=pods']), 'role.rbac.authorization.k8s.io/reader created\n');
      assert.equal(await ok(['-n', ns, 'create', 'rolebinding', 'reader-bind', '--role=reader', '--user=alice', '--serviceaccount=' + ns + ':robot']), 'rolebinding.rbac.authorization.k8s.io/reader-bind created\n');
      assert.equal(await ok(['create', 'clusterrole', 'e2e-node-reader', '--verb=get', '--resource=nodes']), 'clusterrole.rbac.authorization.k8s.io/e2e-node-reader created\n');
      assert.equal(await ok(['create', 'clusterrolebinding', 'e2e-node-reader-bind', '--clusterrole=e2e-node-reader', '--group=devs']), 'clusterrolebinding.rbac.authorization.k8s.io/e2e-node-reader-bind created\n');
      const r = parseTable(await ok(['-n', ns, 'get', 'role', 'reader']));
      assert.deepEqual(r.header, ['NAME', 'CREATED AT']);
      assert.match(r.rows[0]['CREATED AT'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const rb = parseTable(await ok(['-n', ns, 'get', 'rolebinding', 'reader-bind', '-o', 'wide']));
      assert.deepEqual(rb.header, ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
      assert.equal(rb.rows[0].ROLE, 'Role/reader');
      assert.equal(rb.rows[0].USERS, 'alice');
      assert.equal(rb.rows[0].SERVICEACCOUNTS, `${ns}/robot`);
      const cr = parseTable(await ok(['get', 'clusterrole', 'e2e-node-reader']));
      assert.deepEqual(cr.header, ['NAME', 'CREATED AT']);
      const crb = parseTable(await ok(['get', 'clusterrolebinding', 'e2e-node-reader-bind']));
      assert.deepEqual(crb.header, ['NAME', 'ROLE', 'AGE']);
      assert.equal(crb.rows[0].ROLE, 'ClusterRole/e2e-node-reader');
      const role = JSON.parse(await ok(['-n', ns, 'get', 'role', 'reader', '-o', 'json']));
      assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
    });

    test('create serviceaccount, priorityclass, namespace', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'serviceaccount', 'robot']), 'serviceaccount/robot created\n');
      const sa = parseTable(await ok(['-n', ns, 'get', 'sa', 'robot']));
      assert.deepEqual(sa.header, ['NAME', 'SECRETS', 'AGE']);
      assert.equal(sa.rows[0].SECRETS, '0');
      // next to the namespace's default ServiceAccount
      assert.deepEqual(lines(await ok(['-n', ns, 'get', 'sa', '-o', 'name'])), ['serviceaccount/default', 'serviceaccount/robot']);
      assert.equal(await ok(['create', 'priorityclass', 'e2e-high', '--value=1000', '--description=high priority']), 'priorityclass.scheduling.k8s.io/e2e-high created\n');
      const pc = parseTable(await ok(['get', 'priorityclass']));
      assert.deepEqual(pc.header, ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']);
      assert.deepEqual([rowByName(pc, 'e2e-high').VALUE, rowByName(pc, 'e2e-high')['GLOBAL-DEFAULT'], rowByName(pc, 'e2e-high').PREEMPTIONPOLICY], ['1000', 'false', 'PreemptLowerPriority']);
      assert.equal(rowByName(pc, 'system-cluster-critical').VALUE, '2000000000');
      assert.equal(rowByName(pc, 'system-node-critical').VALUE, '2000001000');
      assert.equal(await ok(['create', 'namespace', 'e2e-created-ns']), 'namespace/e2e-created-ns created\n');
      assert.equal(rowByName(parseTable(await ok(['get', 'ns', 'e2e-created-ns'])), 'e2e-created-ns').STATUS, 'Active');
      await waitForNamespaceDefaults(srv.kubeconfig, 'e2e-created-ns');
    });

    test('create quota, pdb, ingress', async () => {
      assert.equal(await ok(['-n', ns, 'create', 'quota', 'q1', '--hard=pods=10,cpu=2,limits.memory=1Gi']), 'resourcequota/q1 created\n');
      const q = parseTable(await ok(['-n', ns, 'get', 'quota', 'q1']));
      assert.deepEqual(q.header, ['NAME', 'AGE', 'REQUEST', 'LIMIT']);
      assert.deepEqual(JSON.parse(await ok(['-n', ns, 'get', 'quota', 'q1', '-o', 'jsonpath={.spec.hard}'])), { cpu: '2', pods: '10', 'limits.memory': '1Gi' });

      assert.equal(await ok(['-n', ns, 'create', 'pdb', 'budget', '--selector=app=web', '--min-available=1']), 'poddisruptionbudget.policy/budget created\n');
      const p = parseTable(await ok(['-n', ns, 'get', 'pdb', 'budget']));
      assert.deepEqual(p.header, ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
      assert.deepEqual([p.rows[0]['MIN AVAILABLE'], p.rows[0]['MAX UNAVAILABLE'], p.rows[0]['ALLOWED DISRUPTIONS']], ['1', 'N/A', '0']);

      assert.equal(await ok(['-n', ns, 'create', 'ingress', 'ing', '--rule=foo.example.com/bar=svc1:8080', '--rule=baz.example.com/*=svc2:80,tls']), 'ingress.networking.k8s.io/ing created\n');
      const i = parseTable(await ok(['-n', ns, 'get', 'ingress', 'ing']));
      assert.deepEqual(i.header, ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
      assert.deepEqual([i.rows[0].CLASS, i.rows[0].HOSTS, i.rows[0].ADDRESS, i.rows[0].PORTS], ['<none>', 'foo.example.com,baz.example.com', '', '80, 443']);

      // no quota controller: status.hard/used stay empty, and upstream's printer iterates status.hard
      assert.equal(q.rows[0].REQUEST, '');
      assert.equal(q.rows[0].LIMIT, '');
    });

    test('quota admission charges only objects that passed validation (validating admission runs after the type validation)', async () => {
      const qns = 'e2e-quota-order';
      await ok(['create', 'namespace', qns]);
      await waitForNamespaceDefaults(srv.kubeconfig, qns);
      await ok(['-n', qns, 'create', 'quota', 'q', '--hard=pods=5']);
      // no quota controller here: its status is set by hand
      await ok(['-n', qns, 'patch', 'quota', 'q', '--subresource=status', '--type=merge', '-p', '{"status":{"hard":{"pods":"5"},"used":{"pods":"0"}}}']);
      const podJSON = (name: string, container: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: container, image: 'busybox' }] } });
      const err = await fails(['-n', qns, 'create', '-f', '-'], { input: podJSON('bad', 'Bad_Name') });
      assert.match(err, /Pod "bad" is invalid: spec\.containers\[0\]\.name: Invalid value: "Bad_Name"/);
      assert.equal(await ok(['-n', qns, 'get', 'quota', 'q', '-o', 'jsonpath={.status.used.pods}']), '0');
      await ok(['-n', qns, 'create', '-f', '-'], { input: podJSON('good', 'c') });
      assert.equal(await ok(['-n', qns, 'get', 'quota', 'q', '-o', 'jsonpath={.status.used.pods}']), '1');
    });
  });

  // ------------------------------------------------------------------ namespace defaults
  describe('what kube-controller-manager and ServiceAccount admission add to every namespace and pod', () => {
    const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
    /** upstream's projected token volume (serviceaccount.TokenVolumeSource, with the API defaults) */
    const tokenVolume = (name: string) => ({
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: ROOT_CA_CONFIGMAP } },
          { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
        ],
      },
    });
    /** names.SimpleNameGenerator: 5 characters of "bcdfghjklmnpqrstvwxz2456789" */
    const TOKEN_VOLUME_NAME = /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
    const poll = async (what: string, f: () => Promise<boolean>, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (!(await f())) {
        if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(50);
      }
    };

    test('every namespace, old and new, has a default ServiceAccount and a kube-root-ca.crt ConfigMap with the cluster CA', async () => {
      const ca = clusterCaPem();
      assert.match(ca, /^-----BEGIN CERTIFICATE-----\n/);
      assert.equal(await ok(['create', 'namespace', 'e2e-defaults']), 'namespace/e2e-defaults created\n');
      await waitForNamespaceDefaults(srv.kubeconfig, 'e2e-defaults');
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'e2e-defaults']) {
        const c = JSON.parse(await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'json']));
        assert.deepEqual(c.data, { 'ca.crt': ca }, `${ns}/${ROOT_CA_CONFIGMAP} holds the cluster CA`);
        assert.deepEqual(c.metadata.annotations, { 'kubernetes.io/description': ROOT_CA_DESCRIPTION }, ns);
        assert.equal(c.metadata.labels, undefined, ns);
        const sa = JSON.parse(await ok(['-n', ns, 'get', 'sa', 'default', '-o', 'json']));
        assert.equal(sa.metadata.name, 'default');
        assert.equal(sa.secrets, undefined, 'no token Secrets since v1.24');
        assert.equal(sa.automountServiceAccountToken, undefined);
      }
      const cms = parseTable(await ok(['-n', 'e2e-defaults', 'get', 'cm']));
      assert.deepEqual(cms.rows.map((r) => [r.NAME, r.DATA]), [[ROOT_CA_CONFIGMAP, '1']]);
      const sas = parseTable(await ok(['-n', 'e2e-defaults', 'get', 'sa']));
      assert.deepEqual(sas.rows.map((r) => [r.NAME, r.SECRETS]), [['default', '0']]);
    });

    test('a deleted kube-root-ca.crt or default ServiceAccount is recreated', async () => {
      const ns = await newNs('recreate');
      const uid = await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'jsonpath={.metadata.uid}']);
      assert.equal(await ok(['-n', ns, 'delete', 'cm', ROOT_CA_CONFIGMAP]), `configmap "${ROOT_CA_CONFIGMAP}" deleted\n`);
      let c: any;
      await poll('kube-root-ca.crt to be recreated', async () => {
        const r = await run(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'json']);
        c = r.code === 0 ? JSON.parse(r.stdout) : undefined;
        return !!c;
      });
      assert.notEqual(c.metadata.uid, uid);
      assert.deepEqual(c.data, { 'ca.crt': clusterCaPem() });
      const saUid = await ok(['-n', ns, 'get', 'sa', 'default', '-o', 'jsonpath={.metadata.uid}']);
      assert.equal(await ok(['-n', ns, 'delete', 'sa', 'default']), 'serviceaccount "default" deleted\n');
      await poll('the default ServiceAccount to be recreated', async () => (await run(['-n', ns, 'get', 'sa', 'default'])).code === 0);
      assert.notEqual(await ok(['-n', ns, 'get', 'sa', 'default', '-o', 'jsonpath={.metadata.uid}']), saUid);
    });

    test('a changed kube-root-ca.crt is put back (the root-CA publisher syncs on ConfigMap updates); other metadata is kept', async () => {
      const ns = await newNs('ca-restore');
      const ca = clusterCaPem();
      await ok(['-n', ns, 'label', 'cm', ROOT_CA_CONFIGMAP, 'team=e2e']);
      await ok(['-n', ns, 'patch', 'cm', ROOT_CA_CONFIGMAP, '--type=merge', '-p', '{"data":{"ca.crt":"not a CA"}}']);
      await poll('ca.crt to be restored', async () => JSON.parse(await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'json'])).data?.['ca.crt'] === ca);
      await ok(['-n', ns, 'annotate', 'cm', ROOT_CA_CONFIGMAP, 'kubernetes.io/description-']);
      await poll('the description annotation to be restored', async () => {
        const c = JSON.parse(await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'json']));
        return c.metadata.annotations?.['kubernetes.io/description'] === ROOT_CA_DESCRIPTION;
      });
      const c = JSON.parse(await ok(['-n', ns, 'get', 'cm', ROOT_CA_CONFIGMAP, '-o', 'json']));
      assert.deepEqual(c.data, { 'ca.crt': ca });
      assert.deepEqual(c.metadata.labels, { team: 'e2e' }, 'the publisher only rewrites data and its annotation');
    });

    test('pods get serviceAccountName default and the kube-api-access projected volume in every container', async () => {
      const ns = await newNs('sa-admission');
      const p = { ...(pod(ns, 'p') as any) };
      p.spec.initContainers = [{ name: 'init', image: 'busybox' }];
      await createObjs(p);
      const o = JSON.parse(await ok(['-n', ns, 'get', 'pod', 'p', '-o', 'json']));
      assert.equal(o.spec.serviceAccountName, 'default');
      assert.equal(o.spec.serviceAccount, 'default', 'the deprecated field mirrors serviceAccountName');
      assert.equal(o.spec.automountServiceAccountToken, undefined);
      assert.equal(o.spec.volumes.length, 1, JSON.stringify(o.spec.volumes));
      const vol = o.spec.volumes[0].name;
      assert.match(vol, TOKEN_VOLUME_NAME);
      assert.deepEqual(o.spec.volumes, [tokenVolume(vol)]);
      const mount = { mountPath: SA_MOUNT, name: vol, readOnly: true };
      assert.deepEqual(o.spec.containers[0].volumeMounts, [mount]);
      assert.deepEqual(o.spec.initContainers[0].volumeMounts, [mount]);
      const d = await ok(['-n', ns, 'describe', 'pod', 'p']);
      assert.match(d, /\nService Account:\s+default\n/);
      assert.ok(d.includes(`      ${SA_MOUNT} from ${vol} (ro)\n`), d);
      assert.match(d, new RegExp(`\\n {2}${vol}:\\n {4}Type:\\s+Projected \\(a volume that contains injected data from multiple sources\\)\\n {4}TokenExpirationSeconds:\\s+3607\\n {4}ConfigMapName:\\s+kube-root-ca\\.crt\\n`));
      // a second pod gets its own generated volume name
      await createObjs(pod(ns, 'p2'));
      const vol2 = await ok(['-n', ns, 'get', 'pod', 'p2', '-o', 'jsonpath={.spec.volumes[0].name}']);
      assert.match(vol2, TOKEN_VOLUME_NAME);
    });

    test('ServiceAccount admission: automount opt-outs, a container with its own mount, a missing ServiceAccount', async () => {
      const ns = await newNs('sa-admission-cases');
      await ok(['-n', ns, 'create', 'sa', 'robot']);
      await ok(['-n', ns, 'create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: ns }, automountServiceAccountToken: false }) });
      const mk = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } });
      const get = async (name: string) => JSON.parse(await ok(['-n', ns, 'get', 'pod', name, '-o', 'json'])).spec;
      // the pod opts out
      await createObjs(mk('off', { automountServiceAccountToken: false }));
      let s = await get('off');
      assert.deepEqual([s.serviceAccountName, s.volumes, s.containers[0].volumeMounts], ['default', undefined, undefined]);
      // the ServiceAccount opts out; the pod's own setting wins over it
      await createObjs(mk('sa-off', { serviceAccountName: 'quiet' }), mk('pod-on', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
      s = await get('sa-off');
      assert.deepEqual([s.serviceAccountName, s.serviceAccount, s.volumes, s.containers[0].volumeMounts], ['quiet', 'quiet', undefined, undefined]);
      s = await get('pod-on');
      assert.equal(s.volumes.length, 1);
      assert.match(s.volumes[0].name, TOKEN_VOLUME_NAME);
      // the deprecated serviceAccount field alone names the account
      await createObjs(mk('legacy', { serviceAccount: 'robot' }));
      s = await get('legacy');
      assert.deepEqual([s.serviceAccountName, s.serviceAccount], ['robot', 'robot']);
      // a container with its own mount at the token path keeps it; the others get the token volume
      await createObjs(
        mk('own', {
          volumes: [{ name: 'mine', emptyDir: {} }],
          containers: [
            { name: 'c', image: 'nginx', volumeMounts: [{ name: 'mine', mountPath: SA_MOUNT }] },
            { name: 'd', image: 'nginx' },
          ],
        }),
      );
      s = await get('own');
      const tok = s.volumes.find((v: any) => v.name !== 'mine').name;
      assert.deepEqual(s.volumes, [{ name: 'mine', emptyDir: {} }, tokenVolume(tok)]);
      assert.deepEqual(s.containers[0].volumeMounts, [{ name: 'mine', mountPath: SA_MOUNT }]);
      assert.deepEqual(s.containers[1].volumeMounts, [{ mountPath: SA_MOUNT, name: tok, readOnly: true }]);
      // a ServiceAccount that does not exist
      const e = await fails(['create', '-f', '-'], { input: JSON.stringify(mk('nosa', { serviceAccountName: 'nope' })) });
      assert.equal(e, `Error from server (Forbidden): error when creating "STDIN": pods "nosa" is forbidden: error looking up service account ${ns}/nope: serviceaccount "nope" not found`);
    });

    test('a pod created together with its namespace is admitted (admission waits for the default ServiceAccount)', async () => {
      const name = `together-${++nsCounter}`;
      const out = await ok(['create', '-f', '-'], { input: [JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }), JSON.stringify(pod(name, 'first'))].join('\n') });
      assert.deepEqual(lines(out), [`namespace/${name} created`, 'pod/first created']);
      assert.equal(await ok(['-n', name, 'get', 'pod', 'first', '-o', 'jsonpath={.spec.serviceAccountName}']), 'default');
    });
  });

  // ------------------------------------------------------------------ errors
  describe('errors as upstream prints them', () => {
    test('NotFound, AlreadyExists, unknown resource type', async () => {
      const ns = await newNs('errors');
      assert.equal(await fails(['-n', ns, 'get', 'pods', 'nope']), 'Error from server (NotFound): pods "nope" not found');
      assert.equal(await fails(['-n', ns, 'get', 'deployment', 'nope']), 'Error from server (NotFound): deployments.apps "nope" not found');
      assert.equal(await fails(['get', 'clusterrole', 'nope']), 'Error from server (NotFound): clusterroles.rbac.authorization.k8s.io "nope" not found');
      assert.equal(await fails(['get', 'namespace', 'nope']), 'Error from server (NotFound): namespaces "nope" not found');
      await createObjs(cm(ns, 'dup'));
      assert.equal(await fails(['create', '-f', '-'], { input: JSON.stringify(cm(ns, 'dup')) }), `Error from server (AlreadyExists): error when creating "STDIN": configmaps "dup" already exists`);
      assert.equal(await fails(['get', 'foos']), 'error: the server doesn\'t have a resource type "foos"');
      // creating in a namespace that does not exist
      assert.equal(
        await fails(['create', '-f', '-'], { input: JSON.stringify(cm('no-such-ns', 'x')) }),
        'Error from server (NotFound): error when creating "STDIN": namespaces "no-such-ns" not found',
      );
    });

    test('invalid objects', async () => {
      const ns = await newNs('invalid');
      const noImage = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: ns }, spec: { containers: [{ name: 'c' }] } };
      assert.equal(await fails(['create', '-f', '-'], { input: JSON.stringify(noImage) }), 'The Pod "x" is invalid: spec.containers[0].image: Required value');
      const two = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'y', namespace: ns }, spec: { containers: [{ name: 'c' }, { name: 'c', image: 'nginx' }] } };
      assert.equal(
        await fails(['create', '-f', '-'], { input: JSON.stringify(two) }),
        'The Pod "y" is invalid: \n* spec.containers[0].image: Required value\n* spec.containers[1].name: Duplicate value: "c"',
      );
      const badName = cm(ns, 'Bad_Name');
      assert.equal(
        await fails(['create', '-f', '-'], { input: JSON.stringify(badName) }),
        `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      );
      const badReplicas = deployment(ns, 'neg', -1);
      assert.equal(
        await fails(['create', '-f', '-'], { input: JSON.stringify(badReplicas) }),
        'The Deployment "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      );
      // kubectl's own client-side schema validation (OpenAPI from the server) catches unknown fields
      const unknownField = { ...(cm(ns, 'uf') as any), bogusField: 1 };
      const uf = await fails(['create', '-f', '-'], { input: JSON.stringify(unknownField) });
      assert.match(uf, /unknown field "bogusField"/);
    });

    test('immutable fields: deployment selector', async () => {
      const ns = await newNs('immutable');
      await createObjs(deployment(ns, 'imm', 1));
      const e = await fails(['-n', ns, 'patch', 'deploy', 'imm', '--type=merge', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
      assert.match(e, /^The Deployment "imm" is invalid: spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"other"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable/);
    });

    test('immutable fields: immutable ConfigMap', async () => {
      const ns = await newNs('immutable-cm');
      await createObjs({ ...(cm(ns, 'frozen', { a: '1' }) as any), immutable: true });
      const e2 = await fails(['-n', ns, 'patch', 'cm', 'frozen', '--type=merge', '-p', '{"data":{"a":"2"}}']);
      assert.equal(e2, 'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    });

    test('kubernetes system namespaces cannot be deleted', async () => {
      // Last on purpose: if the server wrongly deletes it, nothing after this depends on kube-public.
      const e = await fails(['delete', 'namespace', 'kube-public', '--wait=false']);
      assert.equal(e, 'Error from server (Forbidden): namespaces "kube-public" is forbidden: this namespace may not be deleted');
    });
  });
});
