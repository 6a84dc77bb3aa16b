// Start-up checks the kubelet makes before it runs anything, each failing with one clear line:
// swap on with failSwapOn, the systemd cgroup driver on a host without systemd, the runtime
// socket missing or not answering, and the kubelet's cgroupDriver differing from the runtime's
// (the pitfall the Hard Way's notes warn about: SystemdCgroup in containerd's config must match).
import { existsSync, readFileSync } from 'node:fs';
import type { CriClient, StatusInfo } from '../cri/client.js';
import { endpointPath, runtimeCgroupDriver } from '../cri/client.js';
import type { KubeletConfiguration } from './config/types.js';
import { swapOn, systemdRunning } from './node/host.js';

export class StartupError extends Error {}

/** Where a setting came from, for messages: "cgroupDriver in /etc/kubelet.yaml" or the flag. */
function source(setting: string, configPath: string): string {
  return configPath ? `${setting} in ${configPath}` : `the kubelet's ${setting} (default or flag)`;
}

/** Host checks that need no runtime: swap and the systemd driver. */
export function checkHost(cfg: KubeletConfiguration, configPath: string, root = ''): void {
  if (cfg.failSwapOn && swapOn(root)) {
    const swaps = readFileSync(root ? `${root}/proc/swaps` : '/proc/swaps', 'utf8').trim().split('\n').slice(1).join('; ');
    throw new StartupError(`running with swap on is not supported, please disable swap or set failSwapOn to false (${source('failSwapOn', configPath)}); /proc/swaps contained: ${swaps}`);
  }
  if (cfg.cgroupDriver === 'systemd' && !systemdRunning(root)) {
    throw new StartupError(`cgroupDriver is "systemd" (${source('cgroupDriver', configPath)}) but systemd is not running on this host (/run/systemd/system is missing): set cgroupDriver: cgroupfs, and SystemdCgroup = false in containerd's config`);
  }
}

/** The runtime endpoint answers CRI Version; returns the answer's runtime name and version. */
export async function checkRuntimeEndpoint(cri: CriClient, endpoint: string, timeoutMs = 10_000): Promise<{ runtimeName: string; runtimeVersion: string }> {
  if (endpoint.startsWith('unix://') || endpoint.startsWith('/')) {
    const path = endpointPath(endpoint);
    if (!existsSync(path)) {
      throw new StartupError(`failed to connect to the container runtime: containerRuntimeEndpoint ${endpoint}: ${path}: no such file or directory (is containerd running?)`);
    }
  }
  try {
    const v = await cri.version(undefined, timeoutMs);
    return { runtimeName: v.runtimeName ?? '', runtimeVersion: v.runtimeVersion ?? '' };
  } catch (err) {
    throw new StartupError(`failed to connect to the container runtime: containerRuntimeEndpoint ${endpoint} is not answering CRI Version: ${(err as Error).message}`);
  }
}

/** The kubelet's cgroup driver must be the runtime's (read from CRI Status verbose info). */
export function checkCgroupDriver(cfg: KubeletConfiguration, configPath: string, info: StatusInfo): void {
  const runtime = runtimeCgroupDriver(info);
  if (!runtime || runtime === cfg.cgroupDriver) return;
  const want = runtime === 'systemd' ? 'true' : 'false';
  throw new StartupError(
    `misconfiguration: kubelet cgroup driver: "${cfg.cgroupDriver}" is different from the container runtime's cgroup driver: "${runtime}": ` +
      `set cgroupDriver: ${runtime} (${source('cgroupDriver', configPath)}), or SystemdCgroup = ${cfg.cgroupDriver === 'systemd' ? 'true' : 'false'} in containerd's config (now SystemdCgroup = ${want})`,
  );
}
