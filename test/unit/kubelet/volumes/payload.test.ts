// Payloads of configMap, secret, downwardAPI and projected volumes: key → path mapping, modes,
// optional objects and keys, downward API formatting, and upstream's error messages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  ObjectNotFoundError,
  configMapPayload,
  configMapVolumePayload,
  downwardAPIPayload,
  projectedPayload,
  secretPayload,
} from '../../../../src/kubelet/volumes/payload.js';
import type { PayloadSources } from '../../../../src/kubelet/volumes/payload.js';
import type { Payload } from '../../../../src/kubelet/volumes/atomic-writer.js';
import { extractResourceValue, formatMap, goQuote } from '../../../../src/kubelet/volumes/downward.js';

const text = (p: Payload) => Object.fromEntries([...p].map(([k, v]) => [k, [v.data.toString('utf8'), v.mode.toString(8)]]));

const pod: Pod = {
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { 'k8s.io/x': 'a "quoted"\nline\ttab\\' } },
  spec: {
    nodeName: 'n1',
    containers: [
      { name: 'c', image: 'busybox', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } } },
      { name: 'nolimits', image: 'busybox' },
    ],
  },
};

describe('configMap and secret payloads', () => {
  const cm = { data: { a: 'A', b: 'B' }, binaryData: { bin: Buffer.from([0, 1, 2]).toString('base64') } };

  it('all keys at their names with defaultMode when items is empty (binaryData too)', () => {
    const p = configMapPayload(undefined, cm, 0o644, false);
    assert.deepEqual(text(p), { a: ['A', '644'], b: ['B', '644'], bin: ['\u0000\u0001\u0002', '644'] });
  });

  it('items: only the listed keys, at their paths, with their own mode', () => {
    const p = configMapPayload([{ key: 'a', path: 'dir/renamed' }, { key: 'bin', path: 'b.bin', mode: 0o400 }], cm, 0o640, false);
    assert.deepEqual(text(p), { 'dir/renamed': ['A', '640'], 'b.bin': ['\u0000\u0001\u0002', '400'] });
  });

  it('a missing key fails unless the volume is optional', () => {
    assert.throws(() => configMapPayload([{ key: 'zz', path: 'z' }], cm, 0o644, false), { message: 'configmap references non-existent config key: zz' });
    assert.deepEqual(text(configMapPayload([{ key: 'zz', path: 'z' }, { key: 'a', path: 'a' }], cm, 0o644, true)), { a: ['A', '644'] });
    assert.throws(() => secretPayload([{ key: 'zz', path: 'z' }], { data: {} }, 0o644, false), { message: 'secret references non-existent secret key: zz' });
  });

  it('secret data is decoded from base64', () => {
    const p = secretPayload(undefined, { data: { password: Buffer.from('s3cr3t').toString('base64') } }, 0o644, false);
    assert.deepEqual(text(p), { password: ['s3cr3t', '644'] });
  });

  it('a missing object: `configmap "x" not found` unless optional (then an empty volume)', async () => {
    const src = fakeSources({});
    await assert.rejects(configMapVolumePayload(src, pod, { name: 'x' }, 0o644), { message: 'configmap "x" not found' });
    assert.equal((await configMapVolumePayload(src, pod, { name: 'x', optional: true }, 0o644)).size, 0);
  });
});

describe('downward API', () => {
  it('labels and annotations are sorted key="value" lines quoted as Go %q, without a final newline', () => {
    assert.equal(formatMap({ tier: 'front', app: 'web' }), 'app="web"\ntier="front"');
    assert.equal(goQuote('a "quoted"\nline\ttab\\'), '"a \\"quoted\\"\\nline\\ttab\\\\"');
    assert.equal(goQuote('é\u0000\u2028'), '"é\\x00\\u2028"');
    assert.equal(formatMap({}), '');
  });

  it('fieldRef items: metadata fields, subscripts, and an unsupported path fails', () => {
    const items = [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' }, mode: 0o600 },
      { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
      { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
      { path: 'missing', fieldRef: { fieldPath: "metadata.annotations['nope']" } },
    ];
    assert.deepEqual(text(downwardAPIPayload(items, pod, 0o644, {})), {
      labels: ['app="web"\ntier="front"', '644'],
      annotations: ['k8s.io/x="a \\"quoted\\"\\nline\\ttab\\\\"', '644'],
      name: ['web', '644'],
      ns: ['prod', '600'],
      uid: ['u-1', '644'],
      tier: ['front', '644'],
      missing: ['', '644'],
    });
    assert.throws(() => downwardAPIPayload([{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }], pod, 0o644, {}), { message: 'unsupported fieldPath: status.podIP' });
  });

  it('resourceFieldRef: divided by the divisor and rounded up; unset limits are node allocatable', () => {
    const alloc = { cpu: '4', memory: '8Gi' };
    const v = (resource: string, divisor?: string, containerName = 'c') => extractResourceValue({ resource, divisor, containerName }, pod, containerName, alloc);
    assert.equal(v('limits.cpu'), '1'); // 250m rounded up to whole cores
    assert.equal(v('limits.cpu', '1m'), '250');
    assert.equal(v('requests.cpu', '1m'), '100');
    assert.equal(v('limits.memory'), String(64 * 1024 * 1024));
    assert.equal(v('limits.memory', '1Mi'), '64');
    assert.equal(v('requests.memory', '1M'), '34'); // 33554432 / 1e6 rounded up
    assert.equal(v('limits.cpu', undefined, 'nolimits'), '4');
    assert.equal(v('limits.memory', '1Gi', 'nolimits'), '8');
    assert.equal(v('requests.cpu', '1m', 'nolimits'), '0');
    assert.throws(() => v('limits.cpu', undefined, 'nope'), { message: 'failed to find container: nope' });
    assert.throws(() => v('limits.gpu'), { message: 'unsupported container resource : limits.gpu' });
  });
});

function fakeSources(objs: { configMaps?: Record<string, any>; secrets?: Record<string, any> }, token = 'tok'): PayloadSources & { tokenCalls: any[] } {
  const tokenCalls: any[] = [];
  return {
    tokenCalls,
    async getConfigMap(_ns, name) {
      const o = objs.configMaps?.[name];
      if (!o) throw new ObjectNotFoundError('configmap', name);
      return o;
    },
    async getSecret(_ns, name) {
      const o = objs.secrets?.[name];
      if (!o) throw new ObjectNotFoundError('secret', name);
      return o;
    },
    async getToken(p, s) {
      tokenCalls.push([p.metadata?.name, s]);
      return token;
    },
    allocatable: () => ({ cpu: '2', memory: '1Gi' }),
  };
}

describe('projected payload', () => {
  const kubeApiAccess = {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };

  it('the kube-api-access volume: token, ca.crt and namespace', async () => {
    const src = fakeSources({ configMaps: { 'kube-root-ca.crt': { data: { 'ca.crt': 'PEM' } } } }, 'jwt');
    const p = await projectedPayload(src, pod, kubeApiAccess, {});
    assert.deepEqual(text(p), { token: ['jwt', '644'], 'ca.crt': ['PEM', '644'], namespace: ['prod', '644'] });
    assert.deepEqual(src.tokenCalls, [['web', { expirationSeconds: 3607, path: 'token' }]]);
  });

  it('the token file is 0600 when the pod has an fsGroup or fsUser, and owned by the fsUser', async () => {
    const src = fakeSources({ configMaps: { 'kube-root-ca.crt': { data: { 'ca.crt': 'PEM' } } } });
    const p = await projectedPayload(src, pod, kubeApiAccess, { fsGroup: 2000, fsUser: 1000 });
    assert.equal(p.get('token')!.mode, 0o600);
    assert.equal(p.get('token')!.fsUser, 1000);
    assert.equal(p.get('ca.crt')!.mode, 0o644);
  });

  it('errors of several sources are aggregated; optional sources may be missing', async () => {
    const src = fakeSources({});
    const proj = { sources: [{ configMap: { name: 'a' } }, { secret: { name: 'b' } }, { secret: { name: 'c', optional: true } }] };
    await assert.rejects(projectedPayload(src, pod, proj, {}), { message: '[configmap "a" not found, secret "b" not found]' });
  });
});
