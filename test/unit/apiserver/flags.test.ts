import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseDuration, parseFlags } from '../../../src/util/flags.js';
import type { FlagDef } from '../../../src/util/flags.js';
import { apiserverFlags, optionsFromFlags } from '../../../src/apiserver/options.js';

test('the seeds kube-apiserver command line parses', () => {
  const args = `--allow-privileged=true --apiserver-count=1 --audit-log-maxage=30 --audit-log-maxbackup=3 --audit-log-maxsize=100 --audit-log-path=/var/log/audit.log --authorization-mode=Node,RBAC --bind-address=0.0.0.0 --client-ca-file=/var/lib/kubernetes/ca.crt --enable-admission-plugins=NamespaceLifecycle,NodeRestriction,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota --etcd-servers=http://127.0.0.1:2379 --event-ttl=1h --encryption-provider-config=/var/lib/kubernetes/encryption-config.yaml --kubelet-certificate-authority=/var/lib/kubernetes/ca.crt --kubelet-client-certificate=/var/lib/kubernetes/kube-api-server.crt --kubelet-client-key=/var/lib/kubernetes/kube-api-server.key --runtime-config='api/all=true' --service-account-key-file=/var/lib/kubernetes/service-accounts.crt --service-account-signing-key-file=/var/lib/kubernetes/service-accounts.key --service-account-issuer=https://server.kubernetes.local:6443 --service-cluster-ip-range=10.32.0.0/24 --service-node-port-range=30000-32767 --tls-cert-file=/var/lib/kubernetes/kube-api-server.crt --tls-private-key-file=/var/lib/kubernetes/kube-api-server.key --v=2`.split(' ');
  const { values } = parseFlags(apiserverFlags, args);
  const o = optionsFromFlags(values);
  assert.equal(o.serviceClusterIPRange, '10.32.0.0/24');
  assert.deepEqual(o.authorizationModes, ['Node', 'RBAC']);
  assert.deepEqual(o.etcdServers, ['http://127.0.0.1:2379']);
  assert.equal(o.storageBackend, 'etcd3');
  assert.equal(o.eventTTLSeconds, 3600);
  assert.equal(values['runtime-config'], 'api/all=true');
  assert.equal(values.v, 2);
});

test('flag errors name the flag', () => {
  assert.throws(() => parseFlags(apiserverFlags, ['--no-such-flag=1']), (e: unknown) => e instanceof FlagError && /unknown flag: --no-such-flag/.test(e.message));
  assert.throws(() => parseFlags(apiserverFlags, ['--secure-port=abc']), /invalid argument "abc" for "--secure-port"/);
  assert.throws(() => parseFlags(apiserverFlags, ['--event-ttl=5x']), /invalid argument "5x" for "--event-ttl"/);
});

test('durations in Go form', () => {
  assert.equal(parseDuration('1h'), 3600000);
  assert.equal(parseDuration('1h30m'), 5400000);
  assert.equal(parseDuration('500ms'), 500);
  assert.throws(() => parseDuration(''));
});

test('stringArray flags repeat and keep commas (pflag StringArray)', () => {
  const defs: FlagDef[] = [{ name: 'arg', type: 'stringArray', default: [], help: '' }];
  const r = parseFlags(defs, ['--arg=--controllers=*,-nodelifecycle', '--arg', '--v=2']);
  assert.deepEqual(r.values.arg, ['--controllers=*,-nodelifecycle', '--v=2']);
  assert.deepEqual(parseFlags(defs, []).values.arg, []);
});
