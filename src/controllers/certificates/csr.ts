// CertificateSigningRequest facts the certificate controllers share (upstream's
// pkg/apis/certificates helpers and capihelper.ParseCSR): parsing spec.request, the subject and
// SANs of the request, its conditions, and the kubelet client/serving restrictions of the
// kubernetes.io signers.

import type * as X509 from '@peculiar/x509';
import { x509lib } from '../../pki/x509lib.js';
import type { CertificateSigningRequest } from '../util/types.js';

export type CSR = CertificateSigningRequest;

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

export interface ParsedRequest {
  req: X509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

/** ParseCSR: the PEM CERTIFICATE REQUEST in spec.request (base64 in JSON), signature checked. */
export async function parseCSR(requestB64: string | undefined): Promise<ParsedRequest> {
  const pem = Buffer.from(requestB64 ?? '', 'base64').toString('latin1');
  const m = /-----BEGIN CERTIFICATE REQUEST-----\r?\n([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const req = new (x509lib()).Pkcs10CertificateRequest(Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  if (!(await req.verify())) throw new Error('x509: ECDSA verification failure');
  const out: ParsedRequest = { req, commonName: '', organizations: [], dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  for (const rdn of req.subjectName.toJSON()) {
    for (const [k, vals] of Object.entries(rdn)) {
      if (k === 'CN' && !out.commonName) out.commonName = vals[0] ?? '';
      if (k === 'O') out.organizations.push(...vals);
    }
  }
  const san = subjectAltNames(req);
  for (const n of san?.names.toJSON() ?? []) {
    if (n.type === 'dns') out.dnsNames.push(n.value);
    else if (n.type === 'ip') out.ipAddresses.push(n.value);
    else if (n.type === 'email') out.emailAddresses.push(n.value);
    else if (n.type === 'url') out.uris.push(n.value);
  }
  return out;
}

/** ParseCSR of a CSR object, the error naming it as the certificate controllers report it. */
export async function parseRequestOf(csr: CSR): Promise<ParsedRequest> {
  try {
    return await parseCSR(csr.spec.request);
  } catch (err) {
    throw new Error(`unable to parse csr "${csr.metadata?.name}": ${(err as Error).message}`);
  }
}

/** The request's subjectAltName extension (from its extensionRequest attribute). */
export function subjectAltNames(req: X509.Pkcs10CertificateRequest): X509.SubjectAlternativeNameExtension | undefined {
  const ext = req.getExtension('2.5.29.17');
  if (!ext) return undefined;
  return ext instanceof x509lib().SubjectAlternativeNameExtension ? ext : new (x509lib()).SubjectAlternativeNameExtension(ext.rawData);
}

export function hasTrueCondition(csr: CSR, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status === 'True' || c.status === undefined || (c.status as string) === ''));
}

/** GetCertApprovalCondition: [approved, denied]. */
export function approvalCondition(csr: CSR): [boolean, boolean] {
  let approved = false;
  let denied = false;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Approved') approved = true;
    if (c.type === 'Denied') denied = true;
  }
  return [approved, denied];
}

export function isApproved(csr: CSR): boolean {
  const [a, d] = approvalCondition(csr);
  return a && !d;
}

const sortedList = (s: string[]) => `[${[...s].sort().join(' ')}]`;
const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;

const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const KUBELET_SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];
const KUBELET_CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];
const KUBE_APISERVER_CLIENT_USAGES = new Set(['client auth', 'digital signature', 'key encipherment']);

const onlySystemNodes = (r: ParsedRequest) => r.organizations.length === 1 && r.organizations[0] === 'system:nodes';

/** ValidateKubeletServingCSR: an error message, or undefined when the request is acceptable. */
export function validateKubeletServingCSR(r: ParsedRequest, usages: string[]): string | undefined {
  if (!onlySystemNodes(r)) return 'subject organization is not system:nodes';
  if (!r.dnsNames.length && !r.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  if (r.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (r.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, KUBELET_SERVING_USAGES) && !sameSet(usages, KUBELET_SERVING_USAGES_NO_RSA)) return `usages did not match ${sortedList(KUBELET_SERVING_USAGES)}`;
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** ValidateKubeletClientCSR. */
export function validateKubeletClientCSR(r: ParsedRequest, usages: string[]): string | undefined {
  if (!onlySystemNodes(r)) return 'subject organization is not system:nodes';
  if (r.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (r.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (r.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (r.uris.length) return 'URI subjectAltNames are not allowed';
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, KUBELET_CLIENT_USAGES_NO_RSA)) return `usages did not match ${sortedList(KUBELET_CLIENT_USAGES)}`;
  return undefined;
}

/** The signer's isRequestForSignerFn: why this request may not be signed by signerName, or undefined. */
export function signerValidationError(signerName: string, r: ParsedRequest, usages: string[], csrSigner: string): string | undefined {
  switch (signerName) {
    case KUBELET_SERVING_SIGNER:
      if (csrSigner !== signerName) return `signer name ${JSON.stringify(csrSigner)} is not ${JSON.stringify(signerName)}`;
      return validateKubeletServingCSR(r, usages);
    case KUBELET_CLIENT_SIGNER:
      if (csrSigner !== signerName) return `signer name ${JSON.stringify(csrSigner)} is not ${JSON.stringify(signerName)}`;
      return validateKubeletClientCSR(r, usages);
    case KUBE_APISERVER_CLIENT_SIGNER:
      if (csrSigner !== signerName) return `signer name ${JSON.stringify(csrSigner)} is not ${JSON.stringify(signerName)}`;
      for (const u of usages) if (!KUBE_APISERVER_CLIENT_USAGES.has(u)) return `invalid usage for client certificate: ${u}`;
      return undefined;
    case LEGACY_UNKNOWN_SIGNER:
      if (csrSigner !== signerName) return `signer name ${JSON.stringify(csrSigner)} is not ${JSON.stringify(signerName)}`;
      return undefined;
    default:
      return `unknown signer ${JSON.stringify(signerName)}`;
  }
}
