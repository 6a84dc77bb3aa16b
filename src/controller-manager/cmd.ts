// `k8ts kube-controller-manager [flags]`: upstream's flags (the Hard Way's unit file runs as
// written), a client from --kubeconfig, the secure serving endpoint (/healthz, /metrics) and
// the controllers under leader election until a termination signal — or exit when leadership
// is lost, as upstream.

import { FlagError, flagUsage, parseFlags } from '../util/flags.js';
import { logger, setVerbosity } from '../util/klog.js';
import { serveSecurely } from '../util/serving.js';
import { RestClient, defaultUserAgent } from '../client/index.js';
import { versionInfo } from '../version.js';
import { controllerManagerFlags, controllerManagerOptions } from './options.js';
import { startControllerManager } from './index.js';

const log = logger('controllermanager.go');

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`The Kubernetes controller manager is a daemon that embeds the core control loops shipped with Kubernetes.\n\nUsage:\n  kube-controller-manager [flags]\n\nFlags:\n${flagUsage(controllerManagerFlags)}\n`);
    return;
  }
  let opts;
  try {
    const parsed = parseFlags(controllerManagerFlags, args);
    setVerbosity(parsed.values.v as number);
    for (const d of controllerManagerFlags) if (d.ignored && parsed.set.has(d.name)) log.v(1).info('flag has no effect in k8ts', { flag: `--${d.name}` });
    opts = controllerManagerOptions(parsed.values, parsed.set);
    if (!opts.kubeconfig && !opts.master) throw new FlagError('--kubeconfig or --master is required');
    // validate --controllers early, with upstream's wording
    (await import('./controllers.js')).enabledControllers(opts.controllers);
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  log.info('Starting', { version: versionInfo().gitVersion });
  const userAgent = defaultUserAgent('kube-controller-manager');
  let client: RestClient;
  try {
    client = opts.kubeconfig
      ? await RestClient.fromKubeconfig(opts.kubeconfig, { qps: opts.kubeAPIQPS, burst: opts.kubeAPIBurst, userAgent })
      : new RestClient({ server: opts.master, qps: opts.kubeAPIQPS, burst: opts.kubeAPIBurst, userAgent });
    if (opts.master && opts.kubeconfig) client = new RestClient({ ...client.config, server: opts.master });
  } catch (e) {
    process.stderr.write(`Error: invalid kubeconfig "${opts.kubeconfig}": ${(e as Error).message}\n`);
    process.exit(1);
  }
  const cm = await startControllerManager({
    client,
    options: opts,
    onLostLeadership: () => process.exit(1),
  });
  const serving =
    opts.securePort > 0
      ? await serveSecurely({
          bindAddress: opts.bindAddress,
          port: opts.securePort,
          certFile: opts.tlsCertFile,
          keyFile: opts.tlsPrivateKeyFile,
          registry: cm.registry,
          selfSignedName: 'kube-controller-manager',
          checks: cm.elector ? { leaderElection: () => cm.elector!.check(20_000)?.message ?? true } : {},
        })
      : undefined;
  const stop = async (sig: string) => {
    log.info('received signal, shutting down', { signal: sig });
    await cm.stop();
    await serving?.close();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
