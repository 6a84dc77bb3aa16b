// `k8ts kubelet [flags]`: upstream's command line (--config with a KubeletConfiguration, the
// command-line-only flags and the deprecated config flags that override the file), then
// startKubelet until SIGTERM/SIGINT, which stop the kubelet and leave containers running.
// Every start-up error is one line and exit status 1.
import { existsSync } from 'node:fs';
import type { FlagDef } from '../util/flags.js';
import { FlagError, flagUsage, parseFlags } from '../util/flags.js';
import { logger, setVerbosity } from '../util/klog.js';
import { KubeletConfigError } from './config/load.js';
import { kubeletFlagDefs, resolveKubeletOptions } from './config/flags.js';
import { startKubelet, StartupError } from './index.js';

const log = logger('server.go');

export const kubeletFlags: FlagDef[] = kubeletFlagDefs;

/** One line, as upstream's kubelet reports a failed start ("command failed" err=...), and exit 1. */
function fail(msg: string): never {
  log.error(`command failed: ${msg}`);
  process.exit(1);
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `The kubelet is the primary "node agent" that runs on each node. It registers the node with\nthe apiserver and runs the pods bound to it through a CRI container runtime (containerd).\n\nUsage:\n  kubelet [flags]\n\nFlags:\n${flagUsage(kubeletFlags)}\n`,
    );
    return;
  }
  let parsed;
  try {
    parsed = parseFlags(kubeletFlags, args);
  } catch (e) {
    if (e instanceof FlagError) fail(e.message);
    throw e;
  }
  setVerbosity(parsed.values.v as number);
  let resolved;
  try {
    resolved = resolveKubeletOptions(parsed.values, parsed.set);
  } catch (e) {
    if (e instanceof KubeletConfigError) fail(e.message);
    throw e;
  }
  const { config, flags } = resolved;
  if (flags.bootstrapKubeconfig && !(flags.kubeconfig && existsSync(flags.kubeconfig))) {
    log.info('No --kubeconfig given: using --bootstrap-kubeconfig as the kubelet\'s credentials (k8ts does not request a client certificate by CSR)', { path: flags.bootstrapKubeconfig });
  }
  let kubelet;
  try {
    kubelet = await startKubelet({ config, configPath: flags.config, flags });
  } catch (e) {
    if (e instanceof StartupError || e instanceof KubeletConfigError) fail(e.message);
    fail((e as Error).message);
  }
  const stop = async (sig: string) => {
    log.info('Received signal, shutting down', { signal: sig });
    await kubelet.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
