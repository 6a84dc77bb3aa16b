// Admission plugin "CertificateSubjectRestriction" (on by default upstream): a
// CertificateSigningRequest for the kubernetes.io/kube-apiserver-client signer may not ask
// for the system:masters group (O=system:masters).

import type * as X509 from '@peculiar/x509';
import { x509lib } from '../../pki/x509lib.js';
import { admissionForbidden, isResource, str, type Plugin } from './common.js';

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';

/** The subject organizations of a base64-encoded PEM CERTIFICATE REQUEST (throws when unparseable). */
export function csrOrganizations(request: unknown): string[] {
  const pem = Buffer.from(str(request), 'base64').toString('latin1');
  const m = /-----BEGIN CERTIFICATE REQUEST-----([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const csr = new (x509lib()).Pkcs10CertificateRequest(Buffer.from(m[1].replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  return csr.subjectName.getField('O');
}

export function certificateSubjectRestrictionPlugin(): Plugin {
  return {
    name: 'CertificateSubjectRestriction',
    validate(op, obj, _old, scope) {
      if (op !== 'CREATE' || !obj || scope.subresource || !isResource(scope, 'certificates.k8s.io', 'certificatesigningrequests')) return;
      if (obj.spec?.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return;
      let orgs: string[];
      try {
        orgs = csrOrganizations(obj.spec?.request);
      } catch (err) {
        throw admissionForbidden(scope, obj, `failed to parse CSR: ${(err as Error).message}`);
      }
      if (orgs.includes(SYSTEM_PRIVILEGED_GROUP)) {
        throw admissionForbidden(scope, obj, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with ${SYSTEM_PRIVILEGED_GROUP} group is not allowed`);
      }
    },
  };
}
