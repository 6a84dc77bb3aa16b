// The authorization chain of --authorization-mode: system:masters first (upstream's
// privileged-group authorizer), then the configured modes in order (Node, RBAC, AlwaysAllow,
// AlwaysDeny); the first Allow or Deny wins, all NoOpinion means Forbidden. Also the
// Forbidden message upstream's handlers write.

import { StatusError } from '../../apimachinery/errors.js';
import type { UserInfo } from '../endpoints/context.js';
import type { Attributes, AuthorizationResult, Authorizer } from './types.js';

export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC', 'Webhook'] as const;

export function validateAuthorizationModes(modes: string[]): void {
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) {
      throw new Error(`authorization-mode "${m}" is not a valid mode`);
    }
    if (m === 'Webhook') throw new Error('authorization-mode "Webhook" is not supported by this k8ts version (use Node, RBAC, AlwaysAllow or AlwaysDeny)');
    if (seen.has(m)) throw new Error(`authorization-mode "${m}" has mode specified more than once`);
    seen.add(m);
  }
}

export const alwaysAllow: Authorizer = { authorize: () => ({ decision: 'Allow', reason: '' }) };
export const alwaysDeny: Authorizer = { authorize: () => ({ decision: 'Deny', reason: 'Everything is forbidden.' }) };

export class AuthorizerChain implements Authorizer {
  constructor(private readonly authorizers: Authorizer[]) {}

  authorize(a: Attributes): AuthorizationResult {
    if (a.user.groups.includes('system:masters')) return { decision: 'Allow', reason: '' };
    const reasons: string[] = [];
    for (const z of this.authorizers) {
      const r = z.authorize(a);
      if (r.decision !== 'NoOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'NoOpinion', reason: reasons.join('\n') };
  }
}

/** 403 as upstream's forbidden responder writes it. */
export function forbiddenError(a: Attributes, reason: string): StatusError {
  const user = a.user.username;
  let msg: string;
  if (!a.isResourceRequest) {
    msg = `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"`;
  } else {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    msg = `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: User "${user}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup}" ${scope}`;
  }
  if (reason) msg += `: ${reason}`;
  return new StatusError(403, 'Forbidden', msg, a.isResourceRequest ? { name: a.name || undefined, group: a.apiGroup || undefined, kind: a.resource } : undefined);
}

export function userString(u: UserInfo): string {
  return `${u.username} (groups=${JSON.stringify(u.groups)})`;
}
