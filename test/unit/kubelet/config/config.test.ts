// KubeletConfiguration: the Hard Way's kubelet-config.yaml accepted as written, upstream
// defaults, strict decoding errors (file, field, value), validation messages, and the
// command-line flags overriding the file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKubeletConfig, loadKubeletConfigFile, KubeletConfigError } from '../../../../src/kubelet/config/load.js';
import { defaultKubeletConfiguration, DEFAULT_EVICTION_HARD } from '../../../../src/kubelet/config/defaults.js';
import { parseGoDuration } from '../../../../src/kubelet/config/duration.js';
import { kubeletFlagDefs, parseTaint, resolveKubeletOptions } from '../../../../src/kubelet/config/flags.js';
import { parseFlags } from '../../../../src/util/flags.js';

/** The seeds' kubelet-config.yaml (Kubernetes the Hard Way), exactly as written there. */
const SEED = `kind: KubeletConfiguration
apiVersion: kubelet.config.k8s.io/v1beta1
address: "0.0.0.0"
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: "/var/lib/kubelet/ca.crt"
authorization:
  mode: Webhook
cgroupDriver: systemd
containerRuntimeEndpoint: "unix:///var/run/containerd/containerd.sock"
enableServer: true
failSwapOn: false
maxPods: 16
memorySwap:
  swapBehavior: NoSwap
port: 10250
resolvConf: "/etc/resolv.conf"
registerNode: true
runtimeRequestTimeout: "15m"
tlsCertFile: "/var/lib/kubelet/kubelet.crt"
tlsPrivateKeyFile: "/var/lib/kubelet/kubelet.key"
`;

function loadErr(text: string, overrides: Record<string, unknown> = {}): string {
  try {
    parseKubeletConfig(text, '/etc/kubelet/kubelet-config.yaml', overrides);
  } catch (err) {
    assert.ok(err instanceof KubeletConfigError, String(err));
    return (err as Error).message;
  }
  assert.fail('expected an error');
}

describe('kubelet configuration file', () => {
  it('accepts the seeds\' kubelet-config.yaml as written, with upstream meaning', () => {
    const { config } = parseKubeletConfig(SEED, 'kubelet-config.yaml');
    assert.equal(config.address, '0.0.0.0');
    assert.equal(config.authentication.anonymous.enabled, false);
    assert.equal(config.authentication.webhook.enabled, true);
    assert.equal(config.authentication.webhook.cacheTTL, '2m');
    assert.equal(config.authentication.x509.clientCAFile, '/var/lib/kubelet/ca.crt');
    assert.equal(config.authorization.mode, 'Webhook');
    assert.equal(config.cgroupDriver, 'systemd');
    assert.equal(config.containerRuntimeEndpoint, 'unix:///var/run/containerd/containerd.sock');
    assert.equal(config.failSwapOn, false);
    assert.equal(config.maxPods, 16);
    assert.equal(config.memorySwap.swapBehavior, 'NoSwap');
    assert.equal(config.port, 10250);
    assert.equal(config.registerNode, true);
    assert.equal(config.runtimeRequestTimeout, '15m');
    assert.equal(config.tlsCertFile, '/var/lib/kubelet/kubelet.crt');
    // fields the seed leaves out take upstream's defaults
    assert.equal(config.healthzPort, 10248);
    assert.equal(config.healthzBindAddress, '127.0.0.1');
    assert.equal(config.readOnlyPort, 0);
    assert.equal(config.nodeStatusUpdateFrequency, '10s');
    assert.equal(config.nodeStatusReportFrequency, '5m');
    assert.equal(config.nodeLeaseDurationSeconds, 40);
    assert.equal(config.podLogsDir, '/var/log/pods');
    assert.deepEqual(config.evictionHard, DEFAULT_EVICTION_HARD);
    assert.deepEqual(config.enforceNodeAllocatable, ['pods']);
  });

  it('accepts JSON too', () => {
    const { config } = parseKubeletConfig(JSON.stringify({ kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1', maxPods: 30 }), 'k.json');
    assert.equal(config.maxPods, 30);
  });

  it('defaults as upstream v1beta1', () => {
    const c = defaultKubeletConfiguration({});
    assert.equal(c.enableServer, true);
    assert.equal(c.syncFrequency, '1m');
    assert.equal(c.fileCheckFrequency, '20s');
    assert.equal(c.cgroupDriver, 'cgroupfs');
    assert.equal(c.maxPods, 110);
    assert.equal(c.podPidsLimit, -1);
    assert.equal(c.failSwapOn, true);
    assert.equal(c.serializeImagePulls, true);
    assert.equal(c.containerRuntimeEndpoint, 'unix:///run/containerd/containerd.sock');
    assert.equal(c.runtimeRequestTimeout, '2m');
    assert.equal(c.containerLogMaxSize, '10Mi');
    assert.equal(c.containerLogMaxFiles, 5);
    assert.equal(c.kubeAPIQPS, 50);
    assert.equal(c.kubeAPIBurst, 100);
    // an explicit update frequency is also the report frequency (backward compatibility)
    assert.equal(defaultKubeletConfiguration({ nodeStatusUpdateFrequency: '20s' }).nodeStatusReportFrequency, '20s');
    assert.equal(defaultKubeletConfiguration({ maxParallelImagePulls: 5 }).serializeImagePulls, false);
  });

  it('rejects unknown fields, naming the file and the field', () => {
    assert.equal(
      loadErr(SEED + 'maxPod: 3\n'),
      'failed to load kubelet config file "/etc/kubelet/kubelet-config.yaml": strict decoding error: unknown field "maxPod"',
    );
    const nested = loadErr('kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  x509:\n    clientCA: x\n');
    assert.match(nested, /unknown field "authentication\.x509\.clientCA"/);
  });

  it('rejects wrong types and values, naming the file, field and value', () => {
    const t = loadErr(SEED.replace('maxPods: 16', 'maxPods: "sixteen"'));
    assert.match(t, /^failed to load kubelet config file "\/etc\/kubelet\/kubelet-config\.yaml": /);
    assert.match(t, /maxPods/);
    assert.match(t, /"sixteen"/);
    assert.match(loadErr(SEED.replace('runtimeRequestTimeout: "15m"', 'runtimeRequestTimeout: "15 minutes"')), /field runtimeRequestTimeout: time: unknown unit " minutes" in duration "15 minutes"/);
    assert.match(loadErr(SEED.replace('port: 10250', 'port: 70000')), /invalid configuration: port \(--port\) 70000 must be between 1 and 65535, inclusive/);
    assert.match(loadErr(SEED.replace('maxPods: 16', 'maxPods: -1')), /maxPods \(--max-pods\) -1 must not be a negative number/);
    assert.match(loadErr(SEED.replace('cgroupDriver: systemd', 'cgroupDriver: systemdd')), /cgroupDriver \(--cgroup-driver\) "systemdd" must be one of: "cgroupfs", "systemd"/);
    assert.match(loadErr(SEED + 'evictionHard:\n  memory.free: 100Mi\n'), /evictionHard \(--eviction-hard\): unsupported eviction signal memory\.free/);
    assert.match(loadErr(SEED + 'evictionHard:\n  nodefs.available: 120%\n'), /eviction percentage threshold nodefs\.available must be in range \[0, 100\]: 120%/);
    assert.match(loadErr(SEED + 'nodeLeaseDurationSeconds: -4\n'), /nodeLeaseDurationSeconds must be greater than 0/);
    assert.match(loadErr(SEED.replace('swapBehavior: NoSwap', 'swapBehavior: Sometimes')), /memorySwap\.swapBehavior "Sometimes"/);
    assert.match(loadErr(SEED.replace('kind: KubeletConfiguration', 'kind: KubeletConfig')), /no kind "KubeletConfig" is registered/);
    // several problems are reported together
    assert.match(loadErr(SEED.replace('port: 10250', 'port: 0').replace('maxPods: 16', 'maxPods: -2').replace('port: 0', 'port: 99999')), /^failed to load .*: \[invalid configuration: maxPods .*, invalid configuration: port .*\]$/);
  });

  it('names the missing file', () => {
    assert.throws(() => loadKubeletConfigFile('/nonexistent/kubelet.yaml'), /failed to load kubelet config file "\/nonexistent\/kubelet.yaml": open \/nonexistent\/kubelet.yaml: no such file or directory/);
  });

  it('parses Go durations', () => {
    assert.equal(parseGoDuration('15m'), 900_000);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('100ms'), 100);
    assert.equal(parseGoDuration('0'), 0);
    assert.throws(() => parseGoDuration('10'), /missing unit/);
    assert.throws(() => parseGoDuration('ten'), /invalid duration/);
  });
});

describe('kubelet command line', () => {
  const resolve = (args: string[]) => {
    const p = parseFlags(kubeletFlagDefs, args);
    return resolveKubeletOptions(p.values, p.set);
  };

  it('lets the deprecated config flags override the file, and leaves unset ones alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelet-config-'));
    try {
      const path = join(dir, 'kubelet-config.yaml');
      writeFileSync(path, SEED);
      const { config, flags } = resolve([
        `--config=${path}`,
        '--kubeconfig=/var/lib/kubelet/kubeconfig',
        '--port=10260',
        '--cgroup-driver=cgroupfs',
        '--eviction-hard=memory.available<200Mi,nodefs.available<5%',
        '--register-with-taints=dedicated=infra:NoSchedule',
        '--node-labels=role=worker,zone=a',
        '--node-ip=10.240.0.20',
        '--root-dir=/srv/kubelet',
        '--v=2',
      ]);
      assert.equal(config.port, 10260);
      assert.equal(config.cgroupDriver, 'cgroupfs');
      assert.equal(config.maxPods, 16, 'from the file');
      assert.deepEqual(config.evictionHard, { 'memory.available': '200Mi', 'nodefs.available': '5%' });
      assert.deepEqual(config.registerWithTaints, [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]);
      assert.deepEqual(flags.nodeLabels, { role: 'worker', zone: 'a' });
      assert.deepEqual(flags.nodeIPs, ['10.240.0.20']);
      assert.equal(flags.rootDir, '/srv/kubelet');
      assert.equal(flags.certDir, '/srv/kubelet/pki');
      assert.equal(flags.kubeconfig, '/var/lib/kubelet/kubeconfig');
      assert.equal(flags.v, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs on defaults and flags without --config, validating the flags', () => {
    const { config, flags } = resolve(['--max-pods=20', '--container-runtime-endpoint=unix:///tmp/c.sock']);
    assert.equal(config.maxPods, 20);
    assert.equal(config.containerRuntimeEndpoint, 'unix:///tmp/c.sock');
    assert.equal(flags.rootDir, '/var/lib/kubelet');
    assert.throws(() => resolve(['--max-pods=-3']), /maxPods \(--max-pods\) -3 must not be a negative number/);
    assert.throws(() => resolve(['--sync-frequency=soon']), /time: invalid duration "soon"/);
  });

  it('refuses --node-labels a kubelet may not set in the kubernetes.io namespaces', () => {
    assert.deepEqual(resolve(['--node-labels=node.kubernetes.io/role=worker,topology.kubernetes.io/zone=a,team=x']).flags.nodeLabels, {
      'node.kubernetes.io/role': 'worker',
      'topology.kubernetes.io/zone': 'a',
      team: 'x',
    });
    assert.throws(() => resolve(['--node-labels=node-role.kubernetes.io/worker=']), /unknown 'kubernetes\.io' or 'k8s\.io' labels specified with --node-labels: \[node-role\.kubernetes\.io\/worker\]/);
  });

  it('parses taints as upstream', () => {
    assert.deepEqual(parseTaint('k=v:NoExecute'), { key: 'k', value: 'v', effect: 'NoExecute' });
    assert.deepEqual(parseTaint('k:NoSchedule'), { key: 'k', effect: 'NoSchedule' });
  });
});
