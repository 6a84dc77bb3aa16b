// Admission plugin "NodeRestriction" (off by default upstream; kubeadm enables it): limits
// what a kubelet (user system:node:<name> in group system:nodes) may write, the admission
// half of the Node authorizer:
//  - nodes: only its own Node; it may not register with or change labels under
//    node-restriction.kubernetes.io/ nor kubernetes.io / k8s.io labels other than the
//    kubelet's own (hostname, topology, instance type, os, arch, *.kubelet.kubernetes.io,
//    *.node.kubernetes.io); no taint changes; no configSource;
//  - pods: create only mirror pods bound to itself and owned by its Node (referencing no
//    service account, secret, configmap, cluster trust bundle or PVC); delete, update status
//    and evict only pods bound to itself; no label or resource-claim status changes through
//    pods/status; no other pod subresource;
//  - persistentvolumeclaims: status updates touching only capacity/conditions (and, with
//    volume expansion recovery, allocatedResources); nothing else;
//  - serviceaccounts/token: tokens bound to a pod scheduled on the node;
//  - coordination.k8s.io leases: only its own lease, in kube-node-lease;
//  - storage.k8s.io csinodes: only its own CSINode;
//  - resource.k8s.io resourceslices: create/delete only slices of its node;
//  - certificates.k8s.io CSRs (off for 1.32, where upstream had no such check; on from 1.33
//    unless AllowInsecureKubeletCertificateSigningRequests): kubelet signers only for
//    CN=system:node:<name>.

import type * as X509 from '@peculiar/x509';
import { x509lib } from '../../pki/x509lib.js';
import { notFound } from '../../apimachinery/errors.js';
import type { RequestScope } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';
import { MIRROR_POD_ANNOTATION, admissionForbidden, arr, rec, str, type Objects, type Plugin } from './common.js';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LABEL_NAMESPACE_NODE_RESTRICTION = 'node-restriction.kubernetes.io';

/** kubeletapis.kubeletLabels: the kubernetes.io labels a kubelet may set on itself. */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

export interface NodeRestrictionOptions {
  /** RecoverVolumeExpansionFailure: nodes may also update status.allocatedResources(Statuses) of PVCs. */
  expansionRecovery?: boolean;
  /** Restrict kubelet CSRs to the node's own CN (upstream 1.33+; default off as in 1.32). */
  restrictCSRs?: boolean;
}

/** nodeidentifier.NodeIdentity: (name, isNode). */
export function nodeIdentity(user: { username: string; groups: string[] } | undefined): { isNode: boolean; nodeName: string } {
  if (!user || !user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_USER_PREFIX)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.username.slice(NODE_USER_PREFIX.length) };
}

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i >= 0 ? key.slice(0, i) : '';
}

function isKubernetesLabel(key: string): boolean {
  const ns = labelNamespace(key);
  return ns === 'kubernetes.io' || ns.endsWith('.kubernetes.io') || ns === 'k8s.io' || ns.endsWith('.k8s.io');
}

/** kubeletapis.IsKubeletLabel. */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((a) => ns === a || ns.endsWith(`.${a}`));
}

function modifiedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  const x = a ?? {};
  const y = b ?? {};
  for (const k of Object.keys(x)) if (!(k in y) || x[k] !== y[k]) out.add(k);
  for (const k of Object.keys(y)) if (!(k in x) || x[k] !== y[k]) out.add(k);
  return out;
}

/** getForbiddenLabels: sorted. */
export function forbiddenLabels(modified: Set<string>): string[] {
  const out: string[] = [];
  for (const label of modified) {
    const ns = labelNamespace(label);
    const restricted = ns === LABEL_NAMESPACE_NODE_RESTRICTION || ns.endsWith(`.${LABEL_NAMESPACE_NODE_RESTRICTION}`);
    if (restricted || (isKubernetesLabel(label) && !isKubeletLabel(label))) out.push(label);
  }
  return out.sort();
}

/** apiequality.Semantic.DeepEqual as far as JSON goes: absent, null, [] and {} are all empty. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual((a as any)[k], (b as any)[k])) return false;
    return true;
  }
  return a === b;
}

/** Top-level paths that differ (a short stand-in for upstream's cmp.Diff output). */
function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (semanticEqual(a, b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffPaths((a as any)[k], (b as any)[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a ?? null)} -> ${JSON.stringify(b ?? null)}`);
}

function podSecretOrConfigMapRefs(spec: KObject): { secrets: boolean; configMaps: boolean } {
  let secrets = arr(spec.imagePullSecrets).length > 0;
  let configMaps = false;
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)]) {
    for (const e of arr(c.envFrom)) {
      if (e.secretRef) secrets = true;
      if (e.configMapRef) configMaps = true;
    }
    for (const e of arr(c.env)) {
      if (e.valueFrom?.secretKeyRef) secrets = true;
      if (e.valueFrom?.configMapKeyRef) configMaps = true;
    }
  }
  for (const v of arr(spec.volumes)) {
    if (v.secret || v.azureFile || v.cephfs?.secretRef || v.cinder?.secretRef || v.flexVolume?.secretRef || v.rbd?.secretRef || v.scaleIO?.secretRef || v.iscsi?.secretRef || v.storageos?.secretRef || v.csi?.nodePublishSecretRef) secrets = true;
    if (v.configMap) configMaps = true;
    for (const s of arr(v.projected?.sources)) {
      if (s.secret) secrets = true;
      if (s.configMap) configMaps = true;
    }
  }
  return { secrets, configMaps };
}

/** The CN of a base64-encoded PEM CERTIFICATE REQUEST. */
function csrCommonName(request: unknown): string {
  const pem = Buffer.from(str(request), 'base64').toString('latin1');
  const m = /-----BEGIN CERTIFICATE REQUEST-----([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(pem);
  if (!m) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const csr = new (x509lib()).Pkcs10CertificateRequest(Buffer.from(m[1].replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  return csr.subjectName.getField('CN')[0] ?? '';
}

export function nodeRestrictionPlugin(objects: Objects, opts: NodeRestrictionOptions = {}): Plugin {
  return {
    name: 'NodeRestriction',
    async admit(op, obj, old, scope) {
      const { isNode, nodeName } = nodeIdentity(scope.user);
      if (!isNode) return;
      const deny = (why: string) => admissionForbidden(scope, obj, why);
      if (!nodeName) throw deny(`could not determine node from user ${JSON.stringify(scope.user.username)}`);
      const gr = `${scope.def.group}/${scope.def.plural}`;
      switch (gr) {
        case '/pods':
          switch (scope.subresource) {
            case '':
              return admitPod(op, obj, old, scope, nodeName);
            case 'status':
              return admitPodStatus(op, obj, old, scope, nodeName);
            case 'eviction':
              return admitPodEviction(op, obj, old, scope, nodeName);
            default:
              throw deny(`unexpected pod subresource ${JSON.stringify(scope.subresource)}, only 'status' and 'eviction' are allowed`);
          }
        case '/nodes':
          return admitNode(op, obj, old, scope, nodeName);
        case '/persistentvolumeclaims':
          if (scope.subresource !== 'status') throw deny('may only update PVC status');
          return admitPVCStatus(op, obj, old, scope, nodeName);
        case '/serviceaccounts':
          return admitServiceAccount(op, obj, scope, nodeName);
        case 'coordination.k8s.io/leases':
          if (scope.namespace !== NODE_LEASE_NAMESPACE) throw deny(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
          if ((op === 'CREATE' ? str(obj?.metadata?.name) : scope.name) !== nodeName) throw deny('can only access node lease with the same name as the requesting node');
          return;
        case 'storage.k8s.io/csinodes':
          if ((op === 'CREATE' ? str(obj?.metadata?.name) : scope.name) !== nodeName) throw deny('can only access CSINode with the same name as the requesting node');
          return;
        case 'resource.k8s.io/resourceslices':
          if (op === 'CREATE' && str(obj?.spec?.nodeName) !== nodeName) throw deny('can only create ResourceSlice with the same NodeName as the requesting node');
          if (op === 'DELETE' && str(old?.spec?.nodeName) !== nodeName) throw deny('can only delete ResourceSlice with the same NodeName as the requesting node');
          return;
        case 'certificates.k8s.io/certificatesigningrequests':
          if (!opts.restrictCSRs || op !== 'CREATE' || scope.subresource) return;
          return admitCSR(obj, scope, nodeName);
      }
    },
  };

  async function admitPod(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope, nodeName: string): Promise<void> {
    const deny = (why: string) => admissionForbidden(scope, obj ?? old, why);
    if (op === 'DELETE') {
      const pod = old ?? (await objects.get('', 'pods', scope.namespace, scope.name));
      if (!pod) return; // the delete itself answers 404
      if (str(pod.spec?.nodeName) !== nodeName) throw deny(`node ${JSON.stringify(nodeName)} can only delete pods with spec.nodeName set to itself`);
      return;
    }
    if (op !== 'CREATE') throw deny(`unexpected operation ${JSON.stringify(op)}, node ${JSON.stringify(nodeName)} can only create and delete mirror pods`);
    const pod = obj ?? {};
    const annotations = rec(pod.metadata?.annotations);
    if (!(MIRROR_POD_ANNOTATION in annotations)) {
      throw deny(`pod does not have ${JSON.stringify(MIRROR_POD_ANNOTATION)} annotation, node ${JSON.stringify(nodeName)} can only create mirror pods`);
    }
    const spec = rec(pod.spec);
    if (str(spec.nodeName) !== nodeName) throw deny(`node ${JSON.stringify(nodeName)} can only create pods with spec.nodeName set to itself`);
    const owners = arr(pod.metadata?.ownerReferences);
    if (owners.length > 1) throw deny(`node ${JSON.stringify(nodeName)} can only create pods with a single owner reference set to itself`);
    if (owners.length === 0) throw deny(`node ${JSON.stringify(nodeName)} can only create pods with an owner reference set to itself`);
    const owner = owners[0];
    if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
      throw deny(`node ${JSON.stringify(nodeName)} can only create pods with an owner reference set to itself`);
    }
    if (owner.controller !== true) throw deny(`node ${JSON.stringify(nodeName)} can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw deny(`node ${JSON.stringify(nodeName)} must not set blockOwnerDeletion on an owner reference`);
    const node = await objects.get('', 'nodes', '', nodeName);
    if (!node) {
      throw notFound('', 'nodes', nodeName);
    }
    if (str(owner.uid) !== str(node.metadata?.uid)) throw deny(`node ${nodeName} UID mismatch: expected ${str(owner.uid)} got ${str(node.metadata?.uid)}`);
    if (spec.serviceAccountName) throw deny(`node ${JSON.stringify(nodeName)} can not create pods that reference a service account`);
    const refs = podSecretOrConfigMapRefs(spec);
    if (refs.secrets) throw deny(`node ${JSON.stringify(nodeName)} can not create pods that reference secrets`);
    if (refs.configMaps) throw deny(`node ${JSON.stringify(nodeName)} can not create pods that reference configmaps`);
    for (const v of arr(spec.volumes)) {
      if (arr(v.projected?.sources).some((s) => s.clusterTrustBundle)) throw deny(`node ${JSON.stringify(nodeName)} can not create pods that reference clustertrustbundles`);
    }
    if (arr(spec.volumes).some((v) => v.persistentVolumeClaim)) throw deny(`node ${JSON.stringify(nodeName)} can not create pods that reference persistentvolumeclaims`);
  }

  function admitPodStatus(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope, nodeName: string): void {
    const deny = (why: string) => admissionForbidden(scope, obj, why);
    if (op !== 'UPDATE') throw deny(`unexpected operation ${JSON.stringify(op)}`);
    if (str(old?.spec?.nodeName) !== nodeName) throw deny(`node ${JSON.stringify(nodeName)} can only update pod status for pods with spec.nodeName set to itself`);
    if (!semanticEqual(old?.metadata?.labels, obj?.metadata?.labels)) throw deny(`node ${JSON.stringify(nodeName)} cannot update labels through pod status`);
    const a = arr(old?.status?.resourceClaimStatuses);
    const b = arr(obj?.status?.resourceClaimStatuses);
    const same = a.length === b.length && a.every((s, i) => s.name === b[i].name && (s.resourceClaimName ?? null) === (b[i].resourceClaimName ?? null));
    if (!same) throw deny(`node ${JSON.stringify(nodeName)} cannot update resource claim statues`);
  }

  async function admitPodEviction(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope, nodeName: string): Promise<void> {
    const deny = (why: string) => admissionForbidden(scope, obj, why);
    if (op !== 'CREATE') throw deny(`unexpected operation ${op}`);
    const podName = scope.name || str(obj?.metadata?.name);
    if (!podName) throw deny('could not determine pod from request data');
    const pod = old?.kind === 'Pod' ? old : await objects.get('', 'pods', scope.namespace, podName);
    if (!pod) {
      throw notFound('', 'pods', podName);
    }
    if (str(pod.spec?.nodeName) !== nodeName) throw deny(`node ${nodeName} can only evict pods with spec.nodeName set to itself`);
  }

  function admitPVCStatus(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope, nodeName: string): void {
    const deny = (why: string) => admissionForbidden(scope, obj, why);
    if (op !== 'UPDATE') throw deny(`unexpected operation ${JSON.stringify(op)}`);
    const strip = (pvc: KObject | undefined): KObject => {
      const c = structuredClone(pvc ?? {});
      if (c.metadata) {
        delete c.metadata.resourceVersion;
        delete c.metadata.managedFields;
      }
      if (c.status) {
        delete c.status.capacity;
        delete c.status.conditions;
        if (opts.expansionRecovery) {
          delete c.status.allocatedResourceStatuses;
          delete c.status.allocatedResources;
        }
      }
      return c;
    };
    const a = strip(old);
    const b = strip(obj);
    if (!semanticEqual(a, b)) {
      const diffs: string[] = [];
      diffPaths(a, b, '', diffs);
      throw deny(`node ${JSON.stringify(nodeName)} is not allowed to update fields other than status.quantity and status.conditions: ${diffs.join('; ')}`);
    }
  }

  function admitNode(op: string, obj: KObject | undefined, old: KObject | undefined, scope: RequestScope, nodeName: string): void {
    const deny = (why: string) => admissionForbidden(scope, obj ?? old, why);
    const requested = scope.name || (op === 'CREATE' ? str(obj?.metadata?.name) : '');
    if (requested !== nodeName) throw deny(`node ${JSON.stringify(nodeName)} is not allowed to modify node ${JSON.stringify(requested)}`);
    if (op === 'CREATE') {
      if (obj?.spec?.configSource) throw deny(`node ${JSON.stringify(nodeName)} is not allowed to create pods with a non-nil configSource`);
      const bad = forbiddenLabels(modifiedLabels(obj?.metadata?.labels, undefined));
      if (bad.length) throw deny(`node ${JSON.stringify(nodeName)} is not allowed to set the following labels: ${bad.join(', ')}`);
    }
    if (op === 'UPDATE') {
      if (obj?.spec?.configSource && !semanticEqual(obj.spec.configSource, old?.spec?.configSource)) {
        throw deny(`node ${JSON.stringify(nodeName)} is not allowed to update configSource to a new non-nil configSource`);
      }
      if (!semanticEqual(obj?.spec?.taints, old?.spec?.taints)) throw deny(`node ${JSON.stringify(nodeName)} is not allowed to modify taints`);
      const bad = forbiddenLabels(modifiedLabels(obj?.metadata?.labels, old?.metadata?.labels));
      if (bad.length) throw deny(`is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }

  async function admitServiceAccount(op: string, obj: KObject | undefined, scope: RequestScope, nodeName: string): Promise<void> {
    if (op !== 'CREATE' || scope.subresource !== 'token') return;
    const deny = (why: string) => admissionForbidden(scope, obj, why);
    const ref = obj?.spec?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw deny('node requested token not bound to a pod');
    if (!ref.uid) throw deny('node requested token with a pod binding without a uid');
    const pod = await objects.get('', 'pods', scope.namespace, ref.name);
    if (!pod) {
      throw notFound('', 'pods', ref.name);
    }
    if (ref.uid !== pod.metadata?.uid) {
      throw deny(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (str(pod.spec?.nodeName) !== nodeName) throw deny('node requested token bound to a pod scheduled on a different node');
  }

  function admitCSR(obj: KObject | undefined, scope: RequestScope, nodeName: string): void {
    const signer = str(obj?.spec?.signerName);
    if (signer !== 'kubernetes.io/kubelet-serving' && signer !== 'kubernetes.io/kube-apiserver-client-kubelet') return;
    let cn: string;
    try {
      cn = csrCommonName(obj?.spec?.request);
    } catch (err) {
      throw admissionForbidden(scope, obj, `unable to parse csr: ${(err as Error).message}`);
    }
    if (cn !== `${NODE_USER_PREFIX}${nodeName}`) throw admissionForbidden(scope, obj, `can only create a node CSR with CN=system:node:${nodeName}`);
  }
}
