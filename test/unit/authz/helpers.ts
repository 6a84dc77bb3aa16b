// Test helpers for the authorizers: an in-memory ObjectSource (versions and change listeners
// like the watch-cache-backed one), request attribute builders, and a loader for the default
// RBAC policy (with aggregation applied, as the controller would).

import type { UserInfo } from '../../../src/apiserver/endpoints/context.js';
import type { KObject } from '../../../src/apiserver/registry/types.js';
import type { Attributes, ObjectSource } from '../../../src/apiserver/authz/types.js';
import { bootstrapPolicy, RBAC_GROUP } from '../../../src/apiserver/authz/bootstrappolicy.js';
import { aggregateClusterRoles } from '../../../src/apiserver/authz/aggregation.js';

type Listener = (oldObj: KObject | undefined, newObj: KObject | undefined) => void;

export class MemorySource implements ObjectSource {
  private data = new Map<string, Map<string, KObject>>();
  private versions = new Map<string, number>();
  private listeners = new Map<string, Listener[]>();

  private bucket(group: string, plural: string): Map<string, KObject> {
    const k = `${group}/${plural}`;
    let m = this.data.get(k);
    if (!m) this.data.set(k, (m = new Map()));
    return m;
  }

  private bump(group: string, plural: string, oldObj: KObject | undefined, newObj: KObject | undefined): void {
    const k = `${group}/${plural}`;
    this.versions.set(k, (this.versions.get(k) ?? 0) + 1);
    for (const fn of this.listeners.get(k) ?? []) fn(oldObj, newObj);
  }

  /** Create or replace an object. */
  put(group: string, plural: string, obj: KObject): void {
    const ns = obj.metadata?.namespace ?? '';
    const key = `${ns}/${obj.metadata?.name}`;
    const b = this.bucket(group, plural);
    const old = b.get(key);
    b.set(key, obj);
    this.bump(group, plural, old, obj);
  }

  delete(group: string, plural: string, namespace: string, name: string): void {
    const b = this.bucket(group, plural);
    const key = `${namespace}/${name}`;
    const old = b.get(key);
    if (!old) return;
    b.delete(key);
    this.bump(group, plural, old, undefined);
  }

  list(group: string, plural: string, namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const o of this.bucket(group, plural).values()) if (!namespace || (o.metadata?.namespace ?? '') === namespace) out.push(o);
    return out;
  }

  get(group: string, plural: string, namespace: string, name: string): KObject | undefined {
    return this.bucket(group, plural).get(`${namespace}/${name}`);
  }

  version(group: string, plural: string): number {
    return this.versions.get(`${group}/${plural}`) ?? 0;
  }

  onChange(group: string, plural: string, fn: Listener): void {
    const k = `${group}/${plural}`;
    const l = this.listeners.get(k) ?? [];
    l.push(fn);
    this.listeners.set(k, l);
  }
}

export function user(username: string, groups: string[] = ['system:authenticated']): UserInfo {
  return { username, groups };
}

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Attributes of a resource request: res("get", "pods", { namespace: "default" }). "apps/deployments" names a group. */
export function res(
  u: UserInfo,
  verb: string,
  resource: string,
  opts: { namespace?: string; name?: string; subresource?: string } = {},
): Attributes {
  const slash = resource.indexOf('/');
  const group = slash >= 0 ? resource.slice(0, slash) : '';
  const plural = slash >= 0 ? resource.slice(slash + 1) : resource;
  return {
    user: u,
    verb,
    isResourceRequest: true,
    path: '',
    namespace: opts.namespace ?? '',
    apiGroup: group,
    apiVersion: 'v1',
    resource: plural,
    subresource: opts.subresource ?? '',
    name: opts.name ?? '',
  };
}

export function nonRes(u: UserInfo, verb: string, path: string): Attributes {
  return { user: u, verb, isResourceRequest: false, path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

/** Put the default policy into the source, with admin/edit/view aggregated. */
export function loadBootstrap(src: MemorySource): void {
  const p = bootstrapPolicy();
  const aggregated = aggregateClusterRoles(p.clusterRoles);
  for (const cr of p.clusterRoles) src.put(RBAC_GROUP, 'clusterroles', aggregated.get(cr.metadata.name) ?? cr);
  for (const b of p.clusterRoleBindings) src.put(RBAC_GROUP, 'clusterrolebindings', b);
  for (const list of Object.values(p.roles)) for (const r of list) src.put(RBAC_GROUP, 'roles', r);
  for (const list of Object.values(p.roleBindings)) for (const b of list) src.put(RBAC_GROUP, 'rolebindings', b);
}

export function clusterRoleBinding(name: string, role: string, subjects: KObject[]): KObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role }, subjects };
}

export function roleBinding(namespace: string, name: string, roleKind: 'Role' | 'ClusterRole', role: string, subjects: KObject[]): KObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC_GROUP, kind: roleKind, name: role },
    subjects,
  };
}

export const U = (name: string) => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
export const G = (name: string) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
export const SA = (namespace: string, name: string) => ({ kind: 'ServiceAccount', name, namespace });
