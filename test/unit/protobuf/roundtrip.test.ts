// encodeK8sProtobuf -> decodeK8sProtobuf round trips of realistic objects, the special types'
// forms, the envelope and watch framing, and errors for unknown kinds and malformed bytes.
/* eslint-disable @typescript-eslint/no-explicit-any */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  PROTOBUF_CONTENT_TYPE, PROTOBUF_MAGIC, ProtobufError, decodeK8sProtobuf, decodeWatchEvent, encodeK8sProtobuf,
  encodeWatchEventFrame, isProtobufSupported, splitFrames,
} from '../../../src/apimachinery/protobuf/index.js';
import { formatGoDuration, parseGoDuration, parseRFC3339 } from '../../../src/apimachinery/protobuf/gotime.js';
import * as fx from './fixtures.js';

function roundTrip(obj: Record<string, any>): Record<string, any> {
  const buf = encodeK8sProtobuf(obj);
  assert.deepEqual([...buf.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
  const out = decodeK8sProtobuf(buf);
  assert.equal(out.apiVersion, obj.apiVersion);
  assert.equal(out.kind, obj.kind);
  // decoding then re-encoding is byte-stable
  assert.equal(encodeK8sProtobuf(out.object).toString('hex'), buf.toString('hex'));
  return out.object;
}

describe('protobuf round trips', () => {
  for (const [name, obj] of Object.entries({
    deployment: fx.deployment, service: fx.service, secret: fx.secret, configMap: fx.configMap, job: fx.job,
    role: fx.role, lease: fx.lease, 'events.k8s.io Event': fx.eventsV1, pod: fx.pod,
  })) {
    it(name, () => {
      assert.deepStrictEqual(roundTrip(obj), obj);
    });
  }

  it('keeps quantities, IntOrString ports and probes of a pod template', () => {
    const o = roundTrip(fx.deployment);
    const c = o.spec.template.spec.containers[0];
    assert.deepEqual(c.resources.limits, { cpu: '500m', memory: '256Mi' });
    assert.equal(c.livenessProbe.httpGet.port, 'http');
    assert.equal(c.readinessProbe.tcpSocket.port, 80);
    assert.equal(o.spec.strategy.rollingUpdate.maxUnavailable, '25%');
    assert.equal(o.spec.strategy.rollingUpdate.maxSurge, 1);
    assert.equal(o.spec.template.spec.tolerations[0].tolerationSeconds, 300);
    assert.deepEqual(o.metadata.managedFields[0].fieldsV1, fx.deployment.metadata.managedFields[0].fieldsV1);
  });

  it('keeps Secret bytes exactly', () => {
    const o = roundTrip(fx.secret);
    assert.deepEqual([...Buffer.from(o.data.binary, 'base64')], [0, 1, 2, 0xfe, 0xff, 0x80]);
    assert.equal(o.data.empty, '');
  });

  it('MicroTime keeps microseconds; Time drops sub-second parts', () => {
    const o = roundTrip(fx.lease);
    assert.equal(o.spec.acquireTime, '2024-05-06T07:08:09.123456Z');
    const d = decodeK8sProtobuf(encodeK8sProtobuf({ ...fx.configMap, metadata: { ...fx.configMap.metadata, creationTimestamp: '2024-05-06T09:08:09.75+02:00' } }));
    assert.equal(d.object.metadata.creationTimestamp, '2024-05-06T07:08:09Z');
  });

  it('canonicalizes quantities as upstream does', () => {
    const o = decodeK8sProtobuf(encodeK8sProtobuf({
      kind: 'ResourceQuota', apiVersion: 'v1', metadata: { name: 'q' },
      spec: { hard: { cpu: '1000m', memory: 1073741824, pods: '10' } },
    })).object;
    assert.deepEqual(o.spec.hard, { cpu: '1', memory: '1073741824', pods: '10' }); // a JSON number is DecimalSI
  });

  it('Go value fields: zero values dropped with omitempty, kept without; pointers kept', () => {
    const o = roundTrip({
      kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'z', creationTimestamp: null },
      spec: {
        replicas: 0, selector: { matchLabels: { a: 'b' } },
        template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: '', image: 'x', ports: [{ containerPort: 0 }], resources: {} }] } },
        strategy: {}, minReadySeconds: 0, paused: false,
      },
      status: {},
    });
    assert.equal(o.spec.replicas, 0); // *int32
    assert.ok(!('minReadySeconds' in o.spec)); // int32 omitempty
    assert.ok(!('paused' in o.spec)); // bool omitempty
    assert.equal(o.spec.template.spec.containers[0].name, ''); // string without omitempty
    assert.equal(o.spec.template.spec.containers[0].ports[0].containerPort, 0);
  });

  it('encodes absent value fields as gogo does and decodes them back to the JSON defaults', () => {
    const o = decodeK8sProtobuf(encodeK8sProtobuf({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n' } })).object;
    assert.deepStrictEqual(o, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', creationTimestamp: null }, spec: {}, status: {} });
  });

  it('inline structs (Volume.volumeSource, Probe.handler, EnvVar selectors) stay flat', () => {
    const o = roundTrip(fx.deployment);
    const vol = o.spec.template.spec.volumes[0];
    assert.deepEqual(Object.keys(vol), ['name', 'configMap']);
    assert.equal(vol.configMap.name, 'web-config');
    assert.deepEqual(o.spec.template.spec.containers[0].env[3].valueFrom.secretKeyRef, { name: 'creds', key: 'password' });
  });

  it('decodes into upstream JSON key order', () => {
    const o = roundTrip(fx.service);
    assert.deepEqual(Object.keys(o), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
    assert.deepEqual(Object.keys(o.spec.ports[1]), ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort']);
  });

  it('lists', () => {
    const list = {
      kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '100', continue: 'abc', remainingItemCount: 5 },
      items: [{ metadata: { name: 'a', creationTimestamp: null }, data: { k: 'v' } }, { metadata: { name: 'b', creationTimestamp: null } }],
    };
    assert.deepStrictEqual(roundTrip(list), list);
  });

  it('meta kinds in every group version: Status, DeleteOptions, WatchEvent', () => {
    const status = {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound',
      details: { name: 'x', kind: 'pods', causes: [{ reason: 'FieldValueInvalid', message: 'bad', field: 'spec' }], retryAfterSeconds: 1 }, code: 404,
    };
    assert.deepStrictEqual(roundTrip(status), status);
    const del = { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 0, preconditions: { uid: 'u' }, propagationPolicy: 'Foreground', dryRun: ['All'] };
    assert.deepStrictEqual(roundTrip(del), del);
    assert.ok(isProtobufSupported('batch/v1', 'Status'));
  });

  it('authentication/authorization reviews with ExtraValue maps', () => {
    const sar = {
      kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null },
      spec: {
        resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' },
        user: 'alice', groups: ['dev'], extra: { scopes: ['a', 'b'], empty: [] }, uid: 'u1',
      },
      status: { allowed: true, reason: 'RBAC: allowed' },
    };
    assert.deepStrictEqual(roundTrip(sar), sar);
    const tr = {
      kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null },
      spec: { token: 'abc', audiences: ['api'] },
      status: { authenticated: true, user: { username: 'system:serviceaccount:default:sa', uid: 'u', groups: ['system:serviceaccounts'], extra: { 'authentication.kubernetes.io/pod-name': ['p'] } }, audiences: ['api'] },
    };
    assert.deepStrictEqual(roundTrip(tr), tr);
  });

  it('autoscaling/v1 Scale and policy/v1 Eviction', () => {
    const scale = { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-06T07:08:09Z' }, spec: { replicas: 5 }, status: { replicas: 3, selector: 'app=web' } };
    assert.deepStrictEqual(roundTrip(scale), scale);
    const ev = { kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: 'p1', namespace: 'default', creationTimestamp: null }, deleteOptions: { gracePeriodSeconds: 30 } };
    assert.deepStrictEqual(roundTrip(ev), ev);
  });

  it('CertificateSigningRequest bytes fields', () => {
    const csr = {
      kind: 'CertificateSigningRequest', apiVersion: 'certificates.k8s.io/v1', metadata: { name: 'c', creationTimestamp: null },
      spec: { request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\n').toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 3600, usages: ['client auth'], username: 'u' },
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'ok', lastUpdateTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z' }], certificate: Buffer.from([1, 2, 3]).toString('base64') },
    };
    assert.deepStrictEqual(roundTrip(csr), csr);
  });

  it('RawExtension holding JSON (ControllerRevision.data)', () => {
    const cr = { kind: 'ControllerRevision', apiVersion: 'apps/v1', metadata: { name: 'web-1', creationTimestamp: null }, data: { spec: { template: { metadata: { labels: { a: 'b' } } } } }, revision: 3 };
    assert.deepStrictEqual(roundTrip(cr), cr);
  });
});

describe('protobuf watch frames', () => {
  it('length-prefixed WatchEvent frames with enveloped objects', () => {
    const f1 = encodeWatchEventFrame('ADDED', fx.configMap);
    const f2 = encodeWatchEventFrame('DELETED', fx.secret);
    assert.equal(f1.readUInt32BE(0), f1.length - 4);
    const stream = Buffer.concat([f1, f2, f1.subarray(0, 7)]);
    const { frames, rest } = splitFrames(stream);
    assert.equal(frames.length, 2);
    assert.equal(rest.length, 7);
    const e1 = decodeWatchEvent(frames[0]);
    assert.equal(e1.type, 'ADDED');
    assert.deepStrictEqual(e1.object, fx.configMap);
    const e2 = decodeWatchEvent(frames[1]);
    assert.equal(e2.type, 'DELETED');
    assert.deepStrictEqual(e2.object, fx.secret);
    // the frame body is a bare WatchEvent message: field 1 type, field 2 RawExtension{raw: k8s\0...}
    assert.equal(frames[0][0], 0x0a);
    const raw = decodeK8sProtobuf(Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0x0a, 0x0c, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x06, ...Buffer.from('Status')])]));
    assert.equal(raw.kind, 'Status');
  });

  it('a WatchEvent object decodes as a nested RawExtension (ERROR events carry Status)', () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 };
    const frame = encodeWatchEventFrame('ERROR', status);
    const e = decodeWatchEvent(frame.subarray(4));
    assert.deepStrictEqual(e, { type: 'ERROR', object: status });
  });
});

describe('protobuf errors', () => {
  it('unknown apiVersion/kind', () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('example.com/v1').tag(2, WireType.LengthDelimited).string('Widget').join();
    w.tag(2, WireType.LengthDelimited).bytes(new Uint8Array(0));
    const body = Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
    assert.throws(() => decodeK8sProtobuf(body), (e: unknown) => e instanceof ProtobufError && e.reason === 'UnsupportedKind' && e.httpStatus === 415);
    assert.throws(() => encodeK8sProtobuf({ apiVersion: 'example.com/v1', kind: 'Widget' }), (e: unknown) => e instanceof ProtobufError && e.reason === 'NotMarshalable' && e.httpStatus === 406);
    assert.equal(isProtobufSupported('example.com/v1', 'Widget'), false);
    assert.equal(isProtobufSupported('v1', 'PodSpec'), false);
    assert.equal(isProtobufSupported('v1', 'PodTemplateSpec'), false);
    assert.equal(isProtobufSupported('meta.k8s.io/v1', 'Table'), false);
    assert.equal(isProtobufSupported('apps/v1', 'Deployment'), true);
    assert.equal(isProtobufSupported('v1', 'PodLogOptions'), true);
  });

  it('malformed bytes never crash', () => {
    const good = encodeK8sProtobuf(fx.deployment);
    const bad: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('{"kind":"Pod"}'),
      PROTOBUF_MAGIC,
      Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0xff, 0xff, 0xff])]),
      good.subarray(0, good.length - 10),
      Buffer.concat([good.subarray(0, 40), Buffer.from([0x0f, 0x0f, 0x0f])]),
    ];
    // every truncation and many single-byte corruptions
    for (let n = 5; n < good.length; n += 7) bad.push(good.subarray(0, n));
    for (let i = 4; i < good.length; i += 13) {
      const c = Buffer.from(good);
      c[i] ^= 0xa5;
      bad.push(c);
    }
    let errors = 0;
    for (const b of bad) {
      try {
        decodeK8sProtobuf(b);
      } catch (e) {
        assert.ok(e instanceof ProtobufError, `unexpected ${String(e)}`);
        assert.ok(e.reason === 'Malformed' || e.reason === 'UnsupportedKind', e.message);
        errors++;
      }
    }
    assert.ok(errors > 10);
  });

  it('wrong wire types are reported', () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.Varint).int32(5); // ObjectMeta as a varint
    const raw = w.finish();
    const env = new BinaryWriter();
    env.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('v1').tag(2, WireType.LengthDelimited).string('Namespace').join();
    env.tag(2, WireType.LengthDelimited).bytes(raw);
    assert.throws(() => decodeK8sProtobuf(Buffer.concat([PROTOBUF_MAGIC, env.finish()])), /wrong wireType/);
  });

  it('bad field values on encode', () => {
    assert.throws(() => encodeK8sProtobuf({ ...fx.deployment, spec: { replicas: 'three' } }), /spec.replicas: expected an integer/);
    assert.throws(() => encodeK8sProtobuf({ ...fx.lease, spec: { acquireTime: 'yesterday' } }), /invalid RFC3339/);
    assert.throws(() => encodeK8sProtobuf({ kind: 'ResourceQuota', apiVersion: 'v1', spec: { hard: { cpu: 'lots' } } }), /invalid quantity/);
  });

  it('exports the content type', () => {
    assert.equal(PROTOBUF_CONTENT_TYPE, 'application/vnd.kubernetes.protobuf');
  });
});

describe('Go time and duration forms', () => {
  it('durations as time.Duration.String', () => {
    const cases: Array<[string, bigint]> = [
      ['0s', 0n], ['1ns', 1n], ['1.5µs', 1500n], ['250ms', 250_000_000n], ['1s', 1_000_000_000n], ['1m0s', 60_000_000_000n],
      ['1h0m0s', 3_600_000_000_000n], ['1h2m3.5s', 3_723_500_000_000n], ['-2m30s', -150_000_000_000n],
    ];
    for (const [s, n] of cases) {
      assert.equal(formatGoDuration(n), s);
      assert.equal(parseGoDuration(s), n);
    }
    assert.equal(parseGoDuration('1.5h'), 5_400_000_000_000n);
    assert.throws(() => parseGoDuration('5'));
  });

  it('RFC3339 with offsets and fractions', () => {
    assert.deepEqual(parseRFC3339('1970-01-01T00:00:00Z'), { seconds: 0n, nanos: 0 });
    assert.deepEqual(parseRFC3339('2024-01-02T05:04:05.000000123+02:00'), { seconds: 1704164645n, nanos: 123 });
    assert.deepEqual(parseRFC3339('1969-12-31T23:59:59Z'), { seconds: -1n, nanos: 0 });
    assert.throws(() => parseRFC3339('2024-13-01T00:00:00Z'));
  });
});
