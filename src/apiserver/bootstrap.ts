// Objects the API server maintains itself at start, as upstream's bootstrap controllers do:
// the namespaces default, kube-system, kube-public and kube-node-lease; the `kubernetes`
// Service in default on the first service IP (its Endpoints and EndpointSlice are the endpoint
// reconciler's, endpointreconciler/); the built-in PriorityClasses.

import { networkInterfaces } from 'node:os';
import { StatusError } from '../apimachinery/errors.js';
import { logger } from '../util/klog.js';
import type { ApiContext, RequestScope } from './endpoints/context.js';
import { objectKey } from './endpoints/context.js';
import { createObject, updateObject } from './endpoints/write.js';
import type { KObject } from './registry/types.js';
import { builtinPriorityClasses } from './registry/scheduling/priorityclasses.js';

const log = logger('controller.go');

const SYSTEM_USER = { username: 'system:apiserver', groups: ['system:authenticated', 'system:masters'] };

export function scopeFor(ctx: ApiContext, group: string, version: string, plural: string, namespace: string, name: string): RequestScope {
  const def = ctx.registry.lookup(group, version, plural);
  if (!def) throw new Error(`bootstrap: resource ${group}/${version}/${plural} is not registered`);
  return { def, namespace, name, subresource: '', query: new URLSearchParams(), user: SYSTEM_USER, dryRun: false };
}

async function ensure(ctx: ApiContext, group: string, version: string, plural: string, obj: KObject, update?: (cur: KObject) => boolean): Promise<void> {
  const ns = obj.metadata.namespace ?? '';
  if (!ctx.registry.lookup(group, version, plural)) {
    log.warning('bootstrap object skipped: its resource is not served', { resource: `${plural}.${group}`, name: obj.metadata.name });
    return;
  }
  const scope = scopeFor(ctx, group, version, plural, ns, obj.metadata.name);
  const exists = !!(await ctx.store.get(objectKey(ctx, scope.def, ns, obj.metadata.name)));
  try {
    if (exists) throw new StatusError(409, 'AlreadyExists', 'exists');
    await createObject(ctx, scope, structuredClone(obj));
    log.v(1).info('created bootstrap object', { resource: plural, name: obj.metadata.name, namespace: ns });
  } catch (err) {
    if (!(err instanceof StatusError) || err.code !== 409) throw err;
    if (!update) return;
    await updateObject(ctx, scope, (cur) => {
      const next = structuredClone(cur!);
      if (!update(next)) return cur!;
      return next;
    }, { mode: 'main', isPatch: true });
  }
}

export async function bootstrapObjects(ctx: ApiContext, o: { securePort: number; serviceIP: string }): Promise<void> {
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await ensure(ctx, '', 'v1', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  for (const pc of builtinPriorityClasses()) {
    await ensure(ctx, 'scheduling.k8s.io', 'v1', 'priorityclasses', pc as KObject);
  }
  await ensureKubernetesService(ctx, o);
}

/** The `kubernetes` Service (re-created by the endpoint reconciler's loop when deleted, as upstream). */
export async function ensureKubernetesService(ctx: ApiContext, o: { securePort: number; serviceIP: string }): Promise<void> {
  await ensure(ctx, '', 'v1', 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: o.serviceIP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.securePort }],
      sessionAffinity: 'None',
    },
  }, (cur) => {
    const p = cur.spec?.ports?.[0];
    if (p && p.targetPort !== o.securePort) {
      p.targetPort = o.securePort;
      return true;
    }
    return false;
  });
}

/**
 * The address published in the kubernetes Endpoints: the advertise address, or — when that is
 * loopback, which Endpoints may not hold — the host's first non-loopback IPv4 address, as
 * upstream picks the default interface's address.
 */
export function endpointAddress(advertise: string): string | undefined {
  if (!/^127\./.test(advertise) && advertise !== '::1') return advertise;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && a.family === 'IPv4' && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  return undefined;
}
