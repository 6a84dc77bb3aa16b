// The status manager: PATCH pods/status (strategic merge, UID precondition) only when the status
// differs from the API's; static pods write to their mirror pod; DELETE with grace 0 at the end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { ApiError, type RestClient } from '../../../../src/client/rest.js';
import { StatusManager } from '../../../../src/kubelet/status/manager.js';
import { logger } from '../../../../src/util/klog.js';

interface Call {
  verb: string;
  ref: Record<string, unknown>;
  type?: string;
  body?: unknown;
  opts?: unknown;
}

function fakeClient(mirror?: Pod): { client: RestClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    patch: async (ref: Record<string, unknown>, type: string, body: { status: PodStatus }) => {
      calls.push({ verb: 'patch', ref, type, body });
      return { status: body.status };
    },
    get: async (ref: Record<string, unknown>) => {
      calls.push({ verb: 'get', ref });
      if (!mirror) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "p" not found', reason: 'NotFound', code: 404 });
      return mirror;
    },
    delete: async (ref: Record<string, unknown>, opts: unknown) => {
      calls.push({ verb: 'delete', ref, opts });
      return {};
    },
  } as unknown as RestClient;
  return { client, calls };
}

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } };
const running = (): PodStatus => ({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.0.0.2' });

describe('StatusManager', () => {
  it('patches only when the status changed, with the pod UID', async () => {
    const { client, calls } = fakeClient();
    const m = new StatusManager({ client, log: logger('test') });
    m.observePod(pod, false);
    m.setStatus('u1', running());
    await m.flush();
    m.setStatus('u1', running());
    await m.flush();
    const patches = calls.filter((c) => c.verb === 'patch');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].type, 'strategic');
    assert.deepEqual(patches[0].ref, { group: '', version: 'v1', resource: 'pods', namespace: 'ns', name: 'p', subresource: 'status' });
    const body = patches[0].body as { metadata: { uid: string }; status: PodStatus };
    assert.equal(body.metadata.uid, 'u1');
    assert.equal(body.status.phase, 'Running');
    assert.ok(body.status.conditions![0].lastTransitionTime);
    m.setStatus('u1', { ...running(), podIP: '10.0.0.3' });
    await m.flush();
    assert.equal(calls.filter((c) => c.verb === 'patch').length, 2);
  });

  it('writes a static pod status to its mirror pod', async () => {
    const mirror: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'mirror-uid', annotations: { 'kubernetes.io/config.mirror': 'u1' } } };
    const { client, calls } = fakeClient(mirror);
    const m = new StatusManager({ client, log: logger('test') });
    m.observePod(pod, true);
    m.setStatus('u1', running());
    await m.flush();
    const patch = calls.find((c) => c.verb === 'patch')!;
    assert.equal((patch.body as { metadata: { uid: string } }).metadata.uid, 'mirror-uid');
  });

  it('retries later while the mirror pod does not exist', async () => {
    const { client, calls } = fakeClient(undefined);
    const retried: string[] = [];
    const m = new StatusManager({ client, log: logger('test'), onRetry: (uid) => retried.push(uid) });
    m.observePod(pod, true);
    m.setStatus('u1', running());
    await m.flush();
    assert.equal(calls.filter((c) => c.verb === 'patch').length, 0);
    await new Promise((r) => setTimeout(r, 2100));
    assert.deepEqual(retried, ['u1']);
  });

  it('deletes a terminated pod with grace 0 and a UID precondition', async () => {
    const { client, calls } = fakeClient();
    const m = new StatusManager({ client, log: logger('test') });
    m.observePod(pod, false);
    await m.deletePod(pod);
    assert.deepEqual(calls[0].opts, { gracePeriodSeconds: 0, preconditions: { uid: 'u1' } });
  });
});
