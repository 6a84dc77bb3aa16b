// Certificates between the API server and kubelets, issued from a CA directory (ca.crt/ca.key):
// the API server's kubelet client certificate (kubeadm's apiserver-kubelet-client), and a
// node's kubelet client (CN system:node:<name>, O system:nodes) and serving certificates.
//
// The API server's identity is CN kube-apiserver-kubelet-client, O system:masters (kubeadm's
// choice before 1.29): the kubelet's webhook authorizer asks the API server a
// SubjectAccessReview for nodes/proxy, nodes/log, nodes/stats…, and system:masters is allowed
// by the bootstrap policy alone (the cluster-admin binding), with no extra ClusterRoleBinding
// (kubeadm ≥ 1.29 uses O kubeadm:cluster-admins, which needs a binding kubeadm creates).

import { join } from 'node:path';
import { isIP } from 'node:net';
import { canonicalIP, certMatchesKey, isSignedBy, issueCert, parseCert } from './certs.js';
import type { CertKeyPair, CertUsage } from './certs.js';
import { readIfExists, writeCertKeyPair, writeFileAtomic, KEY_FILE_MODE } from './files.js';

export const APISERVER_KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';
export const APISERVER_KUBELET_CLIENT_ORG = 'system:masters';
export const NODES_GROUP = 'system:nodes';
/** kubeadm's file base name under the PKI directory. */
export const APISERVER_KUBELET_CLIENT_BASENAME = 'apiserver-kubelet-client';

/** Leaf certificates closer than this to expiry are re-issued by the ensure* functions. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** The username a kubelet authenticates as (the Node authorizer's convention). */
export function nodeUserName(nodeName: string): string {
  return `system:node:${nodeName}`;
}

/** Read caDir/ca.crt and caDir/ca.key; a clear error names the missing or mismatched file. */
export async function loadCA(caDir: string): Promise<CertKeyPair> {
  const certPath = join(caDir, 'ca.crt');
  const keyPath = join(caDir, 'ca.key');
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (!certPem) throw new Error(`no CA certificate at ${certPath}`);
  if (!keyPem) throw new Error(`no CA private key at ${keyPath}`);
  if (!certMatchesKey(certPem, keyPem)) throw new Error(`CA certificate ${certPath} does not match ${keyPath}`);
  return { certPem, keyPem };
}

/** The API server's kubelet client certificate (not written anywhere). */
export function issueAPIServerKubeletClientCert(ca: CertKeyPair): Promise<CertKeyPair> {
  return issueCert(ca, { commonName: APISERVER_KUBELET_CLIENT_CN, organizations: [APISERVER_KUBELET_CLIENT_ORG], usages: ['client'], keyAlgorithm: 'ecdsa' });
}

/** A kubelet's client certificate: CN system:node:<nodeName>, O system:nodes. */
export function issueKubeletClientCert(ca: CertKeyPair, nodeName: string): Promise<CertKeyPair> {
  checkNodeName(nodeName);
  return issueCert(ca, { commonName: nodeUserName(nodeName), organizations: [NODES_GROUP], usages: ['client'], keyAlgorithm: 'ecdsa' });
}

export interface KubeletServingNames {
  /** The node's IPs (e.g. --node-ip); at least one IP or DNS name is required. */
  ipAddresses?: string[];
  /** Host names (the node name and hostname are added when they are not IPs). */
  dnsNames?: string[];
}

/**
 * A kubelet's serving certificate as the kubernetes.io/kubelet-serving signer issues it:
 * CN system:node:<nodeName>, O system:nodes, serverAuth, SANs = the node's IPs and names.
 */
export function issueKubeletServingCert(ca: CertKeyPair, nodeName: string, names: KubeletServingNames): Promise<CertKeyPair> {
  checkNodeName(nodeName);
  const sans = servingSANs(nodeName, names);
  return issueCert(ca, { commonName: nodeUserName(nodeName), organizations: [NODES_GROUP], usages: ['server'], keyAlgorithm: 'ecdsa', ...sans });
}

/** The SANs of a kubelet serving certificate: the IPs given, the names given and the node name. */
export function servingSANs(nodeName: string, names: KubeletServingNames): { dnsNames: string[]; ipAddresses: string[] } {
  const ips = new Set<string>();
  const dns = new Set<string>();
  for (const n of [...(names.ipAddresses ?? []), ...(names.dnsNames ?? []), nodeName]) {
    const v = n.trim();
    if (!v) continue;
    if (isIP(v.replace(/^\[|\]$/g, ''))) ips.add(canonicalIP(v));
    else dns.add(v.toLowerCase());
  }
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

function checkNodeName(nodeName: string): void {
  if (!nodeName || /[\s/]/.test(nodeName)) throw new Error(`invalid node name ${JSON.stringify(nodeName)}`);
}

export interface CertPaths {
  certPath: string;
  keyPath: string;
}

interface Want {
  cn: string;
  org: string;
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** True when the existing pair can be kept: signed by ca, right subject, usage and SANs, not expiring. */
function reusable(certPem: string | undefined, keyPem: string | undefined, ca: CertKeyPair, want: Want): boolean {
  if (!certPem || !keyPem || !certMatchesKey(certPem, keyPem)) return false;
  try {
    const c = parseCert(certPem);
    if (!isSignedBy(c.x509, ca.certPem)) return false;
    if (c.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) return false;
    if (c.subject.commonName !== want.cn || !c.subject.organizations.includes(want.org)) return false;
    if (!c.usages.includes(want.usage)) return false;
    if ((want.dnsNames ?? []).some((d) => !c.dnsNames.includes(d))) return false;
    if ((want.ipAddresses ?? []).some((ip) => !c.ipAddresses.includes(ip))) return false;
    return true;
  } catch {
    return false;
  }
}

async function ensurePair(ca: CertKeyPair, paths: CertPaths, want: Want, issue: () => Promise<CertKeyPair>): Promise<CertPaths> {
  const [cert, key] = await Promise.all([readIfExists(paths.certPath), readIfExists(paths.keyPath)]);
  if (!reusable(cert, key, ca, want)) await writeCertKeyPair(paths.certPath, paths.keyPath, await issue());
  return paths;
}

/**
 * caDir/apiserver-kubelet-client.crt/.key (kubeadm's names), signed by caDir/ca.crt; an
 * existing valid pair is kept. Pass the paths to --kubelet-client-certificate/-key.
 */
export async function ensureAPIServerKubeletClientCert(caDir: string): Promise<CertPaths> {
  const ca = await loadCA(caDir);
  const paths = { certPath: join(caDir, `${APISERVER_KUBELET_CLIENT_BASENAME}.crt`), keyPath: join(caDir, `${APISERVER_KUBELET_CLIENT_BASENAME}.key`) };
  return ensurePair(ca, paths, { cn: APISERVER_KUBELET_CLIENT_CN, org: APISERVER_KUBELET_CLIENT_ORG, usage: 'client' }, () => issueAPIServerKubeletClientCert(ca));
}

export interface KubeletCertsOptions extends KubeletServingNames {
  /** Directory with ca.crt and ca.key. */
  caDir: string;
  /** Where to write (upstream: /var/lib/kubelet/pki). */
  outDir: string;
  nodeName: string;
}

export interface KubeletCertPaths {
  /** Serving certificate (KubeletConfiguration tlsCertFile / tlsPrivateKeyFile). */
  servingCertPath: string;
  servingKeyPath: string;
  /** Client certificate for the kubelet's kubeconfig. */
  clientCertPath: string;
  clientKeyPath: string;
  /** Certificate and key in one file, as the kubelet's certificate manager keeps it. */
  clientCurrentPemPath: string;
  /** The CA (for the kubeconfig and authentication.x509.clientCAFile). */
  caCertPath: string;
}

/**
 * A node's certificates under outDir: kubelet.crt/.key (serving), kubelet-client.crt/.key and
 * kubelet-client-current.pem (client), signed by caDir's CA; valid existing ones are kept.
 */
export async function ensureKubeletCerts(opts: KubeletCertsOptions): Promise<KubeletCertPaths> {
  const ca = await loadCA(opts.caDir);
  const out: KubeletCertPaths = {
    servingCertPath: join(opts.outDir, 'kubelet.crt'),
    servingKeyPath: join(opts.outDir, 'kubelet.key'),
    clientCertPath: join(opts.outDir, 'kubelet-client.crt'),
    clientKeyPath: join(opts.outDir, 'kubelet-client.key'),
    clientCurrentPemPath: join(opts.outDir, 'kubelet-client-current.pem'),
    caCertPath: join(opts.caDir, 'ca.crt'),
  };
  const cn = nodeUserName(opts.nodeName);
  await ensurePair(ca, { certPath: out.servingCertPath, keyPath: out.servingKeyPath }, { cn, org: NODES_GROUP, usage: 'server', ...servingSANs(opts.nodeName, opts) }, () =>
    issueKubeletServingCert(ca, opts.nodeName, opts),
  );
  await ensurePair(ca, { certPath: out.clientCertPath, keyPath: out.clientKeyPath }, { cn, org: NODES_GROUP, usage: 'client' }, () => issueKubeletClientCert(ca, opts.nodeName));
  const [cert, key] = await Promise.all([readIfExists(out.clientCertPath), readIfExists(out.clientKeyPath)]);
  const combined = `${cert}${key}`;
  if ((await readIfExists(out.clientCurrentPemPath)) !== combined) await writeFileAtomic(out.clientCurrentPemPath, combined, KEY_FILE_MODE);
  return out;
}
