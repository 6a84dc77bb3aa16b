// core/v1 LimitRange: upstream's defaulting of container items (default limit from max,
// default request from default or min) and the consistency rules between min, max,
// default, defaultRequest and maxLimitRequestRatio. Printed with the default table.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName } from '../../../apimachinery/validation.js';
import type { Quantity } from '../../../apimachinery/quantity.js';
import { newQuantity } from '../../../apimachinery/quantity.js';
import type { KObject, ResourceDef } from '../types.js';
import { arr, check, isObj, isOvercommitAllowed, keyPath, obj, str, validateContainerResourceName, validateQuantityValue, validateResourceName } from './helpers.js';

const standardTypes = ['Container', 'PersistentVolumeClaim', 'Pod'];

/** SetDefaults_LimitRangeItem for every Container item. */
function defaults(lr: KObject): void {
  for (const item of arr(obj(lr.spec).limits)) {
    if (!isObj(item) || item.type !== 'Container') continue;
    const def: Record<string, unknown> = isObj(item.default) ? item.default : {};
    const defReq: Record<string, unknown> = isObj(item.defaultRequest) ? item.defaultRequest : {};
    for (const [k, v] of Object.entries(obj(item.max))) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(obj(item.min))) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(defReq).length) item.defaultRequest = defReq;
  }
}

function validateTypeName(t: string, path: string): FieldError[] {
  const errs = check(isQualifiedName(t), path, t);
  if (!t.includes('/') && !standardTypes.includes(t)) errs.push(fieldErr.invalid(path, t, 'must be a standard limit type or fully qualified'));
  return errs;
}

/** ValidateLimitRange. */
export function validateLimitRange(lr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  arr(obj(lr.spec).limits).forEach((raw, i) => {
    const item = obj(raw);
    const p = `spec.limits[${i}]`;
    const type = str(item.type);
    errs.push(...validateTypeName(type, `${p}.type`));
    if (types.has(type)) errs.push(fieldErr.duplicate(`${p}.type`, type));
    types.add(type);
    const keys = new Set<string>();
    const collect = (field: string): Map<string, Quantity> => {
      const m = new Map<string, Quantity>();
      for (const [k, v] of Object.entries(obj(item[field]))) {
        const kp = keyPath(`${p}.${field}`, k);
        errs.push(...(type === 'Pod' || type === 'Container' ? validateContainerResourceName(k, kp) : validateResourceName(k, kp)));
        const { errs: qe, q } = validateQuantityValue(k, v, kp);
        errs.push(...qe);
        keys.add(k);
        if (q) m.set(k, q);
      }
      return m;
    };
    const max = collect('max');
    const min = collect('min');
    let def = new Map<string, Quantity>();
    let defReq = new Map<string, Quantity>();
    if (type === 'Pod') {
      if (Object.keys(obj(item.default)).length) errs.push(fieldErr.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(obj(item.defaultRequest)).length) errs.push(fieldErr.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      def = collect('default');
      defReq = collect('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in obj(item.min)) && !('storage' in obj(item.max))) {
      errs.push(fieldErr.required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const ratio = collect('maxLimitRequestRatio');
    for (const k of keys) {
      const mn = min.get(k);
      const mx = max.get(k);
      const d = def.get(k);
      const dr = defReq.get(k);
      const r = ratio.get(k);
      if (mn && mx && mn.cmp(mx) > 0) errs.push(fieldErr.invalid(keyPath(`${p}.min`, k), mn.toString(), `min value ${mn} is greater than max value ${mx}`));
      if (dr && mn && mn.cmp(dr) > 0) errs.push(fieldErr.invalid(keyPath(`${p}.defaultRequest`, k), dr.toString(), `min value ${mn} is greater than default request value ${dr}`));
      if (dr && mx && dr.cmp(mx) > 0) errs.push(fieldErr.invalid(keyPath(`${p}.defaultRequest`, k), dr.toString(), `default request value ${dr} is greater than max value ${mx}`));
      if (dr && d && dr.cmp(d) > 0) errs.push(fieldErr.invalid(keyPath(`${p}.defaultRequest`, k), dr.toString(), `default request value ${dr} is greater than default limit value ${d}`));
      if (d && mn && mn.cmp(d) > 0) errs.push(fieldErr.invalid(keyPath(`${p}.default`, k), mn.toString(), `min value ${mn} is greater than default value ${d}`));
      if (d && mx && d.cmp(mx) > 0) errs.push(fieldErr.invalid(keyPath(`${p}.default`, k), mx.toString(), `default value ${d} is greater than max value ${mx}`));
      if (r && r.cmp(newQuantity(1)) < 0) errs.push(fieldErr.invalid(keyPath(`${p}.maxLimitRequestRatio`, k), r.toString(), `ratio ${r} is less than 1`));
      if (r && mn && mx && mn.sign() > 0) {
        const limit = mx.milliValue() / mn.milliValue();
        if (r.milliValue() / 1000 > limit) {
          errs.push(fieldErr.invalid(keyPath(`${p}.maxLimitRequestRatio`, k), r.toString(), `ratio ${r} is greater than max/min = ${limit.toFixed(6)}`));
        }
      }
      if (!isOvercommitAllowed(k) && d && dr && d.cmp(dr) !== 0) {
        errs.push(fieldErr.invalid(keyPath(`${p}.defaultRequest`, k), dr.toString(), `default value ${d} must equal to defaultRequest value ${dr} in ${k}`));
      }
    }
  });
  return errs;
}

export const limitranges: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  defaults,
  validate: (lr) => validateLimitRange(lr),
  nameRule: 'subdomain',
};
