// Test helpers for the admission plugins: an in-memory Objects, request scopes, users, and
// runners for a plugin's two phases.

import type { RequestScope, UserInfo } from '../../../src/apiserver/endpoints/context.js';
import type { KObject, ResourceDef } from '../../../src/apiserver/registry/types.js';
import type { Objects, Operation, Plugin } from '../../../src/apiserver/admission/common.js';

export class FakeObjects implements Objects {
  private data = new Map<string, KObject>();
  /** objects visible only to getLive (not yet in the "cache") */
  private liveOnly = new Map<string, KObject>();
  liveCalls = 0;

  private static key(group: string, plural: string, namespace: string, name: string): string {
    return `${group}/${plural}/${namespace}/${name}`;
  }

  put(group: string, plural: string, obj: KObject, opts: { liveOnly?: boolean } = {}): this {
    const k = FakeObjects.key(group, plural, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
    (opts.liveOnly ? this.liveOnly : this.data).set(k, structuredClone(obj));
    return this;
  }

  async get(group: string, plural: string, namespace: string, name: string): Promise<KObject | undefined> {
    return this.data.get(FakeObjects.key(group, plural, namespace, name));
  }

  async list(group: string, plural: string, namespace?: string): Promise<KObject[]> {
    const prefix = `${group}/${plural}/`;
    const out: KObject[] = [];
    for (const [k, v] of this.data) {
      if (!k.startsWith(prefix)) continue;
      if (namespace !== undefined && namespace !== '' && (v.metadata?.namespace ?? '') !== namespace) continue;
      out.push(v);
    }
    return out;
  }

  async getLive(group: string, plural: string, namespace: string, name: string): Promise<KObject | undefined> {
    this.liveCalls++;
    const k = FakeObjects.key(group, plural, namespace, name);
    return this.data.get(k) ?? this.liveOnly.get(k);
  }
}

const KINDS: Record<string, [string, string, boolean]> = {
  '/pods': ['v1', 'Pod', true],
  '/namespaces': ['v1', 'Namespace', false],
  '/nodes': ['v1', 'Node', false],
  '/services': ['v1', 'Service', true],
  '/configmaps': ['v1', 'ConfigMap', true],
  '/secrets': ['v1', 'Secret', true],
  '/persistentvolumeclaims': ['v1', 'PersistentVolumeClaim', true],
  '/persistentvolumes': ['v1', 'PersistentVolume', false],
  '/serviceaccounts': ['v1', 'ServiceAccount', true],
  '/resourcequotas': ['v1', 'ResourceQuota', true],
  '/events': ['v1', 'Event', true],
  'apps/deployments': ['v1', 'Deployment', true],
  'batch/cronjobs': ['v1', 'CronJob', true],
  'coordination.k8s.io/leases': ['v1', 'Lease', true],
  'storage.k8s.io/csinodes': ['v1', 'CSINode', false],
  'resource.k8s.io/resourceslices': ['v1beta1', 'ResourceSlice', false],
  'certificates.k8s.io/certificatesigningrequests': ['v1', 'CertificateSigningRequest', false],
  'networking.k8s.io/ingresses': ['v1', 'Ingress', true],
};

export function def(group: string, plural: string): ResourceDef {
  const [version, kind, namespaced] = KINDS[`${group}/${plural}`] ?? ['v1', 'Thing', true];
  return { group, version, kind, plural, singular: kind.toLowerCase(), namespaced };
}

export const admin: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

export function nodeUser(name: string): UserInfo {
  return { username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] };
}

export function scope(group: string, plural: string, o: Partial<Omit<RequestScope, 'def'>> = {}): RequestScope {
  return { def: def(group, plural), namespace: '', name: '', subresource: '', query: new URLSearchParams(), user: admin, dryRun: false, ...o };
}

/** Runs a plugin's mutating then validating phase, as the combined chain does. */
export async function run(p: Plugin, op: Operation, obj: KObject | undefined, old: KObject | undefined, s: RequestScope): Promise<void> {
  await p.admit?.(op, obj, old, s);
  await p.validate?.(op, obj, old, s);
}

/** The rejection of a promise (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function pod(name: string, spec: KObject = {}, meta: KObject = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', ...meta }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } };
}
