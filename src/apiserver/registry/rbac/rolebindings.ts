// rbac.authorization.k8s.io/v1 RoleBinding: roleRef/subject defaults and validation,
// immutable roleRef, and the Table columns (NAME ROLE AGE, wide USERS GROUPS
// SERVICEACCOUNTS).

import type { ResourceDef } from '../types.js';
import { bindingTable, defaultBinding, validateBinding, validateBindingUpdate } from './common.js';

export const roleBindingDef: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  nameRule: 'path',
  storageResource: 'rolebindings',
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, true),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old),
  table: bindingTable('roleBinding'),
};
