// Authorization interfaces shared by the authorizers (Node, RBAC, AlwaysAllow, AlwaysDeny)
// and the request chain: the attributes of a request, a decision, and the read-only view of
// cluster objects (roles, bindings, pods, ...) the authorizers decide from.

import type { UserInfo } from '../endpoints/context.js';
import type { KObject } from '../registry/types.js';

/** Upstream's authorizer.Attributes. */
export interface Attributes {
  user: UserInfo;
  /** get list watch create update patch delete deletecollection (resource) or lower-case HTTP verb (non-resource); also impersonate, bind, escalate, use, approve, sign, ... */
  verb: string;
  isResourceRequest: boolean;
  /** request path (non-resource requests) */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why (appended to Forbidden messages, as upstream does for RBAC: `...: RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`). */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): AuthorizationResult;
}

/** A rule as in SelfSubjectRulesReview. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface RuleResolver {
  /** Rules that apply to user in namespace (SelfSubjectRulesReview); incomplete when some could not be resolved. */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string };
}

/**
 * Synchronous read-only access to the current objects of a resource, served from the API
 * server's watch cache. Objects must not be mutated. `version` changes whenever any object of
 * that resource changes, so callers can rebuild indexes lazily.
 */
export interface ObjectSource {
  list(group: string, plural: string, namespace?: string): KObject[];
  get(group: string, plural: string, namespace: string, name: string): KObject | undefined;
  version(group: string, plural: string): number;
  /** Called after objects of (group, plural) changed, with the old and new object (undefined when absent). */
  onChange(group: string, plural: string, fn: (oldObj: KObject | undefined, newObj: KObject | undefined) => void): void;
}
