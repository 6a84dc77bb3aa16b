// The Kubernetes-the-Hard-Way PKI (kelseyhightower/kubernetes-the-hard-way, ca.conf and
// docs/04-certificate-authority.md, docs/05-kubernetes-configuration-files.md), with its file
// names, in one directory:
//
//   ca.crt/.key                       CN=CA                                         (CA, 3653 days)
//   admin.crt/.key                    CN=admin, O=system:masters                    client
//   <node>.crt/.key                   CN=system:node:<node>, O=system:nodes         client+server, DNS:<node>, IP:127.0.0.1, IP:<node ip>
//   kube-proxy.crt/.key               CN=system:kube-proxy, O=system:node-proxier   client+server, DNS:kube-proxy, IP:127.0.0.1
//   kube-scheduler.crt/.key           CN=system:kube-scheduler, O=system:kube-scheduler
//   kube-controller-manager.crt/.key  CN=system:kube-controller-manager, O=system:kube-controller-manager
//   kube-api-server.crt/.key          CN=kubernetes, client+server, ca.conf's kube-api-server_alt_names
//   service-accounts.crt/.key         CN=service-accounts                           client
//
// and the kubeconfigs of lab 05 (cluster "kubernetes-the-hard-way", context "default",
// certificates embedded): <node>.kubeconfig (user system:node:<node>), kube-proxy,
// kube-controller-manager and kube-scheduler .kubeconfig (https://server.kubernetes.local:6443)
// and admin.kubeconfig (https://127.0.0.1:6443). Leaves are valid 3653 days as in the lab.
//
// Differences from the lab's openssl output: RSA 2048 keys (the lab uses 4096), subjects
// without C/ST/L, the CA's keyUsage is kubeadm-style (digitalSignature, keyEncipherment,
// keyCertSign); ca.conf's "system:system:kube-scheduler" organization typo is not copied.
// Existing certificate/key pairs are kept (so a rerun does not invalidate distributed
// files); the kubeconfigs are rewritten from them.

import { join } from 'node:path';
import { isIP } from 'node:net';
import { parseCIDR } from '../apiserver/allocator/ipallocator.js';
import { certMatchesKey, createCA, ipv6FromBigInt, isSignedBy, issueCert, type CertKeyPair, type CertUsage, type KeyAlgorithm } from './certs.js';
import { readIfExists, writeCertKeyPair } from './files.js';
import { buildKubeconfig, writeKubeconfig } from './kubeconfig.js';

export interface HardWayNode {
  /** e.g. "node-0" */
  name: string;
  /** The node's IP (added as an IP SAN of its certificate). */
  ip: string;
}

export interface HardWayOptions {
  /** The worker nodes (the lab's node-0 and node-1). */
  nodes: HardWayNode[];
  /** The service CIDR; its first IP (10.32.0.1 for 10.32.0.0/24) is an apiserver SAN. Default 10.32.0.0/24. */
  serviceCIDR?: string;
  /** Server URL of the node, kube-proxy, controller-manager and scheduler kubeconfigs. Default https://server.kubernetes.local:6443. */
  apiServerURL?: string;
  /** Server URL of admin.kubeconfig. Default https://127.0.0.1:6443. */
  adminServerURL?: string;
  /** Extra DNS names / IPs for kube-api-server.crt. */
  extraAPIServerSANs?: string[];
  /** Default 'rsa' (2048 bits). */
  keyAlgorithm?: KeyAlgorithm;
}

export interface HardWayCert {
  /** File base name: "admin", "node-0", "kube-api-server", ... */
  name: string;
  certPath: string;
  keyPath: string;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: CertUsage[];
}

export interface HardWayKubeconfig {
  /** File base name: "admin", "node-0", "kube-proxy", ... */
  name: string;
  path: string;
  user: string;
  server: string;
}

export interface HardWaySet {
  caCertPath: string;
  caKeyPath: string;
  certs: HardWayCert[];
  kubeconfigs: HardWayKubeconfig[];
}

export const HARDWAY_CLUSTER_NAME = 'kubernetes-the-hard-way';
export const HARDWAY_CONTEXT_NAME = 'default';
export const HARDWAY_CA_COMMON_NAME = 'CA';
/** `openssl req -x509 -days 3653` / `openssl x509 -req -days 3653`. */
export const HARDWAY_VALIDITY_DAYS = 3653;
export const HARDWAY_DEFAULT_SERVICE_CIDR = '10.32.0.0/24';
export const HARDWAY_DEFAULT_API_SERVER_URL = 'https://server.kubernetes.local:6443';
export const HARDWAY_DEFAULT_ADMIN_SERVER_URL = 'https://127.0.0.1:6443';

/** ca.conf's [kube-api-server_alt_names] DNS entries, in order. */
export const HARDWAY_API_SERVER_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster',
  'kubernetes.svc.cluster.local',
  'server.kubernetes.local',
  'api-server.kubernetes.local',
];

/** The first address of a CIDR (the kubernetes Service VIP). */
export function firstIPOf(cidr: string): string {
  const c = parseCIDR(cidr);
  const v = c.network + 1n;
  if (c.family === 'IPv6') return ipv6FromBigInt(v);
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

interface Spec {
  name: string;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: CertUsage[];
}

/** The certificate list of the lab (ca.conf sections), for the given nodes. */
export function hardWayCertSpecs(opts: HardWayOptions): Spec[] {
  const both: CertUsage[] = ['client', 'server'];
  const serviceIP = firstIPOf(opts.serviceCIDR ?? HARDWAY_DEFAULT_SERVICE_CIDR);
  const extra = opts.extraAPIServerSANs ?? [];
  const specs: Spec[] = [{ name: 'admin', commonName: 'admin', organizations: ['system:masters'], dnsNames: [], ipAddresses: [], usages: ['client'] }];
  for (const n of opts.nodes) {
    if (!n.name) throw new Error('hardway: a node needs a name');
    if (n.ip && !isIP(n.ip)) throw new Error(`hardway: node ${n.name}: invalid IP ${JSON.stringify(n.ip)}`);
    specs.push({
      name: n.name,
      commonName: `system:node:${n.name}`,
      organizations: ['system:nodes'],
      dnsNames: [n.name],
      ipAddresses: ['127.0.0.1', ...(n.ip ? [n.ip] : [])],
      usages: both,
    });
  }
  specs.push(
    { name: 'kube-proxy', commonName: 'system:kube-proxy', organizations: ['system:node-proxier'], dnsNames: ['kube-proxy'], ipAddresses: ['127.0.0.1'], usages: both },
    { name: 'kube-scheduler', commonName: 'system:kube-scheduler', organizations: ['system:kube-scheduler'], dnsNames: ['kube-scheduler'], ipAddresses: ['127.0.0.1'], usages: both },
    { name: 'kube-controller-manager', commonName: 'system:kube-controller-manager', organizations: ['system:kube-controller-manager'], dnsNames: ['kube-controller-manager'], ipAddresses: ['127.0.0.1'], usages: both },
    {
      name: 'kube-api-server',
      commonName: 'kubernetes',
      organizations: [],
      dnsNames: [...HARDWAY_API_SERVER_DNS_NAMES, ...extra.filter((s) => !isIP(s))],
      ipAddresses: ['127.0.0.1', serviceIP, ...extra.filter((s) => isIP(s))],
      usages: both,
    },
    { name: 'service-accounts', commonName: 'service-accounts', organizations: [], dnsNames: [], ipAddresses: [], usages: ['client'] },
  );
  return specs;
}

async function loadPair(certPath: string, keyPath: string): Promise<CertKeyPair | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem === undefined || keyPem === undefined) return undefined;
  if (!certMatchesKey(certPem, keyPem)) return undefined;
  return { certPem, keyPem };
}

/**
 * Generate (or complete) the hard-way certificate set and kubeconfigs in dir. Keys are
 * written 0600, certificates 0644, kubeconfigs 0600.
 */
export async function generateHardWaySet(dir: string, opts: HardWayOptions): Promise<HardWaySet> {
  const caCertPath = join(dir, 'ca.crt');
  const caKeyPath = join(dir, 'ca.key');
  let ca = await loadPair(caCertPath, caKeyPath);
  let caIsNew = false;
  if (!ca) {
    ca = await createCA({ commonName: HARDWAY_CA_COMMON_NAME, validityDays: HARDWAY_VALIDITY_DAYS, keyAlgorithm: opts.keyAlgorithm });
    await writeCertKeyPair(caCertPath, caKeyPath, ca);
    caIsNew = true;
  }

  const specs = hardWayCertSpecs(opts);
  const pairs = new Map<string, CertKeyPair>();
  const certs: HardWayCert[] = [];
  await Promise.all(
    specs.map(async (s) => {
      const certPath = join(dir, `${s.name}.crt`);
      const keyPath = join(dir, `${s.name}.key`);
      let pair = caIsNew ? undefined : await loadPair(certPath, keyPath);
      if (pair && !isSignedBy(pair.certPem, ca!.certPem)) pair = undefined;
      if (!pair) {
        pair = await issueCert(ca!, {
          commonName: s.commonName,
          organizations: s.organizations,
          dnsNames: s.dnsNames,
          ipAddresses: s.ipAddresses,
          usages: s.usages,
          validityDays: HARDWAY_VALIDITY_DAYS,
          keyAlgorithm: opts.keyAlgorithm,
        });
        await writeCertKeyPair(certPath, keyPath, pair);
      }
      pairs.set(s.name, pair);
    }),
  );
  for (const s of specs) {
    certs.push({ ...s, certPath: join(dir, `${s.name}.crt`), keyPath: join(dir, `${s.name}.key`) });
  }

  const remote = opts.apiServerURL ?? HARDWAY_DEFAULT_API_SERVER_URL;
  const local = opts.adminServerURL ?? HARDWAY_DEFAULT_ADMIN_SERVER_URL;
  const kcSpecs: { name: string; user: string; server: string }[] = [
    ...opts.nodes.map((n) => ({ name: n.name, user: `system:node:${n.name}`, server: remote })),
    { name: 'kube-proxy', user: 'system:kube-proxy', server: remote },
    { name: 'kube-controller-manager', user: 'system:kube-controller-manager', server: remote },
    { name: 'kube-scheduler', user: 'system:kube-scheduler', server: remote },
    { name: 'admin', user: 'admin', server: local },
  ];
  const kubeconfigs: HardWayKubeconfig[] = [];
  for (const k of kcSpecs) {
    const pair = pairs.get(k.name)!;
    const path = join(dir, `${k.name}.kubeconfig`);
    await writeKubeconfig(
      path,
      buildKubeconfig({
        server: k.server,
        clusterName: HARDWAY_CLUSTER_NAME,
        userName: k.user,
        contextName: HARDWAY_CONTEXT_NAME,
        caCertPem: ca.certPem,
        clientCertPem: pair.certPem,
        clientKeyPem: pair.keyPem,
      }),
    );
    kubeconfigs.push({ name: k.name, path, user: k.user, server: k.server });
  }
  return { caCertPath, caKeyPath, certs, kubeconfigs };
}
