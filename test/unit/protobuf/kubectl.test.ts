// The codec against the real kubectl v1.32: bodies kubectl's generator commands send as
// application/vnd.kubernetes.protobuf decode to exactly what `--dry-run=client -o json` prints,
// re-encode to the same bytes, and kubectl decodes our protobuf answers to the same object.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PROTOBUF_CONTENT_TYPE, decodeK8sProtobuf, encodeK8sProtobuf,
} from '../../../src/apimachinery/protobuf/index.js';
import { FakeApiServer, hasKubectl, type RecordedRequest } from './fake-apiserver.js';
import * as fx from './fixtures.js';

interface Case {
  name: string;
  args: (dir: string) => string[];
  kind: string;
  check?: (obj: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x0a]);

const CASES: Case[] = [
  {
    name: 'create deployment', kind: 'Deployment',
    args: () => ['deployment', 'web', '--image=nginx:1.25', '--replicas=3', '--port=80'],
    check: (o) => {
      assert.equal(o.spec.replicas, 3);
      assert.equal(o.spec.template.spec.containers[0].ports[0].containerPort, 80);
      assert.equal(o.metadata.creationTimestamp, null);
    },
  },
  {
    name: 'create deployment --replicas=0 (pointer zero kept)', kind: 'Deployment',
    args: () => ['deployment', 'zero', '--image=nginx', '--replicas=0'],
    check: (o) => assert.equal(o.spec.replicas, 0),
  },
  {
    name: 'create configmap', kind: 'ConfigMap',
    args: (dir) => ['configmap', 'c', '--from-literal=a=b', '--from-literal=empty=', `--from-file=bin=${join(dir, 'bin')}`],
    check: (o) => {
      assert.deepEqual(o.data, { a: 'b', empty: '' });
      assert.equal(o.binaryData.bin, BINARY.toString('base64'));
    },
  },
  {
    name: 'create secret generic', kind: 'Secret',
    args: (dir) => ['secret', 'generic', 's', '--from-literal=k=v', `--from-file=bin=${join(dir, 'bin')}`, '--type=Opaque'],
    check: (o) => {
      assert.equal(o.data.k, Buffer.from('v').toString('base64'));
      assert.equal(o.data.bin, BINARY.toString('base64'));
    },
  },
  {
    name: 'create secret docker-registry', kind: 'Secret',
    args: () => ['secret', 'docker-registry', 'reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
    check: (o) => assert.equal(o.type, 'kubernetes.io/dockerconfigjson'),
  },
  {
    name: 'create service nodeport', kind: 'Service',
    args: () => ['service', 'nodeport', 'web', '--tcp=80:8080'],
    check: (o) => assert.equal(o.spec.ports[0].targetPort, 8080),
  },
  {
    name: 'create service clusterip (named targetPort)', kind: 'Service',
    args: () => ['service', 'clusterip', 'named', '--tcp=443:https'],
    check: (o) => assert.equal(o.spec.ports[0].targetPort, 'https'),
  },
  {
    name: 'create job', kind: 'Job',
    args: () => ['job', 'j', '--image=busybox', '--', 'echo', 'hi'],
    check: (o) => assert.deepEqual(o.spec.template.spec.containers[0].command, ['echo', 'hi']),
  },
  {
    name: 'create cronjob', kind: 'CronJob',
    args: () => ['cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
    check: (o) => assert.equal(o.spec.schedule, '*/5 * * * *'),
  },
  { name: 'create namespace', kind: 'Namespace', args: () => ['namespace', 'n'] },
  { name: 'create serviceaccount', kind: 'ServiceAccount', args: () => ['serviceaccount', 'sa'] },
  {
    name: 'create role', kind: 'Role',
    args: () => ['role', 'r', '--verb=get', '--verb=list', '--resource=pods', '--resource=deployments.apps'],
    check: (o) => assert.deepEqual(o.rules[0].verbs, ['get', 'list']),
  },
  { name: 'create rolebinding', kind: 'RoleBinding', args: () => ['rolebinding', 'rb', '--role=r', '--user=alice', '--serviceaccount=default:sa'] },
  { name: 'create clusterrole', kind: 'ClusterRole', args: () => ['clusterrole', 'cr', '--verb=get', '--non-resource-url=/healthz'] },
  {
    name: 'create poddisruptionbudget (percent IntOrString)', kind: 'PodDisruptionBudget',
    args: () => ['poddisruptionbudget', 'pdb', '--selector=app=web', '--min-available=50%'],
    check: (o) => assert.equal(o.spec.minAvailable, '50%'),
  },
  {
    name: 'create priorityclass', kind: 'PriorityClass',
    args: () => ['priorityclass', 'pc', '--value=1000', '--description=high', '--preemption-policy=Never'],
    check: (o) => assert.equal(o.value, 1000),
  },
  {
    name: 'create quota (quantities)', kind: 'ResourceQuota',
    args: () => ['quota', 'q', '--hard=cpu=1500m,memory=1Gi,pods=10'],
    check: (o) => assert.deepEqual(o.spec.hard, { cpu: '1500m', memory: '1Gi', pods: '10' }),
  },
  {
    name: 'create ingress', kind: 'Ingress',
    args: () => ['ingress', 'ing', '--rule=foo.com/bar*=svc:8080', '--rule=tls.com/=svc2:https,tls=sec'],
  },
];

describe('kubectl v1.32 protobuf request bodies', { skip: !hasKubectl && 'no kubectl at /usr/bin/kubectl' }, () => {
  const server = new FakeApiServer();
  let dir = '';

  before(async () => {
    await server.start();
    dir = server.kubeconfig.replace(/\/kubeconfig$/, '');
    writeFileSync(join(dir, 'bin'), BINARY);
  });
  after(async () => {
    await server.stop();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      let captured: RecordedRequest | undefined;
      server.onWrite = (req) => {
        captured = req;
        // Answer with our own encoding of what we decoded: kubectl must read it back.
        const { object } = decodeK8sProtobuf(req.body);
        return { status: 201, contentType: PROTOBUF_CONTENT_TYPE, body: encodeK8sProtobuf(object) };
      };
      const args = c.args(dir);
      const created = await server.kubectl(['create', '-o', 'json', ...args]);
      assert.equal(created.code, 0, created.stderr);
      assert.ok(captured, 'kubectl sent no body');
      assert.equal(captured.headers['content-type'], PROTOBUF_CONTENT_TYPE);
      assert.equal(captured.headers.accept, `${PROTOBUF_CONTENT_TYPE},application/json`);

      const dry = await server.kubectl(['create', '--dry-run=client', '-o', 'json', ...args]);
      assert.equal(dry.code, 0, dry.stderr);
      const expected = JSON.parse(dry.stdout);

      const decoded = decodeK8sProtobuf(captured.body);
      assert.equal(decoded.kind, c.kind);
      assert.equal(decoded.apiVersion, expected.apiVersion);
      // Field for field (and key order) what the JSON form of the same object is.
      assert.equal(JSON.stringify(decoded.object), JSON.stringify(expected));
      c.check?.(decoded.object);

      // Re-encoding gives kubectl's bytes exactly (gogo's field order and zero-value fields).
      assert.equal(encodeK8sProtobuf(decoded.object).toString('hex'), captured.body.toString('hex'));

      // kubectl decoded our protobuf answer to the same object.
      assert.deepEqual(JSON.parse(created.stdout), expected);
    });
  }
});

// kubectl decodes what we encode: answer its create with a rich object and compare what it prints.
const REPLIES: Array<{ name: string; args: string[]; reply: Record<string, any> }> = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  { name: 'Deployment', args: ['deployment', 'web', '--image=nginx:1.25'], reply: fx.deployment },
  { name: 'Service', args: ['service', 'nodeport', 'web', '--tcp=80:8080'], reply: fx.service },
  { name: 'Secret', args: ['secret', 'generic', 'creds', '--from-literal=a=b'], reply: fx.secret },
  { name: 'ConfigMap', args: ['configmap', 'web-config', '--from-literal=a=b'], reply: fx.configMap },
  { name: 'Job', args: ['job', 'pi', '--image=perl:5.34'], reply: fx.job },
  { name: 'Role', args: ['role', 'pod-reader', '--verb=get', '--resource=pods'], reply: fx.role },
];

describe('kubectl v1.32 reads our protobuf', { skip: !hasKubectl && 'no kubectl at /usr/bin/kubectl' }, () => {
  const server = new FakeApiServer();
  before(() => server.start());
  after(() => server.stop());

  for (const r of REPLIES) {
    it(`a rich ${r.name}`, async () => {
      server.onWrite = () => ({ status: 201, contentType: PROTOBUF_CONTENT_TYPE, body: encodeK8sProtobuf(r.reply) });
      const out = await server.kubectl(['create', ...r.args, '-o', 'json', '--show-managed-fields']);
      assert.equal(out.code, 0, out.stderr);
      assert.deepStrictEqual(JSON.parse(out.stdout), r.reply);
    });
  }

  it('create token: TokenRequest both ways', async () => {
    let request: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    server.onRequest = (req) => {
      if (req.method !== 'POST' || !req.url.startsWith('/api/v1/namespaces/default/serviceaccounts/sa/token')) return undefined;
      request = decodeK8sProtobuf(req.body).object;
      return {
        status: 201, contentType: PROTOBUF_CONTENT_TYPE,
        body: encodeK8sProtobuf({ ...request, metadata: { name: 'sa', namespace: 'default', creationTimestamp: null }, status: { token: 'header.payload.sig', expirationTimestamp: '2030-01-02T03:04:05Z' } }),
      };
    };
    try {
      const out = await server.kubectl(['create', 'token', 'sa', '--duration=1h', '--audience=api', '--bound-object-kind=Pod', '--bound-object-name=p', '--bound-object-uid=u-p']);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), 'header.payload.sig');
      assert.deepStrictEqual(request, {
        kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null },
        spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u-p' } },
        status: { token: '', expirationTimestamp: null },
      });
    } finally {
      server.onRequest = () => undefined;
    }
  });

  it('drain: a protobuf PodList, eviction, then a protobuf 404 Status', async () => {
    const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'node1', creationTimestamp: '2024-05-06T07:08:09Z' }, spec: {}, status: {} };
    let evicted = false;
    let listAccept = '';
    server.onRequest = (req) => {
      const path = req.url.split('?')[0];
      const pb = (status: number, obj: Record<string, unknown>) => ({ status, contentType: PROTOBUF_CONTENT_TYPE, body: encodeK8sProtobuf(obj) });
      if (path === '/api/v1/nodes/node1') {
        return { status: 200, contentType: 'application/json', body: JSON.stringify(req.method === 'PATCH' ? { ...node, spec: { unschedulable: true } } : node) };
      }
      if (req.method === 'GET' && path === '/api/v1/pods') {
        listAccept = String(req.headers.accept);
        const { kind: _k, apiVersion: _a, ...item } = fx.pod;
        return pb(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items: evicted ? [] : [{ ...item, metadata: { ...item.metadata, deletionTimestamp: undefined, deletionGracePeriodSeconds: undefined } }] });
      }
      if (req.method === 'POST' && path === '/api/v1/namespaces/default/pods/web-1/eviction') {
        evicted = true;
        return pb(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      }
      if (req.method === 'GET' && path === '/api/v1/namespaces/default/pods/web-1') {
        return pb(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "web-1" not found', reason: 'NotFound', details: { name: 'web-1', kind: 'pods' }, code: 404 });
      }
      return undefined;
    };
    try {
      const out = await server.kubectl(['drain', 'node1', '--force', '--ignore-daemonsets', '--timeout=30s']);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /pod\/web-1 evicted/);
      assert.match(out.stdout, /node\/node1 drained/);
      assert.equal(listAccept, `${PROTOBUF_CONTENT_TYPE},application/json`);
      assert.ok(evicted);
    } finally {
      server.onRequest = () => undefined;
    }
  });
});
