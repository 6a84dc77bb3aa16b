import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { extendedResourceTolerationPlugin } from '../../../src/apiserver/admission/extendedresourcetoleration.js';
import { limitPodHardAntiAffinityTopologyPlugin } from '../../../src/apiserver/admission/limitpodhardantiaffinitytopology.js';
import { pod, rejection, run, scope } from './helpers.js';

const s = () => scope('', 'pods', { namespace: 'ns' });

describe('LimitPodHardAntiAffinityTopology', () => {
  const p = limitPodHardAntiAffinityTopologyPlugin();
  const anti = (topologyKey: string) => pod('x', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {}, topologyKey }] } } });

  test('only kubernetes.io/hostname for required anti-affinity', async () => {
    await run(p, 'CREATE', anti('kubernetes.io/hostname'), undefined, s());
    const err = await rejection(run(p, 'CREATE', anti('topology.kubernetes.io/zone'), undefined, s()));
    assert.equal(err.message, 'pods "x" is forbidden: affinity.PodAntiAffinity.RequiredDuringScheduling has TopologyKey topology.kubernetes.io/zone but only key kubernetes.io/hostname is allowed');
  });
});

describe('ExtendedResourceToleration', () => {
  const p = extendedResourceTolerationPlugin();

  test('pods requesting extended resources tolerate their taints, sorted, once', async () => {
    const obj = pod('x', {
      containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1', 'nvidia.com/gpu': '1' } } }],
      initContainers: [{ name: 'i', image: 'i', resources: { requests: { 'example.com/fpga': '1', 'kubernetes.io/foo': '1' } } }],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'other', operator: 'Exists' }],
    });
    await run(p, 'CREATE', obj, undefined, s());
    assert.deepEqual(obj.spec.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'other', operator: 'Exists' },
      { key: 'example.com/fpga', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    const plain = pod('y');
    await run(p, 'CREATE', plain, undefined, s());
    assert.equal(plain.spec.tolerations, undefined);
  });
});
