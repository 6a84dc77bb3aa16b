// `kubeadm init phase certs`: kubeadm 1.32's certificate list (certlist.go) and the phase
// runners (phases/init/certs.go + phases/certs/certs.go), with upstream's output lines:
//
//   [certs] Using certificateDir folder "/etc/kubernetes/pki"        (only for "all")
//   [certs] Generating "ca" certificate and key
//   [certs] apiserver serving cert is signed for DNS names [...] and IPs [...]
//   [certs] Using existing ca certificate authority
//   [certs] Using existing apiserver certificate and key on disk
//   [certs] Generating "sa" key and public key / Using the existing "sa" key
//
// Subjects, SANs, usages and validity are kubeadm's: CAs "kubernetes", "front-proxy-ca" and
// "etcd-ca" (10 years, their CN as a DNS SAN), leaves 1 year, RSA 2048 keys; an existing
// certificate is kept when it chains to its CA (no SAN check on that path, as upstream).

import {
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
  createCA,
  generateServiceAccountKeyPair,
  issueCert,
  type CertKeyPair,
  type CertUsage,
} from '../pki/certs.js';
import { writeCertKeyPair, writeKeyFile } from '../pki/files.js';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  apiServerAltNames,
  etcdAltNames,
  goList,
  goQuote,
  resolveInitConfig,
  type AltNames,
  type InitConfig,
  type InitOptions,
} from './config.js';
import {
  PeriodChecker,
  certOrKeyExist,
  certPath,
  exists,
  goFileError,
  keyPath,
  tryLoadCert,
  tryLoadCertAndKey,
  tryLoadCertChain,
  tryLoadKey,
  verifyCertChain,
  verifyHostname,
  type LoadedCA,
} from './pkiutil.js';

/** kubeadm's ClusterAdminsGroupAndClusterRoleBinding (1.29+). */
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const SERVICE_ACCOUNT_KEY_BASE_NAME = 'sa';

/** One entry of kubeadm's certificate list. */
export interface KubeadmCertSpec {
  /** Phase / renewal name ("apiserver", "etcd-server"). */
  name: string;
  longName: string;
  /** File base name under the cert dir ("etcd/server"). */
  baseName: string;
  /** The signing CA's name; absent for CAs. */
  caName?: string;
  commonName: (cfg: InitConfig) => string;
  organizations: string[];
  usages: CertUsage[];
  altNames?: (cfg: InitConfig) => AltNames;
}

const fixed = (cn: string) => () => cn;
const nodeName = (cfg: InitConfig) => cfg.nodeName;

/** GetDefaultCertList, in order (each CA precedes the certificates it signs). */
export const DEFAULT_CERT_LIST: readonly KubeadmCertSpec[] = [
  { name: 'ca', longName: 'self-signed Kubernetes CA to provision identities for other Kubernetes components', baseName: 'ca', commonName: fixed('kubernetes'), organizations: [], usages: [] },
  { name: 'apiserver', longName: 'certificate for serving the Kubernetes API', baseName: 'apiserver', caName: 'ca', commonName: fixed('kube-apiserver'), organizations: [], usages: ['server'], altNames: apiServerAltNames },
  { name: 'apiserver-kubelet-client', longName: 'certificate for the API server to connect to kubelet', baseName: 'apiserver-kubelet-client', caName: 'ca', commonName: fixed('kube-apiserver-kubelet-client'), organizations: [CLUSTER_ADMINS_GROUP], usages: ['client'] },
  { name: 'front-proxy-ca', longName: 'self-signed CA to provision identities for front proxy', baseName: 'front-proxy-ca', commonName: fixed('front-proxy-ca'), organizations: [], usages: [] },
  { name: 'front-proxy-client', longName: 'certificate for the front proxy client', baseName: 'front-proxy-client', caName: 'front-proxy-ca', commonName: fixed('front-proxy-client'), organizations: [], usages: ['client'] },
  { name: 'etcd-ca', longName: 'self-signed CA to provision identities for etcd', baseName: 'etcd/ca', commonName: fixed('etcd-ca'), organizations: [], usages: [] },
  { name: 'etcd-server', longName: 'certificate for serving etcd', baseName: 'etcd/server', caName: 'etcd-ca', commonName: nodeName, organizations: [], usages: ['server', 'client'], altNames: etcdAltNames },
  { name: 'etcd-peer', longName: 'certificate for etcd nodes to communicate with each other', baseName: 'etcd/peer', caName: 'etcd-ca', commonName: nodeName, organizations: [], usages: ['server', 'client'], altNames: etcdAltNames },
  { name: 'etcd-healthcheck-client', longName: 'certificate for liveness probes to healthcheck etcd', baseName: 'etcd/healthcheck-client', caName: 'etcd-ca', commonName: fixed('kube-etcd-healthcheck-client'), organizations: [], usages: ['client'] },
  { name: 'apiserver-etcd-client', longName: 'certificate the apiserver uses to access etcd', baseName: 'apiserver-etcd-client', caName: 'etcd-ca', commonName: fixed('kube-apiserver-etcd-client'), organizations: [], usages: ['client'] },
];

export type CertPhaseName =
  | 'ca'
  | 'apiserver'
  | 'apiserver-kubelet-client'
  | 'front-proxy-ca'
  | 'front-proxy-client'
  | 'etcd-ca'
  | 'etcd-server'
  | 'etcd-peer'
  | 'etcd-healthcheck-client'
  | 'apiserver-etcd-client'
  | 'sa';

/** The sub-phases of `kubeadm init phase certs`, in execution order. */
export const CERT_PHASES: readonly CertPhaseName[] = [...DEFAULT_CERT_LIST.map((c) => c.name as CertPhaseName), 'sa'];

export function certSpec(name: string): KubeadmCertSpec | undefined {
  return DEFAULT_CERT_LIST.find((c) => c.name === name);
}

/** A phase failure: the CLI prints "error execution phase <phase>: <message>". */
export class PhaseError extends Error {
  constructor(
    readonly phase: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CertPhaseResult {
  phase: CertPhaseName;
  /** 'generated' when files were written, 'existing' when kept, 'keyless' for an external CA. */
  action: 'generated' | 'existing' | 'keyless';
  /** Paths of the files concerned. */
  files: string[];
}

interface RunState {
  cfg: InitConfig;
  periods: PeriodChecker;
  /** ca.crt present without ca.key (kubeadm's external CA mode). */
  externalCA: boolean;
}

async function detectExternalCA(certDir: string): Promise<boolean> {
  return (await exists(certPath(certDir, 'ca'))) && !(await exists(keyPath(certDir, 'ca')));
}

async function newState(opts: InitOptions): Promise<RunState> {
  const cfg = resolveInitConfig(opts);
  // kubeadm resolves the dynamic defaults (advertise address) before running any phase.
  cfg.advertiseAddress();
  return {
    cfg,
    periods: new PeriodChecker(cfg.warn),
    externalCA: await detectExternalCA(cfg.certDir),
  };
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------- CA phases

async function runCAPhase(st: RunState, spec: KubeadmCertSpec): Promise<CertPhaseResult> {
  const { cfg } = st;
  const files = [certPath(cfg.certDir, spec.baseName), keyPath(cfg.certDir, spec.baseName)];
  let existing;
  try {
    existing = await tryLoadCert(cfg.certDir, spec.baseName);
  } catch {
    existing = undefined;
  }
  if (existing) {
    st.periods.check(spec.baseName, existing);
    try {
      await tryLoadKey(cfg.certDir, spec.baseName);
      cfg.out(`[certs] Using existing ${spec.baseName} certificate authority`);
      return { phase: spec.name as CertPhaseName, action: 'existing', files };
    } catch {
      cfg.out(`[certs] Using existing ${spec.baseName} keyless certificate authority`);
      return { phase: spec.name as CertPhaseName, action: 'keyless', files };
    }
  }
  // CreateCACertAndKeyFiles → writeCertificateAuthorityFilesIfNotExist
  if (await certOrKeyExist(cfg.certDir, spec.baseName)) {
    let loaded: LoadedCA;
    try {
      loaded = await tryLoadCertAndKey(cfg.certDir, spec.baseName);
    } catch (e) {
      throw new Error(`failure loading ${spec.baseName} certificate: ${msg(e)}`);
    }
    st.periods.check(spec.baseName, loaded.cert);
    if (!loaded.cert.isCA) throw new Error(`certificate ${spec.baseName} is not a CA`);
    cfg.out(`[certs] Using the existing ${goQuote(spec.baseName)} certificate and key`);
    return { phase: spec.name as CertPhaseName, action: 'existing', files };
  }
  const cn = spec.commonName(cfg);
  const pair = await createCA({ commonName: cn, organizations: spec.organizations, dnsNames: [cn], validityDays: CA_VALIDITY_DAYS, keyAlgorithm: cfg.keyAlgorithm });
  cfg.out(`[certs] Generating ${goQuote(spec.baseName)} certificate and key`);
  try {
    await writeCertKeyPair(files[0], files[1], pair);
  } catch (e) {
    throw new Error(`failure while saving ${spec.baseName} certificate and key: ${msg(e)}`);
  }
  return { phase: spec.name as CertPhaseName, action: 'generated', files };
}

// ---------------------------------------------------------------- leaf phases

/** certsphase.LoadCertificateAuthority. */
async function loadCertificateAuthority(st: RunState, ca: KubeadmCertSpec): Promise<LoadedCA> {
  const dir = st.cfg.certDir;
  if (!(await certOrKeyExist(dir, ca.baseName))) throw new Error(`couldn't load ${ca.baseName} certificate authority from ${dir}`);
  let loaded: LoadedCA;
  try {
    loaded = await tryLoadCertAndKey(dir, ca.baseName);
  } catch (e) {
    throw new Error(`failure loading ${ca.baseName} certificate authority: ${msg(e)}`);
  }
  st.periods.check(ca.baseName, loaded.cert);
  if (!loaded.cert.isCA) throw new Error(`${ca.baseName} certificate is not a certificate authority`);
  return loaded;
}

async function runCertPhase(st: RunState, spec: KubeadmCertSpec): Promise<CertPhaseResult> {
  const { cfg } = st;
  const ca = certSpec(spec.caName!)!;
  const files = [certPath(cfg.certDir, spec.baseName), keyPath(cfg.certDir, spec.baseName)];

  // An existing certificate that chains to its CA is used as is.
  let chain;
  try {
    chain = await tryLoadCertChain(cfg.certDir, spec.baseName);
  } catch {
    chain = undefined;
  }
  if (chain) {
    st.periods.check(spec.baseName, chain[0]);
    let caCert;
    try {
      caCert = await tryLoadCert(cfg.certDir, ca.baseName);
    } catch (e) {
      throw new Error(`couldn't load CA certificate ${ca.name}: ${msg(e)}`);
    }
    st.periods.check(ca.baseName, caCert);
    const err = verifyCertChain(chain, caCert);
    if (err) throw new Error(`[certs] certificate ${spec.baseName} not signed by CA certificate ${ca.baseName}: ${err}`);
    cfg.out(`[certs] Using existing ${spec.baseName} certificate and key on disk`);
    return { phase: spec.name as CertPhaseName, action: 'existing', files };
  }

  // CreateCertAndKeyFilesWithCA
  let caPair: LoadedCA;
  try {
    caPair = await loadCertificateAuthority(st, ca);
  } catch (e) {
    throw new Error(`couldn't load CA certificate ${ca.name}: ${msg(e)}`);
  }
  const alt = spec.altNames ? spec.altNames(cfg) : { dnsNames: [], ips: [] };
  const cn = spec.commonName(cfg);

  // writeCertificateFilesIfNotExist: a leftover key (or an unreadable certificate) is
  // checked rather than overwritten.
  if (await certOrKeyExist(cfg.certDir, spec.baseName)) {
    try {
      await tryLoadKey(cfg.certDir, spec.baseName);
    } catch (e) {
      throw new Error(`failure loading ${spec.baseName} key: ${msg(e)}`);
    }
    let existing;
    try {
      existing = await tryLoadCertChain(cfg.certDir, spec.baseName);
    } catch (e) {
      throw new Error(`failure loading ${spec.baseName} certificate: ${msg(e)}`);
    }
    st.periods.check(spec.baseName, existing[0]);
    if (verifyCertChain(existing, caPair.cert)) throw new Error(`certificate ${spec.baseName} is not signed by corresponding CA`);
    for (const name of [...alt.dnsNames, ...alt.ips]) {
      const err = verifyHostname(existing[0], name);
      if (err) throw new Error(`certificate ${spec.baseName} is invalid: ${err}`);
    }
    cfg.out(`[certs] Using the existing ${goQuote(spec.baseName)} certificate and key`);
    return { phase: spec.name as CertPhaseName, action: 'existing', files };
  }

  const signer: CertKeyPair = { certPem: caPair.certPem, keyPem: caPair.keyPem };
  const pair = await issueCert(signer, {
    commonName: cn,
    organizations: spec.organizations,
    dnsNames: alt.dnsNames,
    ipAddresses: alt.ips,
    usages: spec.usages,
    validityDays: LEAF_VALIDITY_DAYS,
    keyAlgorithm: cfg.keyAlgorithm,
  });
  cfg.out(`[certs] Generating ${goQuote(spec.baseName)} certificate and key`);
  try {
    await writeCertKeyPair(files[0], files[1], pair);
  } catch (e) {
    throw new Error(`failure while saving ${spec.baseName} certificate and key: ${msg(e)}`);
  }
  if (spec.usages.includes('server')) {
    cfg.out(`[certs] ${spec.baseName} serving cert is signed for DNS names ${goList(alt.dnsNames)} and IPs ${goList(alt.ips)}`);
  }
  return { phase: spec.name as CertPhaseName, action: 'generated', files };
}

// ---------------------------------------------------------------- sa

async function runSAPhase(st: RunState): Promise<CertPhaseResult> {
  const { cfg } = st;
  const keyFile = join(cfg.certDir, `${SERVICE_ACCOUNT_KEY_BASE_NAME}.key`);
  const pubFile = join(cfg.certDir, `${SERVICE_ACCOUNT_KEY_BASE_NAME}.pub`);
  const files = [keyFile, pubFile];
  if (st.externalCA) {
    cfg.out('[certs] Using existing sa keys');
    return { phase: 'sa', action: 'existing', files };
  }
  let text: string | undefined;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`file ${keyFile} existed but it could not be loaded properly: ${goFileError(keyFile, e)}`);
    }
  }
  if (text !== undefined) {
    try {
      createPrivateKey(text);
    } catch {
      throw new Error(`file ${keyFile} existed but it could not be loaded properly: error reading private key file ${keyFile}: data does not contain a valid RSA or ECDSA private key`);
    }
    cfg.out(`[certs] Using the existing ${goQuote(SERVICE_ACCOUNT_KEY_BASE_NAME)} key`);
    return { phase: 'sa', action: 'existing', files };
  }
  const { privateKeyPem, publicKeyPem } = await generateServiceAccountKeyPair();
  cfg.out(`[certs] Generating ${goQuote(SERVICE_ACCOUNT_KEY_BASE_NAME)} key and public key`);
  try {
    await writeKeyFile(keyFile, privateKeyPem);
  } catch (e) {
    throw new Error(`unable to write private key to file ${keyFile}: ${msg(e)}`);
  }
  try {
    // kubeadm writes the public key with keyutil.WriteKey: mode 0600 like the private key.
    await writeKeyFile(pubFile, publicKeyPem);
  } catch (e) {
    throw new Error(`unable to write public key to file ${pubFile}: ${msg(e)}`);
  }
  return { phase: 'sa', action: 'generated', files };
}

// ---------------------------------------------------------------- entry points

async function runOne(st: RunState, phase: CertPhaseName): Promise<CertPhaseResult> {
  try {
    if (phase === 'sa') return await runSAPhase(st);
    const spec = certSpec(phase);
    if (!spec) throw new Error(`invalid phase name: certs/${phase}`);
    return spec.caName ? await runCertPhase(st, spec) : await runCAPhase(st, spec);
  } catch (e) {
    if (e instanceof PhaseError) throw e;
    throw new PhaseError(`certs/${phase}`, msg(e));
  }
}

/**
 * `kubeadm init phase certs all`: prints the certificateDir line, then runs every
 * sub-phase in order. Throws PhaseError (phase "certs/<name>") on the first failure.
 */
export async function initCerts(opts: InitOptions = {}): Promise<CertPhaseResult[]> {
  const st = await newState(opts);
  st.cfg.out(`[certs] Using certificateDir folder ${goQuote(st.cfg.certDir)}`);
  const out: CertPhaseResult[] = [];
  for (const phase of CERT_PHASES) out.push(await runOne(st, phase));
  return out;
}

/** One sub-phase (`kubeadm init phase certs <phase>`): no certificateDir line, as upstream. */
export async function runCertsPhase(phase: CertPhaseName, opts: InitOptions = {}): Promise<CertPhaseResult> {
  const st = await newState(opts);
  return runOne(st, phase);
}

