// rbac.authorization.k8s.io/v1 ClusterRole: path-segment names, rule validation
// (non-resource URLs allowed) and the aggregationRule's cluster role selectors. Table:
// upstream's default NAME / CREATED AT.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateLabelSelector } from '../../../apimachinery/validation.js';
import { labelSelectorAsSelector } from '../../../apimachinery/labels.js';
import { arr, isObj } from '../groups-common.js';
import type { ResourceDef } from '../types.js';
import { validatePolicyRule } from './common.js';

export const clusterRoleDef: ResourceDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  nameRule: 'path',
  storageResource: 'clusterroles',
  validate(obj) {
    const errs: FieldError[] = [];
    arr(obj.rules).forEach((r, i) => errs.push(...validatePolicyRule(r, false, `rules[${i}]`)));
    if (isObj(obj.aggregationRule)) {
      const sels = arr(obj.aggregationRule.clusterRoleSelectors);
      if (sels.length === 0) {
        errs.push(fieldErr.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
      }
      sels.forEach((sel, i) => {
        const p = `aggregationRule.clusterRoleSelectors[${i}]`;
        errs.push(...validateLabelSelector(sel, p));
        try {
          labelSelectorAsSelector(sel);
        } catch {
          errs.push(fieldErr.invalid(p, sel, 'invalid label selector.'));
        }
      });
    }
    return errs;
  },
};
