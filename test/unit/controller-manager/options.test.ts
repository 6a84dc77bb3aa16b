import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, FlagError } from '../../../src/util/flags.js';
import { controllerManagerFlags, controllerManagerOptions } from '../../../src/controller-manager/options.js';
import { enabledControllers } from '../../../src/controller-manager/controllers.js';
import type { ControllerDescriptor } from '../../../src/controller-manager/context.js';

function opts(args: string[]) {
  const p = parseFlags(controllerManagerFlags, args);
  return controllerManagerOptions(p.values, p.set);
}

test("the Hard Way's kube-controller-manager flags parse as written", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcm-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const o = opts([
      '--bind-address=0.0.0.0',
      '--cluster-cidr=10.200.0.0/16',
      '--cluster-name=kubernetes',
      `--cluster-signing-cert-file=${dir}/ca.crt`,
      `--cluster-signing-key-file=${dir}/ca.key`,
      `--kubeconfig=${dir}/kube-controller-manager.kubeconfig`,
      `--root-ca-file=${dir}/ca.crt`,
      `--service-account-private-key-file=${dir}/service-accounts.key`,
      '--service-cluster-ip-range=10.32.0.0/24',
      '--use-service-account-credentials=true',
      '--v=2',
    ]);
    assert.deepEqual(o.clusterCIDRs, ['10.200.0.0/16']);
    assert.equal(o.allocateNodeCIDRs, true, '--cluster-cidr alone implies allocation in k8ts');
    assert.equal(o.nodeCIDRMaskSizeIPv4, 24);
    assert.equal(o.useServiceAccountCredentials, true);
    assert.equal(o.serviceClusterIPRange, '10.32.0.0/24');
    assert.match(o.rootCA, /BEGIN CERTIFICATE/);
    for (const s of ['kubernetes.io/kubelet-serving', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/legacy-unknown']) {
      assert.deepEqual(o.signers[s], { certFile: `${dir}/ca.crt`, keyFile: `${dir}/ca.key` }, s);
    }
    assert.equal(o.leaderElect, true);
    assert.equal(o.leaseName, 'kube-controller-manager');
    assert.equal(o.concurrency.deployment, 5);
    assert.equal(o.concurrency['gc'], 20);
    assert.equal(o.verbosity, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--allocate-node-cidrs=false wins over --cluster-cidr; true without a CIDR is an error', () => {
  assert.equal(opts(['--cluster-cidr=10.200.0.0/16', '--allocate-node-cidrs=false']).allocateNodeCIDRs, false);
  assert.throws(() => opts(['--allocate-node-cidrs=true']), /--cluster-cidr is required/);
  assert.equal(opts(['--cluster-cidr=10.200.0.0/16', '--node-cidr-mask-size=20']).nodeCIDRMaskSizeIPv4, 20);
});

test('signing flags: a half pair or mixing generic and per-signer files is an error', () => {
  assert.throws(() => opts(['--cluster-signing-cert-file=/a']), /must be given together/);
  assert.throws(() => opts(['--cluster-signing-cert-file=/a', '--cluster-signing-key-file=/b', '--cluster-signing-kubelet-serving-cert-file=/c', '--cluster-signing-kubelet-serving-key-file=/d']), /at the same time/);
  const o = opts(['--cluster-signing-kubelet-serving-cert-file=/c', '--cluster-signing-kubelet-serving-key-file=/d']);
  assert.deepEqual(o.signers['kubernetes.io/kubelet-serving'], { certFile: '/c', keyFile: '/d' });
  assert.equal(o.signers['kubernetes.io/kube-apiserver-client'], undefined);
});

test('a missing --root-ca-file names the file', () => {
  assert.throws(() => opts(['--root-ca-file=/nonexistent/ca.crt']), (e: Error) => e instanceof FlagError && /root-ca-file at \/nonexistent\/ca.crt/.test(e.message));
});

test('bad values are rejected with upstream wording', () => {
  assert.throws(() => opts(['--node-eviction-rate=fast']), /invalid argument "fast" for "--node-eviction-rate" flag/);
  assert.throws(() => opts(['--no-such-flag']), /unknown flag: --no-such-flag/);
});

test('--controllers: *, names and -names as upstream; unknown names are an error', () => {
  const d = (name: string, disabledByDefault = false): ControllerDescriptor => ({ name, serviceAccount: `${name}-controller`, disabledByDefault, init: async () => null });
  const all = [d('deployment'), d('job'), d('bootstrap-signer', true)];
  const names = (list: string[]) => enabledControllers(list, all).map((x) => x.name);
  assert.deepEqual(names(['*']), ['deployment', 'job']);
  assert.deepEqual(names(['*', '-job']), ['deployment']);
  assert.deepEqual(names(['*', 'bootstrap-signer']), ['deployment', 'job', 'bootstrap-signer']);
  assert.deepEqual(names(['job']), ['job']);
  assert.throws(() => names(['nope']), /"nope" is not in the list of known controllers/);
});
