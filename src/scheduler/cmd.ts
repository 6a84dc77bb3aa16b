// `k8ts kube-scheduler [flags]`: upstream's command line (--config with a
// KubeSchedulerConfiguration, the deprecated --kubeconfig/--master, --leader-elect*,
// --secure-port/--bind-address serving, --v, and the authentication/authorization flags
// accepted), then startScheduler until SIGTERM/SIGINT. Losing the lease exits 1, as upstream.

import { writeFileSync } from 'node:fs';
import YAML from 'yaml';
import type { FlagDef } from '../util/flags.js';
import { FlagError, flagUsage, parseFlags } from '../util/flags.js';
import { logger, setVerbosity } from '../util/klog.js';
import { defaultConfig, toV1 } from './config/defaults.js';
import { ConfigError, loadConfigFile } from './config/load.js';
import type { KubeSchedulerConfiguration } from './config/types.js';
import { aggregateMessage, validateConfig } from './config/validation.js';
import { startScheduler } from './index.js';

const log = logger('run.go');

export const schedulerFlags: FlagDef[] = [
  { name: 'config', type: 'string', default: '', help: 'The path to the configuration file.' },
  { name: 'write-config-to', type: 'string', default: '', help: 'If set, write the configuration values to this file and exit.' },
  { name: 'kubeconfig', type: 'string', default: '', help: 'DEPRECATED: path to kubeconfig file with authorization and master location information. This parameter is ignored if a config file is specified in --config.' },
  { name: 'master', type: 'string', default: '', help: 'The address of the Kubernetes API server (overrides any value in kubeconfig)' },
  { name: 'kube-api-qps', type: 'string', default: '50', help: 'DEPRECATED: QPS to use while talking with kubernetes apiserver. This parameter is ignored if a config file is specified in --config.' },
  { name: 'kube-api-burst', type: 'int', default: 100, help: 'DEPRECATED: burst to use while talking with kubernetes apiserver. This parameter is ignored if a config file is specified in --config.' },
  { name: 'kube-api-content-type', type: 'string', default: 'application/vnd.kubernetes.protobuf', help: 'DEPRECATED: content type of requests sent to apiserver. This parameter is ignored if a config file is specified in --config.' },
  { name: 'leader-elect', type: 'bool', default: true, help: 'Start a leader election client and gain leadership before executing the main loop. Enable this when running replicated components for high availability.' },
  { name: 'leader-elect-lease-duration', type: 'duration', default: 15000, help: 'The duration that non-leader candidates will wait after observing a leadership renewal until attempting to acquire leadership of a led but unrenewed leader slot.' },
  { name: 'leader-elect-renew-deadline', type: 'duration', default: 10000, help: 'The interval between attempts by the acting master to renew a leadership slot before it stops leading.' },
  { name: 'leader-elect-retry-period', type: 'duration', default: 2000, help: 'The duration the clients should wait between attempting acquisition and renewal of a leadership.' },
  { name: 'leader-elect-resource-lock', type: 'string', default: 'leases', help: "The type of resource object that is used for locking during leader election. Supported options are 'leases'." },
  { name: 'leader-elect-resource-name', type: 'string', default: 'kube-scheduler', help: 'The name of resource object that is used for locking during leader election.' },
  { name: 'leader-elect-resource-namespace', type: 'string', default: 'kube-system', help: 'The namespace of resource object that is used for locking during leader election.' },
  { name: 'secure-port', type: 'int', default: 10259, help: 'The port on which to serve HTTPS with authentication and authorization. If 0, don\'t serve HTTPS at all.' },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'cert-dir', type: 'string', default: '', help: 'The directory where the TLS certs are located. If --tls-cert-file and --tls-private-key-file are provided, this flag will be ignored.' },
  { name: 'tls-cert-file', type: 'string', default: '', help: 'File containing the default x509 Certificate for HTTPS.' },
  { name: 'tls-private-key-file', type: 'string', default: '', help: 'File containing the default x509 private key matching --tls-cert-file.' },
  { name: 'v', type: 'int', default: 0, help: 'number for the log level verbosity' },
  { name: 'profiling', type: 'bool', default: true, help: 'DEPRECATED: enable profiling via web interface host:port/debug/pprof/.' },
  { name: 'contention-profiling', type: 'bool', default: true, help: 'DEPRECATED: enable block profiling, if profiling is enabled.' },
  { name: 'pod-max-in-unschedulable-pods-duration', type: 'duration', default: 300000, help: 'DEPRECATED: the maximum time a pod can stay in unschedulablePods.' },
  { name: 'authentication-kubeconfig', type: 'string', default: '', help: 'kubeconfig file pointing at the \'core\' kubernetes server with enough rights to create tokenreviews.authentication.k8s.io.', ignored: true },
  { name: 'authorization-kubeconfig', type: 'string', default: '', help: 'kubeconfig file pointing at the \'core\' kubernetes server with enough rights to create subjectaccessreviews.authorization.k8s.io.', ignored: true },
  { name: 'authentication-skip-lookup', type: 'bool', help: 'accepted', ignored: true },
  { name: 'authentication-tolerate-lookup-failure', type: 'bool', help: 'accepted', ignored: true },
  { name: 'authorization-always-allow-paths', type: 'stringSlice', help: 'accepted', ignored: true },
  { name: 'client-ca-file', type: 'string', help: 'accepted', ignored: true },
  { name: 'requestheader-client-ca-file', type: 'string', help: 'accepted', ignored: true },
  { name: 'requestheader-allowed-names', type: 'stringSlice', help: 'accepted', ignored: true },
  { name: 'requestheader-extra-headers-prefix', type: 'stringSlice', help: 'accepted', ignored: true },
  { name: 'requestheader-group-headers', type: 'stringSlice', help: 'accepted', ignored: true },
  { name: 'requestheader-username-headers', type: 'stringSlice', help: 'accepted', ignored: true },
  { name: 'feature-gates', type: 'string', help: 'accepted', ignored: true },
  { name: 'logging-format', type: 'string', help: 'accepted', ignored: true },
  { name: 'log-flush-frequency', type: 'duration', help: 'accepted', ignored: true },
  { name: 'permit-port-sharing', type: 'bool', help: 'accepted', ignored: true },
  { name: 'permit-address-sharing', type: 'bool', help: 'accepted', ignored: true },
  { name: 'tls-cipher-suites', type: 'stringSlice', help: 'accepted', ignored: true },
  { name: 'tls-min-version', type: 'string', help: 'accepted', ignored: true },
];

const leaderFlags: [string, keyof KubeSchedulerConfiguration['leaderElection']][] = [
  ['leader-elect', 'leaderElect'],
  ['leader-elect-lease-duration', 'leaseDurationMs'],
  ['leader-elect-renew-deadline', 'renewDeadlineMs'],
  ['leader-elect-retry-period', 'retryPeriodMs'],
  ['leader-elect-resource-lock', 'resourceLock'],
  ['leader-elect-resource-name', 'resourceName'],
  ['leader-elect-resource-namespace', 'resourceNamespace'],
];

function fail(msg: string): never {
  log.error('command failed', { err: msg });
  process.exit(1);
}

/** The effective configuration from --config (or the deprecated flags) and the leader election flags. */
export function configFromFlags(values: Record<string, unknown>, set: Set<string>): KubeSchedulerConfiguration {
  let cfg: KubeSchedulerConfiguration;
  if (values.config) cfg = loadConfigFile(values.config as string);
  else {
    cfg = defaultConfig({});
    cfg.clientConnection.kubeconfig = (values.kubeconfig as string) || '';
    cfg.clientConnection.qps = Number(values['kube-api-qps']);
    cfg.clientConnection.burst = values['kube-api-burst'] as number;
    cfg.clientConnection.contentType = values['kube-api-content-type'] as string;
    cfg.enableProfiling = values.profiling as boolean;
    cfg.enableContentionProfiling = values['contention-profiling'] as boolean;
  }
  for (const [flag, field] of leaderFlags) {
    if (!values.config || set.has(flag)) (cfg.leaderElection as unknown as Record<string, unknown>)[field] = values[flag];
  }
  const errs = validateConfig(cfg);
  if (errs.length) throw new ConfigError(aggregateMessage(errs));
  return cfg;
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `The Kubernetes scheduler is a control plane process which assigns\nPods to Nodes.\n\nUsage:\n  kube-scheduler [flags]\n\nFlags:\n${flagUsage(schedulerFlags)}\n`,
    );
    return;
  }
  let parsed;
  try {
    parsed = parseFlags(schedulerFlags, args);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const v = parsed.values;
  setVerbosity(v.v as number);
  let cfg: KubeSchedulerConfiguration;
  try {
    cfg = configFromFlags(v, parsed.set);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (v['write-config-to']) {
    writeFileSync(v['write-config-to'] as string, YAML.stringify(toV1(cfg)));
    log.info('Wrote configuration', { file: v['write-config-to'] });
    return;
  }
  log.info('Starting Kubernetes Scheduler', { version: 'v1.32.0' });
  const ctl = new AbortController();
  let running;
  try {
    running = await startScheduler({
      config: cfg,
      kubeconfig: v.config ? undefined : (v.kubeconfig as string) || undefined,
      master: (v.master as string) || undefined,
      signal: ctl.signal,
      serving: { bindAddress: v['bind-address'] as string, port: v['secure-port'] as number, certFile: (v['tls-cert-file'] as string) || undefined, keyFile: (v['tls-private-key-file'] as string) || undefined },
      onLeadershipLost: () => {
        setTimeout(() => process.exit(1), 100);
      },
    });
  } catch (err) {
    fail(`couldn't create scheduler: ${(err as Error).message}`);
  }
  const stop = async (sig: string) => {
    log.info('Received signal, shutting down', { signal: sig });
    ctl.abort();
    await running!.stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
