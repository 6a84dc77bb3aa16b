// rbac.authorization.k8s.io/v1 ClusterRoleBinding: roleRef (ClusterRole only) and subject
// defaults and validation, immutable roleRef, and the Table columns (NAME ROLE AGE, wide
// USERS GROUPS SERVICEACCOUNTS).

import type { ResourceDef } from '../types.js';
import { bindingTable, defaultBinding, validateBinding, validateBindingUpdate } from './common.js';

export const clusterRoleBindingDef: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  nameRule: 'path',
  storageResource: 'clusterrolebindings',
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, false),
  validateUpdate: (obj, old) => validateBindingUpdate(obj, old),
  table: bindingTable('clusterRoleBinding'),
};
