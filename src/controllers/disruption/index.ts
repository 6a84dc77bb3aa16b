// kube-controller-manager's "disruption" controller (see disruption_controller.ts).

import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ControllerDescriptor } from '../../controller-manager/context.js';
import type { Deployment, Pod, ReplicaSet, ReplicationController, StatefulSet } from '../util/types.js';
import { DisruptionController } from './disruption_controller.js';

export const disruptionDescriptor: ControllerDescriptor = {
  name: 'disruption',
  serviceAccount: 'disruption-controller',
  async init(ctx) {
    const client = await ctx.clientFor('disruption-controller');
    const f = ctx.informers;
    const c = new DisruptionController(
      f.forResource<PodDisruptionBudget>({ group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' }),
      f.forResource<Pod>({ group: '', version: 'v1', resource: 'pods' }),
      {
        rcs: f.forResource<ReplicationController>({ group: '', version: 'v1', resource: 'replicationcontrollers' }),
        rss: f.forResource<ReplicaSet>({ group: 'apps', version: 'v1', resource: 'replicasets' }),
        deployments: f.forResource<Deployment>({ group: 'apps', version: 'v1', resource: 'deployments' }),
        statefulsets: f.forResource<StatefulSet>({ group: 'apps', version: 'v1', resource: 'statefulsets' }),
      },
      client,
      ctx.recorderFor('controllermanager'),
    );
    return { run: () => c.run(ctx.signal), stop: () => c.stop() };
  },
};
