// certificates.k8s.io/v1 CertificateSigningRequest: validation (PEM request, signerName,
// usages, expirationSeconds, conditions), the create/update/status/approval strategies
// (spec never changes after create; approval touches only the conditions) and the Table
// columns (NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION).

import type * as X509 from '@peculiar/x509';
import { x509lib } from '../../../pki/x509lib.js';
import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { humanDuration } from '../../../apimachinery/duration.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, clone, col, ensureObj, isObj, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';
import { nowTimestamp } from '../../../apimachinery/time.js';

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
    new (x509lib()).Pkcs10CertificateRequest(Buffer.from(m[2].replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  } catch {
    return 'asn1: structure error: tags don\'t match';
  }
  return '';
}

/** ValidateSignerName: "<DNS subdomain>/<path of DNS subdomains>", at most 571 characters. */
export function validateSignerName(signerName: string, path: string): FieldError[] {
  if (!signerName) return [fieldErr.required(path, '')];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [fieldErr.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const errs: FieldError[] = [];
  const [domain, rest] = segments;
  if (domain.length > 253) errs.push(fieldErr.tooLong(path, '', 253));
  const labels = domain.split('.');
  for (const l of labels) {
    const msgs = isDNS1123Label(l);
    if (msgs.length) {
      for (const m of msgs) errs.push(fieldErr.invalid(path, domain, `validating label ${JSON.stringify(l)}: ${m}`));
      break;
    }
  }
  if (labels.length < 2) errs.push(fieldErr.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const l of rest.split('.')) {
    const msgs = isDNS1123Subdomain(l);
    if (msgs.length) {
      for (const m of msgs) errs.push(fieldErr.invalid(path, rest, `validating label ${JSON.stringify(l)}: ${m}`));
      break;
    }
  }
  const max = 253 + (253 + 63 + 1) + 1;
  if (signerName.length > max) errs.push(fieldErr.tooLong(path, '', max));
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
 * The approval subresource's strategy: spec and status stay as stored except for
 * status.conditions (whose timestamps are filled in); metadata changes go through.
 */
export function prepareForApprovalUpdate(obj: KObject, old: KObject): void {
  populateConditionTimestamps(obj, old);
  const conditions = obj.status?.conditions;
  if (old.spec === undefined) delete obj.spec;
  else obj.spec = clone(old.spec);
  obj.status = isObj(old.status) ? clone(old.status) : {};
  if (conditions === undefined) delete obj.status.conditions;
  else obj.status.conditions = clone(conditions);
}

function conditionIndices(obj: KObject, type: string): number[] {
  const out: number[] = [];
  arr(obj.status?.conditions).forEach((c: any, i) => {
    if (c?.type === type) out.push(i);
  });
  return out;
}

/** Status updates keep the existing Approved/Denied condition instances (when their number is unchanged). */
function preserveConditionInstances(obj: KObject, old: KObject, type: string): void {
  const oi = conditionIndices(old, type);
  const ni = conditionIndices(obj, type);
  if (oi.length !== ni.length) return;
  oi.forEach((o, k) => {
    obj.status.conditions[ni[k]] = clone(old.status.conditions[o]);
  });
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
    // The requester's identity is not the client's to set (the server fills it in from
    // the authenticated user); no pre-approved requests either.
    const spec = ensureObj(obj, 'spec');
    delete spec.username;
    delete spec.uid;
    delete spec.groups;
    delete spec.extra;
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
    if (old.spec === undefined) delete obj.spec;
    else obj.spec = clone(old.spec);
    if (isObj(obj.status)) {
      preserveConditionInstances(obj, old, 'Approved');
      preserveConditionInstances(obj, old, 'Denied');
    }
    populateConditionTimestamps(obj, old);
  },
  validate(obj) {
    return validateCSR(obj);
  },
  validateUpdate(obj, old, ctx) {
    const errs: FieldError[] = [];
    for (const t of ['Approved', 'Denied']) {
      const o = conditionIndices(old, t).length;
      const n = conditionIndices(obj, t).length;
      if (n < o) errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
      if (ctx.subresource === 'status' && n > o) errs.push(fieldErr.forbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(t)}`));
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
