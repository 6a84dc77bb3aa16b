// The default RBAC policy of Kubernetes 1.32 (default feature gates): the ClusterRoles and
// ClusterRoleBindings the API server reconciles at start (cluster-admin, admin/edit/view with
// their aggregate-to-* roles, the system:* roles, the system:controller:* roles of the
// kube-controller-manager controllers), and the Roles/RoleBindings of kube-system and
// kube-public. Every object carries the label kubernetes.io/bootstrapping=rbac-defaults and
// the annotation rbac.authorization.kubernetes.io/autoupdate="true".
//
// Lists inside a rule are sorted and deduplicated, as upstream's rule builder does; rule order
// within a role and role order follow upstream's published policy (testdata).

import type { KObject } from '../registry/types.js';

/** rbac/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const RBAC_V1 = `${RBAC_GROUP}/v1`;

export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAP_LABEL_VALUE = 'rbac-defaults';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];
const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const core = '';
const apps = 'apps';
const authentication = 'authentication.k8s.io';
const authorization = 'authorization.k8s.io';
const autoscaling = 'autoscaling';
const batch = 'batch';
const certificates = 'certificates.k8s.io';
const coordination = 'coordination.k8s.io';
const discovery = 'discovery.k8s.io';
const extensions = 'extensions';
const policy = 'policy';
const storage = 'storage.k8s.io';
const networking = 'networking.k8s.io';
const events = 'events.k8s.io';
const admissionregistration = 'admissionregistration.k8s.io';

function sorted(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

/** A resource rule: verbs on resources of groups (optionally restricted to names). */
function rule(verbs: string | readonly string[], groups: string | readonly string[], resources: readonly string[], names?: readonly string[]): PolicyRule {
  const r: PolicyRule = {
    verbs: sorted(typeof verbs === 'string' ? [verbs] : verbs),
    apiGroups: sorted(typeof groups === 'string' ? [groups] : groups),
    resources: sorted(resources),
  };
  if (names?.length) r.resourceNames = sorted(names);
  return r;
}

/** A non-resource rule: verbs on URL paths. */
function urls(verbs: string | readonly string[], paths: readonly string[]): PolicyRule {
  return { verbs: sorted(typeof verbs === 'string' ? [verbs] : verbs), nonResourceURLs: sorted(paths) };
}

/** Create/update/patch of events in both event groups. */
function eventsRule(): PolicyRule {
  return rule(['create', 'update', 'patch'], [core, events], ['events']);
}

function meta(name: string, namespace?: string, labels?: Record<string, string>): KObject {
  const m: KObject = {
    name,
    labels: { ...(labels ?? {}), [BOOTSTRAP_LABEL]: BOOTSTRAP_LABEL_VALUE },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
  if (namespace) m.namespace = namespace;
  return m;
}

function clusterRole(name: string, rules: PolicyRule[], extra?: { labels?: Record<string, string>; aggregateLabel?: string }): KObject {
  const o: KObject = { apiVersion: RBAC_V1, kind: 'ClusterRole', metadata: meta(name, undefined, extra?.labels) };
  if (extra?.aggregateLabel) {
    o.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateLabel]: 'true' } }] };
  } else {
    o.rules = rules;
  }
  return o;
}

function role(namespace: string, name: string, rules: PolicyRule[]): KObject {
  return { apiVersion: RBAC_V1, kind: 'Role', metadata: meta(name, namespace), rules };
}

type Subject = { kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string; apiGroup?: string };

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterRoleBinding(roleName: string, subjects: Subject[], name = roleName): KObject {
  const o: KObject = {
    apiVersion: RBAC_V1,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length) o.subjects = subjects;
  return o;
}

function roleBinding(namespace: string, roleName: string, subjects: Subject[], name = roleName): KObject {
  return {
    apiVersion: RBAC_V1,
    kind: 'RoleBinding',
    metadata: meta(name, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

// ---------------------------------------------------------------------------------------
// Well-known users and groups
// ---------------------------------------------------------------------------------------

export const SYSTEM_MASTERS = 'system:masters';
export const SYSTEM_NODES = 'system:nodes';
export const SYSTEM_MONITORING = 'system:monitoring';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ALL_SERVICE_ACCOUNTS = 'system:serviceaccounts';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';

export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

// ---------------------------------------------------------------------------------------
// The rules of the system:node role. The Node authorizer grants these to every node for the
// resources it does not subdivide (so the system:node ClusterRoleBinding has no subjects).
// ---------------------------------------------------------------------------------------

export function nodeRules(opts: { dynamicResourceAllocation?: boolean } = {}): PolicyRule[] {
  const rules = [
    // API access checks (non-mutating creates)
    rule('create', authentication, ['tokenreviews']),
    rule('create', authorization, ['subjectaccessreviews', 'localsubjectaccessreviews']),
    // service environment variables
    rule(READ, core, ['services']),
    // nodes register and report status (NodeRestriction admission limits them to their own)
    rule(['create', 'get', 'list', 'watch'], core, ['nodes']),
    rule(['update', 'patch'], core, ['nodes/status']),
    rule(['update', 'patch'], core, ['nodes']),
    rule(['create', 'update', 'patch'], core, ['events']),
    rule(READ, core, ['pods']),
    // mirror pods
    rule(['create', 'delete'], core, ['pods']),
    rule(['update', 'patch'], core, ['pods/status']),
    rule('create', core, ['pods/eviction']),
    // secrets/configmaps referenced by pods (the Node authorizer limits these through its graph)
    rule(['get', 'list', 'watch'], core, ['secrets', 'configmaps']),
    rule('get', core, ['persistentvolumeclaims', 'persistentvolumes']),
    rule('get', core, ['endpoints']),
    // kubelet client certificate rotation
    rule(['create', 'get', 'list', 'watch'], certificates, ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], coordination, ['leases']),
    rule('get', storage, ['volumeattachments']),
    rule('create', core, ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], core, ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], storage, ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], storage, ['csinodes']),
    rule(['get', 'list', 'watch'], 'node.k8s.io', ['runtimeclasses']),
  ];
  if (opts.dynamicResourceAllocation) {
    rules.push(rule('get', 'resource.k8s.io', ['resourceclaims']));
    rules.push(rule('deletecollection', 'resource.k8s.io', ['resourceslices']));
  }
  return rules;
}

// ---------------------------------------------------------------------------------------
// ClusterRoles
// ---------------------------------------------------------------------------------------

function clusterRoles(): KObject[] {
  const approver = (signer: string, name: string) =>
    clusterRole(`system:certificates.k8s.io:${name}`, [rule('approve', certificates, ['signers'], [signer])]);
  return [
    clusterRole('admin', [], { aggregateLabel: AGGREGATE_TO_ADMIN }),
    clusterRole('cluster-admin', [rule('*', '*', ['*']), urls('*', ['*'])]),
    clusterRole('edit', [], { labels: { [AGGREGATE_TO_ADMIN]: 'true' }, aggregateLabel: AGGREGATE_TO_EDIT }),
    clusterRole(
      'system:aggregate-to-admin',
      [rule('create', authorization, ['localsubjectaccessreviews']), rule(READ_WRITE, 'rbac.authorization.k8s.io', ['roles', 'rolebindings'])],
      { labels: { [AGGREGATE_TO_ADMIN]: 'true' } },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        // read on escalating resources
        rule(READ, core, ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule('impersonate', core, ['serviceaccounts']),
        rule(WRITE, core, ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule('create', core, ['pods/eviction']),
        rule(WRITE, core, ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
        rule('create', core, ['serviceaccounts/token']),
        rule(WRITE, apps, ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
        rule(WRITE, autoscaling, ['horizontalpodautoscalers']),
        rule(WRITE, batch, ['jobs', 'cronjobs']),
        rule(WRITE, extensions, ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(WRITE, policy, ['poddisruptionbudgets']),
        rule(WRITE, networking, ['networkpolicies', 'ingresses']),
        rule(READ_WRITE, coordination, ['leases']),
      ],
      { labels: { [AGGREGATE_TO_EDIT]: 'true' } },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(READ, core, ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
        rule(READ, core, ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
        // read access to namespaces at the namespace scope means you can read *this* namespace
        rule(READ, core, ['namespaces']),
        rule(READ, discovery, ['endpointslices']),
        rule(READ, apps, ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
        rule(READ, autoscaling, ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(READ, batch, ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
        rule(READ, extensions, ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(READ, policy, ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(READ, networking, ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
      { labels: { [AGGREGATE_TO_VIEW]: 'true' } },
    ),
    clusterRole('system:auth-delegator', [rule('create', authentication, ['tokenreviews']), rule('create', authorization, ['subjectaccessreviews'])]),
    clusterRole('system:basic-user', [
      rule('create', authorization, ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule('create', authentication, ['selfsubjectreviews']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule('create', certificates, ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule('create', certificates, ['certificatesigningrequests/selfnodeclient'])]),
    approver('kubernetes.io/kube-apiserver-client', 'kube-apiserver-client-approver'),
    approver('kubernetes.io/kube-apiserver-client-kubelet', 'kube-apiserver-client-kubelet-approver'),
    approver('kubernetes.io/kubelet-serving', 'kubelet-serving-approver'),
    approver('kubernetes.io/legacy-unknown', 'legacy-unknown-approver'),
    clusterRole('system:discovery', [urls('get', ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    clusterRole('system:heapster', [rule(READ, core, ['events', 'pods', 'nodes', 'namespaces']), rule(READ, extensions, ['deployments'])]),
    clusterRole('system:kube-aggregator', [rule(READ, core, ['services', 'endpoints'])]),
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      // leader election
      rule('create', coordination, ['leases']),
      rule(['get', 'update'], coordination, ['leases'], ['kube-controller-manager']),
      // fundamental resources
      rule('create', core, ['secrets', 'serviceaccounts']),
      rule('delete', core, ['secrets']),
      rule('get', core, ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule('update', core, ['secrets', 'serviceaccounts']),
      // delegated authentication/authorization
      rule('create', authentication, ['tokenreviews']),
      rule('create', authorization, ['subjectaccessreviews']),
      // the shared informers
      rule(['list', 'watch'], '*', ['*']),
      rule('create', core, ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], core, ['endpoints', 'services'])]),
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      // leader election
      rule('create', coordination, ['leases']),
      rule(['get', 'update'], coordination, ['leases'], ['kube-scheduler']),
      // fundamental resources
      rule(READ, core, ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], core, ['pods']),
      rule('create', core, ['pods/binding', 'bindings']),
      rule(['patch', 'update'], core, ['pods/status']),
      // things that select pods
      rule(READ, core, ['services', 'replicationcontrollers']),
      rule(READ, [apps, extensions], ['replicasets']),
      rule(READ, apps, ['statefulsets']),
      // things that pods use or applies to them
      rule(READ, policy, ['poddisruptionbudgets']),
      rule(READ, core, ['persistentvolumeclaims', 'persistentvolumes']),
      // delegated authentication/authorization
      rule('create', authentication, ['tokenreviews']),
      rule('create', authorization, ['subjectaccessreviews']),
      // volume limits
      rule(READ, storage, ['csinodes']),
      rule(READ, storage, ['volumeattachments']),
      // namespace selectors of pod affinity
      rule(READ, core, ['namespaces']),
      rule(READ, storage, ['csidrivers']),
      rule(READ, storage, ['csistoragecapacities']),
    ]),
    clusterRole('system:kubelet-api-admin', [
      rule(READ, core, ['nodes']),
      rule('proxy', core, ['nodes']),
      rule('*', core, ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:monitoring', [urls('get', ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], certificates, ['certificatesigningrequests'])]),
    clusterRole('system:node-problem-detector', [rule('get', core, ['nodes']), rule('patch', core, ['nodes/status']), eventsRule()]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], core, ['services', 'endpoints']),
      rule(READ, core, ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], discovery, ['endpointslices']),
    ]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], core, ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], core, ['persistentvolumeclaims']),
      rule(READ, storage, ['storageclasses']),
      rule('watch', core, ['events']),
      eventsRule(),
    ]),
    clusterRole('system:public-info-viewer', [urls('get', ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    clusterRole('system:service-account-issuer-discovery', [
      urls('get', ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/']),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(READ_UPDATE, core, ['persistentvolumes']),
      rule(READ, storage, ['storageclasses']),
      rule(READ_UPDATE, core, ['persistentvolumeclaims']),
    ]),
    clusterRole('view', [], { labels: { [AGGREGATE_TO_EDIT]: 'true' }, aggregateLabel: AGGREGATE_TO_VIEW }),
  ];
}

function clusterRoleBindings(): KObject[] {
  return [
    clusterRoleBinding('cluster-admin', [group(SYSTEM_MASTERS)]),
    clusterRoleBinding('system:basic-user', [group(ALL_AUTHENTICATED)]),
    clusterRoleBinding('system:discovery', [group(ALL_AUTHENTICATED)]),
    clusterRoleBinding('system:kube-controller-manager', [user(KUBE_CONTROLLER_MANAGER)]),
    clusterRoleBinding('system:kube-dns', [sa('kube-system', 'kube-dns')]),
    clusterRoleBinding('system:kube-scheduler', [user(KUBE_SCHEDULER)]),
    clusterRoleBinding('system:monitoring', [group(SYSTEM_MONITORING)]),
    // kept for compatibility, without subjects: the Node authorizer grants nodes these rules
    clusterRoleBinding('system:node', []),
    clusterRoleBinding('system:node-proxier', [user(KUBE_PROXY)]),
    clusterRoleBinding('system:public-info-viewer', [group(ALL_AUTHENTICATED), group(ALL_UNAUTHENTICATED)]),
    clusterRoleBinding('system:service-account-issuer-discovery', [group(ALL_SERVICE_ACCOUNTS)]),
    clusterRoleBinding('system:volume-scheduler', [user(KUBE_SCHEDULER)]),
  ];
}

// ---------------------------------------------------------------------------------------
// Controller roles: system:controller:<name>, bound to kube-system/<name> service accounts
// ---------------------------------------------------------------------------------------

/** The rules of each kube-controller-manager controller (1.32, default feature gates). */
function controllerRoleRules(): [string, PolicyRule[]][] {
  return [
    ['attachdetach-controller', [
      rule(['list', 'watch'], core, ['persistentvolumes', 'persistentvolumeclaims']),
      rule(READ, core, ['nodes']),
      rule(['patch', 'update'], core, ['nodes/status']),
      rule(['list', 'watch'], core, ['pods']),
      eventsRule(),
      rule(['get', 'create', 'delete', 'list', 'watch'], storage, ['volumeattachments']),
      rule(READ, storage, ['csidrivers']),
      rule(READ, storage, ['csinodes']),
    ]],
    ['certificate-controller', [
      rule(['get', 'list', 'watch', 'delete'], certificates, ['certificatesigningrequests']),
      rule('update', certificates, ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      rule('approve', certificates, ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule('sign', certificates, ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
      rule('create', authorization, ['subjectaccessreviews']),
      eventsRule(),
    ]],
    ['clusterrole-aggregation-controller', [
      // it needs escalate: it writes rules it may not hold itself
      rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], 'rbac.authorization.k8s.io', ['clusterroles']),
    ]],
    ['cronjob-controller', [
      rule(['get', 'list', 'watch', 'update'], batch, ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], batch, ['jobs']),
      rule('update', batch, ['cronjobs/status']),
      rule('update', batch, ['cronjobs/finalizers']),
      rule(['list', 'watch', 'delete'], core, ['pods']),
      eventsRule(),
    ]],
    ['daemon-set-controller', [
      rule(READ, [extensions, apps], ['daemonsets']),
      rule('update', [extensions, apps], ['daemonsets/status']),
      rule('update', [extensions, apps], ['daemonsets/finalizers']),
      rule(['list', 'watch'], core, ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], core, ['pods']),
      rule('create', core, ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], apps, ['controllerrevisions']),
      eventsRule(),
    ]],
    ['deployment-controller', [
      rule(['get', 'list', 'watch', 'update'], [extensions, apps], ['deployments']),
      rule('update', [extensions, apps], ['deployments/status']),
      rule('update', [extensions, apps], ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [apps, extensions], ['replicasets']),
      // pod updates relabel orphans
      rule(['get', 'list', 'watch', 'update'], core, ['pods']),
      eventsRule(),
    ]],
    ['disruption-controller', [
      rule(READ, [extensions, apps], ['deployments']),
      rule(READ, [apps, extensions], ['replicasets']),
      rule(READ, core, ['replicationcontrollers']),
      rule(READ, policy, ['poddisruptionbudgets']),
      rule(READ, apps, ['statefulsets']),
      rule('update', policy, ['poddisruptionbudgets/status']),
      rule(['patch', 'update'], core, ['pods/status']),
      rule('get', '*', ['*/scale']),
      eventsRule(),
    ]],
    ['endpoint-controller', [
      rule(READ, core, ['services', 'pods']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], core, ['endpoints']),
      rule('create', core, ['endpoints/restricted']),
      eventsRule(),
    ]],
    ['endpointslice-controller', [
      rule(READ, core, ['services', 'pods', 'nodes']),
      // owner references on EndpointSlices with blockOwnerDeletion
      rule('update', core, ['services/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], discovery, ['endpointslices']),
      eventsRule(),
    ]],
    ['endpointslicemirroring-controller', [
      rule(READ, core, ['services', 'endpoints']),
      rule('update', core, ['services/finalizers']),
      rule('update', core, ['endpoints/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], discovery, ['endpointslices']),
      eventsRule(),
    ]],
    ['ephemeral-volume-controller', [
      rule(READ, core, ['pods']),
      rule('update', core, ['pods/finalizers']),
      rule(['get', 'list', 'watch', 'create'], core, ['persistentvolumeclaims']),
      eventsRule(),
    ]],
    ['expand-controller', [
      rule(['get', 'list', 'watch', 'update', 'patch'], core, ['persistentvolumes']),
      rule(['update', 'patch'], core, ['persistentvolumeclaims/status']),
      rule(READ, core, ['persistentvolumeclaims']),
      eventsRule(),
      rule('get', core, ['services']),
    ]],
    ['generic-garbage-collector', [
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], '*', ['*']),
      eventsRule(),
    ]],
    ['horizontal-pod-autoscaler', [
      rule(READ, autoscaling, ['horizontalpodautoscalers']),
      rule('update', autoscaling, ['horizontalpodautoscalers/status']),
      rule(['get', 'update'], '*', ['*/scale']),
      rule(['list', 'watch'], core, ['pods']),
      // reading the scale targets' selectors
      rule(READ, '*', ['*']),
      rule(['list', 'watch'], 'metrics.k8s.io', ['pods']),
      rule(READ, 'custom.metrics.k8s.io', ['*']),
      rule(READ, 'external.metrics.k8s.io', ['*']),
      eventsRule(),
    ]],
    ['job-controller', [
      rule(['get', 'list', 'watch', 'update', 'patch'], batch, ['jobs']),
      rule('update', batch, ['jobs/status']),
      rule('update', batch, ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], core, ['pods']),
      eventsRule(),
    ]],
    ['legacy-service-account-token-cleaner', [
      rule('get', core, ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
      rule(['delete', 'patch'], core, ['secrets']),
    ]],
    ['namespace-controller', [
      rule(['get', 'list', 'watch', 'delete'], core, ['namespaces']),
      rule('update', core, ['namespaces/finalize', 'namespaces/status']),
      rule(['get', 'list', 'watch', 'delete', 'deletecollection'], '*', ['*']),
    ]],
    ['node-controller', [
      rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], core, ['nodes']),
      rule(['patch', 'update'], core, ['nodes/status']),
      // pod status updates when a node goes away
      rule(['patch', 'update'], core, ['pods/status']),
      rule(['get', 'list', 'watch', 'delete'], core, ['pods']),
      eventsRule(),
    ]],
    ['persistent-volume-binder', [
      rule(['get', 'list', 'watch', 'update', 'create', 'delete'], core, ['persistentvolumes']),
      rule('update', core, ['persistentvolumes/status']),
      rule(['get', 'list', 'watch', 'update'], core, ['persistentvolumeclaims']),
      rule('update', core, ['persistentvolumeclaims/status']),
      rule(['list', 'watch', 'get', 'create', 'delete'], core, ['pods']),
      // dynamic provisioning
      rule(READ, storage, ['storageclasses']),
      rule(['list', 'watch'], core, ['nodes']),
      eventsRule(),
      rule('watch', core, ['events']),
      rule('get', core, ['services']),
    ]],
    ['pod-garbage-collector', [
      rule(['list', 'watch', 'delete'], core, ['pods']),
      rule(READ, core, ['nodes']),
      rule('patch', core, ['pods/status']),
    ]],
    ['pv-protection-controller', [
      rule(['get', 'list', 'watch', 'update'], core, ['persistentvolumes']),
      eventsRule(),
    ]],
    ['pvc-protection-controller', [
      rule(['get', 'list', 'watch', 'update'], core, ['persistentvolumeclaims']),
      rule(READ, core, ['pods']),
      eventsRule(),
    ]],
    ['replicaset-controller', [
      rule(['get', 'list', 'watch', 'update'], [apps, extensions], ['replicasets']),
      rule('update', [apps, extensions], ['replicasets/status']),
      rule('update', [apps, extensions], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], core, ['pods']),
      eventsRule(),
    ]],
    ['replication-controller', [
      rule(['get', 'list', 'watch', 'update'], core, ['replicationcontrollers']),
      rule('update', core, ['replicationcontrollers/status']),
      rule('update', core, ['replicationcontrollers/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], core, ['pods']),
      eventsRule(),
    ]],
    ['resourcequota-controller', [
      // quota can count quota on anything for reconciliation, so it needs full viewing powers
      rule(['list', 'watch'], '*', ['*']),
      rule('update', core, ['resourcequotas/status']),
      eventsRule(),
    ]],
    ['root-ca-cert-publisher', [
      rule(['create', 'update'], core, ['configmaps']),
      eventsRule(),
    ]],
    ['route-controller', [
      rule(['list', 'watch'], core, ['nodes']),
      rule('patch', core, ['nodes/status']),
      eventsRule(),
    ]],
    ['service-account-controller', [
      rule('create', core, ['serviceaccounts']),
      eventsRule(),
    ]],
    ['service-controller', [
      rule(READ, core, ['services']),
      rule(['patch', 'update'], core, ['services/status']),
      rule(['list', 'watch'], core, ['nodes']),
      eventsRule(),
    ]],
    ['statefulset-controller', [
      rule(['list', 'watch'], core, ['pods']),
      rule(READ, apps, ['statefulsets']),
      rule('update', apps, ['statefulsets/status']),
      rule('update', apps, ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch'], core, ['pods']),
      rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], apps, ['controllerrevisions']),
      rule(['get', 'create', 'list', 'watch'], core, ['persistentvolumeclaims']),
      eventsRule(),
      // PVC retention policy (StatefulSetAutoDeletePVC)
      rule(['update', 'delete'], core, ['persistentvolumeclaims']),
      rule('update', core, ['pods/finalizers']),
    ]],
    ['taint-eviction-controller', [
      rule(['get', 'list', 'watch', 'delete'], core, ['pods']),
      rule('patch', core, ['pods/status']),
      eventsRule(),
    ]],
    ['ttl-after-finished-controller', [
      rule(['get', 'list', 'watch', 'delete'], batch, ['jobs']),
      eventsRule(),
    ]],
    ['ttl-controller', [
      rule(['update', 'patch', 'list', 'watch'], core, ['nodes']),
      eventsRule(),
    ]],
    ['validatingadmissionpolicy-status-controller', [
      rule(READ, admissionregistration, ['validatingadmissionpolicies']),
      rule(['get', 'patch', 'update'], admissionregistration, ['validatingadmissionpolicies/status']),
      eventsRule(),
    ]],
  ];
}

/** The controller names that have a system:controller:<name> ClusterRole and binding. */
export function controllerNames(): string[] {
  return controllerRoleRules().map(([n]) => n);
}

export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

// ---------------------------------------------------------------------------------------
// Namespaced roles (kube-system, kube-public)
// ---------------------------------------------------------------------------------------

function namespaceRoles(): Record<string, KObject[]> {
  return {
    'kube-system': [
      // reads the client-ca / requestheader configuration published by the API server
      role('kube-system', 'extension-apiserver-authentication-reader', [
        rule(READ, core, ['configmaps'], ['extension-apiserver-authentication']),
      ]),
      role('kube-system', 'system::leader-locking-kube-controller-manager', [
        rule('watch', core, ['configmaps']),
        rule(['get', 'update'], core, ['configmaps'], ['kube-controller-manager']),
      ]),
      role('kube-system', 'system::leader-locking-kube-scheduler', [
        rule('watch', core, ['configmaps']),
        rule(['get', 'update'], core, ['configmaps'], ['kube-scheduler']),
      ]),
      role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, core, ['secrets'])]),
      role('kube-system', 'system:controller:cloud-provider', [rule(['create', 'get', 'list', 'watch'], core, ['configmaps'])]),
      role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], core, ['secrets']), eventsRule()]),
    ],
    'kube-public': [
      role('kube-public', 'system:controller:bootstrap-signer', [
        rule(READ, core, ['configmaps']),
        rule('update', core, ['configmaps'], ['cluster-info']),
        eventsRule(),
      ]),
    ],
  };
}

function namespaceRoleBindings(): Record<string, KObject[]> {
  return {
    'kube-system': [
      roleBinding('kube-system', 'extension-apiserver-authentication-reader', [user(KUBE_CONTROLLER_MANAGER), user(KUBE_SCHEDULER)], 'system::extension-apiserver-authentication-reader'),
      roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', [user(KUBE_CONTROLLER_MANAGER), sa('kube-system', 'kube-controller-manager')]),
      roleBinding('kube-system', 'system::leader-locking-kube-scheduler', [user(KUBE_SCHEDULER), sa('kube-system', 'kube-scheduler')]),
      roleBinding('kube-system', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
      roleBinding('kube-system', 'system:controller:cloud-provider', [sa('kube-system', 'cloud-provider')]),
      roleBinding('kube-system', 'system:controller:token-cleaner', [sa('kube-system', 'token-cleaner')]),
    ],
    'kube-public': [roleBinding('kube-public', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')])],
  };
}

export interface BootstrapPolicy {
  clusterRoles: KObject[];
  clusterRoleBindings: KObject[];
  roles: Record<string, KObject[]>;
  roleBindings: Record<string, KObject[]>;
}

/**
 * The default policy, as fresh objects (safe to mutate). ClusterRoles with an aggregationRule
 * (admin, edit, view) have no rules: the aggregation controller fills them in (see
 * aggregation.ts, `aggregateClusterRoles`).
 */
export function bootstrapPolicy(): BootstrapPolicy {
  const controllers = controllerRoleRules();
  const crs = [
    ...clusterRoles(),
    ...controllers.map(([name, rules]) => clusterRole(CONTROLLER_ROLE_PREFIX + name, rules)),
  ];
  const crbs = [
    ...clusterRoleBindings(),
    ...controllers.map(([name]) => clusterRoleBinding(CONTROLLER_ROLE_PREFIX + name, [sa('kube-system', name)])),
  ];
  return { clusterRoles: crs, clusterRoleBindings: crbs, roles: namespaceRoles(), roleBindings: namespaceRoleBindings() };
}
