// Whether a caller may do what it asks (authorization.mode): AlwaysAllow, or Webhook — a
// SubjectAccessReview with the request's node attributes, allowed answers cached for
// webhook.cacheAuthorizedTTL and denials for webhook.cacheUnauthorizedTTL.
import type { RestClient } from '../../client/rest.js';
import type { RequestAttributes } from './attributes.js';
import { TtlCache } from './cache.js';

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export type Authorizer = (a: RequestAttributes) => Promise<Decision>;

export interface AuthzOptions {
  mode: 'AlwaysAllow' | 'Webhook';
  client: RestClient;
  authorizedTTLMs: number;
  unauthorizedTTLMs: number;
}

/** The SubjectAccessReview spec upstream's webhook authorizer sends for these attributes. */
export function subjectAccessReview(a: RequestAttributes): Record<string, unknown> {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: a.user,
      groups: a.groups,
      ...(a.uid ? { uid: a.uid } : {}),
      ...(a.extra ? { extra: a.extra } : {}),
      resourceAttributes: { verb: a.verb, version: a.apiVersion, resource: a.resource, subresource: a.subresource, name: a.name },
    },
  };
}

export function newAuthorizer(o: AuthzOptions): Authorizer {
  if (o.mode === 'AlwaysAllow') return async () => ({ allowed: true });
  const cache = new TtlCache<string, Decision>();
  return async (a) => {
    const review = subjectAccessReview(a);
    const key = JSON.stringify(review.spec);
    const hit = cache.get(key);
    if (hit) return hit;
    const r = await o.client.create<{ status?: { allowed?: boolean; denied?: boolean; reason?: string } }>(
      { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews' },
      review,
    );
    const d: Decision = { allowed: r.status?.allowed === true && r.status?.denied !== true, reason: r.status?.reason };
    cache.set(key, d, d.allowed ? o.authorizedTTLMs : o.unauthorizedTTLMs);
    return d;
  };
}
