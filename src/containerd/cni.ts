// CNI network configs for containerd's CRI plugin, as the seeds' 10-bridge.conf (bridge plugin,
// gateway on the bridge, masquerade, host-local IPAM over the node's pod CIDR) and
// 99-loopback.conf. Bridge name, subnet and where host-local keeps its leases are parameters.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export interface BridgeConfOptions {
  /** The node's pod CIDR, e.g. 10.200.0.0/24. */
  subnet: string;
  /** Linux bridge created on the host; upstream docs use cni0. */
  bridge?: string;
  /** CNI network name ("bridge" in the seeds); host-local keys its leases by it. */
  name?: string;
  cniVersion?: string;
  /** host-local's lease directory; default /var/lib/cni/networks (shared by every runtime). */
  ipamDataDir?: string;
}

export const BRIDGE_CONF_FILE = '10-bridge.conf';
export const LOOPBACK_CONF_FILE = '99-loopback.conf';

export function bridgeConf(o: BridgeConfOptions): Record<string, unknown> {
  const ipam: Record<string, unknown> = {
    type: 'host-local',
    ranges: [[{ subnet: o.subnet }]],
    routes: [{ dst: '0.0.0.0/0' }],
  };
  if (o.ipamDataDir) ipam['dataDir'] = o.ipamDataDir;
  return {
    cniVersion: o.cniVersion ?? '1.0.0',
    name: o.name ?? 'bridge',
    type: 'bridge',
    bridge: o.bridge ?? 'cni0',
    isGateway: true,
    ipMasq: true,
    ipam,
  };
}

/** What containerd's conf_template renders to the pod CIDR the kubelet reports (Go template). */
export const POD_CIDR_PLACEHOLDER = '{{.PodCIDR}}';

/**
 * The bridge config as a containerd `conf_template`: when the kubelet learns its node's podCIDR
 * it calls CRI UpdateRuntimeConfig, and containerd renders this into its conf_dir as
 * 10-containerd-net.conflist — a network list, so the bridge is wrapped in `plugins`, optionally
 * followed by portmap (hostPort support, which the seeds' single bridge conf does not have).
 */
export function bridgeConfTemplate(o: Omit<BridgeConfOptions, 'subnet'> & { portmap?: boolean } = {}): string {
  const { cniVersion, name, ...bridge } = bridgeConf({ ...o, subnet: POD_CIDR_PLACEHOLDER });
  const plugins: Record<string, unknown>[] = [bridge];
  if (o.portmap) plugins.push({ type: 'portmap', capabilities: { portMappings: true } });
  return JSON.stringify({ cniVersion, name, plugins }, null, 2) + '\n';
}

export function loopbackConf(cniVersion = '1.1.0'): Record<string, unknown> {
  return { cniVersion, name: 'lo', type: 'loopback' };
}

/**
 * The CNI spec versions a plugin binary supports (`CNI_COMMAND=VERSION`), or undefined when the
 * binary is missing or does not answer.
 */
export function pluginVersions(binDir: string, plugin: string): string[] | undefined {
  try {
    const out = execFileSync(join(binDir, plugin), [], { env: { CNI_COMMAND: 'VERSION' }, input: '', timeout: 5000 });
    const v = JSON.parse(out.toString()) as { supportedVersions?: string[] };
    return v.supportedVersions;
  } catch {
    return undefined;
  }
}

/** `wanted` if the plugin supports it, else the newest version it does (the seeds ask loopback for 1.1.0; plugins 1.1.x stop at 1.0.0). */
export function pickCniVersion(wanted: string, supported: string[] | undefined): string {
  if (!supported?.length || supported.includes(wanted)) return wanted;
  const key = (v: string) => v.split('.').map((n) => n.padStart(4, '0')).join('.');
  return [...supported].sort((a, b) => key(a).localeCompare(key(b))).at(-1)!;
}

export interface WriteCniOptions extends BridgeConfOptions {
  confDir: string;
  /** When given, cniVersions are lowered to what the installed plugins support. */
  binDir?: string;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text, { mode: 0o644 });
  renameSync(path + '.tmp', path);
}

/** Writes 10-bridge.conf and 99-loopback.conf into confDir; returns their paths. */
export function writeCniConfigs(o: WriteCniOptions): { bridge: string; loopback: string } {
  mkdirSync(o.confDir, { recursive: true });
  const bridgeVersion = o.binDir ? pickCniVersion(o.cniVersion ?? '1.0.0', pluginVersions(o.binDir, 'bridge')) : o.cniVersion;
  const loVersion = o.binDir ? pickCniVersion('1.1.0', pluginVersions(o.binDir, 'loopback')) : undefined;
  const bridge = join(o.confDir, BRIDGE_CONF_FILE);
  const loopback = join(o.confDir, LOOPBACK_CONF_FILE);
  writeAtomic(bridge, JSON.stringify(bridgeConf({ ...o, cniVersion: bridgeVersion }), null, 2) + '\n');
  writeAtomic(loopback, JSON.stringify(loopbackConf(loVersion), null, 2) + '\n');
  return { bridge, loopback };
}
