// The components `k8ts server` runs next to its API server, in the same process but as
// separate clients over HTTPS with their own identities (as the Hard Way's units do):
// kube-controller-manager (CN=system:kube-controller-manager, controllers acting as their
// kube-system ServiceAccounts), kube-scheduler (CN=system:kube-scheduler), and — when asked —
// simulated nodes (admin credentials, as kwok uses).

import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { RestClient, defaultUserAgent } from '../client/index.js';
import { buildKubeconfig, writeKubeconfig } from '../pki/kubeconfig.js';
import { ensureComponentClientCert } from '../pki/server-pki.js';
import type { ServerPKIPaths } from '../pki/server-pki.js';
import { controllerManagerFlags, controllerManagerOptions } from '../controller-manager/options.js';
import type { ControllerManagerOptions } from '../controller-manager/options.js';
import { parseFlags } from '../util/flags.js';
import { startControllerManager } from '../controller-manager/index.js';
import { startScheduler, defaultConfig as defaultSchedulerConfig } from '../scheduler/index.js';
import { startSimNodes } from '../simnodes/index.js';
import { logger } from '../util/klog.js';

const log = logger('server.go');

export interface ComponentsOptions {
  dataDir: string;
  serverURL: string;
  caCertPem: string;
  pki: ServerPKIPaths;
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
  serviceCIDR: string;
  controllerManager: boolean;
  scheduler: boolean;
  simNodes: number;
  adminKubeconfig: string;
  /** --kube-controller-manager-arg values: kube-controller-manager flags over the all-in-one's */
  controllerManagerArgs?: string[];
}

export interface Components {
  stop(): Promise<void>;
}

/** Write DIR/<name>.kubeconfig for a component identity and return a client from it. */
async function componentClient(o: ComponentsOptions, name: string, cn: string, qps: number, burst: number): Promise<RestClient> {
  const { certPath, keyPath } = await ensureComponentClientCert(o.dataDir, name, cn);
  const [clientCertPem, clientKeyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  const path = join(o.dataDir, `${name}.kubeconfig`);
  await writeKubeconfig(path, buildKubeconfig({ server: o.serverURL, caCertPem: o.caCertPem, clientCertPem, clientKeyPem, userName: cn }));
  return RestClient.fromKubeconfig(path, { qps, burst, userAgent: defaultUserAgent(name) });
}

/**
 * The in-process controller-manager's options: what the Hard Way's unit file sets, pointed at
 * the data dir's PKI, then the user's --kube-controller-manager-arg flags (k3s' way to tune it).
 */
export function controllerManagerOptionsFor(o: ComponentsOptions): ControllerManagerOptions {
  const args = [
    `--kubeconfig=${join(o.dataDir, 'kube-controller-manager.kubeconfig')}`,
    `--cluster-cidr=${o.clusterCIDR}`,
    `--node-cidr-mask-size=${o.nodeCIDRMaskSize}`,
    `--service-cluster-ip-range=${o.serviceCIDR}`,
    `--cluster-signing-cert-file=${o.pki.caCertPath}`,
    `--cluster-signing-key-file=${o.pki.caKeyPath}`,
    `--root-ca-file=${o.pki.caCertPath}`,
    `--service-account-private-key-file=${o.pki.saKeyPath}`,
    '--use-service-account-credentials=true',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
    ...(o.controllerManagerArgs ?? []).map((a) => (a.startsWith('--') ? a : `--${a}`)),
  ];
  const p = parseFlags(controllerManagerFlags, args);
  return controllerManagerOptions(p.values, p.set);
}

export async function startComponents(o: ComponentsOptions): Promise<Components> {
  const stops: (() => Promise<void>)[] = [];
  if (o.controllerManager) {
    const client = await componentClient(o, 'kube-controller-manager', 'system:kube-controller-manager', 100, 200);
    const options = controllerManagerOptionsFor(o);
    const cm = await startControllerManager({
      client,
      options,
      onLostLeadership: () => log.error('kube-controller-manager lost its lease; controllers stopped until it is re-acquired'),
    });
    stops.push(async () => {
      await cm.stop();
      client.close();
    });
  }
  if (o.scheduler) {
    const client = await componentClient(o, 'kube-scheduler', 'system:kube-scheduler', 200, 400);
    const config = defaultSchedulerConfig({ clientConnection: { kubeconfig: join(o.dataDir, 'kube-scheduler.kubeconfig'), qps: 200, burst: 400 } });
    const sched = await startScheduler({
      client,
      config,
      processMetrics: false,
      onLeadershipLost: () => log.error('kube-scheduler lost its lease; scheduling stopped'),
    });
    stops.push(async () => {
      await sched.stop();
      client.close();
    });
  }
  if (o.simNodes > 0) {
    const client = await RestClient.fromKubeconfig(o.adminKubeconfig, { qps: -1, userAgent: defaultUserAgent('sim-nodes') });
    const sim = await startSimNodes({ client, count: o.simNodes });
    stops.push(async () => {
      await sim.stop();
      client.close();
    });
  }
  return {
    stop: async () => {
      for (const s of stops.reverse()) await s().catch(() => undefined);
    },
  };
}
