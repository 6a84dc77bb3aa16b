// Descriptors of "bootstrap-signer" and "token-cleaner" (both off unless named in --controllers).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { BootstrapSigner } from './bootstrapsigner.js';
import { TokenCleaner } from './tokencleaner.js';

export const bootstrapSignerDescriptor: ControllerDescriptor = {
  name: 'bootstrap-signer',
  serviceAccount: 'bootstrap-signer',
  disabledByDefault: true,
  async init(ctx) {
    return new BootstrapSigner(await ctx.clientFor('bootstrap-signer'), ctx);
  },
};

export const tokenCleanerDescriptor: ControllerDescriptor = {
  name: 'token-cleaner',
  serviceAccount: 'token-cleaner',
  disabledByDefault: true,
  async init(ctx) {
    return new TokenCleaner(await ctx.clientFor('token-cleaner'), ctx);
  },
};
