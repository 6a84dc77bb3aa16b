// Descriptors of the certificate controllers: "csrsigning" (one signer per kubernetes.io
// signer that has a CA), "csrapproving" and "csrcleaner", all as certificate-controller.

import type { ControllerDescriptor, ControllerInstance } from '../../controller-manager/context.js';
import { logger } from '../../util/klog.js';
import { newApprover } from './approver.js';
import { CSRCleaner } from './cleaner.js';
import { newSigner } from './signer.js';

const log = logger('certificates.go');

export const csrSigningDescriptor: ControllerDescriptor = {
  name: 'csrsigning',
  serviceAccount: 'certificate-controller',
  async init(ctx) {
    const configured = Object.entries(ctx.options.signers).filter(([, p]) => p);
    if (!configured.length) {
      log.info('Skipping CSR signer controller because no csr cert/key was specified');
      return null;
    }
    const client = await ctx.clientFor('certificate-controller');
    const signers: ControllerInstance[] = [];
    for (const [signer, pair] of configured) signers.push(newSigner(signer, ctx, client, pair!.certFile, pair!.keyFile));
    return {
      run: () => signers.forEach((s) => void s.run()),
      stop: async () => {
        await Promise.all(signers.map((s) => s.stop?.()));
      },
    };
  },
};

export const csrApprovingDescriptor: ControllerDescriptor = {
  name: 'csrapproving',
  serviceAccount: 'certificate-controller',
  async init(ctx) {
    return newApprover(ctx, await ctx.clientFor('certificate-controller'));
  },
};

export const csrCleanerDescriptor: ControllerDescriptor = {
  name: 'csrcleaner',
  serviceAccount: 'certificate-controller',
  async init(ctx) {
    return new CSRCleaner(await ctx.clientFor('certificate-controller'), ctx);
  },
};
