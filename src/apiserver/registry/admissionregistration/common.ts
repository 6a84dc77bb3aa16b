// admissionregistration.k8s.io/v1 pieces the webhook configurations and the admission policies
// share: rule defaults and validation (operations, groups, versions, resources, scope),
// matchConditions (CEL compiled for validation), match resources, and upstream's enums.

import { fieldErr, type FieldError } from '../../../apimachinery/errors.js';
import { validateLabelSelector, isQualifiedName } from '../../../apimachinery/validation.js';
import { compileCel, CelCompileError } from '../../../apimachinery/cel/index.js';
import type { KObject } from '../types.js';

export const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
export const FAILURE_POLICIES = ['Fail', 'Ignore'];
export const MATCH_POLICIES = ['Equivalent', 'Exact'];
export const SCOPES = ['*', 'Cluster', 'Namespaced'];
/** The variables matchConditions may use (authorizer is not offered by k8ts). */
export const MATCH_CONDITION_VARS = ['object', 'oldObject', 'request', 'params', 'namespaceObject'];

export function isObj(v: unknown): v is KObject {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function list(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** SetDefaults of a RuleWithOperations (and of a NamedRuleWithOperations): scope "*". */
export function defaultRule(r: KObject): void {
  if (isObj(r) && (r.scope === undefined || r.scope === null)) r.scope = '*';
}

/** namespaceSelector / objectSelector / matchPolicy defaults of a webhook or MatchResources. */
export function defaultSelectors(w: KObject): void {
  if (w.namespaceSelector === undefined || w.namespaceSelector === null) w.namespaceSelector = {};
  if (w.objectSelector === undefined || w.objectSelector === null) w.objectSelector = {};
  if (w.matchPolicy === undefined || w.matchPolicy === null) w.matchPolicy = 'Equivalent';
}

function validateSubresourceList(items: unknown, path: string, what: string, withSubresources: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const xs = list(items);
  if (xs.length === 0) errs.push(fieldErr.required(path, ''));
  const hasAll = xs.includes('*');
  if (hasAll && xs.length > 1) errs.push(fieldErr.invalid(path, xs, `if '*' is present, must not specify other ${what}`));
  xs.forEach((x, i) => {
    if (x === '') errs.push(fieldErr.required(`${path}[${i}]`, ''));
    if (withSubresources && typeof x === 'string' && x.includes('/')) {
      const [res, sub] = x.split('/', 2);
      if (res === '' || sub === '') errs.push(fieldErr.invalid(`${path}[${i}]`, x, 'must not be empty'));
    }
  });
  return errs;
}

/** ValidateRuleWithOperations. */
export function validateRule(r: KObject, path: string, withOperations = true): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(r)) return [fieldErr.required(path, '')];
  if (withOperations) {
    const ops = list(r.operations);
    if (ops.length === 0) errs.push(fieldErr.required(`${path}.operations`, ''));
    if (ops.length > 1 && ops.includes('*')) errs.push(fieldErr.invalid(`${path}.operations`, ops, "if '*' is present, must not specify other operations"));
    ops.forEach((o, i) => {
      if (!OPERATIONS.includes(o)) errs.push(fieldErr.notSupported(`${path}.operations[${i}]`, o, OPERATIONS));
    });
  }
  if (list(r.apiGroups).length === 0) errs.push(fieldErr.required(`${path}.apiGroups`, ''));
  else if (list(r.apiGroups).includes('*') && list(r.apiGroups).length > 1) errs.push(fieldErr.invalid(`${path}.apiGroups`, r.apiGroups, "if '*' is present, must not specify other API groups"));
  errs.push(...validateSubresourceList(r.apiVersions, `${path}.apiVersions`, 'API versions', false));
  errs.push(...validateSubresourceList(r.resources, `${path}.resources`, 'resources', true));
  if (r.scope !== undefined && r.scope !== null && !SCOPES.includes(r.scope)) errs.push(fieldErr.notSupported(`${path}.scope`, r.scope, SCOPES));
  return errs;
}

/** A CEL expression's compile error as a field error (upstream: Invalid value: "<expr>": compilation failed: ...). */
export function validateExpression(expr: unknown, path: string, variables: string[]): FieldError[] {
  if (typeof expr !== 'string' || expr === '') return [fieldErr.required(path, '')];
  try {
    compileCel(expr, { variables });
    return [];
  } catch (e) {
    if (e instanceof CelCompileError) return [fieldErr.invalid(path, expr, `compilation failed: ${e.message}`)];
    throw e;
  }
}

/** matchConditions: unique qualified names, non-empty compiling expressions, at most 64. */
export function validateMatchConditions(conds: unknown, path: string, variables = MATCH_CONDITION_VARS): FieldError[] {
  const errs: FieldError[] = [];
  const xs = list(conds);
  if (xs.length > 64) errs.push(fieldErr.invalid(path, xs.length, 'must have at most 64 items'));
  const seen = new Set<string>();
  xs.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = isObj(c) ? c.name : undefined;
    if (typeof name !== 'string' || name === '') errs.push(fieldErr.required(`${p}.name`, ''));
    else {
      for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(`${p}.name`, name, m));
      if (seen.has(name)) errs.push(fieldErr.duplicate(`${p}.name`, name));
      seen.add(name);
    }
    errs.push(...validateExpression(isObj(c) ? c.expression : undefined, `${p}.expression`, variables));
  });
  return errs;
}

export function validateSelectors(w: KObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(w.namespaceSelector)) errs.push(...validateLabelSelector(w.namespaceSelector as any, `${path}namespaceSelector`));
  if (isObj(w.objectSelector)) errs.push(...validateLabelSelector(w.objectSelector as any, `${path}objectSelector`));
  if (w.matchPolicy !== undefined && !MATCH_POLICIES.includes(w.matchPolicy)) errs.push(fieldErr.notSupported(`${path}matchPolicy`, w.matchPolicy, MATCH_POLICIES));
  return errs;
}
