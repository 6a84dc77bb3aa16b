// `kubeadm init phase kubeconfig`: the kubeconfig files kubeadm 1.32 writes under
// /etc/kubernetes, each with a client certificate signed by the cluster CA (1 year) and the
// CA embedded, cluster "kubernetes", context "<user>@kubernetes":
//
//   admin.conf               kubernetes-admin          O=kubeadm:cluster-admins  control-plane endpoint
//   super-admin.conf         kubernetes-super-admin    O=system:masters          control-plane endpoint
//   kubelet.conf             system:node:<node-name>   O=system:nodes            control-plane endpoint
//   controller-manager.conf  system:kube-controller-manager                      local API endpoint
//   scheduler.conf           system:kube-scheduler                               local API endpoint
//
// An existing file is kept when its CA matches (a different server URL only warns), as
// upstream's createKubeConfigFileIfNotExists; a different CA is an error.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueCert, LEAF_VALIDITY_DAYS } from '../pki/certs.js';
import { buildKubeconfig, readKubeconfig, writeKubeconfig, type Kubeconfig } from '../pki/kubeconfig.js';
import { CLUSTER_ADMINS_GROUP, NODES_GROUP, PhaseError, SYSTEM_PRIVILEGED_GROUP } from './certs.js';
import { controlPlaneEndpointURL, goQuote, localAPIEndpoint, resolveInitConfig, type InitConfig, type InitOptions } from './config.js';
import { PKIError, PeriodChecker, certPath, exists, keyPath, tryLoadCertAndKey, type LoadedCA } from './pkiutil.js';

export const ADMIN_KUBECONFIG = 'admin.conf';
export const SUPER_ADMIN_KUBECONFIG = 'super-admin.conf';
export const KUBELET_KUBECONFIG = 'kubelet.conf';
export const CONTROLLER_MANAGER_KUBECONFIG = 'controller-manager.conf';
export const SCHEDULER_KUBECONFIG = 'scheduler.conf';
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const SCHEDULER_USER = 'system:kube-scheduler';
export const NODES_USER_PREFIX = 'system:node:';

export type KubeconfigPhaseName = 'admin' | 'super-admin' | 'kubelet' | 'controller-manager' | 'scheduler';

/** The sub-phases of `kubeadm init phase kubeconfig`, in execution order, with their files. */
export const KUBECONFIG_PHASES: readonly { phase: KubeconfigPhaseName; fileName: string }[] = [
  { phase: 'admin', fileName: ADMIN_KUBECONFIG },
  { phase: 'super-admin', fileName: SUPER_ADMIN_KUBECONFIG },
  { phase: 'kubelet', fileName: KUBELET_KUBECONFIG },
  { phase: 'controller-manager', fileName: CONTROLLER_MANAGER_KUBECONFIG },
  { phase: 'scheduler', fileName: SCHEDULER_KUBECONFIG },
];

export interface KubeconfigSpec {
  fileName: string;
  clientName: string;
  organizations: string[];
  apiServer: string;
}

/** getKubeConfigSpecsBase: who each file authenticates as and which endpoint it uses. */
export function kubeconfigSpecs(cfg: InitConfig): Record<string, KubeconfigSpec> {
  const cpe = controlPlaneEndpointURL(cfg);
  const local = localAPIEndpoint(cfg);
  const spec = (fileName: string, clientName: string, organizations: string[], apiServer: string): KubeconfigSpec => ({ fileName, clientName, organizations, apiServer });
  return {
    [ADMIN_KUBECONFIG]: spec(ADMIN_KUBECONFIG, 'kubernetes-admin', [CLUSTER_ADMINS_GROUP], cpe),
    [SUPER_ADMIN_KUBECONFIG]: spec(SUPER_ADMIN_KUBECONFIG, 'kubernetes-super-admin', [SYSTEM_PRIVILEGED_GROUP], cpe),
    [KUBELET_KUBECONFIG]: spec(KUBELET_KUBECONFIG, `${NODES_USER_PREFIX}${cfg.nodeName}`, [NODES_GROUP], cpe),
    [CONTROLLER_MANAGER_KUBECONFIG]: spec(CONTROLLER_MANAGER_KUBECONFIG, CONTROLLER_MANAGER_USER, [], local),
    [SCHEDULER_KUBECONFIG]: spec(SCHEDULER_KUBECONFIG, SCHEDULER_USER, [], local),
  };
}

export interface KubeconfigPhaseResult {
  phase: KubeconfigPhaseName;
  path: string;
  /** 'written', 'existing' (kept), or 'external' (external CA mode: user-provided file). */
  action: 'written' | 'existing' | 'external';
}

interface RunState {
  cfg: InitConfig;
  periods: PeriodChecker;
  externalCA: boolean;
}

async function newState(opts: InitOptions): Promise<RunState> {
  const cfg = resolveInitConfig(opts);
  cfg.advertiseAddress();
  const externalCA = (await exists(certPath(cfg.certDir, 'ca'))) && !(await exists(keyPath(cfg.certDir, 'ca')));
  return { cfg, periods: new PeriodChecker(cfg.warn), externalCA };
}

async function loadCA(st: RunState): Promise<LoadedCA> {
  let ca: LoadedCA;
  try {
    ca = await tryLoadCertAndKey(st.cfg.certDir, 'ca');
  } catch (e) {
    if (e instanceof PKIError && e.notExist) throw new Error(`the CA files do not exist, please run \`kubeadm init phase certs ca\` to generate it: ${e.message}`);
    throw new Error(`couldn't create a kubeconfig; the CA files couldn't be loaded: ${(e as Error).message}`);
  }
  st.periods.check('ca', ca.cert);
  return ca;
}

/** buildKubeConfigFromSpec: a new client certificate signed by the CA, everything embedded. */
export async function buildKubeconfigFromSpec(spec: KubeconfigSpec, ca: { certPem: string; keyPem: string }, clusterName: string, cfg?: Pick<InitConfig, 'keyAlgorithm'>): Promise<Kubeconfig> {
  let client;
  try {
    client = await issueCert(ca, {
      commonName: spec.clientName,
      organizations: spec.organizations,
      usages: ['client'],
      validityDays: LEAF_VALIDITY_DAYS,
      keyAlgorithm: cfg?.keyAlgorithm ?? 'rsa',
    });
  } catch (e) {
    throw new Error(`failure while creating ${spec.clientName} client certificate: ${(e as Error).message}`);
  }
  return buildKubeconfig({
    server: spec.apiServer,
    clusterName,
    userName: spec.clientName,
    caCertPem: ca.certPem,
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
  });
}

/**
 * validateKubeConfig: undefined when the file does not exist; throws when it cannot be read
 * or embeds another CA; warns when its server URL differs.
 */
async function validateExisting(st: RunState, path: string, caPem: string, server: string): Promise<'missing' | 'ok'> {
  if (!(await exists(path))) return 'missing';
  let current: Kubeconfig;
  try {
    current = await readKubeconfig(path);
  } catch (e) {
    throw new Error(`failed to load kubeconfig file ${path} that already exists on disk: ${(e as Error).message}`);
  }
  const ctx = current.contexts.find((c) => c.name === current['current-context']);
  if (!ctx) throw new Error(`failed to find CurrentContext in Contexts of the kubeconfig file ${path}`);
  const cluster = current.clusters.find((c) => c.name === ctx.context.cluster);
  if (!cluster) throw new Error(`failed to find the given CurrentContext Cluster in Clusters of the kubeconfig file ${path}`);
  let caCurrent = cluster.cluster['certificate-authority-data'] ? Buffer.from(cluster.cluster['certificate-authority-data'], 'base64').toString('utf8').trim() : '';
  if (!caCurrent && cluster.cluster['certificate-authority']) {
    const file = cluster.cluster['certificate-authority'];
    try {
      caCurrent = (await readFile(file, 'utf8')).trim();
    } catch (e) {
      st.cfg.warn(`failed to load CA cert from ${goQuote(file)} for kubeconfig ${goQuote(path)}, ${(e as Error).message}`);
    }
  }
  if (caCurrent !== caPem.trim()) throw new Error(`a kubeconfig file ${goQuote(path)} exists already but has got the wrong CA cert`);
  if (cluster.cluster.server !== server) {
    st.cfg.warn(`a kubeconfig file ${goQuote(path)} exists already but has an unexpected API Server URL: expected: ${server}, got: ${cluster.cluster.server}`);
  }
  return 'ok';
}

async function runOne(st: RunState, phase: KubeconfigPhaseName): Promise<KubeconfigPhaseResult> {
  const entry = KUBECONFIG_PHASES.find((p) => p.phase === phase);
  if (!entry) throw new PhaseError(`kubeconfig/${phase}`, `invalid phase name: kubeconfig/${phase}`);
  const { cfg } = st;
  const path = join(cfg.kubeconfigDir, entry.fileName);
  try {
    if (st.externalCA) {
      cfg.out(`[kubeconfig] External CA mode: Using user provided ${entry.fileName}`);
      return { phase, path, action: 'external' };
    }
    const ca = await loadCA(st);
    const spec = kubeconfigSpecs(cfg)[entry.fileName];
    if ((await validateExisting(st, path, ca.certPem, spec.apiServer)) === 'ok') {
      cfg.out(`[kubeconfig] Using existing kubeconfig file: ${goQuote(path)}`);
      return { phase, path, action: 'existing' };
    }
    const kc = await buildKubeconfigFromSpec(spec, ca, cfg.clusterName, cfg);
    cfg.out(`[kubeconfig] Writing ${goQuote(entry.fileName)} kubeconfig file`);
    try {
      await writeKubeconfig(path, kc);
    } catch (e) {
      throw new Error(`failed to save kubeconfig file ${goQuote(path)} on disk: ${(e as Error).message}`);
    }
    return { phase, path, action: 'written' };
  } catch (e) {
    if (e instanceof PhaseError) throw e;
    throw new PhaseError(`kubeconfig/${phase}`, (e as Error).message);
  }
}

/** `kubeadm init phase kubeconfig all`: the folder line, then every file in order. */
export async function initKubeconfigs(opts: InitOptions = {}): Promise<KubeconfigPhaseResult[]> {
  const st = await newState(opts);
  st.cfg.out(`[kubeconfig] Using kubeconfig folder ${goQuote(st.cfg.kubeconfigDir)}`);
  const out: KubeconfigPhaseResult[] = [];
  for (const { phase } of KUBECONFIG_PHASES) out.push(await runOne(st, phase));
  return out;
}

/** One sub-phase (`kubeadm init phase kubeconfig <phase>`). */
export async function runKubeconfigPhase(phase: KubeconfigPhaseName, opts: InitOptions = {}): Promise<KubeconfigPhaseResult> {
  return runOne(await newState(opts), phase);
}
