// coordination.k8s.io/v1 Lease: validation (durations, transitions, strategy /
// preferredHolder) and the Table columns (NAME HOLDER AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { ageCol, ageOf, col, isObj, nameCol } from '../groups-common.js';
import type { ResourceDef } from '../types.js';

export const leaseDef: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  storageResource: 'leases',
  validate(obj) {
    const errs: FieldError[] = [];
    const spec = isObj(obj.spec) ? obj.spec : {};
    if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
      errs.push(fieldErr.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
    }
    if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
      errs.push(fieldErr.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
    }
    if (spec.strategy !== undefined && spec.strategy !== null && spec.strategy !== 'OldestEmulationVersion') {
      errs.push(fieldErr.notSupported('spec.strategy', spec.strategy, ['OldestEmulationVersion']));
    }
    if (spec.preferredHolder && !spec.strategy) {
      errs.push(fieldErr.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
    }
    return errs;
  },
  table: {
    columns: [nameCol(), col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageCol()],
    cells(obj, now) {
      return [obj.metadata?.name ?? '', typeof obj.spec?.holderIdentity === 'string' ? obj.spec.holderIdentity : '', ageOf(obj, now)];
    },
  },
};
