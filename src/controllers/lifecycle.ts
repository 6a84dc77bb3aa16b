// Registration of the lifecycle controllers with kube-controller-manager (see src/controller-manager).

import type { ControllerDescriptor } from '../controller-manager/context.js';
import { garbageCollectorDescriptor } from './garbagecollector/index.js';
import { namespaceDescriptor } from './namespace/index.js';
import { podGCDescriptor } from './podgc/index.js';
import { endpointDescriptor } from './endpoint/index.js';
import { endpointSliceDescriptor, endpointSliceMirroringDescriptor } from './endpointslice/index.js';
import { disruptionDescriptor } from './disruption/index.js';
import { resourceQuotaDescriptor } from './resourcequota/index.js';

export const descriptors: ControllerDescriptor[] = [
  garbageCollectorDescriptor,
  namespaceDescriptor,
  podGCDescriptor,
  endpointDescriptor,
  endpointSliceDescriptor,
  endpointSliceMirroringDescriptor,
  disruptionDescriptor,
  resourceQuotaDescriptor,
];
