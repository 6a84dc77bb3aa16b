// The csrapproving controller (upstream's certificates/approver/sarapprove.go): kubelet client
// CSRs (kubernetes.io/kube-apiserver-client-kubelet, O=system:nodes, CN=system:node:*) are
// approved when a SubjectAccessReview allows the requester to create
// certificatesigningrequests/selfnodeclient (renewing its own certificate) or /nodeclient
// (bootstrapping), via the approval subresource with reason AutoApproved.

import type { RestClient } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext } from '../../controller-manager/context.js';
import { CSR_GVR, CertificateController } from './controller.js';
import { KUBELET_CLIENT_SIGNER, approvalCondition, parseRequestOf, validateKubeletClientCSR, type CSR, type ParsedRequest } from './csr.js';

const log = logger('sarapprove.go');

interface Recognizer {
  recognize(csr: CSR, r: ParsedRequest): boolean;
  subresource: string;
  successMessage: string;
}

export function isNodeClientCert(csr: CSR, r: ParsedRequest): boolean {
  if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER) return false;
  return validateKubeletClientCSR(r, csr.spec.usages ?? []) === undefined;
}

export function isSelfNodeClientCert(csr: CSR, r: ParsedRequest): boolean {
  return isNodeClientCert(csr, r) && csr.spec.username === r.commonName;
}

const RECOGNIZERS: Recognizer[] = [
  { recognize: isSelfNodeClientCert, subresource: 'selfnodeclient', successMessage: 'Auto approving self kubelet client certificate after SubjectAccessReview.' },
  { recognize: isNodeClientCert, subresource: 'nodeclient', successMessage: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
];

export function newApprover(ctx: ControllerContext, client: RestClient): CertificateController {
  const authorize = async (csr: CSR, subresource: string): Promise<boolean> => {
    const sar = await client.create<{ status?: { allowed?: boolean } }>(
      { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' },
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: csr.spec.username,
          uid: csr.spec.uid,
          groups: csr.spec.groups,
          extra: csr.spec.extra,
          resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource, version: '*' },
        },
      },
    );
    return sar.status?.allowed === true;
  };
  const handle = async (csr: CSR) => {
    if (csr.status?.certificate) return;
    const [approved, denied] = approvalCondition(csr);
    if (approved || denied) return;
    const name = csr.metadata!.name!;
    const parsed = await parseRequestOf(csr);
    const tried: string[] = [];
    for (const r of RECOGNIZERS) {
      if (!r.recognize(csr, parsed)) continue;
      tried.push(r.subresource);
      if (await authorize(csr, r.subresource)) {
        const status = { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.successMessage }] };
        try {
          await client.update({ ...CSR_GVR, name, subresource: 'approval' }, { ...csr, status });
        } catch (err) {
          throw new Error(`error updating approval for csr: ${(err as Error).message}`);
        }
        log.v(2).info('Approved CSR', { csr: name, reason: 'AutoApproved' });
        return;
      }
    }
    if (tried.length) throw new Error(`recognized csr "${name}" as [${tried.join(' ')}] but subject access review was not approved`);
  };
  return new CertificateController('csrapproving', ctx, handle, log);
}
