// Tests for the remaining core/v1 resources (config maps, secrets, service accounts,
// events, limit ranges, resource quotas, PVs, PVCs, replication controllers, pod
// templates) and the coreResources list.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreResources, setEventTTL } from '../../../src/apiserver/registry/core/index.js';
import { configmaps } from '../../../src/apiserver/registry/core/configmaps.js';
import { secrets } from '../../../src/apiserver/registry/core/secrets.js';
import { serviceaccounts } from '../../../src/apiserver/registry/core/serviceaccounts.js';
import { events } from '../../../src/apiserver/registry/core/events.js';
import { limitranges } from '../../../src/apiserver/registry/core/limitranges.js';
import { resourcequotas } from '../../../src/apiserver/registry/core/resourcequotas.js';
import { persistentvolumes } from '../../../src/apiserver/registry/core/persistentvolumes.js';
import { persistentvolumeclaims } from '../../../src/apiserver/registry/core/persistentvolumeclaims.js';
import { replicationcontrollers } from '../../../src/apiserver/registry/core/replicationcontrollers.js';
import { podtemplates } from '../../../src/apiserver/registry/core/podtemplates.js';
import { ago, cells, create, headers, update } from './core-helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const meta = (name = 'x') => ({ name, namespace: 'default', creationTimestamp: ago(45) });

test('configmaps: keys, duplicates across data/binaryData, size, immutable, table', () => {
  assert.deepEqual(create(configmaps, { metadata: meta(), data: { 'a b': '1', k: 'v' }, binaryData: { k: b64('x') } }).errors, [
    `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    'data[k]: Invalid value: "k": duplicate of key present in binaryData',
    'binaryData[k]: Invalid value: "k": duplicate of key present in data',
  ]);
  assert.deepEqual(create(configmaps, { metadata: meta(), data: { big: 'x'.repeat(1024 * 1024 + 1) } }).errors, ['[]: Too long: may not be more than 1048576 bytes']);
  const old = create(configmaps, { metadata: meta(), data: { a: '1' }, immutable: true }).obj;
  assert.deepEqual(update(configmaps, { ...old, data: { a: '2' } }, old).errors, ['data: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(headers(configmaps), ['NAME', 'DATA', 'AGE']);
  assert.deepEqual(cells(configmaps, { metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: '' } }), ['cfg', 3, '45s']);
  assert.deepEqual(configmaps.shortNames, ['cm']);
});

test('secrets: Opaque default, stringData merged, per-type rules, immutability, table', () => {
  const { obj, errors } = create(secrets, { metadata: meta('s'), stringData: { password: 'hunter2' } });
  assert.deepEqual(errors, []);
  assert.equal(obj.type, 'Opaque');
  assert.deepEqual(obj.data, { password: b64('hunter2') });
  assert.equal(obj.stringData, undefined);

  const errs = (type: string, data: any = {}, annotations?: any) => create(secrets, { metadata: { ...meta(), annotations }, type, data }).errors;
  assert.deepEqual(errs('kubernetes.io/tls', { 'tls.crt': b64('c') }), ['data[tls.key]: Required value']);
  assert.deepEqual(errs('kubernetes.io/dockerconfigjson'), ['data[.dockerconfigjson]: Required value']);
  assert.deepEqual(errs('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }), []);
  assert.equal(errs('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('nope') })[0].startsWith('data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": '), true);
  assert.deepEqual(errs('kubernetes.io/basic-auth'), ['data[username]: Required value', 'data[password]: Required value']);
  assert.deepEqual(errs('kubernetes.io/basic-auth', { username: b64('u') }), []);
  assert.deepEqual(errs('kubernetes.io/ssh-auth'), ['data[ssh-privatekey]: Required value']);
  assert.deepEqual(errs('kubernetes.io/service-account-token'), ['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
  assert.deepEqual(errs('kubernetes.io/service-account-token', {}, { 'kubernetes.io/service-account.name': 'default' }), []);

  const old = create(secrets, { metadata: meta('s'), type: 'Opaque', data: { a: b64('1') }, immutable: true }).obj;
  assert.deepEqual(update(secrets, { ...old, type: 'kubernetes.io/tls', immutable: false }, old).errors, [
    'data[tls.crt]: Required value',
    'data[tls.key]: Required value',
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
    'immutable: Forbidden: field is immutable when `immutable` is set',
  ]);
  assert.deepEqual(headers(secrets), ['NAME', 'TYPE', 'DATA', 'AGE']);
  assert.deepEqual(cells(secrets, obj), ['s', 'Opaque', 1, '45s']);
  assert.deepEqual(secrets.selectableFields!(obj), { type: 'Opaque' });
});

test('serviceaccounts table', () => {
  assert.deepEqual(headers(serviceaccounts), ['NAME', 'SECRETS', 'AGE']);
  assert.deepEqual(cells(serviceaccounts, { metadata: meta('default') }), ['default', 0, '45s']);
  assert.deepEqual(serviceaccounts.shortNames, ['sa']);
});

test('events: zero fields, validation, table, ttl, field selectors', () => {
  const ev = {
    metadata: { name: 'web.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    message: ' Successfully pulled image "nginx" ',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(600),
    lastTimestamp: ago(60),
    count: 4,
    type: 'Normal',
  };
  const { obj, errors } = create(events, ev);
  assert.deepEqual(errors, []);
  assert.equal(obj.eventTime, null);
  assert.equal(obj.reportingComponent, '');
  assert.equal(obj.reportingInstance, '');
  assert.deepEqual(headers(events), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
  assert.deepEqual(headers(events, true), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
  assert.deepEqual(cells(events, obj), ['60s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{nginx}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 4, 'web.17a']);

  const series = { ...ev, firstTimestamp: undefined, lastTimestamp: undefined, count: undefined, eventTime: ago(300), series: { count: 7, lastObservedTime: ago(5) }, reportingComponent: 'kubelet', reportingInstance: 'node-1', action: 'Pulling', source: undefined };
  const s = create(events, series);
  assert.deepEqual(s.errors, []);
  assert.deepEqual(cells(events, s.obj).slice(0, 1).concat(cells(events, s.obj).slice(5, 9)), ['5s', 'kubelet, node-1', 'Successfully pulled image "nginx"', '5m', 7]);

  assert.deepEqual(create(events, { ...ev, involvedObject: { ...ev.involvedObject, namespace: 'other' } }).errors, [
    'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
  ]);
  assert.deepEqual(create(events, { ...ev, eventTime: ago(1) }).errors, ['reportingComponent: Required value', `reportingComponent: Invalid value: "": name part must be non-empty`, `reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`, 'reportingInstance: Required value', 'action: Required value']);

  assert.equal(events.ttlSeconds!(), 3600);
  setEventTTL(7200);
  assert.equal(events.ttlSeconds!(), 7200);
  setEventTTL(3600);
  const f = events.selectableFields!(obj);
  assert.equal(f['involvedObject.name'], 'web');
  assert.equal(f.source, 'kubelet');
  assert.equal(f.type, 'Normal');
  assert.equal(f.reportingComponent, '');
  assert.deepEqual(events.shortNames, ['ev']);
});

test('limitranges: container defaults and consistency rules', () => {
  const lr = { metadata: meta('lr'), spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } };
  const { obj, errors } = create(limitranges, lr);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.limits[0].default, { cpu: '2' });
  assert.deepEqual(obj.spec.limits[0].defaultRequest, { cpu: '2', memory: '64Mi' });
  assert.deepEqual(create(limitranges, { metadata: meta(), spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } }).errors, [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
    'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
    'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
  ]);
  assert.deepEqual(create(limitranges, { metadata: meta(), spec: { limits: [{ type: 'Pod', default: { cpu: '1' } }, { type: 'Pod' }] } }).errors, [
    "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
    'spec.limits[1].type: Duplicate value: "Pod"',
  ]);
  assert.deepEqual(limitranges.shortNames, ['limits']);
  assert.equal(limitranges.table, undefined);
});

test('resourcequotas: validation, status strategy, table', () => {
  const rq = { metadata: meta('quota'), spec: { hard: { 'requests.cpu': '4', 'limits.memory': '8Gi', pods: '10', 'count/deployments.apps': '5' } } };
  const { obj, errors } = create(resourcequotas, rq);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, {});
  assert.deepEqual(create(resourcequotas, { metadata: meta(), spec: { hard: { bogus: '1', pods: '1.5' } } }).errors, [
    'spec.hard[bogus]: Invalid value: "bogus": must be a standard resource for quota',
    'spec.hard[pods]: Invalid value: "1500m": must be an integer',
  ]);
  obj.status = { hard: { 'requests.cpu': '4', 'limits.memory': '8Gi', pods: '10', 'count/deployments.apps': '5' }, used: { 'requests.cpu': '500m', pods: '3' } };
  assert.deepEqual(headers(resourcequotas), ['NAME', 'AGE', 'REQUEST', 'LIMIT']);
  assert.deepEqual(cells(resourcequotas, obj), ['quota', '45s', 'count/deployments.apps: 0/5, pods: 3/10, requests.cpu: 500m/4', 'limits.memory: 0/8Gi']);
  const u = update(resourcequotas, { ...obj, status: {} }, obj);
  assert.deepEqual(u.obj.status.used, { 'requests.cpu': '500m', pods: '3' });
  assert.deepEqual(resourcequotas.shortNames, ['quota']);
});

test('persistentvolumes: defaults, validation, immutability, table', () => {
  const pv = {
    metadata: { name: 'pv1', creationTimestamp: ago(7200) },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], hostPath: { path: '/data' }, storageClassName: 'manual' },
  };
  const { obj, errors } = create(persistentvolumes, pv);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(obj.spec.volumeMode, 'Filesystem');
  assert.equal(obj.spec.hostPath.type, '');
  assert.equal(obj.status.phase, 'Pending');
  assert.ok(obj.status.lastPhaseTransitionTime);
  assert.deepEqual(headers(persistentvolumes), ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
  assert.deepEqual(cells(persistentvolumes, obj), ['pv1', '10Gi', 'RWO,ROX', 'Retain', 'Pending', '', 'manual', '<unset>', '', '120m', 'Filesystem']);
  obj.spec.claimRef = { namespace: 'default', name: 'data' };
  obj.status.phase = 'Bound';
  assert.deepEqual(cells(persistentvolumes, obj).slice(4, 6), ['Bound', 'default/data']);

  assert.deepEqual(create(persistentvolumes, { metadata: { name: 'bad' }, spec: { accessModes: ['ReadWriteOncePod', 'ReadWriteOnce', 'Sometimes'], capacity: { storage: '0' } } }).errors, [
    'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
    'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    'spec: Required value: must specify a volume type',
  ]);
  const old = create(persistentvolumes, pv).obj;
  const changed = JSON.parse(JSON.stringify(old));
  changed.spec.hostPath.path = '/other';
  const errs = update(persistentvolumes, changed, old).errors;
  assert.equal(errs.length, 1);
  assert.ok(errs[0].startsWith('spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n'));
  assert.equal(persistentvolumes.namespaced, false);
  assert.deepEqual(persistentvolumes.shortNames, ['pv']);
});

test('persistentvolumeclaims: defaults, validation, update rules, table', () => {
  const pvc = { metadata: meta('data'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  const { obj, errors } = create(persistentvolumeclaims, pvc);
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.volumeMode, 'Filesystem');
  assert.deepEqual(obj.status, { phase: 'Pending' });
  assert.deepEqual(headers(persistentvolumeclaims), ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
  assert.deepEqual(cells(persistentvolumeclaims, obj), ['data', 'Pending', '', '', '', '', '<unset>', '45s', 'Filesystem']);

  assert.deepEqual(create(persistentvolumeclaims, { metadata: meta(), spec: {} }).errors, [
    'spec.accessModes: Required value: at least 1 access mode is required',
    'spec.resources[storage]: Required value',
  ]);

  // binding: volumeName may be set once; the status shows capacity
  const bound = JSON.parse(JSON.stringify(obj));
  bound.spec.volumeName = 'pv1';
  assert.deepEqual(update(persistentvolumeclaims, bound, obj).errors, []);
  bound.status = { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } };
  assert.deepEqual(cells(persistentvolumeclaims, bound).slice(1, 5), ['Bound', 'pv1', '10Gi', 'RWO']);
  const grow = JSON.parse(JSON.stringify(bound));
  grow.spec.resources.requests.storage = '2Gi';
  assert.deepEqual(update(persistentvolumeclaims, grow, bound).errors, []);
  const shrink = JSON.parse(JSON.stringify(bound));
  shrink.spec.resources.requests.storage = '512Mi';
  assert.deepEqual(update(persistentvolumeclaims, shrink, bound).errors, ['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
  const modes = JSON.parse(JSON.stringify(bound));
  modes.spec.accessModes = ['ReadWriteMany'];
  assert.ok(update(persistentvolumeclaims, modes, bound).errors[0].startsWith('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'));
  assert.deepEqual(persistentvolumeclaims.shortNames, ['pvc']);
});

test('replicationcontrollers: defaults, validation, generation, scale, table', () => {
  const rc = {
    metadata: meta('web'),
    spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
  };
  const { obj, errors } = create(replicationcontrollers, rc);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.selector, { app: 'web' });
  assert.deepEqual(obj.metadata.labels, { app: 'web' });
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.spec.template.metadata.creationTimestamp, null);
  assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
  assert.deepEqual(obj.status, { replicas: 0 });
  assert.equal(replicationcontrollers.generation, true);
  assert.deepEqual(headers(replicationcontrollers, true), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual(cells(replicationcontrollers, obj), ['web', 1, 0, 0, '45s', 'nginx', 'nginx:1.25', 'app=web']);
  assert.equal(replicationcontrollers.subresources!.scale!.selector!(obj), 'app=web');

  const bad = JSON.parse(JSON.stringify(rc));
  bad.spec.selector = { app: 'other' };
  bad.spec.template.spec.restartPolicy = 'OnFailure';
  assert.deepEqual(create(replicationcontrollers, bad).errors, [
    'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
  assert.deepEqual(create(replicationcontrollers, { metadata: meta(), spec: {} }).errors, ['spec.selector: Required value', 'spec.template: Required value']);
  const st = JSON.parse(JSON.stringify(obj));
  st.status = { replicas: 1, readyReplicas: 2 };
  assert.deepEqual(update(replicationcontrollers, st, obj, 'status').errors, ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas']);
  assert.deepEqual(replicationcontrollers.shortNames, ['rc']);
  assert.deepEqual(replicationcontrollers.categories, ['all']);
  assert.deepEqual(replicationcontrollers.selectableFields!(obj), { 'status.replicas': '0' });
});

test('podtemplates: defaults, validation, table', () => {
  const pt = { metadata: meta('tmpl'), template: { metadata: { labels: { app: 'a', tier: 'b' } }, spec: { containers: [{ name: 'c1', image: 'i1' }, { name: 'c2', image: 'i2' }] } } };
  const { obj, errors } = create(podtemplates, pt);
  assert.deepEqual(errors, []);
  assert.equal(obj.template.spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(headers(podtemplates), ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS']);
  assert.deepEqual(cells(podtemplates, obj), ['tmpl', 'c1,c2', 'i1,i2', 'app=a,tier=b']);
  assert.deepEqual(create(podtemplates, { metadata: meta(), template: { metadata: { labels: { 'a b': 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }).errors.length, 1);
  assert.ok(create(podtemplates, { metadata: meta(), template: { metadata: { labels: { 'a b': 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }).errors[0].startsWith('template.labels: Invalid value: "a b"'));
});

test('coreResources: every core/v1 resource, names and categories as upstream', () => {
  const byPlural = new Map(coreResources.map((r) => [r.plural, r]));
  assert.deepEqual([...byPlural.keys()].sort(), [
    'configmaps', 'endpoints', 'events', 'limitranges', 'namespaces', 'nodes', 'persistentvolumeclaims', 'persistentvolumes',
    'pods', 'podtemplates', 'replicationcontrollers', 'resourcequotas', 'secrets', 'serviceaccounts', 'services',
  ]);
  const short: Record<string, string[] | undefined> = {};
  for (const r of coreResources) short[r.plural] = r.shortNames;
  assert.deepEqual(short, {
    configmaps: ['cm'], endpoints: ['ep'], events: ['ev'], limitranges: ['limits'], namespaces: ['ns'], nodes: ['no'],
    persistentvolumeclaims: ['pvc'], persistentvolumes: ['pv'], pods: ['po'], podtemplates: undefined,
    replicationcontrollers: ['rc'], resourcequotas: ['quota'], secrets: undefined, serviceaccounts: ['sa'], services: ['svc'],
  });
  assert.deepEqual(coreResources.filter((r) => r.categories?.includes('all')).map((r) => r.plural).sort(), ['pods', 'replicationcontrollers', 'services']);
  for (const r of coreResources) {
    assert.equal(r.group, '');
    assert.equal(r.version, 'v1');
    if (r.table) {
      const name = r.table.columns.find((c) => c.name === 'Name')!;
      assert.equal(name.format, 'name', r.plural);
      assert.equal(name.type, 'string');
      for (const c of r.table.columns) assert.ok(c.description.length > 0, `${r.plural} ${c.name}`);
    }
  }
});
