// Authorization start-up for the API server: creates the RBAC bootstrap policy (as upstream's
// rbac/bootstrap-roles post-start hook), loads the caches the authorizers read, builds the
// --authorization-mode chain, keeps aggregated ClusterRoles (admin/edit/view, ...) up to date,
// and adds RBAC escalation prevention to the write path.

import { StatusError } from '../../apimachinery/errors.js';
import { logger } from '../../util/klog.js';
import type { AdmissionPlugin, ApiContext, RequestScope } from '../endpoints/context.js';
import { objectKey } from '../endpoints/context.js';
import { createObject, updateObject } from '../endpoints/write.js';
import type { KObject } from '../registry/types.js';
import { aggregateClusterRoles } from './aggregation.js';
import { bootstrapPolicy, RBAC_GROUP } from './bootstrappolicy.js';
import { AuthorizerChain, alwaysAllow, alwaysDeny, validateAuthorizationModes } from './chain.js';
import { checkEscalation } from './escalation.js';
import { NodeAuthorizer } from './node.js';
import { RBACAuthorizer } from './rbac.js';
import { CacheObjectSource } from './source.js';
import type { Authorizer } from './types.js';

const log = logger('storage_rbac.go');

const SYSTEM = { username: 'system:apiserver', groups: ['system:authenticated', 'system:masters'] };

function scope(ctx: ApiContext, plural: string, namespace: string, name: string): RequestScope {
  const def = ctx.registry.lookup(RBAC_GROUP, 'v1', plural)!;
  return { def, namespace, name, subresource: '', query: new URLSearchParams(), user: SYSTEM, dryRun: false };
}

async function ensureObject(ctx: ApiContext, plural: string, obj: KObject): Promise<void> {
  const ns = obj.metadata?.namespace ?? '';
  const s = scope(ctx, plural, ns, obj.metadata.name);
  if (await ctx.store.get(objectKey(ctx, s.def, ns, obj.metadata.name))) return;
  try {
    await createObject(ctx, s, structuredClone(obj));
  } catch (err) {
    if (!(err instanceof StatusError) || err.code !== 409) throw err;
  }
}

/** Create the default roles and bindings that are missing (existing ones are left as they are). */
export async function bootstrapRBAC(ctx: ApiContext): Promise<void> {
  const p = bootstrapPolicy();
  for (const r of p.clusterRoles) await ensureObject(ctx, 'clusterroles', r);
  for (const b of p.clusterRoleBindings) await ensureObject(ctx, 'clusterrolebindings', b);
  for (const list of Object.values(p.roles)) for (const r of list) await ensureObject(ctx, 'roles', r);
  for (const list of Object.values(p.roleBindings)) for (const b of list) await ensureObject(ctx, 'rolebindings', b);
  log.v(1).info('bootstrap RBAC policy ensured', { clusterRoles: p.clusterRoles.length, clusterRoleBindings: p.clusterRoleBindings.length });
}

/** The clusterrole-aggregation step: write each aggregated ClusterRole whose rules changed. */
async function aggregate(ctx: ApiContext, source: CacheObjectSource): Promise<void> {
  const changed = aggregateClusterRoles(source.list(RBAC_GROUP, 'clusterroles'));
  for (const [name, role] of changed) {
    try {
      await updateObject(ctx, scope(ctx, 'clusterroles', '', name), (cur) => {
        if (!cur) return role;
        return { ...cur, rules: role.rules };
      }, { mode: 'main', isPatch: true });
    } catch (err) {
      log.warning('failed to update aggregated clusterrole', { name, err: String(err) });
    }
  }
}

/** An authorizer that answers NoOpinion until the real one is built. */
class DeferredAuthorizer implements Authorizer {
  private inner?: Authorizer;
  constructor(ready: Promise<Authorizer>) {
    ready.then(
      (a) => (this.inner = a),
      (err) => log.error('authorizer setup failed', { err: String(err) }),
    );
  }
  authorize(a: Parameters<Authorizer['authorize']>[0]): ReturnType<Authorizer['authorize']> {
    return this.inner ? this.inner.authorize(a) : { decision: 'NoOpinion', reason: 'node authorizer is not synced yet' };
  }
}

export interface AuthorizationSetup {
  authorizer: Authorizer;
  source: CacheObjectSource;
  rbac?: RBACAuthorizer;
}

export async function setupAuthorization(ctx: ApiContext, modes: string[]): Promise<AuthorizationSetup> {
  validateAuthorizationModes(modes);
  const source = new CacheObjectSource(ctx);
  const usesRBAC = modes.includes('RBAC');
  const usesNode = modes.includes('Node');
  if (usesRBAC) await bootstrapRBAC(ctx);
  const resources: [string, string][] = [];
  if (usesRBAC) for (const p of ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']) resources.push([RBAC_GROUP, p]);
  await ctx.caches.sync();
  await source.prepare(resources);
  // The Node authorizer's graph comes from pods, which may be many: it loads in the background
  // and answers NoOpinion until then (as upstream's, before its informers have synced).
  const nodeResources: [string, string][] = [['', 'pods'], ['', 'persistentvolumes'], ['storage.k8s.io', 'volumeattachments']];
  if (usesNode) source.prepareInBackground(nodeResources);

  let rbac: RBACAuthorizer | undefined;
  const chain: Authorizer[] = [];
  for (const m of modes) {
    if (m === 'AlwaysAllow') chain.push(alwaysAllow);
    else if (m === 'AlwaysDeny') chain.push(alwaysDeny);
    else if (m === 'Node') chain.push(new DeferredAuthorizer(Promise.all(nodeResources.map(([g, p]) => source.ready(g, p))).then(() => NodeAuthorizer.build(source))));
    else if (m === 'RBAC') {
      rbac = new RBACAuthorizer(source);
      chain.push(rbac);
    }
  }
  const authorizer = new AuthorizerChain(chain);

  if (rbac) {
    // aggregation now and on every ClusterRole change (debounced)
    await aggregate(ctx, source);
    let timer: NodeJS.Timeout | undefined;
    source.onChange(RBAC_GROUP, 'clusterroles', () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void aggregate(ctx, source);
      }, 50);
      timer.unref();
    });
    ctx.admission.push(escalationPlugin(rbac, authorizer));
  }
  return { authorizer, source, rbac };
}

/** RBAC escalation prevention on writes of roles and bindings (upstream does it in the RBAC registry). */
function escalationPlugin(rbac: RBACAuthorizer, authorizer: Authorizer): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    admit(op, obj, old, s) {
      if (s.def.group !== RBAC_GROUP || s.subresource || op === 'DELETE' || !obj) return;
      checkEscalation(op, obj, old, s.user, authorizer, rbac);
    },
  };
}
