// kube-controller-manager's "endpointslice" and "endpointslicemirroring" controllers.

import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ControllerDescriptor } from '../../controller-manager/context.js';
import type { Endpoints, Node, Pod, Service } from '../util/types.js';
import { EndpointSliceController } from './endpointslice_controller.js';
import { MirroringController } from './mirroring.js';
import { ENDPOINTSLICES } from './writer.js';

/** upstream --max-endpoints-per-slice default (k8ts' options do not carry the flag yet) */
const MAX_ENDPOINTS_PER_SLICE = 100;

export const endpointSliceDescriptor: ControllerDescriptor = {
  name: 'endpointslice',
  serviceAccount: 'endpointslice-controller',
  async init(ctx) {
    const client = await ctx.clientFor('endpointslice-controller');
    const max = (ctx.options as { maxEndpointsPerSlice?: number }).maxEndpointsPerSlice || MAX_ENDPOINTS_PER_SLICE;
    const c = new EndpointSliceController(
      ctx.informers.forResource<Service>({ group: '', version: 'v1', resource: 'services' }),
      ctx.informers.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' }),
      ctx.informers.forResource<Node>({ group: '', version: 'v1', resource: 'nodes' }),
      ctx.informers.forResource<EndpointSlice>(ENDPOINTSLICES),
      client,
      ctx.recorderFor('endpoint-slice-controller'),
      max,
    );
    return {
      run: () => c.run(Math.max(1, ctx.options.concurrency['service-endpoint'] ?? 5)),
      stop: () => c.stop(),
    };
  },
};

export const endpointSliceMirroringDescriptor: ControllerDescriptor = {
  name: 'endpointslicemirroring',
  serviceAccount: 'endpointslicemirroring-controller',
  async init(ctx) {
    const client = await ctx.clientFor('endpointslicemirroring-controller');
    const c = new MirroringController(
      ctx.informers.forResource<Endpoints>({ group: '', version: 'v1', resource: 'endpoints' }),
      ctx.informers.forResource<Service>({ group: '', version: 'v1', resource: 'services' }),
      ctx.informers.forResource<EndpointSlice>(ENDPOINTSLICES),
      client,
    );
    return {
      run: () => c.run(5),
      stop: () => c.stop(),
    };
  },
};
