import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Indexer, Lister } from '../../../src/client/informer.js';
import type { KubeObject } from '../../../src/client/rest.js';
import { defaultConfig } from '../../../src/scheduler/config/defaults.js';
import { CycleState } from '../../../src/scheduler/framework/interface.js';
import type { Listers } from '../../../src/scheduler/framework/interface.js';
import { FitError } from '../../../src/scheduler/framework/fiterror.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { node, pod } from './fixtures.js';

function lister<T extends KubeObject>(objs: T[]): Lister<T> {
  const ix = new Indexer<T>();
  for (const o of objs) ix.add(o);
  return new Lister(ix);
}

function withStorage(objs: { pvcs?: KubeObject[]; pvs?: KubeObject[]; scs?: KubeObject[] }): Scheduler {
  const listers: Listers = {
    pods: lister<KubeObject>([]) as unknown as Listers['pods'],
    namespaces: lister<KubeObject>([]) as Listers['namespaces'],
    pvcs: lister(objs.pvcs ?? []) as Listers['pvcs'],
    pvs: lister(objs.pvs ?? []) as Listers['pvs'],
    storageClasses: lister(objs.scs ?? []) as Listers['storageClasses'],
    pdbs: lister<KubeObject>([]) as Listers['pdbs'],
  };
  const s = new Scheduler({ config: defaultConfig({}), listers });
  s.cache.addNode(node('a', { labels: { zone: 'z1' } }));
  s.cache.addNode(node('b', { labels: { zone: 'z2' } }));
  return s;
}

function outcome(s: Scheduler, claim: string): string {
  const p = pod('p', { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] });
  try {
    return `-> ${s.schedulePod(s.profiles.get('default-scheduler')!, new CycleState(), p).host}`;
  } catch (e) {
    assert.ok(e instanceof FitError, String(e));
    return e.message;
  }
}

const pvc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name, namespace: 'default' }, spec });
const pv = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });

describe('VolumeBinding', () => {
  it('rejects missing claims and unbound Immediate claims in PreFilter', () => {
    const s = withStorage({ pvcs: [pvc('unbound', { storageClassName: 'fast' })], scs: [{ metadata: { name: 'fast' }, provisioner: 'x', volumeBindingMode: 'Immediate' } as KubeObject] });
    assert.equal(outcome(s, 'missing'), '0/2 nodes are available: persistentvolumeclaim "missing" not found.');
    assert.equal(outcome(s, 'unbound'), '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.');
  });

  it("follows a bound PV's node affinity", () => {
    const s = withStorage({
      pvcs: [pvc('bound', { volumeName: 'pv1' }), pvc('ghost', { volumeName: 'nope' })],
      pvs: [pv('pv1', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } })],
    });
    assert.equal(outcome(s, 'bound'), '-> b');
    assert.equal(outcome(s, 'ghost'), '0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).');
  });

  it('WaitForFirstConsumer: needs an available matching PV or a provisioner', () => {
    const local = { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject;
    const s = withStorage({
      pvcs: [pvc('wait', { storageClassName: 'local', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } })],
      pvs: [pv('pv-a', { storageClassName: 'local', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } })],
      scs: [local],
    });
    assert.equal(outcome(s, 'wait'), '-> a');
    const none = withStorage({ pvcs: [pvc('wait', { storageClassName: 'local' })], scs: [local] });
    assert.equal(outcome(none, 'wait'), "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.");
  });
});

describe('ImageLocality', () => {
  it('prefers the node that has the image', () => {
    const s = new Scheduler({ config: defaultConfig({}) });
    s.cache.addNode(node('has', { images: [{ names: ['docker.io/library/big:1'], sizeBytes: 800 * 1024 * 1024 }] }));
    s.cache.addNode(node('lacks'));
    const p = pod('p', { containers: [{ name: 'c', image: 'docker.io/library/big:1' }] });
    for (let i = 0; i < 5; i++) assert.equal(s.schedulePod(s.profiles.get('default-scheduler')!, new CycleState(), p).host, 'has');
  });
});
