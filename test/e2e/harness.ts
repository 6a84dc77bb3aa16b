// E2E harness: starts `k8ts server` as a child process in a fresh data dir (on a free
// port), runs the real kubectl against it, and cleans everything up.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The repo root (works from dist/test/e2e and from test/e2e under tsx). */
export const repoRoot = resolve(here, here.includes(`${'/dist/'}`) ? '../../..' : '../..');
export const k8tsBin = join(repoRoot, 'bin', 'k8ts.js');
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface ServerProc {
  dataDir: string;
  kubeconfig: string;
  url: string;
  proc: ChildProcess;
  /** log lines (stderr) collected so far */
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stop and delete the data dir. */
  destroy(): Promise<void>;
}

export async function startServer(opts: { dataDir?: string; extraArgs?: string[]; timeoutMs?: number } = {}): Promise<ServerProc> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'k8ts-e2e-'));
  const proc = spawn(process.execPath, [k8tsBin, 'server', `--data-dir=${dataDir}`, '--bind-address=127.0.0.1', '--secure-port=0', ...(opts.extraArgs ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  const logs: string[] = [];
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`k8ts server did not start in time; logs:\n${logs.join('')}`)), opts.timeoutMs ?? 20000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /k8ts is running at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`k8ts server exited with ${code}; logs:\n${logs.join('')}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return {
    dataDir,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    url,
    proc,
    logs,
    stop,
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run kubectl synchronously-in-a-child (async wrapper so tests can run it in parallel). */
export function kubectl(kubeconfig: string, args: string[], input?: string, timeoutMs = 30000): Promise<Result> {
  return new Promise((resolveRun) => {
    const p = spawn(KUBECTL, [`--kubeconfig=${kubeconfig}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** kubectl that must succeed; returns stdout. */
export async function kc(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(kubeconfig, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function kubectlAvailable(): boolean {
  return spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status === 0;
}
