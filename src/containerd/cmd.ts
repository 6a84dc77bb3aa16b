// `k8ts images …`: container images for a node with no registry.
//   k8ts images import <archive.tar> [--address unix:///run/containerd/containerd.sock] [--namespace k8s.io]
//   k8ts images build-test [--out DIR] [--busybox /bin/busybox] [--import] [--address …] [--namespace …]
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { flagUsage, FlagError, parseFlags, type FlagDef } from '../util/flags.js';
import { setVerbosity } from '../util/klog.js';
import { DEFAULT_BUSYBOX_BINARY, K8S_NAMESPACE, buildTestImages, importArchive, verifyImages } from './images.js';

const DEFAULT_ADDRESS = 'unix:///run/containerd/containerd.sock';

const common: FlagDef[] = [
  { name: 'address', type: 'string', default: DEFAULT_ADDRESS, help: "containerd's socket" },
  { name: 'namespace', type: 'string', default: K8S_NAMESPACE, help: 'containerd namespace (the CRI uses k8s.io)' },
  { name: 'v', type: 'int', default: 0, help: 'log verbosity' },
];
const buildFlags: FlagDef[] = [
  { name: 'out', type: 'string', default: join(homedir(), '.cache', 'k8ts', 'images'), help: 'directory for the built archives (also the cache)' },
  { name: 'busybox', type: 'string', default: DEFAULT_BUSYBOX_BINARY, help: "a static busybox binary (Debian's busybox-static)" },
  { name: 'import', type: 'bool', default: false, help: 'import the built images into containerd' },
  ...common,
];

const USAGE = `Usage:
  k8ts images import <archive.tar> [flags]     load an OCI or Docker archive into containerd
  k8ts images build-test [flags]               build k8ts.io/pause:3.9 and k8ts.io/busybox:latest

import flags:
${flagUsage(common)}

build-test flags:
${flagUsage(buildFlags)}
`;

/** Where the CRI can be asked to confirm an import: only in its own namespace. */
async function confirm(address: string, namespace: string, names: string[]): Promise<string> {
  if (namespace !== K8S_NAMESPACE || names.length === 0) return '';
  const ids = await verifyImages(address.startsWith('unix://') ? address : `unix://${address}`, names);
  return names.map((n) => `${n} ${ids[n]}`).join('\n') + '\n';
}

/** Where the command writes (process.stdout/stderr by default; tests capture). */
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processIO: CommandIO = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };

/** The `k8ts images` entry: runs the command, exit code in process.exitCode. */
export async function run(args: string[]): Promise<void> {
  const code = await runImages(args, processIO);
  if (code !== 0) process.exitCode = code;
}

/** Runs `k8ts images <args>` writing to io; returns the exit code. */
export async function runImages(args: string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'import') {
      const { values, positional } = parseFlags(common, rest);
      setVerbosity(values['v'] as number);
      const [archive] = positional;
      if (!archive || positional.length > 1) throw new FlagError('import takes exactly one archive');
      if (!existsSync(archive)) throw new FlagError(`archive ${archive} does not exist`);
      const address = values['address'] as string;
      const namespace = values['namespace'] as string;
      const names = await importArchive(archive, { address, namespace });
      io.stdout((await confirm(address, namespace, names)) || names.map((n) => n + '\n').join(''));
      return 0;
    }
    if (sub === 'build-test') {
      const { values, positional } = parseFlags(buildFlags, rest);
      setVerbosity(values['v'] as number);
      if (positional.length) throw new FlagError(`unexpected argument ${positional[0]}`);
      const built = await buildTestImages({ outDir: values['out'] as string, busybox: values['busybox'] as string });
      for (const b of [built.pause, built.busybox]) io.stdout(`${b.name} ${b.archive}${b.cached ? ' (cached)' : ''}\n`);
      if (values['import']) {
        const address = values['address'] as string;
        const namespace = values['namespace'] as string;
        const names = [...(await importArchive(built.pause.archive, { address, namespace })), ...(await importArchive(built.busybox.archive, { address, namespace }))];
        io.stdout(`imported ${names.join(', ')}\n`);
        await confirm(address, namespace, names);
      }
      return 0;
    }
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    throw new FlagError(`unknown subcommand "${sub}"`);
  } catch (err) {
    io.stderr(`Error: ${(err as Error).message}\n`);
    if (err instanceof FlagError) io.stderr('\n' + USAGE);
    return 1;
  }
}
