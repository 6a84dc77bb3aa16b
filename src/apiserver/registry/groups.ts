// The built-in resources of the named API groups (apps, batch, coordination, discovery,
// events, rbac, certificates, storage, policy, networking, scheduling, node), collected
// for the registry. Each resource is declared in its own file under <group>/.

import { controllerRevisionDef } from './apps/controllerrevisions.js';
import { daemonSetDef } from './apps/daemonsets.js';
import { deploymentDef } from './apps/deployments.js';
import { replicaSetDef } from './apps/replicasets.js';
import { statefulSetDef } from './apps/statefulsets.js';
import { cronJobDef } from './batch/cronjobs.js';
import { jobDef } from './batch/jobs.js';
import type { ResourceDef } from './types.js';

export const groupResources: ResourceDef[] = [
  // apps/v1
  controllerRevisionDef,
  daemonSetDef,
  deploymentDef,
  replicaSetDef,
  statefulSetDef,
  // batch/v1
  cronJobDef,
  jobDef,
];
