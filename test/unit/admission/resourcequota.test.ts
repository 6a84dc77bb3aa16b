import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/storage/memory.js';
import { Codec } from '../../../src/apiserver/storage/codec.js';
import { storeQuotaAccess, type QuotaAccess } from '../../../src/apiserver/admission/common.js';
import { resourceQuotaPlugin } from '../../../src/apiserver/admission/resourcequota.js';
import type { KObject } from '../../../src/apiserver/registry/types.js';
import { pod, rejection, run, scope } from './helpers.js';

/** Quotas in a MemoryStore behind the same CAS logic the server uses. */
function quotaStore() {
  const store = new MemoryStore();
  const codec = new Codec();
  const key = (ns: string, name: string) => `/registry/resourcequotas/${ns}/${name}`;
  const access = storeQuotaAccess({
    list: async (ns) => (await store.list(`/registry/resourcequotas/${ns}/`)).items.map((kv) => codec.decode(kv)),
    key,
    store,
    codec,
  });
  return {
    store,
    access,
    async put(q: KObject) {
      const k = key(q.metadata.namespace, q.metadata.name);
      const cur = await store.get(k);
      if (cur) await store.update(k, codec.encode(q, k));
      else await store.create(k, codec.encode(q, k));
    },
    async get(ns: string, name: string): Promise<KObject> {
      return codec.decode((await store.get(key(ns, name)))!);
    },
  };
}

function quota(name: string, hard: Record<string, string>, used?: Record<string, string>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name, namespace: 'ns' },
    spec: { hard, ...spec },
    status: { hard, ...(used ? { used } : {}) },
  };
}

const podScope = (o: Record<string, unknown> = {}) => scope('', 'pods', { namespace: 'ns', ...o });

function withResources(name: string, requests?: Record<string, string>, limits?: Record<string, string>, spec: Record<string, unknown> = {}) {
  return pod(name, { containers: [{ name: 'c', image: 'nginx', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }], ...spec });
}

describe('ResourceQuota', () => {
  test('charges the quota before the object is stored', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '2', 'count/pods': '5', 'requests.cpu': '2' }, { pods: '0', 'count/pods': '0', 'requests.cpu': '0' }));
    const p = resourceQuotaPlugin(qs.access);
    await run(p, 'CREATE', withResources('a', { cpu: '500m' }), undefined, podScope());
    const q = await qs.get('ns', 'q1');
    assert.deepEqual(q.status.used, { pods: '1', 'count/pods': '1', 'requests.cpu': '500m' });
    assert.deepEqual(q.spec.hard, { pods: '2', 'count/pods': '5', 'requests.cpu': '2' });
  });

  test('exceeded quota, worded as upstream', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '2' }, { pods: '2' }));
    const err = await rejection(run(resourceQuotaPlugin(qs.access), 'CREATE', pod('x'), undefined, podScope()));
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'pods "x" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2');
  });

  test('only the exceeded resources are reported', async () => {
    const qs = quotaStore();
    await qs.put(quota('compute', { pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi' }, { pods: '1', 'requests.cpu': '600m', 'requests.memory': '0' }));
    const err = await rejection(run(resourceQuotaPlugin(qs.access), 'CREATE', withResources('x', { cpu: '500m', memory: '128Mi' }), undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
  });

  test('a limited resource without usage yet: status unknown', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '2', 'count/pods': '3' }, { 'count/pods': '0' }));
    const err = await rejection(run(resourceQuotaPlugin(qs.access), 'CREATE', pod('x'), undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: status unknown for quota: q1, resources: count/pods,pods');
  });

  test('a quota the controller has not synced (empty status.hard) does not apply', async () => {
    const qs = quotaStore();
    await qs.put({ ...quota('q1', { pods: '0' }), status: {} });
    const before = await qs.store.currentRevision();
    await run(resourceQuotaPlugin(qs.access), 'CREATE', pod('x'), undefined, podScope());
    assert.equal(await qs.store.currentRevision(), before);
  });

  test('cpu and memory quotas require every container to state them', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { 'limits.cpu': '4', 'requests.memory': '4Gi' }, { 'limits.cpu': '0', 'requests.memory': '0' }));
    const p = pod('x', {
      containers: [
        { name: 'a', image: 'i', resources: { requests: { memory: '1Gi' } } },
        { name: 'b', image: 'i' },
      ],
      initContainers: [{ name: 'init', image: 'i', resources: { limits: { cpu: '1' }, requests: { memory: '1Mi' } } }],
    });
    const err = await rejection(run(resourceQuotaPlugin(qs.access), 'CREATE', p, undefined, podScope()));
    assert.equal(err.message, 'pods "x" is forbidden: failed quota: q1: must specify limits.cpu for: a,b; requests.memory for: b');
  });

  test('scopes: BestEffort / NotBestEffort and Terminating / NotTerminating', async () => {
    const qs = quotaStore();
    await qs.put(quota('best-effort', { pods: '1' }, { pods: '1' }, { scopes: ['BestEffort'] }));
    await qs.put(quota('long-running', { pods: '5' }, { pods: '0' }, { scopes: ['NotTerminating', 'NotBestEffort'] }));
    const p = resourceQuotaPlugin(qs.access);
    // a burstable pod is not charged to the BestEffort quota
    await run(p, 'CREATE', withResources('burstable', { cpu: '100m' }), undefined, podScope());
    assert.deepEqual((await qs.get('ns', 'long-running')).status.used, { pods: '1' });
    const err = await rejection(run(p, 'CREATE', pod('besteffort'), undefined, podScope()));
    assert.equal(err.message, 'pods "besteffort" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    // a terminating (activeDeadlineSeconds) burstable pod matches neither quota
    await run(p, 'CREATE', withResources('job', { cpu: '100m' }, undefined, { activeDeadlineSeconds: 60 }), undefined, podScope());
    assert.deepEqual((await qs.get('ns', 'long-running')).status.used, { pods: '1' });
  });

  test('PriorityClass scope selector', async () => {
    const qs = quotaStore();
    await qs.put(quota('high', { pods: '1' }, { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }));
    const p = resourceQuotaPlugin(qs.access);
    await run(p, 'CREATE', pod('low', { priorityClassName: 'low' }), undefined, podScope());
    await run(p, 'CREATE', pod('h1', { priorityClassName: 'high' }), undefined, podScope());
    const err = await rejection(run(p, 'CREATE', pod('h2', { priorityClassName: 'high' }), undefined, podScope()));
    assert.equal(err.message, 'pods "h2" is forbidden: exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1');
  });

  test('terminal pods are charged their count only', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '0', 'count/pods': '5' }, { pods: '0', 'count/pods': '0' }));
    const done = pod('done');
    done.status = { phase: 'Succeeded' };
    await run(resourceQuotaPlugin(qs.access), 'CREATE', done, undefined, podScope());
    assert.deepEqual((await qs.get('ns', 'q1')).status.used, { pods: '0', 'count/pods': '1' });
  });

  test('services: count, node ports and load balancers (updates charge the difference)', async () => {
    const qs = quotaStore();
    await qs.put(quota('svc', { services: '5', 'services.nodeports': '1', 'services.loadbalancers': '1' }, { services: '0', 'services.nodeports': '0', 'services.loadbalancers': '0' }));
    const p = resourceQuotaPlugin(qs.access);
    const svcScope = scope('', 'services', { namespace: 'ns' });
    const svc = (name: string, type: string, ports = 1, rv?: string) => ({
      metadata: { name, namespace: 'ns', ...(rv ? { resourceVersion: rv } : {}) },
      spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) },
    });
    const err = await rejection(run(p, 'CREATE', svc('np', 'NodePort', 2), undefined, svcScope));
    assert.equal(err.message, 'services "np" is forbidden: exceeded quota: svc, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    await run(p, 'CREATE', svc('web', 'ClusterIP'), undefined, svcScope);
    assert.deepEqual((await qs.get('ns', 'svc')).status.used, { services: '1', 'services.nodeports': '0', 'services.loadbalancers': '0' });
    await run(p, 'UPDATE', svc('web', 'LoadBalancer'), svc('web', 'ClusterIP', 1, '10'), scope('', 'services', { namespace: 'ns', name: 'web' }));
    assert.deepEqual((await qs.get('ns', 'svc')).status.used, { services: '1', 'services.nodeports': '1', 'services.loadbalancers': '1' });
  });

  test('object counts: legacy names, count/<resource> and count/<resource>.<group>', async () => {
    const qs = quotaStore();
    await qs.put(quota('counts', { configmaps: '1', 'count/secrets': '5', 'count/deployments.apps': '1' }, { configmaps: '1', 'count/secrets': '0', 'count/deployments.apps': '0' }));
    const p = resourceQuotaPlugin(qs.access);
    const err = await rejection(run(p, 'CREATE', { metadata: { name: 'cm' } }, undefined, scope('', 'configmaps', { namespace: 'ns' })));
    assert.equal(err.message, 'configmaps "cm" is forbidden: exceeded quota: counts, requested: configmaps=1, used: configmaps=1, limited: configmaps=1');
    await run(p, 'CREATE', { metadata: { name: 's' } }, undefined, scope('', 'secrets', { namespace: 'ns' }));
    await run(p, 'CREATE', { metadata: { name: 'd1' } }, undefined, scope('apps', 'deployments', { namespace: 'ns' }));
    const err2 = await rejection(run(p, 'CREATE', { metadata: { name: 'd2' } }, undefined, scope('apps', 'deployments', { namespace: 'ns' })));
    assert.equal(err2.message, 'deployments.apps "d2" is forbidden: exceeded quota: counts, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    assert.deepEqual((await qs.get('ns', 'counts')).status.used, { configmaps: '1', 'count/secrets': '1', 'count/deployments.apps': '1' });
    // object counts are charged on create only
    await run(p, 'UPDATE', { metadata: { name: 'd1' } }, { metadata: { name: 'd1', resourceVersion: '5' } }, scope('apps', 'deployments', { namespace: 'ns', name: 'd1' }));
  });

  test('persistentvolumeclaims: storage, per storage class', async () => {
    const qs = quotaStore();
    await qs.put(quota('storage', { 'requests.storage': '10Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '5Gi', persistentvolumeclaims: '10' }, {
      'requests.storage': '0', 'gold.storageclass.storage.k8s.io/requests.storage': '0', persistentvolumeclaims: '0',
    }));
    const p = resourceQuotaPlugin(qs.access);
    const pvcScope = scope('', 'persistentvolumeclaims', { namespace: 'ns' });
    const claim = (name: string, storage: string, storageClassName?: string) => ({ metadata: { name, namespace: 'ns' }, spec: { storageClassName, resources: { requests: { storage } } } });
    await run(p, 'CREATE', claim('a', '4Gi', 'gold'), undefined, pvcScope);
    const err = await rejection(run(p, 'CREATE', claim('b', '2Gi', 'gold'), undefined, pvcScope));
    assert.equal(err.message, 'persistentvolumeclaims "b" is forbidden: exceeded quota: storage, requested: gold.storageclass.storage.k8s.io/requests.storage=2Gi, used: gold.storageclass.storage.k8s.io/requests.storage=4Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=5Gi');
    await run(p, 'CREATE', claim('c', '2Gi', 'silver'), undefined, pvcScope);
    assert.deepEqual((await qs.get('ns', 'storage')).status.used, { 'requests.storage': '6Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '4Gi', persistentvolumeclaims: '2' });
  });

  test('dry-run requests are checked but not charged', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '1' }, { pods: '0' }));
    const p = resourceQuotaPlugin(qs.access);
    await run(p, 'CREATE', pod('a'), undefined, podScope({ dryRun: true }));
    assert.deepEqual((await qs.get('ns', 'q1')).status.used, { pods: '0' });
  });

  test('subresources, cluster-scoped objects, events and deletes are not quota-ed', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '0', 'count/events': '0' }, { pods: '0', 'count/events': '0' }));
    const p = resourceQuotaPlugin(qs.access);
    await run(p, 'CREATE', pod('a'), undefined, podScope({ subresource: 'binding' }));
    await run(p, 'CREATE', { metadata: { name: 'e' } }, undefined, scope('', 'events', { namespace: 'ns' }));
    await run(p, 'DELETE', undefined, pod('a'), podScope({ name: 'a' }));
    await run(p, 'CREATE', { metadata: { name: 'n1' } }, undefined, scope('', 'nodes'));
  });

  test('exact usage under 50 concurrent creates', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '10', 'requests.cpu': '100' }, { pods: '0', 'requests.cpu': '0' }));
    const p = resourceQuotaPlugin(qs.access);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => run(p, 'CREATE', withResources(`p${i}`, { cpu: '100m' }), undefined, podScope())));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok, 10);
    assert.equal(rejected.length, 40);
    for (const r of rejected) assert.match(r.reason.message, /^pods "p\d+" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=10, limited: pods=10$/);
    assert.deepEqual((await qs.get('ns', 'q1')).status.used, { pods: '10', 'requests.cpu': '1' });
  });

  test('exact usage when another writer races the status updates (CAS conflicts are retried)', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '30' }, { pods: '0' }));
    let races = 0;
    const racing: QuotaAccess = {
      list: qs.access.list,
      async updateStatus(q) {
        if (races < 5) {
          // someone else (e.g. the quota controller) rewrites the quota first
          races++;
          const cur = await qs.get('ns', 'q1');
          cur.metadata.labels = { touched: String(races) };
          await qs.put(cur);
        }
        return qs.access.updateStatus(q);
      },
    };
    const p = resourceQuotaPlugin(racing);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => run(p, 'CREATE', pod(`p${i}`), undefined, podScope())));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(failed.every((r) => /exceeded quota|Operation cannot be fulfilled/.test(r.reason.message)), String(failed[0]?.reason));
    const used = (await qs.get('ns', 'q1')).status.used.pods;
    assert.equal(Number(used), ok);
    assert.ok(ok <= 30);
  });

  test('a lost CAS race after every retry is the Conflict', async () => {
    const qs = quotaStore();
    await qs.put(quota('q1', { pods: '30' }, { pods: '0' }));
    const never: QuotaAccess = { list: qs.access.list, updateStatus: async () => false };
    const err = await rejection(run(resourceQuotaPlugin(never), 'CREATE', pod('x'), undefined, podScope()));
    assert.equal(err.code, 409);
    assert.equal(err.message, 'Operation cannot be fulfilled on resourcequotas "q1": the object has been modified; please apply your changes to the latest version and try again');
  });

  test('no quota in the namespace: nothing to do', async () => {
    const qs = quotaStore();
    await run(resourceQuotaPlugin(qs.access), 'CREATE', pod('x'), undefined, podScope());
  });
});
