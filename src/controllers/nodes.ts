// Registration of the node, certificate, service-account, bootstrap-token, TTL and HPA
// controllers with kube-controller-manager (see src/controller-manager). serviceaccount-token
// comes first, as upstream starts it before the others (their tokens may depend on it).

import type { ControllerDescriptor } from '../controller-manager/context.js';
import { nodeIpamDescriptor } from './nodeipam/index.js';
import { nodeLifecycleDescriptor, taintEvictionDescriptor } from './nodelifecycle/index.js';
import { csrApprovingDescriptor, csrCleanerDescriptor, csrSigningDescriptor } from './certificates/index.js';
import { rootCACertPublisherDescriptor, serviceAccountDescriptor, serviceAccountTokenDescriptor } from './serviceaccount/index.js';
import { bootstrapSignerDescriptor, tokenCleanerDescriptor } from './bootstrap/index.js';
import { hpaDescriptor } from './podautoscaler/index.js';
import { ttlDescriptor } from './ttl/index.js';

export const descriptors: ControllerDescriptor[] = [
  serviceAccountTokenDescriptor,
  nodeIpamDescriptor,
  nodeLifecycleDescriptor,
  taintEvictionDescriptor,
  csrSigningDescriptor,
  csrApprovingDescriptor,
  csrCleanerDescriptor,
  serviceAccountDescriptor,
  rootCACertPublisherDescriptor,
  bootstrapSignerDescriptor,
  tokenCleanerDescriptor,
  hpaDescriptor,
  ttlDescriptor,
];
