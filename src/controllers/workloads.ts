// Registration of the workloads controllers with kube-controller-manager (see
// src/controller-manager): deployment, replicaset and replicationcontroller (the ReplicaSet
// controller run for ReplicationControllers, as upstream).

import type { ControllerDescriptor } from '../controller-manager/context.js';
import { DeploymentController } from './deployment/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { replicaSetKind, replicationControllerKind } from './replicaset/kinds.js';

export const descriptors: ControllerDescriptor[] = [
  {
    name: 'deployment',
    serviceAccount: 'deployment-controller',
    init: (ctx) => DeploymentController.create(ctx),
  },
  {
    name: 'replicaset',
    serviceAccount: 'replicaset-controller',
    init: (ctx) => ReplicaSetController.create(ctx, replicaSetKind, 'replicaset-controller'),
  },
  {
    name: 'replicationcontroller',
    serviceAccount: 'replication-controller',
    init: (ctx) => ReplicaSetController.create(ctx, replicationControllerKind, 'replication-controller'),
  },
];
