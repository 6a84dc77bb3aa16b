// The front-proxy PKI of the all-in-one server, with kubeadm's file names under DIR/pki: the
// front-proxy CA (front-proxy-ca.crt/.key, CN front-proxy-ca), which the API server trusts
// for request-header authentication (--requestheader-client-ca-file), and the front-proxy
// client certificate (front-proxy-client.crt/.key, CN front-proxy-client) the aggregator
// presents to extension API servers (--proxy-client-cert-file). Valid files are reused.

import { join } from 'node:path';
import { certMatchesKey, createCA, isSignedBy, issueCert, parseCert } from './certs.js';
import { readIfExists, writeCertKeyPair } from './files.js';

export const FRONT_PROXY_CA_CN = 'front-proxy-ca';
export const FRONT_PROXY_CLIENT_CN = 'front-proxy-client';

export interface FrontProxyPaths {
  caCertPath: string;
  caKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
}

/** Leaf certificates closer than this to expiry are re-issued. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

function usable(certPem: string | undefined, keyPem: string | undefined, cn: string, ca?: string): boolean {
  if (!certPem || !keyPem) return false;
  try {
    const c = parseCert(certPem);
    if (!certMatchesKey(certPem, keyPem) || c.subject.commonName !== cn) return false;
    if (c.notAfter.getTime() - Date.now() < (ca ? RENEW_BEFORE_MS : 0)) return false;
    if (ca) return isSignedBy(certPem, ca) && c.usages.includes('client');
    return c.isCA;
  } catch {
    return false;
  }
}

/** Make sure pkiDir holds the front-proxy CA and client certificate; generate what is missing or unusable. */
export async function ensureFrontProxyPKI(pkiDir: string, log: (line: string) => void = () => {}): Promise<FrontProxyPaths> {
  const paths: FrontProxyPaths = {
    caCertPath: join(pkiDir, 'front-proxy-ca.crt'),
    caKeyPath: join(pkiDir, 'front-proxy-ca.key'),
    clientCertPath: join(pkiDir, 'front-proxy-client.crt'),
    clientKeyPath: join(pkiDir, 'front-proxy-client.key'),
  };
  let [caCert, caKey, cert, key] = await Promise.all([paths.caCertPath, paths.caKeyPath, paths.clientCertPath, paths.clientKeyPath].map(readIfExists));
  if (!usable(caCert, caKey, FRONT_PROXY_CA_CN)) {
    const ca = await createCA({ commonName: FRONT_PROXY_CA_CN, dnsNames: [FRONT_PROXY_CA_CN], keyAlgorithm: 'ecdsa' });
    await writeCertKeyPair(paths.caCertPath, paths.caKeyPath, ca);
    log(`generated front-proxy CA certificate (CN=${FRONT_PROXY_CA_CN}) ${paths.caCertPath}`);
    [caCert, caKey, cert] = [ca.certPem, ca.keyPem, undefined];
  }
  if (!usable(cert, key, FRONT_PROXY_CLIENT_CN, caCert)) {
    const pair = await issueCert({ certPem: caCert!, keyPem: caKey! }, { commonName: FRONT_PROXY_CLIENT_CN, usages: ['client'], keyAlgorithm: 'ecdsa' });
    await writeCertKeyPair(paths.clientCertPath, paths.clientKeyPath, pair);
    log(`generated front-proxy client certificate (CN=${FRONT_PROXY_CLIENT_CN}) ${paths.clientCertPath}`);
  }
  return paths;
}
