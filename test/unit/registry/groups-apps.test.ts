// Tests for the apps/v1 declarations: upstream defaults of a minimal Deployment,
// StatefulSet and DaemonSet, validation messages (selector vs template labels, immutable
// selector, strategy), strategies and Table cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentDef } from '../../../src/apiserver/registry/apps/deployments.js';
import { replicaSetDef } from '../../../src/apiserver/registry/apps/replicasets.js';
import { statefulSetDef } from '../../../src/apiserver/registry/apps/statefulsets.js';
import { daemonSetDef } from '../../../src/apiserver/registry/apps/daemonsets.js';
import { controllerRevisionDef } from '../../../src/apiserver/registry/apps/controllerrevisions.js';
import { created, row, updated } from './groups-helpers.js';

const template = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
});

const minimalDeployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) },
});

test('a minimal Deployment gets upstream defaults', () => {
  const { obj, errs } = created(deploymentDef, minimalDeployment());
  assert.deepEqual(errs, []);
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.progressDeadlineSeconds, 600);
  assert.deepEqual(obj.status, {});
  const ps = obj.spec.template.spec;
  assert.equal(ps.restartPolicy, 'Always');
  assert.equal(ps.dnsPolicy, 'ClusterFirst');
  assert.equal(ps.schedulerName, 'default-scheduler');
  assert.equal(ps.terminationGracePeriodSeconds, 30);
  assert.equal(ps.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(obj.spec.template.metadata.creationTimestamp, null);
});

test('Deployment: explicit Recreate gets no rollingUpdate, status is reset on create', () => {
  const d = minimalDeployment() as any;
  d.spec.strategy = { type: 'Recreate' };
  d.status = { replicas: 5 };
  const { obj, errs } = created(deploymentDef, d);
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(obj.status, {});
});

test('Deployment: selector must match the template labels', () => {
  const d = minimalDeployment() as any;
  d.spec.template.metadata.labels = { app: 'other' };
  const { errs } = created(deploymentDef, d);
  assert.deepEqual(errs, ['spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`']);
});

test('Deployment: missing selector', () => {
  const d = minimalDeployment() as any;
  delete d.spec.selector;
  const { errs } = created(deploymentDef, d);
  assert.equal(errs[0], 'spec.selector: Required value');
  assert.match(errs[1], /^spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`$/);
});

test('Deployment: empty selector, negative replicas, strategy rules', () => {
  const d = minimalDeployment() as any;
  d.spec.selector = {};
  d.spec.replicas = -1;
  d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } };
  const { errs } = created(deploymentDef, d);
  assert.ok(errs.includes('spec.replicas: Invalid value: -1: must be greater than or equal to 0'));
  assert.ok(errs.includes('spec.selector: Invalid value: {}: empty selector is invalid for deployment'));
  assert.ok(errs.includes('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'));

  const r = minimalDeployment() as any;
  r.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
  assert.deepEqual(created(deploymentDef, r).errs, ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);

  const p = minimalDeployment() as any;
  p.spec.strategy = { rollingUpdate: { maxUnavailable: '120%', maxSurge: 'x' } };
  const pe = created(deploymentDef, p).errs;
  assert.ok(pe.includes('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'));
  assert.ok(pe.some((e) => e.startsWith('spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": a valid percent string must be')));

  const rp = minimalDeployment() as any;
  rp.spec.template.spec.restartPolicy = 'Never';
  assert.deepEqual(created(deploymentDef, rp).errs, ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
});

test('Deployment: selector is immutable, status kept on update, generation on annotation change', () => {
  const { obj: old } = created(deploymentDef, minimalDeployment());
  old.status = { replicas: 1 };
  const next = structuredClone(old);
  next.spec.selector = { matchLabels: { app: 'web', tier: 'x' } };
  next.spec.template.metadata.labels = { app: 'web', tier: 'x' };
  next.status = { replicas: 9 };
  const { obj, errs } = updated(deploymentDef, next, old);
  assert.deepEqual(errs, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  assert.deepEqual(obj.status, { replicas: 1 });

  const ann = structuredClone(old);
  ann.metadata.annotations = { a: 'b' };
  assert.equal(updated(deploymentDef, ann, old).obj.metadata.generation, 2);
});

test('Deployment: status update keeps spec and validates status', () => {
  const { obj: old } = created(deploymentDef, minimalDeployment());
  const next = structuredClone(old);
  next.spec.replicas = 7;
  next.metadata.labels = { changed: 'yes' };
  next.status = { replicas: 1, readyReplicas: 2, availableReplicas: 1 };
  const { obj, errs } = updated(deploymentDef, next, old, 'status');
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.metadata.labels, undefined);
  assert.deepEqual(errs, ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas']);
});

test('Deployment: table 3/3 ready and wide columns', () => {
  const { obj } = created(deploymentDef, minimalDeployment(), '2024-01-01T00:00:00Z');
  obj.spec.replicas = 3;
  obj.status = { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 };
  const now = Date.parse('2024-01-01T00:05:00Z');
  assert.deepEqual(deploymentDef.table!.cells(obj, now), ['web', '3/3', 3, 3, '5m', 'nginx', 'nginx:1.25', 'app=web']);
  const cols = deploymentDef.table!.columns.map((c) => [c.name, c.priority]);
  assert.deepEqual(cols, [['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]]);
  assert.equal(deploymentDef.table!.columns[0].format, 'name');
  assert.deepEqual(deploymentDef.shortNames, ['deploy']);
  assert.deepEqual(deploymentDef.categories, ['all']);
  assert.equal(deploymentDef.subresources?.scale?.selector?.(obj), 'app=web');
});

test('ReplicaSet: defaults, initial status and table', () => {
  const { obj, errs } = created(replicaSetDef, {
    metadata: { name: 'rs1', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) },
  });
  assert.deepEqual(errs, []);
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(obj.status, { replicas: 0 });
  assert.deepEqual(replicaSetDef.selectableFields!(obj), { 'status.replicas': '0' });
  const r = row(replicaSetDef, obj, Date.parse('2024-01-01T00:00:30Z'));
  assert.deepEqual([r.Desired, r.Current, r.Ready, r.Age, r.Selector], [1, 0, 0, '30s', 'app=a']);
});

test('StatefulSet: defaults and forbidden updates', () => {
  const { obj, errs } = created(statefulSetDef, {
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'pg', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });
  assert.deepEqual(errs, []);
  assert.equal(obj.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(obj.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.deepEqual(obj.spec.volumeClaimTemplates[0].status, { phase: 'Pending' });
  assert.deepEqual(obj.status, { replicas: 0, availableReplicas: 0 });

  const next = structuredClone(obj);
  next.spec.serviceName = 'other';
  next.spec.replicas = 3;
  assert.deepEqual(updated(statefulSetDef, next, obj).errs, [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  obj.status = { replicas: 3, readyReplicas: 2 };
  obj.spec.replicas = 3;
  assert.deepEqual(statefulSetDef.table!.cells(obj, Date.parse('2024-01-01T01:00:00Z')).slice(0, 3), ['db', '2/3', '60m']);
});

test('DaemonSet: defaults, strategy validation and table', () => {
  const ds = {
    metadata: { name: 'agent', namespace: 'kube-system' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { ...template({ app: 'agent' }), spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'agent' }] } } },
  };
  const { obj, errs } = created(daemonSetDef, ds);
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.deepEqual(obj.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  assert.equal(obj.metadata.annotations['deprecated.daemonset.template.generation'], '1');
  // the template generation moves with template changes only
  const same = structuredClone(obj);
  same.spec.minReadySeconds = 5;
  daemonSetDef.prepareForUpdate!(same, obj);
  assert.equal(same.metadata.annotations['deprecated.daemonset.template.generation'], '1');
  const changed = structuredClone(obj);
  changed.spec.template.spec.containers[0].image = 'agent:2';
  daemonSetDef.prepareForUpdate!(changed, obj);
  assert.equal(changed.metadata.annotations['deprecated.daemonset.template.generation'], '2');
  const r = row(daemonSetDef, obj, Date.parse('2024-01-01T00:00:10Z'));
  assert.equal(r['Node Selector'], 'kubernetes.io/os=linux');
  assert.equal(r.Selector, 'app=agent');

  const bad = structuredClone(ds) as any;
  bad.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } };
  assert.deepEqual(created(daemonSetDef, bad).errs, ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero']);
});

test('ControllerRevision: CONTROLLER cell and data required', () => {
  const cr = {
    metadata: { name: 'agent-5d8f', namespace: 'kube-system', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] },
    revision: 2,
    data: {},
  };
  const { obj, errs } = created(controllerRevisionDef, cr);
  assert.deepEqual(errs, []);
  assert.deepEqual(controllerRevisionDef.table!.cells(obj, Date.parse('2024-01-01T00:00:01Z')), ['agent-5d8f', 'daemonset.apps/agent', 2, '1s']);
  assert.deepEqual(created(controllerRevisionDef, { metadata: { name: 'x' } }).errs, ['data: Required value: data is mandatory']);
});

test('StatefulSet: DNS-label names, template labels only (no pod spec validation), collisionCount', () => {
  assert.equal(statefulSetDef.nameRule, 'label');
  const { obj, errs } = created(statefulSetDef, {
    metadata: { name: 'db', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db', 'bad key!': 'x' } }, spec: {} } },
  });
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^spec\.template\.labels: Invalid value: "bad key!": name part must consist of/);
  obj.status = { replicas: 1, collisionCount: 2 };
  const next = structuredClone(obj);
  next.status = { replicas: 1, collisionCount: 1 };
  assert.deepEqual(updated(statefulSetDef, next, obj, 'status').errs, ['status.collisionCount: Invalid value: 1: cannot be decremented']);
});

test('Deployment: unknown strategy type', () => {
  const d = minimalDeployment() as any;
  d.spec.strategy = { type: 'BlueGreen' };
  assert.deepEqual(created(deploymentDef, d).errs, ['spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"']);
  const a = minimalDeployment() as any;
  a.spec.template.spec.activeDeadlineSeconds = 5;
  assert.deepEqual(created(deploymentDef, a).errs, ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported']);
});
