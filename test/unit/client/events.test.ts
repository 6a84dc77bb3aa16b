import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, kubectl } from '../../e2e/harness.js';
import type { ServerProc } from '../../e2e/harness.js';
import { RestClient } from '../../../src/client/rest.js';
import type { KubeObject, ObjectList } from '../../../src/client/rest.js';
import { EventBroadcaster } from '../../../src/client/events.js';
import type { CoreEvent } from '../../../src/client/events.js';

describe('EventBroadcaster against a real API server', () => {
  let srv: ServerProc;
  let client: RestClient;
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ev-pod', namespace: 'default', uid: '0b6e3f5e-0000-4000-8000-000000000001' } };
  const EVENTS = { group: '', version: 'v1', resource: 'events', namespace: 'default' };

  before(async () => {
    srv = await startServer({ extraArgs: ['--disable-controller-manager', '--disable-scheduler'] });
    client = await RestClient.fromKubeconfig(srv.kubeconfig, { qps: -1 });
  });
  after(async () => {
    client?.close();
    await srv?.destroy();
  });

  const eventsFor = async (name: string) => (await client.list<CoreEvent>(EVENTS)).items.filter((e) => e.involvedObject.name === name);

  it('writes a core/v1 Event with upstream fields and folds repeats into count', async () => {
    const b = new EventBroadcaster(client);
    const r = b.newRecorder({ component: 'test-controller' });
    r.event(pod, 'Warning', 'FailedThing', 'it failed');
    await b.flush();
    r.event(pod, 'Warning', 'FailedThing', 'it failed');
    r.event(pod, 'Warning', 'FailedThing', 'it failed');
    r.event(pod, 'Normal', 'Other', 'something else');
    await b.flush();
    const evs = await eventsFor('ev-pod');
    assert.equal(evs.length, 2);
    const failed = evs.find((e) => e.reason === 'FailedThing')!;
    assert.equal(failed.count, 3);
    assert.equal(failed.type, 'Warning');
    assert.equal(failed.message, 'it failed');
    assert.deepEqual(failed.source, { component: 'test-controller' });
    assert.equal(failed.reportingComponent, 'test-controller');
    assert.deepEqual(failed.involvedObject, { kind: 'Pod', namespace: 'default', name: 'ev-pod', uid: pod.metadata!.uid, apiVersion: 'v1' });
    assert.match(failed.metadata!.name!, /^ev-pod\.[0-9a-f]+$/);
    // kubectl shows it as upstream prints events
    const out = await kubectl(srv.kubeconfig, ['get', 'events', '--field-selector', 'involvedObject.name=ev-pod', '-o', 'custom-columns=REASON:.reason,COUNT:.count', '--no-headers']);
    assert.match(out.stdout, /FailedThing\s+3/);
    await b.shutdown();
  });

  it('limits bursts per object with a token bucket', async () => {
    const b = new EventBroadcaster(client, { burst: 2 });
    const r = b.newRecorder({ component: 'burst-controller', host: 'node-a' });
    const obj: KubeObject = { ...pod, metadata: { ...pod.metadata, name: 'burst-pod' } };
    for (let i = 0; i < 5; i++) r.event(obj, 'Normal', `R${i}`, `m${i}`);
    await b.flush();
    const evs = await eventsFor('burst-pod');
    assert.deepEqual(evs.map((e) => e.reason).sort(), ['R0', 'R1']);
    assert.deepEqual(evs[0]!.source, { component: 'burst-controller', host: 'node-a' });
    await b.shutdown();
  });

  it('sets action, related and eventTime for events.k8s.io-style events', async () => {
    const b = new EventBroadcaster(client);
    const r = b.newRecorder({ component: 'default-scheduler' });
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n1' } };
    const obj: KubeObject = { ...pod, metadata: { ...pod.metadata, name: 'sched-pod' } };
    r.event(obj, 'Normal', 'Scheduled', 'Successfully assigned default/sched-pod to n1', { action: 'Binding', related: node });
    await b.flush();
    const [ev] = await eventsFor('sched-pod');
    assert.equal(ev!.action, 'Binding');
    assert.equal(ev!.related?.name, 'n1');
    assert.ok(ev!.eventTime, 'eventTime set');
    const v1 = (await client.list<KubeObject & { regarding?: { name?: string }; note?: string }>({ group: 'events.k8s.io', version: 'v1', resource: 'events', namespace: 'default' })) as ObjectList<KubeObject & { regarding?: { name?: string }; note?: string }>;
    const same = v1.items.find((e) => e.regarding?.name === 'sched-pod');
    assert.equal(same?.note, 'Successfully assigned default/sched-pod to n1');
    await b.shutdown();
  });
});
