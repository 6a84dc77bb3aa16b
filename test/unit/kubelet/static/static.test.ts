// Static pods: upstream's naming (<name>-<node>), a UID hashed from the file content, node and
// path, the config annotations and NoExecute toleration, the mirror pod owned by the Node, and
// the file source handing new, changed and removed files to the pod lifecycle.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isMirrorPod, mirrorPodFor, staticPodFromFile, staticPodName, staticPodUID, StaticPodError } from '../../../../src/kubelet/static/pod.js';
import { StaticPodSource } from '../../../../src/kubelet/static/source.js';
import { logger } from '../../../../src/util/klog.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: httpd
    image: k8ts.io/busybox:latest
    command: ["httpd", "-f"]
`;

describe('static pod from a file', () => {
  it('names, identifies and annotates the pod as upstream', () => {
    const pod = staticPodFromFile(MANIFEST, '/etc/kubernetes/manifests/web.yaml', 'node-0', '2026-01-01T00:00:00.000000000Z');
    assert.equal(pod.metadata!.name, 'web-node-0');
    assert.equal(pod.metadata!.namespace, 'default');
    assert.match(pod.metadata!.uid!, /^[0-9a-f]{32}$/);
    assert.equal(pod.metadata!.uid, staticPodUID(MANIFEST, 'node-0', '/etc/kubernetes/manifests/web.yaml'));
    assert.deepEqual(pod.metadata!.annotations, {
      'kubernetes.io/config.hash': pod.metadata!.uid,
      'kubernetes.io/config.seen': '2026-01-01T00:00:00.000000000Z',
      'kubernetes.io/config.source': 'file',
    });
    assert.equal(pod.spec!.nodeName, 'node-0');
    assert.deepEqual(pod.spec!.tolerations, [{ operator: 'Exists', effect: 'NoExecute' }]);
    assert.equal(staticPodName('etcd', 'cp-1'), 'etcd-cp-1');
  });

  it('gives a new UID to new content, another node or another path', () => {
    const uid = staticPodUID(MANIFEST, 'node-0', '/m/web.yaml');
    assert.notEqual(staticPodUID(MANIFEST + '# edit\n', 'node-0', '/m/web.yaml'), uid);
    assert.notEqual(staticPodUID(MANIFEST, 'node-1', '/m/web.yaml'), uid);
    assert.notEqual(staticPodUID(MANIFEST, 'node-0', '/m/web2.yaml'), uid);
    assert.equal(staticPodUID(MANIFEST, 'node-0', '/m/web.yaml'), uid);
  });

  it('reads JSON and keeps a given namespace', () => {
    const pod = staticPodFromFile(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'i' }] } }), '/m/x.json', 'n', 't');
    assert.equal(pod.metadata!.namespace, 'kube-system');
    assert.equal(pod.metadata!.name, 'x-n');
  });

  it('rejects what is not one Pod, naming the file', () => {
    assert.throws(() => staticPodFromFile('kind: Service\napiVersion: v1\nmetadata: {name: s}\n', '/m/s.yaml', 'n', 't'), (e: Error) => e instanceof StaticPodError && /\/m\/s\.yaml: invalid pod/.test(e.message));
    assert.throws(() => staticPodFromFile('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n', '/m/p.yaml', 'n', 't'), /spec\.containers is required/);
    assert.throws(() => staticPodFromFile('', '/m/e.yaml', 'n', 't'), /empty file/);
    assert.throws(() => staticPodFromFile(MANIFEST + '---\n' + MANIFEST, '/m/two.yaml', 'n', 't'), /exactly one Pod/);
  });

  it('makes the mirror pod: the mirror annotation and the Node as controller owner, no UID', () => {
    const pod = staticPodFromFile(MANIFEST, '/m/web.yaml', 'node-0', 't');
    const mirror = mirrorPodFor(pod, { name: 'node-0', uid: 'node-uid' });
    assert.equal(mirror.metadata!.uid, undefined);
    assert.equal(mirror.metadata!.annotations!['kubernetes.io/config.mirror'], pod.metadata!.uid);
    assert.deepEqual(mirror.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-0', uid: 'node-uid', controller: true }]);
    assert.equal(mirror.spec!.nodeName, 'node-0');
    assert.ok(isMirrorPod(mirror));
    assert.ok(!isMirrorPod(pod));
  });
});

describe('static pod source', () => {
  it('hands new, edited and removed files to the pod lifecycle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    const events: string[] = [];
    const src = new StaticPodSource({
      dir,
      nodeName: 'node-0',
      periodMs: 60_000,
      nodeUID: () => undefined,
      upsertPod: (p: Pod, source) => events.push(`upsert ${p.metadata!.name} ${source} ${p.metadata!.uid!.slice(0, 6)}`),
      removePod: (uid) => events.push(`remove ${uid.slice(0, 6)}`),
      log: logger('test'),
    });
    try {
      const path = join(dir, 'web.yaml');
      writeFileSync(path, MANIFEST);
      writeFileSync(join(dir, '.hidden.yaml'), MANIFEST);
      writeFileSync(join(dir, 'broken.yaml'), 'kind: Pod\n');
      src.scan();
      const uid1 = staticPodUID(MANIFEST, 'node-0', path).slice(0, 6);
      assert.deepEqual(events, [`upsert web-node-0 file ${uid1}`]);
      src.scan();
      assert.equal(events.length, 1, 'an unchanged file is not handed again');
      const edited = MANIFEST.replace('httpd", "-f"', 'httpd", "-f", "-v"');
      writeFileSync(path, edited);
      src.scan();
      const uid2 = staticPodUID(edited, 'node-0', path).slice(0, 6);
      assert.deepEqual(events.slice(1), [`remove ${uid1}`, `upsert web-node-0 file ${uid2}`]);
      assert.equal(src.list().length, 1);
      unlinkSync(path);
      src.scan();
      assert.deepEqual(events.slice(3), [`remove ${uid2}`]);
      assert.equal(src.list().length, 0);
    } finally {
      src.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
