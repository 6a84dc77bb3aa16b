import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAuditAnnotation,
  addWarning,
  admissionAuditAnnotations,
  admissionForbidden,
  admissionWarnings,
  aggregateMessages,
  podResources,
  requestName,
} from '../../../src/apiserver/admission/common.js';
import { pod, scope } from './helpers.js';

describe('admission common', () => {
  test('aggregateMessages as utilerrors.NewAggregate', () => {
    assert.equal(aggregateMessages(['a']), 'a');
    assert.equal(aggregateMessages(['a', 'a']), 'a');
    assert.equal(aggregateMessages(['a', 'b', 'a']), '[a, b]');
  });

  test('the name in admission errors: URL name, object name, generateName, Unknown', () => {
    assert.equal(requestName(scope('', 'pods', { name: 'url' }), { metadata: { name: 'obj' } }), 'url');
    assert.equal(requestName(scope('', 'pods'), { metadata: { name: 'obj' } }), 'obj');
    assert.equal(requestName(scope('', 'pods'), { metadata: { generateName: 'web-' } }), 'web-');
    assert.equal(requestName(scope('', 'pods'), undefined), 'Unknown');
    const err = admissionForbidden(scope('apps', 'deployments'), { metadata: { name: 'd' } }, 'why');
    assert.equal(err.message, 'deployments.apps "d" is forbidden: why');
    assert.deepEqual(err.toStatus().details, { name: 'd', group: 'apps', kind: 'deployments' });
  });

  test('warnings are kept once per request; audit annotations by key', () => {
    const s = scope('', 'pods');
    const seen: string[] = [];
    const withWarn = Object.assign(scope('', 'pods'), { warn: (t: string) => seen.push(t) });
    addWarning(s, 'w1');
    addWarning(s, 'w1');
    addWarning(s, 'w2');
    addWarning(withWarn, 'x');
    addAuditAnnotation(s, 'k', 'v1');
    addAuditAnnotation(s, 'k', 'v2');
    assert.deepEqual(admissionWarnings(s), ['w1', 'w2']);
    assert.deepEqual(seen, ['x']);
    assert.deepEqual(admissionAuditAnnotations(s), { k: 'v2' });
    assert.deepEqual(admissionWarnings(scope('', 'pods')), []);
  });

  test('podResources: containers summed, init containers maxed, sidecars added, overhead', () => {
    const p = pod('x', {
      containers: [{ name: 'a', resources: { requests: { cpu: '100m' }, limits: { cpu: '1' } } }, { name: 'b', resources: { requests: { cpu: '200m', memory: '1Gi' } } }],
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        { name: 'big', resources: { requests: { cpu: '2', memory: '100Mi' } } },
      ],
      overhead: { cpu: '10m', memory: '1Mi' },
    });
    const req = podResources(p.spec, 'requests', true);
    // max(100m+200m+50m, 2+50m) + 10m
    assert.equal(req.get('cpu')!.toString(), '2060m');
    assert.equal(req.get('memory')!.toString(), '1025Mi');
    const lim = podResources(p.spec, 'limits', true);
    assert.equal(lim.get('cpu')!.toString(), '1010m');
    assert.equal(lim.get('memory'), undefined);
  });
});
