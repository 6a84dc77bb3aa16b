// Resource quota usage recomputation: evaluators over objects, masking, status changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quotaUsageStats } from '../../../src/apiserver/admission/resourcequota.js';
import { nextQuotaStatus, resourcesToEvaluate, resourceListsEqual } from '../../../src/controllers/resourcequota/usage.js';
import type { ResourceQuota } from '../../../src/controllers/util/types.js';

const quota = (hard: Record<string, string>, extra: Partial<ResourceQuota['spec']> = {}): ResourceQuota => ({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard, ...extra } });
const pod = (cpu: string, phase = 'Running', extra: Record<string, unknown> = {}) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '64Mi' }, limits: { cpu } } }], ...extra }, status: { phase } });

test('pods: compute resources of running pods only; count/pods counts all', () => {
  const q = quota({ pods: '10', 'count/pods': '10', 'requests.cpu': '4', 'limits.cpu': '4', 'requests.memory': '1Gi' });
  const u = quotaUsageStats('', 'pods', q, [pod('500m'), pod('250m'), pod('1', 'Succeeded')]);
  assert.equal(u.get('pods')!.toString(), '2');
  assert.equal(u.get('count/pods')!.toString(), '3');
  assert.equal(u.get('requests.cpu')!.toString(), '750m');
  assert.equal(u.get('limits.cpu')!.toString(), '750m');
  assert.equal(u.get('requests.memory')!.toString(), '128Mi');
});

test('scopes: BestEffort and Terminating select the pods counted', () => {
  const be = { metadata: { name: 'be' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } };
  assert.equal(quotaUsageStats('', 'pods', quota({ pods: '5' }, { scopes: ['BestEffort'] }), [be, pod('1')]).get('pods')!.toString(), '1');
  assert.equal(quotaUsageStats('', 'pods', quota({ pods: '5' }, { scopes: ['NotBestEffort'] }), [be, pod('1'), pod('2')]).get('pods')!.toString(), '2');
  assert.equal(quotaUsageStats('', 'pods', quota({ pods: '5' }, { scopes: ['Terminating'] }), [pod('1', 'Running', { activeDeadlineSeconds: 30 }), pod('1')]).get('pods')!.toString(), '1');
});

test('services, configmaps and generic counts; zero for limited names without objects', () => {
  const q = quota({ services: '5', 'services.nodeports': '5', configmaps: '3', 'count/deployments.apps': '2' });
  const svcs = [{ spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81 }] } }, { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }];
  const s = quotaUsageStats('', 'services', q, svcs);
  assert.deepEqual([s.get('services')!.toString(), s.get('services.nodeports')!.toString()], ['2', '2']);
  assert.equal(quotaUsageStats('', 'configmaps', q, [{}, {}]).get('configmaps')!.toString(), '2');
  assert.equal(quotaUsageStats('apps', 'deployments', q, []).get('count/deployments.apps')!.toString(), '0');
  assert.equal(quotaUsageStats('', 'secrets', q, [{}]).size, 0);
});

test('resourcesToEvaluate adds the count/ resources beyond the core ones', () => {
  const r = resourcesToEvaluate({ pods: '1', 'count/deployments.apps': '1', 'count/configmaps': '1', 'count/widgets.example.com': '1' });
  assert.ok(r.some((x) => x.group === 'apps' && x.resource === 'deployments'));
  assert.ok(r.some((x) => x.group === 'example.com' && x.resource === 'widgets'));
  assert.equal(r.filter((x) => x.resource === 'configmaps').length, 1);
});

test('status: hard from spec, used masked to hard, unknown usage kept, no write when current', async () => {
  const { parseQuantity } = await import('../../../src/apimachinery/quantity.js');
  const q = quota({ pods: '10', 'example.com/thing': '3' });
  q.status = { hard: { pods: '10' }, used: { pods: '4', 'example.com/thing': '1', stale: '9' } };
  const s = nextQuotaStatus(q, new Map([['pods', parseQuantity('2')], ['configmaps', parseQuantity('1')]]));
  assert.deepEqual(s, { hard: { pods: '10', 'example.com/thing': '3' }, used: { pods: '2', 'example.com/thing': '1' } });
  q.status = s;
  assert.equal(nextQuotaStatus(q, new Map([['pods', parseQuantity('2')]])), undefined);
  assert.ok(resourceListsEqual({ cpu: '1' }, { cpu: '1000m' }));
});
