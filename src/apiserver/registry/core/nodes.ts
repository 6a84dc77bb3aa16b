// core/v1 Node (cluster-scoped, stored under /registry/minions): podCIDR(s) and status
// defaults (allocatable from capacity, the always-serialized nodeInfo and daemonEndpoints),
// status kept apart from spec, taint / podCIDR / providerID validation, the
// spec.unschedulable field selector and the kubectl get table (STATUS, ROLES, VERSION...).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName, isValidLabelValue, parseCIDRFamily } from '../../../apimachinery/validation.js';
import type { KObject, ResourceDef } from '../types.js';
import { ageCell, ageColumn, col, docs, nameColumn } from './columns.js';
import { arr, check, clone, isObj, keyPath, obj, semanticEqual, str, validateQuantityValue, validateResourceName } from './helpers.js';
import { validateTaintEffect } from './podspec.js';

const nodeInfoFields = ['architecture', 'bootID', 'containerRuntimeVersion', 'kernelVersion', 'kubeProxyVersion', 'kubeletVersion', 'machineID', 'operatingSystem', 'osImage', 'systemUUID'];

function defaults(node: KObject): void {
  if (!isObj(node.spec)) node.spec = {};
  const spec = node.spec;
  if (str(spec.podCIDR) && arr(spec.podCIDRs).length === 0) spec.podCIDRs = [spec.podCIDR];
  else if (!str(spec.podCIDR) && arr(spec.podCIDRs).length > 0) spec.podCIDR = arr(spec.podCIDRs)[0];
  if (!isObj(node.status)) node.status = {};
  const status = node.status;
  if (isObj(status.capacity) && !isObj(status.allocatable)) status.allocatable = clone(status.capacity);
  // Go structs that always serialize: status.daemonEndpoints and status.nodeInfo.
  if (!isObj(status.daemonEndpoints)) status.daemonEndpoints = {};
  if (!isObj(status.daemonEndpoints.kubeletEndpoint)) status.daemonEndpoints.kubeletEndpoint = {};
  if (typeof status.daemonEndpoints.kubeletEndpoint.Port !== 'number') status.daemonEndpoints.kubeletEndpoint.Port = 0;
  if (!isObj(status.nodeInfo)) status.nodeInfo = {};
  for (const f of nodeInfoFields) if (typeof status.nodeInfo[f] !== 'string') status.nodeInfo[f] = '';
}

function prepareForUpdate(node: KObject, old: KObject): void {
  node.status = clone(old.status);
}

function prepareForStatusUpdate(node: KObject, old: KObject): void {
  node.spec = clone(old.spec);
}

/** validateNodeTaints: qualified keys, label values, required known effects, unique key+effect. */
export function validateNodeTaints(taints: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  taints.forEach((raw, i) => {
    const t = obj(raw);
    const p = `${path}[${i}]`;
    errs.push(...check(isQualifiedName(str(t.key)), `${p}.key`, str(t.key)));
    const msgs = isValidLabelValue(str(t.value));
    if (msgs.length) errs.push(fieldErr.invalid(`${p}.value`, str(t.value), msgs.join(';')));
    errs.push(...validateTaintEffect(str(t.effect), false, `${p}.effect`));
    const key = `${str(t.effect)}\u0000${str(t.key)}`;
    if (seen.has(key)) {
      errs.push({ ...fieldErr.duplicate(p, t), detail: 'taints must be unique by key and effect pair' });
      return;
    }
    seen.add(key);
  });
  return errs;
}

function validateResourceList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(list))) {
    const p = keyPath(path, k);
    errs.push(...validateResourceName(k, p, (n) => ['cpu', 'memory', 'ephemeral-storage', 'pods', 'storage'].includes(n) || n.startsWith('hugepages-')));
    errs.push(...validateQuantityValue(k, v, p).errs);
  }
  return errs;
}

/** ValidateNode: podCIDRs, taints, status resources. */
export function validateNode(node: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(node.spec);
  const cidrs = arr<string>(spec.podCIDRs);
  const families: number[] = [];
  cidrs.forEach((c, i) => {
    const fam = parseCIDRFamily(str(c));
    if (!fam) errs.push(fieldErr.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    families.push(fam);
  });
  if (cidrs.length > 1 && (cidrs.length > 2 || families[0] === families[1])) {
    errs.push(fieldErr.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  }
  errs.push(...validateNodeTaints(arr(spec.taints), 'spec.taints'));
  const status = obj(node.status);
  errs.push(...validateResourceList(status.capacity, 'status.capacity'));
  errs.push(...validateResourceList(status.allocatable, 'status.allocatable'));
  return errs;
}

/** ValidateNodeUpdate: podCIDRs and providerID may only go from unset to set. */
export function validateNodeUpdate(node: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(node.spec);
  const oldSpec = obj(old.spec);
  const addresses = arr(obj(node.status).addresses);
  addresses.forEach((a, i) => {
    if (addresses.slice(0, i).some((b) => semanticEqual(a, b))) errs.push(fieldErr.duplicate(`status.addresses[${i}]`, a));
  });
  const oldCIDRs = arr<string>(oldSpec.podCIDRs);
  const newCIDRs = arr<string>(spec.podCIDRs);
  if (oldCIDRs.length > 0) {
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (oldCIDRs.length !== newCIDRs.length) errs.push(fieldErr.forbidden('spec.podCIDRs', msg));
    else oldCIDRs.forEach((c, i) => {
      if (c !== newCIDRs[i]) errs.push(fieldErr.forbidden('spec.podCIDRs', msg));
    });
  }
  if (str(oldSpec.providerID) && str(oldSpec.providerID) !== str(spec.providerID)) {
    errs.push(fieldErr.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if (str(spec.externalID) !== str(oldSpec.externalID)) errs.push(fieldErr.forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

/** The STATUS cell: Ready / NotReady / Unknown, plus ",SchedulingDisabled". */
export function nodeStatus(node: KObject): string {
  const status: string[] = [];
  const ready = arr(obj(node.status).conditions).map(obj).find((c) => str(c.type) === 'Ready');
  if (ready) status.push(str(ready.status) === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (obj(node.spec).unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** The ROLES cell: node-role.kubernetes.io/<role> labels and kubernetes.io/role, sorted. */
export function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(obj(node.metadata).labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(String(v));
    }
  }
  const list = [...roles].sort();
  return list.length ? list.join(',') : '<none>';
}

function nodeAddress(node: KObject, type: string): string {
  const a = arr(obj(node.status).addresses).map(obj).find((x) => str(x.type) === type);
  return a ? str(a.address) : '<none>';
}

export const nodes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  subresources: { status: true },
  storageResource: 'minions',
  defaults,
  prepareForUpdate,
  prepareForStatusUpdate,
  validate: (n) => validateNode(n),
  validateUpdate: (n, old) => validateNodeUpdate(n, old),
  nameRule: 'subdomain',
  selectableFields: (n) => ({ 'spec.unschedulable': String(obj(n.spec).unschedulable === true) }),
  table: {
    columns: [
      nameColumn,
      col('Status', 'string', 'The status of the node'),
      col('Roles', 'string', 'The roles of the node'),
      ageColumn,
      col('Version', 'string', docs.nodeInfoKubeletVersion),
      col('Internal-IP', 'string', docs.nodeStatusAddresses, 1),
      col('External-IP', 'string', docs.nodeStatusAddresses, 1),
      col('OS-Image', 'string', docs.nodeInfoOSImage, 1),
      col('Kernel-Version', 'string', docs.nodeInfoKernelVersion, 1),
      col('Container-Runtime', 'string', docs.nodeInfoContainerRuntimeVersion, 1),
    ],
    cells(node, now) {
      const info = obj(obj(node.status).nodeInfo);
      return [
        str(obj(node.metadata).name),
        nodeStatus(node),
        nodeRoles(node),
        ageCell(node, now),
        str(info.kubeletVersion),
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ];
    },
  },
};
