// Registration of the batch and stateful-workload controllers with kube-controller-manager
// (see src/controller-manager): statefulset, daemonset, job, cronjob and ttl-after-finished.

import type { ControllerDescriptor } from '../controller-manager/context.js';
import { startJobController } from './job/controller.js';

export const descriptors: ControllerDescriptor[] = [
  { name: 'job', serviceAccount: 'job-controller', init: startJobController },
];
