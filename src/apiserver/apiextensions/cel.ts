// x-kubernetes-validations: the CEL rules of a structural schema, compiled once per rule
// through compileCel and evaluated at every node that carries them, with `self` (and `oldSelf`
// for transition rules, on updates where the old value can be correlated), upstream's message,
// messageExpression, reason and fieldPath handling and its "failed rule: ..." default text.

import { CelCompileError, CelEvalError, compileCel, type CelProgram } from '../../apimachinery/cel/index.js';
import type { FieldError } from '../../apimachinery/errors.js';
import type { Schema, ValidationRule } from '../../apimachinery/schema/types.js';

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

const programs = new Map<string, CelProgram | Error>();

/** Compile (cached) a rule or message expression; returns the program or the compile error. */
export function compileRule(expr: string): CelProgram | Error {
  let p = programs.get(expr);
  if (!p) {
    try {
      p = compileCel(expr, { variables: ['self', 'oldSelf'] });
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    programs.set(expr, p);
  }
  return p;
}

/** Whether a rule is a transition rule (refers to oldSelf). */
export function isTransitionRule(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

/** Whether the schema has any x-kubernetes-validations. */
export function hasRules(s: Schema | undefined): boolean {
  if (!s) return false;
  if (s['x-kubernetes-validations']?.length) return true;
  if (s.properties && Object.values(s.properties).some(hasRules)) return true;
  if (isObj(s.additionalProperties) && hasRules(s.additionalProperties as Schema)) return true;
  return !!s.items && hasRules(s.items);
}

/** Upstream's rule text in the default message: whitespace runs collapsed. */
function ruleText(rule: string): string {
  return rule.replace(/\s+/g, ' ').trim();
}

function schemaTypeName(s: Schema, v: unknown): string {
  if (s.type) return s.type;
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' ? 'string' : 'integer';
  return Array.isArray(v) ? 'array' : isObj(v) ? 'object' : typeof v;
}

const ABSENT = Symbol('absent');

/**
 * Evaluate every rule of `s` over `value` (and `old`, ABSENT when there is no correlated old
 * value). Errors are appended to errs.
 */
export function evalRules(value: unknown, old: unknown, s: Schema | undefined, path: string, errs: FieldError[]): void {
  if (!s || value === undefined || value === null) return;
  for (const rule of s['x-kubernetes-validations'] ?? []) evalRule(rule, value, old, s, path, errs);
  if (Array.isArray(value)) {
    if (!s.items) return;
    const keys = s['x-kubernetes-list-type'] === 'map' ? s['x-kubernetes-list-map-keys'] ?? [] : undefined;
    const oldByKey = new Map<string, unknown>();
    if (keys && Array.isArray(old)) for (const o of old) if (isObj(o)) oldByKey.set(JSON.stringify(keys.map((k) => o[k])), o);
    value.forEach((it, i) => {
      const o = keys && isObj(it) ? oldByKey.get(JSON.stringify(keys.map((k) => it[k]))) ?? ABSENT : ABSENT;
      evalRules(it, o, s.items, `${path}[${i}]`, errs);
    });
    return;
  }
  if (!isObj(value)) return;
  const oldObj = isObj(old) ? old : undefined;
  if (s.properties) {
    for (const [k, sub] of Object.entries(s.properties)) {
      if (!(k in value)) continue;
      if (path === '' && k === 'metadata') continue;
      evalRules(value[k], oldObj && k in oldObj ? oldObj[k] : ABSENT, sub, child(path, k), errs);
    }
  }
  if (isObj(s.additionalProperties)) {
    for (const k of Object.keys(value)) {
      if (s.properties && k in s.properties) continue;
      evalRules(value[k], oldObj && k in oldObj ? oldObj[k] : ABSENT, s.additionalProperties as Schema, child(path, k), errs);
    }
  }
}

function evalRule(rule: ValidationRule, value: unknown, old: unknown, s: Schema, path: string, errs: FieldError[]): void {
  const transition = isTransitionRule(rule.rule);
  if (transition && old === ABSENT && !rule.optionalOldSelf) return;
  const prog = compileRule(rule.rule);
  const field = rule.fieldPath ? path + (rule.fieldPath.startsWith('.') || rule.fieldPath.startsWith('[') ? rule.fieldPath : `.${rule.fieldPath}`) : path;
  const shownPath = field.replace(/^\./, '');
  const typeName = schemaTypeName(s, value);
  if (prog instanceof Error) {
    errs.push({ type: 'InternalError', field: shownPath, detail: `rule compiler initialization error: ${prog.message}` });
    return;
  }
  const vars: Record<string, unknown> = { self: value };
  if (transition) vars.oldSelf = old === ABSENT ? null : old;
  let ok: unknown;
  try {
    ok = prog.eval(vars);
  } catch (err) {
    const msg = err instanceof CelEvalError || err instanceof CelCompileError ? err.message : String((err as Error)?.message ?? err);
    errs.push({ type: 'FieldValueInvalid', field: shownPath, value: typeName, detail: `${ruleText(rule.rule)}: ${msg}` });
    return;
  }
  if (ok === true) return;
  let message = rule.message || `failed rule: ${ruleText(rule.rule)}`;
  if (rule.messageExpression) {
    const mp = compileRule(rule.messageExpression);
    if (!(mp instanceof Error)) {
      try {
        const m = mp.eval(vars);
        if (typeof m === 'string' && m.trim() && !m.includes('\n')) message = m;
      } catch {
        /* upstream falls back to message */
      }
    }
  }
  switch (rule.reason) {
    case 'FieldValueForbidden':
      errs.push({ type: 'FieldValueForbidden', field: shownPath, detail: message });
      break;
    case 'FieldValueRequired':
      errs.push({ type: 'FieldValueRequired', field: shownPath, detail: message });
      break;
    case 'FieldValueDuplicate':
      errs.push({ type: 'FieldValueDuplicate', field: shownPath, value: message });
      break;
    default:
      errs.push({ type: 'FieldValueInvalid', field: shownPath, value: typeName, detail: message });
  }
}

/** Rules of a whole custom resource; `old` is the stored object on updates. */
export function validateRules(obj: Record<string, unknown>, old: Record<string, unknown> | undefined, schema: Schema | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!schema || !hasRules(schema)) return errs;
  evalRules(obj, old ?? ABSENT, schema, '', errs);
  return errs;
}
