// Tests for the strategic merge patch (src/apimachinery/patch/strategic-merge.ts): the examples of the
// "Update API Objects in Place Using kubectl patch" task page, every directive, upstream's list
// ordering, its error answers, and two-/three-way patch computation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyStrategicMergePatch, createStrategicMergePatch, createThreeWayMergePatch, goFormat, MergePatchConflictError,
} from '../../../src/apimachinery/patch/strategic-merge.js';
import { builtinPatchMeta, type PatchMeta } from '../../../src/apimachinery/patch/patch-meta.js';

const DEPLOYMENT = builtinPatchMeta('apps', 'Deployment')!;
const POD = builtinPatchMeta('', 'Pod')!;

/** A test type like upstream's MergeItem: merging lists by name, a set of ints, retainKeys fields. */
const ITEM: PatchMeta = { type: 'object', fields: {} };
const RETAIN_ITEM: PatchMeta = { type: 'object', strategy: ['retainKeys'], fields: {} };
ITEM.fields = {
  mergingList: { type: 'list', strategy: ['merge'], mergeKey: 'name', elem: ITEM },
  mergingIntList: { type: 'list', strategy: ['merge'], elem: { type: 'primitive' } },
  replacingItem: { type: 'object', strategy: ['replace'] },
  retainKeysMap: RETAIN_ITEM,
  retainKeysMergingList: { type: 'list', strategy: ['merge', 'retainKeys'], mergeKey: 'name', elem: ITEM },
};
RETAIN_ITEM.fields = ITEM.fields;

/** The Deployment of the task page (application/deployment-patch.yaml), as stored. */
function patchDemo(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'patch-demo', namespace: 'default', finalizers: ['example.com/a'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'patch-demo-ctr', image: 'nginx', imagePullPolicy: 'Always', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }],
          tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
        },
      },
    },
  };
}

function smpError(doc: unknown, patch: unknown, meta?: PatchMeta): any {
  try {
    applyStrategicMergePatch(doc, patch, meta);
  } catch (e) {
    return e;
  }
  assert.fail('expected the patch to fail');
}

// ---- the task page ----

test('docs: patching containers merges by name, the new container first', () => {
  const out = applyStrategicMergePatch(patchDemo(), { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } }, DEPLOYMENT);
  assert.deepEqual(out.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['patch-demo-ctr-2', 'redis'], ['patch-demo-ctr', 'nginx']]);
  assert.equal(out.spec.template.spec.containers[1].imagePullPolicy, 'Always');
});

test('docs: tolerations have no patch strategy, so the list is replaced', () => {
  const out = applyStrategicMergePatch(patchDemo(), { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } }, DEPLOYMENT);
  assert.deepEqual(out.spec.template.spec.tolerations, [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
});

test('docs: strategy type Recreate without $retainKeys keeps rollingUpdate (validation then rejects it)', () => {
  const out = applyStrategicMergePatch(patchDemo(), { spec: { strategy: { type: 'Recreate' } } }, DEPLOYMENT);
  assert.deepEqual(out.spec.strategy, { type: 'Recreate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
});

test('docs: $retainKeys clears the keys not listed', () => {
  const out = applyStrategicMergePatch(patchDemo(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT);
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
});

test('a patch for a field the $retainKeys list omits is a 400', () => {
  const e = smpError(patchDemo(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }, DEPLOYMENT);
  assert.equal(e.code, 400);
  assert.equal(e.message, 'invalid patch format of retainKeys');
  assert.equal(smpError({}, { $retainKeys: 'type' }).message, 'invalid patch format of retainKeys');
});

// ---- lists ----

test('env merges by name; $patch: delete removes an item; null removes a field', () => {
  const out = applyStrategicMergePatch(patchDemo(), {
    spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', imagePullPolicy: null, env: [{ name: 'B', value: 'x' }, { name: 'A', $patch: 'delete' }, { name: 'C', value: '3' }] }] } } },
  }, DEPLOYMENT);
  const c = out.spec.template.spec.containers[0];
  assert.equal(c.imagePullPolicy, undefined);
  assert.deepEqual(c.env, [{ name: 'B', value: 'x' }, { name: 'C', value: '3' }]);
});

test('$patch: replace in a merge list replaces the whole list', () => {
  const out = applyStrategicMergePatch(patchDemo(), {
    spec: { template: { spec: { containers: [{ name: 'only', image: 'busybox' }, { $patch: 'replace' }] } } },
  }, DEPLOYMENT);
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'only', image: 'busybox' }]);
  const empty = applyStrategicMergePatch({ mergingList: [{ name: 1 }, { name: 2 }] }, { mergingList: [{ $patch: 'replace' }] }, ITEM);
  assert.deepEqual(empty, { mergingList: [] });
});

test('$patch: replace / delete on maps', () => {
  const pod = { metadata: { labels: { a: '1', b: '2' } }, spec: { nodeSelector: { disk: 'ssd', zone: 'a' } } };
  assert.deepEqual(applyStrategicMergePatch(pod, { metadata: { labels: { $patch: 'replace', c: '3' } } }, POD).metadata.labels, { c: '3' });
  assert.deepEqual(applyStrategicMergePatch(pod, { spec: { nodeSelector: { $patch: 'delete' } } }, POD).spec.nodeSelector, {});
  assert.deepEqual(applyStrategicMergePatch({ name: 1, value: 1 }, { $patch: 'replace', other: 'a' }, ITEM), { other: 'a' });
  assert.deepEqual(applyStrategicMergePatch({ name: 1, value: 1 }, { $patch: 'replace' }, ITEM), {});
});

test('finalizers merge as a set; new entries come first, like upstream', () => {
  const d = patchDemo();
  assert.deepEqual(applyStrategicMergePatch(d, { metadata: { finalizers: ['example.com/b'] } }, DEPLOYMENT).metadata.finalizers, ['example.com/b', 'example.com/a']);
  assert.deepEqual(applyStrategicMergePatch(d, { metadata: { finalizers: ['example.com/a'] } }, DEPLOYMENT).metadata.finalizers, ['example.com/a']);
  assert.deepEqual(applyStrategicMergePatch({ mergingIntList: [1, 2] }, { mergingIntList: [2, 3] }, ITEM), { mergingIntList: [1, 2, 3] });
  assert.deepEqual(applyStrategicMergePatch({ mergingIntList: [1, 2, 3] }, { mergingIntList: [3, 1] }, ITEM), { mergingIntList: [2, 3, 1] });
});

test('$deleteFromPrimitiveList removes entries from a set list', () => {
  const d = patchDemo();
  d.metadata.finalizers = ['a', 'b', 'c', 'b'];
  assert.deepEqual(applyStrategicMergePatch(d, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } }, DEPLOYMENT).metadata.finalizers, ['a', 'c']);
  assert.equal(smpError(d, { metadata: { $deleteFromPrimitiveList: ['b'] } }, DEPLOYMENT).message, 'invalid patch format of primitive list');
});

test('$setElementOrder orders merged lists (server-only items keep their relative place)', () => {
  const cur = { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }, { name: 9 }, { name: 3, value: 3 }, { name: 4, value: 4 }] };
  const out = applyStrategicMergePatch(cur, { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }, { name: 4 }, { name: 3 }] }, ITEM);
  assert.deepEqual(out.mergingList.map((x: any) => x.name), [2, 1, 9, 4, 3]);
  const ints = applyStrategicMergePatch({ mergingIntList: [1, 2, 7, 9, 8, 3, 4] }, { '$setElementOrder/mergingIntList': [2, 1, 4, 3] }, ITEM);
  assert.deepEqual(ints.mergingIntList, [2, 1, 7, 9, 8, 4, 3]);
  const added = applyStrategicMergePatch({ mergingList: [{ name: 1 }, { name: 2, value: 2 }] }, {
    '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }],
    mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }],
  }, ITEM);
  assert.deepEqual(added.mergingList, [{ name: 4, value: 4 }, { name: 1 }, { name: 2, value: 2 }, { name: 3, value: 3 }]);
});

test('$setElementOrder that disagrees with the patch list is an error (500, upstream text)', () => {
  const e = smpError({ mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] }, {
    '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }],
    mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }],
  }, ITEM);
  assert.equal(e.code, 500);
  assert.equal(e.message, "The order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n");
  assert.equal(smpError({}, { $setElementOrder: [] }).message, 'invalid patch format of setElementOrder list');
});

test('volumes merge by name and honour $retainKeys per item', () => {
  const pod = { spec: { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'a' } }] } };
  const out = applyStrategicMergePatch(pod, { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'persistentVolumeClaim'], persistentVolumeClaim: { claimName: 'pvc' } }] } }, POD);
  assert.deepEqual(out.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }, { name: 'cfg', configMap: { name: 'a' } }]);
});

test('other merge keys: ports by containerPort, service ports by port, ownerReferences by uid, conditions by type', () => {
  const svcMeta = builtinPatchMeta('', 'Service')!;
  const svc = { spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } };
  assert.deepEqual(applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } }, svcMeta).spec.ports,
    [{ port: 80, targetPort: 9090, protocol: 'TCP' }, { port: 443 }]);
  const owner = { metadata: { ownerReferences: [{ uid: 'u1', name: 'a', kind: 'ReplicaSet' }] } };
  assert.deepEqual(applyStrategicMergePatch(owner, { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } }, POD).metadata.ownerReferences,
    [{ uid: 'u1', name: 'a', kind: 'ReplicaSet', controller: true }]);
  const pod = { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } };
  assert.deepEqual(applyStrategicMergePatch(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, POD).status.conditions,
    [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
  const ctr = { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } };
  assert.deepEqual(applyStrategicMergePatch(ctr, { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, name: 'http' }] }] } }, POD).spec.containers[0].ports,
    [{ containerPort: 80, name: 'http' }]);
});

test('without metadata, objects merge and lists are replaced', () => {
  const doc = { spec: { list: [1, 2], obj: { a: 1, b: 2 } } };
  assert.deepEqual(applyStrategicMergePatch(doc, { spec: { list: [3], obj: { b: null, c: 3 } } }), { spec: { list: [3], obj: { a: 1, c: 3 } } });
  assert.deepEqual(applyStrategicMergePatch(doc, { spec: { list: [3] } }, POD), { spec: { list: [3], obj: { a: 1, b: 2 } } });
});

test('added values are taken as they are; null for an absent key is dropped', () => {
  assert.deepEqual(applyStrategicMergePatch({ a: 1 }, { b: null, c: { d: 1 } }), { a: 1, c: { d: 1 } });
  assert.deepEqual(applyStrategicMergePatch({ a: { x: 1 } }, { a: 'scalar' }), { a: 'scalar' });
  assert.deepEqual(applyStrategicMergePatch({ a: 1 }, null), { a: 1 });
});

test('the input document and patch are not modified', () => {
  const d = patchDemo();
  const before = JSON.stringify(d);
  const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } }, metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } };
  const pBefore = JSON.stringify(patch);
  applyStrategicMergePatch(d, patch, DEPLOYMENT);
  assert.equal(JSON.stringify(d), before);
  assert.equal(JSON.stringify(patch), pBefore);
});

// ---- errors ----

test('a merge-list item without its merge key: 500 with upstream\'s message', () => {
  const e = smpError(patchDemo(), { spec: { template: { spec: { containers: [{ image: 'nginx:1.25' }] } } } }, DEPLOYMENT);
  assert.equal(e.code, 500);
  assert.equal(e.reason, '');
  assert.equal(e.message, 'map: map[image:nginx:1.25] does not contain declared merge key: name');
  assert.deepEqual(e.toStatus(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, code: 500 });
  const vol = smpError({ spec: { volumes: [] } }, { spec: { volumes: [{ $patch: 'delete' }] } }, POD);
  assert.equal(vol.message, 'map: map[$patch:delete] does not contain declared merge key: name');
});

test('unknown $patch values and $patch: merge are errors', () => {
  assert.equal(smpError({ a: {} }, { a: { $patch: 'foo', b: 1 } }).message, 'unknown patch type: foo in map: map[$patch:foo b:1]');
  assert.equal(smpError({}, { $patch: 'merge' }).message, 'unknown patch type: merge in map: map[$patch:merge]');
  assert.equal(smpError({ mergingList: [{ name: 1 }] }, { mergingList: [{ name: 1, $patch: 'merge' }] }, ITEM).message,
    'merging lists cannot yet be specified in the patch');
  assert.equal(smpError({ mergingList: [{ name: 1 }] }, { mergingList: [{ name: 1, $patch: 'foo' }] }, ITEM).message,
    'unknown patch type: foo in map: map[$patch:foo name:1]');
  assert.equal(smpError({ mergingList: [{ name: 1 }] }, { mergingList: [{ name: 1, $patch: 5 }] }, ITEM).message,
    'unknown patch type: %!s(int64=5) in map: map[$patch:5 name:1]');
});

test('lists of lists: 422 with the generic message; mixed element kinds: 500', () => {
  const e = smpError({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }, ITEM);
  assert.equal(e.code, 422);
  assert.equal(e.message, 'the server rejected our request due to an error in our request');
  assert.equal(e.detail, 'lists of lists are not supported');
  const m = smpError({ mergingIntList: [1] }, { mergingIntList: ['a'] }, ITEM);
  assert.equal(m.code, 500);
  assert.equal(m.message, 'list element types are not identical: [[1] [a]]');
});

test('a non-object patch is a 400 decode error', () => {
  assert.equal(smpError({}, [1]).message, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
});

// ---- computing patches ----

test('two-way patch: containers changed, added, env item removed, $setElementOrder', () => {
  const o = patchDemo();
  const m = patchDemo();
  m.spec.template.spec.containers = [
    { name: 'sidecar', image: 'busybox' },
    { name: 'patch-demo-ctr', image: 'nginx:1.25', imagePullPolicy: 'Always', env: [{ name: 'B', value: '2' }] },
  ];
  const p = createStrategicMergePatch(o, m, DEPLOYMENT);
  assert.deepEqual(p, {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'patch-demo-ctr' }],
          containers: [
            { image: 'busybox', name: 'sidecar' },
            { '$setElementOrder/env': [{ name: 'B' }], env: [{ $patch: 'delete', name: 'A' }], image: 'nginx:1.25', name: 'patch-demo-ctr' },
          ],
        },
      },
    },
  });
  assert.deepEqual(applyStrategicMergePatch(o, p, DEPLOYMENT), m);
});

test('two-way patch: labels (kubectl label on a built-in), finalizers, retainKeys', () => {
  const o = patchDemo();
  const m = patchDemo();
  m.metadata.labels = { team: 'a' };
  m.metadata.finalizers = ['example.com/b'];
  m.spec.strategy = { type: 'Recreate' };
  const p = createStrategicMergePatch(o, m, DEPLOYMENT);
  assert.deepEqual(p, {
    metadata: {
      '$deleteFromPrimitiveList/finalizers': ['example.com/a'],
      '$setElementOrder/finalizers': ['example.com/b'],
      finalizers: ['example.com/b'],
      labels: { team: 'a' },
    },
    spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } },
  });
  assert.deepEqual(applyStrategicMergePatch(o, p, DEPLOYMENT), m);
  assert.deepEqual(createStrategicMergePatch(o, o, DEPLOYMENT), {});
});

test('three-way patch (client-side apply): keeps live-only fields, deletes what left the config', () => {
  const original = { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 2 } };
  const modified = { metadata: { labels: { a: '1', c: '3' } }, spec: { replicas: 3 } };
  const current = { metadata: { labels: { a: '1', b: '2', live: 'x' } }, spec: { replicas: 5, paused: false } };
  const p = createThreeWayMergePatch(original, modified, current, DEPLOYMENT);
  assert.deepEqual(p, { metadata: { labels: { b: null, c: '3' } }, spec: { replicas: 3 } });
  assert.deepEqual(applyStrategicMergePatch(current, p, DEPLOYMENT), { metadata: { labels: { a: '1', live: 'x', c: '3' } }, spec: { replicas: 3, paused: false } });
});

test('three-way patch with merge lists and $setElementOrder (upstream case)', () => {
  const original = { mergingList: [{ name: 1 }, { name: 3, value: 3 }, { name: 2, value: 2 }] };
  const modified = { mergingList: [{ name: 4, value: 4 }, { name: 2, value: 2 }, { name: 1 }] };
  const current = { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }, { name: 3, value: 3 }] };
  const p = createThreeWayMergePatch(original, modified, current, ITEM);
  assert.deepEqual(p, {
    '$setElementOrder/mergingList': [{ name: 4 }, { name: 2 }, { name: 1 }],
    mergingList: [{ name: 4, value: 4 }, { $patch: 'delete', name: 3 }],
  });
  assert.deepEqual(applyStrategicMergePatch(current, p, ITEM), {
    mergingList: [{ name: 4, value: 4 }, { name: 2, value: 2, other: 'b' }, { name: 1, other: 'a' }],
  });
});

test('three-way patch without overwrite reports conflicts', () => {
  const original = { name: 1 };
  const modified = { name: 1, value: 1 };
  assert.deepEqual(createThreeWayMergePatch(original, modified, { name: 1, other: 'a' }, ITEM, false), { value: 1 });
  assert.throws(() => createThreeWayMergePatch({ value: 0 }, { value: 1 }, { value: 2 }, ITEM, false), MergePatchConflictError);
  assert.deepEqual(createThreeWayMergePatch({ value: 0 }, { value: 1 }, { value: 2 }, ITEM, true), { value: 1 });
});

test('goFormat renders values like Go\'s %v', () => {
  assert.equal(goFormat({ b: [1, 'x', null], a: { c: true } }), 'map[a:map[c:true] b:[1 x <nil>]]');
  assert.equal(goFormat(1.5), '1.5');
  assert.equal(goFormat(0.00001), '1e-05');
  assert.equal(goFormat('s', 's'), 's');
  assert.equal(goFormat(true, 's'), '%!s(bool=true)');
});
