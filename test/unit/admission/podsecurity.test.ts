import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluatePod,
  forbiddenDetail,
  levelVersionString,
  podSecurityPlugin,
  policyToEvaluate,
  type Policy,
} from '../../../src/apiserver/admission/podsecurity.js';
import { admissionAuditAnnotations, admissionWarnings } from '../../../src/apiserver/admission/common.js';
import { FakeObjects, pod, rejection, run, scope } from './helpers.js';

const PRIVILEGED: Policy = {
  enforce: { level: 'privileged', version: 'latest' },
  audit: { level: 'privileged', version: 'latest' },
  warn: { level: 'privileged', version: 'latest' },
};

function setup(labels: Record<string, string>, opts: Parameters<typeof podSecurityPlugin>[1] = {}) {
  const objects = new FakeObjects();
  objects.put('', 'namespaces', { metadata: { name: 'ns', labels: { 'kubernetes.io/metadata.name': 'ns', ...labels } } });
  return { objects, plugin: podSecurityPlugin(objects, opts) };
}

const podScope = (o: Record<string, unknown> = {}) => scope('', 'pods', { namespace: 'ns', ...o });

/** A pod that meets the restricted standard. */
function restrictedPod(name: string) {
  return pod(name, {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  });
}

function detail(level: 'baseline' | 'restricted', p: Record<string, any>, version: number | 'latest' = 'latest'): string {
  return forbiddenDetail(evaluatePod({ level, version }, p.metadata, p.spec));
}

describe('PodSecurity policy labels', () => {
  test('policyToEvaluate: defaults, warn following enforce, versions, errors', () => {
    const lv = (level: string, version: number | 'latest' = 'latest') => ({ level, version });
    assert.deepEqual(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'baseline' }, PRIVILEGED).policy, { enforce: lv('baseline'), audit: lv('privileged'), warn: lv('baseline') });
    assert.deepEqual(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.22' }, PRIVILEGED).policy.warn, lv('baseline', 22));
    assert.deepEqual(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'privileged' }, PRIVILEGED).policy.warn, lv('privileged'));
    const bad = policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'foo', 'pod-security.kubernetes.io/warn': 'bar', 'pod-security.kubernetes.io/audit-version': 'v2' }, PRIVILEGED);
    assert.deepEqual(bad.policy, { enforce: lv('restricted'), audit: lv('privileged'), warn: lv('privileged') });
    assert.deepEqual(bad.errs.map((e) => [e.field, e.value, e.detail]), [
      ['metadata.labels[pod-security.kubernetes.io/enforce]', 'foo', 'must be one of privileged, baseline, restricted'],
      ['metadata.labels[pod-security.kubernetes.io/audit-version]', 'v2', 'must be "latest" or "v1.x"'],
      ['metadata.labels[pod-security.kubernetes.io/warn]', 'bar', 'must be one of privileged, baseline, restricted'],
    ]);
    assert.equal(levelVersionString({ level: 'baseline', version: 23 }), 'baseline:v1.23');
  });
});

describe('PodSecurity checks', () => {
  test('a default pod violates restricted in four ways', () => {
    assert.equal(
      detail('restricted', pod('x')),
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    assert.equal(detail('baseline', pod('x')), '');
    assert.equal(detail('restricted', restrictedPod('ok')), '');
  });

  test('baseline: host namespaces, hostPath volumes, host ports, privileged', () => {
    const p = pod('ds', {
      hostNetwork: true,
      hostPID: true,
      containers: [{ name: 'controller', image: 'i', securityContext: { privileged: true }, ports: [{ containerPort: 80, hostPort: 80 }, { containerPort: 443, hostPort: 443 }, { containerPort: 8443, hostPort: 8443 }] }],
      volumes: [{ name: 'proc', hostPath: { path: '/proc' } }, { name: 'sys', hostPath: { path: '/sys' } }],
    });
    assert.equal(
      detail('baseline', p),
      'host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volumes "proc", "sys"), hostPort (container "controller" uses hostPorts 443, 80, 8443), privileged (container "controller" must not set securityContext.privileged=true)',
    );
  });

  test('restricted replaces the overlapping baseline checks', () => {
    const p = pod('security-violations', {
      containers: [{ name: 'violation-container', image: 'nginx', securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } } }],
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    });
    assert.equal(
      detail('restricted', p),
      'privileged (container "violation-container" must not set securityContext.privileged=true), ' +
        'allowPrivilegeEscalation != false (container "violation-container" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "violation-container" must set securityContext.capabilities.drop=["ALL"]; container "violation-container" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add), ' +
        'restricted volume types (volume "host-root" uses restricted volume type "hostPath"), ' +
        'runAsNonRoot != true (pod or container "violation-container" must set securityContext.runAsNonRoot=true), ' +
        'runAsUser=0 (container "violation-container" must not set runAsUser=0), ' +
        'seccompProfile (pod or container "violation-container" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    assert.equal(
      detail('baseline', p),
      'non-default capabilities (container "violation-container" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add), hostPath volumes (volume "host-root"), privileged (container "violation-container" must not set securityContext.privileged=true)',
    );
  });

  test('AppArmor, SELinux, /proc mount, seccomp, sysctls, hostProcess', () => {
    const p = pod('x', {
      securityContext: {
        appArmorProfile: { type: 'Unconfined' },
        seLinuxOptions: { type: 'spc_t', user: 'u' },
        seccompProfile: { type: 'Unconfined' },
        sysctls: [{ name: 'kernel.shm_rmid_forced', value: '0' }, { name: 'net.core.somaxconn', value: '1024' }, { name: 'kernel.msgmax', value: '1' }],
        windowsOptions: { hostProcess: true },
      },
      containers: [{ name: 'c', image: 'i', securityContext: { procMount: 'Unmasked', seLinuxOptions: { role: 'r' } } }],
    }, { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } });
    assert.equal(
      detail('baseline', p),
      'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/c="unconfined""), ' +
        'procMount (container "c" must not set securityContext.procMount to "Unmasked"), ' +
        'seLinuxOptions (pod and container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set), ' +
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined"), ' +
        'forbidden sysctls (net.core.somaxconn, kernel.msgmax), ' +
        'hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
    );
  });

  test('versions: checks apply from their version; newer safe sysctls and SELinux types', () => {
    const caps = pod('x', { containers: [{ name: 'c', image: 'i', securityContext: { capabilities: { add: ['NET_RAW'] } } }] });
    assert.match(detail('restricted', caps, 21), /^non-default capabilities \(container "c" must not include "NET_RAW" in securityContext.capabilities.add\), allowPrivilegeEscalation != false/);
    assert.ok(!detail('restricted', caps, 21).includes('unrestricted capabilities'));
    const root = pod('r', { securityContext: { runAsUser: 0 } });
    assert.ok(!detail('restricted', root, 22).includes('runAsUser=0'));
    assert.ok(detail('restricted', root, 23).includes('runAsUser=0 (pod must not set runAsUser=0)'));
    const rmem = pod('s', { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] } });
    assert.equal(detail('baseline', rmem, 31), 'forbidden sysctls (net.ipv4.tcp_rmem)');
    assert.equal(detail('baseline', rmem, 32), '');
    assert.equal(detail('baseline', rmem, 40), '');
    const engine = pod('e', { securityContext: { seLinuxOptions: { type: 'container_engine_t' } } });
    assert.equal(detail('baseline', engine, 30), 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")');
    assert.equal(detail('baseline', engine), '');
    const windows = pod('w', { os: { name: 'windows' }, securityContext: { runAsNonRoot: true } });
    assert.equal(detail('restricted', windows), '');
    assert.ok(detail('restricted', windows, 24).includes('allowPrivilegeEscalation'));
  });

  test('restricted volume types, several', () => {
    const p = pod('v', { volumes: [{ name: 'a', hostPath: { path: '/' } }, { name: 'ok', emptyDir: {} }, { name: 'c', nfs: { server: 's', path: '/' } }, { name: 'e' }] });
    assert.ok(detail('restricted', p).includes('restricted volume types (volumes "a", "c", "e" use restricted volume types "hostPath", "nfs", "unknown")'));
  });
});

describe('PodSecurity admission', () => {
  test('enforce rejects with upstream\'s message and records the enforce policy', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const s = podScope();
    const err = await rejection(run(plugin, 'CREATE', pod('x', { containers: [{ name: 'c', image: 'i', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, privileged: true } }] }), undefined, s));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true)');
    assert.deepEqual(admissionAuditAnnotations(s), { 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
    assert.deepEqual(admissionWarnings(s), []);
    await run(plugin, 'CREATE', restrictedPod('ok'), undefined, podScope());
  });

  test('baseline enforce: `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const err = await rejection(run(plugin, 'CREATE', pod('hostnet-pod', { hostNetwork: true }), undefined, podScope()));
    assert.equal(err.message, 'pods "hostnet-pod" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
  });

  test('warn and audit do not reject', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.30' });
    const s = podScope();
    await run(plugin, 'CREATE', pod('x', { hostPID: true }), undefined, s);
    assert.equal(admissionWarnings(s).length, 1);
    assert.match(admissionWarnings(s)[0], /^would violate PodSecurity "restricted:v1.30": host namespaces \(hostPID=true\), allowPrivilegeEscalation != false/);
    assert.deepEqual(admissionAuditAnnotations(s), {
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
      'pod-security.kubernetes.io/audit-violations': 'would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)',
    });
  });

  test('enforce baseline implies warn baseline, not restricted', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const s = podScope();
    await run(plugin, 'CREATE', pod('x'), undefined, s);
    assert.deepEqual(admissionWarnings(s), []);
  });

  test('a fully privileged namespace skips the checks', async () => {
    const { plugin } = setup({});
    const s = podScope();
    await run(plugin, 'CREATE', pod('x', { hostNetwork: true, containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }] }), undefined, s);
    assert.deepEqual(admissionAuditAnnotations(s), { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' });
  });

  test('invalid labels on the namespace: enforce fails closed and the error is audited', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'bogus' });
    const s = podScope();
    const err = await rejection(run(plugin, 'CREATE', pod('x'), undefined, s));
    assert.match(err.message, /violates PodSecurity "restricted:latest"/);
    assert.equal(
      admissionAuditAnnotations(s)['pod-security.kubernetes.io/error'],
      'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted',
    );
  });

  test('updates are checked only when they matter; ignored subresources', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const bad = pod('x', { hostNetwork: true });
    await run(plugin, 'UPDATE', { ...bad, metadata: { ...bad.metadata, labels: { a: 'b' } } }, bad, podScope({ name: 'x' }));
    const newImage = structuredClone(bad);
    newImage.spec.containers[0].image = 'nginx:2';
    await rejection(run(plugin, 'UPDATE', newImage, bad, podScope({ name: 'x' })));
    await run(plugin, 'UPDATE', bad, bad, podScope({ name: 'x', subresource: 'status' }));
    const eph = structuredClone(bad);
    eph.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }];
    await rejection(run(plugin, 'UPDATE', eph, bad, podScope({ name: 'x', subresource: 'ephemeralcontainers' })));
  });

  test('workloads get warnings and audit annotations, never a rejection', async () => {
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }] } } } };
    const s = scope('apps', 'deployments', { namespace: 'ns' });
    await run(plugin, 'CREATE', deploy, undefined, s);
    assert.equal(admissionWarnings(s).length, 1);
    assert.match(admissionWarnings(s)[0], /^would violate PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation/);
    assert.deepEqual(admissionAuditAnnotations(s), {});
    const cron = { kind: 'CronJob', metadata: { name: 'c', namespace: 'ns' }, spec: { jobTemplate: { spec: { template: { spec: { hostIPC: true, containers: [{ name: 'c', image: 'i' }] } } } } } };
    const cs = scope('batch', 'cronjobs', { namespace: 'ns' });
    await run(plugin, 'CREATE', cron, undefined, cs);
    assert.match(admissionWarnings(cs)[0], /host namespaces \(hostIPC=true\)/);
  });

  test('exemptions: namespaces, users, runtime classes', async () => {
    const cfg = { exemptions: { namespaces: ['ns'], usernames: [], runtimeClasses: [] } };
    const { plugin } = setup({ 'pod-security.kubernetes.io/enforce': 'restricted' }, { config: cfg });
    const s = podScope();
    await run(plugin, 'CREATE', pod('x'), undefined, s);
    assert.deepEqual(admissionAuditAnnotations(s), { 'pod-security.kubernetes.io/exempt': 'namespace' });
    const u = setup({ 'pod-security.kubernetes.io/enforce': 'restricted' }, { config: { exemptions: { usernames: ['admin'] } } });
    await run(u.plugin, 'CREATE', pod('x'), undefined, podScope());
    const rc = setup({ 'pod-security.kubernetes.io/enforce': 'restricted' }, { config: { exemptions: { runtimeClasses: ['kata'] } } });
    const rs = podScope();
    await run(rc.plugin, 'CREATE', pod('x', { runtimeClassName: 'kata' }), undefined, rs);
    assert.deepEqual(admissionAuditAnnotations(rs), { 'pod-security.kubernetes.io/exempt': 'runtimeClass' });
  });

  test('cluster defaults from the configuration apply to unlabelled namespaces', async () => {
    const { plugin } = setup({}, { config: { defaults: { enforce: 'baseline', 'enforce-version': 'latest' } } });
    const err = await rejection(run(plugin, 'CREATE', pod('x', { hostNetwork: true }), undefined, podScope()));
    assert.match(err.message, /violates PodSecurity "baseline:latest": host namespaces/);
  });

  test('namespaces: invalid labels are a 422 on create', async () => {
    const { plugin } = setup({});
    const ns = { metadata: { name: 'team', labels: { 'pod-security.kubernetes.io/enforce': 'foo' } } };
    const err = await rejection(run(plugin, 'CREATE', ns, undefined, scope('', 'namespaces')));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, 'Namespace "team" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted');
    // unchanged invalid labels do not block other updates
    await run(plugin, 'UPDATE', { metadata: { ...ns.metadata, annotations: { a: 'b' } } }, ns, scope('', 'namespaces', { name: 'team' }));
  });

  test('namespaces: tightening enforce warns about existing pods', async () => {
    const { plugin, objects } = setup({});
    objects.put('', 'pods', pod('a-priv', { containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }] }));
    objects.put('', 'pods', pod('b-priv', { containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }] }));
    objects.put('', 'pods', pod('c-hostnet', { hostNetwork: true }));
    objects.put('', 'pods', pod('d-fine'));
    const old = { metadata: { name: 'ns', labels: {} } };
    const upd = { metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } };
    const s = scope('', 'namespaces', { name: 'ns' });
    await run(plugin, 'UPDATE', upd, old, s);
    assert.deepEqual(admissionWarnings(s), [
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      'a-priv (and 1 other pod): privileged',
      'c-hostnet: host namespaces',
    ]);
    // relaxing does not check
    const s2 = scope('', 'namespaces', { name: 'ns' });
    await run(plugin, 'UPDATE', old, upd, s2);
    assert.deepEqual(admissionWarnings(s2), []);
  });
});
