// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (with its status subresource) and
// ValidatingAdmissionPolicyBinding: defaults, validation (CEL expressions compiled, upstream's
// messages) and the Table columns (VALIDATIONS / PARAMKIND, POLICYNAME / PARAMREF).

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { isQualifiedName, isCIdentifier } from '../../../apimachinery/validation.js';
import { ageCol, ageOf, col, nameCol } from '../groups-common.js';
import type { KObject, ResourceDef } from '../types.js';
import {
  FAILURE_POLICIES, defaultRule, defaultSelectors, isObj, list, validateExpression, validateMatchConditions, validateRule, validateSelectors,
} from './common.js';

/** The variables a policy's expressions may use (authorizer is not offered by k8ts). */
export const POLICY_VARS = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'];
const ACTIONS = ['Audit', 'Deny', 'Warn'];
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'];

function defaultMatchResources(m: unknown): void {
  if (!isObj(m)) return;
  defaultSelectors(m);
  for (const r of [...list(m.resourceRules), ...list(m.excludeResourceRules)]) defaultRule(r);
}

function validateMatchResources(m: unknown, path: string, required: boolean): FieldError[] {
  if (!isObj(m)) return required ? [fieldErr.required(path, '')] : [];
  const errs = validateSelectors(m, `${path}.`);
  if (required && list(m.resourceRules).length === 0) errs.push(fieldErr.required(`${path}.resourceRules`, ''));
  list(m.resourceRules).forEach((r, i) => errs.push(...validateRule(r, `${path}.resourceRules[${i}]`)));
  list(m.excludeResourceRules).forEach((r, i) => errs.push(...validateRule(r, `${path}.excludeResourceRules[${i}]`)));
  return errs;
}

function validatePolicy(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (spec.failurePolicy !== undefined && !FAILURE_POLICIES.includes(spec.failurePolicy)) errs.push(fieldErr.notSupported('spec.failurePolicy', spec.failurePolicy, FAILURE_POLICIES));
  if (spec.paramKind !== undefined && spec.paramKind !== null) {
    const pk = isObj(spec.paramKind) ? spec.paramKind : {};
    if (!pk.apiVersion) errs.push(fieldErr.required('spec.paramKind.apiVersion', ''));
    if (!pk.kind) errs.push(fieldErr.required('spec.paramKind.kind', ''));
  }
  errs.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true));
  const validations = list(spec.validations);
  const audits = list(spec.auditAnnotations);
  if (validations.length === 0 && audits.length === 0) errs.push(fieldErr.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  const seenVars = new Set<string>();
  list(spec.variables).forEach((v, i) => {
    const name = isObj(v) ? v.name : undefined;
    if (typeof name !== 'string' || !name) errs.push(fieldErr.required(`spec.variables[${i}].name`, ''));
    else {
      for (const m of isCIdentifier(name)) errs.push(fieldErr.invalid(`spec.variables[${i}].name`, name, m));
      if (seenVars.has(name)) errs.push(fieldErr.duplicate(`spec.variables[${i}].name`, name));
      seenVars.add(name);
    }
    errs.push(...validateExpression(isObj(v) ? v.expression : undefined, `spec.variables[${i}].expression`, POLICY_VARS));
  });
  validations.forEach((v, i) => {
    const p = `spec.validations[${i}]`;
    const x = isObj(v) ? v : {};
    errs.push(...validateExpression(x.expression, `${p}.expression`, POLICY_VARS));
    if (typeof x.message === 'string' && (x.message.trim() === '' || x.message.includes('\n'))) {
      errs.push(fieldErr.invalid(`${p}.message`, x.message, x.message.trim() === '' ? 'message must be non-empty if specified' : 'message must not contain line breaks'));
    }
    if (x.messageExpression !== undefined && x.messageExpression !== null) errs.push(...validateExpression(x.messageExpression, `${p}.messageExpression`, POLICY_VARS));
    if (x.reason !== undefined && x.reason !== null && !REASONS.includes(x.reason)) errs.push(fieldErr.notSupported(`${p}.reason`, x.reason, REASONS));
  });
  const seenKeys = new Set<string>();
  audits.forEach((a, i) => {
    const p = `spec.auditAnnotations[${i}]`;
    const x = isObj(a) ? a : {};
    if (typeof x.key !== 'string' || !x.key) errs.push(fieldErr.required(`${p}.key`, ''));
    else {
      for (const m of isQualifiedName(`${obj.metadata?.name ?? ''}/${x.key}`)) errs.push(fieldErr.invalid(`${p}.key`, x.key, m));
      if (seenKeys.has(x.key)) errs.push(fieldErr.duplicate(`${p}.key`, x.key));
      seenKeys.add(x.key);
    }
    errs.push(...validateExpression(x.valueExpression, `${p}.valueExpression`, POLICY_VARS));
  });
  errs.push(...validateMatchConditions(spec.matchConditions, 'spec.matchConditions', POLICY_VARS));
  return errs;
}

function validateBinding(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (!spec.policyName) errs.push(fieldErr.required('spec.policyName', ''));
  const actions = list(spec.validationActions);
  if (actions.length === 0) errs.push(fieldErr.required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(fieldErr.notSupported(`spec.validationActions[${i}]`, a, ACTIONS));
    if (seen.has(a)) errs.push(fieldErr.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) errs.push(fieldErr.invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  if (isObj(spec.paramRef)) {
    const r = spec.paramRef;
    if (r.name && r.selector) errs.push(fieldErr.forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    if (!r.name && !r.selector) errs.push(fieldErr.required('spec.paramRef', 'one of name or selector must be specified'));
    if (!r.parameterNotFoundAction) errs.push(fieldErr.required('spec.paramRef.parameterNotFoundAction', ''));
    else if (!['Allow', 'Deny'].includes(r.parameterNotFoundAction)) errs.push(fieldErr.notSupported('spec.paramRef.parameterNotFoundAction', r.parameterNotFoundAction, ['Allow', 'Deny']));
  }
  errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResources', false));
  return errs;
}

export const validatingAdmissionPolicyDef: ResourceDef = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  singular: 'validatingadmissionpolicy',
  namespaced: false,
  categories: ['api-extensions'],
  storageResource: 'validatingadmissionpolicies',
  subresources: { status: true },
  generation: true,
  defaults(obj) {
    if (!isObj(obj.spec)) return;
    if (obj.spec.failurePolicy === undefined || obj.spec.failurePolicy === null) obj.spec.failurePolicy = 'Fail';
    defaultMatchResources(obj.spec.matchConstraints);
  },
  prepareForCreate(obj) {
    delete obj.status;
  },
  prepareForUpdate(obj, old) {
    if (old.status !== undefined) obj.status = old.status;
    else delete obj.status;
  },
  validate: (obj, ctx) => (ctx.subresource === 'status' ? [] : validatePolicy(obj)),
  table: {
    columns: [
      nameCol(),
      col('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
      col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
      ageCol(),
    ],
    cells(obj, now) {
      const pk = obj.spec?.paramKind;
      return [
        obj.metadata?.name ?? '',
        list(obj.spec?.validations).length,
        isObj(pk) ? `${pk.apiVersion ?? ''}/${pk.kind ?? ''}` : '<unset>',
        ageOf(obj, now),
      ];
    },
  },
};

export const validatingAdmissionPolicyBindingDef: ResourceDef = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
  singular: 'validatingadmissionpolicybinding',
  namespaced: false,
  categories: ['api-extensions'],
  storageResource: 'validatingadmissionpolicybindings',
  generation: true,
  defaults(obj) {
    if (isObj(obj.spec)) defaultMatchResources(obj.spec.matchResources);
  },
  validate: (obj) => validateBinding(obj),
  table: {
    columns: [
      nameCol(),
      col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
      col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
      ageCol(),
    ],
    cells(obj, now) {
      const r = obj.spec?.paramRef;
      let ref = '<unset>';
      if (isObj(r)) {
        if (r.name) ref = r.namespace ? `${r.namespace}/${r.name}` : `*/${r.name}`;
        else if (r.selector) ref = `${r.namespace ? r.namespace : '*'}/*`;
      }
      return [obj.metadata?.name ?? '', obj.spec?.policyName ?? '', ref, ageOf(obj, now)];
    },
  },
};
