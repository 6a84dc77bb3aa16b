import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJSON, computeHash, fnv32a, safeEncodeString } from '../../../src/controllers/deployment/hash.js';
import { equalIgnoreHash, findActiveOrLatest, findNewReplicaSet, findOldReplicaSets } from '../../../src/controllers/deployment/replicasets.js';
import { deployment, replicaSet } from './helpers.js';

describe('pod-template-hash', () => {
  test('FNV-1a 32 and the safe alphabet', () => {
    assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
    assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
    assert.equal(fnv32a(Buffer.from('foobar')), 0xbf9cf968);
    // decimal digits map onto 4-9 and b, c, d, f
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  test('stable across key order, changed by the template and by collisionCount', () => {
    const t = { metadata: { labels: { app: 'web', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const reordered = { spec: { containers: [{ image: 'busybox', name: 'c' }] }, metadata: { labels: { tier: 'x', app: 'web' } } };
    assert.equal(canonicalJSON(t), canonicalJSON(reordered));
    const h = computeHash(t);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(computeHash(reordered), h);
    assert.notEqual(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'nginx' }] } }), h);
    assert.notEqual(computeHash(t, 1), h);
    assert.notEqual(computeHash(t, 1), computeHash(t, 2));
    assert.notEqual(computeHash(t, 0), h, 'a collisionCount of 0 still changes the input (as upstream)');
  });
});

describe('finding the new and old ReplicaSets', () => {
  test('templates compare without the hash label; missing and empty are the same', () => {
    const d = deployment(1);
    const rs = replicaSet('abc', 1);
    assert.equal(equalIgnoreHash(d.spec!.template, rs.spec!.template), true);
    const withEmpty = structuredClone(rs.spec!.template!);
    (withEmpty.spec as { volumes?: unknown[] }).volumes = [];
    assert.equal(equalIgnoreHash(d.spec!.template, withEmpty), true);
    assert.equal(equalIgnoreHash(d.spec!.template, replicaSet('x', 1, { image: 'nginx' }).spec!.template), false);
  });

  test('the oldest matching RS is the new one; the rest are old', () => {
    const d = deployment(3);
    const a = replicaSet('a', 0, { created: '2026-01-02T00:00:00Z' });
    const b = replicaSet('b', 2, { created: '2026-01-01T00:00:00Z' });
    const c = replicaSet('c', 1, { image: 'nginx' });
    const d2 = replicaSet('d', 0, { image: 'nginx:2' });
    assert.equal(findNewReplicaSet(d, [a, b, c])!.metadata!.name, 'b');
    const [withPods, all] = findOldReplicaSets(d, [a, b, c, d2]);
    assert.deepEqual(withPods.map((x) => x.metadata!.name), ['c']);
    assert.deepEqual(all.map((x) => x.metadata!.name), ['a', 'c', 'd']);
  });

  test('active or latest: the only active one, else the newest, none when several are active', () => {
    const n = replicaSet('n', 0, { created: '2026-01-03T00:00:00Z' });
    const o1 = replicaSet('o1', 0, { created: '2026-01-01T00:00:00Z' });
    const o2 = replicaSet('o2', 0, { created: '2026-01-02T00:00:00Z' });
    assert.equal(findActiveOrLatest(n, [o1, o2])!.metadata!.name, 'n');
    assert.equal(findActiveOrLatest(undefined, [o1, o2])!.metadata!.name, 'o2');
    assert.equal(findActiveOrLatest(n, [replicaSet('o3', 2)])!.metadata!.name, 'o3');
    assert.equal(findActiveOrLatest(replicaSet('n2', 1), [replicaSet('o3', 2)]), undefined);
    assert.equal(findActiveOrLatest(undefined, []), undefined);
  });
});
