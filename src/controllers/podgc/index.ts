// kube-controller-manager's "pod-garbage-collector" controller (see gc_controller.ts).

import type { ControllerDescriptor } from '../../controller-manager/context.js';
import type { Node, Pod } from '../util/types.js';
import { PodGCController } from './gc_controller.js';

export const podGCDescriptor: ControllerDescriptor = {
  name: 'pod-garbage-collector',
  serviceAccount: 'pod-garbage-collector',
  async init(ctx) {
    const client = await ctx.clientFor('pod-garbage-collector');
    const c = new PodGCController(
      ctx.informers.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' }),
      ctx.informers.forResource<Node>({ group: '', version: 'v1', resource: 'nodes' }),
      client,
      ctx.options.terminatedPodGCThreshold,
    );
    let running: Promise<void> | undefined;
    return {
      run: () => {
        running = c.run(ctx.signal);
      },
      stop: async () => {
        await running;
      },
    };
  },
};
