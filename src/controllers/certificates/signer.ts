// The csrsigning controllers (upstream's certificates/signer): one per kubernetes.io signer
// with a CA from --cluster-signing-*-file. An Approved, not yet Failed or issued CSR for the
// signer is checked against the signer's restrictions (a Failed condition with reason
// SignerValidationFailure when it breaks them) and signed; the certificate is written with
// UpdateStatus (certificatesigningrequests/<name>/status).

import { readFileSync } from 'node:fs';
import type { RestClient } from '../../client/index.js';
import { isNotFound } from '../../client/index.js';
import { logger } from '../../util/klog.js';
import type { ControllerContext } from '../../controller-manager/context.js';
import { CertificateAuthority, signingDurationMs } from './authority.js';
import { CSR_GVR, CertificateController } from './controller.js';
import { hasTrueCondition, isApproved, parseRequestOf, signerValidationError, type CSR } from './csr.js';

const log = logger('signer.go');

export const SIGNER_CONTROLLER_NAMES: Record<string, string> = {
  'kubernetes.io/kubelet-serving': 'csrsigning-kubelet-serving',
  'kubernetes.io/kube-apiserver-client-kubelet': 'csrsigning-kubelet-client',
  'kubernetes.io/kube-apiserver-client': 'csrsigning-kube-apiserver-client',
  'kubernetes.io/legacy-unknown': 'csrsigning-legacy-unknown',
};

function now(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function newSigner(signerName: string, ctx: ControllerContext, client: RestClient, certFile: string, keyFile: string): CertificateController {
  const ca = new CertificateAuthority(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'));
  const maxMs = ctx.options.clusterSigningDurationMs;
  const handle = async (csr: CSR) => {
    if (!isApproved(csr) || hasTrueCondition(csr, 'Failed')) return;
    if (csr.spec.signerName !== signerName) return;
    if (csr.status?.certificate) return;
    const name = csr.metadata!.name!;
    const parsed = await parseRequestOf(csr);
    const usages = csr.spec.usages ?? [];
    const invalid = signerValidationError(signerName, parsed, usages, csr.spec.signerName);
    const status = { ...(csr.status ?? {}) };
    if (invalid) {
      status.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: invalid, lastUpdateTime: now() }];
      try {
        await client.update({ ...CSR_GVR, name, subresource: 'status' }, { ...csr, status });
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`error adding failure condition for csr: ${(err as Error).message}`);
      }
      return;
    }
    const cert = await ca.sign(parsed, usages, signingDurationMs(csr.spec.expirationSeconds, maxMs));
    status.certificate = Buffer.from(cert).toString('base64');
    try {
      await client.update({ ...CSR_GVR, name, subresource: 'status' }, { ...csr, status });
    } catch (err) {
      throw new Error(`error updating signature for csr: ${(err as Error).message}`);
    }
    log.v(2).info('Signed certificate for CSR', { csr: name, signerName });
  };
  return new CertificateController(SIGNER_CONTROLLER_NAMES[signerName] ?? signerName, ctx, handle, log);
}
