// Descriptor of the "ttl" controller (ttl-controller).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { TTLController } from './ttl_controller.js';

export const ttlDescriptor: ControllerDescriptor = {
  name: 'ttl',
  serviceAccount: 'ttl-controller',
  async init(ctx) {
    return new TTLController(await ctx.clientFor('ttl-controller'), ctx);
  },
};
