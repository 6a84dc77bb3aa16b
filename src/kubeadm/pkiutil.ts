// kubeadm's pkiutil as the phases use it: paths for <baseName>.crt/.key under the cert dir,
// loading certificates / keys with kubeadm's error texts, chain verification, the
// certificate-period check (a warning, never an error) and the PEM encoding Go writes.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { canonicalIP, isSignedBy, parseCert, type ParsedCert } from '../pki/certs.js';

export function certPath(dir: string, baseName: string): string {
  return join(dir, `${baseName}.crt`);
}
export function keyPath(dir: string, baseName: string): string {
  return join(dir, `${baseName}.key`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** pkiutil.CertOrKeyExist: true when the .crt or the .key is present. */
export async function certOrKeyExist(dir: string, baseName: string): Promise<boolean> {
  return (await exists(certPath(dir, baseName))) || (await exists(keyPath(dir, baseName)));
}

/** Go's os error text: "open /x: no such file or directory". */
export function goFileError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${path}: no such file or directory`;
  if (code === 'EACCES') return `open ${path}: permission denied`;
  if (code === 'EISDIR') return `read ${path}: is a directory`;
  return `open ${path}: ${(e as Error).message}`;
}

/** An error carrying the Go-style "not exist" flag (os.IsNotExist through errors.Cause). */
export class PKIError extends Error {
  constructor(
    message: string,
    readonly notExist = false,
  ) {
    super(message);
  }
}

/** All CERTIFICATE blocks of a PEM text, each as its own PEM. */
export function splitPEMCerts(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** Certificates of a file (the first is the leaf); throws kubeadm's texts. */
export async function tryLoadCertChain(dir: string, baseName: string): Promise<ParsedCert[]> {
  const path = certPath(dir, baseName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PKIError(`couldn't load the certificate file ${path}: ${goFileError(path, e)}`, (e as NodeJS.ErrnoException).code === 'ENOENT');
  }
  const certs: ParsedCert[] = [];
  for (const pem of splitPEMCerts(text)) {
    try {
      certs.push(parseCert(pem));
    } catch {
      /* skipped, as certutil.ParseCertsPEM stops on garbage: treated as none below */
    }
  }
  if (!certs.length) {
    throw new PKIError(`couldn't load the certificate file ${path}: error reading ${path}: data does not contain any valid RSA or ECDSA certificates`);
  }
  return certs;
}

export async function tryLoadCert(dir: string, baseName: string): Promise<ParsedCert> {
  return (await tryLoadCertChain(dir, baseName))[0];
}

/** The private key PEM of <baseName>.key; throws kubeadm's texts. */
export async function tryLoadKey(dir: string, baseName: string): Promise<string> {
  const path = keyPath(dir, baseName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PKIError(`couldn't load the private key file ${path}: ${goFileError(path, e)}`, (e as NodeJS.ErrnoException).code === 'ENOENT');
  }
  try {
    createPrivateKey(text);
  } catch {
    throw new PKIError(`couldn't load the private key file ${path}: error reading private key file ${path}: data does not contain a valid RSA or ECDSA private key`);
  }
  return text;
}

export interface LoadedCA {
  cert: ParsedCert;
  /** The CA certificate as Go re-encodes it (pkiutil.EncodeCertPEM). */
  certPem: string;
  keyPem: string;
}

/** pkiutil.TryLoadCertAndKeyFromDisk. */
export async function tryLoadCertAndKey(dir: string, baseName: string): Promise<LoadedCA> {
  const cert = await tryLoadCert(dir, baseName);
  const keyPem = await tryLoadKey(dir, baseName);
  return { cert, certPem: encodeCertPEM(cert.x509), keyPem };
}

/** PEM of a certificate's DER with 64-column lines, as Go's pem.EncodeToMemory. */
export function encodeCertPEM(cert: X509Certificate): string {
  const b64 = cert.raw.toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Go's time.Time %v in UTC: "2025-01-02 15:04:05 +0000 UTC". */
export function goTimeString(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC');
}

/** RFC 3339 as Go prints it in x509 errors. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** pkiutil.ValidateCertPeriod: the error text, or undefined when now is inside the validity. */
export function certPeriodError(cert: ParsedCert, now = new Date()): string | undefined {
  const period = `NotBefore: ${goTimeString(cert.notBefore)}, NotAfter: ${goTimeString(cert.notAfter)}`;
  if (now < cert.notBefore) return `the certificate is not valid yet: ${period}`;
  if (now > cert.notAfter) return `the certificate has expired: ${period}`;
  return undefined;
}

/**
 * certsphase.CheckCertificatePeriodValidity: warn (once per base name and run) when the
 * certificate is expired or not valid yet.
 */
export class PeriodChecker {
  private readonly seen = new Set<string>();
  constructor(private readonly warn: (m: string) => void) {}
  check(baseName: string, cert: ParsedCert): void {
    if (this.seen.has(baseName)) return;
    this.seen.add(baseName);
    const err = certPeriodError(cert);
    if (err) this.warn(`WARNING: could not validate bounds for certificate ${baseName}: ${err}`);
  }
}

/**
 * pkiutil.VerifyCertChain: the leaf must chain (through the file's intermediates) to the
 * root and be within its validity period. Returns the x509 error text or undefined.
 */
export function verifyCertChain(chain: ParsedCert[], root: ParsedCert, now = new Date()): string | undefined {
  const leaf = chain[0];
  if (now < leaf.notBefore || now > leaf.notAfter) {
    const bound = now < leaf.notBefore ? `is before ${rfc3339(leaf.notBefore)}` : `is after ${rfc3339(leaf.notAfter)}`;
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} ${bound}`;
  }
  const path = [...chain, root];
  for (let i = 0; i + 1 < path.length; i++) {
    if (!isSignedBy(path[i].x509, path[i + 1].x509)) return 'x509: certificate signed by unknown authority';
  }
  return undefined;
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (p.startsWith('*.')) {
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot + 1) === p.slice(2);
  }
  return false;
}

/** x509.Certificate.VerifyHostname: the error text, or undefined when the name is covered. */
export function verifyHostname(cert: ParsedCert, name: string): string | undefined {
  if (isIP(name)) {
    const ip = canonicalIP(name);
    if (cert.ipAddresses.includes(ip)) return undefined;
    return `x509: certificate is valid for ${cert.ipAddresses.join(', ')}, not ${name}`;
  }
  if (cert.dnsNames.some((d) => hostMatches(d, name))) return undefined;
  return `x509: certificate is valid for ${cert.dnsNames.join(', ')}, not ${name}`;
}
