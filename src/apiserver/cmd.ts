// `k8ts kube-apiserver [flags]`: parse upstream's flags and run the API server until a
// termination signal.
import { FlagError, flagUsage, parseFlags } from '../util/flags.js';
import { logger, setVerbosity } from '../util/klog.js';
import { apiserverFlags, optionsFromFlags, NOT_YET_ENFORCED } from './options.js';
import { APIServer } from './server.js';

const log = logger('server.go');

export async function run(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`The Kubernetes API server validates and configures data for the api objects.\n\nUsage:\n  kube-apiserver [flags]\n\nFlags:\n${flagUsage(apiserverFlags)}\n`);
    return;
  }
  let parsed;
  try {
    parsed = parseFlags(apiserverFlags, args);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  setVerbosity(parsed.values.v as number);
  for (const name of parsed.set) {
    if (NOT_YET_ENFORCED.has(name)) log.warning('flag accepted but not enforced by this k8ts version', { flag: `--${name}` });
  }
  const opts = optionsFromFlags(parsed.values);
  const server = await APIServer.start(opts);
  const stop = async (sig: string) => {
    log.info('received signal, shutting down', { signal: sig });
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
