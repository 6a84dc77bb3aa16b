// networking.k8s.io/v1 IngressClass: defaults (parameters scope Cluster), validation
// (controller a domain-prefixed path, immutable; parameters reference and scope) and the
// Table columns (NAME CONTROLLER PARAMETERS AGE).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isDNS1123Label, isDNS1123Subdomain, regexError, validateImmutableField } from '../../../apimachinery/validation.js';
import { validateTypedLocalObjectReference } from './ingresses.js';
import { ageCol, ageOf, col, isObj, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';

const MaxControllerLength = 250;
const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** IsDomainPrefixedPath. */
function validateDomainPrefixedPath(v: string, path: string): FieldError[] {
  if (v.length === 0) return [fieldErr.required(path, '')];
  const i = v.indexOf('/');
  const host = i < 0 ? v : v.slice(0, i);
  const rest = i < 0 ? '' : v.slice(i + 1);
  if (i < 0 || host.length === 0 || rest.length === 0) {
    return [fieldErr.invalid(path, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs: FieldError[] = [];
  for (const m of isDNS1123Subdomain(host)) errs.push(fieldErr.invalid(path, host, m));
  if (!httpPathRe.test(rest)) errs.push(fieldErr.invalid(path, rest, regexError('must be a valid path', httpPathFmt)));
  return errs;
}

function validateParameters(p: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateTypedLocalObjectReference(p, path));
  switch (p.scope) {
    case undefined:
    case null:
      errs.push(fieldErr.required(`${path}.scope`, ''));
      break;
    case 'Namespace':
      if (typeof p.namespace !== 'string') errs.push(fieldErr.required(`${path}.namespace`, '`parameters.scope` is set to \'Namespace\''));
      else for (const m of isDNS1123Label(p.namespace)) errs.push(fieldErr.invalid(`${path}.namespace`, p.namespace, m));
      break;
    case 'Cluster':
      if (p.namespace !== undefined && p.namespace !== null) errs.push(fieldErr.forbidden(`${path}.namespace`, '`parameters.scope` is set to \'Cluster\''));
      break;
    default:
      errs.push(fieldErr.notSupported(`${path}.scope`, p.scope, ['Cluster', 'Namespace']));
  }
  return errs;
}

export const ingressClassDef: ResourceDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  storageResource: 'ingressclasses',
  generation: true,
  defaults(obj) {
    const params = obj.spec?.parameters;
    if (isObj(params) && !params.scope) params.scope = 'Cluster';
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const spec = isObj(obj.spec) ? obj.spec : {};
    const controller = typeof spec.controller === 'string' ? spec.controller : '';
    if (controller.length > MaxControllerLength) errs.push(fieldErr.tooLong('spec.controller', controller, MaxControllerLength));
    errs.push(...validateDomainPrefixedPath(controller, 'spec.controller'));
    if (isObj(spec.parameters)) errs.push(...validateParameters(spec.parameters, 'spec.parameters'));
    return errs;
  },
  validateUpdate(obj, old) {
    return validateImmutableField(obj.spec?.controller, old.spec?.controller, 'spec.controller');
  },
  table: {
    columns: [
      nameCol(),
      col('Controller', 'string', 'Controller that is responsible for handling this class'),
      col('Parameters', 'string', 'A reference to a resource with additional parameters'),
      ageCol(),
    ],
    cells(obj, now) {
      const p = obj.spec?.parameters;
      let params = '<none>';
      if (isObj(p)) {
        params = String(p.kind ?? '');
        if (typeof p.apiGroup === 'string') params += `.${p.apiGroup}`;
        params += `/${p.name ?? ''}`;
      }
      return [obj.metadata?.name ?? '', obj.spec?.controller ?? '', params, ageOf(obj, now)];
    },
  },
};
