// The CA a csrsigning signer issues with (upstream's certificates/authority): a certificate for
// the request's subject, SANs and public key, with the usages the CSR asked for, valid for the
// requested duration capped by --cluster-signing-duration (and the CA's own NotAfter), NotBefore
// backdated 5 minutes (NotAfter too, for durations of 8h and more), a random 128-bit serial.

import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { x509lib } from '../../pki/x509lib.js';
import { toSigningKey } from '../../pki/certs.js';
import { subjectAltNames, type ParsedRequest } from './csr.js';

export const BACKDATE_MS = 5 * 60 * 1000;
/** PermissiveSigningPolicy.Short: durations below this are not shortened by the backdate. */
export const SHORT_MS = 8 * 3600 * 1000;

let keyUsageBits: Record<string, number> | undefined;

/** The KeyUsage bits of the CSR usage names (built on first use: @peculiar/x509 loads lazily). */
function keyUsages(): Record<string, number> {
  if (keyUsageBits) return keyUsageBits;
  const f = x509lib().KeyUsageFlags;
  keyUsageBits = {
    signing: f.digitalSignature,
    'digital signature': f.digitalSignature,
    'content commitment': f.nonRepudiation,
    'key encipherment': f.keyEncipherment,
    'key agreement': f.keyAgreement,
    'data encipherment': f.dataEncipherment,
    'cert sign': f.keyCertSign,
    'crl sign': f.cRLSign,
    'encipher only': f.encipherOnly,
    'decipher only': f.decipherOnly,
  };
  return keyUsageBits;
}

const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** keyUsagesFromStrings: the KeyUsage bits and ExtKeyUsage OIDs (in a stable order), or an error for unknown ones. */
export function keyUsagesFromStrings(usages: string[]): { keyUsage: number; extKeyUsages: string[] } {
  let keyUsage = 0;
  const ext = new Set<string>();
  const unknown: string[] = [];
  for (const u of usages) {
    if (u in keyUsages()) keyUsage |= keyUsages()[u]!;
    else if (u in EXT_KEY_USAGES) ext.add(EXT_KEY_USAGES[u]!);
    else unknown.push(u);
  }
  if (unknown.length) throw new Error(`unrecognized usage values: ${JSON.stringify(unknown)}`);
  return { keyUsage, extKeyUsages: [...ext].sort() };
}

/** The validity window for a certificate of ttl signed at now by a CA valid until caNotAfter. */
export function certificateValidity(now: number, ttlMs: number, caNotAfter: number): { notBefore: number; notAfter: number } {
  const notBefore = now - BACKDATE_MS;
  let notAfter = ttlMs < SHORT_MS ? now + ttlMs : now + ttlMs - BACKDATE_MS;
  if (notAfter >= caNotAfter) notAfter = caNotAfter;
  if (notBefore >= caNotAfter) throw new Error(`the signer has expired: NotAfter=${new Date(caNotAfter).toISOString()}`);
  if (now >= caNotAfter) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${new Date(caNotAfter).toISOString()}`);
  return { notBefore, notAfter };
}

/** The signing duration: spec.expirationSeconds (at least 10 minutes) capped by the configured maximum. */
export function signingDurationMs(expirationSeconds: number | undefined, maxMs: number): number {
  if (expirationSeconds === undefined || expirationSeconds === null) return maxMs;
  const ms = Math.max(600, expirationSeconds) * 1000;
  return Math.min(ms, maxMs);
}

export class CertificateAuthority {
  readonly cert: X509.X509Certificate;
  private readonly key: KeyObject;

  constructor(certPem: string, keyPem: string) {
    this.cert = new (x509lib()).X509Certificate(certPem);
    this.key = createPrivateKey(keyPem);
  }

  /** Sign the request; returns the certificate PEM. */
  async sign(r: ParsedRequest, usages: string[], ttlMs: number, now = Date.now()): Promise<string> {
    const { keyUsage, extKeyUsages } = keyUsagesFromStrings(usages);
    const { notBefore, notAfter } = certificateValidity(now, ttlMs, this.cert.notAfter.getTime());
    const serial = randomBytes(16);
    serial[0] = serial[0]! & 0x7f || 0x01;
    const extensions: X509.Extension[] = [];
    if (keyUsage) extensions.push(new (x509lib()).KeyUsagesExtension(keyUsage, true));
    if (extKeyUsages.length) extensions.push(new (x509lib()).ExtendedKeyUsageExtension(extKeyUsages, false));
    extensions.push(new (x509lib()).BasicConstraintsExtension(false, undefined, true));
    const ski = this.cert.getExtension(x509lib().SubjectKeyIdentifierExtension);
    if (ski) extensions.push(new (x509lib()).AuthorityKeyIdentifierExtension(ski.keyId));
    const san = subjectAltNames(r.req);
    if (san) extensions.push(new (x509lib()).SubjectAlternativeNameExtension(san.names.toJSON(), !r.commonName && !r.organizations.length));
    const signer = await toSigningKey(this.key);
    const cert = await x509lib().X509CertificateGenerator.create({
      serialNumber: serial.toString('hex'),
      subject: r.req.subjectName,
      issuer: this.cert.subjectName,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      publicKey: r.req.publicKey,
      signingKey: signer.key as unknown as X509.X509CertificateCreateWithKeyParams['signingKey'],
      signingAlgorithm: signer.algorithm,
      extensions,
    });
    return cert.toString('pem') + '\n';
  }
}
