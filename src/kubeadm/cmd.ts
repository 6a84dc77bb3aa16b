// `k8ts kubeadm ...`: the parts of kubeadm's command line k8ts implements so far —
//
//   kubeadm init phase certs <all|ca|apiserver|...|sa> [flags]
//   kubeadm init phase kubeconfig <all|admin|super-admin|kubelet|controller-manager|scheduler> [flags]
//   kubeadm certs check-expiration [flags]
//
// Flags per phase are upstream's (InheritFlags of each phase), plus --node-name where a
// certificate depends on it. Errors print as kubeadm prints them (a phase failure as
// "error execution phase certs/apiserver: ...", then the --v=5 hint) and exit 1.

import { flagUsage, FlagError, parseFlags, type FlagDef, type FlagValues } from '../util/flags.js';
import { CERT_PHASES, DEFAULT_CERT_LIST, PhaseError, initCerts, runCertsPhase, type CertPhaseName } from './certs.js';
import {
  DEFAULT_BIND_PORT,
  DEFAULT_CERT_DIR,
  DEFAULT_DNS_DOMAIN,
  DEFAULT_KUBECONFIG_DIR,
  DEFAULT_SERVICE_SUBNET,
  klogWarningLine,
  type InitOptions,
} from './config.js';
import { checkExpiration, formatExpirationTable } from './expiration.js';
import { KUBECONFIG_PHASES, initKubeconfigs, runKubeconfigPhase, type KubeconfigPhaseName } from './kubeconfig.js';

export { initCerts, runCertsPhase } from './certs.js';
export { initKubeconfigs, runKubeconfigPhase } from './kubeconfig.js';
export { checkExpiration, formatExpirationTable } from './expiration.js';
export type { InitOptions } from './config.js';

/** Where the command writes (process.stdout/stderr by default; tests capture). */
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher';

class UsageError extends Error {}

// ---------------------------------------------------------------- flags

const F = {
  certDir: { name: 'cert-dir', type: 'string', default: DEFAULT_CERT_DIR, help: 'The path where to save and store the certificates.' },
  config: { name: 'config', type: 'string', help: 'Path to a kubeadm configuration file.' },
  kubernetesVersion: { name: 'kubernetes-version', type: 'string', default: 'stable-1', help: 'Choose a specific Kubernetes version for the control plane.' },
  advertiseAddress: { name: 'apiserver-advertise-address', type: 'string', help: 'The IP address the API Server will advertise it\'s listening on. If not set the default network interface will be used.' },
  controlPlaneEndpoint: { name: 'control-plane-endpoint', type: 'string', help: 'Specify a stable IP address or DNS name for the control plane.' },
  certSANs: { name: 'apiserver-cert-extra-sans', type: 'stringSlice', help: 'Optional extra Subject Alternative Names (SANs) to use for the API Server serving certificate. Can be both IP addresses and DNS names.' },
  dnsDomain: { name: 'service-dns-domain', type: 'string', default: DEFAULT_DNS_DOMAIN, help: 'Use alternative domain for services, e.g. "myorg.internal".' },
  serviceCIDR: { name: 'service-cidr', type: 'string', default: DEFAULT_SERVICE_SUBNET, help: 'Use alternative range of IP address for service VIPs.' },
  nodeName: { name: 'node-name', type: 'string', help: 'Specify the node name.' },
  bindPort: { name: 'apiserver-bind-port', type: 'int', default: DEFAULT_BIND_PORT, help: 'Port for the API Server to bind to.' },
  kubeconfigDir: { name: 'kubeconfig-dir', type: 'string', default: DEFAULT_KUBECONFIG_DIR, help: 'The path where to save the kubeconfig file.' },
  dryRun: { name: 'dry-run', type: 'bool', default: false, help: "Don't apply any changes; just output what would be done." },
  kubeconfig: { name: 'kubeconfig', type: 'string', default: '/etc/kubernetes/admin.conf', help: 'The kubeconfig file to use when talking to the cluster. If the flag is not set, a set of standard locations can be searched for an existing kubeconfig file.' },
  output: { name: 'output', type: 'string', default: 'text', help: 'Output format. One of: text.' },
  outputShort: { name: 'o', type: 'string', help: 'Shorthand for --output.', ignored: true },
  v: { name: 'v', type: 'int', default: 0, help: 'number for the log level verbosity' },
  rootfs: { name: 'rootfs', type: 'string', help: "The path to the 'real' host root filesystem.", ignored: true },
} satisfies Record<string, FlagDef>;

const GLOBAL: FlagDef[] = [F.v, F.rootfs];

/** getCertPhaseFlags (+ --node-name where the certificate names the node). */
function certPhaseFlags(name: string): FlagDef[] {
  if (name === 'sa') return [F.certDir, ...GLOBAL];
  const flags: FlagDef[] = [F.certDir, F.config, F.kubernetesVersion];
  if (name === 'all' || name === 'apiserver') flags.push(F.advertiseAddress, F.controlPlaneEndpoint, F.certSANs, F.dnsDomain, F.serviceCIDR);
  if (['all', 'apiserver', 'etcd-server', 'etcd-peer'].includes(name)) flags.push(F.nodeName);
  return [...flags, ...GLOBAL];
}

/** getKubeConfigPhaseFlags. */
function kubeconfigPhaseFlags(name: string): FlagDef[] {
  const flags: FlagDef[] = [F.advertiseAddress, F.controlPlaneEndpoint, F.bindPort, F.certDir, F.config, F.kubeconfigDir, F.kubernetesVersion, F.dryRun];
  if (name === 'all' || name === 'kubelet') flags.push(F.nodeName);
  return [...flags, ...GLOBAL];
}

const EXPIRATION_FLAGS: FlagDef[] = [F.certDir, F.config, F.kubeconfig, F.kubeconfigDir, F.output, F.outputShort, F.v, F.rootfs];

function parse(defs: FlagDef[], args: string[]): { values: FlagValues; positional: string[]; set: Set<string> } {
  const parsed = parseFlags(defs, args);
  if (parsed.set.has('config') && parsed.values.config) throw new UsageError('--config is not supported by k8ts kubeadm yet; pass the settings as flags');
  if (parsed.values['dry-run'] === true) throw new UsageError('--dry-run is not supported by k8ts kubeadm yet');
  return parsed;
}

function initOptions(v: FlagValues, io: CommandIO): InitOptions {
  const str = (k: string) => (typeof v[k] === 'string' && v[k] !== '' ? (v[k] as string) : undefined);
  return {
    certDir: str('cert-dir'),
    kubeconfigDir: str('kubeconfig-dir'),
    advertiseAddress: str('apiserver-advertise-address'),
    controlPlaneEndpoint: str('control-plane-endpoint'),
    certSANs: (v['apiserver-cert-extra-sans'] as string[] | undefined) ?? [],
    serviceSubnet: str('service-cidr'),
    dnsDomain: str('service-dns-domain'),
    nodeName: str('node-name'),
    bindPort: typeof v['apiserver-bind-port'] === 'number' ? (v['apiserver-bind-port'] as number) : undefined,
    out: (line) => io.stdout(line + '\n'),
    warn: (m) => io.stderr(klogWarningLine('kubeadm', m)),
  };
}

// ---------------------------------------------------------------- help

function help(use: string, short: string, defs: FlagDef[], sub?: { name: string; help: string }[]): string {
  let s = `${short}\n\nUsage:\n  ${use}${sub ? ' [command]' : ' [flags]'}\n`;
  if (sub) {
    const w = Math.max(...sub.map((c) => c.name.length)) + 2;
    s += `\nAvailable Commands:\n${sub.map((c) => `  ${c.name.padEnd(w)}${c.help}`).join('\n')}\n`;
  }
  const flags = defs.filter((d) => !GLOBAL.includes(d));
  if (flags.length) s += `\nFlags:\n${flagUsage(flags)}\n`;
  return s;
}

const CERT_SUBCOMMANDS = [
  { name: 'all', help: 'Generate all certificates' },
  ...DEFAULT_CERT_LIST.map((c) => ({ name: c.name, help: `Generate the ${c.longName}` })),
  { name: 'sa', help: 'Generate a private key for signing service account tokens along with its public key' },
];

const KUBECONFIG_SUBCOMMANDS = [
  { name: 'all', help: 'Generate all kubeconfig files' },
  { name: 'admin', help: 'Generate a kubeconfig file for the admin to use and for kubeadm itself' },
  { name: 'super-admin', help: 'Generate a kubeconfig file for the super-admin' },
  { name: 'kubelet', help: 'Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes' },
  { name: 'controller-manager', help: 'Generate a kubeconfig file for the controller manager to use' },
  { name: 'scheduler', help: 'Generate a kubeconfig file for the scheduler to use' },
];

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

// ---------------------------------------------------------------- commands

async function certsPhaseCmd(args: string[], io: CommandIO): Promise<void> {
  const [name, ...rest] = args;
  if (!name || name.startsWith('-')) {
    io.stdout(help('kubeadm init phase certs', 'This command is not meant to be run on its own. See list of available subcommands.', [], CERT_SUBCOMMANDS));
    return;
  }
  if (name !== 'all' && !(CERT_PHASES as readonly string[]).includes(name)) throw new UsageError(`unknown command "${name}" for "kubeadm init phase certs"`);
  const defs = certPhaseFlags(name);
  if (wantsHelp(rest)) {
    const short = CERT_SUBCOMMANDS.find((c) => c.name === name)!.help;
    io.stdout(help(`kubeadm init phase certs ${name}`, short, defs));
    return;
  }
  const { values, positional } = parse(defs, rest);
  if (positional.length) throw new UsageError(`unknown command "${positional[0]}" for "kubeadm init phase certs ${name}"`);
  const opts = initOptions(values, io);
  if (name === 'all') await initCerts(opts);
  else await runCertsPhase(name as CertPhaseName, opts);
}

async function kubeconfigPhaseCmd(args: string[], io: CommandIO): Promise<void> {
  const [name, ...rest] = args;
  if (!name || name.startsWith('-')) {
    io.stdout(help('kubeadm init phase kubeconfig', 'This command is not meant to be run on its own. See list of available subcommands.', [], KUBECONFIG_SUBCOMMANDS));
    return;
  }
  if (name !== 'all' && !KUBECONFIG_PHASES.some((p) => p.phase === name)) throw new UsageError(`unknown command "${name}" for "kubeadm init phase kubeconfig"`);
  const defs = kubeconfigPhaseFlags(name);
  if (wantsHelp(rest)) {
    io.stdout(help(`kubeadm init phase kubeconfig ${name}`, KUBECONFIG_SUBCOMMANDS.find((c) => c.name === name)!.help, defs));
    return;
  }
  const { values, positional } = parse(defs, rest);
  if (positional.length) throw new UsageError(`unknown command "${positional[0]}" for "kubeadm init phase kubeconfig ${name}"`);
  const opts = initOptions(values, io);
  if (name === 'all') await initKubeconfigs(opts);
  else await runKubeconfigPhase(name as KubeconfigPhaseName, opts);
}

async function checkExpirationCmd(args: string[], io: CommandIO): Promise<void> {
  if (wantsHelp(args)) {
    io.stdout(help('kubeadm certs check-expiration', 'Checks expiration for the certificates in the local PKI managed by kubeadm.', EXPIRATION_FLAGS));
    return;
  }
  const { values, positional, set } = parse(EXPIRATION_FLAGS, args);
  if (positional.length) throw new UsageError(`unknown command "${positional[0]}" for "kubeadm certs check-expiration"`);
  const output = set.has('o') ? (values.o as string) : (values.output as string);
  if (output !== 'text') {
    throw new UsageError(`could not construct output printer: unable to match a printer suitable for the output format "${output}", allowed formats are: text`);
  }
  const info = await checkExpiration({ certDir: values['cert-dir'] as string, kubeconfigDir: values['kubeconfig-dir'] as string });
  io.stdout(formatExpirationTable(info));
}

const TOP_HELP = `kubeadm: easily bootstrap a secure Kubernetes cluster (k8ts subset)

Usage:
  k8ts kubeadm [command]

Available Commands:
  certs       Commands related to handling kubernetes certificates
  init        Run this command in order to set up the Kubernetes control plane (only "init phase certs|kubeconfig" so far)
`;

async function dispatch(args: string[], io: CommandIO): Promise<void> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(TOP_HELP);
    return;
  }
  if (cmd === 'init') {
    if (rest[0] !== 'phase') throw new UsageError('k8ts kubeadm init: only "kubeadm init phase certs|kubeconfig ..." is implemented so far');
    const [group, ...more] = rest.slice(1);
    if (group === 'certs') return certsPhaseCmd(more, io);
    if (group === 'kubeconfig') return kubeconfigPhaseCmd(more, io);
    if (!group || group === '--help' || group === '-h') {
      io.stdout(help('kubeadm init phase', 'Use this command to invoke single phase of the init workflow', [], [
        { name: 'certs', help: 'Certificate generation' },
        { name: 'kubeconfig', help: 'Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file' },
      ]));
      return;
    }
    throw new UsageError(`unknown command "${group}" for "kubeadm init phase"`);
  }
  if (cmd === 'certs') {
    const [sub, ...more] = rest;
    if (sub === 'check-expiration') return checkExpirationCmd(more, io);
    if (!sub || sub === '--help' || sub === '-h') {
      io.stdout(help('kubeadm certs', 'Commands related to handling kubernetes certificates', [], [{ name: 'check-expiration', help: 'Check certificates expiration for a Kubernetes cluster' }]));
      return;
    }
    throw new UsageError(`unknown command "${sub}" for "kubeadm certs"`);
  }
  throw new UsageError(`unknown command "${cmd}" for "kubeadm"`);
}

const defaultIO: CommandIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** Run a kubeadm command line; returns the exit code (0 or 1) instead of exiting. */
export async function runWithIO(args: string[], io: CommandIO = defaultIO): Promise<number> {
  try {
    await dispatch(args, io);
    return 0;
  } catch (e) {
    if (e instanceof PhaseError) io.stderr(`error execution phase ${e.phase}: ${e.message}\n${STACK_HINT}\n`);
    else if (e instanceof FlagError || e instanceof UsageError) io.stderr(`${e.message}\n${STACK_HINT}\n`);
    else if (e instanceof Error) io.stderr(`${e.message}\n${STACK_HINT}\n`);
    else io.stderr(`${String(e)}\n${STACK_HINT}\n`);
    return 1;
  }
}

/** `k8ts kubeadm <args>`: exits 1 on failure, as kubeadm. */
export async function run(args: string[]): Promise<void> {
  const code = await runWithIO(args);
  if (code !== 0) process.exit(code);
}
