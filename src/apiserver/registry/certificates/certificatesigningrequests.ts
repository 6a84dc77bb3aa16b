// certificates.k8s.io/v1 CertificateSigningRequest: validation (PEM request, signerName,
// usages, expirationSeconds, conditions), the create/update/status/approval strategies
// (spec never changes after create; approval touches only the conditions) and the Table
// columns (NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION).

import * as x509 from '@peculiar/x509';
import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { humanDuration } from '../../../apimachinery/duration.js';
import { isDNS1123Label } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, clone, col, ensureObj, isObj, nameCol, statusOnlyUpdate } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const ALL_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];

const LegacyUnknownSignerName = 'kubernetes.io/legacy-unknown';

/** The request's PEM problem, or '' when it holds a parseable CERTIFICATE REQUEST. */
function csrRequestError(request: unknown): string {
  if (typeof request !== 'string' || request === '') return 'PEM block type must be CERTIFICATE REQUEST';
  let pem: string;
  try {
    pem = Buffer.from(request, 'base64').toString('latin1');
  } catch {
    return 'PEM block type must be CERTIFICATE REQUEST';
  }
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || m[1] !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    new x509.Pkcs10CertificateRequest(Buffer.from(m[2].replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  } catch {
    return 'asn1: structure error: tags don\'t match';
  }
  return '';
}

/** ValidateSignerName. */
export function validateSignerName(signerName: string, path: string): FieldError[] {
  if (!signerName) return [fieldErr.required(path, '')];
  const segments = signerName.split('/');
  if (segments.length < 2) {
    return [fieldErr.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const errs: FieldError[] = [];
  const domain = segments[0];
  if (domain.length > 253) errs.push(fieldErr.tooLong(path, domain, 253));
  const labels = domain.split('.');
  for (const l of labels) {
    const msgs = isDNS1123Label(l);
    if (msgs.length) {
      for (const m of msgs) errs.push(fieldErr.invalid(path, domain, `validating label ${JSON.stringify(l)}: ${m}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(fieldErr.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  const pathPart = segments.slice(1).join('/');
  if (pathPart.length === 0) errs.push(fieldErr.invalid(path, signerName, 'validating path: must be non-empty'));
  return errs;
}

function validateConditions(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  arr(obj.status?.conditions).forEach((c: any, i) => {
    const p = `status.conditions[${i}]`;
    const type = String(c?.type ?? '');
    const status = String(c?.status ?? '');
    if (!type) errs.push(fieldErr.required(`${p}.type`, ''));
    if (status === '') errs.push(fieldErr.required(`${p}.status`, ''));
    else if (!['True', 'False', 'Unknown'].includes(status)) errs.push(fieldErr.notSupported(`${p}.status`, status, ['True', 'False', 'Unknown']));
    if (type === 'Approved') {
      approved = true;
      if (denied) errs.push(fieldErr.invalid(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      if (status !== 'True') errs.push(fieldErr.invalid(`${p}.status`, status, 'Approved condition may only be set to True'));
    } else if (type === 'Denied') {
      denied = true;
      if (approved) errs.push(fieldErr.invalid(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      if (status !== 'True') errs.push(fieldErr.invalid(`${p}.status`, status, 'Denied condition may only be set to True'));
    }
    if (seen.has(type)) errs.push(fieldErr.duplicate(`${p}.type`, type));
    seen.add(type);
  });
  return errs;
}

function validateCSR(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  const reqErr = csrRequestError(spec.request);
  if (reqErr) errs.push(fieldErr.invalid('spec.request', spec.request ?? null, reqErr));
  const usages = arr<string>(spec.usages);
  if (usages.length === 0) errs.push(fieldErr.required('spec.usages', ''));
  usages.forEach((u, i) => {
    if (!ALL_USAGES.includes(u)) errs.push(fieldErr.notSupported(`spec.usages[${i}]`, u, ALL_USAGES));
  });
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (seen.has(u)) errs.push(fieldErr.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  const signer = typeof spec.signerName === 'string' ? spec.signerName : '';
  if (signer === LegacyUnknownSignerName) {
    errs.push(fieldErr.invalid('spec.signerName', signer, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName(signer, 'spec.signerName'));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(fieldErr.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(obj));
  return errs;
}

function hasCondition(obj: KObject, type: string): boolean {
  return arr(obj.status?.conditions).some((c: any) => c?.type === type);
}

function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Fills lastUpdateTime / lastTransitionTime of new conditions (from the old ones when unchanged). */
function populateConditionTimestamps(obj: KObject, old: KObject): void {
  const now = nowTimestamp();
  for (const c of arr(obj.status?.conditions)) {
    if (!isObj(c)) continue;
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const prev = arr(old.status?.conditions).find((o: any) => o?.type === c.type && o?.status === c.status);
      c.lastTransitionTime = prev?.lastTransitionTime || c.lastUpdateTime || now;
    }
  }
}

/**
 * The approval subresource's strategy: everything but status.conditions stays as stored
 * (condition timestamps are filled in).
 */
export function prepareForApprovalUpdate(obj: KObject, old: KObject): void {
  populateConditionTimestamps(obj, old);
  const conditions = obj.status?.conditions;
  const rv = obj.metadata?.resourceVersion;
  const managed = obj.metadata?.managedFields;
  for (const k of Object.keys(obj)) if (k !== 'apiVersion' && k !== 'kind') delete obj[k];
  Object.assign(obj, clone(old));
  const status = ensureObj(obj, 'status');
  if (conditions === undefined) delete status.conditions;
  else status.conditions = clone(conditions);
  const meta = ensureObj(obj, 'metadata');
  if (rv !== undefined) meta.resourceVersion = rv;
  if (managed !== undefined) meta.managedFields = managed;
}

/** CONDITION cell: Approved/Denied/Pending, then ",Failed" and ",Issued". */
export function csrCondition(obj: KObject): string {
  const approved = hasCondition(obj, 'Approved');
  const denied = hasCondition(obj, 'Denied');
  const failed = hasCondition(obj, 'Failed');
  let s = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) s += ',Failed';
  if (typeof obj.status?.certificate === 'string' && obj.status.certificate.length > 0) s += ',Issued';
  return s;
}

export const certificateSigningRequestDef: ResourceDef & { approval: boolean } = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  namespaced: false,
  shortNames: ['csr'],
  subresources: { status: true },
  approval: true,
  nameRule: 'none',
  storageResource: 'certificatesigningrequests',
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(obj, old) {
    // neither spec nor status change through the main resource
    if (old.spec === undefined) delete obj.spec;
    else obj.spec = clone(old.spec);
    if (old.status === undefined) delete obj.status;
    else obj.status = clone(old.status);
  },
  prepareForStatusUpdate(obj, old) {
    statusOnlyUpdate(obj, old);
    populateConditionTimestamps(obj, old);
    // approval conditions only change through the approval subresource
    const incoming = arr(obj.status?.conditions);
    const kept = arr(old.status?.conditions).filter((c: any) => c?.type === 'Approved' || c?.type === 'Denied');
    const rest = incoming.filter((c: any) => c?.type !== 'Approved' && c?.type !== 'Denied');
    const all = [...kept, ...rest];
    const status = ensureObj(obj, 'status');
    if (all.length) status.conditions = clone(all);
    else delete status.conditions;
  },
  validate(obj) {
    return validateCSR(obj);
  },
  validateUpdate(obj, old, ctx) {
    const errs: FieldError[] = [];
    for (const t of ['Approved', 'Denied']) {
      if (hasCondition(old, t) && !hasCondition(obj, t)) errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
    }
    if (ctx.subresource === 'status') {
      const oc = old.status?.certificate;
      if (typeof oc === 'string' && oc.length > 0 && obj.status?.certificate !== oc) {
        errs.push(fieldErr.forbidden('status.certificate', 'updates may not modify existing certificate content'));
      }
    }
    return errs;
  },
  selectableFields(obj) {
    return { 'spec.signerName': String(obj.spec?.signerName ?? '') };
  },
  table: {
    columns: [
      nameCol(),
      ageCol(),
      col('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.\n\nList/watch requests for CertificateSigningRequests can filter on this field using a "spec.signerName=NAME" fieldSelector.\n\nWell-known Kubernetes signers are:\n 1. "kubernetes.io/kube-apiserver-client": issues client certificates that can be used to authenticate to kube-apiserver.\n  Requests for this signer are never auto-approved by kube-controller-manager, can be issued by the "csrsigning" controller in kube-controller-manager.\n 2. "kubernetes.io/kube-apiserver-client-kubelet": issues client certificates that kubelets use to authenticate to kube-apiserver.\n  Requests for this signer can be auto-approved by the "csrapproving" controller in kube-controller-manager, and can be issued by the "csrsigning" controller in kube-controller-manager.\n 3. "kubernetes.io/kubelet-serving" issues serving certificates that kubelets use to serve TLS endpoints, which kube-apiserver can connect to securely.\n  Requests for this signer are never auto-approved by kube-controller-manager, and can be issued by the "csrsigning" controller in kube-controller-manager.\n\nMore details are available at https://k8s.io/docs/reference/access-authn-authz/certificate-signing-requests/#kubernetes-signers\n\nCustom signerNames can also be specified. The signer defines:\n 1. Trust distribution: how trust (CA bundles) are distributed.\n 2. Permitted subjects: and behavior when a disallowed subject is requested.\n 3. Required, permitted, or forbidden x509 extensions in the request (including whether subjectAltNames are allowed, which types, restrictions on allowed values) and behavior when a disallowed extension is requested.\n 4. Required, permitted, or forbidden key usages / extended key usages.\n 5. Expiration/certificate lifetime: whether it is fixed by the signer, configurable by the admin.\n 6. Whether or not requests for CA certificates are allowed.'),
      col('Requestor', 'string', 'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded.'),
      col('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.'),
      col('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
    ],
    cells(obj, now) {
      const spec = obj.spec ?? {};
      const signer = typeof spec.signerName === 'string' && spec.signerName ? spec.signerName : '<none>';
      const dur = typeof spec.expirationSeconds === 'number' ? humanDuration(spec.expirationSeconds * 1000) : '<none>';
      return [obj.metadata?.name ?? '', ageOf(obj, now), signer, spec.username ?? '', dur, csrCondition(obj)];
    },
  },
};
