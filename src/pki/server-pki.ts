// The all-in-one server's PKI under DIR/pki (kubeadm file names): the cluster CA
// (ca.crt/ca.key, CN "kubernetes"), the kube-apiserver serving certificate
// (apiserver.crt/.key), the admin client certificate (admin.crt/.key, CN kubernetes-admin,
// O system:masters, like kubeadm's super-admin.conf) and the service-account signing key
// pair (sa.key/sa.pub). Valid existing files are reused; missing, mismatched, expiring or
// insufficient (a needed SAN missing) ones are regenerated with a log line.

import { createPrivateKey, createPublicKey } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import {
  canonicalIP,
  certMatchesKey,
  createCA,
  generatePrivateKey,
  generateServiceAccountKeyPair,
  isSignedBy,
  issueCert,
  parseCert,
  publicKeyPemOf,
  type CertKeyPair,
  type CertUsage,
  type KeyAlgorithm,
  type ParsedCert,
} from './certs.js';
import { readIfExists, writeCertFile, writeCertKeyPair, writeKeyFile } from './files.js';

export interface ServerPKIOptions {
  /** The kubernetes Service's ClusterIP (first IP of the service CIDR, e.g. 10.32.0.1). */
  serviceIP: string;
  /** --bind-address; added as an IP SAN unless it is a wildcard (0.0.0.0 / ::). */
  bindAddress: string;
  /** Extra DNS names or IPs for the serving certificate. */
  hostnames?: string[];
  log?: (line: string) => void;
  /** Default 'rsa' (2048 bits). */
  keyAlgorithm?: KeyAlgorithm;
}

export interface ServerPKIPaths {
  caCertPath: string;
  caKeyPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  adminCertPath: string;
  adminKeyPath: string;
  saKeyPath: string;
  saPubPath: string;
}

export const CA_COMMON_NAME = 'kubernetes';
export const APISERVER_COMMON_NAME = 'kube-apiserver';
export const ADMIN_COMMON_NAME = 'kubernetes-admin';
export const ADMIN_ORGANIZATION = 'system:masters';

/** Leaf certificates closer than this to expiry are renewed at start. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** The file paths under dir/pki. */
export function serverPKIPaths(dir: string): ServerPKIPaths {
  const pki = join(dir, 'pki');
  return {
    caCertPath: join(pki, 'ca.crt'),
    caKeyPath: join(pki, 'ca.key'),
    serverCertPath: join(pki, 'apiserver.crt'),
    serverKeyPath: join(pki, 'apiserver.key'),
    adminCertPath: join(pki, 'admin.crt'),
    adminKeyPath: join(pki, 'admin.key'),
    saKeyPath: join(pki, 'sa.key'),
    saPubPath: join(pki, 'sa.pub'),
  };
}

/** The serving certificate's required SANs. */
export function apiserverSANs(opts: Pick<ServerPKIOptions, 'serviceIP' | 'bindAddress' | 'hostnames'>): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>([
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'localhost',
  ]);
  const ips = new Set<string>(['127.0.0.1']);
  const add = (name: string | undefined) => {
    const n = (name ?? '').trim();
    if (!n) return;
    if (isIP(n.replace(/^\[|\]$/g, ''))) ips.add(canonicalIP(n));
    else dns.add(n.toLowerCase());
  };
  add(osHostname());
  if (!isIP(opts.serviceIP)) throw new Error(`ensureServerPKI: invalid service IP ${JSON.stringify(opts.serviceIP)}`);
  ips.add(canonicalIP(opts.serviceIP));
  const bind = opts.bindAddress.trim();
  if (bind && !isWildcard(bind)) add(bind);
  for (const h of opts.hostnames ?? []) add(h);
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

function isWildcard(addr: string): boolean {
  if (!isIP(addr)) return false;
  const c = canonicalIP(addr);
  return c === '0.0.0.0' || c === '::';
}

interface LeafCheck {
  cn: string;
  organization?: string;
  usage: CertUsage;
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** Why an existing leaf cannot be reused, or undefined when it can. */
function leafProblem(certPem: string | undefined, keyPem: string | undefined, ca: ParsedCert, want: LeafCheck): string | undefined {
  if (!certPem || !keyPem) return 'missing';
  let cert: ParsedCert;
  try {
    cert = parseCert(certPem);
  } catch (err) {
    return `unreadable certificate: ${(err as Error).message}`;
  }
  if (!certMatchesKey(certPem, keyPem)) return 'certificate does not match its key';
  if (!isSignedBy(cert.x509, ca.x509)) return 'not signed by the current CA';
  if (cert.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) return `expires ${cert.notAfter.toISOString()}`;
  if (cert.subject.commonName !== want.cn) return `subject CN is ${JSON.stringify(cert.subject.commonName ?? '')}, want ${JSON.stringify(want.cn)}`;
  if (want.organization && !cert.subject.organizations.includes(want.organization)) return `subject O lacks ${want.organization}`;
  if (!cert.usages.includes(want.usage)) return `missing ${want.usage === 'server' ? 'serverAuth' : 'clientAuth'} usage`;
  const missing = [
    ...(want.dnsNames ?? []).filter((d) => !cert.dnsNames.includes(d)).map((d) => `DNS:${d}`),
    ...(want.ipAddresses ?? []).filter((ip) => !cert.ipAddresses.includes(ip)).map((ip) => `IP:${ip}`),
  ];
  if (missing.length) return `missing SANs ${missing.join(', ')}`;
  return undefined;
}

function caProblem(certPem: string | undefined, keyPem: string | undefined): { problem?: string; ca?: ParsedCert } {
  if (!certPem || !keyPem) return { problem: 'missing' };
  try {
    const ca = parseCert(certPem);
    if (!ca.isCA) return { problem: 'not a CA certificate' };
    if (!certMatchesKey(certPem, keyPem)) return { problem: 'certificate does not match its key' };
    if (ca.notAfter.getTime() <= Date.now()) return { problem: `expired ${ca.notAfter.toISOString()}` };
    return { ca };
  } catch (err) {
    return { problem: `unreadable: ${(err as Error).message}` };
  }
}

function samePublicKey(pubPem: string, privPem: string): boolean {
  try {
    const a = createPublicKey(pubPem).export({ type: 'spki', format: 'der' });
    const b = createPublicKey(createPrivateKey(privPem)).export({ type: 'spki', format: 'der' });
    return a.equals(b);
  } catch {
    return false;
  }
}

function saKeyUsable(pem: string | undefined): boolean {
  if (!pem) return false;
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/**
 * Make sure dir/pki holds a usable CA, apiserver serving certificate, admin client
 * certificate and service-account key pair; generate what is missing or unusable.
 */
export async function ensureServerPKI(dir: string, opts: ServerPKIOptions): Promise<ServerPKIPaths> {
  const paths = serverPKIPaths(dir);
  const log = opts.log ?? (() => {});
  const alg = opts.keyAlgorithm ?? 'rsa';
  const sans = apiserverSANs(opts);

  const [caCert, caKey, srvCert, srvKey, admCert, admKey, saKey, saPub] = await Promise.all(
    [paths.caCertPath, paths.caKeyPath, paths.serverCertPath, paths.serverKeyPath, paths.adminCertPath, paths.adminKeyPath, paths.saKeyPath, paths.saPubPath].map(readIfExists),
  );

  // Decide what to (re)generate.
  const caState = caProblem(caCert, caKey);
  let srvProblem: string | undefined;
  let admProblem: string | undefined;
  if (caState.ca) {
    srvProblem = leafProblem(srvCert, srvKey, caState.ca, { cn: APISERVER_COMMON_NAME, usage: 'server', ...sans });
    admProblem = leafProblem(admCert, admKey, caState.ca, { cn: ADMIN_COMMON_NAME, organization: ADMIN_ORGANIZATION, usage: 'client' });
  } else {
    if (caState.problem !== 'missing') log(`regenerating CA certificate and key ${paths.caCertPath}: ${caState.problem}`);
    srvProblem = 'CA regenerated';
    admProblem = 'CA regenerated';
  }
  const needSA = !saKeyUsable(saKey);

  // Generate every needed key in parallel (RSA key generation dominates the cost).
  const keyOrUndef = (need: boolean) => (need ? generatePrivateKey(alg) : Promise.resolve(undefined));
  const [newCAKey, newSrvKey, newAdmKey, newSA] = await Promise.all([
    keyOrUndef(!caState.ca),
    keyOrUndef(srvProblem !== undefined),
    keyOrUndef(admProblem !== undefined),
    needSA ? generateServiceAccountKeyPair() : Promise.resolve(undefined),
  ]);

  let ca: CertKeyPair;
  if (newCAKey) {
    ca = await createCA({ commonName: CA_COMMON_NAME, keyPem: newCAKey });
    await writeCertKeyPair(paths.caCertPath, paths.caKeyPath, ca);
    log(`generated CA certificate (CN=${CA_COMMON_NAME}) ${paths.caCertPath}`);
  } else {
    ca = { certPem: caCert!, keyPem: caKey! };
  }

  const writes: Promise<void>[] = [];
  if (newSrvKey) {
    if (srvProblem !== 'missing' && srvProblem !== 'CA regenerated') log(`regenerating apiserver certificate ${paths.serverCertPath}: ${srvProblem}`);
    writes.push(
      issueCert(ca, { commonName: APISERVER_COMMON_NAME, usages: ['server'], keyPem: newSrvKey, ...sans }).then(async (pair) => {
        await writeCertKeyPair(paths.serverCertPath, paths.serverKeyPath, pair);
        log(`generated apiserver serving certificate ${paths.serverCertPath} for DNS names [${sans.dnsNames.join(' ')}] and IPs [${sans.ipAddresses.join(' ')}]`);
      }),
    );
  }
  if (newAdmKey) {
    if (admProblem !== 'missing' && admProblem !== 'CA regenerated') log(`regenerating admin client certificate ${paths.adminCertPath}: ${admProblem}`);
    writes.push(
      issueCert(ca, { commonName: ADMIN_COMMON_NAME, organizations: [ADMIN_ORGANIZATION], usages: ['client'], keyPem: newAdmKey }).then(async (pair) => {
        await writeCertKeyPair(paths.adminCertPath, paths.adminKeyPath, pair);
        log(`generated admin client certificate (CN=${ADMIN_COMMON_NAME}, O=${ADMIN_ORGANIZATION}) ${paths.adminCertPath}`);
      }),
    );
  }
  if (newSA) {
    if (saKey !== undefined) log(`regenerating service account key ${paths.saKeyPath}: unreadable or not an RSA key`);
    writes.push(
      (async () => {
        await writeKeyFile(paths.saKeyPath, newSA.privateKeyPem);
        await writeCertFile(paths.saPubPath, newSA.publicKeyPem);
        log(`generated service account key pair ${paths.saKeyPath}, ${paths.saPubPath}`);
      })(),
    );
  } else if (!saPub || !samePublicKey(saPub, saKey!)) {
    if (saPub) log(`rewriting ${paths.saPubPath}: it does not match ${paths.saKeyPath}`);
    writes.push(writeCertFile(paths.saPubPath, publicKeyPemOf(saKey!)));
  }
  await Promise.all(writes);
  return paths;
}

/**
 * A client certificate dir/pki/<baseName>.crt/.key for an in-process component (e.g.
 * CN=system:kube-controller-manager), signed by the CA ensureServerPKI made; reused while valid.
 */
export async function ensureComponentClientCert(dir: string, baseName: string, commonName: string, organization?: string): Promise<{ certPath: string; keyPath: string }> {
  const paths = serverPKIPaths(dir);
  const certPath = join(dir, 'pki', `${baseName}.crt`);
  const keyPath = join(dir, 'pki', `${baseName}.key`);
  const [caCert, caKey, cert, key] = await Promise.all([paths.caCertPath, paths.caKeyPath, certPath, keyPath].map(readIfExists));
  const ca = caProblem(caCert, caKey).ca;
  if (!ca) throw new Error(`ensureComponentClientCert: no usable CA under ${join(dir, 'pki')}`);
  if (leafProblem(cert, key, ca, { cn: commonName, organization, usage: 'client' }) === undefined) return { certPath, keyPath };
  const pair = await issueCert({ certPem: caCert!, keyPem: caKey! }, { commonName, organizations: organization ? [organization] : [], usages: ['client'], keyAlgorithm: 'ecdsa' });
  await writeCertKeyPair(certPath, keyPath, pair);
  return { certPath, keyPath };
}
