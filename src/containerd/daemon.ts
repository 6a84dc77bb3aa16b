// Running containerd as a child of k8ts (as k3s does): find the binaries a real node needs,
// write the config, spawn `containerd --config …` in its own process group, wait until its CRI
// answers Version, and stop it with SIGTERM then SIGKILL. Containers (their shims) outlive it.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { CriClient, isCriUnimplemented } from '../cri/client.js';
import type { VersionResponse } from '../cri/types.js';
import { logger } from '../util/klog.js';
import { renderContainerdConfig, type ContainerdConfigOptions } from './config.js';

const log = logger('containerd');

/** Where CNI plugins are looked for: upstream's /opt/cni/bin, then Debian's and Fedora's. */
export const CNI_BIN_DIRS = ['/opt/cni/bin', '/usr/lib/cni', '/usr/libexec/cni'];
/** The plugins the seeds' configs use. */
export const REQUIRED_CNI_PLUGINS = ['bridge', 'host-local', 'loopback'];

/** The executable `name` on PATH (plus the sbin dirs, where Debian puts runc), or undefined. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The first directory holding every required CNI plugin. */
export function findCniBinDir(dirs = CNI_BIN_DIRS): string | undefined {
  return dirs.find((d) => REQUIRED_CNI_PLUGINS.every((p) => existsSync(join(d, p))));
}

export interface RuntimeBinaries {
  containerd: string;
  shim: string;
  runc: string;
  ctr: string;
  cniBinDir: string;
}

/** Paths of containerd, its runc v2 shim, runc, ctr and the CNI plugin dir — or why not. */
export function findContainerd(): { ok: true; binaries: RuntimeBinaries } | { ok: false; reason: string } {
  const missing: string[] = [];
  const need = (name: string) => which(name) ?? (missing.push(name), '');
  const containerd = need('containerd');
  const shim = need('containerd-shim-runc-v2');
  const runc = need('runc');
  const ctr = need('ctr');
  const cniBinDir = findCniBinDir();
  if (!cniBinDir) missing.push(`CNI plugins ${REQUIRED_CNI_PLUGINS.join(', ')} (looked in ${CNI_BIN_DIRS.join(', ')})`);
  if (missing.length) return { ok: false, reason: `missing ${missing.join('; ')}` };
  return { ok: true, binaries: { containerd, shim, runc, ctr, cniBinDir: cniBinDir! } };
}

/** Whether this machine can run real pods: the binaries above, and root (mounts, netns, cgroups). */
export function runtimeAvailable(): { ok: true; binaries: RuntimeBinaries } | { ok: false; reason: string } {
  const found = findContainerd();
  if (!found.ok) return found;
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root (containerd needs mounts, network namespaces and cgroups)' };
  return found;
}

/** Version of the CRI runtime at `endpoint`, or undefined if nothing answers there. */
export async function probeRuntime(endpoint: string, timeoutMs = 2000): Promise<VersionResponse | undefined> {
  const cri = new CriClient(endpoint, { timeoutMs });
  try {
    return await cri.version(undefined, timeoutMs);
  } catch {
    return undefined;
  } finally {
    cri.close();
  }
}

export interface StartContainerdOptions {
  root: string;
  state: string;
  /** gRPC socket path (or unix:// URL). */
  address: string;
  /** An existing config file… */
  configPath?: string;
  /** …or the options to write one from (root/state/address are filled in from above). */
  options?: Partial<ContainerdConfigOptions>;
  /** containerd's stdout/stderr go to this file; default <state>/containerd.log. */
  log?: string;
  /** Give up waiting for the CRI after this long (default 60 s). */
  timeoutMs?: number;
  /** The containerd binary (default: found on PATH). */
  binary?: string;
  /**
   * SIGTERM containerd when this process exits without having stopped it (default true), so a
   * crashed test or an exiting `k8ts server` leaves no daemon behind. Containers keep running.
   */
  stopOnExit?: boolean;
}

export interface RunningContainerd {
  /** unix:///…/containerd.sock */
  endpoint: string;
  address: string;
  pid: number;
  configPath: string;
  logPath: string;
  /** Resolves with the exit code (or signal name) when containerd exits. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after graceMs (default 10 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** The last `n` lines of a log file, for error messages. */
export function tailFile(path: string, n = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The log lines where containerd says why a plugin did not load. */
function criPluginErrors(logPath: string): string {
  try {
    return readFileSync(logPath, 'utf8').split('\n').filter((l) => /failed to load plugin/.test(l)).slice(-5).join('\n');
  } catch {
    return '';
  }
}

function socketPath(address: string): string {
  return address.startsWith('unix://') ? address.slice('unix://'.length) : address;
}

export async function startContainerd(o: StartContainerdOptions): Promise<RunningContainerd> {
  const address = socketPath(o.address);
  for (const d of [o.root, o.state, dirname(address)]) mkdirSync(d, { recursive: true });
  let configPath = o.configPath;
  if (!configPath) {
    configPath = join(o.state, 'config.toml');
    writeFileSync(configPath, renderContainerdConfig({ ...o.options, root: o.root, state: o.state, address }));
  }
  const logPath = o.log ?? join(o.state, 'containerd.log');
  mkdirSync(dirname(logPath), { recursive: true });
  const binary = o.binary ?? which('containerd') ?? 'containerd';
  const args = ['--config', configPath, '--root', o.root, '--state', o.state, '--address', address];
  const fd = openSync(logPath, 'a');
  const started = Date.now();
  let child: ChildProcess;
  try {
    // Its own process group, so a terminal's ^C reaches k8ts (which then stops it) and not it.
    child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(`spawn error: ${err.message}`));
  });
  let exitedWith: number | string | undefined;
  const pid = child.pid ?? -1;
  const onExit = () => {
    if (exitedWith === undefined && pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  };
  if (o.stopOnExit ?? true) process.on('exit', onExit);
  void exited.then((v) => {
    exitedWith = v;
    process.off('exit', onExit);
  });
  log.v(1).info('Started containerd', { pid, config: configPath, address, log: logPath });

  const endpoint = `unix://${address}`;
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (exitedWith !== undefined || pid < 0) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      log.warning('containerd did not stop after SIGTERM; killing it', { pid, graceMs });
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, graceMs);
    await exited;
    clearTimeout(timer);
    log.v(1).info('Stopped containerd', { pid, exit: exitedWith });
  };

  // Wait until the CRI plugin answers, reporting progress every few seconds.
  const timeoutMs = o.timeoutMs ?? 60_000;
  const cri = new CriClient(endpoint, { timeoutMs: 1000 });
  let lastReport = started;
  try {
    for (;;) {
      if (exitedWith !== undefined) {
        throw new Error(`containerd exited (${exitedWith}) before its CRI answered; last lines of ${logPath}:\n${tailFile(logPath)}`);
      }
      if (existsSync(address)) {
        const v = await cri.version(undefined, 1000).catch((err: unknown) => {
          // containerd is up but without its CRI plugin: no point waiting.
          if (isCriUnimplemented(err)) return err;
          return undefined;
        });
        if (v instanceof Error) {
          await stop(2000);
          const why = criPluginErrors(logPath);
          throw new Error(`containerd at ${endpoint} runs without its CRI plugin (${v.details})${why ? `; its log says:\n${why}` : `; last lines of ${logPath}:\n${tailFile(logPath)}`}`);
        }
        if (v) {
          log.v(1).info('containerd is ready', { version: v.runtimeVersion, ms: Date.now() - started });
          break;
        }
      }
      if (Date.now() - started > timeoutMs) {
        await stop(2000);
        throw new Error(`containerd did not answer CRI Version on ${endpoint} within ${timeoutMs} ms; last lines of ${logPath}:\n${tailFile(logPath)}`);
      }
      if (Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        log.info('Waiting for containerd', { endpoint, waitedMs: lastReport - started });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    cri.close();
  }
  return { endpoint, address, pid, configPath, logPath, exited, stop };
}
