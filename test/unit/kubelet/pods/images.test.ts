// The image manager: pull policies, ErrImageNeverPull, ErrImagePull then ImagePullBackOff with
// upstream's events, and pull credentials from dockerconfigjson secrets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { authConfigsFor, ImageError, ImageManager, imageRegistry, pullPolicy } from '../../../../src/kubelet/pods/images.js';
import type { RuntimeApi } from '../../../../src/kubelet/pods/cri.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [] } };
const dockerSecret = (auths: Record<string, unknown>) => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') } });

function fakeCri(present: Set<string>, pull: (image: string, auth?: unknown) => Promise<string>): RuntimeApi {
  return {
    imageStatus: async ({ image }: { image: { image: string } }) => ({ image: present.has(image.image) ? { id: `sha256:${image.image}`, size: 123 } : null, info: {} }),
    pullImage: async ({ image, auth }: { image: { image: string }; auth?: unknown }) => ({ imageRef: await pull(image.image, auth) }),
  } as unknown as RuntimeApi;
}

describe('image manager', () => {
  it('defaults the pull policy like the API server', () => {
    assert.equal(pullPolicy({ name: 'c', image: 'busybox' }), 'Always');
    assert.equal(pullPolicy({ name: 'c', image: 'busybox:latest' }), 'Always');
    assert.equal(pullPolicy({ name: 'c', image: 'busybox:1.36' }), 'IfNotPresent');
    assert.equal(pullPolicy({ name: 'c', image: 'reg:5000/busybox' }), 'Always');
  });

  it('uses a present image, refuses a missing one with Never, and records events', async () => {
    const events: string[] = [];
    const m = new ImageManager({ cri: fakeCri(new Set(['here:1']), async () => 'x'), recorder: { event: (_o, t, r, msg) => events.push(`${t} ${r} ${msg}`) }, serialize: true });
    assert.equal(await m.ensureImage(pod, { name: 'c', image: 'here:1' }, [], {} as never), 'sha256:here:1');
    await assert.rejects(m.ensureImage(pod, { name: 'c', image: 'gone:1', imagePullPolicy: 'Never' }, [], {} as never), (e: ImageError) => e.reason === 'ErrImageNeverPull' && e.message === 'Container image "gone:1" is not present with pull policy of Never');
    assert.deepEqual(events, ['Normal Pulled Container image "here:1" already present on machine', 'Warning ErrImageNeverPull Container image "gone:1" is not present with pull policy of Never']);
  });

  it('reports ErrImagePull, then ImagePullBackOff while backing off', async () => {
    const events: string[] = [];
    const m = new ImageManager({ cri: fakeCri(new Set(), async () => { throw Object.assign(new Error('x'), { details: 'failed to resolve reference "reg.example/app:1": not found' }); }), recorder: { event: (_o, _t, r, msg) => events.push(`${r} ${msg}`) }, serialize: true });
    const c = { name: 'c', image: 'reg.example/app:1' };
    await assert.rejects(m.ensureImage(pod, c, [], {} as never), (e: ImageError) => e.reason === 'ErrImagePull' && /not found/.test(e.message));
    await assert.rejects(m.ensureImage(pod, c, [], {} as never), (e: ImageError) => e.reason === 'ImagePullBackOff' && e.message === 'Back-off pulling image "reg.example/app:1"');
    assert.deepEqual(events.map((e) => e.split(' ')[0]), ['Pulling', 'Failed', 'BackOff']);
  });

  it('pulls with the matching credentials, the most specific first', async () => {
    let used: unknown;
    const m = new ImageManager({ cri: fakeCri(new Set(), async (_i, auth) => ((used = auth), 'sha256:new')), recorder: { event() {} }, serialize: false });
    const secrets = [dockerSecret({ 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') }, 'reg.example': { username: 'u1', password: 'p1' }, 'reg.example/team': { username: 'u2', password: 'p2' } })];
    await m.ensureImage(pod, { name: 'c', image: 'reg.example/team/app:1' }, secrets, {} as never);
    assert.deepEqual(used, { username: 'u2', password: 'p2', serverAddress: 'reg.example' });
    assert.deepEqual(authConfigsFor('busybox', secrets), [{ username: 'hub', password: 'pw', serverAddress: 'docker.io' }]);
    assert.deepEqual(authConfigsFor('other.example/x', secrets), []);
    assert.deepEqual(imageRegistry('busybox:1.36'), { host: 'docker.io', path: 'library/busybox' });
    assert.deepEqual(imageRegistry('localhost:5000/a/b@sha256:00'), { host: 'localhost:5000', path: 'a/b' });
  });
});
