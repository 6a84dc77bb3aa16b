// Descriptors of the "nodelifecycle" (node-controller) and "taint-eviction-controller"
// (taint-eviction-controller) controllers.

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import { NodeLifecycleController } from './controller.js';
import { TaintEvictionController } from './tainteviction.js';

export const nodeLifecycleDescriptor: ControllerDescriptor = {
  name: 'nodelifecycle',
  serviceAccount: 'node-controller',
  async init(ctx) {
    const client = await ctx.clientFor('node-controller');
    return new NodeLifecycleController(client, ctx.recorderFor('node-controller'), ctx);
  },
};

export const taintEvictionDescriptor: ControllerDescriptor = {
  name: 'taint-eviction-controller',
  serviceAccount: 'taint-eviction-controller',
  async init(ctx) {
    const client = await ctx.clientFor('taint-eviction-controller');
    return new TaintEvictionController(client, ctx.recorderFor('taint-eviction-controller'), ctx);
  },
};
