// The create-only "review" APIs that are answered, never stored: authorization.k8s.io/v1
// SubjectAccessReview, SelfSubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectRulesReview (`kubectl auth can-i [--list]`) and authentication.k8s.io/v1
// SelfSubjectReview (`kubectl auth whoami`).

import { fieldErr, invalid } from '../apimachinery/errors.js';
import type { FieldError } from '../apimachinery/errors.js';
import type { ResourceDef, KObject } from './registry/types.js';
import type { RequestScope, UserInfo } from './endpoints/context.js';
import type { Attributes, Authorizer, RuleResolver } from './authz/types.js';

function reviewDef(group: string, kind: string, plural: string, namespaced = false): ResourceDef {
  return { group, version: 'v1', kind, plural, singular: kind.toLowerCase(), namespaced, verbs: ['create'], createOnly: true, nameRule: 'none' };
}

export const reviewDefs: ResourceDef[] = [
  reviewDef('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews'),
  reviewDef('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  reviewDef('authorization.k8s.io', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
  reviewDef('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  reviewDef('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  reviewDef('authentication.k8s.io', 'TokenReview', 'tokenreviews'),
];

export type ReviewHandler = (obj: KObject, scope: RequestScope) => KObject;

function attributesFrom(spec: KObject, user: UserInfo, kind: string, name: string): Attributes {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  const errs: FieldError[] = [];
  if (ra && nra) errs.push(fieldErr.invalid('spec.resourceAttributes', ra, 'cannot be specified in combination with nonResourceAttributes'));
  if (!ra && !nra) errs.push(fieldErr.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  if (errs.length) throw invalid(kind, 'authorization.k8s.io', name, errs);
  if (ra) {
    return {
      user,
      verb: ra.verb ?? '',
      isResourceRequest: true,
      path: '',
      namespace: ra.namespace ?? '',
      apiGroup: ra.group ?? '',
      apiVersion: ra.version ?? '',
      resource: ra.resource ?? '',
      subresource: ra.subresource ?? '',
      name: ra.name ?? '',
    };
  }
  return { user, verb: nra.verb ?? '', isResourceRequest: false, path: nra.path ?? '', namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

function decide(authorizer: Authorizer, a: Attributes): KObject {
  const r = authorizer.authorize(a);
  const status: KObject = { allowed: r.decision === 'Allow' };
  if (r.decision === 'Deny') status.denied = true;
  if (r.reason) status.reason = r.reason;
  return status;
}

export function reviewHandlers(authorizer: Authorizer, rules?: RuleResolver): Map<string, ReviewHandler> {
  const m = new Map<string, ReviewHandler>();
  m.set('authorization.k8s.io/selfsubjectaccessreviews', (obj, scope) => {
    obj.status = decide(authorizer, attributesFrom(obj.spec ?? {}, scope.user, 'SelfSubjectAccessReview', obj.metadata?.name ?? ''));
    return obj;
  });
  m.set('authorization.k8s.io/subjectaccessreviews', (obj) => {
    const spec = obj.spec ?? {};
    if (!spec.user && !(spec.groups?.length)) {
      throw invalid('SubjectAccessReview', 'authorization.k8s.io', obj.metadata?.name ?? '', [fieldErr.invalid('spec.user', '', 'at least one of user or group must be specified')]);
    }
    const user: UserInfo = { username: spec.user ?? '', uid: spec.uid, groups: spec.groups ?? [], extra: spec.extra };
    obj.status = decide(authorizer, attributesFrom(spec, user, 'SubjectAccessReview', obj.metadata?.name ?? ''));
    return obj;
  });
  m.set('authorization.k8s.io/localsubjectaccessreviews', (obj, scope) => {
    const spec = obj.spec ?? {};
    const ns = spec.resourceAttributes?.namespace;
    if (ns !== undefined && ns !== '' && ns !== scope.namespace) {
      throw invalid('LocalSubjectAccessReview', 'authorization.k8s.io', obj.metadata?.name ?? '', [fieldErr.invalid('spec.resourceAttributes.namespace', ns, 'must match metadata.namespace')]);
    }
    if (spec.resourceAttributes) spec.resourceAttributes.namespace = scope.namespace;
    const user: UserInfo = { username: spec.user ?? '', uid: spec.uid, groups: spec.groups ?? [], extra: spec.extra };
    obj.status = decide(authorizer, attributesFrom(spec, user, 'LocalSubjectAccessReview', obj.metadata?.name ?? ''));
    return obj;
  });
  m.set('authorization.k8s.io/selfsubjectrulesreviews', (obj, scope) => {
    const ns = obj.spec?.namespace ?? '';
    if (scope.user.groups.includes('system:masters')) {
      obj.status = {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
      return obj;
    }
    const r = rules?.rulesFor(scope.user, ns) ?? { resourceRules: [], nonResourceRules: [], incomplete: true };
    obj.status = { resourceRules: r.resourceRules, nonResourceRules: r.nonResourceRules, incomplete: r.incomplete };
    if (r.evaluationError) obj.status.evaluationError = r.evaluationError;
    return obj;
  });
  m.set('authentication.k8s.io/selfsubjectreviews', (obj, scope) => {
    const u = scope.user;
    const userInfo: KObject = { username: u.username };
    if (u.uid) userInfo.uid = u.uid;
    if (u.groups.length) userInfo.groups = u.groups;
    if (u.extra && Object.keys(u.extra).length) userInfo.extra = u.extra;
    obj.status = { userInfo };
    return obj;
  });
  return m;
}
