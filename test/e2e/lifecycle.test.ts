// E2E: the lifecycle controllers (garbage collector, namespace, pod GC, endpoints,
// endpointslices, disruption, resource quota) in a real `k8ts kube-controller-manager` process
// against `k8ts server` (its own controller-manager and scheduler disabled), driven with the
// real kubectl. Pods are never run: the tests bind them and patch their status themselves.
//
// Run: npm run build && node --test dist/test/e2e/lifecycle.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { KUBECTL, k8tsBin, kubectl, kubectlAvailable, startServer, type ServerProc } from './harness.js';
import { waitForNamespaceDefaults } from './harness.js';

const skip = kubectlAvailable() ? false : `kubectl not found at ${KUBECTL}`;

const CONTROLLERS = ['serviceaccount', 'serviceaccount-token', 'root-ca-cert-publisher', 'garbage-collector', 'namespace', 'pod-garbage-collector', 'endpoint', 'endpointslice', 'endpointslicemirroring', 'disruption', 'resourcequota'];

let srv: ServerProc;
let kcm: ChildProcess | undefined;
const kcmLogs: string[] = [];

before(async () => {
  if (skip) return;
  srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
  kcm = spawn(process.execPath, [k8tsBin, 'kube-controller-manager', `--kubeconfig=${srv.kubeconfig}`, `--controllers=${CONTROLLERS.join(',')}`, '--leader-elect=false', '--secure-port=0', '--use-service-account-credentials', '--v=2'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  kcm.stderr!.on('data', (d: Buffer) => kcmLogs.push(d.toString()));
});

after(async () => {
  // KCM_LOG=<file> keeps the controller-manager's log for a look afterwards
  if (process.env.KCM_LOG) writeFileSync(process.env.KCM_LOG, kcmLogs.join(''));
  if (kcm && kcm.exitCode === null && kcm.signalCode === null) {
    const gone = new Promise<void>((r) => kcm!.once('exit', () => r()));
    kcm.kill('SIGTERM');
    const t = setTimeout(() => kcm!.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
  await srv?.destroy();
});

// ---------------------------------------------------------------------------------------------
// helpers

async function k(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
  const r = await kubectl(srv.kubeconfig, args, input, timeoutMs);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function getJSON(args: string[]): Promise<any> {
  return JSON.parse(await k([...args, '-o', 'json']));
}

/** undefined when the object does not exist */
async function tryGet(args: string[]): Promise<any> {
  const r = await kubectl(srv.kubeconfig, [...args, '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl ${args.join(' ')} failed:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}\ncontroller-manager logs (tail):\n${kcmLogs.join('').split('\n').slice(-60).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function apply(obj: unknown): Promise<void> {
  await k(['apply', '-f', '-'], JSON.stringify(obj));
}

async function createNamespace(name: string): Promise<void> {
  await k(['create', 'namespace', name]);
  // pods are admitted once the ServiceAccount controller made the namespace's `default`
  await waitForNamespaceDefaults(srv.kubeconfig, name, 30_000);
}

function pod(name: string, labels: Record<string, string> = {}, extra: { ownerReferences?: unknown[]; nodeName?: string; ports?: unknown[]; spec?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ...(extra.ownerReferences ? { ownerReferences: extra.ownerReferences } : {}) },
    spec: {
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', ...(extra.ports ? { ports: extra.ports } : {}) }],
      ...extra.spec,
    },
  };
}

async function createReplicaSetWithPods(ns: string, name: string, n: number): Promise<{ uid: string; pods: string[] }> {
  await apply({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns },
    spec: { replicas: 0, selector: { matchLabels: { rs: name } }, template: { metadata: { labels: { rs: name } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } },
  });
  const rs = await getJSON(['-n', ns, 'get', 'rs', name]);
  const uid = rs.metadata.uid as string;
  const pods: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = `${name}-p${i}`;
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod(p, { rs: name }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid, controller: true, blockOwnerDeletion: true }] })));
    pods.push(p);
  }
  return { uid, pods };
}

async function podNames(ns: string, selector: string): Promise<string[]> {
  const l = await getJSON(['-n', ns, 'get', 'pods', '-l', selector]);
  return l.items.map((p: any) => p.metadata.name).sort();
}

async function setPodStatus(ns: string, name: string, status: Record<string, unknown>): Promise<void> {
  await k(['-n', ns, 'patch', 'pod', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}

function readyStatus(ip: string, ready: boolean) {
  return {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
  };
}

// ---------------------------------------------------------------------------------------------
// garbage collector

describe('garbage collector', { skip }, () => {
  const ns = 'gc-e2e';
  before(async () => createNamespace(ns));

  test('kubectl delete rs --cascade=background deletes the dependents afterwards', async () => {
    const { pods } = await createReplicaSetWithPods(ns, 'bg', 3);
    assert.deepEqual(await podNames(ns, 'rs=bg'), pods);
    await k(['-n', ns, 'delete', 'rs', 'bg', '--cascade=background']);
    await waitFor('the dependents to be collected', async () => (await podNames(ns, 'rs=bg')).length === 0);
  });

  test('kubectl delete rs --cascade=foreground removes the dependents first, then the owner', async () => {
    const { pods } = await createReplicaSetWithPods(ns, 'fg', 2);
    assert.equal(pods.length, 2);
    // kubectl waits for the owner to disappear, which needs the collector to finish
    await k(['-n', ns, 'delete', 'rs', 'fg', '--cascade=foreground', '--timeout=60s']);
    assert.equal(await tryGet(['-n', ns, 'get', 'rs', 'fg']), undefined);
    assert.deepEqual(await podNames(ns, 'rs=fg'), []);
  });

  test('a foreground deletion waits while a blocking dependent is held by a finalizer', async () => {
    const { uid } = await createReplicaSetWithPods(ns, 'fgblock', 0);
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', finalizers: ['example.com/hold'], ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'fgblock', uid, blockOwnerDeletion: true }] },
    }));
    await k(['-n', ns, 'delete', 'rs', 'fgblock', '--cascade=foreground', '--wait=false']);
    const cm = await waitFor('the dependent to be deleted', async () => {
      const c = await tryGet(['-n', ns, 'get', 'cm', 'held']);
      return c?.metadata?.deletionTimestamp ? c : undefined;
    });
    assert.ok(cm.metadata.deletionTimestamp);
    const rs = await getJSON(['-n', ns, 'get', 'rs', 'fgblock']);
    assert.deepEqual(rs.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(rs.metadata.deletionTimestamp);
    await k(['-n', ns, 'patch', 'cm', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('the owner to go once its dependent is gone', async () => (await tryGet(['-n', ns, 'get', 'rs', 'fgblock'])) === undefined);
  });

  test('a foreground deletion cascades through two levels (deployment → replicaset → pods)', async () => {
    await k(['-n', ns, 'create', 'deployment', 'deep', '--image=registry.k8s.io/pause:3.10', '--replicas=0']);
    const d = await getJSON(['-n', ns, 'get', 'deployment', 'deep']);
    await apply({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'deep-rs', namespace: ns, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'deep', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: 0, selector: { matchLabels: { rs: 'deep-rs' } }, template: { metadata: { labels: { rs: 'deep-rs' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    const rs = await getJSON(['-n', ns, 'get', 'rs', 'deep-rs']);
    for (const p of ['deep-a', 'deep-b']) {
      await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod(p, { rs: 'deep-rs' }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'deep-rs', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }] })));
    }
    await k(['-n', ns, 'delete', 'deployment', 'deep', '--cascade=foreground', '--timeout=60s']);
    assert.equal(await tryGet(['-n', ns, 'get', 'rs', 'deep-rs']), undefined);
    assert.deepEqual(await podNames(ns, 'rs=deep-rs'), []);
  });

  test('kubectl delete rs --cascade=orphan leaves the dependents without the owner reference', async () => {
    const { pods, uid } = await createReplicaSetWithPods(ns, 'orph', 2);
    await k(['-n', ns, 'delete', 'rs', 'orph', '--cascade=orphan', '--timeout=60s']);
    assert.equal(await tryGet(['-n', ns, 'get', 'rs', 'orph']), undefined);
    for (const p of pods) {
      const o = await getJSON(['-n', ns, 'get', 'pod', p]);
      assert.ok(!o.metadata.deletionTimestamp);
      assert.ok(!(o.metadata.ownerReferences ?? []).some((r: any) => r.uid === uid), 'owner reference removed');
    }
  });

  test('an object whose owner does not exist (or was recreated with another uid) is deleted', async () => {
    await k(['-n', ns, 'create', 'configmap', 'owner']);
    const missing = { apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '1b3b0a4c-0000-4000-8000-000000000001' };
    const recreated = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '1b3b0a4c-0000-4000-8000-000000000002' };
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('dangling', { t: 'dangling' }, { ownerReferences: [missing] })));
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('wronguid', { t: 'dangling' }, { ownerReferences: [recreated] })));
    await waitFor('dangling dependents to be collected', async () => (await podNames(ns, 't=dangling')).length === 0);
    assert.ok(await tryGet(['-n', ns, 'get', 'cm', 'owner']), 'the unrelated owner stays');
  });

  test('a dependent with a remaining owner only loses the reference to the gone one', async () => {
    const owner = await getJSON(['-n', ns, 'get', 'cm', 'owner']);
    const live = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid };
    const gone = { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '1b3b0a4c-0000-4000-8000-000000000003' };
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('twoowners', {}, { ownerReferences: [live, gone] })));
    await waitFor('the dangling reference to be removed', async () => {
      const p = await getJSON(['-n', ns, 'get', 'pod', 'twoowners']);
      return p.metadata.ownerReferences?.length === 1 && p.metadata.ownerReferences[0].uid === owner.metadata.uid;
    });
    // deleting the last owner collects it
    await k(['-n', ns, 'delete', 'cm', 'owner']);
    await waitFor('the pod to follow its owner', async () => (await tryGet(['-n', ns, 'get', 'pod', 'twoowners'])) === undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// namespace

describe('namespace controller', { skip }, () => {
  test('kubectl delete namespace empties it and the namespace disappears', async () => {
    const ns = 'ns-e2e';
    await createNamespace(ns);
    await k(['-n', ns, 'create', 'configmap', 'c1', '--from-literal=a=b']);
    await k(['-n', ns, 'create', 'secret', 'generic', 's1', '--from-literal=a=b']);
    await k(['-n', ns, 'create', 'service', 'clusterip', 'svc1', '--tcp=80:8080']);
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('p1')));
    await k(['-n', ns, 'create', 'deployment', 'd1', '--image=registry.k8s.io/pause:3.10']);
    await k(['delete', 'namespace', ns, '--timeout=90s'], undefined, 100_000);
    assert.equal(await tryGet(['get', 'namespace', ns]), undefined);
  });

  test('a Terminating namespace reports what remains while a finalizer holds content', async () => {
    const ns = 'ns-e2e-held';
    await createNamespace(ns);
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } }));
    await k(['delete', 'namespace', ns, '--wait=false']);
    const got = await waitFor('the NamespaceContentRemaining condition', async () => {
      const n = await getJSON(['get', 'namespace', ns]);
      const c = (n.status?.conditions ?? []).find((x: any) => x.type === 'NamespaceContentRemaining');
      const d = (n.status?.conditions ?? []).find((x: any) => x.type === 'NamespaceDeletionDiscoveryFailure');
      return c?.status === 'True' && d ? n : undefined;
    });
    assert.equal(got.status.phase, 'Terminating');
    const conds = Object.fromEntries(got.status.conditions.map((c: any) => [c.type, c]));
    assert.equal(conds.NamespaceContentRemaining.reason, 'SomeResourcesRemain');
    // upstream prints the group after a dot even for the core group ("configmaps."); the
    // in-process namespace controller `k8ts server` still runs writes it without
    assert.match(conds.NamespaceContentRemaining.message, /^Some resources are remaining: configmaps\.? has 1 resource instances$/);
    assert.equal(conds.NamespaceFinalizersRemaining.reason, 'SomeFinalizersRemain');
    assert.equal(conds.NamespaceFinalizersRemaining.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    assert.equal(conds.NamespaceDeletionDiscoveryFailure.status, 'False');
    assert.equal(conds.NamespaceDeletionDiscoveryFailure.reason, 'ResourcesDiscovered');
    await k(['-n', ns, 'patch', 'cm', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('the namespace to go', async () => (await tryGet(['get', 'namespace', ns])) === undefined, 90_000);
  });
});

// ---------------------------------------------------------------------------------------------
// endpoints and endpointslices

describe('endpoints and endpointslice controllers', { skip }, () => {
  const ns = 'ep-e2e';
  const node = 'ep-node';
  before(async () => {
    await createNamespace(ns);
    await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'topology.kubernetes.io/zone': 'zone-a' } } }));
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] },
    }));
    for (const [name, ip] of [['web-1', '10.244.0.11'], ['web-2', '10.244.0.12']] as const) {
      await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod(name, { app: 'web' }, { nodeName: node, ports: [{ name: 'http', containerPort: 8080 }], spec: { hostname: name, subdomain: 'web' } })));
      await setPodStatus(ns, name, readyStatus(ip, name === 'web-1'));
    }
  });

  test('Endpoints list ready and not-ready pods with named and numeric target ports', async () => {
    const ep = await waitFor('the endpoints', async () => {
      const e = await tryGet(['-n', ns, 'get', 'endpoints', 'web']);
      const s = e?.subsets?.[0];
      return s?.addresses?.length === 1 && s?.notReadyAddresses?.length === 1 ? e : undefined;
    });
    assert.equal(ep.subsets.length, 1);
    const s = ep.subsets[0];
    assert.equal(s.addresses[0].ip, '10.244.0.11');
    assert.equal(s.addresses[0].nodeName, node);
    assert.equal(s.addresses[0].hostname, 'web-1');
    assert.deepEqual({ kind: s.addresses[0].targetRef.kind, name: s.addresses[0].targetRef.name, namespace: s.addresses[0].targetRef.namespace }, { kind: 'Pod', name: 'web-1', namespace: ns });
    assert.equal(s.notReadyAddresses[0].ip, '10.244.0.12');
    const ports = Object.fromEntries(s.ports.map((p: any) => [p.name, p.port]));
    assert.deepEqual(ports, { http: 8080, metrics: 9090 });
    assert.equal(ep.metadata.labels.tier, 'front');
    assert.match(ep.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test('EndpointSlices carry conditions, zone, node, labels and the owner reference', async () => {
    const svc = await getJSON(['-n', ns, 'get', 'svc', 'web']);
    const slice = await waitFor('the endpointslice', async () => {
      const l = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
      return l.items.length === 1 && l.items[0].endpoints?.length === 2 ? l.items[0] : undefined;
    });
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata.labels.tier, 'front');
    assert.equal(slice.metadata.generateName, 'web-');
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.addressType, 'IPv4');
    const byIP = Object.fromEntries(slice.endpoints.map((e: any) => [e.addresses[0], e]));
    assert.deepEqual(byIP['10.244.0.11'].conditions, { ready: true, serving: true, terminating: false });
    assert.deepEqual(byIP['10.244.0.12'].conditions, { ready: false, serving: false, terminating: false });
    assert.equal(byIP['10.244.0.11'].nodeName, node);
    assert.equal(byIP['10.244.0.11'].zone, 'zone-a');
    assert.equal(byIP['10.244.0.11'].hostname, 'web-1');
    const ports = Object.fromEntries(slice.ports.map((p: any) => [p.name, p.port]));
    assert.deepEqual(ports, { http: 8080, metrics: 9090 });
  });

  test('readiness changes and deleted pods are followed', async () => {
    await setPodStatus(ns, 'web-2', readyStatus('10.244.0.12', true));
    await waitFor('both addresses ready', async () => {
      const e = await getJSON(['-n', ns, 'get', 'endpoints', 'web']);
      return e.subsets?.[0]?.addresses?.length === 2 && !e.subsets[0].notReadyAddresses;
    });
    await waitFor('both slice endpoints ready', async () => {
      const l = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
      return l.items.length === 1 && l.items[0].endpoints?.every((e: any) => e.conditions.ready === true);
    });
    await k(['-n', ns, 'delete', 'pod', 'web-1', '--grace-period=0', '--force']);
    await waitFor('web-1 removed from endpoints', async () => {
      const e = await getJSON(['-n', ns, 'get', 'endpoints', 'web']);
      return e.subsets?.[0]?.addresses?.length === 1 && e.subsets[0].addresses[0].ip === '10.244.0.12';
    });
    await waitFor('web-1 removed from the slice', async () => {
      const l = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
      return l.items.length === 1 && l.items[0].endpoints?.length === 1;
    });
  });

  test('a terminating pod leaves the Endpoints but stays in its slice as serving and terminating', async () => {
    const p = pod('web-3', { app: 'web' }, { nodeName: node, ports: [{ name: 'http', containerPort: 8080 }] });
    (p.metadata as any).finalizers = ['example.com/keep'];
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(p));
    await setPodStatus(ns, 'web-3', readyStatus('10.244.0.13', true));
    await waitFor('web-3 in the endpoints', async () => (await getJSON(['-n', ns, 'get', 'endpoints', 'web'])).subsets?.[0]?.addresses?.length === 2);
    await k(['-n', ns, 'delete', 'pod', 'web-3', '--wait=false']);
    await waitFor('web-3 out of the endpoints', async () => {
      const e = await getJSON(['-n', ns, 'get', 'endpoints', 'web']);
      return e.subsets?.[0]?.addresses?.length === 1 && !e.subsets[0].notReadyAddresses;
    });
    const ep = await waitFor('web-3 terminating in the slice', async () => {
      const l = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
      const e = l.items[0]?.endpoints?.find((x: any) => x.addresses[0] === '10.244.0.13');
      return e?.conditions?.terminating ? e : undefined;
    });
    assert.deepEqual(ep.conditions, { ready: false, serving: true, terminating: true });
    await k(['-n', ns, 'patch', 'pod', 'web-3', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await k(['-n', ns, 'delete', 'pod', 'web-3', '--grace-period=0', '--force', '--ignore-not-found']);
  });

  test('publishNotReadyAddresses lists not-ready pods as ready addresses', async () => {
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'peers' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'peer' }, ports: [{ name: 'p', port: 7000 }] },
    }));
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('peer-0', { app: 'peer' }, { nodeName: node })));
    await setPodStatus(ns, 'peer-0', readyStatus('10.244.0.21', false));
    const ep = await waitFor('the not-ready peer published', async () => {
      const e = await tryGet(['-n', ns, 'get', 'endpoints', 'peers']);
      return e?.subsets?.[0]?.addresses?.length === 1 ? e : undefined;
    });
    assert.equal(ep.subsets[0].addresses[0].ip, '10.244.0.21');
    assert.equal(ep.subsets[0].notReadyAddresses, undefined);
    assert.equal(ep.metadata.labels['service.kubernetes.io/headless'], '');
    const l = await waitFor('the peers slice', async () => {
      const x = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=peers']);
      return x.items[0]?.endpoints?.length === 1 ? x : undefined;
    });
    assert.deepEqual(l.items[0].endpoints[0].conditions, { ready: true, serving: true, terminating: false });
  });

  test('a service without a selector keeps its own Endpoints, mirrored into a slice', async () => {
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'external' }, spec: { ports: [{ name: 'db', port: 5432 }] } }));
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'db', port: 5432 }] }] }));
    const slice = await waitFor('the mirrored slice', async () => {
      const x = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=external']);
      return x.items.length === 1 ? x.items[0] : undefined;
    });
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(slice.endpoints.map((e: any) => e.addresses[0]), ['192.0.2.10']);
    const ep = await getJSON(['-n', ns, 'get', 'endpoints', 'external']);
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }]);
  });

  test('a service with an empty selection gets a placeholder slice and an empty Endpoints', async () => {
    await k(['-n', ns, 'create', 'service', 'clusterip', 'nobody', '--tcp=80:80']);
    const slice = await waitFor('the placeholder slice', async () => {
      const x = await getJSON(['-n', ns, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=nobody']);
      return x.items.length === 1 ? x.items[0] : undefined;
    });
    assert.equal(slice.endpoints?.length ?? 0, 0);
    assert.equal(slice.ports?.length ?? 0, 0);
    const ep = await waitFor('the endpoints', () => tryGet(['-n', ns, 'get', 'endpoints', 'nobody']));
    assert.equal(ep.subsets, undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// disruption

describe('disruption controller', { skip }, () => {
  const ns = 'pdb-e2e';
  before(async () => {
    await createNamespace(ns);
    await apply({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'app', namespace: ns },
      spec: { replicas: 4, selector: { matchLabels: { app: 'pdb' } }, template: { metadata: { labels: { app: 'pdb' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    const rs = await getJSON(['-n', ns, 'get', 'rs', 'app']);
    for (let i = 0; i < 3; i++) {
      await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod(`app-${i}`, { app: 'pdb' }, { nodeName: 'pdb-node', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'app', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }] })));
      await setPodStatus(ns, `app-${i}`, readyStatus(`10.244.1.${i + 1}`, i < 2));
    }
  });

  test('maxUnavailable as a percentage counts the controller scale', async () => {
    await k(['-n', ns, 'create', 'poddisruptionbudget', 'budget', '--selector=app=pdb', '--max-unavailable=50%']);
    const pdb = await waitFor('the PDB status', async () => {
      const p = await getJSON(['-n', ns, 'get', 'pdb', 'budget']);
      return p.status?.observedGeneration === 1 ? p : undefined;
    });
    // 4 replicas expected, 50% may be unavailable (2): 2 must be healthy, 2 are
    assert.equal(pdb.status.expectedPods, 4);
    assert.equal(pdb.status.desiredHealthy, 2);
    assert.equal(pdb.status.currentHealthy, 2);
    assert.equal(pdb.status.disruptionsAllowed, 0);
    const c = pdb.status.conditions.find((x: any) => x.type === 'DisruptionAllowed');
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'InsufficientPods');
    assert.equal(c.observedGeneration, 1);
  });

  test('minAvailable as an integer counts the selected pods, and readiness changes follow', async () => {
    await k(['-n', ns, 'patch', 'pdb', 'budget', '--type=merge', '-p', '{"spec":{"maxUnavailable":null,"minAvailable":1}}']);
    const pdb = await waitFor('the PDB status of generation 2', async () => {
      const p = await getJSON(['-n', ns, 'get', 'pdb', 'budget']);
      return p.status?.observedGeneration === 2 ? p : undefined;
    });
    assert.equal(pdb.status.expectedPods, 3);
    assert.equal(pdb.status.desiredHealthy, 1);
    assert.equal(pdb.status.currentHealthy, 2);
    assert.equal(pdb.status.disruptionsAllowed, 1);
    const c = pdb.status.conditions.find((x: any) => x.type === 'DisruptionAllowed');
    assert.deepEqual([c.status, c.reason], ['True', 'SufficientPods']);
    await setPodStatus(ns, 'app-2', readyStatus('10.244.1.3', true));
    await waitFor('three healthy pods', async () => {
      const p = await getJSON(['-n', ns, 'get', 'pdb', 'budget']);
      return p.status.currentHealthy === 3 && p.status.disruptionsAllowed === 2;
    });
  });

  test('a percentage over pods without a controller fails safe', async () => {
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('loner', { app: 'loner' })));
    await k(['-n', ns, 'create', 'poddisruptionbudget', 'loner', '--selector=app=loner', '--min-available=50%']);
    const pdb = await waitFor('the loner PDB status', async () => {
      const p = await getJSON(['-n', ns, 'get', 'pdb', 'loner']);
      return p.status?.conditions?.length ? p : undefined;
    });
    assert.equal(pdb.status.disruptionsAllowed, 0);
    const ev = await waitFor('the UnmanagedPods event', async () => {
      const l = await getJSON(['-n', ns, 'get', 'events', '--field-selector=involvedObject.name=loner,reason=UnmanagedPods']);
      return l.items[0];
    });
    assert.equal(ev.type, 'Warning');
  });
});

// ---------------------------------------------------------------------------------------------
// resource quota

describe('resource quota controller', { skip }, () => {
  const ns = 'quota-e2e';
  before(async () => createNamespace(ns));

  async function used(): Promise<Record<string, string>> {
    return (await getJSON(['-n', ns, 'get', 'resourcequota', 'q'])).status?.used ?? {};
  }

  test('status.hard follows spec.hard and status.used counts what exists', async () => {
    await k(['-n', ns, 'create', 'configmap', 'pre-existing']);
    await k(['-n', ns, 'create', 'quota', 'q', '--hard=pods=10,configmaps=10,services=5,count/deployments.apps=5,count/secrets=10']);
    const q = await waitFor('the quota status', async () => {
      const x = await getJSON(['-n', ns, 'get', 'resourcequota', 'q']);
      return x.status?.used ? x : undefined;
    });
    assert.deepEqual(q.status.hard, { pods: '10', configmaps: '10', services: '5', 'count/deployments.apps': '5', 'count/secrets': '10' });
    assert.equal(q.status.used.pods, '0');
    assert.equal(q.status.used.services, '0');
    assert.equal(q.status.used['count/deployments.apps'], '0');
    assert.ok(Number(q.status.used.configmaps) >= 1);
  });

  test('usage goes down again after deletes', async () => {
    const base = Number((await used()).configmaps);
    await k(['-n', ns, 'create', 'configmap', 'a']);
    await k(['-n', ns, 'create', 'configmap', 'b']);
    assert.equal(Number((await used()).configmaps), base + 2, 'charged at create by admission');
    await k(['-n', ns, 'delete', 'configmap', 'a', 'b']);
    await waitFor('configmap usage released', async () => Number((await used()).configmaps) === base);
    await k(['-n', ns, 'create', 'deployment', 'd', '--image=registry.k8s.io/pause:3.10']);
    assert.equal((await used())['count/deployments.apps'], '1');
    await k(['-n', ns, 'delete', 'deployment', 'd']);
    // deployments are watched once a quota counts them: the deletion is seen at once
    await waitFor('deployment usage released', async () => (await used())['count/deployments.apps'] === '0', 60_000);
  });

  test('a pod that finished stops counting for pods', async () => {
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(pod('job-pod', {}, { nodeName: 'quota-node' })));
    assert.equal((await used()).pods, '1');
    await setPodStatus(ns, 'job-pod', { phase: 'Succeeded' });
    await waitFor('pod usage released', async () => (await used()).pods === '0');
  });
});

// ---------------------------------------------------------------------------------------------
// pod GC

describe('pod garbage collector', { skip }, () => {
  const ns = 'podgc-e2e';
  before(async () => createNamespace(ns));

  test('pods bound to a deleted node are marked Failed with DisruptionTarget and force-deleted after the quarantine', { timeout: 150_000 }, async () => {
    await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'doomed-node' } }));
    // a finalizer keeps the pod visible after the forced deletion
    const p = pod('orphan', {}, { nodeName: 'doomed-node' });
    (p.metadata as any).finalizers = ['example.com/keep'];
    await k(['-n', ns, 'create', '-f', '-'], JSON.stringify(p));
    await setPodStatus(ns, 'orphan', readyStatus('10.244.2.1', true));
    await k(['delete', 'node', 'doomed-node']);
    const got = await waitFor('the orphaned pod to be deleted', async () => {
      const x = await getJSON(['-n', ns, 'get', 'pod', 'orphan']);
      return x.metadata.deletionTimestamp ? x : undefined;
    }, 120_000);
    assert.equal(got.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(got.status.phase, 'Failed');
    const c = got.status.conditions.find((x: any) => x.type === 'DisruptionTarget');
    assert.deepEqual([c.status, c.reason, c.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
    await k(['-n', ns, 'patch', 'pod', 'orphan', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  });
});
