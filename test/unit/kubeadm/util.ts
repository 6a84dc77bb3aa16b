// Shared helpers for the kubeadm tests: run the CLI in-process capturing its output, run
// openssl / kubectl, read file modes.

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { runWithIO } from '../../../src/kubeadm/cmd.js';

export interface CLIResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kubeadm(...args: string[]): Promise<CLIResult> {
  let stdout = '';
  let stderr = '';
  const code = await runWithIO(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

export function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

export function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function x509Text(path: string): string {
  return openssl('x509', '-noout', '-text', '-in', path);
}

export function kubectlConfigView(path: string): any {
  return JSON.parse(execFileSync('kubectl', ['config', 'view', `--kubeconfig=${path}`, '-o', 'json', '--raw'], { encoding: 'utf8' }));
}

export function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Split a Go tabwriter table into rows of cells using the header's column offsets. */
export function parseTable(block: string[]): { header: string[]; rows: Record<string, string>[] } {
  const headerLine = block[0];
  // columns are separated by at least 3 spaces (tabwriter padding); names contain single spaces
  const starts: number[] = [];
  const names: string[] = [];
  const re = /\S+(?: \S+)*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(headerLine))) {
    starts.push(m.index);
    names.push(m[0]);
  }
  const rows = block.slice(1).map((line) => {
    const r: Record<string, string> = {};
    names.forEach((n, i) => {
      r[n] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return r;
  });
  return { header: names, rows };
}
