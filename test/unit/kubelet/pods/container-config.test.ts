// The CRI ContainerConfig: expansion in command/args, log path, labels and annotations the
// kubelet API relies on, mounts (volumes, /etc/hosts, termination log), the effective security
// context and the runAsNonRoot check.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerConfig, type ContainerConfigInput } from '../../../../src/kubelet/pods/container-config.js';
import { ContainerConfigError } from '../../../../src/kubelet/pods/env.js';

const pod = (sc: Record<string, unknown> = {}, csc: Record<string, unknown> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: { terminationGracePeriodSeconds: 10, securityContext: sc, containers: [{ name: 'app', image: 'busybox', command: ['echo', '$(GREETING)'], args: ['$(MISSING)', '$$(GREETING)'], ports: [{ containerPort: 80 }], securityContext: csc, lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } } }] },
});

function input(p: Pod, extra: Partial<ContainerConfigInput> = {}): ContainerConfigInput {
  return {
    pod: p,
    container: p.spec!.containers[0],
    restartCount: 2,
    hash: 'abc123',
    imageRef: 'sha256:img',
    imageUser: { uid: 1000 },
    env: [{ key: 'GREETING', value: 'hi' }],
    volumeMounts: [{ hostPath: '/var/lib/kubelet/pods/u1/volumes/x', containerPath: '/data', readonly: true }],
    hostsFile: '/var/lib/kubelet/pods/u1/etc-hosts',
    terminationLogFile: '/var/lib/kubelet/pods/u1/containers/app/0a1b2c3d',
    memoryCapacity: 8 * 1024 ** 3,
    cpuCFSQuota: true,
    cpuPeriodUs: 100000,
    ...extra,
  };
}

describe('containerConfig', () => {
  it('builds metadata, image, command, log path, labels and annotations', () => {
    const c = containerConfig(input(pod()));
    assert.deepEqual(c.metadata, { name: 'app', attempt: 2 });
    assert.deepEqual(c.image, { image: 'sha256:img', userSpecifiedImage: 'busybox' });
    assert.deepEqual(c.command, ['echo', 'hi']);
    assert.deepEqual(c.args, ['$(MISSING)', '$(GREETING)']);
    assert.equal(c.logPath, 'app/2.log');
    assert.deepEqual(c.labels, { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'ns', 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.container.name': 'app' });
    assert.equal(c.annotations!['io.kubernetes.container.hash'], 'abc123');
    assert.equal(c.annotations!['io.kubernetes.container.restartCount'], '2');
    assert.equal(c.annotations!['io.kubernetes.container.terminationMessagePath'], '/dev/termination-log');
    assert.equal(c.annotations!['io.kubernetes.pod.terminationGracePeriod'], '10');
    assert.equal(c.annotations!['io.kubernetes.container.preStopHandler'], '{"exec":{"command":["sleep","1"]}}');
    assert.equal(c.annotations!['io.kubernetes.container.ports'], '[{"containerPort":80}]');
  });

  it('mounts volumes, the managed /etc/hosts and the termination log', () => {
    const c = containerConfig(input(pod()));
    assert.deepEqual(c.mounts!.map((m) => [m.containerPath, m.hostPath, m.readonly]), [
      ['/data', '/var/lib/kubelet/pods/u1/volumes/x', true],
      ['/etc/hosts', '/var/lib/kubelet/pods/u1/etc-hosts', false],
      ['/dev/termination-log', '/var/lib/kubelet/pods/u1/containers/app/0a1b2c3d', false],
    ]);
  });

  it('merges the pod security context and maps it to CRI', () => {
    const c = containerConfig(input(pod({ runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [5], fsGroup: 7 }, { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } })));
    const sc = c.linux!.securityContext!;
    assert.deepEqual(sc.runAsUser, { value: 1000 });
    assert.deepEqual(sc.runAsGroup, { value: 2000 });
    assert.deepEqual(sc.supplementalGroups, [5, 7]);
    assert.equal(sc.readonlyRootfs, true);
    assert.equal(sc.noNewPrivs, true);
    assert.equal(sc.privileged, false);
    assert.deepEqual(sc.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
    const priv = containerConfig(input(pod({}, { privileged: true, allowPrivilegeEscalation: false }))).linux!.securityContext!;
    assert.deepEqual([priv.privileged, priv.noNewPrivs], [true, false]);
  });

  it('refuses to run as root under runAsNonRoot', () => {
    assert.throws(() => containerConfig(input(pod({ runAsNonRoot: true }), { imageUser: { uid: 0 } })), (e: Error) => e instanceof ContainerConfigError && e.message === 'container has runAsNonRoot and image will run as root (pod: "web_ns(u1)", container: app)');
    assert.throws(() => containerConfig(input(pod({ runAsNonRoot: true, runAsUser: 0 }))), /container's runAsUser breaks non-root policy/);
    assert.throws(() => containerConfig(input(pod({ runAsNonRoot: true }), { imageUser: { username: 'nobody' } })), /image has non-numeric user \(nobody\), cannot verify user is non-root/);
    assert.doesNotThrow(() => containerConfig(input(pod({ runAsNonRoot: true }), { imageUser: { uid: 1000 } })));
  });
});
