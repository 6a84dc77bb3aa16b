// Keys and X.509 certificates for the cluster PKI: key generation (RSA 2048 by default, as
// kubeadm; ECDSA P-256 optional) with node:crypto, CA and leaf certificate issuance with
// @peculiar/x509, and parsing/checking helpers (subject, SANs, validity, key match, issuer)
// built on node:crypto's X509Certificate.
//
// Conventions follow kubeadm: NotBefore is backdated 5 minutes (clock skew), CAs are valid
// 10 years and leaves 1 year, serial numbers are random positive 63-bit integers, private
// keys are PEM "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1), public keys PKIX.

import {
  X509Certificate,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';
import { x509lib } from './x509lib.js';

/** Offset applied to NotBefore to tolerate clock skew (kubeadm's CertificateBackdate). */
export const CERTIFICATE_BACKDATE_MS = 5 * 60 * 1000;
/** kubeadm's CACertificateValidityPeriod: 10 years. */
export const CA_VALIDITY_DAYS = 3650;
/** kubeadm's CertificateValidityPeriod: 1 year. */
export const LEAF_VALIDITY_DAYS = 365;

const DAY_MS = 24 * 60 * 60 * 1000;
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export type KeyAlgorithm = 'rsa' | 'ecdsa';
export type CertUsage = 'server' | 'client';

/** A certificate and its private key, both PEM. */
export interface CertKeyPair {
  certPem: string;
  keyPem: string;
}

export interface CreateCAOptions {
  commonName: string;
  organizations?: string[];
  /** Default 3650 (10 years). */
  validityDays?: number;
  /** Default 'rsa' (2048 bits). */
  keyAlgorithm?: KeyAlgorithm;
  /** Use this private key (PEM) instead of generating one. */
  keyPem?: string;
  /** DNS SANs for the CA certificate (kubeadm's CAs carry their common name as one). */
  dnsNames?: string[];
}

export interface IssueCertOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: CertUsage[];
  /** Default 365 (1 year). */
  validityDays?: number;
  /** Default 'rsa' (2048 bits). */
  keyAlgorithm?: KeyAlgorithm;
  /** Use this private key (PEM) instead of generating one. */
  keyPem?: string;
}

export interface CertName {
  commonName?: string;
  organizations: string[];
}

export interface ParsedCert {
  subject: CertName;
  issuer: CertName;
  dnsNames: string[];
  /** Canonical text form (IPv6 compressed, lower case). */
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex, as node prints it. */
  serialNumber: string;
  isCA: boolean;
  /** From extKeyUsage: serverAuth → 'server', clientAuth → 'client'. */
  usages: CertUsage[];
  fingerprint256: string;
  /** The node:crypto certificate, for verify()/checkPrivateKey()/publicKey. */
  x509: X509Certificate;
}

// ---------------------------------------------------------------- keys

function generateKeyObjects(alg: KeyAlgorithm): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) =>
      err ? reject(err) : resolve({ privateKey, publicKey });
    if (alg === 'ecdsa') generateKeyPairCb('ec', { namedCurve: 'P-256' }, cb);
    else generateKeyPairCb('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, cb);
  });
}

/** PEM of a private key the way kubeadm writes it: PKCS#1 for RSA, SEC1 for EC, else PKCS#8. */
export function privateKeyToPem(key: KeyObject): string {
  const t = key.asymmetricKeyType;
  if (t === 'rsa') return key.export({ type: 'pkcs1', format: 'pem' }) as string;
  if (t === 'ec') return key.export({ type: 'sec1', format: 'pem' }) as string;
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** PKIX ("PUBLIC KEY") PEM. */
export function publicKeyToPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

/** A new private key as PEM (RSA 2048 or ECDSA P-256). */
export async function generatePrivateKey(alg: KeyAlgorithm = 'rsa'): Promise<string> {
  const { privateKey } = await generateKeyObjects(alg);
  return privateKeyToPem(privateKey);
}

/**
 * The service-account signing key pair, as kubeadm's sa.key / sa.pub: an RSA 2048 private
 * key in PKCS#1 PEM ("RSA PRIVATE KEY") and its PKIX public key PEM ("PUBLIC KEY").
 */
export async function generateServiceAccountKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const { privateKey, publicKey } = await generateKeyObjects('rsa');
  return { privateKeyPem: privateKeyToPem(privateKey), publicKeyPem: publicKeyToPem(publicKey) };
}

/** The PKIX public key PEM of a private key PEM. */
export function publicKeyPemOf(privateKeyPem: string): string {
  return publicKeyToPem(createPublicKey(createPrivateKey(privateKeyPem)));
}

export interface SigningKey {
  key: webcrypto.CryptoKey;
  algorithm: { name: string; hash: string };
}

export async function toSigningKey(key: KeyObject): Promise<SigningKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await webcrypto.subtle.importKey('pkcs8', der, alg, false, ['sign']), algorithm: alg };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : 'P-256';
    const hash = namedCurve === 'P-384' ? 'SHA-384' : namedCurve === 'P-521' ? 'SHA-512' : 'SHA-256';
    const k = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
    return { key: k, algorithm: { name: 'ECDSA', hash } };
  }
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType}`);
}

// ---------------------------------------------------------------- issuance

/** Random positive serial (1..2^63-1) as hex, as kubeadm's crypto/rand serials. */
function randomSerialHex(): string {
  const b = randomBytes(8);
  b[0] = b[0] & 0x7f || 0x01;
  return b.toString('hex');
}

/** Go's pkix.Name order: O before CN, one RDN per value. */
function jsonName(commonName: string, organizations: string[] = []): X509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

function validity(validityDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - CERTIFICATE_BACKDATE_MS), notAfter: new Date(now + validityDays * DAY_MS) };
}

function keyUsageFlags(key: KeyObject, ca: boolean): number {
  let flags = x509lib().KeyUsageFlags.digitalSignature;
  // keyEncipherment only means something for RSA keys (kubeadm sets it for RSA only).
  if (key.asymmetricKeyType === 'rsa') flags |= x509lib().KeyUsageFlags.keyEncipherment;
  if (ca) flags |= x509lib().KeyUsageFlags.keyCertSign;
  return flags;
}

async function keyFor(keyPem: string | undefined, alg: KeyAlgorithm | undefined): Promise<KeyObject> {
  if (keyPem) return createPrivateKey(keyPem);
  return (await generateKeyObjects(alg ?? 'rsa')).privateKey;
}

/** A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign) and its key. */
export async function createCA(opts: CreateCAOptions): Promise<CertKeyPair> {
  const priv = await keyFor(opts.keyPem, opts.keyAlgorithm);
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  const signer = await toSigningKey(priv);
  const name = jsonName(opts.commonName, opts.organizations);
  const cert = await x509lib().X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: name,
    issuer: name,
    ...validity(opts.validityDays ?? CA_VALIDITY_DAYS),
    publicKey: spki,
    signingKey: signer.key as unknown as X509.X509CertificateCreateWithKeyParams['signingKey'],
    signingAlgorithm: signer.algorithm,
    extensions: [
      new (x509lib()).KeyUsagesExtension(keyUsageFlags(priv, true), true),
      new (x509lib()).BasicConstraintsExtension(true, undefined, true),
      await x509lib().SubjectKeyIdentifierExtension.create(spki),
      ...(opts.dnsNames?.length
        ? [new (x509lib()).SubjectAlternativeNameExtension(uniq(opts.dnsNames).map((d) => ({ type: 'dns' as const, value: d })), false)]
        : []),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyToPem(priv) };
}

/** A leaf certificate signed by ca, with a new key (or opts.keyPem). */
export async function issueCert(ca: CertKeyPair, opts: IssueCertOptions): Promise<CertKeyPair> {
  if (!opts.usages.length) throw new Error('issueCert: at least one usage is required');
  const caKey = createPrivateKey(ca.keyPem);
  const caCert = new (x509lib()).X509Certificate(ca.certPem);
  const [priv, signer] = await Promise.all([keyFor(opts.keyPem, opts.keyAlgorithm), toSigningKey(caKey)]);
  const spki = createPublicKey(priv).export({ type: 'spki', format: 'der' });

  const caSki = caCert.getExtension(x509lib().SubjectKeyIdentifierExtension);
  const aki = caSki
    ? new (x509lib()).AuthorityKeyIdentifierExtension(caSki.keyId)
    : await x509lib().AuthorityKeyIdentifierExtension.create(createPublicKey(caKey).export({ type: 'spki', format: 'der' }));

  const ekus: string[] = [];
  if (opts.usages.includes('server')) ekus.push(OID_SERVER_AUTH);
  if (opts.usages.includes('client')) ekus.push(OID_CLIENT_AUTH);

  const extensions: X509.Extension[] = [
    new (x509lib()).KeyUsagesExtension(keyUsageFlags(priv, false), true),
    new (x509lib()).ExtendedKeyUsageExtension(ekus, false),
    new (x509lib()).BasicConstraintsExtension(false, undefined, true),
    await x509lib().SubjectKeyIdentifierExtension.create(spki),
    aki,
  ];
  const san: X509.JsonGeneralName[] = [];
  for (const d of uniq(opts.dnsNames ?? [])) san.push({ type: 'dns', value: d });
  for (const ip of uniq((opts.ipAddresses ?? []).map(canonicalIP))) {
    if (!isIP(ip)) throw new Error(`issueCert: invalid IP address ${JSON.stringify(ip)}`);
    san.push({ type: 'ip', value: ip });
  }
  if (san.length) extensions.push(new (x509lib()).SubjectAlternativeNameExtension(san, false));

  const cert = await x509lib().X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: jsonName(opts.commonName, opts.organizations),
    issuer: caCert.subjectName,
    ...validity(opts.validityDays ?? LEAF_VALIDITY_DAYS),
    publicKey: spki,
    signingKey: signer.key as unknown as X509.X509CertificateCreateWithKeyParams['signingKey'],
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyToPem(priv) };
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

// ---------------------------------------------------------------- loading and parsing

/** Read a certificate and its key; throws if either is unreadable or they do not match. */
export async function loadCertKey(certPath: string, keyPath: string): Promise<CertKeyPair> {
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  if (!certMatchesKey(certPem, keyPem)) throw new Error(`certificate ${certPath} does not match private key ${keyPath}`);
  return { certPem, keyPem };
}

/** True when the private key belongs to the certificate. */
export function certMatchesKey(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** True when cert names ca as issuer and carries a valid signature by ca's key. */
export function isSignedBy(certPem: string | X509Certificate, caCertPem: string | X509Certificate): boolean {
  try {
    const cert = typeof certPem === 'string' ? new X509Certificate(certPem) : certPem;
    const ca = typeof caCertPem === 'string' ? new X509Certificate(caCertPem) : caCertPem;
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Canonical text form of an IP (IPv6 compressed lower case, IPv4-mapped kept); other input unchanged. */
export function canonicalIP(ip: string): string {
  const s = ip.trim().replace(/^\[|\]$/g, '');
  const fam = isIP(s);
  if (fam === 4) return s.split('.').map((p) => String(Number(p))).join('.');
  if (fam !== 6) return ip;
  return ipv6FromBigInt(ipv6ToBigInt(s));
}

/** 128-bit value of an IPv6 address (accepts embedded IPv4 and '::'). */
export function ipv6ToBigInt(s: string): bigint {
  let head = s;
  let tailV4: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = s.slice(lastColon + 1).split('.').map(Number);
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  let groups: string[];
  if (head.includes('::')) {
    const [a, b] = head.split('::');
    const ga = a ? a.split(':') : [];
    const gb = b ? b.split(':') : [];
    groups = [...ga, ...Array(8 - ga.length - gb.length).fill('0'), ...gb];
  } else {
    groups = head.split(':');
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g || '0', 16));
  if (tailV4.length === 4) v = (v & ~0xffffffffn) | BigInt(((tailV4[0] << 24) >>> 0) + (tailV4[1] << 16) + (tailV4[2] << 8) + tailV4[3]);
  return v;
}

/** RFC 5952 text of a 128-bit value. */
export function ipv6FromBigInt(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // longest run (length >= 2) of zero groups becomes '::'
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Split node's "DNS:a, IP Address:1.2.3.4, DNS:\"x, y\"" into [type, value] pairs. */
function splitSAN(s: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (i >= s.length) break;
    const colon = s.indexOf(':', i);
    if (colon < 0) break;
    const type = s.slice(i, colon);
    i = colon + 1;
    let value = '';
    if (s[i] === '"') {
      // JSON-style quoted value (node quotes values with special characters)
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(s.slice(i, j + 1)) as string;
      } catch {
        value = s.slice(i + 1, j);
      }
      i = j + 1;
    } else {
      const end = s.indexOf(', ', i);
      value = end < 0 ? s.slice(i) : s.slice(i, end);
      i = end < 0 ? s.length : end;
    }
    out.push([type, value]);
  }
  return out;
}

function parseName(s: string | undefined): CertName {
  const name: CertName = { organizations: [] };
  for (const line of (s ?? '').split('\n')) {
    for (const part of line.split(' + ')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const k = part.slice(0, eq);
      const v = part.slice(eq + 1);
      if (k === 'CN' && name.commonName === undefined) name.commonName = v;
      else if (k === 'O') name.organizations.push(v);
    }
  }
  return name;
}

/** Subject, issuer, SANs, validity, usages of a PEM certificate (first in the PEM). */
export function parseCert(pem: string | Buffer): ParsedCert {
  const cert = new X509Certificate(pem);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const [type, value] of splitSAN(cert.subjectAltName ?? '')) {
    if (type === 'DNS') dnsNames.push(value);
    else if (type === 'IP Address') ipAddresses.push(canonicalIP(value));
  }
  const eku = cert.keyUsage ?? [];
  const usages: CertUsage[] = [];
  if (eku.includes(OID_SERVER_AUTH)) usages.push('server');
  if (eku.includes(OID_CLIENT_AUTH)) usages.push('client');
  return {
    subject: parseName(cert.subject),
    issuer: parseName(cert.issuer),
    dnsNames,
    ipAddresses,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    serialNumber: cert.serialNumber,
    isCA: cert.ca,
    usages,
    fingerprint256: cert.fingerprint256,
    x509: cert,
  };
}
