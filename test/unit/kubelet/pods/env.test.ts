// Env resolution: $(VAR) expansion, fieldRef, resourceFieldRef with divisor, ConfigMap/Secret
// references (optional and missing), envFrom with prefix, service link variables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, Service } from 'kubernetes-types/core/v1.js';
import { expand } from '../../../../src/kubelet/pods/expansion.js';
import { ContainerConfigError, makeEnvironment, resourceFieldValue, serviceEnv, type EnvSource } from '../../../../src/kubelet/pods/env.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const node = { cpuMilli: 4000, memoryBytes: 8 * 1024 ** 3, ephemeralStorageBytes: 100 * 1024 ** 3 };
const svc = (name: string, ip: string, ports: Service['spec'] extends infer S ? any : never): Service => ({ metadata: { name }, spec: { clusterIP: ip, ports } });

function source(extra: Partial<EnvSource> = {}): EnvSource {
  return {
    getConfigMap: async (_ns, name) => (name === 'cfg' ? { data: { color: 'blue', 'bad key': 'x' } } : undefined),
    getSecret: async (_ns, name) => (name === 'sec' ? { data: { password: b64('hunter2') } } : undefined),
    listServices: async () => [svc('my-db', '10.0.0.5', [{ name: 'sql', port: 5432, protocol: 'TCP' }])],
    ...extra,
  };
}

const pod = (c: Container, more: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { app: 'x' } }, spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [c], ...more } as Pod['spec'] });

describe('expand', () => {
  const env: Record<string, string> = { A: 'a', EMPTY: '' };
  const lookup = (n: string) => env[n];
  it('replaces defined variables and keeps the rest as written', () => {
    assert.equal(expand('x-$(A)-$(B)-$(EMPTY)', lookup), 'x-a-$(B)-');
    assert.equal(expand('$$(A) $$ $', lookup), '$(A) $ $');
    assert.equal(expand('$(A', lookup), '$(A');
    assert.equal(expand('$x', lookup), '$x');
  });
});

describe('makeEnvironment', () => {
  it('resolves every source in order', async () => {
    const c: Container = {
      name: 'c',
      resources: { limits: { memory: '64Mi', cpu: '500m' } },
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
      env: [
        { name: 'N', value: 'world' },
        { name: 'G', value: 'hello $(N) $(MY_DB_SERVICE_HOST)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
      ],
    };
    const invalid: string[] = [];
    const env = await makeEnvironment({ pod: pod(c), container: c, podIPs: ['10.1.0.2', 'fd00::2'], hostIPs: ['192.168.0.1'], node, source: source(), masterServices: [svc('kubernetes', '10.32.0.1', [{ name: 'https', port: 443 }])], invalidNames: invalid });
    const m = new Map(env.map((e) => [e.key, e.value]));
    assert.equal(m.get('G'), 'hello world 10.0.0.5');
    assert.equal(m.get('POD'), 'p');
    assert.equal(m.get('APP'), 'x');
    assert.equal(m.get('IPS'), '10.1.0.2,fd00::2');
    assert.equal(m.get('SA'), 'sa');
    assert.equal(m.get('MEM'), '64');
    assert.equal(m.get('CPU'), '1');
    assert.equal(m.get('COLOR'), 'blue');
    assert.equal(m.get('PASS'), 'hunter2');
    assert.equal(m.has('OPT'), false);
    assert.equal(m.get('CFG_color'), 'blue');
    assert.deepEqual(invalid, ['CFG_bad key']);
    assert.equal(m.get('KUBERNETES_SERVICE_HOST'), '10.32.0.1');
    assert.equal(m.get('KUBERNETES_SERVICE_PORT'), '443');
    assert.equal(m.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    assert.equal(m.get('MY_DB_PORT'), 'tcp://10.0.0.5:5432');
    assert.equal(m.get('MY_DB_PORT_5432_TCP_ADDR'), '10.0.0.5');
  });

  it('leaves out service links when enableServiceLinks is false, but keeps the master service', async () => {
    const c: Container = { name: 'c' };
    const env = await makeEnvironment({ pod: pod(c, { enableServiceLinks: false }), container: c, podIPs: [], hostIPs: [], node, source: source(), masterServices: [svc('kubernetes', '10.32.0.1', [{ port: 443 }])] });
    const keys = env.map((e) => e.key);
    assert.ok(keys.includes('KUBERNETES_SERVICE_HOST'));
    assert.ok(!keys.some((k) => k.startsWith('MY_DB')));
  });

  it('fails with upstream messages on missing references', async () => {
    const run = (e: Container['env']) => {
      const c: Container = { name: 'c', env: e };
      return makeEnvironment({ pod: pod(c), container: c, podIPs: [], hostIPs: [], node, source: source(), masterServices: [] });
    };
    await assert.rejects(run([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }]), (e: Error) => e instanceof ContainerConfigError && e.message === 'configmap "gone" not found');
    await assert.rejects(run([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }]), /couldn't find key k in ConfigMap ns\/cfg/);
    await assert.rejects(run([{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }]), /couldn't find key k in Secret ns\/sec/);
    await assert.rejects(run([{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }]), /secret "gone" not found/);
  });

  it('defaults resource limits to the node allocatable and rounds up by the divisor', () => {
    assert.equal(resourceFieldValue({ name: 'c' }, 'limits.cpu', undefined, node), '4');
    assert.equal(resourceFieldValue({ name: 'c' }, 'limits.cpu', '1m', node), '4000');
    assert.equal(resourceFieldValue({ name: 'c', resources: { requests: { cpu: '250m' } } }, 'requests.cpu', '1', node), '1');
    assert.equal(resourceFieldValue({ name: 'c', resources: { requests: { memory: '1500Ki' } } }, 'requests.memory', '1Mi', node), '2');
    assert.equal(resourceFieldValue({ name: 'c' }, 'limits.memory', undefined, node), String(8 * 1024 ** 3));
  });

  it('writes the docker link variables of each port', () => {
    const v = serviceEnv([svc('web', '10.0.0.9', [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }])]);
    const m = new Map(v.map((x) => [x.name, x.value]));
    assert.equal(m.get('WEB_SERVICE_PORT'), '80');
    assert.equal(m.get('WEB_PORT_53_UDP'), 'udp://10.0.0.9:53');
    assert.equal(m.get('WEB_PORT_53_UDP_PROTO'), 'udp');
    assert.equal(serviceEnv([svc('headless', 'None', [{ port: 80 }])]).length, 0);
  });
});
