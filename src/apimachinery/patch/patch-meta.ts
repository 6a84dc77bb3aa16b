// Strategic-merge-patch metadata: the PatchMeta tree describing, field by field, how lists and maps
// merge (patchStrategy / patchMergeKey struct tags of the upstream k8s.io/api types), and the table of
// it for the built-in kinds (builtinPatchMeta). Only fields that carry a tag, or lead to one, are
// listed; any other field merges as a plain map (objects) or is replaced whole (lists and scalars),
// which is what the untagged upstream fields do. Custom resources have no metadata: upstream does not
// accept strategic merge patches for them (see strategicMergePatchSupported).

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys';

export interface PatchMeta {
  /** 'object': a struct with named fields; 'map': string keys to `elem`; 'list': items are `elem`. */
  type: 'object' | 'map' | 'list' | 'primitive';
  /** The field's patchStrategy tag ("merge", "retainKeys", "merge,retainKeys", "replace"). */
  strategy?: PatchStrategy[];
  /** The field's patchMergeKey tag (lists of objects merged by this key). */
  mergeKey?: string;
  /** List items (type 'list') or map values (type 'map'). */
  elem?: PatchMeta;
  /** Struct fields (type 'object'); fields not listed have no patch metadata. */
  fields?: Record<string, PatchMeta>;
}

/** The metadata of field `key` of an object (or of a value of a map); undefined when none is known. */
export function lookupPatchMeta(meta: PatchMeta | undefined, key: string): PatchMeta | undefined {
  if (!meta) return undefined;
  if (meta.type === 'map') return meta.elem;
  if (meta.type === 'object') return meta.fields?.[key];
  return undefined;
}

/** Splits a field's strategies into the retainKeys flag and the list/map strategy ('' for none). */
export function splitPatchStrategy(meta: PatchMeta | undefined): { retainKeys: boolean; strategy: '' | 'merge' | 'replace' } {
  const s = meta?.strategy ?? [];
  const retainKeys = s.includes('retainKeys');
  const other = s.find((x) => x !== 'retainKeys');
  return { retainKeys, strategy: other === 'merge' || other === 'replace' ? other : '' };
}

// ---- builders ----

function obj(fields: Record<string, PatchMeta>): PatchMeta {
  return { type: 'object', fields };
}

/** A list of objects merged by `key` (patchStrategy "merge"[,retainKeys] patchMergeKey key). */
function mergeList(key: string, elem: PatchMeta = obj({}), retainKeys = false): PatchMeta {
  return { type: 'list', strategy: retainKeys ? ['merge', 'retainKeys'] : ['merge'], mergeKey: key, elem };
}

/** A list of scalars merged as a set (patchStrategy "merge", no key). */
function setList(): PatchMeta {
  return { type: 'list', strategy: ['merge'], elem: { type: 'primitive' } };
}

/** A struct field with patchStrategy "retainKeys". */
function retainKeysObj(fields: Record<string, PatchMeta> = {}): PatchMeta {
  return { type: 'object', strategy: ['retainKeys'], fields };
}

const CONDITIONS = mergeList('type');

// ---- meta/v1 ----

const OBJECT_META = obj({
  finalizers: setList(),
  ownerReferences: mergeList('uid'),
});

function withMeta(fields: Record<string, PatchMeta>): PatchMeta {
  return obj({ metadata: OBJECT_META, ...fields });
}

// ---- core/v1 ----

const CONTAINER = obj({
  ports: mergeList('containerPort'),
  env: mergeList('name'),
  volumeMounts: mergeList('mountPath'),
  volumeDevices: mergeList('devicePath'),
});

const POD_SPEC = obj({
  volumes: mergeList('name', obj({}), true),
  initContainers: mergeList('name', CONTAINER),
  containers: mergeList('name', CONTAINER),
  ephemeralContainers: mergeList('name', CONTAINER),
  imagePullSecrets: mergeList('name'),
  hostAliases: mergeList('ip'),
  topologySpreadConstraints: mergeList('topologyKey'),
  schedulingGates: mergeList('name'),
  resourceClaims: mergeList('name', obj({}), true),
});

const POD_STATUS = obj({
  conditions: CONDITIONS,
  hostIPs: mergeList('ip'),
  podIPs: mergeList('ip'),
  resourceClaimStatuses: mergeList('name', obj({}), true),
});

const POD_TEMPLATE_SPEC = obj({ metadata: OBJECT_META, spec: POD_SPEC });

const STATUS_WITH_CONDITIONS = obj({ conditions: CONDITIONS });

const core: Record<string, PatchMeta> = {
  Pod: withMeta({ spec: POD_SPEC, status: POD_STATUS }),
  PodTemplate: withMeta({ template: POD_TEMPLATE_SPEC }),
  ReplicationController: withMeta({ spec: obj({ template: POD_TEMPLATE_SPEC }), status: STATUS_WITH_CONDITIONS }),
  Service: withMeta({ spec: obj({ ports: mergeList('port') }), status: STATUS_WITH_CONDITIONS }),
  Endpoints: withMeta({}),
  Node: withMeta({ spec: obj({ podCIDRs: setList() }), status: obj({ conditions: CONDITIONS, addresses: mergeList('type') }) }),
  Namespace: withMeta({ status: STATUS_WITH_CONDITIONS }),
  PersistentVolume: withMeta({}),
  PersistentVolumeClaim: withMeta({ status: STATUS_WITH_CONDITIONS }),
  ConfigMap: withMeta({}),
  Secret: withMeta({}),
  ServiceAccount: withMeta({ secrets: mergeList('name') }),
  Event: withMeta({}),
  LimitRange: withMeta({}),
  ResourceQuota: withMeta({}),
  ComponentStatus: withMeta({ conditions: CONDITIONS }),
  Binding: withMeta({}),
};

// ---- apps/v1, batch/v1 ----

const WORKLOAD_STATUS = STATUS_WITH_CONDITIONS;

const apps: Record<string, PatchMeta> = {
  Deployment: withMeta({ spec: obj({ template: POD_TEMPLATE_SPEC, strategy: retainKeysObj() }), status: WORKLOAD_STATUS }),
  ReplicaSet: withMeta({ spec: obj({ template: POD_TEMPLATE_SPEC }), status: WORKLOAD_STATUS }),
  StatefulSet: withMeta({ spec: obj({ template: POD_TEMPLATE_SPEC }), status: WORKLOAD_STATUS }),
  DaemonSet: withMeta({ spec: obj({ template: POD_TEMPLATE_SPEC }), status: WORKLOAD_STATUS }),
  ControllerRevision: withMeta({}),
};

const JOB_SPEC = obj({ template: POD_TEMPLATE_SPEC });

const batch: Record<string, PatchMeta> = {
  Job: withMeta({ spec: JOB_SPEC, status: STATUS_WITH_CONDITIONS }),
  CronJob: withMeta({ spec: obj({ jobTemplate: obj({ metadata: OBJECT_META, spec: JOB_SPEC }) }) }),
};

// ---- the other built-in groups ----

const plain = (...kinds: string[]): Record<string, PatchMeta> =>
  Object.fromEntries(kinds.map((k) => [k, withMeta({})]));

const conditionsStatus = (...kinds: string[]): Record<string, PatchMeta> =>
  Object.fromEntries(kinds.map((k) => [k, withMeta({ status: STATUS_WITH_CONDITIONS })]));

const TABLE: Record<string, Record<string, PatchMeta>> = {
  '': core,
  apps,
  batch,
  autoscaling: {
    HorizontalPodAutoscaler: withMeta({ status: STATUS_WITH_CONDITIONS }),
    Scale: withMeta({}),
  },
  policy: {
    PodDisruptionBudget: withMeta({ status: STATUS_WITH_CONDITIONS }),
    Eviction: withMeta({}),
  },
  'networking.k8s.io': {
    ...plain('Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress'),
    ...conditionsStatus('ServiceCIDR'),
  },
  'rbac.authorization.k8s.io': plain('Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'),
  'storage.k8s.io': {
    ...plain('StorageClass', 'VolumeAttachment', 'CSIDriver', 'CSIStorageCapacity', 'VolumeAttributesClass'),
    CSINode: withMeta({ spec: obj({ drivers: mergeList('name') }) }),
  },
  'coordination.k8s.io': plain('Lease', 'LeaseCandidate'),
  'discovery.k8s.io': plain('EndpointSlice'),
  'events.k8s.io': plain('Event'),
  'certificates.k8s.io': plain('CertificateSigningRequest', 'ClusterTrustBundle'),
  'admissionregistration.k8s.io': {
    ValidatingWebhookConfiguration: withMeta({ webhooks: mergeList('name') }),
    MutatingWebhookConfiguration: withMeta({ webhooks: mergeList('name') }),
    ...plain('ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'),
  },
  'apiextensions.k8s.io': plain('CustomResourceDefinition'),
  'apiregistration.k8s.io': conditionsStatus('APIService'),
  'scheduling.k8s.io': plain('PriorityClass'),
  'node.k8s.io': plain('RuntimeClass'),
  'flowcontrol.apiserver.k8s.io': conditionsStatus('FlowSchema', 'PriorityLevelConfiguration'),
  'resource.k8s.io': {
    ResourceClaim: withMeta({ status: obj({ reservedFor: mergeList('uid') }) }),
    ...plain('ResourceClaimTemplate', 'DeviceClass', 'ResourceSlice'),
  },
  'storagemigration.k8s.io': plain('StorageVersionMigration'),
  'internal.apiserver.k8s.io': plain('StorageVersion'),
};

/**
 * The strategic-merge metadata of a built-in kind, or undefined when group/kind is not a built-in
 * type (custom resources, aggregated APIs), for which upstream rejects strategic merge patches.
 */
export function builtinPatchMeta(group: string, kind: string): PatchMeta | undefined {
  const g = TABLE[group];
  return g && Object.prototype.hasOwnProperty.call(g, kind) ? g[kind] : undefined;
}

/** Whether the apiserver accepts application/strategic-merge-patch+json for this group/kind. */
export function strategicMergePatchSupported(group: string, kind: string): boolean {
  return builtinPatchMeta(group, kind) !== undefined;
}

/** Metadata shared by the kinds above, for subresources and tests (e.g. a PodTemplateSpec). */
export const commonPatchMeta = {
  objectMeta: OBJECT_META,
  podSpec: POD_SPEC,
  podTemplateSpec: POD_TEMPLATE_SPEC,
  container: CONTAINER,
} as const;
