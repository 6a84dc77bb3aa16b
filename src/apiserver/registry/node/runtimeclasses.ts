// node.k8s.io/v1 RuntimeClass: validation (handler a DNS label and immutable, overhead,
// scheduling node selector and tolerations) and the Table columns (NAME HANDLER AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Label, validateImmutableField, validateLabels } from '../../../apimachinery/validation.js';
import { validateTolerations } from '../core/podspec.js';
import { validateQuantityValue, validateResourceName } from '../core/helpers.js';
import { ageCol, ageOf, arr, col, isObj, nameCol } from '../groups-common.js';
import type { ResourceDef } from '../types.js';

export const runtimeClassDef: ResourceDef = {
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  namespaced: false,
  storageResource: 'runtimeclasses',
  validate(obj) {
    const errs: FieldError[] = [];
    const handler = typeof obj.handler === 'string' ? obj.handler : '';
    for (const m of isDNS1123Label(handler)) errs.push(fieldErr.invalid('handler', handler, m));
    if (isObj(obj.overhead) && isObj(obj.overhead.podFixed)) {
      for (const [k, v] of Object.entries(obj.overhead.podFixed)) {
        const p = `overhead.podFixed[${k}]`;
        errs.push(...validateResourceName(k, p));
        errs.push(...validateQuantityValue(k, v, p).errs);
      }
    }
    if (isObj(obj.scheduling)) {
      errs.push(...validateLabels(obj.scheduling.nodeSelector, 'scheduling.nodeSelector'));
      errs.push(...validateTolerations(arr(obj.scheduling.tolerations), 'scheduling.tolerations'));
    }
    return errs;
  },
  validateUpdate(obj, old) {
    return validateImmutableField(obj.handler, old.handler, 'handler');
  },
  table: {
    columns: [nameCol(), col('Handler', 'string', ''), ageCol()],
    cells(obj, now) {
      return [obj.metadata?.name ?? '', typeof obj.handler === 'string' ? obj.handler : '', ageOf(obj, now)];
    },
  },
};
