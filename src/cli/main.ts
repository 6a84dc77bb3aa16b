// The k8ts multi-call entry: `k8ts <component> [--flags]`. Also dispatches on argv[0], so a
// link named kube-apiserver (or any other component name) runs that component.
import { basename } from 'node:path';

/** A command resolves when done; a number is its exit code (non-zero ends the process with it). */
type Command = (args: string[]) => Promise<void | number>;

const commands: Record<string, { help: string; load: () => Promise<Command> }> = {
  'kube-apiserver': { help: 'run the Kubernetes API server', load: async () => (await import('../apiserver/cmd.js')).run },
  'kube-controller-manager': { help: 'run the controller manager', load: async () => (await import('../controller-manager/cmd.js')).run },
  'kube-scheduler': { help: 'run the scheduler', load: async () => (await import('../scheduler/cmd.js')).run },
  kubeadm: { help: 'kubeadm subset: init phase certs|kubeconfig, certs check-expiration', load: async () => (await import('../kubeadm/cmd.js')).run },
  server: { help: 'run an all-in-one cluster (control plane) under --data-dir', load: async () => (await import('../server/cmd.js')).run },
  kubelet: { help: 'run the node agent (pods through CRI on containerd)', load: async () => (await import('../kubelet/cmd.js')).run },
  images: { help: 'container images for offline use: import <archive.tar>, build-test', load: async () => (await import('../containerd/cmd.js')).run },
  'migrate-storage': { help: "copy a stopped cluster's store between the embedded store and etcd (--from, --to)", load: async () => (await import('./migrate-storage.js')).run },
  'sim-nodes': { help: 'run a fleet of simulated nodes (kwok-like) against an API server', load: async () => (await import('../simnodes/cmd.js')).run },
  version: { help: 'print the version', load: async () => async () => { const { versionInfo } = await import('../version.js'); process.stdout.write(`k8ts ${versionInfo().gitVersion}\n`); } },
};

function usage(): string {
  const lines = Object.entries(commands).map(([k, v]) => `  ${k.padEnd(24)} ${v.help}`);
  return `k8ts: Kubernetes in TypeScript\n\nUsage: k8ts <command> [flags]\n\nCommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<void> {
  const self = basename(argv[1] ?? 'k8ts').replace(/\.js$/, '');
  let name: string | undefined;
  let args: string[];
  if (self !== 'k8ts' && commands[self]) {
    name = self;
    args = argv.slice(2);
  } else {
    name = argv[2];
    args = argv.slice(3);
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`k8ts: unknown command "${name}"\n\n${usage()}`);
    process.exit(2);
  }
  const code = await (await cmd.load())(args);
  if (typeof code === 'number' && code !== 0) process.exit(code);
}
