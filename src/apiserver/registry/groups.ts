// The built-in resources of the named API groups (apps, batch, coordination, discovery,
// events, rbac, certificates, storage, policy, networking, scheduling, node), collected
// for the registry. Each resource is declared in its own file under <group>/.

import { validatingAdmissionPolicyBindingDef, validatingAdmissionPolicyDef } from './admissionregistration/admissionpolicies.js';
import { mutatingWebhookConfigurationDef, validatingWebhookConfigurationDef } from './admissionregistration/webhookconfigurations.js';
import { controllerRevisionDef } from './apps/controllerrevisions.js';
import { daemonSetDef } from './apps/daemonsets.js';
import { deploymentDef } from './apps/deployments.js';
import { replicaSetDef } from './apps/replicasets.js';
import { statefulSetDef } from './apps/statefulsets.js';
import { horizontalPodAutoscalerV1Def, horizontalPodAutoscalerV2Def } from './autoscaling/horizontalpodautoscalers.js';
import { cronJobDef } from './batch/cronjobs.js';
import { jobDef } from './batch/jobs.js';
import { certificateSigningRequestDef } from './certificates/certificatesigningrequests.js';
import { leaseDef } from './coordination/leases.js';
import { endpointSliceDef } from './discovery/endpointslices.js';
import { eventsV1Def } from './events/events.js';
import { ingressClassDef } from './networking/ingressclasses.js';
import { ingressDef } from './networking/ingresses.js';
import { networkPolicyDef } from './networking/networkpolicies.js';
import { runtimeClassDef } from './node/runtimeclasses.js';
import { podDisruptionBudgetDef } from './policy/poddisruptionbudgets.js';
import { clusterRoleBindingDef } from './rbac/clusterrolebindings.js';
import { clusterRoleDef } from './rbac/clusterroles.js';
import { roleBindingDef } from './rbac/rolebindings.js';
import { roleDef } from './rbac/roles.js';
import { priorityClassDef } from './scheduling/priorityclasses.js';
import { csiDriverDef } from './storage/csidrivers.js';
import { csiNodeDef } from './storage/csinodes.js';
import { storageClassDef } from './storage/storageclasses.js';
import { volumeAttachmentDef } from './storage/volumeattachments.js';
import type { ResourceDef } from './types.js';
import { apiServiceDef } from '../aggregator/apiservice.js';

export { builtinPriorityClasses } from './scheduling/priorityclasses.js';
export { prepareForApprovalUpdate } from './certificates/certificatesigningrequests.js';

export const groupResources: ResourceDef[] = [
  // admissionregistration.k8s.io/v1
  mutatingWebhookConfigurationDef,
  validatingAdmissionPolicyDef,
  validatingAdmissionPolicyBindingDef,
  validatingWebhookConfigurationDef,
  // apiregistration.k8s.io/v1
  apiServiceDef,
  // apps/v1
  controllerRevisionDef,
  daemonSetDef,
  deploymentDef,
  replicaSetDef,
  statefulSetDef,
  // autoscaling/v2 (stored), autoscaling/v1
  horizontalPodAutoscalerV2Def,
  horizontalPodAutoscalerV1Def,
  // batch/v1
  cronJobDef,
  jobDef,
  // certificates.k8s.io/v1
  certificateSigningRequestDef,
  // coordination.k8s.io/v1
  leaseDef,
  // discovery.k8s.io/v1
  endpointSliceDef,
  // events.k8s.io/v1
  eventsV1Def,
  // networking.k8s.io/v1
  ingressClassDef,
  ingressDef,
  networkPolicyDef,
  // node.k8s.io/v1
  runtimeClassDef,
  // policy/v1
  podDisruptionBudgetDef,
  // rbac.authorization.k8s.io/v1
  clusterRoleBindingDef,
  clusterRoleDef,
  roleBindingDef,
  roleDef,
  // scheduling.k8s.io/v1
  priorityClassDef,
  // storage.k8s.io/v1
  csiDriverDef,
  csiNodeDef,
  storageClassDef,
  volumeAttachmentDef,
];
