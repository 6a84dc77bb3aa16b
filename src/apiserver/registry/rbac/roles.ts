// rbac.authorization.k8s.io/v1 Role: path-segment names and rule validation (verbs,
// apiGroups and resources; no non-resource URLs in a namespace). Table: upstream's
// default NAME / CREATED AT.

import type { FieldError } from '../../../apimachinery/errors.js';
import { arr } from '../groups-common.js';
import type { ResourceDef } from '../types.js';
import { validatePolicyRule } from './common.js';

export const roleDef: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  nameRule: 'path',
  storageResource: 'roles',
  validate(obj) {
    const errs: FieldError[] = [];
    arr(obj.rules).forEach((r, i) => errs.push(...validatePolicyRule(r, true, `rules[${i}]`)));
    return errs;
  },
};
