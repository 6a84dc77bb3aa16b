// The list and map markers of the built-in types (upstream's +listType, +listMapKey, +mapType and
// +structType comments in k8s.io/api and apimachinery), which upstream's OpenAPI publishes as
// x-kubernetes-list-type, x-kubernetes-list-map-keys and x-kubernetes-map-type and server-side
// apply merges by. Lists merged by a patch merge key (patch-meta.ts) that are not listed here
// become map lists keyed by that key; merge lists of scalars become sets.
//
// Table format: definition (short package prefix + type) -> space-separated markers:
//   field=atomic | field=set | field=map:key1,key2   (a list field)
//   field=mapatomic                                  (a map field with +mapType=atomic)
//   field=default:VALUE                              (a string field with +default="VALUE")
//   field=enum:A|B|C                                 (a string field of an +enum type)
//   field=format:int64|double                        (a number the wire schema does not describe)
//   @atomic                                          (the struct itself: +structType=atomic)

const PREFIX: Record<string, string> = {
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  core: 'io.k8s.api.core.v1',
  apps: 'io.k8s.api.apps.v1',
  batch: 'io.k8s.api.batch.v1',
  hpa2: 'io.k8s.api.autoscaling.v2',
  policy: 'io.k8s.api.policy.v1',
  net: 'io.k8s.api.networking.v1',
  disc: 'io.k8s.api.discovery.v1',
  rbac: 'io.k8s.api.rbac.v1',
  storage: 'io.k8s.api.storage.v1',
  certs: 'io.k8s.api.certificates.v1',
  admreg: 'io.k8s.api.admissionregistration.v1',
  apiext: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
  node: 'io.k8s.api.node.v1',
  authn: 'io.k8s.api.authentication.v1',
  authz: 'io.k8s.api.authorization.v1',
  flow: 'io.k8s.api.flowcontrol.v1',
};

const COND = 'conditions=map:type';
const CONTAINER = 'ports=map:containerPort,protocol env=map:name envFrom=atomic volumeMounts=map:mountPath volumeDevices=map:devicePath command=atomic args=atomic resizePolicy=atomic';

const TABLE: Record<string, string> = {
  'meta.ObjectMeta': 'finalizers=set ownerReferences=map:uid managedFields=atomic',
  'meta.LabelSelector': '@atomic matchExpressions=atomic',
  'meta.LabelSelectorRequirement': 'values=atomic',
  'meta.OwnerReference': '@atomic',
  'meta.StatusDetails': 'causes=atomic',

  'core.PodSpec': 'volumes=map:name initContainers=map:name containers=map:name ephemeralContainers=map:name imagePullSecrets=map:name tolerations=atomic hostAliases=map:ip topologySpreadConstraints=map:topologyKey,whenUnsatisfiable readinessGates=atomic schedulingGates=map:name resourceClaims=map:name nodeSelector=mapatomic restartPolicy=enum:Always|Never|OnFailure dnsPolicy=enum:ClusterFirst|ClusterFirstWithHostNet|Default|None preemptionPolicy=enum:Never|PreemptLowerPriority',
  'core.Container': `${CONTAINER} imagePullPolicy=enum:Always|IfNotPresent|Never terminationMessagePolicy=enum:FallbackToLogsOnError|File`,
  'core.EphemeralContainer': `${CONTAINER} imagePullPolicy=enum:Always|IfNotPresent|Never terminationMessagePolicy=enum:FallbackToLogsOnError|File`,
  'core.PodStatus': `${COND} podIPs=map:ip hostIPs=map:ip initContainerStatuses=atomic containerStatuses=atomic ephemeralContainerStatuses=atomic resourceClaimStatuses=map:name phase=enum:Failed|Pending|Running|Succeeded|Unknown qosClass=enum:BestEffort|Burstable|Guaranteed`,
  'core.ContainerPort': 'protocol=default:TCP protocol=enum:SCTP|TCP|UDP',
  'core.ServicePort': 'protocol=default:TCP protocol=enum:SCTP|TCP|UDP',
  'core.ContainerStatus': 'volumeMounts=map:mountPath allocatedResourcesStatus=map:name',
  'core.PodSecurityContext': 'supplementalGroups=atomic sysctls=atomic',
  'core.Capabilities': 'add=atomic drop=atomic',
  'core.NodeSelector': '@atomic nodeSelectorTerms=atomic',
  'core.NodeSelectorTerm': '@atomic matchExpressions=atomic matchFields=atomic',
  'core.NodeSelectorRequirement': 'values=atomic operator=enum:DoesNotExist|Exists|Gt|In|Lt|NotIn',
  'core.NodeAffinity': 'preferredDuringSchedulingIgnoredDuringExecution=atomic',
  'core.PodAffinity': 'requiredDuringSchedulingIgnoredDuringExecution=atomic preferredDuringSchedulingIgnoredDuringExecution=atomic',
  'core.PodAntiAffinity': 'requiredDuringSchedulingIgnoredDuringExecution=atomic preferredDuringSchedulingIgnoredDuringExecution=atomic',
  'core.PodAffinityTerm': 'namespaces=atomic matchLabelKeys=atomic mismatchLabelKeys=atomic',
  'core.TopologySpreadConstraint': 'matchLabelKeys=atomic whenUnsatisfiable=enum:DoNotSchedule|ScheduleAnyway',
  'core.PodDNSConfig': 'nameservers=atomic searches=atomic options=atomic',
  'core.HostAlias': 'hostnames=atomic',
  'core.ExecAction': 'command=atomic',
  'core.HTTPGetAction': 'httpHeaders=atomic scheme=enum:HTTP|HTTPS',
  'core.ResourceRequirements': 'claims=map:name',
  'core.ServiceSpec': 'ports=map:port,protocol selector=mapatomic externalIPs=atomic loadBalancerSourceRanges=atomic clusterIPs=atomic ipFamilies=atomic type=enum:ClusterIP|ExternalName|LoadBalancer|NodePort sessionAffinity=enum:ClientIP|None externalTrafficPolicy=enum:Cluster|Local internalTrafficPolicy=enum:Cluster|Local ipFamilyPolicy=enum:PreferDualStack|RequireDualStack|SingleStack',
  'core.ServiceStatus': COND,
  'core.LoadBalancerStatus': 'ingress=atomic',
  'core.LoadBalancerIngress': 'ports=atomic',
  'core.NodeSpec': 'podCIDRs=set taints=atomic',
  'core.NodeStatus': `${COND} addresses=map:type images=atomic volumesInUse=atomic volumesAttached=atomic runtimeHandlers=atomic`,
  'core.ContainerImage': 'names=atomic',
  'core.NamespaceSpec': 'finalizers=atomic',
  'core.NamespaceStatus': `${COND} phase=enum:Active|Terminating`,
  'core.PersistentVolumeClaimSpec': 'accessModes=atomic',
  'core.PersistentVolumeClaimStatus': `accessModes=atomic ${COND}`,
  'core.PersistentVolumeSpec': 'accessModes=atomic mountOptions=atomic persistentVolumeReclaimPolicy=enum:Delete|Recycle|Retain',
  'core.ServiceAccount': 'secrets=map:name imagePullSecrets=atomic',
  'core.Endpoints': 'subsets=atomic',
  'core.EndpointSubset': 'addresses=atomic notReadyAddresses=atomic ports=atomic',
  'core.ReplicationControllerSpec': 'selector=mapatomic',
  'core.ReplicationControllerStatus': COND,
  'core.ResourceQuotaSpec': 'scopes=atomic',
  'core.ScopeSelector': 'matchExpressions=atomic',
  'core.ScopedResourceSelectorRequirement': 'values=atomic',
  'core.LimitRangeSpec': 'limits=atomic',
  'core.ComponentStatus': COND,
  'core.ConfigMapVolumeSource': 'items=atomic',
  'core.SecretVolumeSource': 'items=atomic',
  'core.ConfigMapProjection': 'items=atomic',
  'core.SecretProjection': 'items=atomic',
  'core.DownwardAPIVolumeSource': 'items=atomic',
  'core.DownwardAPIProjection': 'items=atomic',
  'core.ProjectedVolumeSource': 'sources=atomic',
  'core.CephFSVolumeSource': 'monitors=atomic',
  'core.CephFSPersistentVolumeSource': 'monitors=atomic',
  'core.RBDVolumeSource': 'monitors=atomic',
  'core.RBDPersistentVolumeSource': 'monitors=atomic',
  'core.ISCSIVolumeSource': 'portals=atomic',
  'core.ISCSIPersistentVolumeSource': 'portals=atomic',
  'core.FCVolumeSource': 'targetWWNs=atomic wwids=atomic',
  'core.LocalObjectReference': '@atomic',
  'core.ObjectReference': '@atomic',
  'core.TypedLocalObjectReference': '@atomic',
  'core.ConfigMapKeySelector': '@atomic',
  'core.SecretKeySelector': '@atomic',
  'core.ObjectFieldSelector': '@atomic',
  'core.ResourceFieldSelector': '@atomic',
  'core.SecretReference': '@atomic',
  'core.TopologySelectorTerm': '@atomic matchLabelExpressions=atomic',
  'core.TopologySelectorLabelRequirement': 'values=atomic',

  'apps.DeploymentStatus': COND,
  'apps.ReplicaSetStatus': COND,
  'apps.StatefulSetStatus': COND,
  'apps.DaemonSetStatus': COND,
  'apps.StatefulSetSpec': 'volumeClaimTemplates=atomic podManagementPolicy=enum:OrderedReady|Parallel',

  'batch.JobStatus': 'conditions=atomic',
  'batch.CronJobStatus': 'active=atomic',
  'batch.PodFailurePolicy': 'rules=atomic',
  'batch.PodFailurePolicyRule': 'onPodConditions=atomic',
  'batch.PodFailurePolicyOnExitCodesRequirement': 'values=set',
  'batch.SuccessPolicy': 'rules=atomic',
  'batch.UncountedTerminatedPods': 'succeeded=set failed=set',

  'hpa2.HorizontalPodAutoscalerSpec': 'metrics=atomic',
  'hpa2.HorizontalPodAutoscalerStatus': `currentMetrics=atomic ${COND}`,
  'hpa2.HPAScalingRules': 'policies=atomic',

  'policy.PodDisruptionBudgetStatus': COND,

  'net.IngressSpec': 'tls=atomic rules=atomic',
  'net.IngressTLS': 'hosts=atomic',
  'net.HTTPIngressRuleValue': 'paths=atomic',
  'net.IngressLoadBalancerStatus': 'ingress=atomic',
  'net.IngressLoadBalancerIngress': 'ports=atomic',
  'net.NetworkPolicySpec': 'ingress=atomic egress=atomic policyTypes=atomic',
  'net.NetworkPolicyIngressRule': 'ports=atomic from=atomic',
  'net.NetworkPolicyEgressRule': 'ports=atomic to=atomic',

  'disc.EndpointSlice': 'endpoints=atomic ports=atomic',
  'disc.Endpoint': 'addresses=set',
  'disc.EndpointHints': 'forZones=atomic',

  'rbac.Role': 'rules=atomic',
  'rbac.ClusterRole': 'rules=atomic',
  'rbac.PolicyRule': 'verbs=atomic apiGroups=atomic resources=atomic resourceNames=atomic nonResourceURLs=atomic',
  'rbac.RoleBinding': 'subjects=atomic',
  'rbac.ClusterRoleBinding': 'subjects=atomic',
  'rbac.AggregationRule': 'clusterRoleSelectors=atomic',

  'storage.StorageClass': 'mountOptions=atomic allowedTopologies=atomic',
  'storage.CSINodeSpec': 'drivers=map:name',
  'storage.CSINodeDriver': 'topologyKeys=atomic',
  'storage.CSIDriverSpec': 'volumeLifecycleModes=set tokenRequests=atomic',

  'certs.CertificateSigningRequestSpec': 'usages=atomic groups=atomic',
  'certs.CertificateSigningRequestStatus': COND,

  'admreg.ValidatingWebhookConfiguration': 'webhooks=map:name',
  'admreg.MutatingWebhookConfiguration': 'webhooks=map:name',
  'admreg.ValidatingWebhook': 'rules=atomic admissionReviewVersions=atomic matchConditions=map:name',
  'admreg.MutatingWebhook': 'rules=atomic admissionReviewVersions=atomic matchConditions=map:name',
  'admreg.RuleWithOperations': 'operations=atomic apiGroups=atomic apiVersions=atomic resources=atomic',
  'admreg.NamedRuleWithOperations': '@atomic resourceNames=atomic operations=atomic apiGroups=atomic apiVersions=atomic resources=atomic',
  'admreg.ValidatingAdmissionPolicySpec': 'validations=atomic matchConditions=map:name auditAnnotations=atomic variables=map:name',
  'admreg.ValidatingAdmissionPolicyStatus': COND,
  'admreg.ValidatingAdmissionPolicyBindingSpec': 'validationActions=set',
  'admreg.MatchResources': '@atomic resourceRules=atomic excludeResourceRules=atomic',

  'apiext.CustomResourceDefinitionSpec': 'versions=atomic',
  'apiext.JSONSchemaProps': 'maxItems=format:int64 maxLength=format:int64 maxProperties=format:int64 minItems=format:int64 minLength=format:int64 minProperties=format:int64 maximum=format:double minimum=format:double multipleOf=format:double',
  'apiext.CustomResourceDefinitionVersion': 'additionalPrinterColumns=atomic selectableFields=atomic',
  'apiext.CustomResourceDefinitionNames': 'shortNames=atomic categories=atomic',
  'apiext.CustomResourceDefinitionStatus': `${COND} storedVersions=atomic`,
  'apiext.WebhookConversion': 'conversionReviewVersions=atomic',

  'node.Scheduling': 'tolerations=atomic nodeSelector=mapatomic',

  'authn.TokenReviewSpec': 'audiences=atomic',
  'authn.TokenReviewStatus': 'audiences=atomic',
  'authn.UserInfo': 'groups=atomic',
  'authz.SubjectRulesReviewStatus': 'resourceRules=atomic nonResourceRules=atomic',
  'authz.ResourceRule': 'verbs=atomic apiGroups=atomic resources=atomic resourceNames=atomic',
  'authz.NonResourceRule': 'verbs=atomic nonResourceURLs=atomic',
  'authz.SubjectAccessReviewSpec': 'groups=atomic',

  'flow.FlowSchemaSpec': 'rules=atomic',
  'flow.PolicyRulesWithSubjects': 'subjects=atomic resourceRules=atomic nonResourceRules=atomic',
  'flow.ResourcePolicyRule': 'verbs=set apiGroups=set resources=set namespaces=set',
  'flow.NonResourcePolicyRule': 'verbs=set nonResourceURLs=set',
  'flow.FlowSchemaStatus': COND,
  'flow.PriorityLevelConfigurationStatus': COND,

  // types with only +enum values
  'apps.DeploymentStrategy': 'type=enum:Recreate|RollingUpdate',
  'apps.StatefulSetUpdateStrategy': 'type=enum:OnDelete|RollingUpdate',
  'apps.DaemonSetUpdateStrategy': 'type=enum:OnDelete|RollingUpdate',
  'core.Toleration': 'operator=enum:Equal|Exists effect=enum:NoExecute|NoSchedule|PreferNoSchedule',
  'core.Taint': 'effect=enum:NoExecute|NoSchedule|PreferNoSchedule',
  'core.SeccompProfile': 'type=enum:Localhost|RuntimeDefault|Unconfined',
  'batch.JobSpec': 'completionMode=enum:Indexed|NonIndexed podReplacementPolicy=enum:Failed|TerminatingOrFailed',
  'batch.CronJobSpec': 'concurrencyPolicy=enum:Allow|Forbid|Replace',
  'policy.PodDisruptionBudgetSpec': 'unhealthyPodEvictionPolicy=enum:AlwaysAllow|IfHealthyBudget',
  'net.HTTPIngressPath': 'pathType=enum:Exact|ImplementationSpecific|Prefix',
};

export interface FieldMarker {
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic';
  default?: string;
  enum?: string[];
  format?: 'int64' | 'double';
}

export interface TypeMarkers {
  structAtomic: boolean;
  fields: Record<string, FieldMarker>;
}

let parsed: Map<string, TypeMarkers> | undefined;

/** The markers of every listed definition, by full definition name. */
export function builtinMarkers(): Map<string, TypeMarkers> {
  if (parsed) return parsed;
  parsed = new Map();
  for (const [key, spec] of Object.entries(TABLE)) {
    const dot = key.indexOf('.');
    const name = `${PREFIX[key.slice(0, dot)]}.${key.slice(dot + 1)}`;
    const m: TypeMarkers = { structAtomic: false, fields: {} };
    for (const tok of spec.split(' ').filter(Boolean)) {
      if (tok === '@atomic') {
        m.structAtomic = true;
        continue;
      }
      const [field, v] = tok.split('=');
      const f = (m.fields[field] ??= {});
      if (v === 'mapatomic') f.mapType = 'atomic';
      else if (v.startsWith('default:')) f.default = v.slice('default:'.length);
      else if (v.startsWith('enum:')) f.enum = v.slice('enum:'.length).split('|');
      else if (v.startsWith('format:')) f.format = v.slice('format:'.length) as 'int64' | 'double';
      else if (v.startsWith('map:')) Object.assign(f, { listType: 'map', listMapKeys: v.slice(4).split(',') });
      else f.listType = v as 'atomic' | 'set';
    }
    parsed.set(name, m);
  }
  return parsed;
}
