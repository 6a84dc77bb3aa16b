// Tests for core/v1 pods (src/apiserver/registry/core/pods.ts, podspec.ts): v1 defaulting,
// QoS class, validation messages and paths as upstream, restricted updates, the pod table
// (READY / STATUS / RESTARTS logic) and field selectors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pods, podQOSClass } from '../../../src/apiserver/registry/core/pods.js';
import { defaultPodSpec, imageTag, podTemplateContainersImages, validatePodSpec } from '../../../src/apiserver/registry/core/podspec.js';
import { fieldErrorMessage } from '../../../src/apimachinery/errors.js';
import { ago, cells, create, headers, update } from './core-helpers.js';

const basePod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(300) },
  spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
});

test('pod defaults follow upstream v1 defaulting', () => {
  const { obj, errors } = create(pods, basePod());
  assert.deepEqual(errors, []);
  const spec = obj.spec;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  const c = spec.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.resources, {});
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('image pull policy from the tag', () => {
  assert.equal(imageTag('nginx'), 'latest');
  assert.equal(imageTag('nginx:1.25'), '1.25');
  assert.equal(imageTag('localhost:5000/app'), 'latest');
  assert.equal(imageTag('localhost:5000/app:v1'), 'v1');
  assert.equal(imageTag('nginx@sha256:abc'), '');
  const spec: any = {
    containers: [
      { name: 'a', image: 'nginx:latest' },
      { name: 'b', image: 'nginx:1.25' },
      { name: 'c', image: 'nginx@sha256:0123' },
      { name: 'd', image: 'busybox', imagePullPolicy: 'Never' },
    ],
  };
  defaultPodSpec(spec);
  assert.deepEqual(spec.containers.map((c: any) => c.imagePullPolicy), ['Always', 'IfNotPresent', 'IfNotPresent', 'Never']);
});

test('ports, probes, env field refs and volumes are defaulted', () => {
  const p: any = basePod();
  p.spec.containers[0] = {
    name: 'app',
    image: 'app:v1',
    ports: [{ containerPort: 80 }],
    env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    livenessProbe: { httpGet: { port: 80 } },
    readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
    volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'scratch', mountPath: '/tmp' }, { name: 'tok', mountPath: '/var/tok' }],
  };
  p.spec.volumes = [
    { name: 'cfg', configMap: { name: 'cfg' } },
    { name: 'scratch' },
    { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
  ];
  const { obj, errors } = create(pods, p);
  assert.deepEqual(errors, []);
  const c = obj.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(c.env[0].valueFrom.fieldRef, { apiVersion: 'v1', fieldPath: 'spec.nodeName' });
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.readinessProbe.periodSeconds, 5);
  assert.deepEqual(obj.spec.volumes[0].configMap, { name: 'cfg', defaultMode: 420 });
  assert.deepEqual(obj.spec.volumes[1], { name: 'scratch', emptyDir: {} });
  assert.deepEqual(obj.spec.volumes[2].projected, { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }], defaultMode: 420 });
});

test('QoS class: limits-only is Guaranteed (requests default to limits), partial is Burstable', () => {
  const g: any = basePod();
  g.spec.containers[0].resources = { limits: { cpu: '500m', memory: '128Mi' } };
  const { obj } = create(pods, g);
  assert.deepEqual(obj.spec.containers[0].resources.requests, { cpu: '500m', memory: '128Mi' });
  assert.equal(obj.status.qosClass, 'Guaranteed');

  const b: any = basePod();
  b.spec.containers[0].resources = { requests: { cpu: '100m' } };
  assert.equal(create(pods, b).obj.status.qosClass, 'Burstable');

  const mixed: any = basePod();
  mixed.spec.containers[0].resources = { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '500m', memory: '1024Mi' } };
  assert.equal(podQOSClass(create(pods, mixed).obj), 'Guaranteed');
  mixed.spec.containers.push({ name: 'side', image: 'busybox' });
  assert.equal(podQOSClass(create(pods, mixed).obj), 'Burstable');
});

test('QoS is right whatever order the server runs prepareForCreate and defaults in', () => {
  const p: any = basePod();
  p.spec.containers[0].resources = { limits: { cpu: '1', memory: '1Gi' } };
  pods.prepareForCreate!(p);
  pods.defaults!(p);
  assert.equal(p.status.qosClass, 'Guaranteed');
});

test('validation: containers, image, names, ports, env, policies', () => {
  const errs = (spec: any) => create(pods, { metadata: { name: 'p', namespace: 'default' }, spec }).errors;
  assert.deepEqual(errs({ containers: [] }), ['spec.containers: Required value']);
  assert.deepEqual(errs({ containers: [{ name: 'c' }] }), ['spec.containers[0].image: Required value']);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] }), ['spec.containers[1].name: Duplicate value: "c"']);
  assert.deepEqual(errs({ containers: [{ name: 'Web_1', image: 'x' }] }), [
    `spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000 }, { containerPort: 80, protocol: 'HTTP' }] }] }), [
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] }] }), [
    'spec.containers[0].ports[1].name: Duplicate value: "http"',
  ]);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'x', env: [{ name: '' }, { name: 'A=B' }] }] }), [
    'spec.containers[0].env[0].name: Required value',
    `spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
  ]);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'x' }], restartPolicy: 'Sometimes', dnsPolicy: 'Google' }), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
});

test('validation: env valueFrom and downward API field paths', () => {
  const errs = (env: any) => create(pods, { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', env }] } }).errors;
  assert.deepEqual(errs([{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }]), [
    'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
  ]);
  assert.deepEqual(errs([{ name: 'A', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }]), []);
  assert.deepEqual(errs([{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } }]), [
    'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo',
  ]);
  assert.deepEqual(errs([{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]), [
    'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
  ]);
  assert.deepEqual(errs([{ name: 'A', valueFrom: {} }]), [
    'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
  ]);
});

test('validation: volumes and mounts', () => {
  const errs = (spec: any) => create(pods, { metadata: { name: 'p', namespace: 'default' }, spec }).errors;
  assert.deepEqual(errs({
    containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'missing', mountPath: '/a' }, { name: 'data', mountPath: '/a' }] }],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }, { name: 'two', emptyDir: {}, hostPath: { path: '/x' } }],
  }), [
    'spec.volumes[1].name: Duplicate value: "data"',
    // upstream checks hostPath before emptyDir, so the second source found is emptyDir
    'spec.volumes[2].emptyDir: Forbidden: may not specify more than 1 volume type',
    'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
    'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique',
  ]);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 's', secret: {} }] }), ['spec.volumes[0].secret.secretName: Required value']);
});

test('validation: resources (quantities, requests ≤ limits)', () => {
  const errs = (resources: any) => create(pods, { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', resources }] } }).errors;
  assert.deepEqual(errs({ requests: { cpu: '2' }, limits: { cpu: '1' } }), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
  ]);
  assert.deepEqual(errs({ requests: { memory: '-1Gi' } }), [
    'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
  ]);
  // (requests default to limits on pods, so the request is reported too)
  assert.deepEqual(errs({ limits: { gpus: '1' } }), [
    'spec.containers[0].resources.limits[gpus]: Invalid value: "gpus": must be a standard resource for containers',
    'spec.containers[0].resources.requests[gpus]: Invalid value: "gpus": must be a standard resource for containers',
  ]);
  assert.deepEqual(errs({ limits: { 'example.com/gpu': '1' }, requests: { 'example.com/gpu': '1' } }), []);
});

test('validation: init containers and probes', () => {
  const errs = (spec: any) => create(pods, { metadata: { name: 'p', namespace: 'default' }, spec }).errors;
  assert.deepEqual(errs({
    initContainers: [{ name: 'c', image: 'x', readinessProbe: { exec: { command: ['true'] } } }],
    containers: [{ name: 'c', image: 'y', livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } }],
  }), [
    'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    'spec.initContainers[0].name: Duplicate value: "c"',
    'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
  ]);
  assert.deepEqual(errs({ containers: [{ name: 'c', image: 'y', readinessProbe: {} }] }), ['spec.containers[0].readinessProbe: Required value: must specify a handler type']);
});

test('validatePodSpec is usable for templates', () => {
  const spec: any = { containers: [{ name: 'c' }] };
  defaultPodSpec(spec);
  assert.deepEqual(validatePodSpec(spec, 'spec.template.spec').map(fieldErrorMessage), ['spec.template.spec.containers[0].image: Required value']);
  assert.deepEqual(podTemplateContainersImages({ spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } }), ['a,b', 'x,y']);
});

test('pod updates may only change images, deadline, tolerations (additions)', () => {
  const old = create(pods, basePod()).obj;
  old.metadata.resourceVersion = '1';

  const img = JSON.parse(JSON.stringify(old));
  img.spec.containers[0].image = 'nginx:1.27';
  const r = update(pods, img, old);
  assert.deepEqual(r.errors, []);
  assert.equal(r.obj.status.phase, 'Pending');

  const tol = JSON.parse(JSON.stringify(old));
  tol.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
  assert.deepEqual(update(pods, tol, old).errors, []);

  const bad = JSON.parse(JSON.stringify(old));
  bad.spec.restartPolicy = 'Never';
  const errs = update(pods, bad, old).errors;
  assert.equal(errs.length, 1);
  assert.ok(errs[0].startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'), errs[0]);

  const add = JSON.parse(JSON.stringify(old));
  add.spec.containers.push({ name: 'two', image: 'x' });
  assert.deepEqual(update(pods, add, old).errors, ['spec.containers: Forbidden: pod updates may not add or remove containers']);

  const noImage = JSON.parse(JSON.stringify(old));
  noImage.spec.containers[0].image = '';
  assert.deepEqual(update(pods, noImage, old).errors, ['spec.containers[0].image: Required value']);

  const withTol = JSON.parse(JSON.stringify(tol));
  const removeTol = JSON.parse(JSON.stringify(old));
  assert.deepEqual(update(pods, removeTol, withTol).errors, ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
});

test('status updates keep the spec; main updates keep the status', () => {
  const old = create(pods, basePod()).obj;
  const s = JSON.parse(JSON.stringify(old));
  s.status.phase = 'Running';
  s.spec.containers[0].image = 'changed';
  const r = update(pods, s, old, 'status');
  assert.equal(r.obj.spec.containers[0].image, 'nginx');
  assert.equal(r.obj.status.phase, 'Running');
  const m = JSON.parse(JSON.stringify(old));
  m.status.phase = 'Running';
  assert.equal(update(pods, m, old).obj.status.phase, 'Pending');
});

test('scheduling gates add the SchedulingGated condition', () => {
  const p: any = basePod();
  p.spec.schedulingGates = [{ name: 'example.com/gate' }];
  const { obj } = create(pods, p);
  assert.equal(obj.status.conditions[0].reason, 'SchedulingGated');
  assert.deepEqual(cells(pods, obj).slice(1, 4), ['0/1', 'SchedulingGated', '0']);
});

function running(extra: any = {}): any {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(600) },
    spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx' }] },
    status: {
      phase: 'Running',
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, state: { running: { startedAt: ago(590) } } }],
    },
    ...extra,
  };
}

test('pod table: headers as upstream', () => {
  assert.deepEqual(headers(pods), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(headers(pods, true), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  const restarts = pods.table!.columns[3];
  assert.equal(restarts.type, 'string');
  assert.equal(pods.table!.columns[0].format, 'name');
});

test('pod table: running, pending, creating', () => {
  assert.deepEqual(cells(pods, running()), ['web', '1/1', 'Running', '0', '10m', '10.244.0.5', 'node-1', '<none>', '<none>']);
  const pending = create(pods, basePod()).obj;
  assert.deepEqual(cells(pods, pending), ['web', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  const creating = running();
  creating.status.containerStatuses[0] = { name: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } };
  creating.status.phase = 'Pending';
  assert.deepEqual(cells(pods, creating).slice(1, 4), ['0/1', 'ContainerCreating', '0']);
});

test('pod table: CrashLoopBackOff with restarts "3 (5m ago)"', () => {
  const p = running();
  p.status.containerStatuses[0] = {
    name: 'nginx',
    ready: false,
    restartCount: 3,
    state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
  };
  assert.deepEqual(cells(pods, p).slice(1, 4), ['0/1', 'CrashLoopBackOff', '3 (5m ago)']);
});

test('pod table: terminating, completed, node lost, init containers', () => {
  const t = running();
  t.metadata.deletionTimestamp = ago(-30);
  assert.equal(cells(pods, t)[2], 'Terminating');

  const done = running();
  done.status.phase = 'Succeeded';
  done.status.containerStatuses[0] = { name: 'nginx', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  assert.deepEqual(cells(pods, done).slice(1, 4), ['0/1', 'Completed', '0']);
  done.metadata.deletionTimestamp = ago(-30);
  assert.equal(cells(pods, done)[2], 'Completed');

  const lost = running();
  lost.status.reason = 'NodeLost';
  assert.equal(cells(pods, lost)[2], 'NodeLost');
  lost.metadata.deletionTimestamp = ago(-30);
  assert.equal(cells(pods, lost)[2], 'Unknown');

  const init = running();
  init.spec.initContainers = [{ name: 'setup', image: 'busybox' }];
  init.status.phase = 'Pending';
  init.status.conditions = [];
  init.status.initContainerStatuses = [{ name: 'setup', ready: false, restartCount: 0, state: { running: {} } }];
  init.status.containerStatuses[0] = { name: 'nginx', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } };
  assert.deepEqual(cells(pods, init).slice(1, 4), ['0/1', 'Init:0/1', '0']);
  init.status.initContainerStatuses[0].state = { waiting: { reason: 'ImagePullBackOff' } };
  assert.equal(cells(pods, init)[2], 'Init:ImagePullBackOff');
  init.status.initContainerStatuses[0].state = { terminated: { exitCode: 2 } };
  assert.equal(cells(pods, init)[2], 'Init:ExitCode:2');

  const sidecar = running();
  sidecar.spec.initContainers = [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }];
  sidecar.status.initContainerStatuses = [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(120) } } }];
  sidecar.status.conditions.push({ type: 'Initialized', status: 'True' });
  assert.deepEqual(cells(pods, sidecar).slice(1, 4), ['2/2', 'Running', '1 (2m ago)']);
});

test('pod table: readiness gates and nominated node', () => {
  const p = running();
  p.spec.readinessGates = [{ conditionType: 'example.com/ready' }, { conditionType: 'example.com/lb' }];
  p.status.conditions.push({ type: 'example.com/ready', status: 'True' });
  p.status.nominatedNodeName = 'node-2';
  assert.deepEqual(cells(pods, p).slice(5), ['10.244.0.5', 'node-1', 'node-2', '1/2']);
});

test('pod selectable fields', () => {
  const f = pods.selectableFields!(create(pods, running()).obj);
  assert.deepEqual(f, {
    'spec.nodeName': 'node-1',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': '',
    'spec.hostNetwork': 'false',
    'status.phase': 'Pending',
    'status.podIP': '',
    'status.nominatedNodeName': '',
  });
});

test('pods: names, scope, categories', () => {
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.equal(pods.namespaced, true);
  assert.ok(pods.subresources?.status);
});
