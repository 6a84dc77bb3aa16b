// kube-controller-manager's "endpoint" controller (see endpoints_controller.ts).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import type { Endpoints, Pod, Service } from '../util/types.js';
import { EndpointsController } from './endpoints_controller.js';

export const endpointDescriptor: ControllerDescriptor = {
  name: 'endpoint',
  serviceAccount: 'endpoint-controller',
  async init(ctx) {
    const client = await ctx.clientFor('endpoint-controller');
    const c = new EndpointsController(
      ctx.informers.forResource<Service>({ group: '', version: 'v1', resource: 'services' }),
      ctx.informers.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' }),
      ctx.informers.forResource<Endpoints>({ group: '', version: 'v1', resource: 'endpoints' }),
      client,
      ctx.recorderFor('endpoint-controller'),
    );
    return {
      run: () => c.run(Math.max(1, ctx.options.concurrency.endpoint ?? 5)),
      stop: () => c.stop(),
    };
  },
};
