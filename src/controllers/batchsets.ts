// Registration of the batch and stateful-workload controllers with kube-controller-manager
// (see src/controller-manager): statefulset, daemonset, job, cronjob and ttl-after-finished.

import type { ControllerDescriptor } from '../controller-manager/context.js';
import { startJobController } from './job/controller.js';
import { startCronJobController } from './cronjob/controller.js';
import { startTTLAfterFinishedController } from './ttlafterfinished/controller.js';
import { startStatefulSetController } from './statefulset/controller.js';
import { startDaemonSetController } from './daemonset/controller.js';

export const descriptors: ControllerDescriptor[] = [
  { name: 'statefulset', serviceAccount: 'statefulset-controller', init: startStatefulSetController },
  { name: 'daemonset', serviceAccount: 'daemon-set-controller', init: startDaemonSetController },
  { name: 'job', serviceAccount: 'job-controller', init: startJobController },
  { name: 'cronjob', serviceAccount: 'cronjob-controller', init: startCronJobController },
  { name: 'ttl-after-finished', serviceAccount: 'ttl-after-finished-controller', init: startTTLAfterFinishedController },
];
