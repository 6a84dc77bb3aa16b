// Shared RBAC rules: PolicyRule validation, roleRef/subject defaults and validation, and
// the binding Table columns (NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isValidPathSegmentName, nameIsDNSSubdomain } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, arr, clone, col, isObj, nameCol } from '../groups-common.js';
import type { KObject, TableDef } from '../types.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: KObject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = isObj(rule) ? rule : {};
  if (arr(r.verbs).length === 0) errs.push(fieldErr.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = arr(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(fieldErr.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (arr(r.apiGroups).length > 0 || arr(r.resources).length > 0 || arr(r.resourceNames).length > 0) {
      errs.push(fieldErr.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (arr(r.apiGroups).length === 0) errs.push(fieldErr.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (arr(r.resources).length === 0) errs.push(fieldErr.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding / _Subject. */
export function defaultBinding(obj: KObject): void {
  if (isObj(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of arr(obj.subjects)) {
    if (!isObj(s) || s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** ValidateRoleBindingSubject. */
export function validateSubject(subject: KObject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = isObj(subject) ? subject : {};
  const name = typeof s.name === 'string' ? s.name : '';
  const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : '';
  if (!name) errs.push(fieldErr.required(`${path}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const m of nameIsDNSSubdomain(name, false)) errs.push(fieldErr.invalid(`${path}.name`, name, m));
      if (apiGroup) errs.push(fieldErr.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErr.required(`${path}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErr.notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** ValidateRoleBinding / ValidateClusterRoleBinding (beyond metadata). */
export function validateBinding(obj: KObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = isObj(obj.roleRef) ? obj.roleRef : {};
  const apiGroup = typeof ref.apiGroup === 'string' ? ref.apiGroup : '';
  if (apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(fieldErr.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (!name) errs.push(fieldErr.required('roleRef.name', ''));
  else for (const m of isValidPathSegmentName(name)) errs.push(fieldErr.invalid('roleRef.name', name, m));
  arr(obj.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

/** ValidateRoleBindingUpdate: the roleRef may not change. */
export function validateBindingUpdate(obj: KObject, old: KObject): FieldError[] {
  const a = isObj(obj.roleRef) ? obj.roleRef : {};
  const b = isObj(old.roleRef) ? old.roleRef : {};
  const same = (k: string) => (a[k] ?? '') === (b[k] ?? '');
  if (same('apiGroup') && same('kind') && same('name')) return [];
  return [fieldErr.invalid('roleRef', clone(a), 'cannot change roleRef')];
}

/** SubjectsStrings: users, groups and "namespace/name" service accounts. */
export function subjectsStrings(subjects: unknown): { users: string[]; groups: string[]; sas: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of arr(subjects)) {
    if (!isObj(s)) continue;
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(String(s.name ?? ''));
    else if (s.kind === 'Group') groups.push(String(s.name ?? ''));
  }
  return { users, groups, sas };
}

export function bindingTable(kind: 'roleBinding' | 'clusterRoleBinding'): TableDef {
  const roleRefDoc = kind === 'roleBinding'
    ? 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'
    : 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.';
  return {
    columns: [
      nameCol(),
      col('Role', 'string', roleRefDoc),
      ageCol(),
      col('Users', 'string', `Users in the ${kind}`, 1),
      col('Groups', 'string', `Groups in the ${kind}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, 1),
    ],
    cells(obj, now) {
      const { users, groups, sas } = subjectsStrings(obj.subjects);
      return [
        obj.metadata?.name ?? '',
        `${obj.roleRef?.kind ?? ''}/${obj.roleRef?.name ?? ''}`,
        ageOf(obj, now),
        users.join(', '),
        groups.join(', '),
        sas.join(', '),
      ];
    },
  };
}
