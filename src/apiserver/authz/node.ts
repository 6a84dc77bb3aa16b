// The Node authorizer: authorizes kubelets (user system:node:<nodeName> in group system:nodes)
// as upstream's Node authorization mode does.
//
// - Secrets, ConfigMaps: get/list/watch of a single named object referenced by a pod bound to
//   the node (a Secret also through a PersistentVolume of such a pod's claim).
// - PersistentVolumeClaims (get; update/patch of status), PersistentVolumes (get),
//   VolumeAttachments (get), ResourceClaims (get, with DynamicResourceAllocation): only when
//   related to the node.
// - ServiceAccounts: only `create` of the token subresource, for service accounts of its pods.
// - Leases: get/create/update/patch/delete of its own lease in kube-node-lease.
// - CSINodes: get/create/update/patch/delete of its own CSINode.
// - Nodes and Pods (AuthorizeNodeWithSelectors, on by default in 1.32): read its own Node,
//   create/update/patch it and its status; get its pods, list/watch pods only with the
//   spec.nodeName=<node> field selector, create/delete (mirror pods), update/patch pod status,
//   create evictions.
// - Everything else: the static node rules (the system:node ClusterRole's rules), e.g. events,
//   CSRs, services, endpoints, tokenreviews, subjectaccessreviews, runtimeclasses.
//
// Requests it does not allow are NoOpinion (with upstream's reason texts); non-node users get
// NoOpinion with no reason. The pod → secret/configmap/pvc/serviceaccount/resourceclaim
// relationships, PV → claim and VolumeAttachment/ResourceSlice → node are maintained
// incrementally from ObjectSource.onChange.

import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import type { Attributes, AuthorizationResult, Authorizer, NonResourceRule, ObjectSource, ResourceRule, RuleResolver } from './types.js';
import { nodeRules, SYSTEM_NODES, type PolicyRule } from './bootstrappolicy.js';
import { rulesAllow } from './rbac.js';
import { StatusError } from '../../apimachinery/errors.js';

export const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** One requirement of a request's field selector (for list/watch with fieldSelector). */
export interface FieldRequirement {
  field: string;
  /** '=', '==' (equality) or '!=' */
  operator: string;
  value: string;
}

/**
 * Attributes with the request's parsed field selector (upstream's GetFieldSelector), which the
 * Node authorizer needs to allow scoped pod and ResourceSlice list/watch.
 */
export interface AttributesWithSelectors extends Attributes {
  fieldSelector?: FieldRequirement[];
}

export interface NodeAuthorizerOptions {
  features?: {
    /** Default true (beta, enabled by default in 1.32). */
    AuthorizeNodeWithSelectors?: boolean;
    /** Default false (beta, disabled by default in 1.32). */
    DynamicResourceAllocation?: boolean;
  };
  /** The static rules for resources the graph does not cover; defaults to the system:node rules. */
  rules?: PolicyRule[];
}

/** Upstream's NodeIdentifier: the node name of a system:node:<name> user in group system:nodes. */
export function nodeIdentity(user: UserInfo | undefined): { isNode: boolean; nodeName: string } {
  if (!user || !user.username.startsWith(NODE_USER_PREFIX)) return { isNode: false, nodeName: '' };
  if (!user.groups.includes(SYSTEM_NODES)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.username.slice(NODE_USER_PREFIX.length) };
}

// ---------------------------------------------------------------------------------------
// What a pod references
// ---------------------------------------------------------------------------------------

type RefType = 'secret' | 'configmap' | 'pvc' | 'serviceaccount' | 'resourceclaim';

function containersOf(spec: KObject): KObject[] {
  const out: KObject[] = [];
  for (const f of ['initContainers', 'containers', 'ephemeralContainers']) if (Array.isArray(spec[f])) out.push(...spec[f]);
  return out;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The objects a pod uses, in its own namespace: [type, name] pairs (deduplicated by the caller). */
export function podReferences(pod: KObject): [RefType, string][] {
  const spec: KObject = pod.spec ?? {};
  const refs: [RefType, string][] = [];
  const add = (t: RefType, name: unknown) => {
    if (typeof name === 'string' && name) refs.push([t, name]);
  };
  for (const s of Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []) add('secret', s?.name);
  for (const c of containersOf(spec)) {
    for (const ef of Array.isArray(c?.envFrom) ? c.envFrom : []) {
      add('secret', ef?.secretRef?.name);
      add('configmap', ef?.configMapRef?.name);
    }
    for (const e of Array.isArray(c?.env) ? c.env : []) {
      add('secret', e?.valueFrom?.secretKeyRef?.name);
      add('configmap', e?.valueFrom?.configMapKeyRef?.name);
    }
  }
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (!v || typeof v !== 'object') continue;
    add('secret', v.secret?.secretName);
    add('configmap', v.configMap?.name);
    for (const src of Array.isArray(v.projected?.sources) ? v.projected.sources : []) {
      add('secret', src?.secret?.name);
      add('configmap', src?.configMap?.name);
    }
    add('secret', v.azureFile?.secretName);
    add('secret', v.cephfs?.secretRef?.name);
    add('secret', v.cinder?.secretRef?.name);
    add('secret', v.flexVolume?.secretRef?.name);
    add('secret', v.rbd?.secretRef?.name);
    add('secret', v.scaleIO?.secretRef?.name);
    add('secret', v.iscsi?.secretRef?.name);
    add('secret', v.storageos?.secretRef?.name);
    add('secret', v.csi?.nodePublishSecretRef?.name);
    add('pvc', v.persistentVolumeClaim?.claimName);
    // generic ephemeral volume: the claim is named <pod>-<volume>
    if (v.ephemeral && typeof v.name === 'string') add('pvc', `${str(pod.metadata?.name)}-${v.name}`);
  }
  add('serviceaccount', spec.serviceAccountName);
  // resource claims: by name, or generated from a template (name recorded in status)
  const statuses: KObject[] = Array.isArray(pod.status?.resourceClaimStatuses) ? pod.status.resourceClaimStatuses : [];
  for (const rc of Array.isArray(spec.resourceClaims) ? spec.resourceClaims : []) {
    if (!rc || typeof rc !== 'object') continue;
    if (typeof rc.resourceClaimName === 'string') add('resourceclaim', rc.resourceClaimName);
    else if (typeof rc.resourceClaimTemplateName === 'string') add('resourceclaim', statuses.find((s) => s?.name === rc.name)?.resourceClaimName);
  }
  return refs;
}

/** Secrets a PersistentVolume references: [namespace, name] pairs. */
export function pvSecretReferences(pv: KObject): [string, string][] {
  const spec: KObject = pv.spec ?? {};
  const claimNs = str(spec.claimRef?.namespace);
  const out: [string, string][] = [];
  const ref = (r: KObject | undefined, defaultNs = claimNs) => {
    if (r && typeof r.name === 'string' && r.name) {
      const ns = str(r.namespace) || defaultNs;
      if (ns) out.push([ns, r.name]);
    }
  };
  if (spec.azureFile?.secretName) ref({ name: spec.azureFile.secretName, namespace: spec.azureFile.secretNamespace }, claimNs || 'default');
  ref(spec.cephfs?.secretRef);
  ref(spec.cinder?.secretRef);
  ref(spec.flexVolume?.secretRef);
  ref(spec.rbd?.secretRef);
  ref(spec.scaleIO?.secretRef);
  ref(spec.iscsi?.secretRef);
  ref(spec.storageos?.secretRef);
  for (const f of ['controllerPublishSecretRef', 'nodeStageSecretRef', 'nodePublishSecretRef', 'controllerExpandSecretRef', 'nodeExpandSecretRef']) ref(spec.csi?.[f]);
  return out;
}

// ---------------------------------------------------------------------------------------
// The graph
// ---------------------------------------------------------------------------------------

export type VertexType = RefType | 'pod' | 'pv' | 'volumeattachment' | 'resourceslice';

function key(t: string, ns: string, name: string): string {
  return `${t}\x00${ns}\x00${name}`;
}

/**
 * Which node each object is related to. Pod references are reference-counted per node, so a
 * Secret stays reachable while any pod on the node uses it.
 */
export class NodeGraph {
  /** pod ns/name → node and reference keys */
  private pods = new Map<string, { node: string; refs: string[] }>();
  /** reference key → node → number of pods on that node using it */
  private reach = new Map<string, Map<string, number>>();
  /** PV name → its claim's key and the secrets it references */
  private pvs = new Map<string, { claim: string; secrets: string[] }>();
  /** secret key → PVs referencing it */
  private secretPVs = new Map<string, Set<string>>();
  private vaNode = new Map<string, string>();
  private sliceNode = new Map<string, string>();

  constructor(source: ObjectSource, opts: { dynamicResourceAllocation?: boolean; deferPods?: boolean } = {}) {
    if (!opts.deferPods) for (const p of source.list('', 'pods')) this.setPod(undefined, p);
    for (const pv of source.list('', 'persistentvolumes')) this.setPV(undefined, pv);
    for (const va of source.list('storage.k8s.io', 'volumeattachments')) this.setVA(undefined, va);
    source.onChange('', 'pods', (o, n) => this.setPod(o, n));
    source.onChange('', 'persistentvolumes', (o, n) => this.setPV(o, n));
    source.onChange('storage.k8s.io', 'volumeattachments', (o, n) => this.setVA(o, n));
    if (opts.dynamicResourceAllocation) {
      for (const s of source.list('resource.k8s.io', 'resourceslices')) this.setSlice(undefined, s);
      source.onChange('resource.k8s.io', 'resourceslices', (o, n) => this.setSlice(o, n));
    }
  }

  // ---- updates ----

  private count(refKey: string, node: string, delta: number): void {
    let m = this.reach.get(refKey);
    if (!m) {
      if (delta < 0) return;
      this.reach.set(refKey, (m = new Map()));
    }
    const c = (m.get(node) ?? 0) + delta;
    if (c > 0) m.set(node, c);
    else m.delete(node);
    if (m.size === 0) this.reach.delete(refKey);
  }

  /** Apply a pod change (old and/or new object). */
  setPod(oldPod: KObject | undefined, newPod: KObject | undefined): void {
    const ref = newPod ?? oldPod;
    if (!ref) return;
    const ns = str(ref.metadata?.namespace);
    const name = str(ref.metadata?.name);
    const podKey = `${ns}/${name}`;
    const prev = this.pods.get(podKey);
    if (prev) {
      for (const k of prev.refs) this.count(k, prev.node, -1);
      this.pods.delete(podKey);
    }
    if (!newPod) return;
    const node = str(newPod.spec?.nodeName);
    if (!node) return; // not scheduled: no relationship to any node yet
    const refs = [...new Set(podReferences(newPod).map(([t, n]) => key(t, ns, n)))];
    for (const k of refs) this.count(k, node, 1);
    this.pods.set(podKey, { node, refs });
  }

  setPV(oldPV: KObject | undefined, newPV: KObject | undefined): void {
    const ref = newPV ?? oldPV;
    if (!ref) return;
    const name = str(ref.metadata?.name);
    const prev = this.pvs.get(name);
    if (prev) {
      for (const s of prev.secrets) {
        const set = this.secretPVs.get(s);
        set?.delete(name);
        if (set && set.size === 0) this.secretPVs.delete(s);
      }
      this.pvs.delete(name);
    }
    if (!newPV) return;
    const claimRef = newPV.spec?.claimRef;
    const claim = claimRef && typeof claimRef.name === 'string' ? key('pvc', str(claimRef.namespace), claimRef.name) : '';
    const secrets = [...new Set(pvSecretReferences(newPV).map(([ns, n]) => key('secret', ns, n)))];
    for (const s of secrets) {
      let set = this.secretPVs.get(s);
      if (!set) this.secretPVs.set(s, (set = new Set()));
      set.add(name);
    }
    this.pvs.set(name, { claim, secrets });
  }

  setVA(oldVA: KObject | undefined, newVA: KObject | undefined): void {
    const ref = newVA ?? oldVA;
    if (!ref) return;
    const name = str(ref.metadata?.name);
    this.vaNode.delete(name);
    const node = str(newVA?.spec?.nodeName);
    if (newVA && node) this.vaNode.set(name, node);
  }

  setSlice(oldSlice: KObject | undefined, newSlice: KObject | undefined): void {
    const ref = newSlice ?? oldSlice;
    if (!ref) return;
    const name = str(ref.metadata?.name);
    this.sliceNode.delete(name);
    const node = str(newSlice?.spec?.nodeName);
    if (newSlice && node) this.sliceNode.set(name, node);
  }

  // ---- queries ----

  private direct(refKey: string, node: string): boolean {
    return (this.reach.get(refKey)?.get(node) ?? 0) > 0;
  }

  /** Whether the object is related to the node. */
  hasPath(node: string, type: VertexType, namespace: string, name: string): boolean {
    switch (type) {
      case 'pod':
        return this.pods.get(`${namespace}/${name}`)?.node === node;
      case 'pv': {
        const pv = this.pvs.get(name);
        return !!pv && !!pv.claim && this.direct(pv.claim, node);
      }
      case 'volumeattachment':
        return this.vaNode.get(name) === node;
      case 'resourceslice':
        return this.sliceNode.get(name) === node;
      case 'secret': {
        const k = key('secret', namespace, name);
        if (this.direct(k, node)) return true;
        for (const pv of this.secretPVs.get(k) ?? []) if (this.hasPath(node, 'pv', '', pv)) return true;
        return false;
      }
      default:
        return this.direct(key(type, namespace, name), node);
    }
  }

  /** The node a pod is bound to, as the graph knows it. */
  podNode(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }
}

// ---------------------------------------------------------------------------------------
// The authorizer
// ---------------------------------------------------------------------------------------

const NO_OPINION: AuthorizationResult = { decision: 'NoOpinion', reason: '' };
const ALLOW: AuthorizationResult = { decision: 'Allow', reason: '' };

function noOpinion(reason: string): AuthorizationResult {
  return { decision: 'NoOpinion', reason };
}

export class NodeAuthorizer implements Authorizer, RuleResolver {
  readonly graph: NodeGraph;
  private readonly rules: PolicyRule[];
  private readonly withSelectors: boolean;
  private readonly dra: boolean;

  /**
   * Build the authorizer with its pod graph loaded in chunks (a large pods cache must not stall
   * the API server); change events that arrive meanwhile are applied as they come.
   */
  static async build(source: ObjectSource & { forEachChunked(group: string, plural: string, fn: (obj: KObject) => void): Promise<void> }, opts: NodeAuthorizerOptions = {}): Promise<NodeAuthorizer> {
    const a = new NodeAuthorizer(source, { ...opts, deferPods: true });
    await source.forEachChunked('', 'pods', (p) => a.graph.setPod(undefined, p));
    return a;
  }

  constructor(source: ObjectSource, opts: NodeAuthorizerOptions & { deferPods?: boolean } = {}) {
    this.withSelectors = opts.features?.AuthorizeNodeWithSelectors ?? true;
    this.dra = opts.features?.DynamicResourceAllocation ?? false;
    this.rules = opts.rules ?? nodeRules({ dynamicResourceAllocation: this.dra });
    this.graph = new NodeGraph(source, { dynamicResourceAllocation: this.dra, deferPods: opts.deferPods });
  }

  /** Node permissions cannot be enumerated: incomplete for nodes (as upstream), empty for others. */
  rulesFor(user: UserInfo): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string } {
    if (nodeIdentity(user).isNode) return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
    return { resourceRules: [], nonResourceRules: [], incomplete: false };
  }

  authorize(a: Attributes): AuthorizationResult {
    const { isNode, nodeName } = nodeIdentity(a.user);
    if (!isNode) return NO_OPINION;
    if (!nodeName) return noOpinion(`unknown node for user ${JSON.stringify(a.user.username)}`);

    if (a.isResourceRequest) {
      const gr = `${a.apiGroup}/${a.resource}`;
      switch (gr) {
        case '/secrets':
          return this.readNamespaced(nodeName, 'secret', a);
        case '/configmaps':
          return this.readNamespaced(nodeName, 'configmap', a);
        case '/persistentvolumeclaims':
          return a.subresource === 'status' ? this.statusUpdate(nodeName, 'pvc', a) : this.get(nodeName, 'pvc', a);
        case '/persistentvolumes':
          return this.get(nodeName, 'pv', a);
        case 'resource.k8s.io/resourceclaims':
          if (!this.dra) return noOpinion('disabled by feature gate DynamicResourceAllocation');
          return this.get(nodeName, 'resourceclaim', a);
        case 'storage.k8s.io/volumeattachments':
          return this.get(nodeName, 'volumeattachment', a);
        case '/serviceaccounts':
          return this.createToken(nodeName, a);
        case 'coordination.k8s.io/leases':
          return this.lease(nodeName, a);
        case 'storage.k8s.io/csinodes':
          return this.csiNode(nodeName, a);
        case 'resource.k8s.io/resourceslices':
          if (!this.dra) return noOpinion('disabled by feature gate DynamicResourceAllocation');
          return this.resourceSlice(nodeName, a);
        case '/nodes':
          if (this.withSelectors) return this.node(nodeName, a);
          break;
        case '/pods':
          if (this.withSelectors) return this.pod(nodeName, a);
          break;
      }
    }
    // not subdivided: the static node rules
    return rulesAllow(a, this.rules) ? ALLOW : NO_OPINION;
  }

  private related(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (!a.name) return noOpinion('No Object name found');
    if (!this.graph.hasPath(nodeName, type, a.namespace, a.name)) return noOpinion(`no relationship found between node '${nodeName}' and this object`);
    return ALLOW;
  }

  private statusUpdate(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (a.subresource !== 'status') return noOpinion('can only update status subresource');
    return this.related(nodeName, type, a);
  }

  private get(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return this.related(nodeName, type, a);
  }

  private readNamespaced(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(nodeName, type, a);
  }

  private createToken(nodeName: string, a: Attributes): AuthorizationResult {
    if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    if (!this.graph.hasPath(nodeName, 'serviceaccount', a.namespace, a.name)) return noOpinion(`no relationship found between node '${nodeName}' and this object`);
    return ALLOW;
  }

  private lease(nodeName: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    // the name is unknown on create; the NodeRestriction admission plugin checks it
    if (a.verb !== 'create' && a.name !== nodeName) return noOpinion('can only access node lease with the same name as the requesting node');
    return ALLOW;
  }

  private csiNode(nodeName: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return noOpinion('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== nodeName) return noOpinion('can only access CSINode with the same name as the requesting node');
    return ALLOW;
  }

  private resourceSlice(nodeName: string, a: Attributes): AuthorizationResult {
    if (a.subresource) return noOpinion('cannot authorize ResourceSlice subresources');
    switch (a.verb) {
      case 'create':
        // NodeRestriction checks spec.nodeName on create
        return ALLOW;
      case 'get':
      case 'update':
      case 'patch':
      case 'delete':
        return this.related(nodeName, 'resourceslice', a);
      case 'watch':
      case 'list':
      case 'deletecollection':
        if (!this.withSelectors) return ALLOW;
        if (fieldEquals(a, 'nodeName', nodeName)) return ALLOW;
        return noOpinion('can only list/watch/deletecollection resourceslices with nodeName field selector');
      default:
        return noOpinion('only the following verbs are allowed for a ResourceSlice: get, watch, list, create, update, patch, delete, deletecollection');
    }
  }

  private node(nodeName: string, a: Attributes): AuthorizationResult {
    if (a.subresource === '') {
      switch (a.verb) {
        case 'create':
        case 'update':
        case 'patch':
          // NodeRestriction limits a node to its own Node object
          return ALLOW;
        case 'get':
        case 'list':
        case 'watch':
          // by name, not through the graph, so a kubelet can read its Node before creating it
          if (a.name === nodeName) return ALLOW;
          if (a.name === '') return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
          return noOpinion(`node '${nodeName}' cannot read '${a.name}', only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      // NodeRestriction limits a node to its own status
      return ALLOW;
    }
    return NO_OPINION;
  }

  private pod(nodeName: string, a: Attributes): AuthorizationResult {
    switch (a.subresource) {
      case '':
        switch (a.verb) {
          case 'get':
            return this.get(nodeName, 'pod', a);
          case 'list':
          case 'watch':
            if (fieldEquals(a, 'spec.nodeName', nodeName)) return ALLOW;
            if (a.name) return this.related(nodeName, 'pod', a);
            return noOpinion('can only list/watch pods with spec.nodeName field selector');
          case 'create':
          case 'delete':
            // mirror pods; NodeRestriction limits them to pods bound to the node
            return ALLOW;
        }
        break;
      case 'status':
        if (a.verb === 'update' || a.verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (a.verb === 'create') return ALLOW;
        break;
    }
    return NO_OPINION;
  }
}

function fieldEquals(a: Attributes, field: string, value: string): boolean {
  const reqs = (a as AttributesWithSelectors).fieldSelector;
  if (!Array.isArray(reqs)) return false;
  return reqs.some((r) => r.field === field && (r.operator === '=' || r.operator === '==') && r.value === value);
}

// ---------------------------------------------------------------------------------------
// NodeRestriction (the admission half of node authorization)
// ---------------------------------------------------------------------------------------
//
// The Node authorizer allows writes it cannot scope by name (node updates, node status, pod
// status, mirror pods, evictions, lease and CSINode creation); upstream's NodeRestriction
// admission plugin then limits them to the node's own objects. This is that check, for the
// admission path to call on writes by node users.

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

function admissionForbidden(group: string, resource: string, name: string, why: string): StatusError {
  const qualified = group ? `${resource}.${group}` : resource;
  const message = name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new StatusError(403, 'Forbidden', message, { name: name || undefined, group: group || undefined, kind: resource });
}

/**
 * NodeRestriction: throws a 403 StatusError when a node user writes another node's objects.
 * `obj` is the new object (create/update), `oldObj` the stored one (update/delete, and the
 * pod for evictions). Requests from non-node users are not restricted.
 */
export function checkNodeRestriction(op: 'CREATE' | 'UPDATE' | 'DELETE', a: Attributes, obj?: KObject, oldObj?: KObject): void {
  const { isNode, nodeName } = nodeIdentity(a.user);
  if (!isNode || !a.isResourceRequest) return;
  const name = a.name || str(obj?.metadata?.name);
  const deny = (why: string) => {
    throw admissionForbidden(a.apiGroup, a.resource, name, why);
  };
  if (!nodeName) deny(`could not determine node from user ${JSON.stringify(a.user.username)}`);
  const gr = `${a.apiGroup}/${a.resource}`;
  switch (gr) {
    case '/nodes':
      if (name !== nodeName) deny(`node ${JSON.stringify(nodeName)} is not allowed to modify node ${JSON.stringify(name)}`);
      return;
    case '/pods': {
      if (a.subresource === '') {
        if (op === 'CREATE') {
          if (!obj?.metadata?.annotations || !(MIRROR_POD_ANNOTATION in obj.metadata.annotations)) {
            deny(`pod does not have ${JSON.stringify(MIRROR_POD_ANNOTATION)} annotation, node ${JSON.stringify(nodeName)} can only create mirror pods`);
          }
          if (str(obj?.spec?.nodeName) !== nodeName) deny(`node ${JSON.stringify(nodeName)} can only create pods with spec.nodeName set to itself`);
        } else if (op === 'DELETE') {
          if (oldObj && str(oldObj.spec?.nodeName) !== nodeName) deny(`node ${JSON.stringify(nodeName)} can only delete pods with spec.nodeName set to itself`);
        }
      } else if (a.subresource === 'status') {
        const pod = oldObj ?? obj;
        if (str(pod?.spec?.nodeName) !== nodeName) deny(`node ${JSON.stringify(nodeName)} can only update pod status for pods with spec.nodeName set to itself`);
      } else if (a.subresource === 'eviction') {
        if (str(oldObj?.spec?.nodeName) !== nodeName) deny(`node ${nodeName} can only evict pods with spec.nodeName set to itself`);
      }
      return;
    }
    case 'coordination.k8s.io/leases':
      if (op === 'CREATE' && name !== nodeName) deny('can only access node lease with the same name as the requesting node');
      return;
    case 'storage.k8s.io/csinodes':
      if (name !== nodeName) deny(`node ${JSON.stringify(nodeName)} is not allowed to modify CSINode ${JSON.stringify(name)}`);
      return;
  }
}
