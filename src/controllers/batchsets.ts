// Registration of the batchsets controllers with kube-controller-manager (see src/controller-manager).

import type { ControllerDescriptor } from '../controller-manager/context.js';

export const descriptors: ControllerDescriptor[] = [];
